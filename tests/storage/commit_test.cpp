// Local writes: the commit paths of each strategy, removes, batches, with_tx, reads and
// events.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "support/error_code.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using namespace photos;

namespace {
struct fixture {
    temp_dir dir;
    hsync::identity me{hsync::uuid::v4()};
    seed_library lib{dir / "lib.db", me};
    std::mutex outgoing_mutex;  // handlers run on the committing thread
    std::vector<hsync::outgoing_changes> outgoing;
    fixture() {
        hsync::replica(lib).attach([this](const hsync::outgoing_changes& o) {
            std::lock_guard lock(outgoing_mutex);
            outgoing.push_back(o);
        });
    }
    std::int64_t count(const std::string& sql) {
        SQLite::Database db((dir / "lib.db").string());
        return db.execAndGet(sql).getInt64();
    }
};

}  // namespace

TEST_CASE("a device-owned commit upserts the row with the owner's HLC and no log entry", "[storage]") {
    fixture f;
    Location home = make_location(f.me.device_id, "/home");
    home.scan_state = "scanning";
    f.lib.commit(home);
    const hsync::hlc first = f.lib.status().clock;
    home.total_file_count = 10;
    f.lib.commit(home);

    const auto stored = f.lib.get<Location>(home.uuid);
    REQUIRE(stored.has_value());
    REQUIRE(stored->total_file_count == 10);
    REQUIRE(*stored->scan_state == "scanning");  // local fields are stored, just not sent
    REQUIRE(f.lib.status().log_entries == 0);
    REQUIRE(first < f.lib.status().clock);

    REQUIRE(f.outgoing.size() == 2);
    REQUIRE(f.outgoing[1].states.size() == 1);
    const auto& record = f.outgoing[1].states[0].records.at(0);
    REQUIRE(record.model == "location");
    REQUIRE(record.owner == f.me.device_id);
    REQUIRE(record.version == f.lib.status().clock);
    const auto fields = hsync::values_json(f.lib, record.model, record.values);
    REQUIRE(fields.at("total_file_count") == 10);
    REQUIRE_FALSE(fields.contains("scan_state"));
}

TEST_CASE("only the owning device commits a device-owned record", "[storage]") {
    fixture f;
    const Location theirs = make_location(hsync::uuid::v4(), "/elsewhere");
    REQUIRE(code_of([&] { f.lib.commit(theirs); }) == hsync::errc::not_owner);
    REQUIRE_FALSE(f.lib.get<Location>(theirs.uuid).has_value());
    REQUIRE(f.outgoing.empty());
}

TEST_CASE("a shared commit logs the fields that differ from the stored row", "[storage]") {
    fixture f;
    Tag tag = make_tag("sunset");
    f.lib.commit(tag);
    tag.color = "orange";
    tag.search_weight = 7;
    f.lib.commit(tag);
    f.lib.commit(tag);  // unchanged: nothing to log

    const auto log = log_entries(f.lib, 10);
    REQUIRE(log.size() == 2);
    REQUIRE(log[0].type == hsync::change_type::insert);
    REQUIRE(log[0].values.count() == 4);  // every synced field but the id
    REQUIRE(log[1].type == hsync::change_type::update);
    REQUIRE(hsync::values_json(f.lib, "tag", log[1].values) == nlohmann::json{{"color", "orange"}, {"search_weight", 7}});
    REQUIRE(log[0].stamp < log[1].stamp);
    REQUIRE(log[1].stamp.device == f.me.device_id);
    REQUIRE(f.outgoing.size() == 2);
    REQUIRE(f.outgoing[1].shared.at(0).entries.at(0).stamp == log[1].stamp);
}

TEST_CASE("a mixed model takes the path of each record's owner field", "[storage]") {
    fixture f;
    UserMetadata mine{hsync::record_id::generate(), hsync::owner_id{f.me.device_id}};
    UserMetadata everyone{hsync::record_id::generate(), std::nullopt};
    everyone.notes = "shared note";
    f.lib.commit(mine);
    f.lib.commit(everyone);
    REQUIRE(f.outgoing.size() == 2);
    REQUIRE(f.outgoing[0].states.size() == 1);
    REQUIRE(f.outgoing[0].shared.empty());
    REQUIRE(f.outgoing[1].shared.size() == 1);
    REQUIRE(f.outgoing[1].states.empty());
    REQUIRE(f.lib.status().log_entries == 1);

    // A record's ownership never changes.
    UserMetadata taken = everyone;
    taken.device = hsync::owner_id{f.me.device_id};
    REQUIRE(code_of([&] { f.lib.commit(taken); }) == hsync::errc::not_owner);
}

TEST_CASE("remove leaves a tombstone, logs shared deletes, and deletes are final", "[storage]") {
    fixture f;
    Tag tag = make_tag("old");
    Location loc = make_location(f.me.device_id, "/old");
    f.lib.commit(tag);
    f.lib.commit(loc);
    f.lib.remove<Tag>(tag.uuid);
    f.lib.remove<Location>(loc.uuid);
    f.lib.remove<Tag>(tag.uuid);  // again: nothing to do

    REQUIRE_FALSE(f.lib.get<Tag>(tag.uuid));
    REQUIRE_FALSE(f.lib.get<Location>(loc.uuid));
    REQUIRE(f.count("SELECT count(*) FROM hsync_tombstones") == 2);
    const auto log = log_entries(f.lib, 10);
    REQUIRE(log.size() == 2);
    REQUIRE(log[1].type == hsync::change_type::remove);
    REQUIRE(log[1].values.empty());
    REQUIRE(f.outgoing.back().states.at(0).records.at(0).removed);

    REQUIRE(code_of([&] { f.lib.commit(tag); }) == hsync::errc::record_deleted);
    REQUIRE(code_of([&] { f.lib.remove<Tag>(hsync::uuid::v4()); }) == hsync::errc::not_found);
}

TEST_CASE("commit_batch writes many records in one transaction, one outgoing batch per model", "[storage]") {
    fixture f;
    std::vector<Tag> tags;
    for (int i = 0; i < 50; ++i) tags.push_back(make_tag("t" + std::to_string(i)));
    std::vector<Location> locations;
    for (int i = 0; i < 20; ++i) locations.push_back(make_location(f.me.device_id, "/l" + std::to_string(i)));
    f.lib.with_tx([&](auto&) {
        f.lib.commit_batch(tags);
        f.lib.commit_batch(locations);
    });
    REQUIRE(f.lib.all<Tag>().size() == 50);
    REQUIRE(f.lib.all<Location>().size() == 20);
    REQUIRE(f.outgoing.size() == 1);
    REQUIRE(f.outgoing[0].shared.size() == 1);
    REQUIRE(f.outgoing[0].shared[0].entries.size() == 50);
    REQUIRE(f.outgoing[0].states.size() == 1);
    REQUIRE(f.outgoing[0].states[0].records.size() == 20);

    std::vector<hsync::uuid> ids;
    for (const auto& t : tags) ids.push_back(t.uuid);
    f.lib.remove_batch<Tag>(ids);
    REQUIRE(f.lib.all<Tag>().empty());
    REQUIRE(f.outgoing.size() == 2);
    REQUIRE(f.outgoing[1].shared.at(0).entries.size() == 50);
}

TEST_CASE("with_tx: raw SQL and commits together; a throw leaves nothing", "[storage]") {
    fixture f;
    int events = 0;
    f.lib.on<Tag>([&](const hsync::change<Tag>&) { ++events; });
    f.lib.with_tx([&](auto& t) {
        t.exec("CREATE TABLE app_settings (k TEXT PRIMARY KEY, v TEXT)");
        t.exec("INSERT INTO app_settings VALUES ('theme', 'dark')");
        t.commit(make_tag("kept"));
    });
    REQUIRE(events == 1);
    const auto log_before = f.lib.status().log_entries;
    const auto outgoing_before = f.outgoing.size();

    REQUIRE_THROWS_AS(f.lib.with_tx([&](auto& t) {
        t.exec("INSERT INTO app_settings VALUES ('lang', 'fr')");
        t.commit(make_tag("lost"));
        t.commit(make_location(f.me.device_id, "/lost"));
        throw std::runtime_error("the application changed its mind");
    }),
                      std::runtime_error);
    REQUIRE(f.lib.all<Tag>().size() == 1);
    REQUIRE(f.lib.all<Location>().empty());
    REQUIRE(f.lib.status().log_entries == log_before);
    REQUIRE(f.outgoing.size() == outgoing_before);
    REQUIRE(events == 1);
    REQUIRE(f.count("SELECT count(*) FROM app_settings") == 1);

    // A nested with_tx that throws rolls back only its own part.
    f.lib.with_tx([&](auto& t) {
        t.commit(make_tag("outer"));
        try {
            f.lib.with_tx([&](auto& inner) {
                inner.commit(make_tag("inner"));
                inner.commit(make_location(f.me.device_id, "/inner"));
                throw std::runtime_error("inner fails");
            });
        } catch (const std::runtime_error&) {
        }
    });
    const auto names = f.lib.query<Tag>("WHERE canonical_name IN (?, ?) ORDER BY canonical_name", "inner", "outer");
    REQUIRE(names.size() == 1);
    REQUIRE(names[0].canonical_name == "outer");
    REQUIRE(events == 2);
    // ... and what it would have sent: the transaction sends the outer tag alone.
    const hsync::outgoing_changes& sent = f.outgoing.back();
    REQUIRE(sent.states.empty());
    REQUIRE(sent.shared.size() == 1);
    REQUIRE(sent.shared[0].entries.size() == 1);
    REQUIRE(hsync::values_json(f.lib, "tag", sent.shared[0].entries[0].values).at("canonical_name") == "outer");
}

TEST_CASE("reads: get, all and query return models", "[storage]") {
    fixture f;
    for (int i = 0; i < 5; ++i) {
        Tag t = make_tag("tag" + std::to_string(i));
        t.search_weight = i;
        f.lib.commit(t);
    }
    const auto heavy = f.lib.query<Tag>("WHERE search_weight >= ? ORDER BY search_weight", std::int32_t{3});
    REQUIRE(heavy.size() == 2);
    REQUIRE(heavy[0].canonical_name == "tag3");
    REQUIRE(f.lib.all<Tag>().size() == 5);
    REQUIRE_FALSE(f.lib.get<Tag>(hsync::uuid::v4()).has_value());
}

TEST_CASE("events report local changes after commit, with their type and value", "[storage]") {
    fixture f;
    std::vector<std::pair<hsync::change_type, std::string>> seen;
    f.lib.on<Tag>([&](const hsync::change<Tag>& c) {
        REQUIRE(c.origin == hsync::change_origin::local);
        seen.emplace_back(c.type, c.value->canonical_name);
        // The change is committed when the callback runs: it is visible to a read.
        if (c.type != hsync::change_type::remove) REQUIRE(f.lib.get<Tag>(c.id.value).has_value());
    });
    Tag t = make_tag("a");
    f.lib.commit(t);
    t.canonical_name = "b";
    f.lib.commit(t);
    f.lib.remove<Tag>(t.uuid);
    REQUIRE(seen == std::vector<std::pair<hsync::change_type, std::string>>{
                        {hsync::change_type::insert, "a"}, {hsync::change_type::update, "b"}, {hsync::change_type::remove, "b"}});
}

TEST_CASE("a library has one sync engine: a second is refused, and the application's callbacks never displace it", "[storage]") {
    fixture f;  // its listener stands for the engine
    REQUIRE(code_of([&] { hsync::replica(f.lib).attach([](const hsync::outgoing_changes&) {}); }) ==
            hsync::errc::library_in_use);
    int heard = 0;
    f.lib.on<Tag>([&](const hsync::change<Tag>&) { ++heard; });
    f.lib.commit(make_tag("sunset"));
    REQUIRE(heard == 1);
    REQUIRE(f.outgoing.size() == 1);  // the engine still hears the commit

    hsync::replica(f.lib).detach();  // an engine that stops lets another attach
    std::size_t second = 0;
    hsync::replica(f.lib).attach([&](const hsync::outgoing_changes& o) { second += o.shared.size(); });
    f.lib.commit(make_tag("dusk"));
    REQUIRE(second == 1);
    REQUIRE(f.outgoing.size() == 1);
}

TEST_CASE("read: one snapshot without the write lock; writes inside it are refused", "[storage]") {
    fixture f;
    f.lib.commit(make_tag("sunset"));
    SQLite::Database writer((f.dir / "lib.db").string(), SQLite::OPEN_READWRITE);
    writer.exec("BEGIN IMMEDIATE");  // another connection holds the write lock
    const auto tags = f.lib.read([](SQLite::Database& db) { return db.execAndGet("SELECT count(*) FROM tag").getInt64(); });
    REQUIRE(tags == 1);
    writer.exec("ROLLBACK");

    f.lib.read([&](SQLite::Database&) {
        REQUIRE(code_of([&] { f.lib.commit(make_tag("dusk")); }) == hsync::errc::read_only);
        REQUIRE(code_of([&] { f.lib.with_tx([](auto&) {}); }) == hsync::errc::read_only);
        REQUIRE(code_of([&] { hsync::replica(f.lib).pair(hsync::uuid::v4()); }) == hsync::errc::read_only);
    });
    f.lib.commit(make_tag("dusk"));  // and after it, writes work again
    REQUIRE(f.lib.all<Tag>().size() == 2);
}

TEST_CASE("a value SQLite cannot hold is refused and nothing is written", "[storage]") {
    fixture f;
    Volume v;
    v.uuid = hsync::record_id::generate();
    v.device = hsync::owner_id{f.me.device_id};
    v.total_capacity = std::numeric_limits<std::uint64_t>::max();
    REQUIRE(code_of([&] { f.lib.commit(v); }) == hsync::errc::value_out_of_range);
    REQUIRE_FALSE(f.lib.get<Volume>(v.uuid));
}

TEST_CASE("a record too large to travel to peers is refused and nothing is written", "[storage]") {
    fixture f;
    const std::string four_mib(std::size_t{4} << 20, 'x');
    Tag t = make_tag("big");
    t.display_name = four_mib;  // exactly the limit of one field: accepted
    f.lib.commit(t);
    REQUIRE(f.lib.get<Tag>(t.uuid)->display_name->size() == four_mib.size());
    const auto log_before = f.lib.status().log_entries;

    t.display_name = four_mib + "y";  // one byte over
    hsync::errc code{};
    try {
        f.lib.commit(t);
    } catch (const hsync::error& e) {
        code = e.code();
        REQUIRE_THAT(e.what(), Catch::Contains("field 'display_name' holds 4194305 bytes") &&
                                   Catch::Contains("at most 4 MiB") && Catch::StartsWith("hsync: tag "));
    }
    REQUIRE(code == hsync::errc::record_too_large);

    Tag three = make_tag(std::string(std::size_t{3} << 20, 'a'));  // 3 x 3 MiB: each field fits, the record does not
    three.display_name = std::string(std::size_t{3} << 20, 'b');
    three.color = std::string(std::size_t{3} << 20, 'c');
    REQUIRE(code_of([&] { f.lib.commit(three); }) == hsync::errc::record_too_large);

    Location mine = make_location(f.me.device_id, std::string(std::size_t{5} << 20, '/'));  // device-owned too
    REQUIRE(code_of([&] { f.lib.commit_batch(std::vector{make_location(f.me.device_id, "/ok"), mine}); }) ==
            hsync::errc::record_too_large);

    // Nothing of the refused commits was written, logged or sent.
    REQUIRE(f.lib.get<Tag>(t.uuid)->display_name->size() == four_mib.size());
    REQUIRE_FALSE(f.lib.get<Tag>(three.uuid));
    REQUIRE(f.lib.all<Location>().empty());
    REQUIRE(f.lib.status().log_entries == log_before);
    REQUIRE(f.outgoing.size() == 1);

    Location local_big = make_location(f.me.device_id, "/local");
    local_big.scan_state = std::string(std::size_t{5} << 20, 's');  // local fields never travel: no limit
    f.lib.commit(local_big);
    REQUIRE(f.lib.get<Location>(local_big.uuid)->scan_state->size() == std::size_t{5} << 20);
}

TEST_CASE("commits from several threads are all kept, each with its own HLC", "[storage]") {
    fixture f;
    constexpr int threads = 4;
    constexpr int per_thread = 150;
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int w = 0; w < threads; ++w) {
        workers.emplace_back([&, w] {
            try {
                for (int i = 0; i < per_thread; ++i) {
                    f.lib.commit(make_tag("w" + std::to_string(w) + "-" + std::to_string(i)));
                    if (i % 10 == 0) f.lib.commit(make_location(f.me.device_id, "/w" + std::to_string(w)));
                }
            } catch (...) {
                ++failures;
            }
        });
    }
    for (auto& t : workers) t.join();
    REQUIRE(failures == 0);
    REQUIRE(f.lib.all<Tag>().size() == threads * per_thread);
    const auto log = log_entries(f.lib, 100000);
    REQUIRE(log.size() == threads * per_thread);
    std::set<hsync::hlc> stamps;
    for (const auto& e : log) stamps.insert(e.stamp);
    REQUIRE(stamps.size() == log.size());
    SQLite::Database db((f.dir / "lib.db").string());
    REQUIRE(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
}
