#pragma once
// The simulator's checks, once the devices have healed: clocks never run backwards,
// every device holds the same content and what the oracle says must hold, the log is
// pruned once every peer acknowledged, and (with the upgrade fault) a device on the old
// version of the models relays intact what it cannot read. Member definitions of
// testing::detail::simulator (declared in testing/simulator.hpp).

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>

#include <hsync/testing/simulator.hpp>

namespace hsync::testing::detail {

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::fail(const std::string& what) -> void {
    note("FAILED: " + what);
    if (result_.failures.size() < 20) result_.failures.push_back(what);
}

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::check_clocks() -> void {
    for (auto& d : devices_) {
        if (!d->alive) continue;
        const hlc h = with_library(*d, [](auto& lib) { return lib.status().clock; });
        if (d->last_hlc && h < *d->last_hlc) {
            fail("the clock of " + d->name + " went backwards: " + d->last_hlc->to_string() + " then " + h.to_string());
        }
        if (!d->last_hlc || *d->last_hlc < h) d->last_hlc = h;
    }
}

// The synced fields of each model of the first version of the models, by model name: what
// every device knows.
template <class Library>
std::map<std::string, std::set<std::string>, std::less<>> common_fields() {
    std::map<std::string, std::set<std::string>, std::less<>> out;
    boost::hana::for_each(Library::model_types(), [&](auto t) {
        using M = typename decltype(t)::type;
        auto& fields = out[std::string(model_traits<M>::name)];
        for (std::string_view f : model_traits<M>::synced_field_names) fields.emplace(f);
    });
    return out;
}

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::view_of(device& d, bool common) -> std::string {
    static const auto shared_by_all = common_fields<Library>();
    return with_library(d, [&](auto& lib) {
        using Lib = std::remove_reference_t<decltype(lib)>;
        std::string out;
        boost::hana::for_each(Lib::model_types(), [&](auto t) {
            using M = typename decltype(t)::type;
            const auto fields = shared_by_all.find(model_traits<M>::name);
            if (common && fields == shared_by_all.end()) return;
            out += "== " + std::string(model_traits<M>::name) + "\n";
            for (const auto& m : lib.template all<M>()) {
                nlohmann::json j = hsync::to_json(m);
                if (common) {
                    for (auto it = j.begin(); it != j.end();) it = fields->second.count(it.key()) ? std::next(it) : j.erase(it);
                }
                out += j.dump() + "\n";
            }
        });
        return out;
    });
}

// In step: every device holds the same of what all versions have, and the devices on
// the next version the same of everything.
template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::in_step() -> bool {
    const std::string first = view_of(*devices_[0], upgrades);
    std::optional<std::string> first_upgraded;
    for (auto& d : devices_) {
        if (d != devices_[0] && view_of(*d, upgrades) != first) return false;
        if (!upgrades || !d->upgraded) continue;
        const std::string whole = view_of(*d, false);
        if (first_upgraded && whole != *first_upgraded) return false;
        if (!first_upgraded) first_upgraded = whole;
    }
    return true;
}

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::divergence() -> std::string {
    std::string out;
    for (auto& d : devices_) {
        out += d->name + (d->upgraded ? " (next version)" : "") + " holds " + std::to_string(view_of(*d, upgrades).size()) +
               " bytes of data;";
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

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::check_contents() -> void {
    // Every device holds the same (in_step); with two versions, one of each is checked
    // for the fields it knows.
    std::set<bool> checked;
    for (auto& d : devices_) {
        if (checked.insert(d->upgraded).second) check_device(*d);
    }
}

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::check_device(device& d, const std::set<std::string>* models) -> void {
    const std::string who = upgrades ? " on " + d.name : std::string();
    with_library(d, [&](auto& lib) {
        using Lib = std::remove_reference_t<decltype(lib)>;
        boost::hana::for_each(Lib::model_types(), [&](auto t) {
            using M = typename decltype(t)::type;
            const std::string model(model_traits<M>::name);
            if (models && !models->count(model)) return;
            std::map<uuid, nlohmann::json> held;
            for (const auto& m : lib.template all<M>()) {
                held[hsync::detail::get_field<model_traits<M>::id_index>(const_cast<M&>(m)).value] = hsync::to_json(m);
            }
            for (const auto& id : known_[model]) {
                const auto& o = oracle_[{model, id}];
                auto it = held.find(id);
                const std::string record = model + " " + id.to_string() + who;
                if (o.deleted) {
                    if (it != held.end()) fail(record + " was deleted and came back");
                    continue;
                }
                if (it == held.end()) {
                    fail(record + " was committed and is missing");
                    continue;
                }
                if (o.owner) {
                    // The owner's last write, in the fields both it and this device know.
                    for (const auto& [field, value] : o.state.items()) {
                        if (it->second.contains(field) && it->second[field] != value) {
                            fail(record + " is not its owner's last write: " + it->second.dump() + " instead of " + o.state.dump());
                            break;
                        }
                    }
                    continue;
                }
                for (const auto& [field, slot] : o.fields) {
                    if (it->second.contains(field) && it->second[field] != slot.second) {
                        fail(record + " field " + field + " is " + it->second[field].dump() + ", but its newest write (" +
                             slot.first->to_string() + ") set " + slot.second.dump());
                    }
                }
            }
            for (const auto& [id, value] : held) {
                if (!oracle_.count({model, id})) fail(model + " " + id.to_string() + who + " appeared from nowhere");
            }
        });
    });
}

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::check_relays() -> void {
    static const auto shared_by_all = common_fields<Library>();
    std::set<std::string> models;
    for (const auto& [model, fields] : shared_by_all) models.insert(model);
    for (std::size_t i = 0, n = devices_.size(); i < n; ++i) {
        device& d = *devices_[i];
        if (d.upgraded) continue;
        // d leaves the others and meets a new device on the next version, alone.
        for (std::size_t j = 0; j < n; ++j) {
            if (j != i) link_down(i, j, "the relay check");
        }
        device g;
        g.index = n;
        g.name = d.name + "'";
        g.id = uuid::v4(rng_);
        g.file = dir_ / (g.name + ".db");
        g.upgraded = true;
        open(g);
        replica(*g.next).pair(d.id);
        replica(*d.lib).pair(g.id);
        note(g.name + ", new on the next version of the models, backfills from " + d.name + " alone");
        bool up = false;
        std::size_t quiet = 0;
        for (int step = 0; step < 20'000 && quiet < 400; ++step) {
            now_ += options_.step;
            if (!up) {
                d.engine->connect(g.id, now_);
                g.engine->connect(d.id, now_);
                up = true;
            }
            d.engine->tick(now_);
            g.engine->tick(now_);
            for (auto& out : d.engine->take_output()) {
                if (out.peer == g.id) g.engine->receive(d.id, out.body, now_);
            }
            for (auto& out : g.engine->take_output()) {
                if (out.peer == d.id) d.engine->receive(g.id, out.body, now_);
            }
            // A connection closed (to show fields d now carries, say) is redialed.
            if (!d.engine->take_closes().empty() || !g.engine->take_closes().empty()) {
                d.engine->disconnect(g.id, now_);
                g.engine->disconnect(d.id, now_);
                up = false;
            }
            const bool ready = d.engine->status(g.id).state == sync::peer_state::ready &&
                               g.engine->status(d.id).state == sync::peer_state::ready;
            // Heartbeats keep flowing: settled is both sides ready for 2 s in a row.
            quiet = ready ? quiet + 1 : 0;
        }
        if (quiet < 400) {
            fail(g.name + " did not finish its backfill from " + d.name);
        } else {
            check_device(g, &models);
        }
        close(g);
    }
}

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::check_pruning() -> void {
    for (auto& d : devices_) {
        const auto floor = with_library(*d, [](auto& lib) { return replica(lib).min_acked_by_paired(); });
        if (!floor) continue;
        const auto kept = with_library(*d, [&](auto& lib) {
            return lib.read([&](SQLite::Database& db) {
                SQLite::Statement q(db, "SELECT count(*) FROM hsync_shared_log WHERE seq <= ?");
                q.bind(1, static_cast<std::int64_t>(*floor));
                q.executeStep();
                return q.getColumn(0).getInt64();
            });
        });
        if (kept > 0) {
            fail(d->name + " keeps " + std::to_string(kept) + " log entries every peer acknowledged (through seq " +
                 std::to_string(*floor) + ")");
        }
    }
}

}  // namespace hsync::testing::detail
