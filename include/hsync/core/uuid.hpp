#pragma once
// hsync::uuid: 128-bit identifiers for records and devices (RFC 9562).
// v7 (time-ordered) is the default for new records: it keeps SQLite's index appends local.

#include <array>
#include <chrono>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <hsync/core/error.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/random.hpp>

namespace hsync {

class uuid {
public:
    using bytes_type = std::array<std::uint8_t, 16>;
    static constexpr std::size_t text_size = 36;  // 8-4-4-4-12 hex digits

    constexpr uuid() noexcept = default;  // the nil uuid
    constexpr explicit uuid(const bytes_type& bytes) noexcept : bytes_(bytes) {}

    // Random (version 4), from the given 64-bit generator or the process default.
    template <class Generator>
        requires std::invocable<Generator&>
    static uuid v4(Generator& next_u64) {
        // Two statements: the order of a call's arguments is the compiler's choice, and a
        // seeded generator must give the same uuid with every compiler.
        const std::uint64_t high = next_u64();
        const std::uint64_t low = next_u64();
        uuid u = from_two_words(high, low);
        u.set_version_and_variant(4);
        return u;
    }
    static uuid v4() {
        auto gen = [] { return detail::random_u64(); };
        return v4(gen);
    }

    // Time-ordered (version 7): 48 bits of Unix milliseconds, then random bits.
    template <class Generator>
        requires std::invocable<Generator&>
    static uuid v7(std::uint64_t unix_ms, Generator& next_u64) {
        const std::uint64_t high = next_u64();
        const std::uint64_t low = next_u64();
        uuid u = from_two_words(high, low);
        for (int i = 0; i < 6; ++i) {
            u.bytes_[static_cast<std::size_t>(i)] =
                static_cast<std::uint8_t>(unix_ms >> (40 - 8 * i));
        }
        u.set_version_and_variant(7);
        return u;
    }
    static uuid v7() {
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch());
        auto gen = [] { return detail::random_u64(); };
        return v7(static_cast<std::uint64_t>(now.count()), gen);
    }

    // Canonical text form, 8-4-4-4-12 hex digits (either case). Nothing else is accepted:
    // no braces, no "urn:uuid:" prefix, no missing dashes.
    static constexpr std::optional<uuid> try_parse(std::string_view text) noexcept {
        if (text.size() != text_size) return std::nullopt;
        bytes_type bytes{};
        std::size_t out = 0;
        for (std::size_t i = 0; i < text_size;) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (text[i] != '-') return std::nullopt;
                ++i;
                continue;
            }
            const int hi = hex_value(text[i]);
            const int lo = hex_value(text[i + 1]);
            if (hi < 0 || lo < 0) return std::nullopt;
            bytes[out++] = static_cast<std::uint8_t>(hi * 16 + lo);
            i += 2;
        }
        return uuid{bytes};
    }

    static uuid parse(std::string_view text) {
        if (auto u = try_parse(text)) return *u;
        throw error(errc::invalid_uuid,
                    "hsync: '" + detail::printable(text) +
                        "' is not a uuid; expected 36 characters in the form "
                        "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits)");
    }

    // Lowercase canonical text; it sorts like the uuids themselves.
    std::string to_string() const {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out;
        out.reserve(text_size);
        for (std::size_t i = 0; i < bytes_.size(); ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
            out.push_back(digits[bytes_[i] >> 4]);
            out.push_back(digits[bytes_[i] & 0x0f]);
        }
        return out;
    }

    constexpr const bytes_type& bytes() const noexcept { return bytes_; }
    constexpr int version() const noexcept { return bytes_[6] >> 4; }
    constexpr bool is_nil() const noexcept { return *this == uuid{}; }

    // Byte order, which is also the order of the text form.
    friend constexpr auto operator<=>(const uuid&, const uuid&) noexcept = default;
    friend constexpr bool operator==(const uuid&, const uuid&) noexcept = default;

    friend std::ostream& operator<<(std::ostream& os, const uuid& u) { return os << u.to_string(); }

private:
    static constexpr int hex_value(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    static uuid from_two_words(std::uint64_t hi, std::uint64_t lo) noexcept {
        bytes_type bytes{};
        for (std::size_t i = 0; i < 8; ++i) {
            bytes[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
            bytes[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
        }
        return uuid{bytes};
    }

    void set_version_and_variant(int version) noexcept {
        bytes_[6] = static_cast<std::uint8_t>((bytes_[6] & 0x0f) | (version << 4));
        bytes_[8] = static_cast<std::uint8_t>((bytes_[8] & 0x3f) | 0x80);  // RFC 9562 variant
    }

    bytes_type bytes_{};
};

}  // namespace hsync

template <>
struct std::hash<hsync::uuid> {
    std::size_t operator()(const hsync::uuid& u) const noexcept {
        // The bytes are random or time-and-random already; fold them, then mix once.
        std::uint64_t a = 0, b = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            a = (a << 8) | u.bytes()[i];
            b = (b << 8) | u.bytes()[8 + i];
        }
        std::uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ULL);
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        return static_cast<std::size_t>(h);
    }
};
