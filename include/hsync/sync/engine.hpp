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
#include <hsync/sync/engine_options.hpp>
#include <hsync/sync/peer_status.hpp>
#include <hsync/sync/messages.hpp>
#include <hsync/sync/detail/peer_schema.hpp>
#include <hsync/sync/schema.hpp>

namespace hsync::sync {

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
        refresh_schema();
        // A catch-up takes the models in apply order, so that a record never arrives before
        // one it requires: a model's shared changes, then its device-owned states (a mixed
        // model has both).
        for (std::string_view name : replica_type::apply_order_names()) {
            if (replica_type::is_shared_model(name)) phases_.push_back({std::string(name), true, "shared " + std::string(name)});
            if (replica_type::is_owned_model(name)) phases_.push_back({std::string(name), false, std::string(name)});
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
        std::string refused_because = std::move(p.refused_because);
        p = peer_runtime{};
        p.refused_because = std::move(refused_because);
        p.state = peer_state::handshaking;
        p.connected_at = now;
        p.next_heartbeat = now + options_.heartbeat_interval;
        send(peer, hello{std::string(protocol_id), protocol_version, replica_.library_id(), replica_.device_id(),
                         replica_.current_seq(), replica_.peer(peer).received_through, schema_hash_, schema_,
                         detail::readable_codecs()});
        notify(peer);
    }

    void disconnect(const uuid& peer, millis) {
        auto it = peers_.find(peer);
        if (it == peers_.end()) return;
        drop_output_for(peer);
        it->second.state = peer_state::disconnected;
        it->second.awaiting = false;
        it->second.in_flight = 0;
        it->second.serving = {};
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
        s.refused_because = p.refused_because;
        if (p.round_active) {
            s.phase = phases_[p.phase].key;
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
        std::string refused_because;  // peer_status::refused_because
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
        std::uint32_t in_flight = 0;  // pages asked for and not yet received
        millis request_sent{};        // or the last page received, while pages are in flight
        std::optional<millis> retry_at;
        int failures = 0;
        // live pushes
        std::vector<message> buffered;
        std::size_t buffered_changes = 0;
        push_position push_open{};
        std::vector<bool> push_seen;
        peer_counters counters;
        bool reads_zstd = false;  // the peer's Hello lists zstd
        detail::peer_schema schema;  // the peer's models, from its Hello
        // the catch-up request of the peer this device is serving: pages are sent as the
        // peer makes room for them (`credit`, from the request and MorePages)
        struct page_stream {
            bool active = false;
            bool shared = false;
            std::string model;
            std::optional<uuid> owner;
            std::uint64_t since = 0;
            std::uint32_t limit = 0;
            bool snapshot = false;
            std::uint32_t credit = 0;
        } serving;
    };

    // ---- sending --------------------------------------------------------------------

    void send(const uuid& peer, const message& m) { send_body(peer, encode(m, options_.wire)); }

    // Sends `body` to `peer`, compressed when the peer reads zstd and this device was told
    // to compress (`packed`: the body compressed already, for a push to several peers).
    void send_body(const uuid& peer, std::vector<std::uint8_t> body, const std::vector<std::uint8_t>* packed = nullptr) {
        auto it = peers_.find(peer);
        const std::size_t plain = body.size();
        if (it != peers_.end() && compresses_for(it->second) && plain >= options_.compress_min_bytes) {
            body = packed ? *packed : compress(std::move(body), options_.compression_level);
        }
        if (it != peers_.end()) {
            ++it->second.counters.frames_sent;
            it->second.counters.bytes_sent += body.size();
            it->second.counters.bytes_saved += plain - std::min(plain, body.size());
        }
        output_.push_back(outgoing_message{peer, std::move(body)});
    }

    bool compresses_for(const peer_runtime& p) const noexcept {
        return p.reads_zstd && options_.compression == compression::zstd && options_.wire == encoding::msgpack;
    }

    void drop_output_for(const uuid& peer) {
        std::erase_if(output_, [&](const outgoing_message& f) { return f.peer == peer; });
    }

    void close(const uuid& peer, std::string reason) {
        auto it = peers_.find(peer);
        if (it != peers_.end()) {
            it->second.state = peer_state::disconnected;
            it->second.refused_because = reason;
        }
        closes_.push_back(close_request{peer, std::move(reason)});
    }

    void refuse(const uuid& peer, peer_runtime& p, error_code code, const std::string& why) {
        ++p.counters.refused;
        send(peer, error_message{code, why});
    }

    void notify(const uuid& peer) {
        if (status_callback_) status_callback_(status(peer));
    }

    // ---- the handshake --------------------------------------------------------------

    void handle(const uuid& peer, peer_runtime& p, hello& h, millis now);

    // Keeps why the handshake with the peer was refused in the library file, for tools
    // that read it (hsync status); an empty reason clears it. Best effort: a busy or
    // failing database must not change what the handshake does.
    void keep_refusal(const uuid& peer, const std::string& why) noexcept;

    // Starts carrying the peer's fields this device lacks; whether it carries more than
    // before. Best effort, like keep_refusal: the handshake goes on without it.
    bool carry_unknown_fields(const detail::peer_schema& theirs) noexcept;

    // The schema each Hello shows: the models' own fields, then those this device carries
    // for peers on another version (a peer maps both by name, and carries on what it
    // lacks in turn).
    void refresh_schema() {
        schema_ = library_schema_of<Library>();
        const auto carried = replica_.carried_fields();
        for (auto& m : schema_.models) {
            const auto it = carried.find(m.name);
            if (it == carried.end()) continue;
            for (const auto& f : it->second) m.fields.push_back(field_schema{f.name, f.type});
        }
        schema_hash_ = schema_hash(schema_);
    }

    bool has_checkpoints(const uuid& peer) {
        for (const auto& phase : phases_) {
            if (replica_.checkpoint(peer, phase.key)) return true;
        }
        return false;
    }

    // ---- catch-up rounds --------------------------------------------------------------

    // A round walks the phases in order — each model's shared changes (log entries or
    // snapshots) and device-owned states, in the library's apply order — from the peer's
    // checkpoint for that phase, or from what this device already holds. Each applied
    // page records its checkpoint in the same transaction, so an interrupted round resumes
    // where it stopped.
    void start_round(const uuid& peer, peer_runtime& p, millis now);

    void skip_absent_phases(peer_runtime& p) const;

    void begin_phase(const uuid& peer, peer_runtime& p);

    void request_next(const uuid& peer, peer_runtime& p, millis now);

    void schedule_retry(peer_runtime& p, millis now);

    // Applies a page and records the phase checkpoint in one transaction.
    template <class Apply>
    bool apply_page(const uuid& peer, peer_runtime& p, std::uint64_t checkpoint, Apply&& apply);

    void page_done(const uuid& peer, peer_runtime& p, std::uint64_t checkpoint, bool has_more, bool snapshot, millis now);

    void finish_round(const uuid& peer, peer_runtime& p, millis now);

    bool expecting(peer_runtime& p, bool shared_phase, std::string_view model, std::uint64_t since) const;

    void handle(const uuid& peer, peer_runtime& p, shared_change_response& r, millis now);

    void handle(const uuid& peer, peer_runtime& p, state_response& r, millis now);

    static void add(apply_result& total, const apply_result& r);

    // ---- serving ------------------------------------------------------------------------

    void handle(const uuid& peer, peer_runtime& p, shared_change_request& q, millis);

    // Sends the page `make(limit)` builds, with fewer records when its frame would
    // exceed the frame limit: a page of large records must not be one a peer refuses
    // (which would stall its catch-up for good). A single record is sent as it is.
    template <class Make>
    void send_page(const uuid& peer, std::uint32_t asked, Make&& make);

    bool fits(const std::vector<std::uint8_t>& body) const noexcept { return body.size() <= options_.limits.max_frame; }

    void handle(const uuid& peer, peer_runtime& p, state_request& q, millis);

    void handle(const uuid& peer, peer_runtime& p, more_pages& m, millis);

    // Sends pages of the request being served while the peer has room for them.
    void serve(const uuid& peer, peer_runtime& p);

    std::uint32_t window() const noexcept {
        return std::clamp<std::uint32_t>(options_.catch_up_window, 1, options_.limits.max_pages);
    }

public:
    // Every (peer, phase, since) this engine served a page for, in order, when
    // engine_options::record_served_pages is set: lets a test prove a resumed backfill
    // transfers each page at most once.
    const std::vector<std::tuple<uuid, std::string, std::uint64_t>>& served_pages() const noexcept { return served_; }

private:
    // ---- live changes ---------------------------------------------------------------

    template <class Push>
    void live(const uuid& peer, peer_runtime& p, Push& push, const push_position& pos, millis now);

    // Advances the cursor when a whole push that starts where the cursor is has arrived;
    // anything else (a gap, a lost or repeated part) asks for a round instead.
    void track_push(const uuid& peer, peer_runtime& p, const push_position& pos, millis now);

    // A peer past the handshake gets this device's pushes, whether or not this device is
    // fetching the peer's history at the moment: that round is about the other direction,
    // and holding pushes back for it only delayed them (the peer buffers what arrives
    // during its own round).
    static bool takes_pushes(const peer_runtime& p) {
        return p.state != peer_state::disconnected && p.state != peer_state::handshaking;
    }

    static std::size_t changes_in(const state_change&) { return 1; }
    // A message counts at least one, so that empty batches cannot be buffered without bound.
    static std::size_t changes_in(const state_batch& b) { return std::max<std::size_t>(1, b.records.size()); }
    static std::size_t changes_in(const shared_change&) { return 1; }
    static std::size_t changes_in(const shared_change_batch& b) { return std::max<std::size_t>(1, b.entries.size()); }

    // Each applies what the peer sent once it is moved into this device's models.
    apply_result apply_live(const peer_runtime& p, state_change& c) { return apply_states(p, {std::move(c.record)}); }
    apply_result apply_live(const peer_runtime& p, state_batch& b) { return apply_states(p, std::move(b.records)); }
    apply_result apply_live(const peer_runtime& p, shared_change& c) { return apply_entries(p, {std::move(c.entry)}); }
    apply_result apply_live(const peer_runtime& p, shared_change_batch& b) { return apply_entries(p, std::move(b.entries)); }
    apply_result apply_states(const peer_runtime& p, std::vector<state_record> records) {
        p.schema.translate(records);
        return replica_.apply_states(records);
    }
    apply_result apply_entries(const peer_runtime& p, std::vector<shared_entry> entries) {
        p.schema.translate(entries);
        return replica_.apply_shared_changes(entries);
    }

    // A live state change is accepted only from the record's owner.
    bool from_owner(const uuid& peer, peer_runtime& p, const std::vector<const state_record*>& records);

    void handle(const uuid& peer, peer_runtime& p, state_change& c, millis now);
    void handle(const uuid& peer, peer_runtime& p, state_batch& b, millis now);
    void handle(const uuid& peer, peer_runtime& p, shared_change& c, millis now) { live(peer, p, c, c.push, now); }
    void handle(const uuid& peer, peer_runtime& p, shared_change_batch& b, millis now) { live(peer, p, b, b.push, now); }

    // ---- acknowledgements, heartbeats, errors -------------------------------------------

    void handle(const uuid& peer, peer_runtime& p, ack_shared_changes& a, millis);

    // Records the acknowledgement and prunes the log up to what every paired peer holds;
    // past the retention cap, the oldest entries go anyway and a peer that lags that far
    // behind is served snapshots instead.
    void acknowledge(const uuid& peer, peer_runtime& p, std::uint64_t up_to);

    void handle(const uuid& peer, peer_runtime& p, heartbeat& h, millis now);

    void handle(const uuid&, peer_runtime& p, error_message&, millis now);

    // ---- local changes ------------------------------------------------------------------

    bool quiet_since_flush(millis now) const { return !last_flush_ || now - *last_flush_ >= options_.flush_interval; }

    // Coalesces committed local transactions into as few messages as the batch size
    // allows, one push per run of consecutive transactions, and sends them to every
    // peer past the handshake.
    void flush_local(millis now, bool force = false);

    void send_push(std::span<const outgoing_changes> run);

    using replica_type = decltype(hsync::replica(std::declval<Library&>()));
    replica_type replica_;  // the library, as sync sees it
    engine_options options_;
    std::vector<std::string_view> model_names_;
    library_schema schema_;  // shown to each peer in Hello
    std::uint64_t schema_hash_ = 0;
    // One step of a catch-up round: a model's shared changes or its device-owned states.
    struct catch_up_phase {
        std::string model;
        bool shared = false;
        std::string key;  // its checkpoint's name, and peer_status::phase
    };
    std::vector<catch_up_phase> phases_;
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

// The definitions of the members that catch up and that push, in files of their own.
#include <hsync/sync/detail/engine_catch_up.hpp>
#include <hsync/sync/detail/engine_handshake.hpp>
#include <hsync/sync/detail/engine_live.hpp>
