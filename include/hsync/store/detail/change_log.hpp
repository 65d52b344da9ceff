#pragma once
// The shared change log: every shared change this device made or received, keyed by
// HLC, so that any device can serve any change to a third one. Entries are served and
// pruned by this device's seq (the engine decides up to where).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/store/detail/statement.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/store/change.hpp>

namespace hsync::detail {

class change_log {
public:
    explicit change_log(SQLite::Database& db)
        : append_(db,
                  "INSERT INTO hsync_shared_log (hlc, seq, model, record_id, change_type, fields, data) VALUES (?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT(hlc) DO NOTHING"),
          by_hlc_(db, "SELECT hlc, model, record_id, change_type, fields, data, seq FROM hsync_shared_log WHERE hlc = ?"),
          by_seq_(db,
                  "SELECT hlc, model, record_id, change_type, fields, data, seq FROM hsync_shared_log WHERE seq > ? AND seq <= ? "
                  "ORDER BY seq LIMIT ?"),
          by_model_seq_(db,
                        "SELECT hlc, model, record_id, change_type, fields, data, seq FROM hsync_shared_log WHERE model = ? AND "
                        "seq > ? AND seq <= ? ORDER BY seq LIMIT ?"),
          move_(db, "UPDATE hsync_shared_log SET seq = ?, fields = ?, data = ? WHERE hlc = ?"),
          prune_seq_(db, "DELETE FROM hsync_shared_log WHERE seq <= ?"),
          oldest_(db, "SELECT seq FROM hsync_shared_log ORDER BY seq LIMIT 1 OFFSET ?"),
          size_(db, "SELECT count(*) FROM hsync_shared_log") {}

    // Appends an entry at this device's sequence number `seq`; false when an entry with
    // the same HLC is already there.
    bool append(const shared_entry& e, std::uint64_t seq) {
        statement_use use(append_);
        sqlite3_stmt* s = use.get();
        const hlc_bytes key = encode_hlc(e.stamp);
        bind_hlc(s, 1, key);
        check_sqlite(sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(seq)), s);
        bind_text(s, 3, e.model);
        bind_uuid(s, 4, e.record);
        check_sqlite(sqlite3_bind_int(s, 5, static_cast<int>(e.type)), s);
        // The field word is stored as the int64 with the same bits (SQLite has no uint64).
        check_sqlite(sqlite3_bind_int64(s, 6, static_cast<sqlite3_int64>(e.values.fields)), s);
        bind_bytes(s, 7, reinterpret_cast<const std::uint8_t*>(e.values.packed.data()), e.values.packed.size());
        use.step();
        return sqlite3_changes(sqlite3_db_handle(s)) == 1;
    }

    // Replaces the values of the entry under e.stamp with e's and moves it to `seq`, so
    // that peers that were served the entry before are served it again.
    void move(const shared_entry& e, std::uint64_t seq) {
        statement_use use(move_);
        sqlite3_stmt* s = use.get();
        check_sqlite(sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(seq)), s);
        check_sqlite(sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(e.values.fields)), s);
        bind_bytes(s, 3, e.values.packed.data(), e.values.packed.size());
        const hlc_bytes key = encode_hlc(e.stamp);
        bind_hlc(s, 4, key);
        use.step();
    }

    struct page {
        std::vector<shared_entry> entries;
        std::vector<std::uint64_t> seqs;  // the seq of each entry
    };

    // The entry stored under `stamp`, if any.
    std::optional<shared_entry> find(const hlc& stamp) {
        statement_use use(by_hlc_);
        const hlc_bytes key = encode_hlc(stamp);
        bind_hlc(use.get(), 1, key);
        auto found = read_entries(use);
        if (found.empty()) return std::nullopt;
        return std::move(found.front());
    }

    // Entries with seq in (since, until], in seq order: the order this device stored them.
    page fetch_seq_between(std::uint64_t since, std::uint64_t until, std::size_t limit) {
        return fetch_page(by_seq_, {}, since, until, limit);
    }

    // The same, of one model only: a catch-up fetches each model's history in its turn.
    page fetch_model_seq_between(std::string_view model, std::uint64_t since, std::uint64_t until, std::size_t limit) {
        return fetch_page(by_model_seq_, model, since, until, limit);
    }

    // Removes every entry with seq <= through; returns how many.
    std::size_t prune_through_seq(std::uint64_t through) {
        statement_use use(prune_seq_);
        check_sqlite(sqlite3_bind_int64(use.get(), 1, static_cast<sqlite3_int64>(through)), use.get());
        use.step();
        return static_cast<std::size_t>(sqlite3_changes(sqlite3_db_handle(use.get())));
    }

    // The seq of the (n+1)-th oldest entry, if the log holds that many.
    std::optional<std::uint64_t> nth_oldest_seq(std::size_t n) {
        statement_use use(oldest_);
        check_sqlite(sqlite3_bind_int64(use.get(), 1, static_cast<sqlite3_int64>(n)), use.get());
        if (!use.step()) return std::nullopt;
        return static_cast<std::uint64_t>(sqlite3_column_int64(use.get(), 0));
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

    static std::vector<shared_entry> read_entries(statement_use& use, std::vector<std::uint64_t>* seqs = nullptr) {
        std::vector<shared_entry> out;
        sqlite3_stmt* s = use.get();
        while (use.step()) {
            if (seqs) seqs->push_back(static_cast<std::uint64_t>(sqlite3_column_int64(s, 6)));
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
            e.values.fields = static_cast<std::uint64_t>(sqlite3_column_int64(s, 4));
            const auto* p = static_cast<const char*>(sqlite3_column_blob(s, 5));
            e.values.packed.assign(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 5)));
            out.push_back(std::move(e));
        }
        return out;
    }

    // by_seq_ or by_model_seq_ (which binds the model first).
    page fetch_page(statement& stmt, std::string_view model, std::uint64_t since, std::uint64_t until, std::size_t limit) {
        statement_use use(stmt);
        sqlite3_stmt* s = use.get();
        int at = 1;
        if (!model.empty()) bind_text(s, at++, model);
        check_sqlite(sqlite3_bind_int64(s, at++, static_cast<sqlite3_int64>(since)), s);
        check_sqlite(sqlite3_bind_int64(s, at++, static_cast<sqlite3_int64>(until)), s);
        bind_limit(s, at, limit);
        page out;
        out.entries = read_entries(use, &out.seqs);
        return out;
    }

    statement append_;
    statement by_hlc_;
    statement by_seq_;
    statement by_model_seq_;
    statement move_;
    statement prune_seq_;
    statement oldest_;
    statement size_;
};

}  // namespace hsync::detail
