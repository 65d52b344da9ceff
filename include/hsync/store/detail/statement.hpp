#pragma once
// A prepared statement that lives as long as its owner, and the scope of one use of it.
// SQLiteCpp 3.2.1 does not expose the sqlite3_stmt of its Statement, and hsync binds
// through the C API (no per-value allocation), so it keeps its own.

#include <string>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <hsync/core/error.hpp>

namespace hsync::detail {

[[noreturn]] inline void throw_sqlite(sqlite3* db, const std::string& context) {
    throw error(errc::storage, "hsync: SQLite: " + context + std::string(sqlite3_errmsg(db)));
}

class statement {
public:
    statement(SQLite::Database& db, const std::string& sql) {
        const int rc = sqlite3_prepare_v3(db.getHandle(), sql.c_str(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
        if (rc != SQLITE_OK) throw_sqlite(db.getHandle(), "cannot prepare \"" + sql + "\": ");
    }
    statement(statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
    statement& operator=(statement&& other) noexcept {
        std::swap(stmt_, other.stmt_);
        return *this;
    }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement() { sqlite3_finalize(stmt_); }

    sqlite3_stmt* get() const noexcept { return stmt_; }

private:
    sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when a use of it ends, however it ends, so that no statement stays
// active (holding a read transaction open) or keeps pointers to bound values.
class statement_use {
public:
    explicit statement_use(const statement& s) : stmt_(s.get()) {}
    statement_use(const statement_use&) = delete;
    statement_use& operator=(const statement_use&) = delete;
    ~statement_use() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    sqlite3_stmt* get() const noexcept { return stmt_; }

    // True while there is a row; throws on error.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw_sqlite(sqlite3_db_handle(stmt_), "");
    }

private:
    sqlite3_stmt* stmt_;
};

}  // namespace hsync::detail
