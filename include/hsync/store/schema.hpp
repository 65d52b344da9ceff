#pragma once
// The table of each model, derived from its traits, and the check that an existing
// database file still matches the models: new fields are added, anything that would lose
// data is refused with a message saying what changed.
//
// A model's table is named after the model and has one column per field (local<> ones
// included: they are stored, just not sent), the record id as PRIMARY KEY, and hsync's
// own columns:
//   hsync_version          device-owned and mixed: the owner's HLC of the stored state
//   hsync_partial          device-owned and mixed: the fields that state did not carry
//                          (it came from an older version of the models), or NULL
//   hsync_seq              this device's sequence number of the row's last write, by
//                          which peers page through what changed (indexed)
//   hsync_clock_<field>    shared and mixed: the HLC of the field's last write

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <hsync/core/error.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/model/column.hpp>
#include <hsync/model/traits.hpp>

namespace hsync::detail {

struct column_def {
    std::string name;
    sql_type type = sql_type::blob;
    bool nullable = false;
    bool primary_key = false;
    std::string default_sql;  // for ALTER TABLE ADD COLUMN
};

inline std::string quote_identifier(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    return out + "\"";
}

template <class M>
inline constexpr bool has_field_clocks = model_traits<M>::strategy != strategy::device_owned;
template <class M>
inline constexpr bool has_version = model_traits<M>::strategy != strategy::shared;

// The synced fields that carry a per-field clock: every synced field but the id.
template <class M>
consteval auto clocked_indices() {
    using traits = model_traits<M>;
    std::array<std::size_t, traits::synced_count - 1> out{};
    std::size_t n = 0;
    for (std::size_t i : traits::synced_indices) {
        if (i != traits::id_index) out[n++] = i;
    }
    return out;
}

template <class M>
std::vector<column_def> model_columns() {
    using traits = model_traits<M>;
    std::vector<column_def> cols;
    const M defaults{};
    for_each_field(defaults, [&](auto index, const auto& field) {
        constexpr std::size_t i = decltype(index)::value;
        using F = field_type_t<M, i>;
        cols.push_back(column_def{std::string(traits::field_names[i]), column_mapping<F>::type,
                                  column_mapping<F>::nullable, i == traits::id_index, sql_literal(field)});
    });
    if constexpr (has_version<M>) {
        // NULL for the shared records of a mixed model.
        cols.push_back(column_def{"hsync_version", sql_type::blob, true, false, "NULL"});
        cols.push_back(column_def{"hsync_partial", sql_type::text, true, false, "NULL"});
    }
    cols.push_back(column_def{"hsync_seq", sql_type::integer, false, false, "0"});
    if constexpr (has_field_clocks<M>) {
        for (std::size_t i : clocked_indices<M>()) {
            cols.push_back(column_def{"hsync_clock_" + std::string(traits::field_names[i]), sql_type::blob, false,
                                      false, "x''"});
        }
    }
    return cols;
}

inline std::string column_sql(const column_def& c) {
    std::string sql = quote_identifier(c.name) + " " + std::string(to_string(c.type));
    if (c.primary_key) return sql + " NOT NULL PRIMARY KEY";
    if (!c.nullable) sql += " NOT NULL";
    return sql + " DEFAULT " + c.default_sql;
}

inline std::string create_table_sql(std::string_view table, const std::vector<column_def>& cols) {
    std::string sql = "CREATE TABLE " + quote_identifier(table) + " (";
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (i) sql += ", ";
        sql += column_sql(cols[i]);
    }
    // The record id is the key: rows are stored in id order (v7 ids append at the end).
    return sql + ") WITHOUT ROWID";
}

[[noreturn]] inline void schema_mismatch(std::string_view table, const std::string& what) {
    throw error(errc::schema_mismatch, "hsync: table '" + std::string(table) + "' does not match its model: " + what);
}

// Creates the table, or checks an existing one against the model and adds the columns
// of new fields. Refuses a removed field, a changed type or nullability, or another
// primary key: each would lose or reinterpret stored data.
inline void ensure_table(SQLite::Database& db, std::string_view table, const std::vector<column_def>& cols) {
    struct existing_column {
        std::string name;
        std::string type;
        bool not_null;
        bool primary_key;
    };
    std::vector<existing_column> existing;
    {
        SQLite::Statement info(db, "PRAGMA table_info(" + quote_identifier(table) + ")");
        while (info.executeStep()) {
            existing.push_back(existing_column{info.getColumn(1).getString(), info.getColumn(2).getString(),
                                               info.getColumn(3).getInt() != 0, info.getColumn(5).getInt() != 0});
        }
    }
    const std::string index = "CREATE INDEX IF NOT EXISTS " + quote_identifier("hsync_seq_" + std::string(table)) +
                              " ON " + quote_identifier(table) + " (hsync_seq)";
    if (existing.empty()) {
        db.exec(create_table_sql(table, cols));
        db.exec(index);
        return;
    }
    auto describe = [](std::string_view type, bool not_null) {
        return std::string(type) + (not_null ? " NOT NULL" : " (nullable)");
    };
    for (const auto& e : existing) {
        const column_def* want = nullptr;
        for (const auto& c : cols) {
            if (c.name == e.name) want = &c;
        }
        // The clock of a field that stopped syncing (it became local<>): left unused.
        if (want == nullptr && e.name.starts_with("hsync_clock_")) continue;
        if (want == nullptr) {
            schema_mismatch(table, "column '" + e.name +
                                       "' is not a field of the model; removing or renaming a field would lose "
                                       "its data. Keep the field (as hsync::local<> if it should stop syncing), "
                                       "or migrate the table yourself before opening it");
        }
        const bool want_not_null = !want->nullable || want->primary_key;
        if (e.type != to_string(want->type) || e.not_null != want_not_null) {
            schema_mismatch(table, "column '" + e.name + "' is " + describe(e.type, e.not_null) +
                                       " in the database but the model declares " +
                                       describe(to_string(want->type), want_not_null) +
                                       "; changing a field's type or nullability could lose data, so declare it "
                                       "as before or migrate the table yourself");
        }
        if (e.primary_key != want->primary_key) {
            schema_mismatch(table, "column '" + e.name + "' " +
                                       (e.primary_key ? "is" : "is not") +
                                       " the primary key in the database; the record id field must stay the same");
        }
    }
    for (const auto& c : cols) {
        bool present = false;
        for (const auto& e : existing) present = present || e.name == c.name;
        if (present) continue;
        if (c.primary_key) {
            schema_mismatch(table, "the record id field '" + c.name + "' is new; the record id must stay the same");
        }
        db.exec("ALTER TABLE " + quote_identifier(table) + " ADD COLUMN " + column_sql(c));
    }
    db.exec(index);
}

}  // namespace hsync::detail
