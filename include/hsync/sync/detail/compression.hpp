#pragma once
// zstd for frame bodies (docs/protocol.md, "Compression"). hsync's CMake target defines
// HSYNC_HAS_ZSTD=1 and links libzstd when it finds it; without it a device reads and
// writes no compressed frame, and says so in its Hello (an empty list of codecs).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#ifndef HSYNC_HAS_ZSTD
#define HSYNC_HAS_ZSTD 0
#endif
#if HSYNC_HAS_ZSTD
#include <zstd.h>
#endif

namespace hsync::sync::detail {

// The frame type of a compressed body: [13, codec, size, bin]. It is not a message: the
// codec unwraps it and decodes the body inside.
inline constexpr std::uint64_t compressed_frame_type = 13;
inline constexpr std::uint64_t zstd_codec = 1;
inline constexpr std::string_view zstd_name = "zstd";

// The codecs this build reads, as its Hello lists them.
inline std::vector<std::string> readable_codecs() {
    if constexpr (HSYNC_HAS_ZSTD) return {std::string(zstd_name)};
    return {};
}

#if HSYNC_HAS_ZSTD
// One context per thread, reused: a context costs a few hundred KiB to set up, more than
// compressing a page of changes.
struct zstd_contexts {
    struct free_c {
        void operator()(ZSTD_CCtx* context) const noexcept { ZSTD_freeCCtx(context); }
    };
    struct free_d {
        void operator()(ZSTD_DCtx* context) const noexcept { ZSTD_freeDCtx(context); }
    };
    std::unique_ptr<ZSTD_CCtx, free_c> c{ZSTD_createCCtx()};
    std::unique_ptr<ZSTD_DCtx, free_d> d{ZSTD_createDCtx()};

    static zstd_contexts& here() {
        thread_local zstd_contexts contexts;
        return contexts;
    }
};
#endif

// `body` compressed at `level`, or empty when this build has no zstd or compression
// failed (the caller then sends the body as it is).
inline std::string zstd_compress([[maybe_unused]] std::string_view body, [[maybe_unused]] int level) {
#if HSYNC_HAS_ZSTD
    std::string out(ZSTD_compressBound(body.size()), '\0');
    const std::size_t n = ZSTD_compressCCtx(zstd_contexts::here().c.get(), out.data(), out.size(), body.data(),
                                            body.size(), level);
    if (ZSTD_isError(n)) return {};
    out.resize(n);
    return out;
#else
    return {};
#endif
}

// Decompresses `in`, which must hold exactly one zstd frame of exactly `size` bytes, into
// `out`. Memory is bounded by `size`, which the caller has checked against the frame
// limit: the output buffer is allocated once and zstd never writes past it. On failure
// `why` says what was wrong.
inline bool zstd_decompress([[maybe_unused]] std::string_view in, [[maybe_unused]] std::size_t size,
                            [[maybe_unused]] std::string& out, std::string& why) {
#if HSYNC_HAS_ZSTD
    const unsigned long long stated = ZSTD_getFrameContentSize(in.data(), in.size());
    if (stated == ZSTD_CONTENTSIZE_ERROR) {
        why = "the compressed body is not a zstd frame";
        return false;
    }
    if (stated != ZSTD_CONTENTSIZE_UNKNOWN && stated != size) {
        why = "the zstd frame holds " + std::to_string(stated) + " bytes, the envelope says " + std::to_string(size);
        return false;
    }
    out.assign(size, '\0');
    const std::size_t n = ZSTD_decompressDCtx(zstd_contexts::here().d.get(), out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n)) {
        why = std::string("zstd: ") + ZSTD_getErrorName(n);
        return false;
    }
    if (n != size) {
        why = "the zstd frame holds " + std::to_string(n) + " bytes, the envelope says " + std::to_string(size);
        return false;
    }
    return true;
#else
    why = "this device was built without zstd and reads no compressed frame (its Hello said so)";
    return false;
#endif
}

}  // namespace hsync::sync::detail
