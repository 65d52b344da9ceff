#pragma once
// A plain list of types, the form in which model_traits reports the models a model
// references, so that applications and tests can compare it with std::is_same_v.

#include <cstddef>
#include <type_traits>

namespace hsync {

template <class... Ts>
struct type_list {
    static constexpr std::size_t size = sizeof...(Ts);
};

template <class List, class T>
inline constexpr bool contains_v = false;
template <class... Ts, class T>
inline constexpr bool contains_v<type_list<Ts...>, T> = (std::is_same_v<Ts, T> || ...);

namespace detail {
// Appends T unless it is already in the list.
template <class List, class T>
struct append_unique;
template <class... Ts, class T>
struct append_unique<type_list<Ts...>, T> {
    using type = std::conditional_t<contains_v<type_list<Ts...>, T>, type_list<Ts...>, type_list<Ts..., T>>;
};
}  // namespace detail

}  // namespace hsync
