#pragma once
// Random values for the fields of any model, from its reflected field types: the
// simulator's workload runs on an application's own models without any code of theirs.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <hsync/core/uuid.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/column.hpp>
#include <hsync/model/markers.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/testing/random.hpp>

namespace hsync::testing {

// Record ids a reference may point to: the known records of a model, by its sync name.
using known_records = std::function<const std::vector<uuid>&(std::string_view model)>;

namespace detail {

template <class T>
void random_value(T& v, sim_random& rng, const known_records& known) {
    if constexpr (is_optional_v<T>) {
        if (rng.chance(0.25)) {
            v.reset();
        } else {
            typename T::value_type inner{};
            random_value(inner, rng, known);
            v = std::move(inner);
        }
    } else if constexpr (std::is_same_v<T, bool>) {
        v = rng.chance(0.5);
    } else if constexpr (std::is_enum_v<T>) {
        v = static_cast<T>(rng.below(2));  // 0 or 1: held by any enum with a fixed underlying type
    } else if constexpr (std::is_integral_v<T>) {
        constexpr auto top = static_cast<std::uint64_t>(std::min<std::uint64_t>(std::numeric_limits<T>::max(), 1'000'000));
        v = static_cast<T>(rng.below(top + 1));
    } else if constexpr (std::is_floating_point_v<T>) {
        v = static_cast<T>(rng.below(1 << 20)) / T(8);
    } else if constexpr (std::is_same_v<T, std::string>) {
        static constexpr std::string_view words[] = {"sunset", "beach", "family", "work", "café", "2024", "raw", "best"};
        // One draw per statement: the order of operands is the compiler's choice.
        const std::string_view word = words[rng.below(std::size(words))];
        const std::uint64_t number = rng.below(1000);
        v = std::string(word) + "-" + std::to_string(number);
    } else if constexpr (std::is_same_v<T, std::vector<std::byte>> || std::is_same_v<T, std::vector<std::uint8_t>>) {
        v.resize(static_cast<std::size_t>(rng.below(33)));
        for (auto& b : v) b = static_cast<typename T::value_type>(rng.below(256));
    } else if constexpr (std::is_same_v<T, uuid>) {
        v = uuid::v4(rng);
    } else if constexpr (is_ref_v<T>) {
        const auto& ids = known(model_traits<typename T::model_type>::name);
        v = ids.empty() ? uuid::v4(rng) : ids[static_cast<std::size_t>(rng.below(ids.size()))];
    } else if constexpr (hsync::detail::is_time_point<T>::value) {
        v = T(std::chrono::duration_cast<typename T::duration>(std::chrono::seconds(1'600'000'000 + rng.below(100'000'000))));
    } else {
        static_assert(std::is_void_v<T>, "hsync: the simulator has no random values for this field type");
    }
}

}  // namespace detail

// Sets `count` randomly chosen synced fields of m (never the record id or the owner) to
// random values; all of them when count is 0.
template <class M>
void randomize_fields(M& m, sim_random& rng, const known_records& known, std::size_t count = 0) {
    using traits = model_traits<M>;
    std::vector<std::size_t> editable;
    for (std::size_t i : traits::synced_indices) {
        if (i != traits::id_index && i != traits::owner_index) editable.push_back(i);
    }
    std::vector<bool> chosen(traits::field_count, count == 0);
    for (std::size_t k = 0; k < count && !editable.empty(); ++k) {
        chosen[editable[static_cast<std::size_t>(rng.below(editable.size()))]] = true;
    }
    hsync::detail::for_each_field(m, [&](auto index, auto& field) {
        using F = std::remove_cvref_t<decltype(field)>;
        if constexpr (!is_local_v<F> && !std::is_same_v<F, record_id> && !std::is_same_v<F, owner_id> &&
                      !std::is_same_v<F, std::optional<owner_id>>) {
            if (chosen[decltype(index)::value]) detail::random_value(field, rng, known);
        }
    });
}

}  // namespace hsync::testing
