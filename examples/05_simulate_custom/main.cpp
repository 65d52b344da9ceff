// 05_simulate_custom: the deterministic simulator on an application's own models. Every
// seed runs real library files and real sync engines of several devices through lost,
// duplicated and reordered messages, partitions, crashes and clock skew, then checks that
// they all converged on what the writes that returned make of the data (docs/testing.md).
//
//   cmake --build build --target hsync_example_05_simulate_custom
//   build/examples/hsync_example_05_simulate_custom 20     # seeds 1 to 20
#include <hsync/hsync.hpp>

#include <cstdio>
#include <cstdlib>

struct Notebook {                              // device-owned
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string title;
    hsync::local<bool> expanded{false};        // stays on the device
};

struct Note {                                  // shared: any device edits it
    hsync::record_id uuid;
    hsync::ref<Notebook> notebook;
    std::string text;
    std::optional<std::int32_t> priority;
    bool pinned = false;
};

int main(int argc, char** argv) {
    using notes_library = hsync::library<Notebook, Note>;
    const std::uint64_t seeds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20;
    std::uint64_t failures = 0, messages = 0;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        hsync::testing::sim_options options;
        options.seed = seed;
        options.devices = 3;
        options.steps = 1000;
        const hsync::testing::sim_result r = hsync::testing::simulate<notes_library>(options);
        messages += r.messages;
        if (!r.ok()) {
            ++failures;
            std::printf("seed %llu failed: %s\n", static_cast<unsigned long long>(seed), r.failures.front().c_str());
        }
    }
    std::printf("%llu seeds, %llu failures, %llu messages\n", static_cast<unsigned long long>(seeds),
                static_cast<unsigned long long>(failures), static_cast<unsigned long long>(messages));
    return failures == 0 ? 0 : 1;
}
