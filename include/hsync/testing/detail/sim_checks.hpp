#pragma once
// The simulator's checks, once the devices have healed: clocks never run backwards,
// every device holds the same content and what the oracle says must hold, and the log
// is pruned once every peer acknowledged. Member definitions of
// testing::detail::simulator (declared in testing/simulator.hpp).

#include <cstdint>
#include <string>

#include <hsync/testing/simulator.hpp>

namespace hsync::testing::detail {

template <class Library>
auto simulator<Library>::fail(const std::string& what) -> void {
    note("FAILED: " + what);
    if (result_.failures.size() < 20) result_.failures.push_back(what);
}

template <class Library>
auto simulator<Library>::check_clocks() -> void {
    for (auto& d : devices_) {
        if (!d->alive) continue;
        const hlc h = d->lib->status().clock;
        if (d->last_hlc && h < *d->last_hlc) {
            fail("the clock of " + d->name + " went backwards: " + d->last_hlc->to_string() + " then " + h.to_string());
        }
        if (!d->last_hlc || *d->last_hlc < h) d->last_hlc = h;
    }
}

template <class Library>
auto simulator<Library>::view_of(Library& lib) -> std::string {
    std::string out;
    boost::hana::for_each(Library::model_types(), [&](auto t) {
        using M = typename decltype(t)::type;
        out += "== " + std::string(model_traits<M>::name) + "\n";
        for (const auto& m : lib.template all<M>()) out += hsync::to_json(m).dump() + "\n";
    });
    return out;
}

template <class Library>
auto simulator<Library>::in_step() -> bool {
    const std::string first = view_of(*devices_[0]->lib);
    for (std::size_t i = 1; i < devices_.size(); ++i) {
        if (view_of(*devices_[i]->lib) != first) return false;
    }
    return true;
}

template <class Library>
auto simulator<Library>::divergence() -> std::string {
    std::string out;
    for (auto& d : devices_) {
        out += d->name + " holds " + std::to_string(view_of(*d->lib).size()) + " bytes of data;";
        for (auto& other : devices_) {
            if (other == d) continue;
            const auto s = d->engine->status(other->id);
            out += " " + other->name + ":" + std::string(sync::to_string(s.state)) + " " +
                   std::to_string(s.received_through) + "/" + std::to_string(s.peer_seq);
        }
        out += "\n";
    }
    return out;
}

template <class Library>
auto simulator<Library>::check_contents() -> void {
    Library& lib = *devices_[0]->lib;
    boost::hana::for_each(Library::model_types(), [&](auto t) {
        using M = typename decltype(t)::type;
        const std::string model(model_traits<M>::name);
        std::map<uuid, nlohmann::json> held;
        for (const auto& m : lib.template all<M>()) {
            held[hsync::detail::get_field<model_traits<M>::id_index>(const_cast<M&>(m)).value] = hsync::to_json(m);
        }
        for (const auto& id : known_[model]) {
            const auto& o = oracle_[{model, id}];
            auto it = held.find(id);
            if (o.deleted) {
                if (it != held.end()) fail(model + " " + id.to_string() + " was deleted and came back");
                continue;
            }
            if (it == held.end()) {
                fail(model + " " + id.to_string() + " was committed and is missing");
                continue;
            }
            if (o.owner) {
                if (it->second != o.state) {
                    fail(model + " " + id.to_string() + " is not its owner's last write: " + it->second.dump() +
                         " instead of " + o.state.dump());
                }
                continue;
            }
            for (const auto& [field, slot] : o.fields) {
                if (it->second[field] != slot.second) {
                    fail(model + " " + id.to_string() + " field " + field + " is " + it->second[field].dump() +
                         ", but its newest write (" + slot.first->to_string() + ") set " + slot.second.dump());
                }
            }
        }
        for (const auto& [id, value] : held) {
            if (!oracle_.count({model, id})) fail(model + " " + id.to_string() + " appeared from nowhere");
        }
    });
}

template <class Library>
auto simulator<Library>::check_pruning() -> void {
    for (auto& d : devices_) {
        const auto floor = replica(*d->lib).min_acked_by_paired();
        if (!floor) continue;
        const auto kept = d->lib->read([&](SQLite::Database& db) {
            SQLite::Statement q(db, "SELECT count(*) FROM hsync_shared_log WHERE seq <= ?");
            q.bind(1, static_cast<std::int64_t>(*floor));
            q.executeStep();
            return q.getColumn(0).getInt64();
        });
        if (kept > 0) {
            fail(d->name + " keeps " + std::to_string(kept) + " log entries every peer acknowledged (through seq " +
                 std::to_string(*floor) + ")");
        }
    }
}

}  // namespace hsync::testing::detail
