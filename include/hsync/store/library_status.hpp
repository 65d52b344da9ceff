#pragma once
// hsync::library_status: where a library stands, for a status line or a test.

#include <cstddef>
#include <cstdint>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>

namespace hsync {

struct library_status {
    uuid device_id;
    uuid library_id;
    std::uint64_t seq = 0;          // the last committed change's sequence number
    std::size_t log_entries = 0;    // shared changes kept to serve to peers
    std::uint64_t log_floor = 0;    // history up to this seq is served as snapshots
    hlc clock{};                    // the latest timestamp this device issued or saw
    bool read_only = false;
};

}  // namespace hsync
