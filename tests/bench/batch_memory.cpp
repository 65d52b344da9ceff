// hsync_bench_batch_memory: the peak memory of one commit_batch of N shared records, in a
// fresh process, above the same library idle. Prints one row of a Markdown table.
//
//   hsync_bench_batch_memory DIR [--records N] [--node]
//
// With --node a net::node runs on the library (listening, no peer connected), as in an
// application; without it, the library alone.
#include <hsync/hsync.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "support/seed_library.hpp"

namespace {

// Resident set now and at its peak, in KiB, from /proc (getrusage keeps only the peak).
std::pair<long, long> rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    long now = 0, peak = 0;
    while (status >> key) {
        if (key == "VmRSS:") status >> now;
        else if (key == "VmHWM:") status >> peak;
    }
    return {now, peak};
}

// Resets VmHWM to the current RSS, so the next peak is the batch's own.
void reset_peak() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
}

std::size_t bytes_of(const std::vector<photos::Tag>& tags) {
    std::size_t bytes = tags.capacity() * sizeof(photos::Tag);
    for (const auto& t : tags) {
        bytes += t.canonical_name.capacity() > 15 ? t.canonical_name.capacity() + 1 : 0;
        if (t.display_name && t.display_name->capacity() > 15) bytes += t.display_name->capacity() + 1;
    }
    return bytes;
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: hsync_bench_batch_memory DIR [--records N] [--node]\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::size_t n = 50'000;
    bool with_node = false;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--records" && i + 1 < argc) n = std::stoul(argv[++i]);
        else if (a == "--node") with_node = true;
        else throw std::runtime_error("unknown argument " + a);
    }
    std::filesystem::create_directories(dir);
    const auto file = dir / "batch.db";
    std::filesystem::remove(file);
    const auto self = hsync::net::device_identity::beside(file);
    hsync_test::seed_library lib(file, self.library_identity());
    std::optional<hsync::net::node<hsync_test::seed_library>> node;
    if (with_node) {
        hsync::net::node_options no;
        no.listen_address = "127.0.0.1";
        node.emplace(lib, self, no);
        node->start();
    }
    std::vector<photos::Tag> tags;
    tags.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        photos::Tag t = hsync_test::make_tag("a tag with a name of some length " + std::to_string(i));
        t.display_name = "Display name " + std::to_string(i);
        tags.push_back(std::move(t));
    }
    const std::size_t records = bytes_of(tags);
    reset_peak();
    const auto idle = rss_kib().first;
    lib.commit_batch(tags);
    const long peak = rss_kib().second;
    if (node) node->stop();
    const auto at_end = rss_kib().first;
    // One row of the table in docs/benchmarks.md (tools/bench.sh prints its header).
    const auto mib = [](double kib) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", kib / 1024.0);
        return std::string(buf);
    };
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2f", double(peak - idle) / (double(records) / 1024.0));
    std::cout << "| " << n << " shared tags, " << (with_node ? "a running node, no peer" : "the library alone") << " | "
              << mib(double(records) / 1024.0) << " | " << mib(double(idle)) << " | " << mib(double(peak)) << " | "
              << mib(double(peak - idle)) << " | " << ratio << " | " << mib(double(at_end)) << " | <= 2.00 |\n";
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
}
