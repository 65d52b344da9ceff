#pragma once
// The sync engine's handshake: a peer's Hello checked (library, pairing, models), the
// peer's models compared with this device's (sync/detail/peer_schema.hpp), and the first
// catch-up round started. Member definitions of sync::engine (declared in sync/engine.hpp).

#include <algorithm>
#include <exception>
#include <string>
#include <variant>

#include <hsync/sync/engine.hpp>

namespace hsync::sync {

template <class Library>
auto engine<Library>::handle(const uuid& peer, peer_runtime& p, hello& h, millis now) -> void {
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
    // Another version of the models syncs what both have; a destructive difference
    // (a field's type, a model's strategy) is refused, nothing applied.
    auto compared = detail::peer_schema::compare(schema_, h.schema);
    if (auto* why = std::get_if<std::string>(&compared)) {
        const std::string text = "the models are incompatible: " + *why;
        send(peer, error_message{error_code::incompatible_schema, text});
        close(peer, text);
        keep_refusal(peer, text);
        return;
    }
    p.schema = std::get<detail::peer_schema>(std::move(compared));
    keep_refusal(peer, {});
    p.refused_because.clear();
    if (carry_unknown_fields(p.schema)) {
        // This device now keeps fields that the Hellos it sent did not show, and a peer
        // reads what it is sent by the Hello it got: every connection starts again, with
        // the new schema. The transport redials; this happens once per new field.
        refresh_schema();
        for (auto& [id, other] : peers_) {
            if (other.state != peer_state::disconnected) close(id, "reconnecting to show the fields of a newer version of the models this device now carries");
        }
        return;
    }
    p.reads_zstd = std::find(h.compression.begin(), h.compression.end(), detail::zstd_name) != h.compression.end();
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

template <class Library>
auto engine<Library>::keep_refusal(const uuid& peer, const std::string& why) noexcept -> void {
    try {
        if (why.empty()) {
            replica_.clear_refusal(peer);
        } else {
            replica_.set_refusal(peer, why);
        }
    } catch (const std::exception&) {
    }
}

template <class Library>
auto engine<Library>::carry_unknown_fields(const detail::peer_schema& theirs) noexcept -> bool {
    bool added = false;
    try {
        for (const auto& [model, fields] : theirs.unknown_fields()) added = replica_.carry(model, fields) || added;
    } catch (const std::exception&) {
    }
    return added;
}

}  // namespace hsync::sync
