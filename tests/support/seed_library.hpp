#pragma once
// The library of the seven seed models, and helpers the storage tests share.

#include <hsync/hsync.hpp>

#include <span>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "seed_models.hpp"

namespace hsync_test {

using seed_library = hsync::library<photos::Device, photos::Volume, photos::Location, photos::Entry, photos::Tag,
                                    photos::Album, photos::UserMetadata>;

inline const char* const seed_tables[] = {"device", "volume", "location", "entry", "tag", "album", "user_metadata"};

// The shared change log as this device stored it, oldest first (while it is not pruned).
template <class Library>
std::vector<hsync::shared_entry> log_entries(Library& lib, std::size_t limit = 1'000'000) {
    return hsync::replica(lib).shared_changes(0, limit).entries;
}

// Applies remote changes of any kind through the library's replica, as the engine does.
template <class Library>
hsync::apply_result apply_remote(Library& lib, std::span<const hsync::shared_entry> items) {
    return hsync::replica(lib).apply_shared_changes(items);
}
template <class Library>
hsync::apply_result apply_remote(Library& lib, std::span<const hsync::state_record> items) {
    return hsync::replica(lib).apply_states(items);
}
template <class Library>
hsync::apply_result apply_remote(Library& lib, std::span<const hsync::shared_snapshot> items) {
    return hsync::replica(lib).apply_snapshots(items);
}
template <class Library, class Item>
hsync::apply_result apply_remote(Library& lib, const Item& item) {
    return apply_remote(lib, std::span<const Item>(&item, 1));
}

inline photos::Tag make_tag(std::string name) {
    photos::Tag t;
    t.uuid = hsync::record_id::generate();
    t.canonical_name = std::move(name);
    return t;
}

inline photos::Location make_location(const hsync::uuid& owner, std::string path) {
    photos::Location l;
    l.uuid = hsync::record_id::generate();
    l.device = hsync::owner_id{owner};
    l.path = std::move(path);
    return l;
}

// Every row of a table, every column but the device-local sequence numbers (hsync_seq,
// seq), as text: two databases with equal dumps hold the same data. Blobs are written
// in hex, so the comparison is exact.
inline std::string dump_table(SQLite::Database& db, const std::string& table, const std::string& order_by) {
    SQLite::Statement q(db, "SELECT * FROM \"" + table + "\" ORDER BY " + order_by);
    std::string out;
    static constexpr char digits[] = "0123456789abcdef";
    while (q.executeStep()) {
        for (int i = 0; i < q.getColumnCount(); ++i) {
            const std::string name = q.getColumnName(i);
            if (name == "hsync_seq" || name == "seq") continue;
            const auto col = q.getColumn(i);
            if (col.isNull()) {
                out += "NULL";
            } else if (col.isBlob()) {
                const auto* p = static_cast<const unsigned char*>(col.getBlob());
                out += "x";
                for (int k = 0; k < col.getBytes(); ++k) {
                    out.push_back(digits[p[k] >> 4]);
                    out.push_back(digits[p[k] & 0xf]);
                }
            } else {
                out += col.getString();
            }
            out += "|";
        }
        out += "\n";
    }
    return out;
}

// The synced state of a library: every model table (fields and per-field clocks) and
// the tombstones. The shared log is left out: it holds what this device applied, and a
// change that arrives after one that dominates it changes nothing and is not logged, so
// the log depends on the order changes arrived in; the rows do not.
inline std::string dump_library(const std::filesystem::path& file) {
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    std::string out;
    for (const char* table : seed_tables) out += std::string("== ") + table + "\n" + dump_table(db, table, "uuid");
    out += "== tombstones\n" + dump_table(db, "hsync_tombstones", "model, record_id");
    return out;
}

}  // namespace hsync_test
