#pragma once
// The values of carried fields (store/detail/layout_migration.hpp): fields of a shared
// model that peers on another version of the models have and this build lacks. Each is
// kept per record with the HLC of its last write, merged last-writer-wins like a column,
// so that this device serves them on, in log entries and in snapshots, to a device that
// knows them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/store/detail/statement.hpp>

namespace hsync::detail {

class carried_values {
public:
    explicit carried_values(SQLite::Database& db)
        : put_(db,
               "INSERT INTO hsync_carried (model, record_id, field, value, hlc) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(model, record_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc "
               "WHERE excluded.hlc > hlc"),
          of_(db, "SELECT record_id, field, value, hlc FROM hsync_carried WHERE model = ? AND record_id = ?"),
          of_field_(db, "SELECT record_id, field, value, hlc FROM hsync_carried WHERE model = ? AND field = ?"),
          erase_(db, "DELETE FROM hsync_carried WHERE model = ? AND record_id = ?") {}

    // Stores the value unless the field holds a later write; whether it was stored.
    bool put(std::string_view model, const uuid& record, std::string_view field, std::string_view item, const hlc& stamp) {
        statement_use use(put_);
        sqlite3_stmt* s = use.get();
        bind_text(s, 1, model);
        bind_uuid(s, 2, record);
        bind_text(s, 3, field);
        bind_bytes(s, 4, item.data(), item.size());
        const hlc_bytes key = encode_hlc(stamp);
        bind_hlc(s, 5, key);
        use.step();
        return sqlite3_changes(sqlite3_db_handle(s)) == 1;
    }

    struct value {
        uuid record;
        std::string field;
        std::string packed;  // one MessagePack item
        hlc stamp;
    };

    // The values held for one record.
    std::vector<value> of(std::string_view model, const uuid& record) {
        statement_use use(of_);
        bind_text(use.get(), 1, model);
        bind_uuid(use.get(), 2, record);
        return read_all(use);
    }

    // The values held for one field, of every record.
    std::vector<value> of_field(std::string_view model, std::string_view field) {
        statement_use use(of_field_);
        bind_text(use.get(), 1, model);
        bind_text(use.get(), 2, field);
        return read_all(use);
    }

    void erase(std::string_view model, const uuid& record) {
        statement_use use(erase_);
        bind_text(use.get(), 1, model);
        bind_uuid(use.get(), 2, record);
        use.step();
    }

private:
    static std::vector<value> read_all(statement_use& use) {
        std::vector<value> out;
        while (use.step()) {
            sqlite3_stmt* s = use.get();
            uuid record;
            if (read_uuid_column(s, 0, record)) continue;
            const auto* bytes = static_cast<const char*>(sqlite3_column_blob(s, 2));
            const auto stamp = decode_hlc(sqlite3_column_blob(s, 3), sqlite3_column_bytes(s, 3));
            if (!stamp) continue;
            out.push_back(value{record, reinterpret_cast<const char*>(sqlite3_column_text(s, 1)),
                                std::string(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 2))), *stamp});
        }
        return out;
    }

    statement put_;
    statement of_;
    statement of_field_;
    statement erase_;
};

}  // namespace hsync::detail
