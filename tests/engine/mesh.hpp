#pragma once
// Engines of several devices, each with a real library file, exchanging real frames
// (encoded, length-prefixed, cut by a frame_reader) over in-memory links, on a virtual
// clock. Links can be cut and restored, devices stopped and restarted.

#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

namespace hsync_test {

using seed_engine = hsync::sync::engine<seed_library>;
using hsync::sync::millis;

struct device_node {
    std::string name;
    hsync::identity id{hsync::uuid::v4()};
    std::filesystem::path file;
    std::unique_ptr<seed_library> lib;
    std::unique_ptr<seed_engine> engine;

    hsync::sync::peer_status status_of(const device_node& other) const { return engine->status(other.id.device_id); }
};

class mesh {
public:
    explicit mesh(hsync::sync::engine_options options = test_options()) : options_(options) {}

    static hsync::sync::engine_options test_options() {
        hsync::sync::engine_options o;
        o.heartbeat_interval = millis(50);
        o.page_size = 500;
        o.record_served_pages = true;
        return o;
    }

    // A new device, paired with every device already in the mesh.
    device_node& add(const std::string& name) {
        auto node = std::make_unique<device_node>();
        node->name = name;
        node->file = dir_ / (name + ".db");
        start(*node);
        for (auto& other : nodes_) {
            hsync::replica(*node->lib).pair(other->id.device_id);
            hsync::replica(*other->lib).pair(node->id.device_id);
        }
        nodes_.push_back(std::move(node));
        return *nodes_.back();
    }

    void start(device_node& n) {
        hsync::library_options o;
        o.sync = hsync::durability::normal;
        o.library_id = library_id_;
        n.lib = std::make_unique<seed_library>(n.file, n.id, o);
        n.engine = std::make_unique<seed_engine>(*n.lib, options_);
    }

    // Stops a device (its links go down), as a crash or a quit would.
    void stop(device_node& n) {
        for (auto& other : nodes_) {
            if (other.get() != &n) disconnect(n, *other);
        }
        n.engine.reset();
        n.lib.reset();
    }

    void connect(device_node& a, device_node& b) {
        links_.insert(key(a, b));
        readers_.erase(std::pair{a.id.device_id, b.id.device_id});
        readers_.erase(std::pair{b.id.device_id, a.id.device_id});
        a.engine->connect(b.id.device_id, now_);
        b.engine->connect(a.id.device_id, now_);
    }

    void disconnect(device_node& a, device_node& b) {
        if (!links_.erase(key(a, b))) return;
        if (a.engine) a.engine->disconnect(b.id.device_id, now_);
        if (b.engine) b.engine->disconnect(a.id.device_id, now_);
    }

    // When set, a message for which drop(from, to, message) is true is lost on its link.
    std::function<bool(const device_node&, const device_node&, const hsync::sync::message&)> drop;

    // When set, rewrite(from, to, body) may change a frame body on its way (after drop).
    std::function<void(const device_node&, const device_node&, std::vector<std::uint8_t>&)> rewrite;

    // One step of virtual time: every engine ticks, every frame crosses its link.
    // Returns the number of frames delivered, heartbeats not counted.
    std::size_t step() {
        now_ += millis(5);
        std::size_t delivered = 0;
        for (auto& n : nodes_) {
            if (!n->engine) continue;
            n->engine->tick(now_);
            for (auto& c : n->engine->take_closes()) {
                for (auto& other : nodes_) {
                    if (other->id.device_id == c.peer) disconnect(*n, *other);
                }
            }
            for (auto& f : n->engine->take_output()) {
                device_node* to = find(f.peer);
                if (!to || !to->engine || !links_.count(key(*n, *to))) continue;  // the link is down
                auto& reader = readers_[std::pair{n->id.device_id, f.peer}];
                reader.feed(hsync::net::frame(f.body));  // through a byte stream, as over TCP
                while (auto body = reader.next()) {
                    const auto decoded = hsync::sync::decode(*body);
                    if (decoded && drop && drop(*n, *to, decoded.value())) continue;
                    if (!decoded || !std::holds_alternative<hsync::sync::heartbeat>(decoded.value())) ++delivered;
                    if (rewrite) rewrite(*n, *to, *body);
                    to->engine->receive(n->id.device_id, *body, now_);
                }
            }
        }
        return delivered;
    }

    // Steps until nothing but heartbeats has crossed any link for three heartbeat
    // intervals (a heartbeat that reveals new history starts a catch-up, which counts).
    void settle(std::size_t max_steps = 200'000) {
        std::size_t idle = 0;
        for (std::size_t i = 0; i < max_steps; ++i) {
            idle = step() == 0 ? idle + 1 : 0;
            if (idle >= 30) return;
        }
        std::string report;
        for (auto& n : nodes_) {
            for (auto& other : nodes_) {
                if (n == other || !n->engine) continue;
                const auto s = n->engine->status(other->id.device_id);
                report += n->name + " about " + other->name + ": " + std::string(to_string(s.state)) +
                          " held " + std::to_string(s.received_through) + "/" + std::to_string(s.peer_seq) +
                          " phase '" + s.phase + "' pages " + std::to_string(s.counters.pages_received) +
                          " refused " + std::to_string(s.counters.refused) + " errors " +
                          std::to_string(s.counters.errors_received) + "\n";
            }
        }
        FAIL("the mesh did not settle:\n" << report);
    }

    millis now() const noexcept { return now_; }
    const hsync::uuid& library_id() const noexcept { return library_id_; }

private:
    static std::pair<hsync::uuid, hsync::uuid> key(const device_node& a, const device_node& b) {
        return std::minmax(a.id.device_id, b.id.device_id);
    }
    device_node* find(const hsync::uuid& id) {
        for (auto& n : nodes_) {
            if (n->id.device_id == id) return n.get();
        }
        return nullptr;
    }

    hsync::sync::engine_options options_;
    temp_dir dir_;
    hsync::uuid library_id_ = hsync::uuid::v4();
    std::vector<std::unique_ptr<device_node>> nodes_;
    std::set<std::pair<hsync::uuid, hsync::uuid>> links_;
    std::map<std::pair<hsync::uuid, hsync::uuid>, hsync::net::frame_reader> readers_;
    millis now_{0};
};

// What a device holds of every model, synced fields only, in record id order: two
// devices with equal views hold the same synced data.
inline std::string synced_view(seed_library& lib) {
    std::string out;
    boost::hana::for_each(seed_library::model_types(), [&](auto t) {
        using M = typename decltype(t)::type;
        out += "== " + std::string(hsync::model_traits<M>::name) + "\n";
        for (const auto& m : lib.all<M>()) out += hsync::to_json(m).dump() + "\n";
    });
    return out;
}

}  // namespace hsync_test
