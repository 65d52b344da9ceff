#pragma once
// The id of a device as people see and compare it: the SHA-256 of the device
// certificate's public key, in base32, in four groups of 13 characters each followed by
// a check character (Luhn mod 32), shown as eight blocks of seven:
//
//   MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD
//
// A mistyped character is caught by the check characters. The library's device uuid
// (the owner of everything the device owns) is derived from the same hash.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <hsync/core/error.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/printable.hpp>

namespace hsync::net {

class device_id {
public:
    using hash_type = std::array<std::uint8_t, 32>;

    device_id() = default;
    explicit device_id(const hash_type& hash) : hash_(hash) {}

    const hash_type& hash() const noexcept { return hash_; }

    // The uuid this device owns records under: the first 16 bytes of the hash, marked as
    // an RFC 9562 version 8 (custom) uuid.
    uuid as_uuid() const noexcept {
        uuid::bytes_type b{};
        std::copy(hash_.begin(), hash_.begin() + 16, b.begin());
        b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x80);
        b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
        return uuid{b};
    }

    std::string to_string() const {
        const std::string plain = base32(hash_);  // 52 characters
        std::string checked;
        for (std::size_t g = 0; g < 4; ++g) {
            const std::string_view group = std::string_view(plain).substr(g * 13, 13);
            checked += group;
            checked.push_back(luhn32(group));
        }
        std::string out;
        for (std::size_t i = 0; i < checked.size(); ++i) {
            if (i && i % 7 == 0) out.push_back('-');
            out.push_back(checked[i]);
        }
        return out;
    }

    // Accepts the text form with or without dashes or spaces, in either case.
    static std::optional<device_id> try_parse(std::string_view text) {
        std::string chars;
        for (char c : text) {
            if (c == '-' || c == ' ') continue;
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            chars.push_back(c);
        }
        if (chars.size() != 56) return std::nullopt;
        std::string plain;
        for (std::size_t g = 0; g < 4; ++g) {
            const std::string_view group = std::string_view(chars).substr(g * 14, 13);
            for (char c : group) {
                if (value_of(c) < 0) return std::nullopt;
            }
            if (chars[g * 14 + 13] != luhn32(group)) return std::nullopt;
            plain += group;
        }
        hash_type hash{};
        std::uint32_t buffer = 0;
        int bits = 0;
        std::size_t out = 0;
        for (char c : plain) {
            buffer = (buffer << 5) | static_cast<std::uint32_t>(value_of(c));
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                if (out < hash.size()) hash[out++] = static_cast<std::uint8_t>(buffer >> bits);
            }
        }
        if (out != hash.size()) return std::nullopt;
        return device_id{hash};
    }

    static device_id parse(std::string_view text) {
        if (auto id = try_parse(text)) return *id;
        throw error(errc::invalid_device_id,
                    "hsync: '" + detail::printable(text, 80) +
                        "' is not a device id (56 base32 characters in eight blocks of seven, with check "
                        "characters); check it for a typo");
    }

    friend bool operator==(const device_id&, const device_id&) = default;
    friend auto operator<=>(const device_id&, const device_id&) = default;

private:
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    static int value_of(char c) noexcept {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= '2' && c <= '7') return c - '2' + 26;
        return -1;
    }

    static std::string base32(const hash_type& bytes) {
        std::string out;
        std::uint32_t buffer = 0;
        int bits = 0;
        for (std::uint8_t b : bytes) {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out.push_back(alphabet[(buffer >> bits) & 31]);
            }
        }
        if (bits > 0) out.push_back(alphabet[(buffer << (5 - bits)) & 31]);
        return out;
    }

    // Luhn mod N over the base32 alphabet.
    static char luhn32(std::string_view group) noexcept {
        int factor = 1;
        int sum = 0;
        for (char c : group) {
            int addend = factor * value_of(c);
            factor = factor == 2 ? 1 : 2;
            addend = addend / 32 + addend % 32;
            sum += addend;
        }
        return alphabet[(32 - sum % 32) % 32];
    }

    hash_type hash_{};
};

}  // namespace hsync::net
