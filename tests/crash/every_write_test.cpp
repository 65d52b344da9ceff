// A crash at every write: for each commit path, a child process runs the path through a
// VFS that counts the I/O steps (writes, syncs, truncates, deletes) and ends the process
// at step k, for every k until the path completes. After each crash the database is
// reopened normally and must pass integrity_check, and hold exactly the state before the
// path or after one of its transactions (so no row without its log entry, no torn batch,
// no clock behind its stored data), and at least every transaction the child saw return.
//
// Power-loss mode drops every write not yet synced at the crash. With synchronous=FULL
// (durability::full, the default) nothing that returned is lost; with NORMAL it can be,
// which is why acknowledging to a peer requires FULL (docs/reliability.md).
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <functional>
#include <iostream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crash/crash_vfs.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using namespace photos;

namespace {

constexpr std::uint64_t fixed_ms = 1'700'000'000'000;

struct counter_source {
    std::uint64_t n = 0;
    std::uint64_t operator()() { return 0x9e3779b97f4a7c15ULL * ++n; }
};

hsync::library_options options_for(hsync::durability d) {
    hsync::library_options o;
    o.sync = d;
    // Every run of a path must make the same writes in the same order: the checkpoints are
    // the commits' own, not a thread's (whose timing varies).
    o.checkpoints = hsync::checkpoints::on_commit;
    o.physical = [] { return fixed_ms; };  // the same HLCs in every run of a path
    o.library_id = hsync::uuid::parse("6c1d3a4e-0d5c-4b8e-9a57-1f2e3d4c5b6a");
    return o;
}

const hsync::identity me{hsync::uuid::parse("11111111-2222-4333-8444-555555555555")};
const hsync::identity remote_device{hsync::uuid::parse("99999999-8888-4777-8666-555555555555")};

// Every row of every table, sorted: two files with equal dumps hold the same data.
std::string dump_everything(const std::filesystem::path& file) {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    SQLite::Statement tables(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    std::string out;
    while (tables.executeStep()) {
        const std::string table = tables.getColumn(0).getString();
        SQLite::Statement rows(db, "SELECT * FROM \"" + table + "\"");
        std::vector<std::string> lines;
        while (rows.executeStep()) {
            std::string line;
            for (int i = 0; i < rows.getColumnCount(); ++i) {
                const auto col = rows.getColumn(i);
                line += col.isNull() ? std::string("NULL")
                                     : std::string(static_cast<const char*>(col.getBlob()), static_cast<std::size_t>(col.getBytes()));
                line += '\x1f';
            }
            lines.push_back(std::move(line));
        }
        std::sort(lines.begin(), lines.end());
        out += "== " + table + "\n";
        for (const auto& l : lines) out += l + "\n";
    }
    return out;
}

std::string integrity(const std::filesystem::path& file) {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA integrity_check").getString();
}

void remove_files(const std::filesystem::path& db) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(db.string() + suffix);
}

using step_fn = std::function<void(seed_library&)>;

struct commit_path {
    std::string name;
    std::vector<step_fn> steps;  // each one transaction (or more) that returns
};

struct path_report {
    long crash_points = 0;
    long violations = 0;
    long returned_then_lost = 0;
};

// Runs the path's steps in a child that crashes at I/O step k; -1 never. Returns the exit
// code and how many steps returned before the crash.
std::pair<int, int> run_child(const std::filesystem::path& file, hsync::durability d, const commit_path& path,
                              long crash_at, bool power_loss) {
    int report[2];
    REQUIRE(::pipe(report) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(report[0]);
        crash_vfs::install({crash_at, power_loss});
        try {
            {
                seed_library lib(file, me, options_for(d));
                for (const auto& step : path.steps) {
                    step(lib);
                    const char done = 1;
                    if (::write(report[1], &done, 1) != 1) std::_Exit(4);
                }
            }  // closing checkpoints the WAL: those steps count too
            std::_Exit(0);
        } catch (...) {
            std::_Exit(3);
        }
    }
    ::close(report[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    int returned = 0;
    char buffer[64];
    for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) returned += static_cast<int>(n);
    ::close(report[0]);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), returned};
}

path_report crash_everywhere(const temp_dir& dir, const commit_path& path, hsync::durability d, bool power_loss) {
    const auto base = dir / "base.db";
    const auto work = dir / "work.db";
    // The states the path may leave: before it, and after each of its steps.
    std::vector<std::string> states;
    remove_files(work);
    std::filesystem::copy_file(base, work);
    states.push_back(dump_everything(work));
    {
        seed_library lib(work, me, options_for(d));
        for (const auto& step : path.steps) {
            step(lib);
            states.push_back(dump_everything(work));
        }
    }
    path_report r;
    for (long k = 1; k < 100'000; ++k) {
        remove_files(work);
        std::filesystem::copy_file(base, work);
        const auto [code, returned] = run_child(work, d, path, k, power_loss);
        if (code == 0) break;  // the path completed before step k: every step was a crash point
        REQUIRE(code == crash_vfs::crash_exit_code);
        ++r.crash_points;
        std::string problem;
        try {
            { seed_library reopened(work, me, options_for(d)); }  // opens, recovers the WAL, closes
            const std::string check = integrity(work);
            const auto state = std::find(states.begin(), states.end(), dump_everything(work));
            if (check != "ok") problem = "integrity_check: " + check;
            else if (state == states.end()) problem = "a state that is neither before nor after a transaction";
            else if (state - states.begin() < returned) {
                ++r.returned_then_lost;
                if (d == hsync::durability::full) problem = "a transaction that returned is lost";
            }
        } catch (const std::exception& e) {
            problem = std::string("cannot reopen: ") + e.what();
        }
        if (!problem.empty()) {
            ++r.violations;
            UNSCOPED_INFO(path.name << (power_loss ? " (power loss)" : "") << ", crash at step " << k << ": " << problem);
        }
    }
    return r;
}

// The library every path starts from, and the paths.
struct fixture {
    temp_dir dir;
    counter_source ids;
    std::vector<Tag> tags;
    std::vector<Location> locations;
    std::vector<hsync::shared_entry> remote_entries;
    std::vector<hsync::state_record> remote_states;

    hsync::uuid next_id() { return hsync::uuid::v4(ids); }

    explicit fixture(hsync::durability d) {
        {
            seed_library remote(dir / "remote.db", remote_device, options_for(d));
            std::vector<Tag> rt;
            std::vector<Location> rl;
            for (int i = 0; i < 40; ++i) {
                Tag t{hsync::record_id{next_id()}, "remote-" + std::to_string(i)};
                rt.push_back(t);
                Location l{hsync::record_id{next_id()}, hsync::owner_id{remote_device.device_id}};
                l.path = "/remote/" + std::to_string(i);
                rl.push_back(l);
            }
            remote.commit_batch(rt);
            remote.commit_batch(rl);
            remote_entries = hsync::replica(remote).shared_changes(0, 1000).entries;
            remote_states = hsync::replica(remote).state_changes("location", 0, 1000).records;
        }
        seed_library lib(dir / "base.db", me, options_for(d));
        hsync::replica(lib).pair(remote_device.device_id);
        for (int i = 0; i < 30; ++i) {
            tags.push_back(Tag{hsync::record_id{next_id()}, "tag-" + std::to_string(i)});
            Location l{hsync::record_id{next_id()}, hsync::owner_id{me.device_id}};
            l.path = "/local/" + std::to_string(i);
            locations.push_back(l);
        }
        lib.commit_batch(tags);
        lib.commit_batch(locations);
    }

    std::vector<commit_path> paths() {
        std::vector<commit_path> out;
        Location fresh{hsync::record_id{next_id()}, hsync::owner_id{me.device_id}};
        fresh.path = "/new";
        Location moved = locations[3];
        moved.path = "/moved";
        out.push_back({"device-owned commit", {[fresh](seed_library& l) { l.commit(fresh); },
                                               [moved](seed_library& l) { l.commit(moved); }}});
        Tag renamed = tags[5];
        renamed.color = "red";
        Tag added{hsync::record_id{next_id()}, "added"};
        out.push_back({"shared commit", {[renamed](seed_library& l) { l.commit(renamed); },
                                         [added](seed_library& l) { l.commit(added); }}});
        std::vector<Tag> many;
        for (int i = 0; i < 300; ++i) many.push_back(Tag{hsync::record_id{next_id()}, "batch-" + std::to_string(i)});
        out.push_back({"batch", {[many](seed_library& l) { l.commit_batch(many); }}});
        const auto gone_tag = tags[7].uuid.value, gone_location = locations[8].uuid.value;
        out.push_back({"remove", {[gone_tag](seed_library& l) { l.remove<Tag>(gone_tag); },
                                  [gone_location](seed_library& l) { l.remove<Location>(gone_location); }}});
        out.push_back({"remote apply of a batch",
                       {[e = remote_entries](seed_library& l) { hsync::replica(l).apply_shared_changes(std::span<const hsync::shared_entry>(e)); },
                        [s = remote_states](seed_library& l) { hsync::replica(l).apply_states(std::span<const hsync::state_record>(s)); }}});
        out.push_back({"log pruning", {[](seed_library& l) { hsync::replica(l).prune_log_through(hsync::replica(l).current_seq() / 2); }}});
        out.push_back({"backfill checkpoint", {[s = remote_states](seed_library& l) {
                           l.with_tx([&](auto&) {
                               hsync::replica(l).apply_states(std::span<const hsync::state_record>(s));
                               hsync::replica(l).set_checkpoint(remote_device.device_id, "location", 40);
                           });
                       }}});
        return out;
    }
};

path_report run_all(hsync::durability d, bool power_loss) {
    fixture f(d);
    path_report total;
    for (const auto& path : f.paths()) {
        const auto r = crash_everywhere(f.dir, path, d, power_loss);
        std::cout << (power_loss ? "power loss" : "crash") << (d == hsync::durability::full ? " (FULL)" : " (NORMAL)")
                  << ", " << path.name << ": " << r.crash_points << " crash points, " << r.violations << " violations, "
                  << r.returned_then_lost << " returned transactions lost\n";
        REQUIRE(r.crash_points > 0);
        total.crash_points += r.crash_points;
        total.violations += r.violations;
        total.returned_then_lost += r.returned_then_lost;
    }
    std::cout << "total: " << total.crash_points << " crash points, " << total.violations << " violations\n";
    return total;
}

}  // namespace

TEST_CASE("a crash at every I/O step of every commit path leaves a consistent library", "[crash]") {
    const auto r = run_all(hsync::durability::full, false);
    REQUIRE(r.violations == 0);
    REQUIRE(r.returned_then_lost == 0);
}

TEST_CASE("power loss at every I/O step: with synchronous=FULL nothing that returned is lost", "[crash]") {
    const auto r = run_all(hsync::durability::full, true);
    REQUIRE(r.violations == 0);
    REQUIRE(r.returned_then_lost == 0);
}

TEST_CASE("power loss with synchronous=NORMAL can lose what returned: why acknowledgements need FULL", "[crash]") {
    const auto r = run_all(hsync::durability::normal, true);
    REQUIRE(r.violations == 0);          // still consistent: a prefix of the transactions
    REQUIRE(r.returned_then_lost > 0);   // but not durable
}
