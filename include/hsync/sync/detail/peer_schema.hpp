#pragma once
// A peer's models as its Hello describes them, next to this device's: whether the two can
// sync, and how what the peer sends maps onto this device's models. Devices on different
// versions of the application sync what they share (docs/protocol.md, "Different
// versions"): a model or field only one side has is compatible; a field whose wire type
// changed, or a model whose strategy changed, is not, and the handshake is refused with
// a message naming it.

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <hsync/core/error.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/field_layout.hpp>
#include <hsync/sync/schema.hpp>

namespace hsync::sync::detail {

class peer_schema {
public:
    // What the peer's schema is to this device's: a map of what it sends, or the reason
    // the two cannot sync (said from this device's side).
    static std::variant<peer_schema, std::string> compare(const library_schema& mine, const library_schema& theirs) {
        peer_schema out;
        const auto q = [](std::string_view text) { return "'" + hsync::detail::printable(text) + "'"; };
        for (const auto& t : theirs.models) {
            if (out.models_.count(t.name)) return "the peer lists model " + q(t.name) + " twice";
            auto layout = layout_of(t);
            if (!layout) return "the peer's model " + q(t.name) + " does not have exactly one record id and distinct field names";
            const model_schema* m = find(mine, t.name);
            peer_model pm;
            pm.known_here = m != nullptr;
            if (m) {
                if (m->strategy != t.strategy) {
                    return "model " + q(m->name) + " is " + m->strategy + " here and " + q(t.strategy) +
                           " on the peer; a model cannot change its strategy (add or remove its owner field) "
                           "under the same sync_name: give the changed model a new sync_name";
                }
                // By name through a map: a Hello may list 256 models of 1,024 fields each.
                std::map<std::string_view, std::string_view> their_types;
                for (const auto& g : t.fields) their_types.emplace(g.name, g.type);
                for (const auto& f : m->fields) {
                    const auto g = their_types.find(f.name);
                    if (g != their_types.end() && g->second != f.type) {
                        return "model " + q(m->name) + ": field " + q(f.name) + " is " + f.type + " here and " +
                               q(g->second) + " on the peer; a field cannot change its type: add a field with "
                               "a new name instead";
                    }
                }
                pm.remap = hsync::detail::field_remap(*layout, *layout_of(*m));
                std::vector<hsync::detail::carried_field> unknown;
                std::set<std::string_view> here;
                for (const auto& f : m->fields) here.insert(f.name);
                for (const auto& g : t.fields) {
                    if (!here.count(g.name)) unknown.push_back({g.name, g.type});
                }
                if (!unknown.empty()) out.unknown_.emplace_back(m->name, std::move(unknown));
            }
            out.same_ = out.same_ && m && *m == t;
            out.models_.emplace(t.name, std::move(pm));
        }
        out.same_ = out.same_ && theirs.models.size() == mine.models.size();
        return out;
    }

    // The peer's fields of models both have that this device lacks: to carry for others
    // (store/detail/layout_migration.hpp).
    const std::vector<std::pair<std::string, std::vector<hsync::detail::carried_field>>>& unknown_fields() const noexcept {
        return unknown_;
    }

    // Both sides have the same models: nothing to translate.
    bool same() const noexcept { return same_; }

    // Whether the peer has `model` (a catch-up asks it only for models it has).
    bool has(std::string_view model) const { return models_.find(model) != models_.end(); }

    // Moves what the peer sent into this device's layouts and drops what is of a model
    // this device lacks. A model the peer did not declare, or a field beyond those it
    // declared, is an errc::invalid_change: the peer broke its own Hello.
    void translate(std::vector<shared_entry>& entries) const {
        if (same_) return;
        std::erase_if(entries, [&](shared_entry& e) {
            const auto* m = model(e.model);
            if (!m) return true;
            const bool had_fields = !e.values.empty();
            e.values = m->remap.apply(e.values);
            // An update of fields this device lacks changes nothing it knows.
            return e.type == change_type::update && had_fields && e.values.empty();
        });
    }

    void translate(std::vector<state_record>& records) const {
        if (same_) return;
        std::erase_if(records, [&](state_record& r) {
            const auto* m = model(r.model);
            if (!m) return true;
            r.values = m->remap.apply(r.values);
            return false;
        });
    }

    void translate(std::vector<shared_snapshot>& rows) const {
        if (same_) return;
        std::erase_if(rows, [&](shared_snapshot& s) {
            const auto* m = model(s.model);
            if (!m) return true;
            if (s.clocks.size() != static_cast<std::size_t>(s.values.count())) return false;  // apply refuses it
            std::vector<std::size_t> kept;
            s.values = m->remap.apply(s.values, &kept);
            std::vector<hlc> clocks;
            clocks.reserve(kept.size());
            for (std::size_t k : kept) clocks.push_back(s.clocks[k]);
            s.clocks = std::move(clocks);
            return !s.removed && s.values.empty();
        });
    }

private:
    struct peer_model {
        bool known_here = false;
        hsync::detail::field_remap remap;
    };

    static const model_schema* find(const library_schema& s, std::string_view name) {
        for (const auto& m : s.models) {
            if (m.name == name) return &m;
        }
        return nullptr;
    }

    // The clocked fields of a model in its order (every field but the record id); nullopt
    // when it has no record id, two of them, or a name twice.
    static std::optional<hsync::detail::field_layout> layout_of(const model_schema& m) {
        hsync::detail::field_layout out;
        std::set<std::string_view> names;
        int ids = 0;
        for (const auto& f : m.fields) {
            if (!names.insert(f.name).second) return std::nullopt;
            if (f.type == "id") {
                ++ids;
                continue;
            }
            out.push_back(f.name);
        }
        if (ids != 1) return std::nullopt;
        return out;
    }

    // The peer's model `name` if this device has it too; nullptr for one only the peer
    // has. Throws for a model the peer never declared.
    const peer_model* model(std::string_view name) const {
        const auto it = models_.find(name);
        if (it == models_.end()) {
            throw error(errc::unknown_model, "hsync: the peer sent model '" + hsync::detail::printable(name) +
                                                 "', which its Hello did not declare");
        }
        return it->second.known_here ? &it->second : nullptr;
    }

    std::map<std::string, peer_model, std::less<>> models_;
    std::vector<std::pair<std::string, std::vector<hsync::detail::carried_field>>> unknown_;
    bool same_ = true;
};

}  // namespace hsync::sync::detail
