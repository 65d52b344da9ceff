#pragma once
// How a sync engine paces and bounds its work. The defaults suit a LAN; the simulator
// shortens the timers and the pages (testing/sim_options.hpp).

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <hsync/sync/codec.hpp>

namespace hsync::sync {

using millis = std::chrono::milliseconds;

// Whether frames to a peer are compressed: with zstd when the peer's Hello says it reads
// zstd (docs/protocol.md, "Compression"). Worth it on slow links; on a LAN it costs more
// time than it saves (docs/benchmarks.md).
enum class compression { none, zstd };

struct engine_options {
    encoding wire = encoding::msgpack;
    sync::compression compression = sync::compression::none;
    int compression_level = 1;                   // zstd's level (1 fastest .. 19)
    std::size_t compress_min_bytes = 512;        // smaller bodies are sent as they are
    sync::limits limits{};
    std::uint32_t page_size = 1000;              // records per catch-up page, asked and served
    std::uint32_t catch_up_window = 4;           // catch-up pages asked to be in flight at once, so the
                                                 // peer reads the next while this device applies one
    std::size_t batch_max = 1000;                // changes per live message
    millis flush_interval{5};                    // local changes pushed at most once per interval: the
                                                 // first after a quiet spell at once, the rest coalesced
    millis heartbeat_interval{1000};
    millis response_timeout{30000};
    millis retry_base{250};
    millis retry_max{30000};
    std::size_t live_buffer_limit = 10'000;      // pushed changes held while catching up
    std::size_t log_retention = 1'000'000;       // log entries kept for a peer that never acknowledges
    bool record_served_pages = false;            // keep served_pages() (tests: each page served at most once)
};

}  // namespace hsync::sync
