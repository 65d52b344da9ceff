#pragma once
// Tombstones: the ids of deleted records, with the HLC of the delete. Deletes are final:
// a record id that has a tombstone never comes back, from any change, in any order.

#include <cstdint>
#include <functional>
#include <map>
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

class tombstones {
public:
    // `sole_writer`: this connection is the only one that writes the file (the library
    // lock), so what it learnt about the table stays true; a read-only viewer is not.
    tombstones(SQLite::Database& db, bool sole_writer)
        : sole_writer_(sole_writer),
          put_(db,
               "INSERT INTO hsync_tombstones (model, record_id, hlc, owner, seq) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(model, record_id) DO UPDATE SET hlc = excluded.hlc, seq = excluded.seq "
               "WHERE excluded.hlc > hlc"),
          get_(db, "SELECT hlc FROM hsync_tombstones WHERE model = ? AND record_id = ?"),
          any_(db, "SELECT 1 FROM hsync_tombstones WHERE model = ? LIMIT 1"),
          page_(db,
                "SELECT record_id, hlc, owner, seq FROM hsync_tombstones WHERE model = ? AND seq > ? AND seq <= ? "
                "ORDER BY seq LIMIT ?") {}

    struct entry {
        uuid record;
        hlc stamp;
        std::optional<uuid> owner;  // device-owned records only
        std::uint64_t seq = 0;
    };

    // Records the delete; a later delete of the same record keeps the greater HLC.
    // Returns whether the tombstone is new or moved.
    bool put(std::string_view model, const uuid& record, const hlc& stamp, const std::optional<uuid>& owner,
             std::uint64_t seq) {
        note_deleted(model);
        statement_use use(put_);
        const hlc_bytes b = encode_hlc(stamp);
        bind_text(use.get(), 1, model);
        bind_uuid(use.get(), 2, record);
        bind_hlc(use.get(), 3, b);
        if (owner) {
            bind_uuid(use.get(), 4, *owner);
        } else {
            check_sqlite(sqlite3_bind_null(use.get(), 4), use.get());
        }
        check_sqlite(sqlite3_bind_int64(use.get(), 5, static_cast<sqlite3_int64>(seq)), use.get());
        use.step();
        return sqlite3_changes(sqlite3_db_handle(use.get())) == 1;
    }

    // Tombstones of `model` with seq in (since, until], in seq order.
    std::vector<entry> between(std::string_view model, std::uint64_t since, std::uint64_t until, std::size_t limit) {
        statement_use use(page_);
        sqlite3_stmt* s = use.get();
        bind_text(s, 1, model);
        check_sqlite(sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(since)), s);
        check_sqlite(sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(until)), s);
        check_sqlite(sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(limit)), s);
        std::vector<entry> out;
        while (use.step()) {
            entry e;
            auto stamp = decode_hlc(sqlite3_column_blob(s, 1), sqlite3_column_bytes(s, 1));
            if (read_uuid_column(s, 0, e.record) || !stamp) throw error(errc::storage, "hsync: a tombstone is malformed");
            e.stamp = *stamp;
            if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
                uuid owner;
                if (read_uuid_column(s, 2, owner)) throw error(errc::storage, "hsync: a tombstone is malformed");
                e.owner = owner;
            }
            e.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
            out.push_back(e);
        }
        return out;
    }

    std::optional<hlc> find(std::string_view model, const uuid& record) {
        if (none_of(model)) return std::nullopt;
        statement_use use(get_);
        bind_text(use.get(), 1, model);
        bind_uuid(use.get(), 2, record);
        if (!use.step()) return std::nullopt;
        return decode_hlc(sqlite3_column_blob(use.get(), 0), sqlite3_column_bytes(use.get(), 0));
    }

private:
    // Whether `model` has no tombstone at all, known without a lookup per record: a new
    // device that receives a backfill, or a library that never deleted, asks for every
    // record it writes. Once a model has a tombstone it is asked for each record again
    // (even if the transaction that wrote it rolled back), so the answer errs on the safe side.
    bool none_of(std::string_view model) {
        if (!sole_writer_) return false;
        auto known = has_tombstone_.find(model);
        if (known == has_tombstone_.end()) {
            statement_use use(any_);
            bind_text(use.get(), 1, model);
            known = has_tombstone_.emplace(std::string(model), use.step()).first;
        }
        return !known->second;
    }

    void note_deleted(std::string_view model) {
        if (const auto known = has_tombstone_.find(model); known != has_tombstone_.end()) known->second = true;
    }

    bool sole_writer_;
    std::map<std::string, bool, std::less<>> has_tombstone_;  // per model, once asked
    statement put_;
    statement get_;
    statement any_;
    statement page_;
};

}  // namespace hsync::detail
