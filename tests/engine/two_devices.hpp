#pragma once
// Two engines over their own library files, of any two library types (the same models or
// not), passing frames directly until neither has anything to say: for tests of what the
// handshake and the catch-up do across libraries, where the seed-model mesh cannot go.

#include <hsync/hsync.hpp>

#include <memory>
#include <string>

#include "support/temp_dir.hpp"

namespace hsync_test {

// One device: its library and engine, of whichever models.
template <class Library>
struct device {
    device(const temp_dir& dir, const std::string& name, const hsync::uuid& library_id,
           hsync::identity identity = hsync::identity{hsync::uuid::v4()})
        : id(identity) {
        hsync::library_options o;
        o.library_id = library_id;
        lib = std::make_unique<Library>(dir / (name + ".db"), id, o);
        engine = std::make_unique<hsync::sync::engine<Library>>(*lib);
    }
    hsync::identity id;
    std::unique_ptr<Library> lib;
    std::unique_ptr<hsync::sync::engine<Library>> engine;
};

// Pairs a and b, connects them, and passes frames until neither has anything to say.
template <class A, class B>
void connect_and_settle(device<A>& a, device<B>& b) {
    hsync::replica(*a.lib).pair(b.id.device_id);
    hsync::replica(*b.lib).pair(a.id.device_id);
    hsync::sync::millis now{0};
    a.engine->connect(b.id.device_id, now);
    b.engine->connect(a.id.device_id, now);
    bool a_open = true, b_open = true;
    int redials = 0;
    for (int step = 0; step < 200; ++step) {
        now += hsync::sync::millis(10);
        // The dialer redials a closed connection (net::node does, with a backoff); twice
        // at most here, so that a refused handshake stays refused.
        if (!a_open && redials < 2) {
            ++redials;
            a.engine->connect(b.id.device_id, now);
            b.engine->connect(a.id.device_id, now);
            a_open = b_open = true;
        }
        a.engine->tick(now);
        b.engine->tick(now);
        const auto a_out = a.engine->take_output();
        const auto b_out = b.engine->take_output();
        for (const auto& f : a_out) {
            if (a_open && b_open) b.engine->receive(a.id.device_id, f.body, now);
        }
        for (const auto& f : b_out) {
            if (a_open && b_open) a.engine->receive(b.id.device_id, f.body, now);
        }
        // A close is the transport dropping the connection: both sides see it go.
        if (!a.engine->take_closes().empty() || !b.engine->take_closes().empty()) {
            if (a_open && b_open) {
                a.engine->disconnect(b.id.device_id, now);
                b.engine->disconnect(a.id.device_id, now);
            }
            a_open = b_open = false;
        }
    }
}

}  // namespace hsync_test
