#pragma once
// One model's table: its prepared statements and the reading and writing of whole rows
// (the model's fields plus hsync's version and per-field clocks). Merging decisions are
// made by the library; this layer only moves rows.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/store/detail/statement.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/schema.hpp>

namespace hsync::detail {

template <class M>
struct stored_row {
    static constexpr std::size_t clock_count = model_traits<M>::synced_count - 1;

    M value{};
    std::uint64_t seq = 0;                             // this device's seq of the row's last write
    std::optional<hlc> version;                        // owner's HLC (device-owned records)
    // Device-owned records: the fields the state stored at `version` did not carry (it came
    // through an older version of the models), one name per line; their values are kept
    // from before or defaulted, and a copy of the same version that carries them fills them.
    std::string partial;
    std::array<std::optional<hlc>, clock_count> clocks{};  // per clocked field (shared records)
};

template <class M>
class model_store {
public:
    using traits = model_traits<M>;
    static constexpr auto clocked = clocked_indices<M>();

    explicit model_store(SQLite::Database& db)
        : db_(db), columns_(model_columns<M>()), select_prefix_(make_select_prefix()),
          select_one_(prepare_after_ensure(db, select_prefix_ + " WHERE " + id_column() + " = ?")),
          upsert_(db, make_upsert()),
          page_(db, select_prefix_ + " WHERE hsync_seq > ? AND hsync_seq <= ? ORDER BY hsync_seq LIMIT ?"),
          delete_(db, "DELETE FROM " + quote_identifier(traits::name) + " WHERE " + id_column() + " = ?") {}

    std::optional<stored_row<M>> find(const uuid& id) {
        statement_use use(select_one_);
        bind_uuid(use.get(), 1, id);
        if (!use.step()) return std::nullopt;
        return read_row(use.get());
    }

    void write(const stored_row<M>& row) {
        statement_use use(upsert_);
        sqlite3_stmt* s = use.get();
        int index = 1;
        for_each_field(row.value, [&](auto i, const auto& field) {
            bind_field(s, index++, field, traits::name, traits::field_names[decltype(i)::value]);
        });
        hlc_bytes version_bytes{};
        if constexpr (has_version<M>) {
            if (row.version) {
                version_bytes = encode_hlc(*row.version);
                bind_hlc(s, index++, version_bytes);
            } else {
                check_sqlite(sqlite3_bind_null(s, index++), s);
            }
            if (row.partial.empty()) {
                check_sqlite(sqlite3_bind_null(s, index++), s);
            } else {
                bind_text(s, index++, row.partial);
            }
        }
        check_sqlite(sqlite3_bind_int64(s, index++, static_cast<sqlite3_int64>(row.seq)), s);
        std::array<hlc_bytes, stored_row<M>::clock_count> clock_bytes{};
        if constexpr (has_field_clocks<M>) {
            for (std::size_t k = 0; k < clocked.size(); ++k) {
                if (row.clocks[k]) {
                    clock_bytes[k] = encode_hlc(*row.clocks[k]);
                    bind_hlc(s, index++, clock_bytes[k]);
                } else {
                    bind_bytes(s, index++, nullptr, 0);
                }
            }
        }
        use.step();
    }

    // Rows whose last write has a seq in (since, until], in seq order.
    std::vector<stored_row<M>> rows_between(std::uint64_t since, std::uint64_t until, std::size_t limit) {
        statement_use use(page_);
        check_sqlite(sqlite3_bind_int64(use.get(), 1, static_cast<sqlite3_int64>(since)), use.get());
        check_sqlite(sqlite3_bind_int64(use.get(), 2, static_cast<sqlite3_int64>(until)), use.get());
        check_sqlite(sqlite3_bind_int64(use.get(), 3, static_cast<sqlite3_int64>(limit)), use.get());
        std::vector<stored_row<M>> out;
        while (use.step()) out.push_back(read_row(use.get()));
        return out;
    }

    void erase(const uuid& id) {
        statement_use use(delete_);
        bind_uuid(use.get(), 1, id);
        use.step();
    }

    // Rows matching an SQL tail ("WHERE ... ORDER BY ..."), with its parameters bound
    // by `bind(sqlite3_stmt*)`; `take(M&, seq)` gets each row's record, to keep or move
    // from, with its row's seq.
    template <class Bind, class Take>
    void select(std::string_view tail, Bind&& bind, Take&& take) {
        statement stmt(db_, select_prefix_ + " " + std::string(tail));
        statement_use use(stmt);
        bind(use.get());
        while (use.step()) {
            auto row = read_row(use.get());
            take(row.value, row.seq);
        }
    }

    static std::string column_label(std::string_view field) {
        return "model '" + std::string(traits::name) + "', field '" + std::string(field) + "'";
    }

private:
    static std::string id_column() { return quote_identifier(traits::field_names[traits::id_index]); }

    // Creates or checks the table before the first statement is prepared against it.
    static statement prepare_after_ensure(SQLite::Database& db, const std::string& sql) {
        ensure_table(db, traits::name, model_columns<M>());
        return statement(db, sql);
    }

    std::string make_select_prefix() const {
        std::string sql = "SELECT ";
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            if (i) sql += ", ";
            sql += quote_identifier(columns_[i].name);
        }
        return sql + " FROM " + quote_identifier(traits::name);
    }

    std::string make_upsert() const {
        std::string names, params, updates;
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            const std::string q = quote_identifier(columns_[i].name);
            names += (i ? ", " : "") + q;
            params += i ? ", ?" : "?";
            if (!columns_[i].primary_key) updates += (updates.empty() ? "" : ", ") + q + " = excluded." + q;
        }
        return "INSERT INTO " + quote_identifier(traits::name) + " (" + names + ") VALUES (" + params +
               ") ON CONFLICT(" + id_column() + ") DO UPDATE SET " + updates;
    }

    static std::optional<hlc> read_clock(sqlite3_stmt* s, int col, std::string_view what) {
        const int type = sqlite3_column_type(s, col);
        if (type == SQLITE_NULL) return std::nullopt;
        if (type == SQLITE_BLOB) {
            const int n = sqlite3_column_bytes(s, col);
            if (n == 0) return std::nullopt;
            if (auto h = decode_hlc(sqlite3_column_blob(s, col), n)) return h;
        }
        throw error(errc::invalid_model_data, "hsync: model '" + std::string(traits::name) + "': column '" +
                                                  std::string(what) + "' does not hold an HLC");
    }

    stored_row<M> read_row(sqlite3_stmt* s) const {
        stored_row<M> row;
        int col = 0;
        for_each_field(row.value, [&](auto i, auto& field) {
            if (auto err = read_field(s, col++, field)) {
                throw error(errc::invalid_model_data,
                            "hsync: " + column_label(traits::field_names[decltype(i)::value]) +
                                " in the database: " + err->message());
            }
        });
        if constexpr (has_version<M>) {
            row.version = read_clock(s, col++, "hsync_version");
            if (const auto* text = sqlite3_column_text(s, col++)) row.partial = reinterpret_cast<const char*>(text);
        }
        row.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, col++));
        if constexpr (has_field_clocks<M>) {
            for (std::size_t k = 0; k < clocked.size(); ++k) row.clocks[k] = read_clock(s, col++, "hsync_clock");
        }
        return row;
    }

    SQLite::Database& db_;
    std::vector<column_def> columns_;
    std::string select_prefix_;
    statement select_one_;
    statement upsert_;
    statement page_;
    statement delete_;
};

}  // namespace hsync::detail
