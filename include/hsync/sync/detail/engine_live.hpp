#pragma once
// The sync engine's live traffic: changes pushed as they are committed (batched per
// flush, sent to every peer past the handshake), pushes received in order or buffered around a gap,
// acknowledgements and the log pruning they allow, heartbeats and errors. Member
// definitions of sync::engine (declared in sync/engine.hpp).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <hsync/sync/engine.hpp>

namespace hsync::sync {

template <class Library>
template <class Push>
auto engine<Library>::live(const uuid& peer, peer_runtime& p, Push& push, const push_position& pos, millis now) -> void {
    if (p.state != peer_state::ready) {
        // Held until the round ends; past the bound the buffer is dropped and another
        // round fetches the same changes, so nothing is lost.
        if (p.buffered_changes + changes_in(push) > options_.live_buffer_limit) {
            p.buffered.clear();
            p.buffered_changes = 0;
            p.need_round = true;
            ++p.counters.buffer_overflows;
        } else {
            p.buffered_changes += changes_in(push);
            p.buffered.emplace_back(std::move(push));
        }
        return;
    }
    apply_result r;
    try {
        r = apply_live(p, push);
    } catch (const error& e) {
        return refuse(peer, p, error_code::invalid_change, e.what());
    }
    p.counters.applied += r.applied;
    p.counters.ignored += r.ignored;
    track_push(peer, p, pos, now);
}

template <class Library>
auto engine<Library>::track_push(const uuid& peer, peer_runtime& p, const push_position& pos, millis now) -> void {
    p.peer_seq = std::max(p.peer_seq, pos.seq);
    if (pos.prev_seq != p.received_through) {
        if (pos.seq > p.received_through && !p.round_active) start_round(peer, p, now);
        return;
    }
    if (p.push_open.prev_seq != pos.prev_seq || p.push_open.seq != pos.seq || p.push_open.parts != pos.parts ||
        p.push_seen.size() != pos.parts) {
        p.push_open = pos;
        p.push_seen.assign(pos.parts, false);
    }
    p.push_seen[pos.part] = true;
    if (std::all_of(p.push_seen.begin(), p.push_seen.end(), [](bool b) { return b; })) {
        replica_.set_received_through(peer, pos.seq);
        p.received_through = pos.seq;
        p.push_seen.clear();
        p.push_open = {};
    }
}

template <class Library>
auto engine<Library>::from_owner(const uuid& peer, peer_runtime& p, const std::vector<const state_record*>& records) -> bool {
    for (const auto* r : records) {
        if (r->owner != peer) {
            refuse(peer, p, error_code::refused,
                   "a live state of " + r->model + " " + r->record.to_string() + " must come from its owner " +
                       r->owner.to_string());
            return false;
        }
    }
    return true;
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, state_change& c, millis now) -> void {
    if (from_owner(peer, p, {&c.record})) live(peer, p, c, c.push, now);
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, state_batch& b, millis now) -> void {
    std::vector<const state_record*> records;
    for (const auto& r : b.records) records.push_back(&r);
    if (b.owner != peer) return refuse(peer, p, error_code::refused, "a live StateBatch must come from its owner");
    if (from_owner(peer, p, records)) live(peer, p, b, b.push, now);
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, ack_shared_changes& a, millis) -> void {
    if (a.from_device != peer) return refuse(peer, p, error_code::refused, "an acknowledgement for another device");
    if (a.up_to > replica_.current_seq()) return refuse(peer, p, error_code::bad_message, "an acknowledgement of the future");
    acknowledge(peer, p, a.up_to);
}

template <class Library>
auto engine<Library>::acknowledge(const uuid& peer, peer_runtime& p, std::uint64_t up_to) -> void {
    replica_.set_acked_by_peer(peer, up_to);
    p.acked_through = std::max(p.acked_through, up_to);
    std::size_t pruned = 0;
    // Whatever the log still holds at or below the floor goes — compared with the
    // oldest entry, not with log_floor(): applying snapshots raises that floor
    // without removing the entries below it.
    if (auto floor = replica_.min_acked_by_paired()) {
        if (auto oldest = replica_.nth_oldest_log_seq(0); oldest && *oldest <= *floor) pruned += replica_.prune_log_through(*floor);
    }
    const std::size_t size = replica_.log_size();
    if (size > options_.log_retention) {
        if (auto cut = replica_.nth_oldest_log_seq(size - options_.log_retention - 1)) pruned += replica_.prune_log_through(*cut);
    }
    p.counters.pruned += pruned;
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, heartbeat& h, millis now) -> void {
    p.peer_seq = std::max(p.peer_seq, h.seq);
    if (p.state == peer_state::ready && !p.round_active && p.peer_seq > p.received_through) {
        p.state = peer_state::catching_up;
        start_round(peer, p, now);
    }
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, error_message& e, millis now) -> void {
    ++p.counters.errors_received;
    if (p.state == peer_state::handshaking) {  // the peer refused this device; it closes next
        p.refused_because = "the peer refused: " + hsync::detail::printable(e.message, 512);
        keep_refusal(peer, p.refused_because);
    }
    if (p.awaiting) {  // the request failed: try again later
        p.awaiting = false;
        schedule_retry(p, now);
    }
}

template <class Library>
auto engine<Library>::flush_local(millis now, bool force) -> void {
    std::vector<outgoing_changes> pending;
    {
        std::lock_guard lock(local_mutex_);
        if (local_.empty()) return;
        std::size_t count = 0;
        for (const auto& o : local_) {
            for (const auto& b : o.states) count += b.records.size();
            for (const auto& b : o.shared) count += b.entries.size();
        }
        // The first change after a quiet spell leaves at once; the ones that follow
        // within flush_interval wait and leave together.
        if (!force && !quiet_since_flush(now) && count < options_.batch_max) return;
        pending = std::exchange(local_, {});
        last_flush_ = now;
    }
    const bool anyone = std::any_of(peers_.begin(), peers_.end(), [](const auto& p) { return takes_pushes(p.second); });
    if (!anyone) return;  // peers that connect later catch up from the database
    // Runs of consecutive transactions go as one push each. A transaction with too many
    // changes to hold (outgoing_changes::too_many) is not pushed: it ends a run, and
    // peers fetch it in pages after the next announcement.
    std::size_t start = 0;
    while (start < pending.size()) {
        if (pending[start].too_many) {
            ++start;
            continue;
        }
        std::size_t end = start + 1;
        while (end < pending.size() && !pending[end].too_many && pending[end].prev_seq == pending[end - 1].seq) ++end;
        send_push(std::span<const outgoing_changes>(pending.data() + start, end - start));
        start = end;
    }
}

template <class Library>
auto engine<Library>::send_push(std::span<const outgoing_changes> run) -> void {
    // One batch (or several, of batch_max) per model, in the library's apply order:
    // required references first, so that the peer never applies a record before the one
    // it refers to, and its event handlers never see a dangling reference.
    std::map<std::string, std::vector<state_record>, std::less<>> states;
    std::map<std::string, std::vector<shared_entry>, std::less<>> shared;
    for (const auto& o : run) {
        for (const auto& b : o.states) {
            auto& list = states[b.model];
            list.insert(list.end(), b.records.begin(), b.records.end());
        }
        for (const auto& b : o.shared) {
            for (const auto& e : b.entries) shared[e.model].push_back(e);
        }
    }
    std::vector<message> messages;
    const auto in_batches = [&](const auto& items, auto make) {
        for (std::size_t i = 0; i < items.size(); i += options_.batch_max) {
            const std::size_t n = std::min(options_.batch_max, items.size() - i);
            using item = typename std::decay_t<decltype(items)>::value_type;
            messages.push_back(make(std::vector<item>(items.begin() + static_cast<std::ptrdiff_t>(i),
                                                      items.begin() + static_cast<std::ptrdiff_t>(i + n))));
        }
    };
    for (std::string_view model : replica_type::apply_order_names()) {
        if (const auto it = states.find(model); it != states.end()) {
            in_batches(it->second, [&](std::vector<state_record> records) -> message {
                return state_batch{std::string(model), replica_.device_id(), std::move(records), {}};
            });
        }
        if (const auto it = shared.find(model); it != shared.end()) {
            in_batches(it->second, [&](std::vector<shared_entry> entries) -> message {
                return shared_change_batch{std::move(entries), {}};
            });
        }
    }
    const auto parts = static_cast<std::uint32_t>(messages.size());
    for (std::uint32_t k = 0; k < parts; ++k) {
        const push_position pos{run.front().prev_seq, run.back().seq, k, parts};
        std::visit(
            [&](auto& msg) {
                if constexpr (requires { msg.push; }) msg.push = pos;
            },
            messages[k]);
    }
    // A push with a frame over the limit is not sent at all: the peers see the new
    // sequence number (announced at the next tick) and fetch the changes in pages,
    // which send_page() keeps within the limit.
    std::vector<std::vector<std::uint8_t>> bodies;
    for (const auto& m : messages) {
        bodies.push_back(encode(m, options_.wire));
        if (!fits(bodies.back())) return;
    }
    // Compressed once for every peer that takes it.
    std::vector<std::vector<std::uint8_t>> packed;
    for (auto& [id, p] : peers_) {
        if (!takes_pushes(p)) continue;
        if (compresses_for(p) && packed.empty()) {
            for (const auto& b : bodies) packed.push_back(compress(b, options_.compression_level));
        }
        for (std::size_t k = 0; k < bodies.size(); ++k) send_body(id, bodies[k], packed.empty() ? nullptr : &packed[k]);
    }
}

}  // namespace hsync::sync
