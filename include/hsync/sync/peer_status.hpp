#pragma once
// Where the engine stands with one peer: the connection's state, how far each side holds
// the other's history, and what crossed. Reported by engine::status and net::node.

#include <cstdint>
#include <string>
#include <string_view>

#include <hsync/core/uuid.hpp>

namespace hsync::sync {

enum class peer_state { disconnected, handshaking, backfilling, catching_up, ready };

constexpr std::string_view to_string(peer_state s) noexcept {
    switch (s) {
        case peer_state::disconnected: return "disconnected";
        case peer_state::handshaking: return "handshaking";
        case peer_state::backfilling: return "backfilling";
        case peer_state::catching_up: return "catching_up";
        case peer_state::ready: return "ready";
    }
    return "unknown";
}

struct peer_counters {
    std::uint64_t frames_sent = 0;
    std::uint64_t frames_received = 0;
    std::uint64_t bytes_sent = 0;    // frame bodies as sent (compressed or not), without length prefixes
    std::uint64_t bytes_saved = 0;   // by compression: what the bodies sent would have been, less bytes_sent
    std::uint64_t applied = 0;
    std::uint64_t ignored = 0;
    std::uint64_t refused = 0;       // changes or messages refused (authorization, malformed)
    std::uint64_t pages_received = 0;
    std::uint64_t pages_served = 0;
    std::uint64_t pruned = 0;        // log entries pruned after this peer's acknowledgements
    std::uint64_t errors_received = 0;
    std::uint64_t buffer_overflows = 0;  // live pushes dropped during a round (fetched again in pages)
};

struct peer_status {
    uuid peer;
    peer_state state = peer_state::disconnected;
    std::uint64_t received_through = 0;  // the peer's history held here (the peer's seq)
    std::uint64_t peer_seq = 0;          // the newest seq the peer announced
    std::uint64_t acked_through = 0;     // this device's history the peer holds (this device's seq)
    std::uint64_t local_seq = 0;         // this device's newest seq, when the status was taken
    std::string phase;                   // the catch-up phase: "shared <model>" or "<model>"
    double progress = 1.0;               // of the current catch-up round, 0 to 1
    peer_counters counters;
    // Why the last handshake with the peer was refused, by either side ("the models
    // are incompatible: ..."), until a handshake succeeds; empty otherwise.
    std::string refused_because;

    // The peer has acknowledged everything this device had when the status was taken:
    // each change made here (and each one received here) is stored on the peer.
    bool peer_has_all() const noexcept { return acked_through >= local_seq; }
};

}  // namespace hsync::sync
