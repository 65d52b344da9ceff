// This device's history by sequence number: the pages a peer catches up from, the
// snapshots served once the log is pruned, and applying them.
#include <catch2/catch.hpp>

#include "support/error_code.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"
#include "support/values.hpp"

using namespace hsync_test;
using namespace photos;

TEST_CASE("every stored change takes the next seq, across restarts; a rollback takes none", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    std::uint64_t before_restart = 0;
    {
        seed_library lib(dir / "lib.db", me);
        REQUIRE(hsync::replica(lib).current_seq() == 0);
        lib.commit(make_tag("a"));
        REQUIRE(hsync::replica(lib).current_seq() == 1);
        lib.commit(make_location(me.device_id, "/l"));
        REQUIRE(hsync::replica(lib).current_seq() == 2);
        REQUIRE_THROWS(lib.with_tx([&](auto& t) {
            t.commit(make_tag("lost"));
            throw std::runtime_error("no");
        }));
        REQUIRE(hsync::replica(lib).current_seq() == 2);
        std::vector<hsync::outgoing_changes> out;
        hsync::replica(lib).attach([&](const hsync::outgoing_changes& o) { out.push_back(o); });
        lib.commit(make_tag("b"));
        REQUIRE(out.at(0).prev_seq == 2);
        REQUIRE(out.at(0).seq == 3);
        before_restart = hsync::replica(lib).current_seq();
    }
    seed_library lib(dir / "lib.db", me);
    REQUIRE(hsync::replica(lib).current_seq() == before_restart);
    lib.commit(make_tag("c"));
    REQUIRE(hsync::replica(lib).current_seq() == before_restart + 1);
}

TEST_CASE("state pages hold owned records and deletes in seq order, every one up to the checkpoint", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    seed_library lib(dir / "lib.db", me);
    std::vector<Location> locations;
    for (int i = 0; i < 25; ++i) {
        locations.push_back(make_location(me.device_id, "/l" + std::to_string(i)));
        lib.commit(locations.back());
    }
    lib.remove<Location>(locations[3].uuid);
    locations[5].name = "renamed";
    lib.commit(locations[5]);
    lib.commit(UserMetadata{hsync::record_id::generate(), std::nullopt});  // shared: not in state pages
    const std::uint64_t until = hsync::replica(lib).current_seq();

    std::size_t records = 0, deleted = 0, pages = 0;
    std::uint64_t since = 0;
    for (;;) {
        const auto page = hsync::replica(lib).state_changes("location", since, 10);
        ++pages;
        REQUIRE(page.records.size() + page.deleted.size() <= 10);
        REQUIRE(page.checkpoint > since);
        records += page.records.size();
        deleted += page.deleted.size();
        since = page.checkpoint;
        if (!page.has_more) break;
    }
    REQUIRE(since == until);
    REQUIRE(records == 24);  // 25 minus the removed one; the renamed one once, at its new seq
    REQUIRE(deleted == 1);
    REQUIRE(pages == 3);
    REQUIRE(hsync::replica(lib).state_changes("user_metadata", 0, 100).records.empty());
    REQUIRE(code_of([&] { hsync::replica(lib).state_changes("tag", 0, 10); }) == hsync::errc::invalid_change);
    REQUIRE(code_of([&] { hsync::replica(lib).state_changes("nope", 0, 10); }) == hsync::errc::unknown_model);
}

TEST_CASE("shared pages come from the log, or as snapshots once the log is pruned; both converge", "[storage]") {
    temp_dir dir;
    seed_library source(dir / "source.db", hsync::identity{hsync::uuid::v4()});
    std::vector<Tag> tags;
    for (int i = 0; i < 30; ++i) {
        tags.push_back(make_tag("t" + std::to_string(i)));
        source.commit(tags.back());
    }
    tags[2].color = "blue";
    source.commit(tags[2]);
    source.remove<Tag>(tags[7].uuid);
    UserMetadata shared_meta{hsync::record_id::generate(), std::nullopt};
    shared_meta.notes = "n";
    source.commit(shared_meta);
    const std::uint64_t until = hsync::replica(source).current_seq();

    auto catch_up = [&](seed_library& target) {
        std::uint64_t since = 0;
        std::size_t pages = 0;
        bool snapshot = false;
        for (;;) {
            const auto page = hsync::replica(source).shared_changes(since, 7, snapshot);
            snapshot = page.snapshot_mode;
            ++pages;
            if (!page.entries.empty()) hsync::replica(target).apply_shared_changes(std::span<const hsync::shared_entry>(page.entries));
            if (!page.snapshot.empty()) hsync::replica(target).apply_snapshots(std::span<const hsync::shared_snapshot>(page.snapshot));
            REQUIRE(page.checkpoint > since);
            since = page.checkpoint;
            if (!page.has_more) break;
        }
        REQUIRE(since == until);
        return pages;
    };

    seed_library from_log(dir / "from_log.db", hsync::identity{hsync::uuid::v4()});
    REQUIRE(hsync::replica(source).shared_changes(0, 1000).snapshot.empty());
    catch_up(from_log);

    hsync::replica(source).prune_log_through(hsync::replica(source).current_seq() - 3);
    REQUIRE(hsync::replica(source).shared_changes(0, 1000).entries.empty());
    REQUIRE_FALSE(hsync::replica(source).shared_changes(0, 1000).snapshot.empty());
    seed_library from_snapshot(dir / "from_snapshot.db", hsync::identity{hsync::uuid::v4()});
    catch_up(from_snapshot);

    for (auto* lib : {&from_log, &from_snapshot}) {
        REQUIRE(lib->all<Tag>().size() == 29);
        REQUIRE(lib->get<Tag>(tags[2].uuid)->color == "blue");
        REQUIRE_FALSE(lib->get<Tag>(tags[7].uuid));
        REQUIRE(lib->get<UserMetadata>(shared_meta.uuid)->notes == "n");
    }
    // The same rows, the same field clocks, the same tombstones.
    SQLite::Database a((dir / "from_log.db").string());
    SQLite::Database b((dir / "from_snapshot.db").string());
    SQLite::Database s((dir / "source.db").string());
    for (const char* table : {"tag", "user_metadata"}) {
        const std::string cols = std::string(table) == "tag"
                                     ? "uuid, canonical_name, color, hsync_clock_canonical_name, hsync_clock_color"
                                     : "uuid, notes, hsync_clock_notes";
        auto rows = [&](SQLite::Database& db) {
            std::string out;
            SQLite::Statement r(db, "SELECT " + cols + " FROM " + std::string(table) + " ORDER BY uuid");
            while (r.executeStep()) {
                for (int i = 0; i < r.getColumnCount(); ++i) {
                    const auto c = r.getColumn(i);
                    out += c.isNull() ? "NULL" : std::string(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
                    out += '|';
                }
                out += '\n';
            }
            return out;
        };
        REQUIRE(rows(a) == rows(s));
        REQUIRE(rows(b) == rows(s));
    }
    // A device that received a snapshot serves its own older history as snapshots too.
    REQUIRE(from_snapshot.status().log_floor == hsync::replica(from_snapshot).current_seq());
}

TEST_CASE("a snapshot that does not fit its model is refused whole", "[storage]") {
    temp_dir dir;
    seed_library lib(dir / "lib.db", hsync::identity{hsync::uuid::v4()});
    const hsync::hlc stamp{hsync::system_clock_millis(), 0, hsync::uuid::v4()};
    const auto color = raw_values(1u << 2, [](auto& w) { w.str("red"); });
    hsync::shared_snapshot good{"tag", hsync::uuid::v4(), false, hsync::hlc{}, color, {stamp}};
    auto without_clock = good;
    without_clock.clocks.clear();
    auto extra_clock = good;
    extra_clock.clocks.push_back(stamp);
    auto unknown_field = good;
    unknown_field.values = raw_values(1u << 7, [](auto& w) { w.str("red"); });
    auto wrong_type = good;
    wrong_type.values = raw_values(1u << 2, [](auto& w) { w.uint(7); });
    auto owned_model = good;
    owned_model.model = "location";
    for (const auto& bad : {without_clock, extra_clock, unknown_field, wrong_type, owned_model}) {
        const std::vector<hsync::shared_snapshot> batch{good, bad};
        REQUIRE(code_of([&] { hsync::replica(lib).apply_snapshots(std::span<const hsync::shared_snapshot>(batch)); }) == hsync::errc::invalid_change);
        REQUIRE(lib.all<Tag>().empty());
    }
    REQUIRE(hsync::replica(lib).apply_snapshots(std::span<const hsync::shared_snapshot>(&good, 1)).applied == 1);
    REQUIRE(lib.get<Tag>(good.record)->color == "red");
}
