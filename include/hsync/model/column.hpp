#pragma once
// Which C++ field types a model may use, and the SQLite column each maps to.
// A type with no column_mapping is refused at compile time (see model_traits).

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <hsync/core/uuid.hpp>
#include <hsync/model/markers.hpp>

namespace hsync {

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

// Each specialization states the column's storage class and whether it may be NULL.
template <class T, class = void>
struct column_mapping;  // no mapping: not a supported field type

template <class T>
concept column_type = requires {
    { column_mapping<T>::type } -> std::convertible_to<sql_type>;
    { column_mapping<T>::nullable } -> std::convertible_to<bool>;
};

// Integers of every width are stored as SQLite's 64-bit INTEGER. Values of
// std::uint64_t above INT64_MAX do not fit and are refused when written; values read
// back outside a narrower type's range are refused when read.
template <class T>
struct column_mapping<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
    static constexpr sql_type type = sql_type::integer;
    static constexpr bool nullable = false;
};
template <>
struct column_mapping<bool> {
    static constexpr sql_type type = sql_type::integer;  // 0 or 1
    static constexpr bool nullable = false;
};
template <class T>
struct column_mapping<T, std::enable_if_t<std::is_floating_point_v<T>>> {
    static constexpr sql_type type = sql_type::real;
    static constexpr bool nullable = false;
};
template <class T>
struct column_mapping<T, std::enable_if_t<std::is_enum_v<T>>> {
    static constexpr sql_type type = sql_type::integer;  // the underlying value
    static constexpr bool nullable = false;
};
template <>
struct column_mapping<std::string> {
    static constexpr sql_type type = sql_type::text;
    static constexpr bool nullable = false;
};
template <>
struct column_mapping<std::vector<std::byte>> {
    static constexpr sql_type type = sql_type::blob;
    static constexpr bool nullable = false;
};
template <>
struct column_mapping<std::vector<std::uint8_t>> {
    static constexpr sql_type type = sql_type::blob;
    static constexpr bool nullable = false;
};
// uuids and the markers built on them are 16-byte blobs.
template <>
struct column_mapping<uuid> {
    static constexpr sql_type type = sql_type::blob;
    static constexpr bool nullable = false;
};
template <>
struct column_mapping<record_id> : column_mapping<uuid> {};
template <>
struct column_mapping<owner_id> : column_mapping<uuid> {};
template <class M>
struct column_mapping<ref<M>> : column_mapping<uuid> {};
// Nanoseconds since the Unix epoch (1677 to 2262).
template <class Duration>
struct column_mapping<std::chrono::time_point<std::chrono::system_clock, Duration>> {
    static constexpr sql_type type = sql_type::integer;
    static constexpr bool nullable = false;
};
template <class T>
struct column_mapping<std::optional<T>, std::enable_if_t<!is_optional_v<T> && column_type<T>>> {
    static constexpr sql_type type = column_mapping<T>::type;
    static constexpr bool nullable = true;
};
template <class T>
struct column_mapping<local<T>, std::enable_if_t<!is_local_v<T> && column_type<T>>> : column_mapping<T> {};

namespace detail {
template <class T>
struct is_time_point : std::false_type {};
template <class Duration>
struct is_time_point<std::chrono::time_point<std::chrono::system_clock, Duration>> : std::true_type {};
}  // namespace detail

}  // namespace hsync
