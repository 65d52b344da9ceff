#pragma once
// The shared change log: every shared change this device made or received, keyed by
// HLC, so that any device can serve any change to a third one. Entries are pruned only
// up to an HLC every peer has acknowledged (the engine decides which).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/detail/statement.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/store/change.hpp>

namespace hsync::detail {

class change_log {
public:
    explicit change_log(SQLite::Database& db)
        : append_(db,
                  "INSERT INTO hsync_shared_log (hlc, model, record_id, change_type, data) VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT(hlc) DO NOTHING"),
          contains_(db, "SELECT 1 FROM hsync_shared_log WHERE hlc = ?"),
          since_(db,
                 "SELECT hlc, model, record_id, change_type, data FROM hsync_shared_log WHERE hlc > ? "
                 "ORDER BY hlc LIMIT ?"),
          range_(db,
                 "SELECT hlc, model, record_id, change_type, data FROM hsync_shared_log WHERE hlc >= ? AND hlc <= ? "
                 "ORDER BY hlc LIMIT ?"),
          prune_(db, "DELETE FROM hsync_shared_log WHERE hlc <= ?"),
          size_(db, "SELECT count(*) FROM hsync_shared_log") {}

    // Appends an entry; false when an entry with the same HLC is already there.
    bool append(const shared_entry& e) {
        const std::vector<std::uint8_t> data = nlohmann::json::to_msgpack(e.data);
        return append(e, data);
    }

    bool append(const shared_entry& e, const std::vector<std::uint8_t>& msgpack_data) {
        statement_use use(append_);
        sqlite3_stmt* s = use.get();
        const hlc_bytes key = encode_hlc(e.stamp);
        bind_hlc(s, 1, key);
        bind_text(s, 2, e.model);
        bind_uuid(s, 3, e.record);
        check_sqlite(sqlite3_bind_int(s, 4, static_cast<int>(e.type)), s);
        bind_bytes(s, 5, msgpack_data.data(), msgpack_data.size());
        use.step();
        return sqlite3_changes(sqlite3_db_handle(s)) == 1;
    }

    bool contains(const hlc& stamp) {
        statement_use use(contains_);
        const hlc_bytes key = encode_hlc(stamp);
        bind_hlc(use.get(), 1, key);
        return use.step();
    }

    // Entries strictly after `after`, in HLC order, at most `limit` of them.
    std::vector<shared_entry> fetch_since(const hlc& after, std::size_t limit) {
        statement_use use(since_);
        const hlc_bytes key = encode_hlc(after);
        bind_hlc(use.get(), 1, key);
        bind_limit(use.get(), 2, limit);
        return read_entries(use);
    }

    // Entries with from <= HLC <= to, in HLC order, at most `limit` of them.
    std::vector<shared_entry> fetch_range(const hlc& from, const hlc& to, std::size_t limit) {
        statement_use use(range_);
        const hlc_bytes lo = encode_hlc(from);
        const hlc_bytes hi = encode_hlc(to);
        bind_hlc(use.get(), 1, lo);
        bind_hlc(use.get(), 2, hi);
        bind_limit(use.get(), 3, limit);
        return read_entries(use);
    }

    // Removes every entry with HLC <= through; returns how many.
    std::size_t prune_through(const hlc& through) {
        statement_use use(prune_);
        const hlc_bytes key = encode_hlc(through);
        bind_hlc(use.get(), 1, key);
        use.step();
        return static_cast<std::size_t>(sqlite3_changes(sqlite3_db_handle(use.get())));
    }

    std::size_t size() {
        statement_use use(size_);
        use.step();
        return static_cast<std::size_t>(sqlite3_column_int64(use.get(), 0));
    }

private:
    static void bind_limit(sqlite3_stmt* s, int index, std::size_t limit) {
        const auto capped = limit > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<sqlite3_int64>(limit);
        check_sqlite(sqlite3_bind_int64(s, index, capped), s);
    }

    static std::vector<shared_entry> read_entries(statement_use& use) {
        std::vector<shared_entry> out;
        sqlite3_stmt* s = use.get();
        while (use.step()) {
            shared_entry e;
            auto stamp = decode_hlc(sqlite3_column_blob(s, 0), sqlite3_column_bytes(s, 0));
            uuid record;
            const int type = sqlite3_column_int(s, 3);
            if (!stamp || read_uuid_column(s, 2, record) || type < 1 || type > 3 ||
                sqlite3_column_type(s, 1) != SQLITE_TEXT) {
                throw error(errc::storage, "hsync: a row of hsync_shared_log is malformed");
            }
            e.stamp = *stamp;
            e.model = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
            e.record = record;
            e.type = static_cast<change_type>(type);
            const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 4));
            const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, 4));
            e.data = n == 0 ? nlohmann::json::object() : nlohmann::json::from_msgpack(p, p + n);
            out.push_back(std::move(e));
        }
        return out;
    }

    statement append_;
    statement contains_;
    statement since_;
    statement range_;
    statement prune_;
    statement size_;
};

}  // namespace hsync::detail
