#pragma once
// hsync::field_codec<T>: everything hsync does with a value of one field type, in one
// place. Adding a field type means adding one specialization here; nothing else lists
// field types. Each specialization has the same static members:
//
//   column, nullable         the SQLite column: storage class and whether it may be NULL
//   bind(stmt, index, v, site)
//                            binds v; throws errc::value_out_of_range, naming `site`, for a
//                            value the column cannot hold
//   read(stmt, col, out)     reads a column; a value of the wrong kind is a field_error,
//                            never a silent conversion
//   literal(v)               v as an SQL literal (the DEFAULT of a column a migration adds)
//   to_json(v), from_json(j, out)
//                            the wire form; reading checks the JSON type and the range of T
//   pack(w, v), unpack(r, out)
//                            the wire and log form, one MessagePack item (detail/msgpack.hpp);
//                            unpacking checks the item's type and the range of T
//   size(v)                  the bytes of v that grow with it and travel (strings, blobs),
//                            which record_size.hpp holds to the peers' limits
//   wire_type()              the type's name in the schema a peer receives in the handshake
//                            (sync/schema.hpp, docs/protocol.md): "i64", "text", "opt(f64)"...
//
// std::optional<T> and local<T> are composed from field_codec<T>. A type with no
// specialization is not a field type: column_type<T> is false and model_traits refuses it.

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <ratio>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <hsync/core/error.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/field_error.hpp>
#include <hsync/detail/hex.hpp>
#include <hsync/detail/json_field.hpp>
#include <hsync/detail/msgpack.hpp>
#include <hsync/detail/msgpack_field.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/model/markers.hpp>

namespace hsync {

template <class M>
struct model_traits;  // model/traits.hpp: a ref<M>'s wire type names the model it refers to

enum class sql_type { integer, real, text, blob };

constexpr std::string_view to_string(sql_type t) noexcept {
    switch (t) {
        case sql_type::integer: return "INTEGER";
        case sql_type::real: return "REAL";
        case sql_type::text: return "TEXT";
        case sql_type::blob: return "BLOB";
    }
    return "BLOB";
}

template <class T>
struct field_codec;  // no specialization: not a supported field type

// Whether T is a supported field type.
template <class T>
concept column_type = requires {
    { field_codec<T>::column } -> std::convertible_to<sql_type>;
    { field_codec<T>::nullable } -> std::convertible_to<bool>;
};

namespace detail {

template <sql_type Column>
struct not_null_column {
    static constexpr sql_type column = Column;
    static constexpr bool nullable = false;
};

inline std::string blob_literal(const std::uint8_t* p, std::size_t n) { return "x'" + hex_text(p, n) + "'"; }

}  // namespace detail

// Integers of every width are stored as SQLite's 64-bit INTEGER. Values of
// std::uint64_t above INT64_MAX do not fit and are refused when written; values read
// back outside a narrower type's range are refused when read.
template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
struct field_codec<I> : detail::not_null_column<sql_type::integer> {
    static void bind(sqlite3_stmt* s, int index, const I& v, const detail::bind_site& site) {
        if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
            if (v > static_cast<I>(std::numeric_limits<std::int64_t>::max())) {
                throw error(errc::value_out_of_range,
                            "hsync: " + site.describe() + " is " + std::to_string(v) +
                                ", beyond the largest value SQLite can store (" +
                                std::to_string(std::numeric_limits<std::int64_t>::max()) + ")");
            }
        }
        detail::check_sqlite(sqlite3_bind_int64(s, index, static_cast<sqlite3_int64>(v)), s);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, I& out) {
        return detail::read_integer_column(s, col, out);
    }
    static std::string literal(const I& v) {
        if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t)) {
            if (v > static_cast<I>(std::numeric_limits<std::int64_t>::max())) {
                throw error(errc::value_out_of_range, "hsync: a default value beyond INT64_MAX cannot be stored");
            }
        }
        return std::to_string(static_cast<std::int64_t>(v));
    }
    static nlohmann::json to_json(const I& v) { return v; }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, I& out) {
        return detail::read_integer(j, out);
    }
    static void pack(detail::mp_writer& w, const I& v) {
        if constexpr (std::is_signed_v<I>) {
            w.sint(v);
        } else {
            w.uint(v);
        }
    }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, I& out) { return detail::unpack_integer(r, out); }
    static constexpr std::size_t size(const I&) noexcept { return 0; }
    static std::string wire_type() { return (std::is_signed_v<I> ? "i" : "u") + std::to_string(8 * sizeof(I)); }
};

// INTEGER 0 or 1.
template <>
struct field_codec<bool> : detail::not_null_column<sql_type::integer> {
    static void bind(sqlite3_stmt* s, int index, const bool& v, const detail::bind_site&) {
        detail::check_sqlite(sqlite3_bind_int(s, index, v ? 1 : 0), s);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, bool& out) {
        if (sqlite3_column_type(s, col) == SQLITE_INTEGER) {
            const auto v = sqlite3_column_int64(s, col);
            if (v == 0 || v == 1) {
                out = v == 1;
                return std::nullopt;
            }
        }
        return detail::field_error{"0 or 1", detail::describe_column(s, col)};
    }
    static std::string literal(const bool& v) { return v ? "1" : "0"; }
    static nlohmann::json to_json(const bool& v) { return v; }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, bool& out) {
        if (!j.is_boolean()) return detail::field_error{"a boolean", detail::describe(j)};
        out = j.get<bool>();
        return std::nullopt;
    }
    static void pack(detail::mp_writer& w, const bool& v) { w.boolean(v); }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, bool& out) {
        if (!r.read_bool(out)) return detail::unexpected(r, "a boolean");
        return std::nullopt;
    }
    static constexpr std::size_t size(const bool&) noexcept { return 0; }
    static std::string wire_type() { return "bool"; }
};

template <class F>
    requires std::is_floating_point_v<F>
struct field_codec<F> : detail::not_null_column<sql_type::real> {
    static void bind(sqlite3_stmt* s, int index, const F& v, const detail::bind_site&) {
        detail::check_sqlite(sqlite3_bind_double(s, index, static_cast<double>(v)), s);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, F& out) {
        const int type = sqlite3_column_type(s, col);
        if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) {
            return detail::field_error{"a number", detail::describe_column(s, col)};
        }
        out = static_cast<F>(sqlite3_column_double(s, col));
        return std::nullopt;
    }
    static std::string literal(const F& v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
        return buf;
    }
    static nlohmann::json to_json(const F& v) { return v; }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, F& out) {
        if (!j.is_number()) return detail::field_error{"a number", detail::describe(j)};
        const double v = j.get<double>();
        if constexpr (std::is_same_v<F, float>) {
            if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
                return detail::field_error{"a number in the range of float", detail::describe(j)};
            }
        }
        out = static_cast<F>(v);
        return std::nullopt;
    }
    static void pack(detail::mp_writer& w, const F& v) {
        if constexpr (sizeof(F) <= sizeof(float)) {
            w.f32(static_cast<float>(v));
        } else {
            w.f64(static_cast<double>(v));
        }
    }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, F& out) {
        if constexpr (sizeof(F) <= sizeof(float)) {
            if (r.peek() == detail::mp_type::f32) {
                float v = 0;
                r.read_f32(v);
                out = static_cast<F>(v);
                return std::nullopt;
            }
            // A float64 (JSON carries no width) within float's range.
            double v = 0;
            if (!r.read_f64(v)) return detail::unexpected(r, "a float");
            if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
                return detail::field_error{"a number in the range of float", "the number " + std::to_string(v)};
            }
            out = static_cast<F>(v);
        } else {
            double v = 0;
            if (!r.read_f64(v)) return detail::unexpected(r, "a float");
            out = static_cast<F>(v);
        }
        return std::nullopt;
    }
    static constexpr std::size_t size(const F&) noexcept { return 0; }
    static std::string wire_type() { return "f" + std::to_string(8 * sizeof(F)); }
};

// The underlying value, as an INTEGER.
template <class E>
    requires std::is_enum_v<E>
struct field_codec<E> : detail::not_null_column<sql_type::integer> {
    using underlying = std::underlying_type_t<E>;
    static void bind(sqlite3_stmt* s, int index, const E& v, const detail::bind_site& site) {
        field_codec<underlying>::bind(s, index, static_cast<underlying>(v), site);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, E& out) {
        underlying v{};
        if (auto err = detail::read_integer_column(s, col, v)) return err;
        out = static_cast<E>(v);
        return std::nullopt;
    }
    static std::string literal(const E& v) { return field_codec<underlying>::literal(static_cast<underlying>(v)); }
    static nlohmann::json to_json(const E& v) { return static_cast<underlying>(v); }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, E& out) {
        underlying v{};
        if (auto err = detail::read_integer(j, v)) return err;
        out = static_cast<E>(v);
        return std::nullopt;
    }
    static void pack(detail::mp_writer& w, const E& v) { field_codec<underlying>::pack(w, static_cast<underlying>(v)); }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, E& out) {
        underlying v{};
        if (auto err = detail::unpack_integer(r, v)) return err;
        out = static_cast<E>(v);
        return std::nullopt;
    }
    static constexpr std::size_t size(const E&) noexcept { return 0; }
    static std::string wire_type() { return "enum(" + field_codec<underlying>::wire_type() + ")"; }
};

template <>
struct field_codec<std::string> : detail::not_null_column<sql_type::text> {
    static void bind(sqlite3_stmt* s, int index, const std::string& v, const detail::bind_site&) {
        detail::bind_text(s, index, v);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, std::string& out) {
        if (sqlite3_column_type(s, col) != SQLITE_TEXT) {
            return detail::field_error{"a TEXT value", detail::describe_column(s, col)};
        }
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
        out.assign(text, static_cast<std::size_t>(sqlite3_column_bytes(s, col)));
        return std::nullopt;
    }
    static std::string literal(const std::string& v) {
        std::string out = "'";
        for (char c : v) {
            if (c == '\'') out.push_back('\'');
            out.push_back(c);
        }
        return out + "'";
    }
    static nlohmann::json to_json(const std::string& v) { return v; }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, std::string& out) {
        if (!j.is_string()) return detail::field_error{"a string", detail::describe(j)};
        out = j.get_ref<const std::string&>();
        return std::nullopt;
    }
    static void pack(detail::mp_writer& w, const std::string& v) { w.str(v); }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, std::string& out) {
        std::string_view v;
        if (!r.read_str(v)) return detail::unexpected(r, "a string");
        out.assign(v);
        return std::nullopt;
    }
    static std::size_t size(const std::string& v) noexcept { return v.size(); }
    static std::string wire_type() { return "text"; }
};

// Blobs are JSON binary values: MessagePack carries them as bin. JSON text has no binary
// type, so an array of byte values is accepted too.
template <class Byte>
    requires(std::is_same_v<Byte, std::byte> || std::is_same_v<Byte, std::uint8_t>)
struct field_codec<std::vector<Byte>> : detail::not_null_column<sql_type::blob> {
    using bytes = std::vector<Byte>;
    static void bind(sqlite3_stmt* s, int index, const bytes& v, const detail::bind_site&) {
        detail::bind_bytes(s, index, v.data(), v.size());
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, bytes& out) {
        if (sqlite3_column_type(s, col) != SQLITE_BLOB) {
            return detail::field_error{"a BLOB", detail::describe_column(s, col)};
        }
        const auto* p = static_cast<const Byte*>(sqlite3_column_blob(s, col));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, col));
        out.assign(p, p + n);
        return std::nullopt;
    }
    static std::string literal(const bytes& v) {
        return detail::blob_literal(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
    }
    static nlohmann::json to_json(const bytes& v) {
        nlohmann::json::binary_t bin;
        bin.resize(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) bin[i] = static_cast<std::uint8_t>(v[i]);
        return nlohmann::json::binary(std::move(bin));
    }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, bytes& out) {
        if (j.is_binary()) {
            const auto& bin = j.get_binary();
            out.resize(bin.size());
            for (std::size_t i = 0; i < bin.size(); ++i) out[i] = static_cast<Byte>(bin[i]);
            return std::nullopt;
        }
        if (j.is_array()) {
            bytes collected;
            collected.reserve(j.size());
            for (const auto& e : j) {
                std::uint8_t b = 0;
                if (!e.is_number_integer() || detail::read_integer(e, b)) {
                    return detail::field_error{"binary data or an array of byte values (0-255)",
                                               "an array holding " + detail::describe(e)};
                }
                collected.push_back(static_cast<Byte>(b));
            }
            out = std::move(collected);
            return std::nullopt;
        }
        return detail::field_error{"binary data", detail::describe(j)};
    }
    static void pack(detail::mp_writer& w, const bytes& v) {
        w.bin(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
    }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, bytes& out) {
        std::string_view v;
        if (!r.read_bin(v)) return detail::unexpected(r, "binary data");
        const auto* p = reinterpret_cast<const Byte*>(v.data());
        out.assign(p, p + v.size());
        return std::nullopt;
    }
    static std::size_t size(const bytes& v) noexcept { return v.size(); }
    static std::string wire_type() { return "bytes"; }
};

// A 16-byte BLOB in the database; canonical text in JSON.
template <>
struct field_codec<uuid> : detail::not_null_column<sql_type::blob> {
    static void bind(sqlite3_stmt* s, int index, const uuid& v, const detail::bind_site&) {
        detail::bind_uuid(s, index, v);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, uuid& out) {
        return detail::read_uuid_column(s, col, out);
    }
    static std::string literal(const uuid& v) { return detail::blob_literal(v.bytes().data(), 16); }
    static nlohmann::json to_json(const uuid& v) { return v.to_string(); }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, uuid& out) {
        if (!j.is_string()) return detail::field_error{"a uuid string", detail::describe(j)};
        auto u = uuid::try_parse(j.get_ref<const std::string&>());
        if (!u) {
            return detail::field_error{"a uuid string (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                                       "\"" + detail::printable(j.get_ref<const std::string&>()) + "\""};
        }
        out = *u;
        return std::nullopt;
    }
    static void pack(detail::mp_writer& w, const uuid& v) { w.bin(v.bytes().data(), 16); }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, uuid& out) {
        std::string_view v;
        if (!r.read_bin(v)) return detail::unexpected(r, "a uuid (16 bytes of binary data)");
        if (v.size() != 16) {
            return detail::field_error{"a uuid (16 bytes of binary data)", std::to_string(v.size()) + " bytes of binary data"};
        }
        uuid::bytes_type b{};
        for (std::size_t i = 0; i < 16; ++i) b[i] = static_cast<std::uint8_t>(v[i]);
        out = uuid{b};
        return std::nullopt;
    }
    static constexpr std::size_t size(const uuid&) noexcept { return 0; }
    static std::string wire_type() { return "uuid"; }
};

namespace detail {
// A marker that is a uuid underneath (Id points to it): stored and sent as that uuid.
template <class T, uuid T::*Id>
struct uuid_marker_codec : not_null_column<sql_type::blob> {
    using inner = field_codec<uuid>;
    static void bind(sqlite3_stmt* s, int index, const T& v, const bind_site& site) {
        inner::bind(s, index, v.*Id, site);
    }
    static std::optional<field_error> read(sqlite3_stmt* s, int col, T& out) { return inner::read(s, col, out.*Id); }
    static std::string literal(const T& v) { return inner::literal(v.*Id); }
    static nlohmann::json to_json(const T& v) { return inner::to_json(v.*Id); }
    static std::optional<field_error> from_json(const nlohmann::json& j, T& out) {
        return inner::from_json(j, out.*Id);
    }
    static void pack(mp_writer& w, const T& v) { inner::pack(w, v.*Id); }
    static std::optional<field_error> unpack(mp_reader& r, T& out) { return inner::unpack(r, out.*Id); }
    static constexpr std::size_t size(const T&) noexcept { return 0; }
};
}  // namespace detail

template <>
struct field_codec<record_id> : detail::uuid_marker_codec<record_id, &record_id::value> {
    static std::string wire_type() { return "id"; }
};
template <>
struct field_codec<owner_id> : detail::uuid_marker_codec<owner_id, &owner_id::value> {
    static std::string wire_type() { return "owner"; }
};
template <class M>
struct field_codec<ref<M>> : detail::uuid_marker_codec<ref<M>, &ref<M>::id> {
    static std::string wire_type() { return "ref(" + std::string(model_traits<M>::name) + ")"; }
};

// Nanoseconds since the Unix epoch (1677 to 2262), whatever the time_point's duration.
template <class Duration>
struct field_codec<std::chrono::time_point<std::chrono::system_clock, Duration>>
    : detail::not_null_column<sql_type::integer> {
    using time_point = std::chrono::time_point<std::chrono::system_clock, Duration>;

    static constexpr bool fits_nanoseconds(const time_point& t) {
        using ns = std::chrono::nanoseconds;
        if constexpr (std::ratio_less_equal_v<typename Duration::period, std::nano>) {
            return true;  // as fine as nanoseconds or finer: the cast narrows, never overflows
        } else {
            const auto d = t.time_since_epoch();
            return d <= std::chrono::duration_cast<Duration>(ns::max()) &&
                   d >= std::chrono::duration_cast<Duration>(ns::min());
        }
    }
    static std::int64_t nanoseconds(const time_point& t) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    }

    static void bind(sqlite3_stmt* s, int index, const time_point& v, const detail::bind_site& site) {
        if (!fits_nanoseconds(v)) {
            throw error(errc::value_out_of_range,
                        "hsync: " + site.describe() + " is a time outside the years 1677-2262, "
                        "which nanoseconds since the Unix epoch cannot hold");
        }
        detail::check_sqlite(sqlite3_bind_int64(s, index, static_cast<sqlite3_int64>(nanoseconds(v))), s);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, time_point& out) {
        std::int64_t ns = 0;
        if (auto err = detail::read_integer_column(s, col, ns)) return err;
        out = time_point(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns)));
        return std::nullopt;
    }
    static std::string literal(const time_point& v) { return std::to_string(nanoseconds(v)); }
    static nlohmann::json to_json(const time_point& v) { return nanoseconds(v); }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, time_point& out) {
        std::int64_t ns = 0;
        if (auto err = detail::read_integer(j, ns)) {
            return detail::field_error{"a time in nanoseconds since the Unix epoch (" + err->expected + ")", err->got};
        }
        out = time_point(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns)));
        return std::nullopt;
    }
    static void pack(detail::mp_writer& w, const time_point& v) { w.sint(nanoseconds(v)); }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, time_point& out) {
        std::int64_t ns = 0;
        if (auto err = detail::unpack_integer(r, ns)) {
            return detail::field_error{"a time in nanoseconds since the Unix epoch (" + err->expected + ")", err->got};
        }
        out = time_point(std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns)));
        return std::nullopt;
    }
    static constexpr std::size_t size(const time_point&) noexcept { return 0; }
    static std::string wire_type() { return "time"; }
};

// The same column, nullable: NULL in the database and null in JSON when empty. Neither an
// optional of an optional nor an optional of a local<> (which would send the local value).
template <class T>
    requires(!is_optional_v<T> && !is_local_v<T> && column_type<T>)
struct field_codec<std::optional<T>> {
    using inner = field_codec<T>;
    static constexpr sql_type column = inner::column;
    static constexpr bool nullable = true;

    static void bind(sqlite3_stmt* s, int index, const std::optional<T>& v, const detail::bind_site& site) {
        if (v) {
            inner::bind(s, index, *v, site);
        } else {
            detail::check_sqlite(sqlite3_bind_null(s, index), s);
        }
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, std::optional<T>& out) {
        if (sqlite3_column_type(s, col) == SQLITE_NULL) {
            out.reset();
            return std::nullopt;
        }
        T value{};
        if (auto err = inner::read(s, col, value)) {
            err->expected += " or NULL";
            return err;
        }
        out = std::move(value);
        return std::nullopt;
    }
    static std::string literal(const std::optional<T>& v) { return v ? inner::literal(*v) : std::string("NULL"); }
    static nlohmann::json to_json(const std::optional<T>& v) {
        return v ? inner::to_json(*v) : nlohmann::json(nullptr);
    }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, std::optional<T>& out) {
        if (j.is_null()) {
            out.reset();
            return std::nullopt;
        }
        T value{};
        if (auto err = inner::from_json(j, value)) {
            err->expected += " or null";
            return err;
        }
        out = std::move(value);
        return std::nullopt;
    }
    static void pack(detail::mp_writer& w, const std::optional<T>& v) {
        if (v) {
            inner::pack(w, *v);
        } else {
            w.nil();
        }
    }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, std::optional<T>& out) {
        if (r.peek() == detail::mp_type::nil) {
            r.read_nil();
            out.reset();
            return std::nullopt;
        }
        T value{};
        if (auto err = inner::unpack(r, value)) {
            err->expected += " or nil";
            return err;
        }
        out = std::move(value);
        return std::nullopt;
    }
    static std::size_t size(const std::optional<T>& v) noexcept { return v ? inner::size(*v) : 0; }
    static std::string wire_type() { return "opt(" + inner::wire_type() + ")"; }
};

// Stored like the T it holds; it never travels, so its size counts nothing (and the
// model layer never sends it as JSON).
template <class T>
    requires(!is_local_v<T> && column_type<T>)
struct field_codec<local<T>> {
    using inner = field_codec<T>;
    static constexpr sql_type column = inner::column;
    static constexpr bool nullable = inner::nullable;

    static void bind(sqlite3_stmt* s, int index, const local<T>& v, const detail::bind_site& site) {
        inner::bind(s, index, v.get(), site);
    }
    static std::optional<detail::field_error> read(sqlite3_stmt* s, int col, local<T>& out) {
        return inner::read(s, col, out.get());
    }
    static std::string literal(const local<T>& v) { return inner::literal(v.get()); }
    static nlohmann::json to_json(const local<T>& v) { return inner::to_json(v.get()); }
    static std::optional<detail::field_error> from_json(const nlohmann::json& j, local<T>& out) {
        return inner::from_json(j, out.get());
    }
    static void pack(detail::mp_writer& w, const local<T>& v) { inner::pack(w, v.get()); }
    static std::optional<detail::field_error> unpack(detail::mp_reader& r, local<T>& out) { return inner::unpack(r, out.get()); }
    static constexpr std::size_t size(const local<T>&) noexcept { return 0; }
    static std::string wire_type() { return "local(" + inner::wire_type() + ")"; }
};

}  // namespace hsync
