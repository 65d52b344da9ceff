#pragma once
// How a net::node listens, dials and bounds what a peer may cost it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <hsync/sync/engine_options.hpp>

namespace hsync::net {

using sync::millis;

// Where a peer listens. Addresses are the application's to know: hsync assumes no
// discovery service.
struct peer_address {
    std::string host;
    std::uint16_t port = 0;
};

struct node_options {
    // The port to accept paired devices on: 0 picks a free one (see node::port()),
    // nullopt accepts none (the node only dials).
    std::optional<std::uint16_t> listen_port = 0;
    std::string listen_address = "0.0.0.0";
    std::vector<peer_address> peers;             // dialed, and redialed whenever the connection ends
    sync::engine_options engine{};
    millis handshake_timeout{10'000};            // TCP connect and TLS handshake
    millis send_timeout{30'000};                 // one write to a peer
    millis idle_timeout{15'000};                 // nothing received (the engine sends heartbeats every second)
    millis frame_timeout{30'000};                // a frame begun and not finished: a trickling peer
    millis reconnect_base{250};                  // first redial delay; doubles per failure, with jitter
    millis reconnect_max{30'000};
    millis shutdown_timeout{5'000};              // stop() waits this long for queues to drain
    std::size_t send_queue_limit = 64u << 20;    // bytes queued for one peer: reading from it pauses above,
                                                 // and the connection is dropped at twice as much
    std::size_t max_connections_per_address = 16;
    std::function<void(const std::string&)> log;  // one line per connection event; none by default
};

}  // namespace hsync::net
