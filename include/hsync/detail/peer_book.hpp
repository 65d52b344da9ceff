#pragma once
// Per-peer bookkeeping the sync engine needs to resume where it stopped: the shared-log
// HLC each peer acknowledged, the device-owned state watermark per (peer, owner, model),
// and backfill checkpoints. Kept in the library's file, written in its transactions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/statement.hpp>
#include <hsync/detail/sqlite_codec.hpp>

namespace hsync::detail {

class peer_book {
public:
    explicit peer_book(SQLite::Database& db)
        : set_ack_(db,
                   "INSERT INTO hsync_peer_acks (peer, acked_hlc) VALUES (?, ?) ON CONFLICT(peer) DO UPDATE SET "
                   "acked_hlc = max(acked_hlc, excluded.acked_hlc)"),
          get_ack_(db, "SELECT acked_hlc FROM hsync_peer_acks WHERE peer = ?"),
          all_acks_(db, "SELECT peer, acked_hlc FROM hsync_peer_acks ORDER BY peer"),
          set_mark_(db,
                    "INSERT INTO hsync_state_watermarks (peer, owner, model, hlc) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(peer, owner, model) DO UPDATE SET hlc = max(hlc, excluded.hlc)"),
          get_mark_(db, "SELECT hlc FROM hsync_state_watermarks WHERE peer = ? AND owner = ? AND model = ?"),
          set_checkpoint_(db,
                          "INSERT INTO hsync_backfill_checkpoints (peer, model, checkpoint) VALUES (?, ?, ?) "
                          "ON CONFLICT(peer, model) DO UPDATE SET checkpoint = excluded.checkpoint"),
          get_checkpoint_(db, "SELECT checkpoint FROM hsync_backfill_checkpoints WHERE peer = ? AND model = ?"),
          clear_checkpoint_(db, "DELETE FROM hsync_backfill_checkpoints WHERE peer = ? AND model = ?") {}

    // Acknowledgements only move forward.
    void acknowledge(const uuid& peer, const hlc& up_to) {
        statement_use use(set_ack_);
        const hlc_bytes b = encode_hlc(up_to);
        bind_uuid(use.get(), 1, peer);
        bind_hlc(use.get(), 2, b);
        use.step();
    }

    std::optional<hlc> acknowledged(const uuid& peer) {
        statement_use use(get_ack_);
        bind_uuid(use.get(), 1, peer);
        if (!use.step()) return std::nullopt;
        return decode_hlc(sqlite3_column_blob(use.get(), 0), sqlite3_column_bytes(use.get(), 0));
    }

    std::map<uuid, hlc> all_acknowledged() {
        statement_use use(all_acks_);
        std::map<uuid, hlc> out;
        while (use.step()) {
            uuid peer;
            auto h = decode_hlc(sqlite3_column_blob(use.get(), 1), sqlite3_column_bytes(use.get(), 1));
            if (!read_uuid_column(use.get(), 0, peer) && h) out.emplace(peer, *h);
        }
        return out;
    }

    // Watermarks only move forward.
    void set_watermark(const uuid& peer, const uuid& owner, std::string_view model, const hlc& mark) {
        statement_use use(set_mark_);
        const hlc_bytes b = encode_hlc(mark);
        bind_uuid(use.get(), 1, peer);
        bind_uuid(use.get(), 2, owner);
        bind_text(use.get(), 3, model);
        bind_hlc(use.get(), 4, b);
        use.step();
    }

    std::optional<hlc> watermark(const uuid& peer, const uuid& owner, std::string_view model) {
        statement_use use(get_mark_);
        bind_uuid(use.get(), 1, peer);
        bind_uuid(use.get(), 2, owner);
        bind_text(use.get(), 3, model);
        if (!use.step()) return std::nullopt;
        return decode_hlc(sqlite3_column_blob(use.get(), 0), sqlite3_column_bytes(use.get(), 0));
    }

    void set_checkpoint(const uuid& peer, std::string_view model, const std::vector<std::uint8_t>& checkpoint) {
        statement_use use(set_checkpoint_);
        bind_uuid(use.get(), 1, peer);
        bind_text(use.get(), 2, model);
        bind_bytes(use.get(), 3, checkpoint.data(), checkpoint.size());
        use.step();
    }

    std::optional<std::vector<std::uint8_t>> checkpoint(const uuid& peer, std::string_view model) {
        statement_use use(get_checkpoint_);
        bind_uuid(use.get(), 1, peer);
        bind_text(use.get(), 2, model);
        if (!use.step()) return std::nullopt;
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(use.get(), 0));
        return std::vector<std::uint8_t>(p, p + sqlite3_column_bytes(use.get(), 0));
    }

    void clear_checkpoint(const uuid& peer, std::string_view model) {
        statement_use use(clear_checkpoint_);
        bind_uuid(use.get(), 1, peer);
        bind_text(use.get(), 2, model);
        use.step();
    }

private:
    statement set_ack_;
    statement get_ack_;
    statement all_acks_;
    statement set_mark_;
    statement get_mark_;
    statement set_checkpoint_;
    statement get_checkpoint_;
    statement clear_checkpoint_;
};

}  // namespace hsync::detail
