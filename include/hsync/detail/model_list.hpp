#pragma once
// The model list of a library, checked and turned into code at compile time: the
// dispatch from a model name to its type (a fold the compiler unrolls, no table of
// function pointers) and the order in which models are applied.

#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include <hsync/model/traits.hpp>
#include <hsync/model/type_list.hpp>

namespace hsync::detail {

inline constexpr std::size_t no_rank = std::numeric_limits<std::size_t>::max();

template <class... Ms>
struct model_list {
    static constexpr std::size_t size = sizeof...(Ms);
    static constexpr auto types = boost::hana::tuple_t<Ms...>;

    template <class M>
    static constexpr bool contains = (std::is_same_v<M, Ms> || ...);

    // 1 + the rank of the models M requires (non-optional refs); no_rank for a cycle.
    template <class M, std::size_t Depth = 0>
    static consteval std::size_t rank() {
        if constexpr (Depth > sizeof...(Ms)) {
            return no_rank;
        } else {
            return rank_over<Depth>(typename model_traits<M>::required_references{});
        }
    }

    template <std::size_t Depth, class... Rs>
    static consteval std::size_t rank_over(type_list<Rs...>) {
        std::size_t r = 0;
        bool cycle = false;
        (
            [&] {
                if constexpr (contains<Rs>) {
                    const std::size_t sub = rank<Rs, Depth + 1>();
                    if (sub == no_rank) cycle = true;
                    else if (sub + 1 > r) r = sub + 1;
                }
            }(),
            ...);
        return cycle ? no_rank : r;
    }

    // M's position in the list (size when M is not in it): how code compiled once for all
    // models (store/detail/library_impl.hpp) is told which model a call is about.
    template <class M>
    static constexpr std::size_t index_of = [] {
        constexpr bool same[] = {std::is_same_v<M, Ms>..., false};
        std::size_t i = 0;
        while (i < sizeof...(Ms) && !same[i]) ++i;
        return i;
    }();

    // Calls f(std::type_identity<M>{}) for the model at `index`; false if there is none.
    template <class F>
    static bool visit(std::size_t index, F&& f) {
        std::size_t i = 0;
        return ((i++ == index ? (f(std::type_identity<Ms>{}), true) : false) || ...);
    }

    // The strategy of the model named `name`; nullopt if there is none.
    static std::optional<strategy> strategy_of(std::string_view name) {
        std::optional<strategy> found;
        dispatch(name, [&](auto t) { found = model_traits<typename decltype(t)::type>::strategy; });
        return found;
    }

    // Calls f(boost::hana::type_c<M>) for the model named `name`; false if there is none.
    template <class F>
    static bool dispatch(std::string_view name, F&& f) {
        bool found = false;
        boost::hana::for_each(types, [&](auto t) {
            using M = typename decltype(t)::type;
            if (!found && model_traits<M>::name == name) {
                found = true;
                f(t);
            }
        });
        return found;
    }

    static consteval bool distinct_types() { return ((count_type<Ms>() == 1) && ...); }
    template <class M>
    static consteval std::size_t count_type() {
        return (std::size_t{std::is_same_v<M, Ms>} + ...);
    }

    static consteval bool distinct_names() {
        constexpr std::array<std::string_view, sizeof...(Ms)> names{model_traits<Ms>::name...};
        for (std::size_t i = 0; i < names.size(); ++i) {
            for (std::size_t j = i + 1; j < names.size(); ++j) {
                if (names[i] == names[j]) return false;
            }
        }
        return true;
    }

    template <class... Rs>
    static consteval bool all_in_list(type_list<Rs...>) {
        return (contains<Rs> && ...);
    }
    static consteval bool references_closed() {
        return (all_in_list(typename model_traits<Ms>::references{}) && ...);
    }

    static consteval bool acyclic() { return ((rank<Ms>() != no_rank) && ...); }

    // Every check on the list, in the order a user would want to hear about them; the
    // first that fails asserts alone and the list is not valid. An invalid model has
    // already said why (model_traits<M>), so the list checks stop there instead of adding
    // errors about the members its empty model_traits lacks.
    static consteval bool check() {
        if constexpr (!(hsync::model<Ms> && ...)) {
            return false;
        } else if constexpr (!distinct_types()) {
            static_assert(distinct_types(),
                          "hsync: a model is listed twice in hsync::library<...>; list each model once");
            return false;
        } else if constexpr (!distinct_names()) {
            static_assert(distinct_names(),
                          "hsync: two models of this library have the same sync name; give one of them "
                          "`static constexpr std::string_view sync_name = \"...\";`");
            return false;
        } else if constexpr (!references_closed()) {
            static_assert(references_closed(),
                          "hsync: a model refers (hsync::ref<M>) to a model that is not in this library; add the "
                          "referenced model to hsync::library<...>");
            return false;
        } else if constexpr (!acyclic()) {
            static_assert(acyclic(),
                          "hsync: the models' non-optional references (hsync::ref<M>) form a cycle, so no record "
                          "could be inserted first; make one of them std::optional<hsync::ref<M>>");
            return false;
        } else {
            return true;
        }
    }
};

// Whether the model list passes every check; each failed check has asserted. Outside the
// class, because clang evaluates a static member's initializer before the class's member
// functions are defined. hsync::library<> (no models) is valid: it opens any library
// file for hsync's own bookkeeping (pairing, status, the log), as the command-line tool does.
template <class... Ms>
inline constexpr bool model_list_valid = model_list<Ms...>::check();

}  // namespace hsync::detail
