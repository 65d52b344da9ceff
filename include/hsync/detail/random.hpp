#pragma once
// The process's default source of randomness for uuids: a per-thread generator seeded
// with 256 bits from std::random_device and reseeded after fork(), so a child process
// never repeats its parent's uuids.

#include <array>
#include <cstdint>
#include <random>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define HSYNC_DETAIL_HAS_GETPID 1
#endif

namespace hsync::detail {

class default_random {
public:
    std::uint64_t next() {
        reseed_if_forked();
        return engine_();
    }

private:
    void reseed_if_forked() {
#ifdef HSYNC_DETAIL_HAS_GETPID
        const auto pid = static_cast<long>(::getpid());
        if (pid == pid_) return;
        pid_ = pid;
#else
        if (seeded_) return;
        seeded_ = true;
#endif
        std::random_device device;
        std::array<std::uint32_t, 8> words{};
        for (auto& w : words) w = device();
        std::seed_seq seq(words.begin(), words.end());
        engine_.seed(seq);
    }

    std::mt19937_64 engine_;
#ifdef HSYNC_DETAIL_HAS_GETPID
    long pid_ = -1;
#else
    bool seeded_ = false;
#endif
};

inline std::uint64_t random_u64() {
    thread_local default_random source;
    return source.next();
}

}  // namespace hsync::detail
