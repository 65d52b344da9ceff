#pragma once
// The sync engine's catch-up: asking a peer for its history in pages, phase by phase,
// applying each page with its checkpoint, and serving this device's history to a peer
// that asks. Member definitions of sync::engine (declared in sync/engine.hpp).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <hsync/sync/engine.hpp>

namespace hsync::sync {

template <class Library>
auto engine<Library>::start_round(const uuid& peer, peer_runtime& p, millis now) -> void {
    // A round started from ready (a gap in the pushes, news in a heartbeat) is a
    // catch-up: pushes wait in the buffer until it ends, and the status says so.
    if (p.state == peer_state::ready) p.state = peer_state::catching_up;
    p.round_active = true;
    p.need_round = false;
    p.phase = 0;
    p.round_start = p.received_through;
    p.round_target = std::max(p.peer_seq, p.received_through);
    p.round_floor = std::numeric_limits<std::uint64_t>::max();
    skip_absent_phases(p);
    if (p.phase == phases_.size()) {  // no model the peer has too: nothing to fetch
        p.round_floor = p.round_target;
        return finish_round(peer, p, now);
    }
    begin_phase(peer, p);
    request_next(peer, p, now);
}

// A model the peer does not have (it runs another version of the application) has
// nothing to fetch.
template <class Library>
auto engine<Library>::skip_absent_phases(peer_runtime& p) const -> void {
    while (p.phase < phases_.size() && !p.schema.has(phases_[p.phase].model)) ++p.phase;
}

template <class Library>
auto engine<Library>::begin_phase(const uuid& peer, peer_runtime& p) -> void {
    p.phase_since = replica_.checkpoint(peer, phases_[p.phase].key).value_or(p.received_through);
    p.snapshot = false;
}

template <class Library>
auto engine<Library>::request_next(const uuid& peer, peer_runtime& p, millis now) -> void {
    if (!p.round_active || p.state == peer_state::disconnected) return;
    const catch_up_phase& phase = phases_[p.phase];
    // A window of pages in flight: the peer reads and sends the next pages while this
    // device applies one; MorePages makes room as they are applied (page_done).
    if (phase.shared) {
        send(peer, shared_change_request{p.phase_since, options_.page_size, p.snapshot, phase.model, window()});
    } else {
        send(peer, state_request{{phase.model}, std::nullopt, p.phase_since, options_.page_size, window()});
    }
    p.in_flight = window();
    p.awaiting = true;
    p.request_sent = now;
}

template <class Library>
auto engine<Library>::schedule_retry(peer_runtime& p, millis now) -> void {
    ++p.failures;
    auto delay = options_.retry_base * (1 << std::min(p.failures, 16));
    if (delay > options_.retry_max) delay = options_.retry_max;
    p.retry_at = now + delay;
}

template <class Library>
template <class Apply>
auto engine<Library>::apply_page(const uuid& peer, peer_runtime& p, std::uint64_t checkpoint, Apply&& apply) -> bool {
    try {
        replica_.with_refetchable_tx([&] {
            const apply_result r = apply();
            p.counters.applied += r.applied;
            p.counters.ignored += r.ignored;
            replica_.set_checkpoint(peer, phases_[p.phase].key, checkpoint);
        });
        return true;
    } catch (const error& e) {
        p.awaiting = false;
        refuse(peer, p, error_code::invalid_change, e.what());
        return false;
    }
}

template <class Library>
auto engine<Library>::page_done(const uuid& peer, peer_runtime& p, std::uint64_t checkpoint, bool has_more, bool snapshot, millis now) -> void {
    ++p.counters.pages_received;
    p.failures = 0;
    p.phase_since = checkpoint;
    p.snapshot = snapshot;
    if (has_more) {
        // The next pages are on their way; once half the window is applied, make room
        // for as many again (one message per half window, not per page).
        p.request_sent = now;
        if (p.in_flight > 0) --p.in_flight;
        if (p.in_flight <= window() / 2) {
            send(peer, more_pages{window() - p.in_flight});
            p.in_flight = window();
        }
        return;
    }
    p.awaiting = false;
    p.in_flight = 0;
    p.round_floor = std::min(p.round_floor, checkpoint);
    ++p.phase;
    skip_absent_phases(p);
    if (p.phase < phases_.size()) {
        begin_phase(peer, p);
        request_next(peer, p, now);
        return;
    }
    finish_round(peer, p, now);
}

template <class Library>
auto engine<Library>::finish_round(const uuid& peer, peer_runtime& p, millis now) -> void {
    p.round_active = false;
    const std::uint64_t through = p.round_floor;
    replica_.with_tx([&] {
        replica_.set_received_through(peer, through);
        replica_.clear_checkpoints(peer);
    });
    p.received_through = std::max(p.received_through, through);
    p.state = peer_state::ready;
    send(peer, ack_shared_changes{replica_.device_id(), p.received_through});
    p.acked_sent = p.received_through;
    // What arrived live meanwhile, in order; a gap or an overflow means another round.
    std::vector<message> buffered = std::exchange(p.buffered, {});
    p.buffered_changes = 0;
    for (auto& m : buffered) {
        std::visit([&](auto& msg) { handle(peer, p, msg, now); }, m);
    }
    if (p.need_round || p.peer_seq > p.received_through) start_round(peer, p, now);
}

// Whether a page is the one awaited: of the current phase's model and kind, continuing
// from where this device is; such a page is the next one whichever request it answers.
// Others are pages that were in flight when this device asked again (after a timeout, a
// refused page, or a request the network delivered twice), or pages nobody asked for:
// they are dropped unread.
template <class Library>
auto engine<Library>::expecting(peer_runtime& p, bool shared_phase, std::string_view model, std::uint64_t since) const
    -> bool {
    return p.round_active && p.awaiting && phases_[p.phase].shared == shared_phase && phases_[p.phase].model == model &&
           since == p.phase_since;
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, shared_change_response& r, millis now) -> void {
    // Once on snapshots, a phase continues on snapshots (the log no longer holds the inserts
    // behind later updates): a page from the log, answering an older request, is dropped.
    if (!expecting(p, true, r.model, r.since) || (p.snapshot && !r.snapshot_mode)) return;
    const std::string& model = phases_[p.phase].model;
    const bool of_model = std::all_of(r.entries.begin(), r.entries.end(), [&](const auto& e) { return e.model == model; }) &&
                          std::all_of(r.snapshot.begin(), r.snapshot.end(), [&](const auto& e) { return e.model == model; });
    if (!of_model) {
        return refuse(peer, p, error_code::bad_message, "a SharedChangeResponse holds another model than '" + model + "'");
    }
    if (r.checkpoint < p.phase_since || (r.has_more && r.checkpoint == p.phase_since)) {
        return refuse(peer, p, error_code::bad_message, "a SharedChangeResponse that does not advance");
    }
    const bool ok = apply_page(peer, p, r.checkpoint, [&] {
        apply_result total;
        p.schema.translate(r.entries);
        p.schema.translate(r.snapshot);
        if (!r.entries.empty()) add(total, replica_.apply_shared_changes(r.entries));
        if (!r.snapshot.empty()) add(total, replica_.apply_snapshots(r.snapshot));
        return total;
    });
    if (ok) page_done(peer, p, r.checkpoint, r.has_more, r.snapshot_mode, now);
    else schedule_retry(p, now);
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, state_response& r, millis now) -> void {
    if (!expecting(p, false, r.model, r.since)) return;
    if (r.checkpoint < p.phase_since || (r.has_more && r.checkpoint == p.phase_since)) {
        return refuse(peer, p, error_code::bad_message, "a StateResponse that does not advance");
    }
    std::vector<state_record> records = std::move(r.records);
    for (const auto& d : r.deleted) {
        records.push_back(state_record{d.model, d.record, d.owner, d.version, true, {}});
    }
    for (const auto& rec : records) {
        if (rec.model != r.model) return refuse(peer, p, error_code::bad_message, "a StateResponse mixes models");
    }
    // Relayed state is accepted from any paired peer: the library still checks that
    // each version was stamped by the record's owner and never reverts newer state.
    const bool ok = apply_page(peer, p, r.checkpoint, [&] { return apply_states(p, std::move(records)); });
    if (ok) page_done(peer, p, r.checkpoint, r.has_more, false, now);
    else schedule_retry(p, now);
}

template <class Library>
auto engine<Library>::add(apply_result& total, const apply_result& r) -> void {
    total.applied += r.applied;
    total.ignored += r.ignored;
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, shared_change_request& q, millis) -> void {
    if (!q.model.empty() && !replica_type::is_shared_model(q.model)) {
        return refuse(peer, p, error_code::bad_message, "model '" + q.model + "' has no shared records");
    }
    // A new request replaces the one being served.
    p.serving = {true, true, q.model, std::nullopt, q.since, q.limit, q.snapshot, q.pages};
    serve(peer, p);
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, more_pages& m, millis) -> void {
    if (!p.serving.active) return;  // the request was served to its end (or replaced)
    p.serving.credit = std::min(p.serving.credit + m.pages, options_.limits.max_pages);
    serve(peer, p);
}

template <class Library>
auto engine<Library>::serve(const uuid& peer, peer_runtime& p) -> void {
    auto& s = p.serving;
    while (s.active && s.credit > 0) {
        --s.credit;
        ++p.counters.pages_served;
        if (options_.record_served_pages) served_.emplace_back(peer, s.shared ? "shared " + s.model : s.model, s.since);
        std::uint64_t checkpoint = s.since;
        bool has_more = false;
        bool snapshot_mode = false;
        if (s.shared) {
            send_page(peer, s.limit, [&](std::uint32_t limit) {
                shared_page page = replica_.shared_changes(s.since, limit, s.snapshot, s.model);
                // The peer's own changes, which it relayed here or this device applied, go
                // no further: it has them (a device id lives and dies with its file).
                std::erase_if(page.entries, [&](const shared_entry& e) { return e.stamp.device == peer; });
                checkpoint = page.checkpoint;
                has_more = page.has_more;
                snapshot_mode = page.snapshot_mode;
                return shared_change_response{std::move(page.entries), std::move(page.snapshot), page.snapshot_mode,
                                              page.has_more, page.checkpoint, s.since, s.model};
            });
        } else {
            send_page(peer, s.limit, [&](std::uint32_t limit) {
                state_page page = replica_.state_changes(s.model, s.since, limit);
                // Nor its own records: only it writes them.
                std::erase_if(page.records, [&](const state_record& r) { return r.owner == peer; });
                std::erase_if(page.deleted, [&](const deleted_state& d) { return d.owner == peer; });
                if (s.owner) {
                    std::erase_if(page.records, [&](const state_record& r) { return r.owner != *s.owner; });
                    std::erase_if(page.deleted, [&](const deleted_state& d) { return d.owner != *s.owner; });
                }
                checkpoint = page.checkpoint;
                has_more = page.has_more;
                return state_response{s.model, std::move(page.records), std::move(page.deleted), page.has_more,
                                      page.checkpoint, s.since};
            });
        }
        s.since = checkpoint;
        s.snapshot = snapshot_mode;
        if (!has_more) s.active = false;
    }
}

template <class Library>
template <class Make>
auto engine<Library>::send_page(const uuid& peer, std::uint32_t asked, Make&& make) -> void {
    std::uint32_t limit = std::max<std::uint32_t>(std::min(asked, options_.page_size), 1);
    for (;;) {
        auto body = encode(message{make(limit)}, options_.wire);
        if (fits(body) || limit == 1) return send_body(peer, std::move(body));
        // Shrink in proportion to the excess, at least by half.
        const double share = double(options_.limits.max_frame) / double(body.size());
        limit = std::max<std::uint32_t>(1, std::min<std::uint32_t>(limit / 2, static_cast<std::uint32_t>(limit * share)));
    }
}

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, state_request& q, millis) -> void {
    if (q.models.size() != 1) {
        return refuse(peer, p, error_code::limit_exceeded, "a StateRequest names exactly one model");
    }
    const std::string& model = q.models.front();
    if (!replica_type::is_owned_model(model)) {
        return refuse(peer, p, error_code::bad_message, "model '" + model + "' has no device-owned state");
    }
    p.serving = {true, false, model, q.owner, q.since, q.limit, false, q.pages};
    serve(peer, p);
}

}  // namespace hsync::sync
