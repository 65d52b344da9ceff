#pragma once
// One field value <-> one nlohmann::json value, strictly: reading checks the JSON type
// and the range of the target type, and reports what it expected. The conversion of each
// field type is its hsync::field_codec (model/field_codec.hpp); json_field<T> is the entry
// point the model and change layers call.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include <hsync/detail/field_error.hpp>
#include <hsync/model/field_codec_fwd.hpp>

namespace hsync::detail {

inline std::string describe(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::null: return "null";
        case nlohmann::json::value_t::boolean: return "a boolean";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned: return "the integer " + j.dump();
        case nlohmann::json::value_t::number_float: return "the number " + j.dump();
        case nlohmann::json::value_t::string: return "a string";
        case nlohmann::json::value_t::array: return "an array";
        case nlohmann::json::value_t::object: return "an object";
        case nlohmann::json::value_t::binary: return "binary data";
        case nlohmann::json::value_t::discarded: return "a discarded value";
    }
    return "an unknown value";
}

template <class I>
std::optional<field_error> read_integer(const nlohmann::json& j, I& out) {
    using limits = std::numeric_limits<I>;
    auto range = [] {
        return "an integer in [" + std::to_string(limits::min()) + ", " + std::to_string(limits::max()) + "]";
    };
    if (j.is_number_unsigned()) {
        const auto v = j.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(limits::max())) return field_error{range(), describe(j)};
        out = static_cast<I>(v);
        return std::nullopt;
    }
    if (j.is_number_integer()) {
        const auto v = j.get<std::int64_t>();
        if constexpr (std::is_signed_v<I>) {
            if (v < static_cast<std::int64_t>(limits::min()) || v > static_cast<std::int64_t>(limits::max())) {
                return field_error{range(), describe(j)};
            }
        } else {
            if (v < 0 || static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(limits::max())) {
                return field_error{range(), describe(j)};
            }
        }
        out = static_cast<I>(v);
        return std::nullopt;
    }
    return field_error{range(), describe(j)};
}

template <class T>
struct json_field {
    static nlohmann::json write(const T& v) { return field_codec<T>::to_json(v); }
    static std::optional<field_error> read(const nlohmann::json& j, T& out) { return field_codec<T>::from_json(j, out); }
};

}  // namespace hsync::detail
