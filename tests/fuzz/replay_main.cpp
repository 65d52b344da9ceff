// Runs a fuzz target without libFuzzer, as an ordinary test: over its built-in seed
// inputs (real messages) and every file of the corpus folders given, which hold every
// input that ever crashed or misbehaved (tests/fuzz/regressions/<target>/).
//
//   hsync_fuzz_replay_<target> [DIR|FILE]...        replay
//   hsync_fuzz_replay_<target> --write-seeds DIR    write the seeds, to start a fuzzing run
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern const char* const hsync_fuzz_target;
std::vector<std::vector<std::uint8_t>> hsync_fuzz_seeds();

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc == 3 && std::string(argv[1]) == "--write-seeds") {
        fs::create_directories(argv[2]);
        int n = 0;
        for (const auto& seed : hsync_fuzz_seeds()) {
            std::ofstream out(fs::path(argv[2]) / ("seed-" + std::to_string(n++)), std::ios::binary);
            out.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
        }
        std::printf("%s: wrote %d seeds to %s\n", hsync_fuzz_target, n, argv[2]);
        return 0;
    }
    std::size_t seeds = 0, files = 0;
    for (const auto& seed : hsync_fuzz_seeds()) {
        LLVMFuzzerTestOneInput(seed.data(), seed.size());
        ++seeds;
    }
    auto run_file = [&](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(data.data(), data.size());
        ++files;
    };
    for (int i = 1; i < argc; ++i) {
        const fs::path p = argv[i];
        if (fs::is_directory(p)) {
            for (const auto& e : fs::directory_iterator(p)) {
                if (e.is_regular_file() && e.path().filename().string()[0] != '.') run_file(e.path());
            }
        } else if (fs::exists(p)) {
            run_file(p);
        }
    }
    std::printf("%s: %zu seeds and %zu corpus files replayed, no failure\n", hsync_fuzz_target, seeds, files);
    return 0;
}
