#pragma once
// The library's database file: its lock, its SQLite connection in WAL mode, hsync's own
// tables and the hsync_meta values (the device and library ids, the seq, the clock).
// Nothing here depends on the models, so it is compiled once per translation unit.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/store/detail/internal_tables.hpp>
#include <hsync/store/detail/library_lock.hpp>
#include <hsync/store/detail/statement.hpp>
#include <hsync/store/detail/wal_checkpointer.hpp>
#include <hsync/store/options.hpp>

namespace hsync::detail {

class library_file {
public:
    // What the file says about where the device left off.
    struct resume_point {
        std::uint64_t seq = 0;
        std::uint64_t log_floor = 0;
        std::optional<hlc> clock;
    };

    // Takes the lock (unless read-only), opens the file and checks that it is a library
    // of this device; creating_tables runs inside the setup transaction of a writable open.
    library_file(const std::filesystem::path& path, const uuid& device, const library_options& options)
        : options_(options),
          lock_(lock_for(path, options)),
          db_(open_database(path, options)),
          path_(path) {
        if (options.read_only) {
            open_read_only(device);
        } else {
            open_writable(device);
        }
    }

    library_file(const library_file&) = delete;
    library_file& operator=(const library_file&) = delete;

    SQLite::Database& db() noexcept { return db_; }
    const std::filesystem::path& path() const noexcept { return path_; }
    const uuid& library_id() const noexcept { return library_id_; }
    bool read_only() const noexcept { return options_.read_only; }
    const resume_point& resumed() const noexcept { return resumed_; }
    const wal_checkpointer* checkpointer() const noexcept { return checkpointer_ ? &*checkpointer_ : nullptr; }

    void save_u64(const char* key, std::uint64_t v) {
        std::array<std::uint8_t, 8> bytes{};
        for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
        save(key, bytes.data(), bytes.size());
    }

    void save_clock(const hlc& h) {
        const hlc_bytes b = encode_hlc(h);
        save("hlc", b.data(), b.size());
    }

    void require_writable(const char* what) const {
        if (options_.read_only) {
            throw error(errc::read_only, "hsync: " + std::string(what) + ": " + path_.string() +
                                             " is open read-only (library_options::read_only); open it "
                                             "without that option, in the one process that writes it");
        }
    }

private:
    static std::optional<library_lock> lock_for(const std::filesystem::path& path, const library_options& options) {
        if (options.read_only) return std::nullopt;
        return std::optional<library_lock>(std::in_place, path);
    }

    static SQLite::Database open_database(const std::filesystem::path& path, const library_options& options) {
        if (options.read_only && !std::filesystem::exists(path)) {
            throw error(errc::not_found, "hsync: there is no library file at " + path.string() + " to open read-only");
        }
        // NOMUTEX: the library's own mutex already serializes every use of this connection
        // (a transaction's `database()` included), so SQLite's per-call mutex, taken on
        // each bind, step and column read, would only cost time (a tenth of a backfill).
        try {
            return SQLite::Database(path.string(), (options.read_only ? SQLite::OPEN_READONLY
                                                                      : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) |
                                                       SQLite::OPEN_NOMUTEX);
        } catch (const SQLite::Exception& e) {
            throw error(errc::storage, "hsync: cannot open " + path.string() + ": " + e.what());
        }
    }

    void open_writable(const uuid& device) {
        try {
            db_.exec("PRAGMA busy_timeout = " + std::to_string(options_.busy_timeout.count()));
            const std::string mode = db_.execAndGet("PRAGMA journal_mode = WAL").getString();
            if (mode != "wal") {
                throw error(errc::storage, "hsync: " + path_.string() + " cannot use WAL mode (journal mode is " +
                                               mode + "); keep the library on a local file system");
            }
            db_.exec(options_.sync == durability::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            SQLite::Transaction setup(db_, SQLite::TransactionBehavior::IMMEDIATE);
            db_.exec(internal_tables_sql);
            check_meta(device);
            setup.commit();
        } catch (const SQLite::Exception& e) {
            throw error(errc::storage, "hsync: cannot open " + path_.string() + ": " + e.what());
        }
        if (options_.checkpoints == checkpoints::background) {
            checkpointer_.emplace(db_.getHandle(), path_, wal_checkpointer::settings{});
        }
    }

    // A look at a file another process may be writing: nothing is created or written.
    void open_read_only(const uuid& device) {
        try {
            db_.exec("PRAGMA busy_timeout = " + std::to_string(options_.busy_timeout.count()));
            if (!db_.tableExists("hsync_meta")) {
                throw error(errc::schema_mismatch, "hsync: " + path_.string() +
                                                       " is not an hsync library (no hsync_meta table); open it "
                                                       "once to write before opening it read-only");
            }
            SQLite::Transaction look(db_, SQLite::TransactionBehavior::DEFERRED);
            check_meta(device);
        } catch (const SQLite::Exception& e) {
            throw error(errc::storage, "hsync: cannot open " + path_.string() + " read-only: " + e.what());
        }
    }

    std::optional<std::vector<std::uint8_t>> load(const char* key) {
        SQLite::Statement q(db_, "SELECT value FROM hsync_meta WHERE key = ?");
        q.bind(1, key);
        if (!q.executeStep()) return std::nullopt;
        const auto col = q.getColumn(0);
        const auto* p = static_cast<const std::uint8_t*>(col.getBlob());
        return std::vector<std::uint8_t>(p, p + col.getBytes());
    }

    std::uint64_t load_u64(const char* key) {
        const auto bytes = load(key);
        std::uint64_t v = 0;
        if (bytes && bytes->size() == 8) {
            for (std::uint8_t b : *bytes) v = (v << 8) | b;
        }
        return v;
    }

    std::optional<uuid> load_uuid(const char* key) {
        const auto bytes = load(key);
        if (!bytes || bytes->size() != 16) return std::nullopt;
        uuid::bytes_type b{};
        std::copy(bytes->begin(), bytes->end(), b.begin());
        return uuid{b};
    }

    void save(const char* key, const std::uint8_t* data, std::size_t size) {
        if (!save_) {
            save_.emplace(db_, "INSERT INTO hsync_meta (key, value) VALUES (?, ?) "
                               "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        }
        statement_use use(*save_);
        bind_text(use.get(), 1, key);
        bind_bytes(use.get(), 2, data, size);
        use.step();
    }

    void check_meta(const uuid& device) {
        SQLite::Statement version(db_, "SELECT value FROM hsync_meta WHERE key = 'schema_version'");
        if (version.executeStep()) {
            const auto v = version.getColumn(0).getInt64();
            version.reset();
            if (v > storage_schema_version) {
                throw error(errc::schema_too_new,
                            "hsync: " + path_.string() + " was written by a newer hsync (storage schema " +
                                std::to_string(v) + "; this build knows up to " +
                                std::to_string(storage_schema_version) + "); upgrade hsync to open it");
            }
            if (v < storage_schema_version) upgrade_from(v);
        } else {
            db_.exec("INSERT INTO hsync_meta (key, value) VALUES ('schema_version', " +
                     std::to_string(storage_schema_version) + ")");
        }
        if (load("device_id")) {
            const uuid stored = load_uuid("device_id").value_or(uuid{});
            if (stored != device) {
                throw error(errc::wrong_device, "hsync: " + path_.string() + " is the library of device " +
                                                    stored.to_string() + ", not of this device (" +
                                                    device.to_string() + "); each device keeps its own library file");
            }
        } else {
            save("device_id", device.bytes().data(), device.bytes().size());
        }
        if (auto id = load_uuid("library_id")) {
            library_id_ = *id;
        } else {
            library_id_ = options_.library_id.value_or(uuid::v4());
            save("library_id", library_id_.bytes().data(), library_id_.bytes().size());
        }
        resumed_.seq = load_u64("seq");
        resumed_.log_floor = load_u64("log_floor");
        if (auto stored = load("hlc")) resumed_.clock = decode_hlc(stored->data(), static_cast<int>(stored->size()));
    }

    // Brings an older file's hsync tables to this version, inside the open transaction.
    void upgrade_from(std::int64_t v) {
        if (options_.read_only) {
            throw error(errc::schema_mismatch, "hsync: " + path_.string() + " has storage schema " + std::to_string(v) +
                                                   " and this build writes " + std::to_string(storage_schema_version) +
                                                   "; open it once to write (that upgrades it) before opening it read-only");
        }
        if (v < 2) db_.exec("ALTER TABLE hsync_peers ADD COLUMN device_key TEXT");
        if (v < 3) {
            // Log entries of schema 2 name their fields; schema 3 packs them by position,
            // which needs the models this file does not know. The log is history a peer may
            // still ask for: it is dropped, and the floor says so, so such a peer is served
            // snapshots of the records instead (docs/storage.md).
            db_.exec("DELETE FROM hsync_shared_log");
            db_.exec("ALTER TABLE hsync_shared_log ADD COLUMN fields INTEGER NOT NULL DEFAULT 0");
            save_u64("log_floor", load_u64("seq"));
        }
        if (v < 4) {
            // Schema 4 keys the log by seq (the rowid: entries are appended in order) with
            // a unique index on hlc, where schema 3 kept it in hlc order with an index on
            // seq: the same entries, one b-tree written at random places less.
            db_.exec("ALTER TABLE hsync_shared_log RENAME TO hsync_shared_log_3");
            db_.exec(internal_tables_sql);
            db_.exec("INSERT INTO hsync_shared_log (seq, hlc, model, record_id, change_type, data, fields) "
                     "SELECT seq, hlc, model, record_id, change_type, data, fields FROM hsync_shared_log_3");
            db_.exec("DROP TABLE hsync_shared_log_3");
        }
        db_.exec("UPDATE hsync_meta SET value = " + std::to_string(storage_schema_version) + " WHERE key = 'schema_version'");
    }

    const library_options& options_;
    std::optional<library_lock> lock_;  // before db_: taken before the file is opened, released after it is closed
    SQLite::Database db_;
    std::filesystem::path path_;
    uuid library_id_;
    resume_point resumed_;
    std::optional<statement> save_;
    std::optional<wal_checkpointer> checkpointer_;  // after db_: stopped before the connection closes
};

}  // namespace hsync::detail
