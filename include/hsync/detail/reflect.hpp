#pragma once
// One way to reach the fields of a model, whichever way it is reflectable:
// a plain aggregate (Boost.PFR) or a type adapted with BOOST_HANA_ADAPT_STRUCT.
// The adaptation wins when a type is both, because it is the explicit choice.

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/size.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/pfr/core.hpp>

#include <hsync/detail/field_names.hpp>

namespace hsync::detail {

template <class M>
inline constexpr bool is_hana_adapted = boost::hana::Struct<M>::value;

template <class M>
inline constexpr bool is_reflectable =
    std::is_class_v<M> && (is_hana_adapted<M> || std::is_aggregate_v<M>);

template <class M>
consteval std::size_t field_count() {
    if constexpr (is_hana_adapted<M>) {
        return decltype(boost::hana::size(boost::hana::accessors<M>()))::value;
    } else {
        return boost::pfr::tuple_size_v<M>;
    }
}

// The I-th field of m, as an lvalue of m's constness.
template <std::size_t I, class M>
constexpr decltype(auto) get_field(M& m) noexcept {
    using model = std::remove_const_t<M>;
    if constexpr (is_hana_adapted<model>) {
        return boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<model>()))(m);
    } else {
        return boost::pfr::get<I>(m);
    }
}

template <class M, std::size_t I>
using field_type_t = std::remove_cvref_t<decltype(get_field<I>(std::declval<M&>()))>;

template <class M, std::size_t... I>
consteval std::array<std::string_view, sizeof...(I)> hana_field_names(std::index_sequence<I...>) {
    return {std::string_view(boost::hana::to<const char*>(
        boost::hana::first(boost::hana::at_c<I>(boost::hana::accessors<M>()))))...};
}

template <class M>
consteval auto field_names() {
    if constexpr (is_hana_adapted<M>) {
        return hana_field_names<M>(std::make_index_sequence<field_count<M>()>{});
    } else {
        return aggregate_field_names<M>();
    }
}

// Calls f(std::integral_constant<std::size_t, I>{}, field) for every field, in order.
template <class M, class F>
constexpr void for_each_field(M& m, F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::integral_constant<std::size_t, I>{}, get_field<I>(m)), ...);
    }(std::make_index_sequence<field_count<std::remove_const_t<M>>()>{});
}

template <class M, class F>
constexpr void for_each_field_index(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<field_count<M>()>{});
}

}  // namespace hsync::detail
