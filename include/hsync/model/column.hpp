#pragma once
// Which C++ field types a model may use, and the SQLite column each maps to: what its
// hsync::field_codec states (model/field_codec.hpp, the one place that lists field
// types). A type that is not a column_type is refused at compile time (see model_traits).

#include <chrono>
#include <type_traits>

#include <hsync/model/field_codec.hpp>

namespace hsync {

// The column's storage class and whether it may be NULL.
template <column_type T>
struct column_mapping {
    static constexpr sql_type type = field_codec<T>::column;
    static constexpr bool nullable = field_codec<T>::nullable;
};

namespace detail {
template <class T>
struct is_time_point : std::false_type {};
template <class Duration>
struct is_time_point<std::chrono::time_point<std::chrono::system_clock, Duration>> : std::true_type {};
}  // namespace detail

}  // namespace hsync
