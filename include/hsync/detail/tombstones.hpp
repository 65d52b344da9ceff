#pragma once
// Tombstones: the ids of deleted records, with the HLC of the delete. Deletes are final:
// a record id that has a tombstone never comes back, from any change, in any order.

#include <optional>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/statement.hpp>
#include <hsync/detail/sqlite_codec.hpp>

namespace hsync::detail {

class tombstones {
public:
    explicit tombstones(SQLite::Database& db)
        : put_(db,
               "INSERT INTO hsync_tombstones (model, record_id, hlc) VALUES (?, ?, ?) "
               "ON CONFLICT(model, record_id) DO UPDATE SET hlc = max(hlc, excluded.hlc)"),
          get_(db, "SELECT hlc FROM hsync_tombstones WHERE model = ? AND record_id = ?") {}

    // Records the delete; a later delete of the same record keeps the greater HLC.
    void put(std::string_view model, const uuid& record, const hlc& stamp) {
        statement_use use(put_);
        const hlc_bytes b = encode_hlc(stamp);
        bind_text(use.get(), 1, model);
        bind_uuid(use.get(), 2, record);
        bind_hlc(use.get(), 3, b);
        use.step();
    }

    std::optional<hlc> find(std::string_view model, const uuid& record) {
        statement_use use(get_);
        bind_text(use.get(), 1, model);
        bind_uuid(use.get(), 2, record);
        if (!use.step()) return std::nullopt;
        return decode_hlc(sqlite3_column_blob(use.get(), 0), sqlite3_column_bytes(use.get(), 0));
    }

private:
    statement put_;
    statement get_;
};

}  // namespace hsync::detail
