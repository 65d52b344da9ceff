#pragma once
// JSON conversion of any model, derived from its traits: the synced fields by name,
// local<> fields left out, std::optional as null. Reading is strict: a missing, extra
// or mistyped field throws hsync::error(errc::invalid_model_data) naming the model and
// the field, and never leaves a half-read model behind.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include <hsync/core/error.hpp>
#include <hsync/detail/json_field.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/traits.hpp>

namespace hsync {

template <class M>
nlohmann::json to_json(const M& model) {
    using traits = model_traits<M>;
    nlohmann::json out = nlohmann::json::object();
    detail::for_each_field(model, [&](auto index, const auto& field) {
        constexpr std::size_t i = decltype(index)::value;
        using F = detail::field_type_t<M, i>;
        if constexpr (!is_local_v<F>) {
            out[std::string(traits::field_names[i])] = detail::json_field<F>::write(field);
        }
    });
    return out;
}

namespace detail {
[[noreturn]] inline void throw_model_error(std::string_view model, const std::string& what) {
    throw error(errc::invalid_model_data, "hsync: model '" + std::string(model) + "': " + what);
}
}  // namespace detail

// Builds an M from `data`; local<> fields keep the defaults M declares.
template <class M>
M from_json(const nlohmann::json& data) {
    using traits = model_traits<M>;
    if (!data.is_object()) {
        detail::throw_model_error(traits::name, "expected an object of fields, got " + detail::describe(data));
    }
    for (const auto& item : data.items()) {
        bool known = false;
        for (std::string_view n : traits::synced_field_names) known = known || n == item.key();
        if (!known) {
            detail::throw_model_error(traits::name, "unexpected field '" + detail::printable(item.key()) +
                                                        "' (not a synced field of this model)");
        }
    }
    M model{};
    detail::for_each_field(model, [&](auto index, auto& field) {
        constexpr std::size_t i = decltype(index)::value;
        using F = detail::field_type_t<M, i>;
        if constexpr (!is_local_v<F>) {
            const std::string name(traits::field_names[i]);
            const auto it = data.find(name);
            if (it == data.end()) detail::throw_model_error(traits::name, "field '" + name + "' is missing");
            if (auto err = detail::json_field<F>::read(*it, field)) {
                detail::throw_model_error(traits::name, "field '" + name + "': " + err->message());
            }
        }
    });
    return model;
}

}  // namespace hsync
