#pragma once
// Per-peer bookkeeping the sync engine needs to resume where it stopped, kept in the
// library's file and written in its transactions: whether the peer is paired (and its
// full device id, which TLS checks certificates against), how far
// this device holds the peer's history (in the peer's seq), how far the peer
// acknowledged this device's history (in this device's seq, for pruning), and the
// checkpoints of an unfinished catch-up round, one per phase (the shared log, then each
// device-owned model).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/store/detail/statement.hpp>
#include <hsync/detail/sqlite_codec.hpp>

namespace hsync::detail {

class peer_book {
public:
    explicit peer_book(SQLite::Database& db)
        : pair_(db,
                "INSERT INTO hsync_peers (peer, paired, device_key) VALUES (?, 1, ?) ON CONFLICT(peer) "
                "DO UPDATE SET paired = 1, device_key = coalesce(excluded.device_key, device_key)"),
          keys_(db, "SELECT device_key FROM hsync_peers WHERE paired = 1 AND device_key IS NOT NULL ORDER BY device_key"),
          has_key_(db, "SELECT 1 FROM hsync_peers WHERE peer = ? AND paired = 1 AND device_key = ?"),
          unpair_(db, "UPDATE hsync_peers SET paired = 0 WHERE peer = ?"),
          paired_(db, "SELECT peer FROM hsync_peers WHERE paired = 1 ORDER BY peer"),
          get_(db, "SELECT paired, received_through, acked_by_peer FROM hsync_peers WHERE peer = ?"),
          set_received_(db,
                        "INSERT INTO hsync_peers (peer, paired, received_through) VALUES (?, 0, ?) ON CONFLICT(peer) "
                        "DO UPDATE SET received_through = max(received_through, excluded.received_through)"),
          set_acked_(db,
                     "INSERT INTO hsync_peers (peer, paired, acked_by_peer) VALUES (?, 0, ?) ON CONFLICT(peer) "
                     "DO UPDATE SET acked_by_peer = max(acked_by_peer, excluded.acked_by_peer)"),
          min_acked_(db, "SELECT min(acked_by_peer), count(*) FROM hsync_peers WHERE paired = 1"),
          set_checkpoint_(db,
                          "INSERT INTO hsync_backfill_checkpoints (peer, phase, seq) VALUES (?, ?, ?) "
                          "ON CONFLICT(peer, phase) DO UPDATE SET seq = excluded.seq"),
          get_checkpoint_(db, "SELECT seq FROM hsync_backfill_checkpoints WHERE peer = ? AND phase = ?"),
          clear_checkpoints_(db, "DELETE FROM hsync_backfill_checkpoints WHERE peer = ?"),
          set_refusal_(db, "INSERT INTO hsync_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
          get_refusal_(db, "SELECT value FROM hsync_meta WHERE key = ?"),
          clear_refusal_(db, "DELETE FROM hsync_meta WHERE key = ?") {}

    struct peer_record {
        bool paired = false;
        std::uint64_t received_through = 0;  // in the peer's seq: all of its history up to here is here
        std::uint64_t acked_by_peer = 0;     // in this device's seq: the peer has all up to here
    };

    // `key` is the peer's full device id (net::device_id as text) when pairing went through
    // the network layer; a peer paired by uuid alone keeps the key it had.
    void pair(const uuid& peer, std::optional<std::string_view> key = std::nullopt) {
        statement_use use(pair_);
        bind_uuid(use.get(), 1, peer);
        if (key) {
            bind_text(use.get(), 2, *key);
        } else {
            check_sqlite(sqlite3_bind_null(use.get(), 2), use.get());
        }
        use.step();
    }

    // The full device ids of the paired peers that have one.
    std::vector<std::string> paired_keys() {
        statement_use use(keys_);
        std::vector<std::string> out;
        while (use.step()) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(use.get(), 0)));
        return out;
    }

    // Whether `peer` is paired under exactly this full device id.
    bool paired_with_key(const uuid& peer, std::string_view key) {
        statement_use use(has_key_);
        bind_uuid(use.get(), 1, peer);
        bind_text(use.get(), 2, key);
        return use.step();
    }
    void unpair(const uuid& peer) { run_with_peer(unpair_, peer); }

    std::vector<uuid> paired() {
        statement_use use(paired_);
        std::vector<uuid> out;
        while (use.step()) {
            uuid p;
            if (!read_uuid_column(use.get(), 0, p)) out.push_back(p);
        }
        return out;
    }

    peer_record get(const uuid& peer) {
        statement_use use(get_);
        bind_uuid(use.get(), 1, peer);
        if (!use.step()) return {};
        return peer_record{sqlite3_column_int(use.get(), 0) != 0,
                           static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 1)),
                           static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 2))};
    }

    // Both only move forward.
    void set_received_through(const uuid& peer, std::uint64_t seq) { run_with_peer(set_received_, peer, seq); }
    void set_acked_by_peer(const uuid& peer, std::uint64_t seq) { run_with_peer(set_acked_, peer, seq); }

    // The least seq every paired peer acknowledged (0 if one never did); nullopt with no
    // paired peer.
    std::optional<std::uint64_t> min_acked_by_paired() {
        statement_use use(min_acked_);
        use.step();
        if (sqlite3_column_int64(use.get(), 1) == 0) return std::nullopt;
        return static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 0));
    }

    void set_checkpoint(const uuid& peer, std::string_view phase, std::uint64_t seq) {
        statement_use use(set_checkpoint_);
        bind_uuid(use.get(), 1, peer);
        bind_text(use.get(), 2, phase);
        check_sqlite(sqlite3_bind_int64(use.get(), 3, static_cast<sqlite3_int64>(seq)), use.get());
        use.step();
    }

    std::optional<std::uint64_t> checkpoint(const uuid& peer, std::string_view phase) {
        statement_use use(get_checkpoint_);
        bind_uuid(use.get(), 1, peer);
        bind_text(use.get(), 2, phase);
        if (!use.step()) return std::nullopt;
        return static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 0));
    }

    void clear_checkpoints(const uuid& peer) { run_with_peer(clear_checkpoints_, peer); }

    // Why the last handshake with the peer was refused, by either side, until one succeeds:
    // hsync_meta 'refused <peer uuid>', so that a tool reading the file (hsync status) can
    // say why two devices do not sync.
    void set_refusal(const uuid& peer, std::string_view why) {
        statement_use use(set_refusal_);
        const std::string key = refusal_key(peer);
        bind_text(use.get(), 1, key);
        bind_text(use.get(), 2, why);
        use.step();
    }
    std::optional<std::string> refusal(const uuid& peer) {
        statement_use use(get_refusal_);
        const std::string key = refusal_key(peer);
        bind_text(use.get(), 1, key);
        if (!use.step()) return std::nullopt;
        const auto* text = sqlite3_column_text(use.get(), 0);
        return std::string(text ? reinterpret_cast<const char*>(text) : "");
    }
    void clear_refusal(const uuid& peer) {
        statement_use use(clear_refusal_);
        const std::string key = refusal_key(peer);
        bind_text(use.get(), 1, key);
        use.step();
    }
    static std::string refusal_key(const uuid& peer) { return "refused " + peer.to_string(); }

private:
    static void run_with_peer(const statement& st, const uuid& peer, std::optional<std::uint64_t> value = {}) {
        statement_use use(st);
        bind_uuid(use.get(), 1, peer);
        if (value) check_sqlite(sqlite3_bind_int64(use.get(), 2, static_cast<sqlite3_int64>(*value)), use.get());
        use.step();
    }

    statement pair_;
    statement keys_;
    statement has_key_;
    statement unpair_;
    statement paired_;
    statement get_;
    statement set_received_;
    statement set_acked_;
    statement min_acked_;
    statement set_checkpoint_;
    statement get_checkpoint_;
    statement clear_checkpoints_;
    statement set_refusal_;
    statement get_refusal_;
    statement clear_refusal_;
};

}  // namespace hsync::detail
