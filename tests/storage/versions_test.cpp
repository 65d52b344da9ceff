// An application update on one device: its library file outlives the model version that
// wrote it, and changes from devices on another version arrive with fields missing.
// What must hold: the log written before the update is still served, and read right;
// a missing field is defaulted on insert and kept on update, never cleared.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <string>

#include <hsync/hsync.hpp>

#include "support/error_code.hpp"
#include "support/temp_dir.hpp"
#include "support/values.hpp"

namespace {

namespace v1 {
struct Album {
    static constexpr std::string_view sync_name = "album";
    hsync::record_id uuid;
    std::string title;
    std::int32_t year = 0;
};
struct Camera {  // device-owned
    static constexpr std::string_view sync_name = "camera";
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string model;
};
}  // namespace v1

namespace v2 {  // the next version: an album has a cover, added between two fields
struct Album {
    static constexpr std::string_view sync_name = "album";
    hsync::record_id uuid;
    std::string title;
    std::string cover = "none";
    std::int32_t year = 0;
};
struct Camera {  // and a camera its lens
    static constexpr std::string_view sync_name = "camera";
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string model;
    std::string lens = "unknown";
};
}  // namespace v2

namespace synced_year {
struct Album {
    static constexpr std::string_view sync_name = "album";
    hsync::record_id uuid;
    std::string title;
    std::int32_t year = 0;
};
}  // namespace synced_year

namespace local_year {  // the year stops syncing: each device keeps its own
struct Album {
    static constexpr std::string_view sync_name = "album";
    hsync::record_id uuid;
    std::string title;
    hsync::local<std::int32_t> year;
};
}  // namespace local_year

template <class... Ms>
std::unique_ptr<hsync::library<Ms...>> open_library(const std::filesystem::path& path, const hsync::identity& id,
                                                    const hsync::uuid& library_id) {
    hsync::library_options o;
    o.library_id = library_id;
    return std::make_unique<hsync::library<Ms...>>(path, id, o);
}

}  // namespace

TEST_CASE("a log written before a field was added is served after the update, and a new device backfilling "
          "from it converges",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    const hsync::identity a_id{hsync::uuid::v4()};
    const auto first = hsync::record_id::generate();
    const auto second = hsync::record_id::generate();
    {
        auto a = open_library<v1::Album>(dir / "a.db", a_id, library_id);
        a->commit(v1::Album{first, "Summer", 2001});
        a->commit(v1::Album{second, "Winter", 2002});
        a->commit(v1::Album{second, "Winter", 2003});  // an update of the year alone
    }
    // The application is updated on A: the same file, opened with the new models.
    auto a = open_library<v2::Album>(dir / "a.db", a_id, library_id);
    a->commit(v2::Album{first, "Summer", "beach.jpg", 2001});

    // C, new, backfills A's log from the start.
    auto c = open_library<v2::Album>(dir / "c.db", hsync::identity{hsync::uuid::v4()}, library_id);
    const auto page = hsync::replica(*a).shared_changes(0, 100, false, "album");
    REQUIRE(page.entries.size() == 4);
    REQUIRE_FALSE(page.snapshot_mode);
    const auto r = hsync::replica(*c).apply_shared_changes(page.entries);
    CHECK(r.applied == 4);
    // Each old entry was read in the layout it was written in: the year is not taken for
    // the cover that now sits before it.
    const auto one = c->get<v2::Album>(first);
    const auto two = c->get<v2::Album>(second);
    REQUIRE(one);
    REQUIRE(two);
    CHECK(one->title == "Summer");
    CHECK(one->cover == "beach.jpg");
    CHECK(one->year == 2001);
    CHECK(two->title == "Winter");
    CHECK(two->cover == "none");  // the insert before the update had no cover: the default
    CHECK(two->year == 2003);
    const auto on_a = a->get<v2::Album>(second);
    CHECK((on_a->title == two->title && on_a->cover == two->cover && on_a->year == two->year));
}

TEST_CASE("an update that changed only a field no longer synced leaves the log when the field goes local",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    const hsync::identity id{hsync::uuid::v4()};
    const auto album = hsync::record_id::generate();
    {
        auto a = open_library<synced_year::Album>(dir / "a.db", id, library_id);
        a->commit(synced_year::Album{album, "Summer", 2001});
        a->commit(synced_year::Album{album, "Summer", 2002});
        a->commit(synced_year::Album{album, "Summer!", 2002});
    }
    auto a = open_library<local_year::Album>(dir / "a.db", id, library_id);
    const auto page = hsync::replica(*a).shared_changes(0, 100, false, "album");
    REQUIRE(page.entries.size() == 2);  // the insert and the title's update
    CHECK(page.entries[0].type == hsync::change_type::insert);
    CHECK(page.entries[0].values.fields == 0b1);
    CHECK(page.entries[1].values.fields == 0b1);
    auto c = open_library<local_year::Album>(dir / "c.db", hsync::identity{hsync::uuid::v4()}, library_id);
    hsync::replica(*c).apply_shared_changes(page.entries);
    REQUIRE(c->get<local_year::Album>(album));
    CHECK(c->get<local_year::Album>(album)->title == "Summer!");
}

TEST_CASE("a shared insert lacking a field takes its default with no clock, so any write of the field wins",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    auto b = open_library<v2::Album>(dir / "b.db", hsync::identity{hsync::uuid::v4()}, library_id);
    const auto peer = hsync::uuid::v4();
    const auto album = hsync::record_id::generate();
    const auto now = hsync::system_clock_millis();
    // From a device on version 1: title and year (slots 0 and 2 here), no cover.
    const hsync::shared_entry insert{hsync::hlc{now, 5, peer}, "album", album.value, hsync::change_type::insert,
                                     hsync_test::raw_values(0b101, [](auto& w) {
                                         w.str("Summer");
                                         w.sint(2001);
                                     })};
    REQUIRE(hsync::replica(*b).apply_shared_changes(insert).applied == 1);
    REQUIRE(b->get<v2::Album>(album)->cover == "none");
    // A cover written earlier (by the clock) than the insert still lands: the default
    // carries no clock. The title it would lose to the insert stays the insert's.
    const hsync::shared_entry cover{hsync::hlc{now, 1, peer}, "album", album.value, hsync::change_type::update,
                                    hsync_test::raw_values(0b011, [](auto& w) {
                                        w.str("Older title");
                                        w.str("beach.jpg");
                                    })};
    REQUIRE(hsync::replica(*b).apply_shared_changes(cover).applied == 1);
    const auto stored = b->get<v2::Album>(album);
    CHECK(stored->cover == "beach.jpg");
    CHECK(stored->title == "Summer");
    CHECK(stored->year == 2001);
}

TEST_CASE("a device-owned state lacking a field keeps the stored value of it", "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    auto b = open_library<v2::Camera>(dir / "b.db", hsync::identity{hsync::uuid::v4()}, library_id);
    const auto owner = hsync::uuid::v4();
    const auto camera = hsync::record_id::generate();
    const auto now = hsync::system_clock_millis();
    // Applies the owner's state of `record` at counter `version` of `now`; how many applied.
    const auto apply = [&](const hsync::record_id& record, std::uint16_t version, const hsync::field_values& values) {
        return hsync::replica(*b)
            .apply_states(hsync::state_record{"camera", record.value, owner, hsync::hlc{now, version, owner}, false, values})
            .applied;
    };
    v2::Camera full{camera, hsync::owner_id{owner}, "X100", "23mm"};
    REQUIRE(apply(camera, 0, hsync_test::all_values(full)) == 1);
    // A newer state from the owner after it went back to an older version of the app
    // (or relayed through a device on one): the model but no lens.
    const auto older_app = hsync_test::raw_values(0b011, [&](auto& w) {
        hsync::field_codec<hsync::owner_id>::pack(w, hsync::owner_id{owner});
        w.str("X100V");
    });
    REQUIRE(apply(camera, 1, older_app) == 1);
    const auto stored = b->get<v2::Camera>(camera);
    CHECK(stored->model == "X100V");
    CHECK(stored->lens == "23mm");
    // The same version again through a device on version 1 (lens left out): the lens
    // stays. And a copy that holds a lens fills one that was left at its default.
    REQUIRE(apply(camera, 1, older_app) == 0);
    CHECK(b->get<v2::Camera>(camera)->lens == "23mm");
    // The owner's next version with another lens, first through a device on version 1
    // (no lens: the stored one is kept, marked as not of this version), then in full: the
    // full copy fills it, although the stored lens is not a default.
    REQUIRE(apply(camera, 3, older_app) == 1);
    CHECK(b->get<v2::Camera>(camera)->lens == "23mm");
    const v2::Camera next{camera, hsync::owner_id{owner}, "X100V", "50mm"};
    REQUIRE(apply(camera, 3, hsync_test::all_values(next)) == 1);
    CHECK(b->get<v2::Camera>(camera)->lens == "50mm");
    // Once full, the same version through version 1 again changes nothing.
    REQUIRE(apply(camera, 3, older_app) == 0);
    CHECK(b->get<v2::Camera>(camera)->lens == "50mm");
    // A first state without the field takes its default.
    const auto other = hsync::record_id::generate();
    REQUIRE(apply(other, 2, older_app) == 1);
    CHECK(b->get<v2::Camera>(other)->lens == "unknown");
    const v2::Camera complete{other, hsync::owner_id{owner}, "X100V", "35mm"};
    REQUIRE(apply(other, 2, hsync_test::all_values(complete)) == 1);
    CHECK(b->get<v2::Camera>(other)->lens == "35mm");
}

TEST_CASE("after an update that adds a field the device fetches its peers' history again; a reopen without "
          "one does not",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    const hsync::identity id{hsync::uuid::v4()};
    const auto peer = hsync::uuid::v4();
    {
        auto a = open_library<v1::Album, v1::Camera>(dir / "a.db", id, library_id);
        hsync::replica(*a).pair(peer);
        hsync::replica(*a).set_received_through(peer, 40);
        hsync::replica(*a).set_checkpoint(peer, "album", 30);
    }
    {
        auto a = open_library<v1::Album, v1::Camera>(dir / "a.db", id, library_id);
        CHECK(hsync::replica(*a).peer(peer).received_through == 40);
        CHECK(hsync::replica(*a).checkpoint(peer, "album") == std::optional<std::uint64_t>(30));
    }
    {
        // Values the peer sent for the lens were not kept by version 1: fetch them again.
        auto a = open_library<v2::Album, v2::Camera>(dir / "a.db", id, library_id);
        CHECK(hsync::replica(*a).peer(peer).received_through == 0);
        CHECK_FALSE(hsync::replica(*a).checkpoint(peer, "album"));
        CHECK(hsync::replica(*a).peer(peer).paired);
    }
}

TEST_CASE("a read-only open of a file whose models changed since it was written asks for a writing open first",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    const hsync::identity id{hsync::uuid::v4()};
    { open_library<v1::Album>(dir / "a.db", id, library_id)->commit(v1::Album{hsync::record_id::generate(), "x", 1}); }
    hsync::library_options o;
    o.library_id = library_id;
    o.read_only = true;
    try {
        hsync::library<v2::Album> look(dir / "a.db", id, o);
        FAIL("opened");
    } catch (const hsync::error& e) {
        CHECK(e.code() == hsync::errc::schema_mismatch);
        CHECK_THAT(e.what(), Catch::Contains("'album'") && Catch::Contains("open it once to write"));
    }
}

TEST_CASE("a field another version has is carried from the handshake that shows it: kept in the log and in "
          "snapshots, with its clock, and served on",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    const hsync::identity id{hsync::uuid::v4()};
    {
        auto a = open_library<v1::Album>(dir / "a.db", id, library_id);
        // What the engine does when a peer's Hello shows a cover this version lacks.
        CHECK(hsync::replica(*a).carry("album", {{"cover", "text"}, {"bad name", "text"}, {"title", "text"}}));
        CHECK_FALSE(hsync::replica(*a).carry("album", {{"cover", "text"}}));  // carried already
        CHECK(hsync::replica(*a).carried_fields().at("album").size() == 1);
    }
    auto a = open_library<v1::Album>(dir / "a.db", id, library_id);
    const auto carried = hsync::replica(*a).carried_fields().at("album");
    REQUIRE(carried.size() == 1);  // a name no model could have is not carried, nor a field it declares
    CHECK(carried[0] == hsync::detail::carried_field{"cover", "text"});

    // Changes in this device's layout: title (0), year (1), then the carried cover (2).
    const auto peer = hsync::uuid::v4();
    const auto album = hsync::record_id::generate();
    const auto now = hsync::system_clock_millis();
    const hsync::shared_entry insert{hsync::hlc{now, 1, peer}, "album", album.value, hsync::change_type::insert,
                                     hsync_test::raw_values(0b111, [](auto& w) {
                                         w.str("Summer");
                                         w.sint(2001);
                                         w.str("beach.jpg");
                                     })};
    REQUIRE(hsync::replica(*a).apply_shared_changes(insert).applied == 1);
    // An update of the cover alone changes no column here, and is still kept.
    const hsync::shared_entry cover{hsync::hlc{now, 2, peer}, "album", album.value, hsync::change_type::update,
                                    hsync_test::raw_values(0b100, [](auto& w) { w.str("dunes.jpg"); })};
    REQUIRE(hsync::replica(*a).apply_shared_changes(cover).applied == 1);
    // An older cover loses to it, as a column would.
    const hsync::shared_entry older{hsync::hlc{now, 0, peer}, "album", album.value, hsync::change_type::update,
                                    hsync_test::raw_values(0b100, [](auto& w) { w.str("old.jpg"); })};
    REQUIRE(hsync::replica(*a).apply_shared_changes(older).applied == 0);
    CHECK(a->get<v1::Album>(album)->title == "Summer");

    const auto log = hsync::replica(*a).shared_changes(0, 100, false, "album");
    REQUIRE(log.entries.size() == 2);
    CHECK(log.entries[0].values == insert.values);
    CHECK(log.entries[1].values == cover.values);
    // The snapshot of the record (what a peer gets once the log is pruned) has the cover
    // with its clock.
    const auto snapshot = hsync::replica(*a).shared_changes(0, 100, true, "album");
    REQUIRE(snapshot.snapshot.size() == 1);
    const auto& s = snapshot.snapshot[0];
    CHECK(s.values == hsync_test::raw_values(0b111, [](auto& w) {
              w.str("Summer");
              w.sint(2001);
              w.str("dunes.jpg");
          }));
    CHECK(s.clocks == std::vector<hsync::hlc>{insert.stamp, insert.stamp, cover.stamp});
}

TEST_CASE("a device-owned record carries the fields of its owner's newer version: kept with the state's version, "
          "served with it, replaced by the next version, gone with the record",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    auto a = open_library<v1::Album, v1::Camera>(dir / "a.db", hsync::identity{hsync::uuid::v4()}, library_id);
    REQUIRE(hsync::replica(*a).carry("camera", {{"lens", "text"}}));
    // Version 1's layout and carried lens is version 2's: owner (0), model (1), lens (2).
    const auto owner = hsync::uuid::v4();
    const auto camera = hsync::record_id::generate();
    const auto now = hsync::system_clock_millis();
    const auto state = [&](std::uint16_t version, const char* model, const char* lens) {
        return hsync::state_record{"camera", camera.value, owner, hsync::hlc{now, version, owner}, false,
                                   hsync_test::all_values(v2::Camera{camera, hsync::owner_id{owner}, model, lens})};
    };
    const auto served = [&] {
        const auto page = hsync::replica(*a).state_changes("camera", 0, 100);
        REQUIRE(page.records.size() == 1);
        return page.records[0];
    };
    REQUIRE(hsync::replica(*a).apply_states(state(1, "Q2", "28mm")).applied == 1);
    CHECK(a->get<v1::Camera>(camera)->model == "Q2");
    CHECK(served().values == state(1, "Q2", "28mm").values);
    // The same version relayed through a device that did not carry the lens changes
    // nothing; the next version replaces the lens with its own.
    const auto without_lens = hsync_test::raw_values(0b011, [&](auto& w) {
        hsync::field_codec<hsync::owner_id>::pack(w, hsync::owner_id{owner});
        w.str("Q2");
    });
    REQUIRE(hsync::replica(*a)
                .apply_states(hsync::state_record{"camera", camera.value, owner, hsync::hlc{now, 1, owner}, false, without_lens})
                .applied == 0);
    CHECK(served().values == state(1, "Q2", "28mm").values);
    REQUIRE(hsync::replica(*a).apply_states(state(2, "Q2", "35mm")).applied == 1);
    CHECK(served().values == state(2, "Q2", "35mm").values);
    // A next version without the lens (its owner went back to version 1) carries none.
    REQUIRE(hsync::replica(*a)
                .apply_states(hsync::state_record{"camera", camera.value, owner, hsync::hlc{now, 3, owner}, false, without_lens})
                .applied == 1);
    CHECK(served().values == without_lens);
    REQUIRE(hsync::replica(*a).apply_states(state(4, "Q2", "50mm")).applied == 1);
    // The owner deletes it: the carried lens goes with it.
    REQUIRE(hsync::replica(*a)
                .apply_states(hsync::state_record{"camera", camera.value, owner, hsync::hlc{now, 5, owner}, true, {}})
                .applied == 1);
    CHECK(a->read([](SQLite::Database& db) { return db.execAndGet("SELECT count(*) FROM hsync_carried").getInt(); }) == 0);
}

TEST_CASE("an update that declares a carried field makes the values carried its column values, with their clocks, "
          "without fetching the peers' history again",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    const hsync::identity id{hsync::uuid::v4()};
    const auto peer = hsync::uuid::v4();
    const auto album = hsync::record_id::generate();
    const auto camera = hsync::record_id::generate();
    const auto now = hsync::system_clock_millis();
    const hsync::hlc cover_clock{now, 2, peer};
    {
        auto a = open_library<v1::Album, v1::Camera>(dir / "a.db", id, library_id);
        hsync::replica(*a).pair(peer);
        hsync::replica(*a).set_received_through(peer, 40);
        REQUIRE(hsync::replica(*a).carry("album", {{"cover", "text"}}));
        REQUIRE(hsync::replica(*a).carry("camera", {{"lens", "text"}}));
        // title (0), year (1), carried cover (2); the camera as version 2 has it.
        REQUIRE(hsync::replica(*a)
                    .apply_shared_changes(hsync::shared_entry{hsync::hlc{now, 1, peer}, "album", album.value,
                                                              hsync::change_type::insert,
                                                              hsync_test::raw_values(0b111, [](auto& w) {
                                                                  w.str("Summer");
                                                                  w.sint(2001);
                                                                  w.str("beach.jpg");
                                                              })})
                    .applied == 1);
        REQUIRE(hsync::replica(*a)
                    .apply_shared_changes(hsync::shared_entry{cover_clock, "album", album.value, hsync::change_type::update,
                                                              hsync_test::raw_values(0b100, [](auto& w) { w.str("dunes.jpg"); })})
                    .applied == 1);
        REQUIRE(hsync::replica(*a)
                    .apply_states(hsync::state_record{"camera", camera.value, peer, hsync::hlc{now, 3, peer}, false,
                                                      hsync_test::all_values(v2::Camera{camera, hsync::owner_id{peer}, "Q2", "28mm"})})
                    .applied == 1);
    }
    auto a = open_library<v2::Album, v2::Camera>(dir / "a.db", id, library_id);
    CHECK(a->get<v2::Album>(album)->cover == "dunes.jpg");
    CHECK(a->get<v2::Album>(album)->title == "Summer");
    CHECK(a->get<v2::Camera>(camera)->lens == "28mm");
    CHECK(hsync::replica(*a).carried_fields().at("album").empty());
    CHECK(hsync::replica(*a).peer(peer).received_through == 40);  // nothing to fetch again
    // The cover kept its clock: an older write of it loses, a newer one wins.
    REQUIRE(hsync::replica(*a)
                .apply_shared_changes(hsync::shared_entry{hsync::hlc{now, 1, hsync::uuid::v4()}, "album", album.value,
                                                          hsync::change_type::update,
                                                          hsync_test::raw_values(0b010, [](auto& w) { w.str("old.jpg"); })})
                .applied == 0);
    CHECK(a->get<v2::Album>(album)->cover == "dunes.jpg");
    const auto snapshot = hsync::replica(*a).shared_changes(0, 100, true, "album");
    REQUIRE(snapshot.snapshot.size() == 1);
    CHECK(snapshot.snapshot[0].clocks[1] == cover_clock);  // v2: title (0), cover (1), year (2)
    // And the log, moved into version 2's layout, holds the cover by name.
    const auto log = hsync::replica(*a).shared_changes(0, 100, false, "album");
    REQUIRE(log.entries.size() == 2);
    CHECK(log.entries[1].values == hsync_test::raw_values(0b010, [](auto& w) { w.str("dunes.jpg"); }));
}

namespace renamed {  // version 1's album, its C++ field `title` renamed to `name`
struct Album {
    static constexpr std::string_view sync_name = "album";
    static constexpr std::array sync_fields{hsync::sync_field{"name", "title"}};
    hsync::record_id uuid;
    std::string name;
    std::int32_t year = 0;
};
}  // namespace renamed

TEST_CASE("a field renamed in C++ and kept under its name through sync_fields is the same field to the library "
          "file and to peers",
          "[storage][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    const hsync::identity id{hsync::uuid::v4()};
    const auto peer = hsync::uuid::v4();
    const auto album = hsync::record_id::generate();
    {
        auto a = open_library<v1::Album>(dir / "a.db", id, library_id);
        hsync::replica(*a).pair(peer);
        hsync::replica(*a).set_received_through(peer, 40);
        a->commit(v1::Album{album, "Summer", 2001});
    }
    auto a = open_library<renamed::Album>(dir / "a.db", id, library_id);
    CHECK(a->get<renamed::Album>(album)->name == "Summer");
    CHECK(hsync::replica(*a).peer(peer).received_through == 40);  // nothing new to fetch
    const auto log = hsync::replica(*a).shared_changes(0, 100, false, "album");
    REQUIRE(log.entries.size() == 1);
    CHECK(log.entries[0].values == hsync_test::raw_values(0b11, [](auto& w) {
              w.str("Summer");
              w.sint(2001);
          }));
    // What a Hello shows of the two versions is the same schema.
    CHECK(hsync::sync::library_schema_of<hsync::library<renamed::Album>>() ==
          hsync::sync::library_schema_of<hsync::library<v1::Album>>());
}
