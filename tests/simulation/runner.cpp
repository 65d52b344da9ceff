// hsync_simulate: runs the deterministic simulator over the seven seed models.
//
//   hsync_simulate --seeds 1-500 [--devices 3-5] [--steps 2000]   many seeds, a summary
//   hsync_simulate --seed 42 --trace                               one seed, its whole trace
//   --twice              run each seed twice and require the same trace hash
//   --no-faults          the same workloads on a perfect network
//   --upgrade            the upgrade fault: devices restart on the next version of the seed
//                        models during the run (tests/support/seed_library_next.hpp)
//   --break RULE         a deliberately broken rule (test-only: forget-clock, forget-read,
//                        forget-carried with --upgrade),
//                        with --expect-failures to pass only when the simulator catches it
#include <hsync/hsync.hpp>
#include <hsync/testing/simulator.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "support/seed_library.hpp"
#include "support/seed_library_next.hpp"

namespace {

struct range {
    std::uint64_t lo = 1, hi = 1;
};

range parse_range(const std::string& text) {
    const auto dash = text.find('-');
    range r;
    r.lo = std::stoull(text.substr(0, dash));
    r.hi = dash == std::string::npos ? r.lo : std::stoull(text.substr(dash + 1));
    if (r.hi < r.lo) throw std::runtime_error("empty range " + text);
    return r;
}

}  // namespace

int main(int argc, char** argv) try {
    range seeds, devices{3, 3};
    hsync::testing::sim_options base;
    bool twice = false, expect_failures = false, upgrade = false;
    std::string broken_name;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--seeds" || a == "--seed") seeds = parse_range(value());
        else if (a == "--devices") devices = parse_range(value());
        else if (a == "--steps") base.steps = std::stoul(value());
        else if (a == "--trace") base.trace = true;
        else if (a == "--twice") twice = true;
        else if (a == "--no-faults") base.faults = false;
        else if (a == "--upgrade") upgrade = true;
        else if (a == "--expect-failures") expect_failures = true;
        else if (a == "--break") {
            const std::string rule = value();
            if (rule == "forget-clock") {
                base.broken = hsync::testing::broken_rule::forget_clock_on_restart;
            } else if (rule == "forget-read") {
                base.broken = hsync::testing::broken_rule::copies_forget_their_read;
            } else if (rule == "forget-carried") {
                base.broken = hsync::testing::broken_rule::forget_carried_on_restart;
            } else {
                throw std::runtime_error("unknown rule to break: " + rule + " (known: forget-clock, forget-read, forget-carried)");
            }
            broken_name = rule;
        } else {
            throw std::runtime_error("unknown option " + a + " (see the comment at the top of runner.cpp)");
        }
    }

    std::vector<std::uint64_t> failing;
    std::vector<std::int64_t> convergence;
    std::uint64_t messages = 0, commits = 0, copy_edits = 0, crashes = 0, runs = 0;
    for (std::uint64_t seed = seeds.lo; seed <= seeds.hi; ++seed) {
        hsync::testing::sim_options o = base;
        o.seed = seed;
        o.devices = static_cast<std::size_t>(devices.lo + seed % (devices.hi - devices.lo + 1));
        const auto simulate = [&] {
            return upgrade ? hsync::testing::simulate<hsync_test::seed_library, hsync_test::seed_library_next>(o)
                           : hsync::testing::simulate<hsync_test::seed_library>(o);
        };
        auto r = simulate();
        ++runs;
        if (twice) {
            const auto again = simulate();
            if (again.trace_hash != r.trace_hash) {
                r.failures.push_back("the same seed gave another trace (hash " + std::to_string(r.trace_hash) + " then " +
                                     std::to_string(again.trace_hash) + ")");
            }
        }
        if (base.trace) std::cout << r.trace;
        if (runs % 1000 == 0) std::cout << "... " << runs << " seeds run, " << failing.size() << " failing" << std::endl;
        messages += r.messages;
        commits += r.commits;
        crashes += r.crashes;
        copy_edits += r.copy_edits;
        if (r.convergence.count() >= 0) convergence.push_back(r.convergence.count());
        if (!r.ok()) {
            failing.push_back(seed);
            std::cout << "seed " << seed << " FAILED (" << o.devices << " devices; " << r.faults.describe(1000.0 / double(o.step.count())) << "):\n";
            for (const auto& f : r.failures) std::cout << "  " << f << "\n";
            std::cout << "  replay: hsync_simulate --seed " << seed << " --devices " << o.devices << " --steps " << o.steps
                      << (broken_name.empty() ? "" : " --break " + broken_name) << (upgrade ? " --upgrade" : "") << " --trace\n";
        } else if (seeds.lo == seeds.hi) {
            std::cout << "seed " << seed << " passed: trace hash " << r.trace_hash << "\n";
        }
    }
    std::sort(convergence.begin(), convergence.end());
    const auto median = convergence.empty() ? -1 : convergence[convergence.size() / 2];
    const auto worst = convergence.empty() ? -1 : convergence.back();
    std::cout << "seeds run " << runs << ", failures " << failing.size() << ", convergence after healing: median "
              << median << " ms, worst " << worst << " ms (virtual), messages " << messages << ", commits " << commits
              << " (" << copy_edits << " edits of copies read earlier), crashes " << crashes << "\n";
    if (expect_failures) {
        std::cout << (failing.empty() ? "the broken rule went unnoticed\n" : "the broken rule was caught\n");
        return failing.empty() ? 1 : 0;
    }
    return failing.empty() ? 0 : 1;
} catch (const std::exception& e) {
    std::cerr << "hsync_simulate: " << e.what() << "\n";
    return 2;
}
