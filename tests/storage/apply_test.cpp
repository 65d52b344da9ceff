// Remote changes: the apply paths of each strategy, their checks, and what they refuse.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "support/error_code.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"
#include "support/two_devices.hpp"
#include "support/values.hpp"

using namespace hsync_test;
using namespace photos;

namespace {

hsync::state_record state_of(const Location& l, const hsync::hlc& version) {
    return hsync::state_record{"location", l.uuid.value, l.device.value, version, false, all_values(l)};
}

}  // namespace

TEST_CASE("device-owned state: applied by record id, stale and repeated states ignored", "[storage]") {
    two_devices d;
    Location loc = make_location(d.a_id.device_id, "/pictures");
    d.a.commit(loc);
    const auto first = d.from_a;
    loc.total_file_count = 42;
    d.a.commit(loc);
    const auto second = d.from_a;

    REQUIRE(two_devices::deliver(d.b, d.from_a).applied == 2);
    REQUIRE(d.b.get<Location>(loc.uuid)->total_file_count == 42);

    // A late copy of the first state, and the second again: the newer state stays.
    auto late = first;
    REQUIRE(two_devices::deliver(d.b, late).ignored == 1);
    auto repeated = second;
    const auto r = two_devices::deliver(d.b, repeated);
    REQUIRE(r.applied == 0);
    REQUIRE(d.b.get<Location>(loc.uuid)->total_file_count == 42);
}

TEST_CASE("local fields get their defaults on insert and keep their local values on update", "[storage]") {
    two_devices d;
    Location loc = make_location(d.a_id.device_id, "/pictures");
    loc.scan_state = "done on a";
    d.a.commit(loc);
    two_devices::deliver(d.b, d.from_a);
    REQUIRE(*d.b.get<Location>(loc.uuid)->scan_state == "pending");  // the declared default

    // b's own local value survives a's next state.
    REQUIRE_NOTHROW(d.b.with_tx([&](auto& t) {
        t.exec("UPDATE location SET scan_state = 'seen on b'");
    }));
    loc.name = "Pictures";
    d.a.commit(loc);
    two_devices::deliver(d.b, d.from_a);
    const auto on_b = d.b.get<Location>(loc.uuid);
    REQUIRE(on_b->name == "Pictures");
    REQUIRE(*on_b->scan_state == "seen on b");
}

TEST_CASE("a device-owned state is accepted only for its owner's records", "[storage]") {
    two_devices d;
    Location loc = make_location(d.a_id.device_id, "/pictures");
    d.a.commit(loc);
    two_devices::deliver(d.b, d.from_a);
    const hsync::hlc later{d.a.status().clock.millis + 1, 0, d.a_id.device_id};

    SECTION("a forged owner field") {
        Location forged = loc;
        forged.device = hsync::owner_id{hsync::uuid::v4()};
        auto r = state_of(loc, later);
        r.values = all_values(forged);
        REQUIRE(code_of([&] { apply_remote(d.b, r); }) == hsync::errc::invalid_change);
    }
    SECTION("another device claiming the record") {
        const hsync::uuid mallory = hsync::uuid::v4();
        Location stolen = loc;
        stolen.device = hsync::owner_id{mallory};
        stolen.path = "/stolen";
        REQUIRE(code_of([&] { apply_remote(d.b, state_of(stolen, hsync::hlc{later.millis, 0, mallory})); }) ==
                hsync::errc::not_owner);
    }
    SECTION("a version stamped by a device that is not the owner") {
        REQUIRE(code_of([&] { apply_remote(d.b, state_of(loc, hsync::hlc{later.millis, 0, hsync::uuid::v4()})); }) ==
                hsync::errc::invalid_change);
    }
    SECTION("state for a shared model") {
        auto r = state_of(loc, later);
        r.model = "tag";
        REQUIRE(code_of([&] { apply_remote(d.b, r); }) == hsync::errc::invalid_change);
    }
    REQUIRE(d.b.get<Location>(loc.uuid)->path == "/pictures");
}

TEST_CASE("shared records merge per field: edits of different fields both survive", "[storage]") {
    two_devices d;
    Tag tag = make_tag("sunset");
    d.a.commit(tag);
    two_devices::deliver(d.b, d.from_a);

    Tag on_a = *d.a.get<Tag>(tag.uuid);
    on_a.color = "orange";
    d.a.commit(on_a);
    Tag on_b = *d.b.get<Tag>(tag.uuid);
    on_b.display_name = "Sunset";
    d.b.commit(on_b);

    two_devices::deliver(d.b, d.from_a);
    two_devices::deliver(d.a, d.from_b);
    for (auto* lib : {&d.a, &d.b}) {
        const auto t = lib->get<Tag>(tag.uuid);
        REQUIRE(t->color == "orange");
        REQUIRE(t->display_name == "Sunset");
    }
    REQUIRE(dump_table(*std::make_unique<SQLite::Database>((d.dir / "a.db").string()), "tag", "uuid") ==
            dump_table(*std::make_unique<SQLite::Database>((d.dir / "b.db").string()), "tag", "uuid"));
}

TEST_CASE("the same field edited on both devices: the later HLC wins everywhere", "[storage]") {
    two_devices d;
    Tag tag = make_tag("x");
    d.a.commit(tag);
    two_devices::deliver(d.b, d.from_a);
    Tag on_a = *d.a.get<Tag>(tag.uuid);
    on_a.canonical_name = "from a";
    d.a.commit(on_a);
    Tag on_b = *d.b.get<Tag>(tag.uuid);
    on_b.canonical_name = "from b";
    d.b.commit(on_b);
    const hsync::hlc stamp_a = log_entries(d.a).back().stamp;
    const hsync::hlc stamp_b = log_entries(d.b).back().stamp;
    two_devices::deliver(d.b, d.from_a);
    two_devices::deliver(d.a, d.from_b);
    const std::string winner = stamp_a < stamp_b ? "from b" : "from a";
    REQUIRE(d.a.get<Tag>(tag.uuid)->canonical_name == winner);
    REQUIRE(d.b.get<Tag>(tag.uuid)->canonical_name == winner);
}

TEST_CASE("inserts with different ids and the same name both survive", "[storage]") {
    two_devices d;
    d.a.commit(make_tag("travel"));
    d.b.commit(make_tag("travel"));
    two_devices::deliver(d.b, d.from_a);
    two_devices::deliver(d.a, d.from_b);
    REQUIRE(d.a.query<Tag>("WHERE canonical_name = ?", "travel").size() == 2);
    REQUIRE(d.b.query<Tag>("WHERE canonical_name = ?", "travel").size() == 2);
}

TEST_CASE("a delete wins over older changes, and nothing resurrects a deleted record", "[storage]") {
    two_devices d;
    Tag tag = make_tag("doomed");
    d.a.commit(tag);
    const auto insert = d.from_a;
    two_devices::deliver(d.b, d.from_a);
    Tag edit = tag;
    edit.color = "red";
    d.b.commit(edit);  // concurrent with the delete below
    d.a.remove<Tag>(tag.uuid);

    two_devices::deliver(d.b, d.from_a);
    REQUIRE_FALSE(d.b.get<Tag>(tag.uuid));
    two_devices::deliver(d.a, d.from_b);  // b's edit arrives after the delete
    REQUIRE_FALSE(d.a.get<Tag>(tag.uuid));
    auto replay = insert;  // and a replayed insert
    REQUIRE(two_devices::deliver(d.b, replay).applied == 0);
    REQUIRE_FALSE(d.b.get<Tag>(tag.uuid));
}

TEST_CASE("remote events report applied changes only", "[storage]") {
    two_devices d;
    std::vector<hsync::change_type> seen;
    d.b.on<Tag>([&](const hsync::change<Tag>& c) {
        REQUIRE(c.origin == hsync::change_origin::remote);
        seen.push_back(c.type);
    });
    Tag tag = make_tag("e");
    d.a.commit(tag);
    auto copy = d.from_a;
    two_devices::deliver(d.b, d.from_a);
    two_devices::deliver(d.b, copy);  // a duplicate: no second event
    d.a.remove<Tag>(tag.uuid);
    two_devices::deliver(d.b, d.from_a);
    REQUIRE(seen == std::vector<hsync::change_type>{hsync::change_type::insert, hsync::change_type::remove});
}

TEST_CASE("a bad change in a batch is an error and nothing of the batch is written", "[storage]") {
    two_devices d;
    d.a.commit(make_tag("good"));
    auto entries = d.from_a.at(0).shared.at(0).entries;
    const auto log_before = d.b.status().log_entries;
    const auto hlc_before = d.b.status().clock;

    SECTION("unknown model") {
        entries.push_back(entries[0]);
        entries[1].model = "no_such_model";
        entries[1].stamp.counter += 1;
        REQUIRE(code_of([&] { hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(entries)); }) ==
                hsync::errc::unknown_model);
    }
    SECTION("a field of the wrong type") {
        auto bad = entries[0];
        bad.record = hsync::uuid::v4();
        bad.stamp.counter += 1;
        bad.type = hsync::change_type::update;
        bad.values = raw_values(1u << 3, [](auto& w) { w.str("heavy"); });  // search_weight
        entries.push_back(bad);
        REQUIRE(code_of([&] { hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(entries)); }) ==
                hsync::errc::invalid_change);
    }
    SECTION("a field the model does not have") {
        auto bad = entries[0];
        bad.type = hsync::change_type::update;
        bad.stamp.counter += 1;
        bad.values = raw_values(1u << 4, [](auto& w) { w.uint(1); });  // a tag has 4 fields besides its id
        entries.push_back(bad);
        REQUIRE(code_of([&] { hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(entries)); }) ==
                hsync::errc::invalid_change);
    }
    SECTION("a shared change for a device-owned model") {
        entries[0].model = "location";
        REQUIRE(code_of([&] { hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(entries)); }) ==
                hsync::errc::invalid_change);
    }
    SECTION("a timestamp beyond the allowed drift does not move the clock") {
        auto future = entries[0];
        future.record = hsync::uuid::v4();
        future.stamp.millis = hsync::system_clock_millis() + 6 * 60 * 1000;
        entries.push_back(future);
        REQUIRE(code_of([&] { hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(entries)); }) ==
                hsync::errc::clock_drift);
        REQUIRE(d.b.status().clock.millis < future.stamp.millis);
    }
    REQUIRE(d.b.all<Tag>().empty());
    REQUIRE(d.b.status().log_entries == log_before);
    REQUIRE(hlc_before <= d.b.status().clock);
}

TEST_CASE("a batch applies in the order references require", "[storage]") {
    two_devices d;
    const Location loc = make_location(d.a_id.device_id, "/p");
    Entry e;
    e.uuid = hsync::record_id::generate();
    e.device = hsync::owner_id{d.a_id.device_id};
    e.location = loc.uuid;
    e.name = "photo.jpg";
    d.a.with_tx([&](auto& t) {
        t.commit(loc);
        t.commit(e);
    });
    std::vector<hsync::state_record> records;
    for (const auto& batch : d.from_a.at(0).states) records.insert(records.end(), batch.records.begin(), batch.records.end());
    std::reverse(records.begin(), records.end());  // entries first, as a careless peer might send them
    REQUIRE(records.front().model == "entry");
    std::vector<std::string> order;
    d.b.on<Entry>([&](const hsync::change<Entry>&) { order.push_back("entry"); });
    d.b.on<Location>([&](const hsync::change<Location>&) { order.push_back("location"); });
    REQUIRE(hsync::replica(d.b).apply_states(std::span<const hsync::state_record>(records)).applied == 2);
    REQUIRE(order == std::vector<std::string>{"location", "entry"});
}

TEST_CASE("received shared changes are kept in the log and update the clock", "[storage]") {
    two_devices d;
    d.a.commit(make_tag("relay me"));
    const hsync::hlc stamp = d.a.status().clock;
    two_devices::deliver(d.b, d.from_a);
    const auto log = log_entries(d.b);
    REQUIRE(log.size() == 1);
    REQUIRE(log[0].stamp == stamp);
    REQUIRE(stamp < d.b.status().clock);
}

TEST_CASE("a batch refused half-way leaves the clock where the file has it, across a restart too", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    const hsync::uuid peer = hsync::uuid::v4();
    const auto now = hsync::system_clock_millis();
    hsync::hlc before;
    auto entry_at = [&](std::uint64_t ms) {
        const Tag t = make_tag("t" + std::to_string(ms));
        return hsync::shared_entry{hsync::hlc{ms, 0, peer}, "tag", t.uuid, hsync::change_type::insert, all_values(t)};
    };
    {
        seed_library lib(dir / "a.db", me);
        before = lib.status().clock;
        // The first entry moves the clock ahead (within the drift); the second is beyond it.
        const std::vector<hsync::shared_entry> batch{entry_at(now + 60'000), entry_at(now + 3'600'000)};
        REQUIRE(code_of([&] { hsync::replica(lib).apply_shared_changes(std::span<const hsync::shared_entry>(batch)); }) == hsync::errc::clock_drift);
        REQUIRE(lib.status().clock == before);
        REQUIRE(lib.all<Tag>().empty());
    }
    seed_library again(dir / "a.db", me);
    REQUIRE(again.status().clock == before);
}

TEST_CASE("two different changes under one HLC: the second is refused and its batch writes nothing", "[storage]") {
    two_devices d;
    const hsync::uuid peer = hsync::uuid::v4();
    const auto now = hsync::system_clock_millis();
    const Tag first = make_tag("first"), other = make_tag("other"), forged = make_tag("forged");
    auto entry = [&](const Tag& t, std::uint64_t ms) {
        return hsync::shared_entry{hsync::hlc{ms, 7, peer}, "tag", t.uuid, hsync::change_type::insert, all_values(t)};
    };
    const std::vector<hsync::shared_entry> one{entry(first, now)};
    REQUIRE(hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(one)).applied == 1);
    const auto log_before = d.b.status().log_entries;

    // The same change again changes nothing (no lookup in the log needed to know it).
    REQUIRE(hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(one)).ignored == 1);
    // Another record under the same HLC: a clock names one change, so the peer lies.
    const std::vector<hsync::shared_entry> batch{entry(other, now + 1), entry(forged, now)};
    REQUIRE(code_of([&] { hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(batch)); }) ==
            hsync::errc::invalid_change);
    REQUIRE_FALSE(d.b.get<Tag>(other.uuid));
    REQUIRE_FALSE(d.b.get<Tag>(forged.uuid));
    REQUIRE(d.b.get<Tag>(first.uuid));
    REQUIRE(d.b.status().log_entries == log_before);
}

TEST_CASE("a change applied again after raw SQL deleted its row restores the row and keeps one log entry", "[storage]") {
    two_devices d;
    const Tag tag = d.shared_tag("restored");
    const auto log_before = d.b.status().log_entries;
    const auto entries = log_entries(d.b);
    REQUIRE_FALSE(entries.empty());
    // Raw SQL deletes the row behind hsync's back: no tombstone, the log keeps the entry.
    d.b.with_tx([&](auto& t) { t.exec("DELETE FROM tag"); });
    REQUIRE_FALSE(d.b.get<Tag>(tag.uuid));
    // The same change arrives again (a relay, a catch-up that restarts): it is not taken
    // for a second change under its HLC.
    REQUIRE(hsync::replica(d.b).apply_shared_changes(std::span<const hsync::shared_entry>(entries)).applied == 1);
    REQUIRE(d.b.get<Tag>(tag.uuid));
    REQUIRE(d.b.status().log_entries == log_before);
}

TEST_CASE("a catch-up page's transaction does not wait for the disk; the library's durability is back after it", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    for (const auto sync : {hsync::durability::full, hsync::durability::normal}) {
        hsync::library_options o;
        o.sync = sync;
        seed_library lib(dir / (sync == hsync::durability::full ? "full.db" : "normal.db"), me, o);
        const auto level = [&] { return lib.read([](SQLite::Database& db) { return db.execAndGet("PRAGMA synchronous").getInt(); }); };
        const int configured = sync == hsync::durability::full ? 2 : 1;  // SQLite's FULL and NORMAL
        REQUIRE(level() == configured);
        int inside = -1;
        hsync::replica(lib).with_refetchable_tx([&] {
            inside = lib.read([](SQLite::Database& db) { return db.execAndGet("PRAGMA synchronous").getInt(); });
        });
        REQUIRE(inside == 1);
        REQUIRE(level() == configured);
        // Also when the transaction fails: nothing written, durability restored.
        REQUIRE_THROWS(hsync::replica(lib).with_refetchable_tx([] { throw std::runtime_error("refused page"); }));
        REQUIRE(level() == configured);
    }
}
