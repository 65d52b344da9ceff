#pragma once
// What a simulation run is asked to do (sim_options, with the fault mix it draws) and
// what it reports (sim_result). See testing/simulator.hpp and docs/testing.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <hsync/sync/engine_options.hpp>

namespace hsync::testing {

using sync::millis;

// A rule broken on purpose, to show that the simulator catches it (never in production).
enum class broken_rule {
    none,
    // A restarted device forgets its persisted clock, and its physical clock has stepped
    // back: its HLC goes backwards and older writes can win.
    forget_clock_on_restart,
    // The application's copies lose the version they were read from (as if the library
    // diffed a commit against the stored row): an edit of an old copy writes back the
    // fields it did not touch, undoing later writes.
    copies_forget_their_read,
    // A device on the old version of the models forgets, whenever it restarts, the values
    // of the fields it carries for newer peers (simulate<Library, Upgraded> only): what it
    // relays then lacks them.
    forget_carried_on_restart,
};

// How hard each fault hits in one run; drawn from the seed ("swarm" testing: each run
// stresses a different mix).
struct fault_mix {
    double drop = 0;             // per message, 0 to 0.30
    double duplicate = 0;        // per message, 0 to 0.50
    double reorder = 0;          // per message: an extra random delay, 0 to 0.50
    std::int64_t max_delay = 0;  // ms of that extra delay
    double partition = 0;        // per step: a partition starts
    double asymmetric = 0;       // share of partitions that cut one direction only
    double crash = 0;            // per step: a device crashes
    std::int64_t max_skew = 0;   // ms of clock skew per device, either way (within the drift)
    double clock_step = 0;       // per step: a device's clock steps back by up to a second
    bool beyond_drift = false;   // one device's clock runs 10 minutes ahead for a while

    // `steps_per_second` turns the per-step rates into rates per second of virtual time.
    std::string describe(double steps_per_second = 200) const {
        auto pct = [](double p) { return std::to_string(static_cast<int>(p * 100 + 0.5)) + "%"; };
        auto per_s = [&](double p) {
            const double r = p * steps_per_second;
            return std::to_string(static_cast<int>(r)) + "." + std::to_string(static_cast<int>(r * 10) % 10) + "/s";
        };
        return "drop " + pct(drop) + ", duplicate " + pct(duplicate) + ", reorder " + pct(reorder) + " (up to " +
               std::to_string(max_delay) + " ms), partitions " + per_s(partition) + (asymmetric > 0 ? " (some one-way)" : "") +
               ", crashes " + per_s(crash) + ", skew up to " + std::to_string(max_skew) + " ms, clock steps back " +
               per_s(clock_step) + (beyond_drift ? ", a clock beyond the drift" : "");
    }
};

struct sim_options {
    std::uint64_t seed = 1;
    std::size_t devices = 3;
    std::size_t steps = 2000;            // steps of the fault phase
    millis step{5};                      // virtual time per step
    double commit_rate = 0.04;           // per device per step: a commit, an update or a delete
    millis heal_limit{120'000};          // convergence must come within this after the faults stop
    bool trace = false;                  // keep a readable trace (the hash is always computed)
    bool faults = true;                  // false: the same workload on a perfect network
    broken_rule broken = broken_rule::none;
    std::filesystem::path dir;           // where the library files go; a fresh temporary folder if empty
    sync::engine_options engine = default_engine_options();

    static sync::engine_options default_engine_options() {
        sync::engine_options o;
        o.heartbeat_interval = millis(200);
        o.response_timeout = millis(2000);
        o.retry_base = millis(50);
        o.retry_max = millis(2000);
        o.page_size = 64;  // small pages: paging and checkpoints get exercised
        return o;
    }
};

struct sim_result {
    std::uint64_t seed = 0;
    fault_mix faults;
    std::vector<std::string> failures;  // empty when every check passed
    millis convergence{-1};             // virtual time from the end of the faults to convergence
    std::uint64_t messages = 0;         // frames delivered
    std::uint64_t commits = 0;          // local writes that returned
    std::uint64_t refused_commits = 0;  // local writes refused (a record deleted meanwhile, say)
    std::uint64_t copy_edits = 0;       // commits of an edit of a copy read earlier (that returned)
    std::uint64_t crashes = 0;
    std::uint64_t trace_hash = 0;
    std::string trace;                  // when sim_options::trace

    bool ok() const noexcept { return failures.empty(); }
};

}  // namespace hsync::testing
