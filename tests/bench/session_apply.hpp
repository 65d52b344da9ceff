#pragma once
// The second baseline for applying remote changes: SQLite's session extension. The same
// rows travel as changesets (one per frame of 1,000), applied with
// sqlite3changeset_apply_v2 and a conflict handler that keeps the row with the newer
// clock: last writer wins per row. It writes no log entry and keeps no sequence number,
// so it does less than hsync's apply; it is what a user would build on SQLite alone.
//
// The session API is declared by sqlite3.h only under SQLITE_ENABLE_SESSION (set for
// hsync_bench in tests/CMakeLists.txt); Debian's libsqlite3 is built with it.

#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef SQLITE_ENABLE_SESSION
#error "hsync_bench: session_apply.hpp needs SQLITE_ENABLE_SESSION defined before sqlite3.h is included"
#endif

namespace hsync_bench {

using changeset = std::vector<std::uint8_t>;

inline void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK) throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

struct sqlite_handle {
    sqlite3* db = nullptr;
    explicit sqlite_handle(const std::filesystem::path& file) {
        if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + file.string());
        }
    }
    ~sqlite_handle() { sqlite3_close_v2(db); }
    sqlite_handle(const sqlite_handle&) = delete;
    sqlite_handle& operator=(const sqlite_handle&) = delete;
    void exec(const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }
};

// The column of `table` named `column`, as the changeset numbers it (declaration order).
inline int column_index(sqlite3* db, const std::string& table, const std::string& column) {
    sqlite3_stmt* s = nullptr;
    check(sqlite3_prepare_v2(db, ("PRAGMA table_info(\"" + table + "\")").c_str(), -1, &s, nullptr), db, "table_info");
    int found = -1;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (column == reinterpret_cast<const char*>(sqlite3_column_text(s, 1))) found = sqlite3_column_int(s, 0);
    }
    sqlite3_finalize(s);
    if (found < 0) throw std::runtime_error("no column " + column + " in " + table);
    return found;
}

// Records what `write` does to `table` in `scratch` as a changeset, then rolls it back.
template <class Write>
changeset record_changeset(sqlite_handle& scratch, const char* table, Write&& write) {
    sqlite3_session* session = nullptr;
    check(sqlite3session_create(scratch.db, "main", &session), scratch.db, "sqlite3session_create");
    std::unique_ptr<sqlite3_session, decltype(&sqlite3session_delete)> owner(session, &sqlite3session_delete);
    check(sqlite3session_attach(session, table), scratch.db, "sqlite3session_attach");
    scratch.exec("BEGIN");
    write(scratch.db);
    int size = 0;
    void* data = nullptr;
    check(sqlite3session_changeset(session, &size, &data), scratch.db, "sqlite3session_changeset");
    changeset out(static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + size);
    sqlite3_free(data);
    scratch.exec("ROLLBACK");
    return out;
}

// Last writer wins per row: an incoming row replaces the stored one only if its clock
// (the blob in column `clock_column`) is greater.
struct lww_by_clock {
    int clock_column;
    std::size_t replaced = 0, kept = 0;

    static int handler(void* self_ptr, int conflict, sqlite3_changeset_iter* it) {
        auto& self = *static_cast<lww_by_clock*>(self_ptr);
        if (conflict != SQLITE_CHANGESET_CONFLICT && conflict != SQLITE_CHANGESET_DATA) return SQLITE_CHANGESET_OMIT;
        sqlite3_value* incoming = nullptr;
        sqlite3_value* stored = nullptr;
        if (sqlite3changeset_new(it, self.clock_column, &incoming) != SQLITE_OK ||
            sqlite3changeset_conflict(it, self.clock_column, &stored) != SQLITE_OK || !incoming || !stored) {
            return SQLITE_CHANGESET_OMIT;
        }
        const int a = sqlite3_value_bytes(incoming), b = sqlite3_value_bytes(stored);
        const int common = std::memcmp(sqlite3_value_blob(incoming), sqlite3_value_blob(stored), static_cast<std::size_t>(std::min(a, b)));
        const bool newer = common > 0 || (common == 0 && a > b);
        ++(newer ? self.replaced : self.kept);
        return newer ? SQLITE_CHANGESET_REPLACE : SQLITE_CHANGESET_OMIT;
    }
};

// Applies each changeset in a transaction of its own, as hsync applies each frame.
inline lww_by_clock apply_changesets(const std::filesystem::path& file, const std::vector<changeset>& sets,
                                     const char* table, const char* clock_column, bool full_sync) {
    sqlite_handle target(file);
    target.exec("PRAGMA journal_mode = WAL");
    target.exec(full_sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    lww_by_clock lww{column_index(target.db, table, clock_column)};
    for (const auto& set : sets) {
        target.exec("BEGIN IMMEDIATE");
        check(sqlite3changeset_apply_v2(target.db, static_cast<int>(set.size()), const_cast<std::uint8_t*>(set.data()),
                                        nullptr, &lww_by_clock::handler, &lww, nullptr, nullptr, 0),
              target.db, "sqlite3changeset_apply_v2");
        target.exec("COMMIT");
    }
    return lww;
}

}  // namespace hsync_bench
