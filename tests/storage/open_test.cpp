// Opening a library: tables, WAL, identity, persisted clock, schema checks and migration.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "support/error_code.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using photos::Tag;

namespace {
bool has_table(SQLite::Database& db, const std::string& name) {
    SQLite::Statement q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
    q.bind(1, name);
    q.executeStep();
    return q.getColumn(0).getInt() == 1;
}

}  // namespace

TEST_CASE("a new library file has every model table and hsync's tables, in WAL mode", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    { seed_library lib(dir / "lib.db", me); }
    SQLite::Database db((dir / "lib.db").string());
    for (const char* t : seed_tables) REQUIRE(has_table(db, t));
    for (const char* t : {"hsync_meta", "hsync_shared_log", "hsync_tombstones", "hsync_peers",
                          "hsync_backfill_checkpoints"}) {
        REQUIRE(has_table(db, t));
    }
    REQUIRE(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
    // Columns follow the traits: every field (local ones too) and hsync's own.
    SQLite::Statement cols(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info('entry') ORDER BY cid");
    std::vector<std::string> names;
    while (cols.executeStep()) {
        names.push_back(cols.getColumn(0).getString());
        if (names.back() == "uuid") REQUIRE(cols.getColumn(3).getInt() == 1);
        if (names.back() == "content_hash") REQUIRE(cols.getColumn(2).getInt() == 0);
        if (names.back() == "name") REQUIRE(cols.getColumn(1).getString() == "TEXT");
    }
    REQUIRE(names == std::vector<std::string>{"uuid", "device", "location", "parent", "name", "kind", "size",
                                              "modified_at", "content_hash", "inode", "hsync_version", "hsync_partial", "hsync_seq"});
    SQLite::Statement tag_cols(db, "SELECT name FROM pragma_table_info('tag') ORDER BY cid");
    names.clear();
    while (tag_cols.executeStep()) names.push_back(tag_cols.getColumn(0).getString());
    REQUIRE(names == std::vector<std::string>{"uuid", "canonical_name", "display_name", "color", "search_weight",
                                              "hsync_seq", "hsync_clock_canonical_name", "hsync_clock_display_name",
                                              "hsync_clock_color", "hsync_clock_search_weight"});
}

TEST_CASE("reopening keeps the library id and the clock continues past the persisted HLC", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    std::uint64_t now = 2'000'000'000'000ULL;
    hsync::library_options options;
    options.physical = [&] { return now; };
    hsync::uuid id_before;
    hsync::hlc last_before;
    {
        seed_library lib(dir / "lib.db", me, options);
        id_before = lib.library_id();
        lib.commit(make_tag("a"));
        lib.commit(make_tag("b"));
        last_before = lib.status().clock;
    }
    now -= 3'600'000;  // the physical clock stepped back an hour while the app was closed
    seed_library lib(dir / "lib.db", me, options);
    REQUIRE(lib.library_id() == id_before);
    REQUIRE(lib.status().clock == last_before);
    lib.commit(make_tag("c"));
    const auto log = log_entries(lib, 10);
    REQUIRE(log.size() == 3);
    REQUIRE(last_before < log.back().stamp);
}

TEST_CASE("a library file refuses another device, a newer schema and mismatched tables", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    { seed_library lib(dir / "lib.db", me); }

    SECTION("another device") {
        REQUIRE(code_of([&] { seed_library lib(dir / "lib.db", hsync::identity{hsync::uuid::v4()}); }) ==
                hsync::errc::wrong_device);
    }
    SECTION("a newer storage schema") {
        {
            SQLite::Database db((dir / "lib.db").string(), SQLite::OPEN_READWRITE);
            db.exec("UPDATE hsync_meta SET value = 99 WHERE key = 'schema_version'");
        }
        REQUIRE(code_of([&] { seed_library lib(dir / "lib.db", me); }) == hsync::errc::schema_too_new);
    }
    SECTION("a column whose type changed") {
        {
            SQLite::Database db((dir / "lib.db").string(), SQLite::OPEN_READWRITE);
            db.exec("DROP TABLE tag");
            db.exec("CREATE TABLE tag (uuid BLOB NOT NULL PRIMARY KEY, canonical_name INTEGER NOT NULL) WITHOUT ROWID");
        }
        REQUIRE(code_of([&] { seed_library lib(dir / "lib.db", me); }) == hsync::errc::schema_mismatch);
    }
    SECTION("a column the model no longer has") {
        {
            SQLite::Database db((dir / "lib.db").string(), SQLite::OPEN_READWRITE);
            db.exec("ALTER TABLE album ADD COLUMN rating INTEGER");
        }
        try {
            seed_library lib(dir / "lib.db", me);
            FAIL("opened a table with a column the model lacks");
        } catch (const hsync::error& e) {
            REQUIRE(e.code() == hsync::errc::schema_mismatch);
            REQUIRE_THAT(e.what(), Catch::Contains("table 'album'") && Catch::Contains("column 'rating'"));
        }
    }
}

namespace v1 {
struct Note {
    hsync::record_id uuid;
    std::string text;
};
}  // namespace v1
namespace v2 {
struct Note {
    hsync::record_id uuid;
    std::string text;
    std::optional<std::string> title;  // new, optional
    std::int32_t stars = 3;            // new, defaulted
    hsync::local<bool> pinned{true};   // new, local
};
}  // namespace v2
namespace v3 {
struct Note {
    hsync::record_id uuid;
    std::int64_t text = 0;  // type changed: would lose data
};
}  // namespace v3

TEST_CASE("new fields are added to existing tables; a lossy change is refused", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    v1::Note old_note{hsync::record_id::generate(), "remember"};
    {
        hsync::library<v1::Note> lib(dir / "notes.db", me);
        lib.commit(old_note);
    }
    {
        hsync::library<v2::Note> lib(dir / "notes.db", me);
        const auto n = lib.get<v2::Note>(old_note.uuid);
        REQUIRE(n.has_value());
        REQUIRE(n->text == "remember");
        REQUIRE_FALSE(n->title.has_value());
        REQUIRE(n->stars == 3);
        REQUIRE(*n->pinned);
        v2::Note edited = *n;
        edited.title = "todo";
        lib.commit(edited);
        const auto log = log_entries(lib, 10);
        REQUIRE(log.size() == 2);
        REQUIRE(hsync::values_json(lib, log.back().model, log.back().values) == nlohmann::json{{"title", "todo"}});
    }
    REQUIRE(code_of([&] { hsync::library<v3::Note> lib(dir / "notes.db", me); }) ==
            hsync::errc::schema_mismatch);
}

TEST_CASE("a file of storage schema 3 is upgraded: its log, kept in hlc order, moves to seq order whole", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    std::vector<hsync::shared_entry> before;
    {
        seed_library lib(dir / "old.db", me);
        for (int i = 0; i < 50; ++i) lib.commit(make_tag("tag " + std::to_string(i)));
        before = hsync::replica(lib).shared_changes(0, 1000).entries;
        REQUIRE(before.size() == 50);
    }
    {  // the log as schema 3 kept it
        SQLite::Database db((dir / "old.db").string(), SQLite::OPEN_READWRITE);
        db.exec("ALTER TABLE hsync_shared_log RENAME TO log4");
        db.exec("CREATE TABLE hsync_shared_log (hlc BLOB NOT NULL PRIMARY KEY, seq INTEGER NOT NULL, model TEXT NOT NULL, "
                "record_id BLOB NOT NULL, change_type INTEGER NOT NULL, data BLOB NOT NULL, fields INTEGER NOT NULL DEFAULT 0) "
                "WITHOUT ROWID");
        db.exec("CREATE UNIQUE INDEX hsync_shared_log_seq ON hsync_shared_log (seq)");
        db.exec("INSERT INTO hsync_shared_log SELECT hlc, seq, model, record_id, change_type, data, fields FROM log4");
        db.exec("DROP TABLE log4");
        db.exec("UPDATE hsync_meta SET value = 3 WHERE key = 'schema_version'");
    }
    seed_library lib(dir / "old.db", me);
    const auto after = hsync::replica(lib).shared_changes(0, 1000).entries;
    REQUIRE(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        REQUIRE(after[i].stamp == before[i].stamp);
        REQUIRE(after[i].record == before[i].record);
        REQUIRE(after[i].values.packed == before[i].values.packed);
    }
    lib.commit(make_tag("one more"));
    REQUIRE(lib.status().log_entries == 51);
    SQLite::Database db((dir / "old.db").string(), SQLite::OPEN_READONLY);
    REQUIRE(db.execAndGet("SELECT value FROM hsync_meta WHERE key = 'schema_version'").getInt() == 4);
    REQUIRE_FALSE(has_table(db, "hsync_shared_log_3"));
    REQUIRE(db.execAndGet("SELECT sql FROM sqlite_master WHERE name = 'hsync_shared_log'").getString().find(
                "seq         INTEGER PRIMARY KEY") != std::string::npos);
}

TEST_CASE("a file of storage schema 2 is upgraded: its named log entries give way to snapshots", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    const Tag sunset = make_tag("sunset");
    std::uint64_t seq = 0;
    {
        seed_library lib(dir / "old.db", me);
        lib.commit(sunset);
        lib.commit(make_tag("dawn"));
        seq = hsync::replica(lib).current_seq();
        REQUIRE(lib.status().log_entries == 2);
    }
    {  // what hsync wrote before schema 3: no field word, values named
        SQLite::Database db((dir / "old.db").string(), SQLite::OPEN_READWRITE);
        db.exec("ALTER TABLE hsync_shared_log DROP COLUMN fields");
        db.exec("UPDATE hsync_shared_log SET data = x'81a5636f6c6f72a3726564'");  // {"color": "red"}
        db.exec("UPDATE hsync_meta SET value = 2 WHERE key = 'schema_version'");
    }
    seed_library lib(dir / "old.db", me);
    REQUIRE(lib.status().log_entries == 0);
    REQUIRE(lib.status().log_floor == seq);  // a peer behind it is served snapshots
    REQUIRE(lib.get<Tag>(sunset.uuid).has_value());
    const auto page = hsync::replica(lib).shared_changes(0, 100);
    REQUIRE(page.snapshot_mode);
    REQUIRE(page.snapshot.size() == 2);

    seed_library fresh(dir / "fresh.db", hsync::identity{hsync::uuid::v4()});
    hsync::replica(fresh).apply_snapshots(std::span<const hsync::shared_snapshot>(page.snapshot));
    REQUIRE(fresh.get<Tag>(sunset.uuid)->canonical_name == "sunset");
    {
        SQLite::Database db((dir / "old.db").string(), SQLite::OPEN_READONLY);
        REQUIRE(db.execAndGet("SELECT value FROM hsync_meta WHERE key = 'schema_version'").getInt() ==
                hsync::detail::storage_schema_version);
    }
    // New entries are written in the new form and served as entries again.
    Tag edited = sunset;
    edited.color = "gold";
    lib.commit(edited);
    const auto next = hsync::replica(lib).shared_changes(lib.status().log_floor, 100);
    REQUIRE_FALSE(next.snapshot_mode);
    REQUIRE(next.entries.size() == 1);
    REQUIRE(hsync::values_json(lib, "tag", next.entries[0].values) == nlohmann::json{{"color", "gold"}});
}
