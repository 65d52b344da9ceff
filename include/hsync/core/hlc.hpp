#pragma once
// Hybrid logical clocks (Kulkarni et al., "Logical Physical Clocks", 2014).
//
// hsync::hlc is a timestamp: 48 bits of milliseconds since the Unix epoch, a 16-bit
// counter, and the issuing device's id as the final tie-break, so that no two devices
// ever issue equal timestamps. hsync::hlc_clock issues them.

#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <hsync/core/error.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/printable.hpp>

namespace hsync {

struct hlc {
    static constexpr std::uint64_t max_millis = (std::uint64_t{1} << 48) - 1;
    static constexpr std::uint32_t max_counter = 0xffff;
    static constexpr std::size_t text_size = 16 + 1 + uuid::text_size;
    static constexpr std::size_t byte_size = 8 + 16;
    using bytes_type = std::array<std::uint8_t, byte_size>;

    std::uint64_t millis = 0;   // physical part, at most max_millis
    std::uint16_t counter = 0;  // logical part within one millisecond
    uuid device{};              // the issuer; breaks ties

    // millis and counter in one 64-bit word, ordered like the pair.
    constexpr std::uint64_t packed() const noexcept { return (millis << 16) | counter; }
    static constexpr hlc from_packed(std::uint64_t word, const uuid& device) noexcept {
        return hlc{word >> 16, static_cast<std::uint16_t>(word & 0xffff), device};
    }

    // Big-endian millis and counter, then the device: the byte order is the hlc order,
    // so SQLite compares and indexes the bytes as a plain BLOB, and the wire carries them.
    constexpr bytes_type to_bytes() const noexcept {
        bytes_type out{};
        const std::uint64_t word = packed();
        for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(word >> (56 - 8 * i));
        for (std::size_t i = 0; i < 16; ++i) out[8 + i] = device.bytes()[i];
        return out;
    }

    // The inverse of to_bytes; nothing for a span that is not byte_size long.
    static constexpr std::optional<hlc> from_bytes(std::span<const std::uint8_t> bytes) noexcept {
        if (bytes.size() != byte_size) return std::nullopt;
        std::uint64_t word = 0;
        for (std::size_t i = 0; i < 8; ++i) word = (word << 8) | bytes[i];
        uuid::bytes_type device{};
        for (std::size_t i = 0; i < 16; ++i) device[i] = bytes[8 + i];
        return from_packed(word, uuid{device});
    }

    friend constexpr auto operator<=>(const hlc&, const hlc&) noexcept = default;
    friend constexpr bool operator==(const hlc&, const hlc&) noexcept = default;

    // "<12 hex millis><4 hex counter>-<device uuid>", lowercase and fixed width, so the
    // text sorts exactly like the values.
    std::string to_string() const {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out(16, '0');
        const std::uint64_t word = packed();
        for (std::size_t i = 0; i < 16; ++i) out[i] = digits[(word >> (60 - 4 * i)) & 0xf];
        out.push_back('-');
        out += device.to_string();
        return out;
    }

    static constexpr std::optional<hlc> try_parse(std::string_view text) noexcept {
        if (text.size() != text_size || text[16] != '-') return std::nullopt;
        std::uint64_t word = 0;
        for (std::size_t i = 0; i < 16; ++i) {
            const char c = text[i];
            int v = -1;
            if (c >= '0' && c <= '9') v = c - '0';
            else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
            if (v < 0) return std::nullopt;  // lowercase only: the text form must sort
            word = (word << 4) | static_cast<std::uint64_t>(v);
        }
        auto device = uuid::try_parse(text.substr(17));
        if (!device) return std::nullopt;
        return from_packed(word, *device);
    }

    static hlc parse(std::string_view text) {
        if (auto h = try_parse(text)) return *h;
        throw error(errc::invalid_hlc,
                    "hsync: '" + detail::printable(text, 80) +
                        "' is not an hlc; expected 16 lowercase hex digits, '-', and a uuid");
    }

    friend std::ostream& operator<<(std::ostream& os, const hlc& h) { return os << h.to_string(); }
};

// Milliseconds since the Unix epoch. Injected so tests and the simulator can run the
// clock on virtual time.
using physical_clock = std::function<std::uint64_t()>;

inline std::uint64_t system_clock_millis() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

struct hlc_clock_options {
    // A remote timestamp further than this ahead of our physical clock is refused:
    // accepting it would drag every later local timestamp into the future.
    std::chrono::milliseconds max_drift = std::chrono::minutes(5);
};

// Issues the timestamps of one device. Not synchronized: the owner (the library)
// serializes calls.
class hlc_clock {
public:
    explicit hlc_clock(const uuid& device, physical_clock physical = system_clock_millis,
                       hlc_clock_options options = {}, const hlc& resume_after = {})
        : device_(device), physical_(std::move(physical)), options_(options),
          millis_(resume_after.millis), counter_(resume_after.counter) {
        if (!physical_) physical_ = system_clock_millis;
    }

    // A timestamp for a local event, greater than every timestamp this clock has issued
    // or seen, however the physical clock moves.
    hlc next() {
        const std::uint64_t pt = physical_now();
        if (pt > millis_) {
            millis_ = pt;
            counter_ = 0;
        } else {
            bump_counter();
        }
        return current();
    }

    // Merge a timestamp received from a peer and return the timestamp of the receive
    // event. A remote timestamp beyond max_drift is refused with errc::clock_drift and
    // leaves the clock unchanged.
    hlc update(const hlc& remote) {
        const std::uint64_t pt = physical_now();
        check_drift(remote, pt);
        const std::uint64_t l_old = millis_;
        const std::uint64_t l_new = std::max({l_old, remote.millis, pt});
        if (l_new == l_old && l_new == remote.millis) {
            counter_ = std::max<std::uint32_t>(counter_, remote.counter);
            millis_ = l_new;
            bump_counter();
        } else if (l_new == l_old) {
            bump_counter();
        } else if (l_new == remote.millis) {
            millis_ = l_new;
            counter_ = remote.counter;
            bump_counter();
        } else {
            millis_ = l_new;
            counter_ = 0;
        }
        return current();
    }

    // Whether update(remote) would accept the timestamp, without changing the clock.
    bool within_drift(const hlc& remote) const {
        return remote.millis <= physical_now() + drift_millis();
    }

    // The last timestamp issued (or the one resumed after), to persist.
    hlc last() const noexcept { return current(); }
    const uuid& device() const noexcept { return device_; }
    const hlc_clock_options& options() const noexcept { return options_; }

private:
    hlc current() const noexcept { return hlc{millis_, static_cast<std::uint16_t>(counter_), device_}; }

    std::uint64_t drift_millis() const noexcept {
        return options_.max_drift.count() < 0 ? 0 : static_cast<std::uint64_t>(options_.max_drift.count());
    }

    std::uint64_t physical_now() const {
        const std::uint64_t pt = physical_();
        if (pt > hlc::max_millis) {
            throw error(errc::clock_overflow,
                        "hsync: the physical clock reads " + std::to_string(pt) +
                            " ms, beyond the 48-bit range of an hlc; check the clock source");
        }
        return pt;
    }

    void check_drift(const hlc& remote, std::uint64_t pt) const {
        if (remote.millis > pt + drift_millis()) {
            throw error(errc::clock_drift,
                        "hsync: refused timestamp " + remote.to_string() + " from device " +
                            remote.device.to_string() + ": it is " +
                            std::to_string(remote.millis - pt) +
                            " ms ahead of this device's clock, more than the allowed drift of " +
                            std::to_string(drift_millis()) +
                            " ms; check the clocks of both devices");
        }
    }

    // The counter never wraps: when it is exhausted within one millisecond, the
    // millisecond advances instead (the clock runs at most that far ahead).
    void bump_counter() {
        if (counter_ < hlc::max_counter) {
            ++counter_;
            return;
        }
        if (millis_ >= hlc::max_millis) {
            throw error(errc::clock_overflow, "hsync: the hlc reached its largest value");
        }
        ++millis_;
        counter_ = 0;
    }

    uuid device_;
    physical_clock physical_;
    hlc_clock_options options_;
    std::uint64_t millis_ = 0;
    std::uint32_t counter_ = 0;
};

}  // namespace hsync
