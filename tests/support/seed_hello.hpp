#pragma once
// The Hello a device of the seed models sends: for tests that speak the protocol by hand
// (a hostile peer, a fuzzer's first message, a probe of the transport).

#include <hsync/hsync.hpp>

#include <cstdint>
#include <string>
#include <utility>

#include "support/seed_library.hpp"

namespace hsync_test {

inline hsync::sync::hello seed_hello(const hsync::uuid& library, const hsync::uuid& device, std::uint64_t seq = 0,
                                     std::uint64_t received_from_you = 0,
                                     std::uint32_t version = hsync::sync::protocol_version) {
    auto schema = hsync::sync::library_schema_of<seed_library>();
    const std::uint64_t hash = hsync::sync::schema_hash(schema);
    return hsync::sync::hello{std::string(hsync::sync::protocol_id), version, library, device, seq, received_from_you,
                              hash, std::move(schema)};
}

}  // namespace hsync_test
