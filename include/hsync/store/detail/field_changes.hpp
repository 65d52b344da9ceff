#pragma once
// Per-field changes of records: which clocked fields differ between two versions of a
// record, an edit from an old copy merged onto the stored record, the fields packed for
// the log and the wire, and the strict reading of the fields a remote change sets. "Clocked" fields are the synced
// fields but the id (store/schema.hpp).

#include <array>
#include <bit>
#include <cstdint>
#include <cstddef>
#include <string>

#include <hsync/core/error.hpp>
#include <hsync/detail/msgpack.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/field_codec.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
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
constexpr field_mask<M> all_fields() {
    field_mask<M> mask{};
    mask.fill(true);
    return mask;
}

// The fields of `m` the mask selects, packed (store/change.hpp: field_values).
template <class M>
field_values pack_fields(const M& m, const field_mask<M>& mask) {
    mp_writer w;
    std::uint64_t set = 0;
    for_each_clocked<M>([&](std::size_t k, auto index) {
        constexpr std::size_t i = decltype(index)::value;
        if (mask[k]) {
            field_codec<field_type_t<M, i>>::pack(w, get_field<i>(m));
            set |= std::uint64_t{1} << k;
        }
    });
    return field_values(set, w.take());
}

template <class M>
field_values pack_all(const M& m) {
    return pack_fields(m, all_fields<M>());
}

// Reads the fields a remote change sets into `into`, marking them in the mask. Every set
// bit must be a field of the model's layout of `width` fields (its own synced fields but
// the id, then those it carries for peers: store/detail/layout_migration.hpp), each own
// field holding a value of its type and each carried one a single item, and nothing may
// follow the last value. A field may be missing even from an insert: a device on an older
// version of the models does not have it (the caller keeps a default or the stored
// value). A change that breaks this is an errc::invalid_change naming the field.
template <class M>
field_mask<M> unpack_fields(const field_values& values, M& into, std::size_t width = model_traits<M>::synced_count - 1) {
    using traits = model_traits<M>;
    auto fail = [](const std::string& what) {
        throw error(errc::invalid_change, "hsync: model '" + std::string(traits::name) + "': " + what);
    };
    if (width < 64 && (values.fields >> width) != 0) {
        fail("a change sets field number " + std::to_string(static_cast<std::size_t>(std::countr_zero(values.fields >> width)) + width) +
             ", but the model has " + std::to_string(width) + " synced fields besides its id");
    }
    field_mask<M> mask{};
    mp_reader r(values.packed);
    for_each_clocked<M>([&](std::size_t k, auto index) {
        constexpr std::size_t i = decltype(index)::value;
        if ((values.fields >> k & 1u) == 0) return;
        if (auto err = field_codec<field_type_t<M, i>>::unpack(r, get_field<i>(into))) {
            fail("field '" + std::string(traits::field_names[i]) + "': " + err->message());
        }
        mask[k] = true;
    });
    // The carried fields' values follow the model's own, one item each.
    for (std::uint64_t rest = mask.size() < 64 ? values.fields >> mask.size() : 0; rest != 0; rest &= rest - 1) {
        std::string_view item;
        if (!r.read_raw(item)) fail("a change names more fields than it holds values");
    }
    if (!r.at_end()) fail("a change holds more values than the fields it names");
    return mask;
}

// Whether a change sets fields the model carries for peers (beyond its own).
template <class M>
bool sets_carried(const field_values& values) {
    constexpr std::size_t own = model_traits<M>::synced_count - 1;
    return own < 64 && (values.fields >> own) != 0;
}

}  // namespace hsync::detail
