#pragma once
// Per-field changes of records: which clocked fields differ between two versions of a
// record, an edit from an old copy merged onto the stored record, the fields' JSON, and
// the strict reading of the fields a remote change sets. "Clocked" fields are the synced
// fields but the id (store/schema.hpp).

#include <array>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include <hsync/core/error.hpp>
#include <hsync/detail/json_field.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/schema.hpp>

namespace hsync::detail {

template <class M>
using field_mask = std::array<bool, model_traits<M>::synced_count - 1>;

// Calls f(k, field_index_constant) for each clocked field, k being its clock slot.
template <class M, class F>
constexpr void for_each_clocked(F&& f) {
    constexpr auto clocked = clocked_indices<M>();
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (f(K, std::integral_constant<std::size_t, clocked[K]>{}), ...);
    }(std::make_index_sequence<clocked.size()>{});
}

template <class M>
field_mask<M> changed_fields(const M& before, const M& after) {
    field_mask<M> mask{};
    for_each_clocked<M>([&](std::size_t k, auto index) {
        mask[k] = !(get_field<decltype(index)::value>(before) == get_field<decltype(index)::value>(after));
    });
    return mask;
}

template <class M>
bool local_fields_differ(const M& before, const M& after) {
    bool differ = false;
    for_each_field_index<M>([&](auto index) {
        constexpr std::size_t i = decltype(index)::value;
        if constexpr (is_local_v<field_type_t<M, i>>) {
            differ = differ || !(get_field<i>(before) == get_field<i>(after));
        }
    });
    return differ;
}

// An edit of a copy read earlier, merged onto the record as it is now: each field the
// copy changed from `base` (the version it was read from) takes the copy's value; every
// other field keeps `current`'s, so a later write by a peer, or by this device elsewhere,
// is not undone. Returns whether the result equals the copy.
template <class M>
bool merge_edit(const M& base, const M& copy, M& current) {
    bool equals_copy = true;
    for_each_field_index<M>([&](auto index) {
        constexpr std::size_t i = decltype(index)::value;
        const auto& edited = get_field<i>(copy);
        if (!(edited == get_field<i>(base))) {
            get_field<i>(current) = edited;
        } else if (!(get_field<i>(current) == edited)) {
            equals_copy = false;
        }
    });
    return equals_copy;
}

template <class M>
nlohmann::json fields_json(const M& m, const field_mask<M>& mask) {
    nlohmann::json out = nlohmann::json::object();
    for_each_clocked<M>([&](std::size_t k, auto index) {
        constexpr std::size_t i = decltype(index)::value;
        if (mask[k]) {
            out[std::string(model_traits<M>::field_names[i])] =
                json_field<field_type_t<M, i>>::write(get_field<i>(m));
        }
    });
    return out;
}

// Reads the fields a remote shared change sets into `into`, marking them in the mask.
// Every key must be a clocked field of M and hold a value of its type; with
// `require_all` (an insert) every clocked field must be there.
template <class M>
field_mask<M> read_fields(const nlohmann::json& data, M& into, bool require_all) {
    using traits = model_traits<M>;
    auto fail = [](const std::string& what) {
        throw error(errc::invalid_change, "hsync: model '" + std::string(traits::name) + "': " + what);
    };
    if (!data.is_object()) fail("a change's data must be an object of fields, got " + describe(data));
    field_mask<M> mask{};
    std::size_t known = 0;
    for_each_clocked<M>([&](std::size_t k, auto index) {
        constexpr std::size_t i = decltype(index)::value;
        const std::string name(traits::field_names[i]);
        const auto it = data.find(name);
        if (it == data.end()) {
            if (require_all) fail("field '" + name + "' is missing from an insert");
            return;
        }
        if (auto err = json_field<field_type_t<M, i>>::read(*it, get_field<i>(into))) {
            fail("field '" + name + "': " + err->message());
        }
        mask[k] = true;
        ++known;
    });
    if (known != data.size()) {
        for (const auto& item : data.items()) {
            bool is_clocked = false;
            for_each_clocked<M>([&](std::size_t, auto index) {
                is_clocked = is_clocked || traits::field_names[decltype(index)::value] == item.key();
            });
            if (!is_clocked) fail("unexpected field '" + printable(item.key()) + "' (not a synced field a change can set)");
        }
    }
    return mask;
}

}  // namespace hsync::detail
