#pragma once
// What the store needs to know of any record: its id, its owner, and how to refuse it
// with a message that names it.

#include <optional>
#include <string>

#include <hsync/core/error.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/traits.hpp>

namespace hsync::detail {

template <class M>
const uuid& id_of(const M& m) {
    return get_field<model_traits<M>::id_index>(m).value;
}

// The owner of a record, or nullopt for a shared record.
template <class M>
std::optional<uuid> owner_of(const M& m) {
    using traits = model_traits<M>;
    if constexpr (traits::strategy == strategy::shared) {
        return std::nullopt;
    } else if constexpr (traits::strategy == strategy::device_owned) {
        return get_field<traits::owner_index>(m).value;
    } else {
        const auto& owner = get_field<traits::owner_index>(m);
        return owner ? std::optional<uuid>(owner->value) : std::nullopt;
    }
}

inline std::string owner_text(const std::optional<uuid>& owner) {
    return owner ? "device " + owner->to_string() : "shared";
}

template <class M>
[[noreturn]] void refuse(errc code, const uuid& id, const std::string& what) {
    throw error(code, "hsync: " + std::string(model_traits<M>::name) + " " + id.to_string() + ": " + what);
}

// A remote change that breaks the rules: refused whole.
[[noreturn]] inline void invalid_change(const std::string& what) { throw error(errc::invalid_change, "hsync: " + what); }

}  // namespace hsync::detail
