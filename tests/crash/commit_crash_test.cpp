// Atomicity under SIGKILL: a child process commits in a loop (every commit path) and is
// killed at a random moment, hundreds of times. After each kill the reopened database
// must pass integrity_check, every shared row must have its log entry and every log
// entry its row or tombstone, every commit the child reported as returned must be there,
// and the HLC must never go backwards.
//
// HSYNC_CRASH_KILLS (default 200) sets the number of kills.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include <csignal>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using namespace photos;

namespace {

// The child: commits forever, writing the id of each record whose commit returned to
// `report` (a pipe), 16 bytes per record.
[[noreturn]] void commit_forever(const std::filesystem::path& file, const hsync::identity& me, int report,
                                 std::uint64_t seed) {
    try {
        seed_library lib(file, me);
        std::mt19937_64 rng(seed);
        auto reported = [&](const hsync::uuid& id) {
            if (::write(report, id.bytes().data(), 16) != 16) std::_Exit(3);
        };
        for (std::uint64_t n = 0;; ++n) {
            switch (rng() % 6) {
                case 0: {  // shared insert, then an update of it
                    Tag t = make_tag("t" + std::to_string(n));
                    lib.commit(t);
                    t.color = "c" + std::to_string(n);
                    lib.commit(t);
                    reported(t.uuid);
                    break;
                }
                case 1: {  // device-owned
                    const Location l = make_location(me.device_id, "/p" + std::to_string(n));
                    lib.commit(l);
                    reported(l.uuid);
                    break;
                }
                case 2: {  // batch of both kinds in one transaction
                    std::vector<Tag> tags;
                    for (int i = 0; i < 20; ++i) tags.push_back(make_tag("b" + std::to_string(n) + "-" + std::to_string(i)));
                    lib.with_tx([&](auto& t) {
                        t.exec("CREATE TABLE IF NOT EXISTS app_log (n INTEGER)");
                        t.exec("INSERT INTO app_log VALUES (" + std::to_string(n) + ")");
                        lib.commit_batch(tags);
                        t.commit(make_location(me.device_id, "/batch" + std::to_string(n)));
                    });
                    for (const auto& t : tags) reported(t.uuid);
                    break;
                }
                case 3: {  // remove a shared record
                    auto tags = lib.query<Tag>("ORDER BY uuid LIMIT 1");
                    if (!tags.empty()) lib.remove<Tag>(tags[0].uuid);
                    break;
                }
                case 4: {  // mixed, both paths
                    UserMetadata shared_meta{hsync::record_id::generate(), std::nullopt};
                    UserMetadata owned_meta{hsync::record_id::generate(), hsync::owner_id{me.device_id}};
                    lib.commit(shared_meta);
                    lib.commit(owned_meta);
                    reported(shared_meta.uuid);
                    reported(owned_meta.uuid);
                    break;
                }
                default: {  // prune part of the log, as the engine will
                    const auto third = hsync::replica(lib).nth_oldest_log_seq(2);
                    if (third && rng() % 4 == 0) hsync::replica(lib).prune_log_through(*third);
                    break;
                }
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "crash child: %s\n", e.what());
        std::_Exit(2);
    }
}

std::int64_t scalar(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

}  // namespace

TEST_CASE("a commit killed at any moment leaves a consistent database and loses nothing that returned", "[crash]") {
    const char* env = std::getenv("HSYNC_CRASH_KILLS");
    const int kills = env ? std::atoi(env) : 200;
    temp_dir dir;
    const auto file = dir / "crash.db";
    const hsync::identity me{hsync::uuid::v4()};
    std::mt19937_64 rng(20261122);
    hsync::hlc highest_seen{};
    std::size_t returned_commits = 0;

    for (int round = 0; round < kills; ++round) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            commit_forever(file, me, fds[1], rng());
        }
        ::close(fds[1]);
        // The kill lands while the child commits: after its first commit returned (so the
        // checks below find the tables even when a loaded machine slows the first open),
        // at a random moment 2-32 ms later.
        std::vector<hsync::uuid> reported;
        hsync::uuid::bytes_type buf{};
        INFO("round " << round);
        REQUIRE(::read(fds[0], buf.data(), 16) == 16);
        reported.emplace_back(buf);
        std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 30000));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        REQUIRE(WIFSIGNALED(status));  // it was still committing, not failed

        while (::read(fds[0], buf.data(), 16) == 16) reported.emplace_back(buf);
        ::close(fds[0]);
        returned_commits += reported.size();

        {
            SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
            REQUIRE(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
            // Every log entry has its row or its tombstone.
            REQUIRE(scalar(db,
                           "SELECT count(*) FROM hsync_shared_log l WHERE NOT EXISTS (SELECT 1 FROM tag "
                           "WHERE uuid = l.record_id) AND NOT EXISTS (SELECT 1 FROM user_metadata WHERE "
                           "uuid = l.record_id) AND NOT EXISTS (SELECT 1 FROM hsync_tombstones t WHERE "
                           "t.record_id = l.record_id)") == 0);
            // Every field write of a shared row has its log entry, unless pruned (pruning
            // removes a prefix of the log, so a pruned entry is below the oldest left).
            for (const char* clock : {"hsync_clock_canonical_name", "hsync_clock_color"}) {
                const std::string c = clock;
                REQUIRE(scalar(db, "SELECT count(*) FROM tag WHERE length(" + c + ") = 24 AND " + c +
                                       " NOT IN (SELECT hlc FROM hsync_shared_log) AND " + c +
                                       " >= (SELECT min(hlc) FROM hsync_shared_log)") == 0);
            }
            REQUIRE(scalar(db, "SELECT count(*) FROM user_metadata WHERE device IS NULL AND "
                               "hsync_clock_notes NOT IN (SELECT hlc FROM hsync_shared_log) AND "
                               "hsync_clock_notes >= (SELECT min(hlc) FROM hsync_shared_log)") == 0);
        }
        seed_library lib(file, me);
        for (const auto& id : reported) {
            const bool present = lib.get<Tag>(id) || lib.get<Location>(id) || lib.get<UserMetadata>(id);
            if (!present) {
                // A returned commit may only be missing because a later remove took it.
                SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
                SQLite::Statement q(db, "SELECT count(*) FROM hsync_tombstones WHERE record_id = ?");
                q.bind(1, id.bytes().data(), 16);
                q.executeStep();
                REQUIRE(q.getColumn(0).getInt() == 1);
            }
        }
        const hsync::hlc now = lib.status().clock;
        REQUIRE(highest_seen <= now);
        const auto log = log_entries(lib, 1'000'000);
        if (!log.empty()) REQUIRE(log.back().stamp <= now);
        highest_seen = now;
    }
    WARN("killed " << kills << " committing processes; " << returned_commits << " returned commits checked");
}

TEST_CASE("with_tx throwing half-way through a batch leaves the database exactly as it was", "[crash]") {
    temp_dir dir;
    const auto file = dir / "tx.db";
    const hsync::identity me{hsync::uuid::v4()};
    int events = 0;
    std::size_t outgoing = 0;
    {
        seed_library lib(file, me);
        lib.on<Tag>([&](const hsync::change<Tag>&) { ++events; });
        hsync::replica(lib).attach([&](const hsync::outgoing_changes&) { ++outgoing; });
        for (int i = 0; i < 10; ++i) lib.commit(make_tag("before" + std::to_string(i)));
        lib.commit(make_location(me.device_id, "/before"));
    }
    const std::string before = dump_library(file);
    {
        seed_library lib(file, me);
        lib.on<Tag>([&](const hsync::change<Tag>&) { ++events; });
        hsync::replica(lib).attach([&](const hsync::outgoing_changes&) { ++outgoing; });
        const auto existing = lib.all<Tag>();
        REQUIRE_THROWS_AS(lib.with_tx([&](auto& t) {
            for (int i = 0; i < 500; ++i) {
                t.commit(make_tag("during" + std::to_string(i)));
                if (i == 250) {
                    Tag edited = existing[0];
                    edited.color = "changed";
                    t.commit(edited);
                    t.template remove<Tag>(existing[1].uuid);
                    t.commit(make_location(me.device_id, "/during"));
                    t.exec("CREATE TABLE app_table (x INTEGER)");
                }
            }
            throw std::runtime_error("half-way");
        }),
                          std::runtime_error);
    }
    REQUIRE(dump_library(file) == before);
    SQLite::Database db(file.string());
    REQUIRE(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'app_table'").getInt() == 0);
    REQUIRE(events == 10);  // the ten commits before; none from the rolled-back transaction
    REQUIRE(outgoing == 11);
}
