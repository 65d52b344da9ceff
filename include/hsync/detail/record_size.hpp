#pragma once
// How large a record is on the wire, checked when it is committed. A peer refuses a
// string or blob over 4 MiB and a frame over 16 MiB (wire_limits.hpp), and a record it
// refuses would stop its catch-up at that record for good. So a record that could never
// be sent is refused here, where the application can still do something about it.

#include <cstddef>
#include <string>

#include <hsync/core/error.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/detail/wire_limits.hpp>
#include <hsync/model/field_codec.hpp>
#include <hsync/model/traits.hpp>

namespace hsync::detail {

// One string or blob field: the peers' limit on one string or binary value.
inline constexpr std::size_t max_synced_field_bytes = wire_max_string;
// All the synced fields of a record: half the frame limit, leaving room for the rest of
// a message and for the JSON encoding of the wire.
inline constexpr std::size_t max_synced_record_bytes = wire_max_frame / 2;

// The bytes of a field's value that grow with it and travel: strings and blobs; 0 for the
// rest, and for local<> fields, which never travel.
template <class F>
std::size_t variable_bytes(const F& value) {
    return field_codec<F>::size(value);
}

// Throws record_too_large, naming the field, if M's synced fields cannot travel.
template <class M>
void check_record_size(const M& m, const uuid& id) {
    using traits = model_traits<M>;
    std::size_t total = 0;
    for_each_field_index<M>([&](auto index) {
        constexpr std::size_t i = decltype(index)::value;
        if constexpr (!is_local_v<field_type_t<M, i>>) {
            const std::size_t bytes = variable_bytes(get_field<i>(m));
            if (bytes > max_synced_field_bytes) {
                throw error(errc::record_too_large,
                            "hsync: " + std::string(traits::name) + " " + id.to_string() + ": field '" +
                                std::string(traits::field_names[i]) + "' holds " + std::to_string(bytes) +
                                " bytes; a synced string or blob may hold at most 4 MiB. Keep large content "
                                "outside the record (a file, referred to by path or hash) or in a local<> field");
            }
            total += bytes;
        }
    });
    if (total > max_synced_record_bytes) {
        throw error(errc::record_too_large,
                    "hsync: " + std::string(traits::name) + " " + id.to_string() + ": its synced fields hold " +
                        std::to_string(total) + " bytes; a record may hold at most 8 MiB to travel in one message. "
                        "Keep large content outside the record or in local<> fields");
    }
}

}  // namespace hsync::detail
