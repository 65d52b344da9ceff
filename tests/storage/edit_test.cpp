// Editing a copy: a commit writes only what the application changed since it read the
// record, whatever reached the library in between; update<M>; the library lock and the
// read-only open.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <SQLiteCpp/Database.h>

#include "support/error_code.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"
#include "support/two_devices.hpp"

using namespace hsync_test;
using namespace photos;

TEST_CASE("a commit from a copy read before a peer's edit keeps the peer's field", "[storage][edit]") {
    two_devices d;
    const Tag tag = d.shared_tag("sunset");

    std::optional<Tag> copy = d.a.get<Tag>(tag.uuid);  // a form on device a shows the tag
    REQUIRE(copy);

    d.b.update<Tag>(tag.uuid, [](Tag& t) { t.display_name = "Sunset (from b)"; });
    REQUIRE(two_devices::deliver(d.a, d.from_b).applied == 1);  // b's edit reaches a

    copy->color = "orange";  // the user edits another field of the form, then saves
    d.a.commit(*copy);
    REQUIRE(d.from_a.size() == 1);
    const auto& entry = d.from_a[0].shared.at(0).entries.at(0);
    REQUIRE(hsync::values_json(d.a, "tag", entry.values) == nlohmann::json{{"color", "orange"}});  // only the edited field travels
    two_devices::deliver(d.b, d.from_a);

    for (auto* lib : {&d.a, &d.b}) {
        const auto stored = lib->get<Tag>(tag.uuid);
        REQUIRE(stored->display_name == "Sunset (from b)");
        REQUIRE(stored->color == "orange");
    }
}

TEST_CASE("copies from all(), query() and events are edited the same way", "[storage][edit]") {
    two_devices d;
    const Tag tag = d.shared_tag("beach");

    std::optional<Tag> heard;
    d.a.on<Tag>([&](const hsync::change<Tag>& c) { heard = c.value; });
    Tag from_all = d.a.all<Tag>().at(0);
    Tag from_query = d.a.query<Tag>("WHERE canonical_name = ?", "beach").at(0);

    d.b.update<Tag>(tag.uuid, [](Tag& t) { t.search_weight = 7; });
    two_devices::deliver(d.a, d.from_b);
    REQUIRE(heard);  // the event's copy is of the version b's change made
    REQUIRE(heard->search_weight == 7);

    d.b.update<Tag>(tag.uuid, [](Tag& t) { t.display_name = "Beach"; });
    two_devices::deliver(d.a, d.from_b);

    from_all.color = "blue";
    d.a.commit(from_all);
    from_query.canonical_name = "beach-2";
    d.a.commit(from_query);
    heard->color = "teal";
    d.a.commit(*heard);

    const auto stored = d.a.get<Tag>(tag.uuid);
    REQUIRE(stored->search_weight == 7);
    REQUIRE(stored->display_name == "Beach");
    REQUIRE(stored->canonical_name == "beach-2");
    REQUIRE(stored->color == "teal");
}

TEST_CASE("a field both sides changed takes the application's edit, the newest write", "[storage][edit]") {
    two_devices d;
    const Tag tag = d.shared_tag("forest");
    Tag copy = *d.a.get<Tag>(tag.uuid);
    d.b.update<Tag>(tag.uuid, [](Tag& t) { t.color = "green"; });
    two_devices::deliver(d.a, d.from_b);
    copy.color = "dark green";
    d.a.commit(copy);
    two_devices::deliver(d.b, d.from_a);
    REQUIRE(d.a.get<Tag>(tag.uuid)->color == "dark green");
    REQUIRE(d.b.get<Tag>(tag.uuid)->color == "dark green");
}

TEST_CASE("a copy committed again and again keeps merging from the version it last wrote", "[storage][edit]") {
    two_devices d;
    const Tag tag = d.shared_tag("lake");
    Tag form = *d.a.get<Tag>(tag.uuid);

    form.color = "blue";
    d.a.commit(form);  // written whole: the form now stands for the version it made
    d.b.update<Tag>(tag.uuid, [](Tag& t) { t.display_name = "Lake"; });
    two_devices::deliver(d.a, d.from_b);
    form.search_weight = 3;
    d.a.commit(form);  // merged: b's display name stays
    d.b.update<Tag>(tag.uuid, [](Tag& t) { t.canonical_name = "lake-b"; });
    two_devices::deliver(d.a, d.from_b);
    form.color = "navy";
    d.a.commit(form);  // still read before b's first edit: both of b's edits stay

    const auto stored = d.a.get<Tag>(tag.uuid);
    REQUIRE(stored->display_name == "Lake");
    REQUIRE(stored->canonical_name == "lake-b");
    REQUIRE(stored->search_weight == 3);
    REQUIRE(stored->color == "navy");
}

TEST_CASE("a stale copy of a device-owned record does not roll back the owner's later commit", "[storage][edit]") {
    temp_dir dir;
    hsync::identity me{hsync::uuid::v4()};
    seed_library lib{dir / "lib.db", me};
    Location loc = make_location(me.device_id, "/photos");
    lib.commit(loc);

    Location settings_form = *lib.get<Location>(loc.uuid);  // one screen reads it
    Location scanner = *lib.get<Location>(loc.uuid);        // the indexer reads it too
    scanner.total_file_count = 1200;
    scanner.scan_state = "done";
    lib.commit(scanner);

    settings_form.name = "Photos";
    lib.commit(settings_form);
    const auto stored = lib.get<Location>(loc.uuid);
    REQUIRE(stored->total_file_count == 1200);
    REQUIRE(*stored->scan_state == "done");  // local<> fields merge the same way
    REQUIRE(stored->name == "Photos");
}

TEST_CASE("a record the application builds itself is written whole", "[storage][edit]") {
    two_devices d;
    const Tag tag = d.shared_tag("river");
    d.b.update<Tag>(tag.uuid, [](Tag& t) { t.color = "grey"; });
    two_devices::deliver(d.a, d.from_b);

    Tag rebuilt{hsync::record_id{tag.uuid.value}, "river"};  // from the application's own source
    d.a.commit(rebuilt);
    REQUIRE(d.a.get<Tag>(tag.uuid)->color == std::nullopt);
}

TEST_CASE("a copy of a record a peer deleted since cannot be committed", "[storage][edit]") {
    two_devices d;
    const Tag tag = d.shared_tag("snow");
    Tag copy = *d.a.get<Tag>(tag.uuid);
    d.b.remove<Tag>(tag.uuid);
    two_devices::deliver(d.a, d.from_b);

    copy.color = "white";
    REQUIRE(code_of([&] { d.a.commit(copy); }) == hsync::errc::record_deleted);
    REQUIRE(code_of([&] { d.a.update<Tag>(tag.uuid, [](Tag& t) { t.color = "white"; }); }) == hsync::errc::record_deleted);
    REQUIRE_FALSE(d.a.get<Tag>(tag.uuid));
    REQUIRE(d.from_a.empty());
}

TEST_CASE("a copy older than the kept versions is refused with stale_copy, and nothing changes", "[storage][edit]") {
    temp_dir dir;
    hsync::identity me{hsync::uuid::v4()};
    hsync::library_options options;
    options.read_version_memory = 4096;  // a few versions of a Tag
    seed_library lib{dir / "lib.db", me, options};
    Tag tag = make_tag("cloud");
    lib.commit(tag);
    Tag old_copy = *lib.get<Tag>(tag.uuid);
    lib.update<Tag>(tag.uuid, [](Tag& t) { t.display_name = "Cloud"; });

    // Many reads and writes later the version old_copy was read from is no longer kept.
    std::vector<Tag> others;
    for (int i = 0; i < 50; ++i) {
        others.push_back(make_tag("other-" + std::to_string(i)));
        lib.commit(others.back());
    }
    for (auto& other : others) {
        Tag copy = *lib.get<Tag>(other.uuid);
        lib.update<Tag>(other.uuid, [](Tag& t) { t.search_weight = 1; });
        copy.color = "x";
        lib.commit(copy);
    }
    const std::uint64_t before = hsync::replica(lib).current_seq();
    old_copy.color = "grey";
    REQUIRE(code_of([&] { lib.commit(old_copy); }) == hsync::errc::stale_copy);
    REQUIRE(hsync::replica(lib).current_seq() == before);
    REQUIRE(lib.get<Tag>(tag.uuid)->display_name == "Cloud");
    REQUIRE_FALSE(lib.get<Tag>(tag.uuid)->color);

    // update<M> never meets a stale copy.
    lib.update<Tag>(tag.uuid, [](Tag& t) { t.color = "grey"; });
    REQUIRE(lib.get<Tag>(tag.uuid)->color == "grey");
    REQUIRE(lib.get<Tag>(tag.uuid)->display_name == "Cloud");
}

TEST_CASE("update<M> changes what fn changes, in one transaction, and refuses unknown ids", "[storage][edit]") {
    temp_dir dir;
    hsync::identity me{hsync::uuid::v4()};
    seed_library lib{dir / "lib.db", me};
    Tag tag = make_tag("rain");
    lib.commit(tag);
    const Tag result = lib.update<Tag>(tag.uuid, [](Tag& t) { t.search_weight = 5; });
    REQUIRE(result.search_weight == 5);
    REQUIRE(lib.get<Tag>(tag.uuid)->search_weight == 5);
    REQUIRE(code_of([&] { lib.update<Tag>(hsync::uuid::v4(), [](Tag&) {}); }) == hsync::errc::not_found);
    REQUIRE(code_of([&] { lib.update<Tag>(tag.uuid, [](Tag& t) { t.uuid = hsync::record_id::generate(); }); }) ==
            hsync::errc::invalid_change);
    // A throwing fn leaves the record as it was.
    REQUIRE_THROWS_AS(lib.update<Tag>(tag.uuid,
                                      [](Tag& t) {
                                          t.search_weight = 9;
                                          throw std::runtime_error("the user cancelled");
                                      }),
                      std::runtime_error);
    REQUIRE(lib.get<Tag>(tag.uuid)->search_weight == 5);
}

TEST_CASE("a second library object on one file gets library_in_use; a read-only one works", "[storage][lock]") {
    temp_dir dir;
    hsync::identity me{hsync::uuid::v4()};
    auto first = std::make_unique<seed_library>(dir / "lib.db", me);
    Tag tag = make_tag("kept");
    first->commit(tag);

    try {
        seed_library second{dir / "lib.db", me};
        FAIL("a second writer opened the library");
    } catch (const hsync::error& e) {
        REQUIRE(e.code() == hsync::errc::library_in_use);
        const std::string what = e.what();
        REQUIRE(what.find((dir / "lib.db").string()) != std::string::npos);
        REQUIRE(what.find("pid " + std::to_string(::getpid())) != std::string::npos);
    }
    // Another name of the same file takes the same lock.
    std::filesystem::create_symlink(dir / "lib.db", dir / "link.db");
    REQUIRE(code_of([&] { seed_library by_link{dir / "link.db", me}; }) == hsync::errc::library_in_use);

    hsync::library_options look;
    look.read_only = true;
    seed_library viewer{dir / "lib.db", me, look};
    REQUIRE(viewer.get<Tag>(tag.uuid)->canonical_name == "kept");
    REQUIRE(hsync::replica(viewer).current_seq() == hsync::replica(*first).current_seq());
    REQUIRE(code_of([&] { viewer.commit(make_tag("no")); }) == hsync::errc::read_only);
    REQUIRE(code_of([&] { viewer.remove<Tag>(tag.uuid); }) == hsync::errc::read_only);

    first->commit(make_tag("after the failed opens"));  // the holder is unharmed
    first.reset();
    seed_library reopened{dir / "lib.db", me};  // the lock went with the first object
    REQUIRE(reopened.all<Tag>().size() == 2);
}

TEST_CASE("a read-only open of a missing file fails and creates nothing", "[storage][lock]") {
    temp_dir dir;
    hsync::library_options look;
    look.read_only = true;
    REQUIRE(code_of([&] { seed_library lib(dir / "none.db", hsync::identity{hsync::uuid::v4()}, look); }) ==
            hsync::errc::not_found);
    REQUIRE_FALSE(std::filesystem::exists(dir / "none.db"));
}
