#pragma once
// hsync::values_json: the values of a change (store/change.hpp: field_values) as a JSON
// object of field names, for an application's logs and tools. The wire and the log keep
// values packed by position; this reads them with the library's own models.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <hsync/core/error.hpp>
#include <hsync/detail/json_field.hpp>
#include <hsync/detail/model_list.hpp>
#include <hsync/detail/msgpack_json.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/field_codec.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/field_changes.hpp>
#include <hsync/store/library.hpp>

namespace hsync {

// {"field": value, ...} for the fields `values` sets; errc::unknown_model for a model the
// library does not declare, errc::invalid_change for values that are not of its fields.
template <class... Ms>
nlohmann::json values_json(const library<Ms...>&, std::string_view model, const field_values& values) {
    nlohmann::json out = nlohmann::json::object();
    const bool known = detail::model_list<Ms...>::dispatch(model, [&](auto t) {
        using M = typename decltype(t)::type;
        M m{};
        const auto mask = detail::unpack_fields(values, m);
        detail::for_each_clocked<M>([&](std::size_t k, auto index) {
            constexpr std::size_t i = decltype(index)::value;
            if (mask[k]) {
                out[std::string(model_traits<M>::field_names[i])] = detail::json_field<detail::field_type_t<M, i>>::write(detail::get_field<i>(m));
            }
        });
    });
    if (!known) {
        throw error(errc::unknown_model, "hsync: unknown model '" + detail::printable(model) + "'; this library does not declare it");
    }
    return out;
}

// The same without the models, for tools that open any library: field k is named
// `field_names[k]` (a tool reads them from the hsync_clock_* columns of a shared model's
// table, which are in this order) or "#k"; values are shown as they travel (binary data
// as {"bin": "<hex>"}).
inline nlohmann::json values_json(const field_values& values, const std::vector<std::string>& field_names) {
    nlohmann::json out = nlohmann::json::object();
    detail::mp_reader r(values.packed);
    for (std::size_t k = 0; k < 64; ++k) {
        if ((values.fields >> k & 1u) == 0) continue;
        const std::string name = k < field_names.size() ? field_names[k] : "#" + std::to_string(k);
        out[name] = detail::item_to_json(r);
    }
    return out;
}

}  // namespace hsync
