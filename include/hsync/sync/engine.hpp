#pragma once
// The sync engine: the protocol's logic as a deterministic core with no I/O. It takes
// inputs — a connection up or down, a received message body, the current time — and
// produces outputs — message bodies to send (the transport frames them), connections to
// close — and timer deadlines. The
// network transport and the simulator both drive it. See docs/protocol.md.
//
// Not synchronized: one driver thread calls it. Local commits reach it through the
// library's replica (attach) from any thread; those are queued under their own lock and
// sent at the next tick.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/hana/for_each.hpp>

#include <hsync/core/error.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/replica.hpp>
#include <hsync/sync/codec.hpp>
#include <hsync/sync/messages.hpp>

namespace hsync::sync {

using millis = std::chrono::milliseconds;

enum class peer_state { disconnected, handshaking, backfilling, catching_up, ready };

constexpr std::string_view to_string(peer_state s) noexcept {
    switch (s) {
        case peer_state::disconnected: return "disconnected";
        case peer_state::handshaking: return "handshaking";
        case peer_state::backfilling: return "backfilling";
        case peer_state::catching_up: return "catching_up";
        case peer_state::ready: return "ready";
    }
    return "unknown";
}

struct engine_options {
    encoding wire = encoding::msgpack;
    sync::limits limits{};
    std::uint32_t page_size = 1000;              // records per catch-up page, asked and served
    std::size_t batch_max = 1000;                // changes per live message
    millis flush_interval{5};                    // local changes pushed at most once per interval: the
                                                 // first after a quiet spell at once, the rest coalesced
    millis heartbeat_interval{1000};
    millis response_timeout{30000};
    millis retry_base{250};
    millis retry_max{30000};
    std::size_t live_buffer_limit = 10'000;      // pushed changes held while catching up
    std::size_t log_retention = 1'000'000;       // log entries kept for a peer that never acknowledges
    bool record_served_pages = false;            // keep served_pages() (tests: each page served at most once)
};

struct peer_counters {
    std::uint64_t frames_sent = 0;
    std::uint64_t frames_received = 0;
    std::uint64_t applied = 0;
    std::uint64_t ignored = 0;
    std::uint64_t refused = 0;       // changes or messages refused (authorization, malformed)
    std::uint64_t pages_received = 0;
    std::uint64_t pages_served = 0;
    std::uint64_t pruned = 0;        // log entries pruned after this peer's acknowledgements
    std::uint64_t errors_received = 0;
};

struct peer_status {
    uuid peer;
    peer_state state = peer_state::disconnected;
    std::uint64_t received_through = 0;  // the peer's history held here (the peer's seq)
    std::uint64_t peer_seq = 0;          // the newest seq the peer announced
    std::uint64_t acked_through = 0;     // this device's history the peer holds (this device's seq)
    std::uint64_t local_seq = 0;         // this device's newest seq, when the status was taken
    std::string phase;                   // the catch-up phase: "shared" or a model name
    double progress = 1.0;               // of the current catch-up round, 0 to 1
    peer_counters counters;

    // The peer has acknowledged everything this device had when the status was taken:
    // each change made here (and each one received here) is stored on the peer.
    bool peer_has_all() const noexcept { return acked_through >= local_seq; }
};

// A message body to send to a peer; the transport frames it.
struct outgoing_message {
    uuid peer;
    std::vector<std::uint8_t> body;
};

struct close_request {
    uuid peer;
    std::string reason;
};

template <class Library>
class engine {
public:
    explicit engine(Library& lib, engine_options options = {}) : replica_(lib), options_(std::move(options)) {
        if (replica_.read_only()) {
            throw error(errc::read_only, "hsync: " + replica_.path().string() +
                                             " is open read-only; a library that syncs is opened to write");
        }
        boost::hana::for_each(replica_type::model_types(), [&](auto t) {
            using M = typename decltype(t)::type;
            model_names_.push_back(model_traits<M>::name);
        });
        phases_.push_back("shared");
        for (std::string_view name : replica_type::apply_order_names()) {
            if (replica_type::is_owned_model(name)) phases_.push_back(std::string(name));
        }
        replica_.attach([this](const outgoing_changes& changes) {
            std::function<void()> wake;
            {
                std::lock_guard lock(local_mutex_);
                local_.push_back(changes);
                wake = wake_;
            }
            if (wake) wake();
        });
    }

    ~engine() { replica_.detach(); }

    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    // ---- inputs -------------------------------------------------------------------

    // A connection to `peer` is up (the transport authenticated it): say hello.
    void connect(const uuid& peer, millis now) {
        drop_output_for(peer);  // frames meant for an earlier connection
        auto& p = peers_[peer];
        p = peer_runtime{};
        p.state = peer_state::handshaking;
        p.connected_at = now;
        p.next_heartbeat = now + options_.heartbeat_interval;
        send(peer, hello{std::string(protocol_id), protocol_version, replica_.library_id(), replica_.device_id(),
                         replica_.current_seq(), replica_.peer(peer).received_through});
        notify(peer);
    }

    void disconnect(const uuid& peer, millis) {
        auto it = peers_.find(peer);
        if (it == peers_.end()) return;
        drop_output_for(peer);
        it->second.state = peer_state::disconnected;
        it->second.awaiting = false;
        it->second.buffered.clear();
        notify(peer);
    }

    // One frame body read from `peer`'s connection.
    void receive(const uuid& peer, std::span<const std::uint8_t> body, millis now) {
        auto it = peers_.find(peer);
        if (it == peers_.end() || it->second.state == peer_state::disconnected) return;
        peer_runtime& p = it->second;
        ++p.counters.frames_received;
        decode_result decoded = decode(body, options_.wire, options_.limits, model_names_);
        if (!decoded) {
            ++p.counters.refused;
            const auto& f = decoded.failure();
            const bool unknown_model = f.code == decode_error::unknown_model;
            send(peer, error_message{unknown_model ? error_code::unknown_model
                                                   : (f.code == decode_error::unsupported_version ? error_code::unsupported_version
                                                                                                  : error_code::bad_message),
                                     std::string(to_string(f.code)) + ": " + f.detail});
            // A peer that sends what is not a message is not worth a conversation.
            if (!unknown_model) close(peer, "undecodable frame: " + std::string(to_string(f.code)));
            return;
        }
        message& m = decoded.value();
        if (p.state == peer_state::handshaking && !std::holds_alternative<hello>(m) &&
            !std::holds_alternative<error_message>(m)) {
            ++p.counters.refused;
            send(peer, error_message{error_code::bad_message, "the first message must be Hello"});
            close(peer, "no handshake");
            return;
        }
        std::visit([&](auto& msg) { handle(peer, p, msg, now); }, m);
        notify(peer);
    }

    // Timers: flushes coalesced local changes, sends heartbeats and acknowledgements,
    // retries timed-out requests.
    void tick(millis now) {
        flush_local(now);
        // New history here (applied from one peer, say) is announced to the others at
        // once, so that they fetch it without waiting for the next heartbeat. Local
        // changes still waiting to be pushed are not announced yet: a peer would fetch
        // them by catch-up, then get them again in the push.
        std::uint64_t seq = replica_.current_seq();
        {
            std::lock_guard lock(local_mutex_);
            if (!local_.empty()) seq = std::min(seq, local_.front().prev_seq);
        }
        const bool announce = seq > announced_seq_;
        announced_seq_ = std::max(announced_seq_, seq);
        for (auto& [id, p] : peers_) {
            if (p.state == peer_state::disconnected) continue;
            if (p.state == peer_state::handshaking) {
                // A peer that never says Hello is not kept waiting for.
                if (now - p.connected_at >= options_.response_timeout) {
                    send(id, error_message{error_code::bad_message, "no Hello within the response timeout"});
                    close(id, "no Hello");
                }
                continue;
            }
            if (announce || now >= p.next_heartbeat) {
                // Unpairing takes effect on a live connection too, at the next heartbeat.
                if (!replica_.peer(id).paired) {
                    send(id, error_message{error_code::refused, "this device is no longer paired here"});
                    close(id, "unpaired");
                    continue;
                }
                send(id, heartbeat{seq});
                p.next_heartbeat = now + options_.heartbeat_interval;
            }
            if (p.acked_sent < p.received_through) {
                send(id, ack_shared_changes{replica_.device_id(), p.received_through});
                p.acked_sent = p.received_through;
            }
            if (p.awaiting && now - p.request_sent >= options_.response_timeout) {
                p.awaiting = false;
                schedule_retry(p, now);
            }
            if (!p.awaiting && p.retry_at && now >= *p.retry_at) {
                p.retry_at.reset();
                request_next(id, p, now);
            }
        }
    }

    // Sends coalesced local changes now, without waiting for the flush interval (a clean
    // shutdown does this before closing connections).
    void flush(millis now) { flush_local(now, true); }

    // ---- outputs ------------------------------------------------------------------

    std::vector<outgoing_message> take_output() { return std::exchange(output_, {}); }
    std::vector<close_request> take_closes() { return std::exchange(closes_, {}); }

    // When tick() next has something to do.
    millis next_deadline(millis now) const {
        millis next = now + options_.heartbeat_interval;
        {
            std::lock_guard lock(local_mutex_);
            if (!local_.empty()) next = std::min(next, quiet_since_flush(now) ? now : *last_flush_ + options_.flush_interval);
        }
        for (const auto& [id, p] : peers_) {
            if (p.state == peer_state::disconnected) continue;
            if (p.state == peer_state::handshaking) {
                next = std::min(next, p.connected_at + options_.response_timeout);
                continue;
            }
            next = std::min(next, p.next_heartbeat);
            if (p.awaiting) next = std::min(next, p.request_sent + options_.response_timeout);
            if (p.retry_at) next = std::min(next, *p.retry_at);
        }
        return std::max(next, now);
    }

    // ---- observability --------------------------------------------------------------

    peer_status status(const uuid& peer) const {
        peer_status s;
        s.peer = peer;
        auto it = peers_.find(peer);
        if (it == peers_.end()) return s;
        const peer_runtime& p = it->second;
        s.state = p.state;
        s.received_through = p.received_through;
        s.peer_seq = p.peer_seq;
        s.acked_through = p.acked_through;
        s.local_seq = replica_.current_seq();
        s.counters = p.counters;
        if (p.round_active) {
            s.phase = phases_[p.phase];
            const double span = p.round_target > p.round_start ? double(p.round_target - p.round_start) : 1.0;
            const double within = std::clamp(double(p.phase_since > p.round_start ? p.phase_since - p.round_start : 0) / span, 0.0, 1.0);
            s.progress = (double(p.phase) + within) / double(phases_.size());
        }
        return s;
    }

    // Called on the committing thread after each local commit, so that a driver sleeping
    // until next_deadline() can wake up and tick() (the transport posts to its executor).
    void on_local_change(std::function<void()> wake) {
        std::lock_guard lock(local_mutex_);
        wake_ = std::move(wake);
    }

    // Called whenever a peer's status changes (state, a page applied, counters).
    void on_status(std::function<void(const peer_status&)> callback) { status_callback_ = std::move(callback); }

    const engine_options& options() const noexcept { return options_; }

private:
    struct peer_runtime {
        peer_state state = peer_state::disconnected;
        millis connected_at{};
        millis next_heartbeat{};
        std::uint64_t peer_seq = 0;
        std::uint64_t received_through = 0;
        std::uint64_t acked_sent = 0;
        std::uint64_t acked_through = 0;  // what the peer acknowledged of this device's history
        // the catch-up round
        bool round_active = false;
        bool need_round = false;
        std::size_t phase = 0;
        std::uint64_t phase_since = 0;
        bool snapshot = false;
        std::uint64_t round_start = 0;
        std::uint64_t round_target = 0;
        std::uint64_t round_floor = std::numeric_limits<std::uint64_t>::max();
        bool awaiting = false;
        millis request_sent{};
        std::optional<millis> retry_at;
        int failures = 0;
        // live pushes
        std::vector<message> buffered;
        std::size_t buffered_changes = 0;
        push_position push_open{};
        std::vector<bool> push_seen;
        peer_counters counters;
    };

    // ---- sending --------------------------------------------------------------------

    void send(const uuid& peer, const message& m) { send_body(peer, encode(m, options_.wire)); }

    void send_body(const uuid& peer, std::vector<std::uint8_t> body) {
        output_.push_back(outgoing_message{peer, std::move(body)});
        auto it = peers_.find(peer);
        if (it != peers_.end()) ++it->second.counters.frames_sent;
    }

    void drop_output_for(const uuid& peer) {
        std::erase_if(output_, [&](const outgoing_message& f) { return f.peer == peer; });
    }

    void close(const uuid& peer, std::string reason) {
        closes_.push_back(close_request{peer, std::move(reason)});
        auto it = peers_.find(peer);
        if (it != peers_.end()) it->second.state = peer_state::disconnected;
    }

    void refuse(const uuid& peer, peer_runtime& p, error_code code, const std::string& why) {
        ++p.counters.refused;
        send(peer, error_message{code, why});
    }

    void notify(const uuid& peer) {
        if (status_callback_) status_callback_(status(peer));
    }

    // ---- the handshake --------------------------------------------------------------

    void handle(const uuid& peer, peer_runtime& p, hello& h, millis now) {
        if (p.state != peer_state::handshaking) return refuse(peer, p, error_code::bad_message, "Hello was already received");
        if (h.library != replica_.library_id()) {
            send(peer, error_message{error_code::wrong_library, "this device syncs library " + replica_.library_id().to_string()});
            close(peer, "another library");
            return;
        }
        const auto record = replica_.peer(peer);
        if (h.device != peer || !record.paired) {
            send(peer, error_message{error_code::refused, "device " + h.device.to_string() + " is not paired here"});
            close(peer, "not paired");
            return;
        }
        p.peer_seq = h.seq;
        p.received_through = record.received_through;
        p.acked_sent = record.received_through;
        p.acked_through = record.acked_by_peer;
        // Our Hello told the seq of its moment; commits since then were not pushed to a
        // handshaking peer. A heartbeat at the next tick tells it where we are now.
        p.next_heartbeat = now;
        if (h.received_from_you > record.acked_by_peer && h.received_from_you <= replica_.current_seq()) {
            acknowledge(peer, p, h.received_from_you);
        }
        const bool interrupted = has_checkpoints(peer);
        if (!interrupted && p.peer_seq <= p.received_through) {
            p.state = peer_state::ready;  // nothing new over there
            return;
        }
        p.state = p.received_through == 0 ? peer_state::backfilling : peer_state::catching_up;
        start_round(peer, p, now);
    }

    bool has_checkpoints(const uuid& peer) {
        for (const auto& phase : phases_) {
            if (replica_.checkpoint(peer, phase)) return true;
        }
        return false;
    }

    // ---- catch-up rounds --------------------------------------------------------------

    // A round walks the phases in order — the shared log (or snapshots), then each
    // device-owned model in reference order — from the peer's checkpoint for that phase,
    // or from what this device already holds. Each applied page records its checkpoint
    // in the same transaction, so an interrupted round resumes where it stopped.
    void start_round(const uuid& peer, peer_runtime& p, millis now) {
        // A round started from ready (a gap in the pushes, news in a heartbeat) is a
        // catch-up: pushes wait in the buffer until it ends, and the status says so.
        if (p.state == peer_state::ready) p.state = peer_state::catching_up;
        p.round_active = true;
        p.need_round = false;
        p.phase = 0;
        p.round_start = p.received_through;
        p.round_target = std::max(p.peer_seq, p.received_through);
        p.round_floor = std::numeric_limits<std::uint64_t>::max();
        begin_phase(peer, p);
        request_next(peer, p, now);
    }

    void begin_phase(const uuid& peer, peer_runtime& p) {
        p.phase_since = replica_.checkpoint(peer, phases_[p.phase]).value_or(p.received_through);
        p.snapshot = false;
    }

    void request_next(const uuid& peer, peer_runtime& p, millis now) {
        if (!p.round_active || p.state == peer_state::disconnected) return;
        if (p.phase == 0) {
            send(peer, shared_change_request{p.phase_since, options_.page_size, p.snapshot});
        } else {
            send(peer, state_request{{phases_[p.phase]}, std::nullopt, p.phase_since, options_.page_size});
        }
        p.awaiting = true;
        p.request_sent = now;
    }

    void schedule_retry(peer_runtime& p, millis now) {
        ++p.failures;
        auto delay = options_.retry_base * (1 << std::min(p.failures, 16));
        if (delay > options_.retry_max) delay = options_.retry_max;
        p.retry_at = now + delay;
    }

    // Applies a page and records the phase checkpoint in one transaction.
    template <class Apply>
    bool apply_page(const uuid& peer, peer_runtime& p, std::uint64_t checkpoint, Apply&& apply) {
        try {
            replica_.with_tx([&] {
                const apply_result r = apply();
                p.counters.applied += r.applied;
                p.counters.ignored += r.ignored;
                replica_.set_checkpoint(peer, phases_[p.phase], checkpoint);
            });
            return true;
        } catch (const error& e) {
            p.awaiting = false;
            refuse(peer, p, error_code::invalid_change, e.what());
            return false;
        }
    }

    void page_done(const uuid& peer, peer_runtime& p, std::uint64_t checkpoint, bool has_more, bool snapshot, millis now) {
        ++p.counters.pages_received;
        p.awaiting = false;
        p.failures = 0;
        p.phase_since = checkpoint;
        p.snapshot = snapshot;
        if (has_more) {
            request_next(peer, p, now);
            return;
        }
        p.round_floor = std::min(p.round_floor, checkpoint);
        if (++p.phase < phases_.size()) {
            begin_phase(peer, p);
            request_next(peer, p, now);
            return;
        }
        finish_round(peer, p, now);
    }

    void finish_round(const uuid& peer, peer_runtime& p, millis now) {
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

    bool expecting(peer_runtime& p, bool shared_phase) const {
        return p.round_active && p.awaiting && (p.phase == 0) == shared_phase;
    }

    void handle(const uuid& peer, peer_runtime& p, shared_change_response& r, millis now) {
        if (!expecting(p, true)) return refuse(peer, p, error_code::bad_message, "unexpected SharedChangeResponse");
        if (r.checkpoint < p.phase_since || (r.has_more && r.checkpoint == p.phase_since)) {
            return refuse(peer, p, error_code::bad_message, "a SharedChangeResponse that does not advance");
        }
        const bool ok = apply_page(peer, p, r.checkpoint, [&] {
            apply_result total;
            if (!r.entries.empty()) add(total, replica_.apply_shared_changes(r.entries));
            if (!r.snapshot.empty()) add(total, replica_.apply_snapshots(r.snapshot));
            return total;
        });
        if (ok) page_done(peer, p, r.checkpoint, r.has_more, r.snapshot_mode, now);
        else schedule_retry(p, now);
    }

    void handle(const uuid& peer, peer_runtime& p, state_response& r, millis now) {
        if (!expecting(p, false) || r.model != phases_[p.phase]) {
            return refuse(peer, p, error_code::bad_message, "unexpected StateResponse");
        }
        if (r.checkpoint < p.phase_since || (r.has_more && r.checkpoint == p.phase_since)) {
            return refuse(peer, p, error_code::bad_message, "a StateResponse that does not advance");
        }
        std::vector<state_record> records = std::move(r.records);
        for (const auto& d : r.deleted) {
            records.push_back(state_record{d.model, d.record, d.owner, d.version, true, nlohmann::json::object()});
        }
        for (const auto& rec : records) {
            if (rec.model != r.model) return refuse(peer, p, error_code::bad_message, "a StateResponse mixes models");
        }
        // Relayed state is accepted from any paired peer: the library still checks that
        // each version was stamped by the record's owner and never reverts newer state.
        const bool ok = apply_page(peer, p, r.checkpoint, [&] { return replica_.apply_states(records); });
        if (ok) page_done(peer, p, r.checkpoint, r.has_more, false, now);
        else schedule_retry(p, now);
    }

    static void add(apply_result& total, const apply_result& r) {
        total.applied += r.applied;
        total.ignored += r.ignored;
    }

    // ---- serving ------------------------------------------------------------------------

    void handle(const uuid& peer, peer_runtime& p, shared_change_request& q, millis) {
        send_page(peer, q.limit, [&](std::uint32_t limit) {
            shared_page page = replica_.shared_changes(q.since, limit, q.snapshot);
            return shared_change_response{std::move(page.entries), std::move(page.snapshot), page.snapshot_mode,
                                          page.has_more, page.checkpoint};
        });
        ++p.counters.pages_served;
        if (options_.record_served_pages) served_.emplace_back(peer, "shared", q.since);
    }

    // Sends the page `make(limit)` builds, with fewer records when its frame would
    // exceed the frame limit: a page of large records must not be one a peer refuses
    // (which would stall its catch-up for good). A single record is sent as it is.
    template <class Make>
    void send_page(const uuid& peer, std::uint32_t asked, Make&& make) {
        std::uint32_t limit = std::max<std::uint32_t>(std::min(asked, options_.page_size), 1);
        for (;;) {
            auto body = encode(message{make(limit)}, options_.wire);
            if (fits(body) || limit == 1) return send_body(peer, std::move(body));
            // Shrink in proportion to the excess, at least by half.
            const double share = double(options_.limits.max_frame) / double(body.size());
            limit = std::max<std::uint32_t>(1, std::min<std::uint32_t>(limit / 2, static_cast<std::uint32_t>(limit * share)));
        }
    }

    bool fits(const std::vector<std::uint8_t>& body) const noexcept { return body.size() <= options_.limits.max_frame; }

    void handle(const uuid& peer, peer_runtime& p, state_request& q, millis) {
        if (q.models.size() != 1) {
            return refuse(peer, p, error_code::limit_exceeded, "a StateRequest names exactly one model");
        }
        const std::string& model = q.models.front();
        if (!replica_type::is_owned_model(model)) {
            return refuse(peer, p, error_code::bad_message, "model '" + model + "' has no device-owned state");
        }
        send_page(peer, q.limit, [&](std::uint32_t limit) {
            state_page page = replica_.state_changes(model, q.since, limit);
            if (q.owner) {
                std::erase_if(page.records, [&](const state_record& r) { return r.owner != *q.owner; });
                std::erase_if(page.deleted, [&](const deleted_state& d) { return d.owner != *q.owner; });
            }
            return state_response{model, std::move(page.records), std::move(page.deleted), page.has_more, page.checkpoint};
        });
        ++p.counters.pages_served;
        if (options_.record_served_pages) served_.emplace_back(peer, model, q.since);
    }

public:
    // Every (peer, phase, since) this engine served a page for, in order, when
    // engine_options::record_served_pages is set: lets a test prove a resumed backfill
    // transfers each page at most once.
    const std::vector<std::tuple<uuid, std::string, std::uint64_t>>& served_pages() const noexcept { return served_; }

private:
    // ---- live changes ---------------------------------------------------------------

    template <class Push>
    void live(const uuid& peer, peer_runtime& p, Push& push, const push_position& pos, millis now) {
        if (p.state != peer_state::ready) {
            // Held until the round ends; past the bound the buffer is dropped and another
            // round fetches the same changes, so nothing is lost.
            if (p.buffered_changes + changes_in(push) > options_.live_buffer_limit) {
                p.buffered.clear();
                p.buffered_changes = 0;
                p.need_round = true;
            } else {
                p.buffered_changes += changes_in(push);
                p.buffered.emplace_back(std::move(push));
            }
            return;
        }
        apply_result r;
        try {
            r = apply_live(push);
        } catch (const error& e) {
            return refuse(peer, p, error_code::invalid_change, e.what());
        }
        p.counters.applied += r.applied;
        p.counters.ignored += r.ignored;
        track_push(peer, p, pos, now);
    }

    // Advances the cursor when a whole push that starts where the cursor is has arrived;
    // anything else (a gap, a lost or repeated part) asks for a round instead.
    void track_push(const uuid& peer, peer_runtime& p, const push_position& pos, millis now) {
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

    static std::size_t changes_in(const state_change&) { return 1; }
    // A message counts at least one, so that empty batches cannot be buffered without bound.
    static std::size_t changes_in(const state_batch& b) { return std::max<std::size_t>(1, b.records.size()); }
    static std::size_t changes_in(const shared_change&) { return 1; }
    static std::size_t changes_in(const shared_change_batch& b) { return std::max<std::size_t>(1, b.entries.size()); }

    apply_result apply_live(const state_change& c) { return replica_.apply_states(c.record); }
    apply_result apply_live(const state_batch& b) { return replica_.apply_states(b.records); }
    apply_result apply_live(const shared_change& c) { return replica_.apply_shared_changes(c.entry); }
    apply_result apply_live(const shared_change_batch& b) { return replica_.apply_shared_changes(b.entries); }

    // A live state change is accepted only from the record's owner.
    bool from_owner(const uuid& peer, peer_runtime& p, const std::vector<const state_record*>& records) {
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

    void handle(const uuid& peer, peer_runtime& p, state_change& c, millis now) {
        if (from_owner(peer, p, {&c.record})) live(peer, p, c, c.push, now);
    }
    void handle(const uuid& peer, peer_runtime& p, state_batch& b, millis now) {
        std::vector<const state_record*> records;
        for (const auto& r : b.records) records.push_back(&r);
        if (b.owner != peer) return refuse(peer, p, error_code::refused, "a live StateBatch must come from its owner");
        if (from_owner(peer, p, records)) live(peer, p, b, b.push, now);
    }
    void handle(const uuid& peer, peer_runtime& p, shared_change& c, millis now) { live(peer, p, c, c.push, now); }
    void handle(const uuid& peer, peer_runtime& p, shared_change_batch& b, millis now) { live(peer, p, b, b.push, now); }

    // ---- acknowledgements, heartbeats, errors -------------------------------------------

    void handle(const uuid& peer, peer_runtime& p, ack_shared_changes& a, millis) {
        if (a.from_device != peer) return refuse(peer, p, error_code::refused, "an acknowledgement for another device");
        if (a.up_to > replica_.current_seq()) return refuse(peer, p, error_code::bad_message, "an acknowledgement of the future");
        acknowledge(peer, p, a.up_to);
    }

    // Records the acknowledgement and prunes the log up to what every paired peer holds;
    // past the retention cap, the oldest entries go anyway and a peer that lags that far
    // behind is served snapshots instead.
    void acknowledge(const uuid& peer, peer_runtime& p, std::uint64_t up_to) {
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

    void handle(const uuid& peer, peer_runtime& p, heartbeat& h, millis now) {
        p.peer_seq = std::max(p.peer_seq, h.seq);
        if (p.state == peer_state::ready && !p.round_active && p.peer_seq > p.received_through) {
            p.state = peer_state::catching_up;
            start_round(peer, p, now);
        }
    }

    void handle(const uuid&, peer_runtime& p, error_message&, millis now) {
        ++p.counters.errors_received;
        if (p.awaiting) {  // the request failed: try again later
            p.awaiting = false;
            schedule_retry(p, now);
        }
    }

    // ---- local changes ------------------------------------------------------------------

    bool quiet_since_flush(millis now) const { return !last_flush_ || now - *last_flush_ >= options_.flush_interval; }

    // Coalesces committed local transactions into as few messages as the batch size
    // allows, one push per run of consecutive transactions, and sends them to every
    // ready peer.
    void flush_local(millis now, bool force = false) {
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
        const bool anyone = std::any_of(peers_.begin(), peers_.end(), [](const auto& p) { return p.second.state == peer_state::ready; });
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

    void send_push(std::span<const outgoing_changes> run) {
        std::vector<message> messages;
        std::map<std::string, std::vector<state_record>> states;
        std::vector<shared_entry> shared;
        for (const auto& o : run) {
            for (const auto& b : o.states) {
                auto& list = states[b.model];
                list.insert(list.end(), b.records.begin(), b.records.end());
            }
            for (const auto& b : o.shared) shared.insert(shared.end(), b.entries.begin(), b.entries.end());
        }
        for (auto& [model, records] : states) {
            for (std::size_t i = 0; i < records.size(); i += options_.batch_max) {
                const std::size_t n = std::min(options_.batch_max, records.size() - i);
                messages.push_back(state_batch{model, replica_.device_id(),
                                               std::vector<state_record>(records.begin() + static_cast<std::ptrdiff_t>(i),
                                                                         records.begin() + static_cast<std::ptrdiff_t>(i + n)),
                                               {}});
            }
        }
        for (std::size_t i = 0; i < shared.size(); i += options_.batch_max) {
            const std::size_t n = std::min(options_.batch_max, shared.size() - i);
            messages.push_back(shared_change_batch{std::vector<shared_entry>(shared.begin() + static_cast<std::ptrdiff_t>(i),
                                                                             shared.begin() + static_cast<std::ptrdiff_t>(i + n)),
                                                   {}});
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
        for (auto& [id, p] : peers_) {
            if (p.state != peer_state::ready) continue;
            for (const auto& b : bodies) send_body(id, b);
        }
    }

    using replica_type = decltype(hsync::replica(std::declval<Library&>()));
    replica_type replica_;  // the library, as sync sees it
    engine_options options_;
    std::vector<std::string_view> model_names_;
    std::vector<std::string> phases_;
    std::map<uuid, peer_runtime> peers_;
    std::vector<outgoing_message> output_;
    std::vector<close_request> closes_;
    std::vector<std::tuple<uuid, std::string, std::uint64_t>> served_;
    std::function<void(const peer_status&)> status_callback_;

    std::uint64_t announced_seq_ = 0;

    mutable std::mutex local_mutex_;
    std::vector<outgoing_changes> local_;
    std::function<void()> wake_;
    std::optional<millis> last_flush_;  // when local changes were last pushed
};

}  // namespace hsync::sync
