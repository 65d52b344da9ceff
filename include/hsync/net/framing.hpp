#pragma once
// Framing on a byte stream: each message body travels behind its length, 4 bytes
// big-endian. The sync engine produces and consumes bodies; the transport frames them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <hsync/detail/wire_limits.hpp>

namespace hsync::net {

inline void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> body) {
    const auto n = static_cast<std::uint32_t>(body.size());
    out.push_back(static_cast<std::uint8_t>(n >> 24));
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), body.begin(), body.end());
}

// Cuts a byte stream into frame bodies. Feed it what the connection reads; take
// complete bodies with next(). A declared length beyond max_frame fails the stream for
// good (the connection must close): it never allocates what a peer announces.
class frame_reader {
public:
    explicit frame_reader(std::size_t max_frame = hsync::detail::wire_max_frame) : max_frame_(max_frame) {}

    void feed(std::span<const std::uint8_t> bytes) { buffer_.insert(buffer_.end(), bytes.begin(), bytes.end()); }

    // A complete body, nullopt if more bytes are needed; a failure once a frame is too large.
    std::optional<std::vector<std::uint8_t>> next() {
        if (failed_ || buffer_.size() - start_ < 4) return std::nullopt;
        const std::uint8_t* p = buffer_.data() + start_;
        const std::size_t n = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
        if (n > max_frame_) {
            failed_ = true;
            return std::nullopt;
        }
        if (buffer_.size() - start_ - 4 < n) return std::nullopt;
        std::vector<std::uint8_t> body(p + 4, p + 4 + n);
        start_ += 4 + n;
        if (start_ == buffer_.size() || start_ > (1u << 16)) {  // compact now and then
            buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
            start_ = 0;
        }
        return body;
    }

    bool failed() const noexcept { return failed_; }
    std::size_t buffered() const noexcept { return buffer_.size() - start_; }
    // At the end of the stream: bytes of an unfinished frame are a truncated frame.
    bool truncated() const noexcept { return !failed_ && buffered() > 0; }

private:
    std::size_t max_frame_;
    std::vector<std::uint8_t> buffer_;
    std::size_t start_ = 0;
    bool failed_ = false;
};

// A complete frame: the length prefix and the body.
inline std::vector<std::uint8_t> frame(std::span<const std::uint8_t> body) {
    std::vector<std::uint8_t> out;
    out.reserve(body.size() + 4);
    append_frame(out, body);
    return out;
}

}  // namespace hsync::net
