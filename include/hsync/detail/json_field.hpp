#pragma once
// One field value <-> one nlohmann::json value, strictly: reading checks the JSON type
// and the range of the target type, and reports what it expected.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include <hsync/core/uuid.hpp>
#include <hsync/detail/field_error.hpp>
#include <hsync/model/column.hpp>
#include <hsync/model/markers.hpp>
#include <hsync/detail/printable.hpp>

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

template <class T>
struct json_field;  // specialized below for every column_type

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

template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
struct json_field<I> {
    static nlohmann::json write(I v) { return v; }
    static std::optional<field_error> read(const nlohmann::json& j, I& out) { return read_integer(j, out); }
};

template <>
struct json_field<bool> {
    static nlohmann::json write(bool v) { return v; }
    static std::optional<field_error> read(const nlohmann::json& j, bool& out) {
        if (!j.is_boolean()) return field_error{"a boolean", describe(j)};
        out = j.get<bool>();
        return std::nullopt;
    }
};

template <class F>
    requires std::is_floating_point_v<F>
struct json_field<F> {
    static nlohmann::json write(F v) { return v; }
    static std::optional<field_error> read(const nlohmann::json& j, F& out) {
        if (!j.is_number()) return field_error{"a number", describe(j)};
        const double v = j.get<double>();
        if constexpr (std::is_same_v<F, float>) {
            if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
                return field_error{"a number in the range of float", describe(j)};
            }
        }
        out = static_cast<F>(v);
        return std::nullopt;
    }
};

template <class E>
    requires std::is_enum_v<E>
struct json_field<E> {
    using underlying = std::underlying_type_t<E>;
    static nlohmann::json write(E v) { return static_cast<underlying>(v); }
    static std::optional<field_error> read(const nlohmann::json& j, E& out) {
        underlying v{};
        if (auto err = read_integer(j, v)) return err;
        out = static_cast<E>(v);
        return std::nullopt;
    }
};

template <>
struct json_field<std::string> {
    static nlohmann::json write(const std::string& v) { return v; }
    static std::optional<field_error> read(const nlohmann::json& j, std::string& out) {
        if (!j.is_string()) return field_error{"a string", describe(j)};
        out = j.get_ref<const std::string&>();
        return std::nullopt;
    }
};

// Blobs are JSON binary values: MessagePack carries them as bin. JSON text has no binary
// type, so an array of byte values is accepted too.
template <class Byte>
    requires(std::is_same_v<Byte, std::byte> || std::is_same_v<Byte, std::uint8_t>)
struct json_field<std::vector<Byte>> {
    static nlohmann::json write(const std::vector<Byte>& v) {
        nlohmann::json::binary_t bin;
        bin.resize(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) bin[i] = static_cast<std::uint8_t>(v[i]);
        return nlohmann::json::binary(std::move(bin));
    }
    static std::optional<field_error> read(const nlohmann::json& j, std::vector<Byte>& out) {
        if (j.is_binary()) {
            const auto& bin = j.get_binary();
            out.resize(bin.size());
            for (std::size_t i = 0; i < bin.size(); ++i) out[i] = static_cast<Byte>(bin[i]);
            return std::nullopt;
        }
        if (j.is_array()) {
            std::vector<Byte> bytes;
            bytes.reserve(j.size());
            for (const auto& e : j) {
                std::uint8_t b = 0;
                if (!e.is_number_integer() || read_integer(e, b)) {
                    return field_error{"binary data or an array of byte values (0-255)",
                                       "an array holding " + describe(e)};
                }
                bytes.push_back(static_cast<Byte>(b));
            }
            out = std::move(bytes);
            return std::nullopt;
        }
        return field_error{"binary data", describe(j)};
    }
};

template <>
struct json_field<uuid> {
    static nlohmann::json write(const uuid& v) { return v.to_string(); }
    static std::optional<field_error> read(const nlohmann::json& j, uuid& out) {
        if (!j.is_string()) return field_error{"a uuid string", describe(j)};
        auto u = uuid::try_parse(j.get_ref<const std::string&>());
        if (!u) {
            return field_error{"a uuid string (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                               "\"" + printable(j.get_ref<const std::string&>()) + "\""};
        }
        out = *u;
        return std::nullopt;
    }
};

template <>
struct json_field<record_id> {
    static nlohmann::json write(const record_id& v) { return json_field<uuid>::write(v.value); }
    static std::optional<field_error> read(const nlohmann::json& j, record_id& out) {
        return json_field<uuid>::read(j, out.value);
    }
};
template <>
struct json_field<owner_id> {
    static nlohmann::json write(const owner_id& v) { return json_field<uuid>::write(v.value); }
    static std::optional<field_error> read(const nlohmann::json& j, owner_id& out) {
        return json_field<uuid>::read(j, out.value);
    }
};
template <class M>
struct json_field<ref<M>> {
    static nlohmann::json write(const ref<M>& v) { return json_field<uuid>::write(v.id); }
    static std::optional<field_error> read(const nlohmann::json& j, ref<M>& out) {
        return json_field<uuid>::read(j, out.id);
    }
};

// Nanoseconds since the Unix epoch, whatever the time_point's own duration.
template <class Duration>
struct json_field<std::chrono::time_point<std::chrono::system_clock, Duration>> {
    using time_point = std::chrono::time_point<std::chrono::system_clock, Duration>;
    static nlohmann::json write(const time_point& v) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(v.time_since_epoch()).count();
    }
    static std::optional<field_error> read(const nlohmann::json& j, time_point& out) {
        std::int64_t ns = 0;
        if (auto err = read_integer(j, ns)) {
            return field_error{"a time in nanoseconds since the Unix epoch (" + err->expected + ")", err->got};
        }
        out = time_point(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns)));
        return std::nullopt;
    }
};

template <class T>
struct json_field<std::optional<T>> {
    static nlohmann::json write(const std::optional<T>& v) {
        return v ? json_field<T>::write(*v) : nlohmann::json(nullptr);
    }
    static std::optional<field_error> read(const nlohmann::json& j, std::optional<T>& out) {
        if (j.is_null()) {
            out.reset();
            return std::nullopt;
        }
        T value{};
        if (auto err = json_field<T>::read(j, value)) {
            err->expected += " or null";
            return err;
        }
        out = std::move(value);
        return std::nullopt;
    }
};

}  // namespace hsync::detail
