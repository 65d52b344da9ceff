#pragma once
// The apply side: changes from peers, merged into this device's tables inside an open
// transaction. Shared changes and snapshots merge per field, last writer wins by HLC;
// device-owned states replace the row when their owner's version is newer. Deletes are
// final. A change that breaks a rule throws, and the caller's transaction writes nothing.

#include <algorithm>
#include <bit>
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/field_changes.hpp>
#include <hsync/store/detail/field_layout.hpp>
#include <hsync/store/detail/library_state.hpp>
#include <hsync/store/detail/records.hpp>

namespace hsync::detail {

template <class... Ms>
class remote_apply {
    using models = model_list<Ms...>;

public:
    explicit remote_apply(library_state<Ms...>& s) noexcept : s_(s) {}

    // Shared log entries, in model reference order (a record before what refers to it).
    apply_result shared_changes(std::span<const shared_entry> entries) {
        return apply_each(entries, [&](auto t, const shared_entry& e) { return apply_shared_to<typename decltype(t)::type>(e); });
    }

    // Device-owned states from their owners (or relayed), in model reference order.
    apply_result states(std::span<const state_record> records) {
        return apply_each(records, [&](auto t, const state_record& r) { return apply_state_to<typename decltype(t)::type>(r); });
    }

    // Snapshots of shared records (per-field last-writer-wins with each field's HLC).
    apply_result snapshots(std::span<const shared_snapshot> records) {
        const apply_result result =
            apply_each(records, [&](auto t, const shared_snapshot& r) { return apply_snapshot_to<typename decltype(t)::type>(r); });
        // This device's log now lacks the entries behind these rows: serve its own history
        // up to here as snapshots too.
        s_.raise_log_floor(s_.seq);
        return result;
    }

private:
    // Each item, in model reference order, by the apply of its model: per_model(type, item).
    template <class Item, class PerModel>
    apply_result apply_each(std::span<const Item> items, PerModel per_model) {
        apply_result result;
        for (std::size_t i : apply_order(items)) {
            bool applied = false;
            models::dispatch(items[i].model, [&](auto t) { applied = per_model(t, items[i]); });
            applied ? ++result.applied : ++result.ignored;
        }
        return result;
    }

    static std::size_t rank_of(std::string_view model) {
        std::size_t rank = no_rank;
        models::dispatch(model, [&](auto t) { rank = models::template rank<typename decltype(t)::type>(); });
        if (rank == no_rank) {
            throw error(errc::unknown_model,
                        "hsync: unknown model '" + printable(model) + "'; this library does not declare it");
        }
        return rank;
    }

    // Indices of the items in the order model references require, stable otherwise.
    template <class Item>
    static std::vector<std::size_t> apply_order(std::span<const Item> items) {
        std::vector<std::pair<std::size_t, std::size_t>> keyed;
        keyed.reserve(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) keyed.emplace_back(rank_of(items[i].model), i);
        std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<std::size_t> order;
        order.reserve(keyed.size());
        for (const auto& k : keyed) order.push_back(k.second);
        return order;
    }

    template <class M>
    bool apply_shared_to(const shared_entry& e) {
        using traits = model_traits<M>;
        if constexpr (traits::strategy == strategy::device_owned) {
            invalid_change("model '" + std::string(traits::name) +
                    "' is device-owned; its changes travel as owner state, not as shared log entries");
        } else {
            if (e.record.is_nil()) invalid_change("a shared change of model '" + std::string(traits::name) + "' has a nil record id");
            if (e.type != change_type::insert && e.type != change_type::update && e.type != change_type::remove) {
                invalid_change("a shared change of model '" + std::string(traits::name) + "' has an unknown change type");
            }
            M incoming{};
            field_mask<M> mask{};
            if (e.type == change_type::remove) {
                if (!e.values.empty() || !e.values.packed.empty()) {
                    invalid_change("a remove of model '" + std::string(traits::name) + "' carries values");
                }
            } else {
                // An insert may lack fields (its writer's models are older): those keep their
                // defaults, with no clock, so that any write of them wins.
                mask = unpack_fields(e.values, incoming, width_for<M>(e.values));
                if (e.type == change_type::update && std::find(mask.begin(), mask.end(), true) == mask.end() &&
                    !sets_carried<M>(e.values)) {
                    invalid_change("an update of model '" + std::string(traits::name) + "' sets no field");
                }
                if (owner_of(incoming)) {
                    invalid_change("a shared change of model '" + std::string(traits::name) +
                            "' sets an owner; owned records travel as owner state");
                }
            }
            s_.merge_remote_hlc(e.stamp);  // refuses a timestamp beyond the allowed drift
            // An entry seen before needs no lookup in the log: every field it set carries
            // its HLC or a later one, and a remove left its tombstone, so it changes nothing.
            auto existing = s_.template store<M>().find(e.record);
            if (existing && owner_of(existing->value)) {
                invalid_change(std::string(traits::name) + " " + e.record.to_string() +
                        " is device-owned; a shared change cannot touch it");
            }
            // An entry that changes something is kept in the log, so that this device can
            // serve it to others. One that changes nothing (every field it sets has a later
            // write, or the record is deleted) is not: what dominates it is served instead,
            // and logging it would make pruned history circulate again.
            if (e.type == change_type::remove) {
                const bool moved = s_.put_tombstone(traits::name, e.record, e.stamp, std::nullopt);
                if (!moved && !existing) return false;
                log_applied(e, moved ? s_.seq : s_.next_seq());
                if (!existing) return true;
                s_.template erase_record<M>(e.record);
                s_.announce(change_type::remove, change_origin::remote, e.record, existing->value, e.stamp);
                return true;
            }
            // Deletes are final. A stored row has no tombstone (a delete erases it in the
            // same transaction), so only an unknown record needs the lookup.
            if (!existing && s_.tables->tombs.find(traits::name, e.record)) return false;

            stored_row<M> row;
            if (existing) {
                s_.keep_superseded(*existing);
                row = std::move(*existing);
            } else {
                get_field<traits::id_index>(row.value).value = e.record;
            }
            bool won = false;
            for_each_clocked<M>([&](std::size_t k, auto index) {
                constexpr std::size_t i = decltype(index)::value;
                if (mask[k] && (!row.clocks[k] || *row.clocks[k] < e.stamp)) {
                    get_field<i>(row.value) = std::move(get_field<i>(incoming));
                    row.clocks[k] = e.stamp;
                    won = true;
                }
            });
            // Every field already has a later write; an insert of fields this device
            // lacks (or of none) still creates the record.
            const bool kept = keep_carried<M>(e.record, e.values, [&](std::size_t) { return e.stamp; });
            if (!won && (existing || e.type != change_type::insert)) {
                if (!kept) return false;
                // Only fields carried for peers changed: the row is not, but its seq moves so
                // that peers paging snapshots see it again, and the log keeps the change.
                const std::uint64_t seq = s_.next_seq();
                if (existing) {
                    row.seq = seq;
                    s_.template store<M>().write(row);
                }
                log_applied(e, seq);
                return true;
            }
            row.seq = s_.next_seq();
            s_.template store<M>().write(row);
            log_applied(e, row.seq);
            s_.announce(existing ? change_type::update : change_type::insert, change_origin::remote, e.record, row.value, e.stamp);
            return true;
        }
    }

    // The log entry of a change that changed something. Its HLC is in the log already
    // when the change was applied before and:
    // - its row was since deleted or rewritten by raw SQL (hsync itself never lowers a
    //   clock): the change restored it, and the log keeps its entry;
    // - it came then through a device on an older version of the models, which left out
    //   fields it did not know: the fuller copy replaces the entry and moves it to the end
    //   of the log, so that peers served the partial one are served it again.
    // Another change under the same HLC means the peer lies (a clock names one change of
    // one device): refused, and the transaction writes nothing.
    void log_applied(const shared_entry& e, std::uint64_t seq) {
        if (s_.tables->log.append(e, seq)) return;
        const auto held = s_.tables->log.find(e.stamp);
        if (held && held->model == e.model && held->record == e.record && held->type == e.type) {
            if (held->values == e.values || extends(held->values, e.values)) return;
            if (extends(e.values, held->values)) return s_.tables->log.move(e, seq);
        }
        invalid_change("two different changes of " + printable(e.model) + " " + e.record.to_string() +
                       " carry the same HLC " + e.stamp.to_string());
    }

    // The layout width to check a change against: M's own fields, and the fields it carries
    // only when the change sets some (the common case needs no lookup).
    template <class M>
    std::size_t width_for(const field_values& values) const {
        return sets_carried<M>(values) ? s_.template layout_width<M>() : model_traits<M>::synced_count - 1;
    }

    // Stores the values of the fields M carries for peers (beyond its own) that `values`
    // sets, each with clock_of(position among the values), where it is the latest write.
    // Whether any was stored.
    template <class M, class ClockOf>
    bool keep_carried(const uuid& record, const field_values& values, ClockOf clock_of) {
        constexpr std::size_t own = model_traits<M>::synced_count - 1;
        if (!sets_carried<M>(values)) return false;
        const auto& carried = s_.carried.find(model_traits<M>::name)->second;
        mp_reader r(values.packed);
        bool stored = false;
        std::size_t position = 0;
        for (std::uint64_t rest = values.fields; rest != 0; rest &= rest - 1, ++position) {
            const auto k = static_cast<std::size_t>(std::countr_zero(rest));
            std::string_view item;
            if (!r.read_raw(item)) invalid_change("a change names more fields than it holds values");
            if (k < own) continue;
            stored = s_.tables->carried.put(model_traits<M>::name, record, carried[k - own].name, item, clock_of(position)) || stored;
        }
        return stored;
    }

    template <class M>
    bool apply_state_to(const state_record& r) {
        using traits = model_traits<M>;
        if constexpr (traits::strategy == strategy::shared) {
            invalid_change("model '" + std::string(traits::name) + "' is shared; its changes travel as log entries, not as owner state");
        } else {
            if (r.record.is_nil() || r.owner.is_nil()) invalid_change("a state of model '" + std::string(traits::name) + "' has a nil record or owner id");
            if (r.version.device != r.owner) {
                invalid_change("a state of " + std::string(traits::name) + " " + r.record.to_string() +
                        " carries a version stamped by another device than its owner");
            }
            M incoming{};
            field_mask<M> mask{};
            if (!r.removed) {
                mask = unpack_fields(r.values, incoming, width_for<M>(r.values));
                get_field<traits::id_index>(incoming).value = r.record;
                if (owner_of(incoming) != std::optional<uuid>(r.owner)) {
                    invalid_change("a state of " + std::string(traits::name) + " " + r.record.to_string() +
                            " has an owner field that is not its owner");
                }
            } else if (!r.values.empty() || !r.values.packed.empty()) {
                invalid_change("a removed state of model '" + std::string(traits::name) + "' carries values");
            }
            s_.merge_remote_hlc(r.version);  // refuses a timestamp beyond the allowed drift

            auto existing = s_.template store<M>().find(r.record);
            if (existing) {
                const auto stored_owner = owner_of(existing->value);
                if (stored_owner != std::optional<uuid>(r.owner)) {
                    refuse<M>(errc::not_owner, r.record,
                              "a state from device " + r.owner.to_string() + " for a record owned by " +
                                  owner_text(stored_owner) + " is refused");
                }
                if (existing->version && r.version < *existing->version) return false;  // stale
            }
            // The same version again changes nothing, unless the copy held here came through
            // a device on an older version of the models and lacks fields this one has or
            // carries (see fill_partial).
            const bool repeated = existing && existing->version && *existing->version == r.version;
            if (repeated && r.removed) return false;
            if (r.removed) {
                const bool moved = s_.put_tombstone(traits::name, r.record, r.version, r.owner);
                if (!existing) return moved;
                s_.template erase_record<M>(r.record);
                s_.announce(change_type::remove, change_origin::remote, r.record, existing->value, r.version);
                return true;
            }
            // Deletes are final; a stored row has no tombstone (see apply_shared_to).
            if (!existing && s_.tables->tombs.find(traits::name, r.record)) return false;

            if (existing) {
                // local<> fields keep this device's values, and so do fields the owner's
                // state lacks (its models are older): an older owner never clears them.
                for_each_field_index<M>([&](auto index) {
                    constexpr std::size_t i = decltype(index)::value;
                    if constexpr (is_local_v<field_type_t<M, i>>) {
                        get_field<i>(incoming) = get_field<i>(existing->value);
                    }
                });
                for_each_clocked<M>([&](std::size_t k, auto index) {
                    if (!mask[k]) get_field<decltype(index)::value>(incoming) = get_field<decltype(index)::value>(existing->value);
                });
            }
            // The values of fields this device carries for peers belong to the state's
            // version: a newer one replaces them all.
            if (!repeated) s_.template forget_carried<M>(r.record);
            const bool kept = keep_carried<M>(r.record, r.values, [&](std::size_t) { return r.version; });
            field_layout partial = missing_fields<M>(mask);
            if (repeated && !fill_partial(*existing, incoming, mask, partial) && !kept) return false;
            if (existing) s_.keep_superseded(*existing);
            stored_row<M> row{std::move(incoming), s_.next_seq(), r.version, layout_text(partial), {}};
            s_.template store<M>().write(row);
            s_.announce(existing ? change_type::update : change_type::insert, change_origin::remote, r.record, row.value, r.version);
            return true;
        }
    }

    // The clocked fields a state did not carry.
    template <class M>
    static field_layout missing_fields(const field_mask<M>& mask) {
        field_layout out;
        for_each_clocked<M>([&](std::size_t k, auto index) {
            if (!mask[k]) out.emplace_back(model_traits<M>::field_names[decltype(index)::value]);
        });
        return out;
    }

    // Two copies of one state version differ only where one of them came through a device
    // that did not know a field. The stored copy's missing fields (`stored.partial`) take
    // the values this copy carries, and so does a field stored at its default (a row from
    // before this device knew the field): a relay never invents a value, so copies of one
    // version converge. Leaves in `incoming` the stored record so filled and in `partial`
    // what is still missing; false when nothing was filled.
    template <class M>
    static bool fill_partial(const stored_row<M>& stored, M& incoming, const field_mask<M>& carried, field_layout& partial) {
        const M defaults{};
        const field_layout was_missing = layout_from_text(stored.partial);
        M merged = stored.value;
        partial.clear();
        bool filled = false;
        for_each_clocked<M>([&](std::size_t k, auto index) {
            constexpr std::size_t i = decltype(index)::value;
            const std::string_view name = model_traits<M>::field_names[i];
            const bool missing = std::find(was_missing.begin(), was_missing.end(), name) != was_missing.end();
            auto& held = get_field<i>(merged);
            if (carried[k] && !(get_field<i>(incoming) == held) && (missing || held == get_field<i>(defaults))) {
                held = get_field<i>(incoming);
                filled = true;
            }
            if (missing && !carried[k]) partial.emplace_back(name);
        });
        filled = filled || partial != was_missing;
        incoming = std::move(merged);
        return filled;
    }

    template <class M>
    bool apply_snapshot_to(const shared_snapshot& snap) {
        using traits = model_traits<M>;
        if constexpr (traits::strategy == strategy::device_owned) {
            invalid_change("model '" + std::string(traits::name) + "' is device-owned; it has no shared snapshots");
        } else {
            if (snap.record.is_nil()) invalid_change("a snapshot of model '" + std::string(traits::name) + "' has a nil record id");
            auto existing = s_.template store<M>().find(snap.record);
            if (existing && owner_of(existing->value)) {
                invalid_change(std::string(traits::name) + " " + snap.record.to_string() + " is device-owned; a snapshot cannot touch it");
            }
            if (snap.removed) {
                if (!snap.values.empty() || !snap.values.packed.empty() || !snap.clocks.empty()) {
                    invalid_change("a removed snapshot of model '" + std::string(traits::name) + "' carries fields");
                }
                s_.merge_remote_hlc(snap.removed_at);
                const bool moved = s_.put_tombstone(traits::name, snap.record, snap.removed_at, std::nullopt);
                if (existing) {
                    s_.template erase_record<M>(snap.record);
                    s_.announce(change_type::remove, change_origin::remote, snap.record, existing->value, snap.removed_at);
                    return true;
                }
                return moved;
            }
            M incoming{};
            const field_mask<M> mask = unpack_fields(snap.values, incoming, width_for<M>(snap.values));
            if (snap.clocks.size() != static_cast<std::size_t>(snap.values.count())) {
                invalid_change("a snapshot of model '" + std::string(traits::name) + "' has " +
                               std::to_string(snap.clocks.size()) + " clocks for " + std::to_string(snap.values.count()) +
                               " fields; it needs one per field");
            }
            std::array<std::optional<hlc>, stored_row<M>::clock_count> clocks{};
            for (std::size_t k = 0, next = 0; k < mask.size(); ++k) {
                if (mask[k]) clocks[k] = snap.clocks[next++];
            }
            if (owner_of(incoming)) invalid_change("a snapshot of model '" + std::string(traits::name) + "' sets an owner");
            for (const auto& c : snap.clocks) s_.merge_remote_hlc(c);
            if (s_.tables->tombs.find(traits::name, snap.record)) return false;  // deletes are final
            stored_row<M> row;
            if (existing) {
                s_.keep_superseded(*existing);
                row = std::move(*existing);
            } else {
                get_field<traits::id_index>(row.value).value = snap.record;
            }
            bool won = false;
            hlc newest{};
            for_each_clocked<M>([&](std::size_t k, auto index) {
                constexpr std::size_t i = decltype(index)::value;
                if (clocks[k] && (!row.clocks[k] || *row.clocks[k] < *clocks[k])) {
                    get_field<i>(row.value) = std::move(get_field<i>(incoming));
                    row.clocks[k] = clocks[k];
                    newest = std::max(newest, *clocks[k]);
                    won = true;
                }
            });
            const bool kept = keep_carried<M>(snap.record, snap.values, [&](std::size_t position) { return snap.clocks[position]; });
            if (!won && !kept) return false;
            row.seq = s_.next_seq();
            if (won || existing) s_.template store<M>().write(row);
            if (won) s_.announce(existing ? change_type::update : change_type::insert, change_origin::remote, snap.record, row.value, newest);
            return true;
        }
    }

    library_state<Ms...>& s_;
};

}  // namespace hsync::detail
