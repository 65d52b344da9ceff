#pragma once
// Field values (hsync::field_values) for tests: packed from a model, or written item by
// item to make values a well-behaved peer would never send.
#include <cstdint>
#include <functional>
#include <string>

#include <hsync/hsync.hpp>

namespace hsync_test {

// Every synced field of m but the id, packed as a state or an insert carries them.
template <class M>
hsync::field_values all_values(const M& m) {
    return hsync::detail::pack_all(m);
}

// Values of the fields `fields` names (bit k: the k-th synced field besides the id),
// written by `write` as the peer chose.
inline hsync::field_values raw_values(std::uint64_t fields, const std::function<void(hsync::detail::mp_writer&)>& write) {
    hsync::detail::mp_writer w;
    write(w);
    return hsync::field_values(fields, w.take());
}

}  // namespace hsync_test
