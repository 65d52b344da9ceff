#pragma once
// A simulated device's sync engine behind one interface, whichever version of the models
// the device runs: the network of the simulator (testing/simulator.hpp) talks to devices
// before and after their upgrade alike.

#include <memory>
#include <span>
#include <vector>

#include <hsync/core/uuid.hpp>
#include <hsync/sync/engine.hpp>

namespace hsync::testing::detail {

class engine_port {
public:
    virtual ~engine_port() = default;
    virtual void connect(const uuid& peer, sync::millis now) = 0;
    virtual void disconnect(const uuid& peer, sync::millis now) = 0;
    virtual void tick(sync::millis now) = 0;
    virtual void receive(const uuid& peer, std::span<const std::uint8_t> body, sync::millis now) = 0;
    virtual std::vector<sync::outgoing_message> take_output() = 0;
    virtual std::vector<sync::close_request> take_closes() = 0;
    virtual sync::peer_status status(const uuid& peer) const = 0;
};

template <class Library>
class engine_port_of final : public engine_port {
public:
    engine_port_of(Library& lib, sync::engine_options options) : engine_(lib, std::move(options)) {}
    void connect(const uuid& peer, sync::millis now) override { engine_.connect(peer, now); }
    void disconnect(const uuid& peer, sync::millis now) override { engine_.disconnect(peer, now); }
    void tick(sync::millis now) override { engine_.tick(now); }
    void receive(const uuid& peer, std::span<const std::uint8_t> body, sync::millis now) override {
        engine_.receive(peer, body, now);
    }
    std::vector<sync::outgoing_message> take_output() override { return engine_.take_output(); }
    std::vector<sync::close_request> take_closes() override { return engine_.take_closes(); }
    sync::peer_status status(const uuid& peer) const override { return engine_.status(peer); }

private:
    sync::engine<Library> engine_;
};

}  // namespace hsync::testing::detail
