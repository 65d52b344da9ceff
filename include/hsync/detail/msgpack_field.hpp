#pragma once
// Helpers for field_codec<T>::unpack (model/field_codec.hpp): what a value that is not of
// the field's type is called in an error, and integers read with the range of their type.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include <hsync/detail/field_error.hpp>
#include <hsync/detail/msgpack.hpp>

namespace hsync::detail {

// The error for the item `r` is at (or for the reader's own failure).
inline field_error unexpected(const mp_reader& r, std::string expected) {
    if (!r.ok()) return field_error{std::move(expected), "unreadable input (" + std::string(to_string(r.error())) + ")"};
    return field_error{std::move(expected), "a MessagePack " + std::string(to_string(r.peek()))};
}

template <class I>
std::optional<field_error> unpack_integer(mp_reader& r, I& out) {
    using limits = std::numeric_limits<I>;
    auto range = [] {
        return "an integer in [" + std::to_string(limits::min()) + ", " + std::to_string(limits::max()) + "]";
    };
    const mp_type t = r.peek();
    if (t == mp_type::uint) {
        std::uint64_t v = 0;
        if (!r.read_uint(v)) return unexpected(r, range());
        if (v > static_cast<std::uint64_t>(limits::max())) return field_error{range(), "the integer " + std::to_string(v)};
        out = static_cast<I>(v);
        return std::nullopt;
    }
    if (t == mp_type::sint) {
        std::int64_t v = 0;
        if (!r.read_int(v)) return unexpected(r, range());
        if constexpr (std::is_signed_v<I>) {
            if (v >= static_cast<std::int64_t>(limits::min())) {
                out = static_cast<I>(v);
                return std::nullopt;
            }
        }
        return field_error{range(), "the integer " + std::to_string(v)};
    }
    return unexpected(r, range());
}

}  // namespace hsync::detail
