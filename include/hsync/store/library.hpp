#pragma once
// hsync::library<Ms...>: one SQLite file holding the models' tables and hsync's own, the
// local commit paths, the remote apply paths, the change log and per-peer bookkeeping,
// all generated from the model list. See docs/storage.md.
//
// Thread safety: every member function may be called from any thread; calls are
// serialized by one mutex. Events and outgoing changes are delivered after the
// transaction commits, outside the lock, on the committing thread.

#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <boost/hana/for_each.hpp>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <nlohmann/json.hpp>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/change_log.hpp>
#include <hsync/detail/field_changes.hpp>
#include <hsync/detail/model_list.hpp>
#include <hsync/detail/model_store.hpp>
#include <hsync/detail/peer_book.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/read_mark.hpp>
#include <hsync/detail/record_size.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/detail/statement.hpp>
#include <hsync/detail/tombstones.hpp>
#include <hsync/model/json.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/library_lock.hpp>
#include <hsync/store/detail/read_versions.hpp>
#include <hsync/store/internal_tables.hpp>
#include <hsync/store/options.hpp>

namespace hsync {

template <class... Ms>
class library {
    using models = detail::model_list<Ms...>;
    static_assert(models::valid);

public:
    // The handle passed to with_tx: hsync writes and raw SQL in one transaction.
    class transaction {
    public:
        template <class M>
        void commit(const M& m) {
            lib_.commit_in_tx(m);
        }
        template <class M>
        void remove(const uuid& id) {
            lib_.template remove_in_tx<M>(id);
        }
        void exec(const std::string& sql) { lib_.db_.exec(sql); }
        SQLite::Database& database() noexcept { return lib_.db_; }

    private:
        friend class library;
        explicit transaction(library& lib) : lib_(lib) {}
        library& lib_;
    };

    // Opens (or creates) the library file and takes its lock for the life of this object:
    // a second opener, in this process or another, gets errc::library_in_use. With
    // options.read_only, opens an existing file to look at, without the lock.
    library(const std::filesystem::path& path, const identity& id, library_options options = {})
        : options_(std::move(options)),
          lock_(lock_for(path, options_)),
          db_(open_database(path, options_)),
          clock_(id.device_id, options_.physical, options_.clock),
          read_versions_(options_.read_version_memory) {
        if (id.device_id.is_nil()) {
            throw error(errc::wrong_device, "hsync: the identity's device id is nil; give each device a unique id");
        }
        open(path, id);
    }

    library(const library&) = delete;
    library& operator=(const library&) = delete;

    const uuid& device_id() const noexcept { return clock_.device(); }
    const uuid& library_id() const noexcept { return library_id_; }
    const std::filesystem::path& path() const noexcept { return path_; }
    bool read_only() const noexcept { return options_.read_only; }

    hlc last_hlc() {
        std::lock_guard lock(mutex_);
        return clock_.last();
    }

    // ---- local writes -------------------------------------------------------------

    // Device-owned records: upsert the row stamped with this device's HLC. Shared
    // records: log the fields that differ from the stored row under a new HLC. A
    // mixed record takes the path of its owner field. One transaction.
    //
    // A copy read from this library (get, all, query, an event) remembers the version it
    // was read from: committing it writes only the fields changed since that read, and
    // every other field keeps its stored value, even if a peer (or this device) changed
    // it after the read. A record the application built itself is written whole.
    template <class M>
    void commit(const M& m) {
        std::uint64_t made = 0;
        const bool outermost = with_tx([&](transaction&) {
            made = commit_in_tx(m);
            return depth_ == 1;
        });
        if (outermost) remark(m, made);
    }

    // Reads the record, lets fn change it and commits the change, in one transaction:
    // nothing can change the record in between. Returns the record as committed. Throws
    // errc::not_found for an unknown id, errc::record_deleted for a deleted record.
    template <class M, class F>
    M update(const uuid& id, F&& fn) {
        static_assert(std::is_invocable_v<F&, M&>, "hsync: update<M>(id, fn): fn must take an M& to change");
        std::uint64_t made = 0;
        std::optional<M> result;
        const bool outermost = with_tx([&](transaction&) {
            auto current = get<M>(id);
            if (!current) {
                if (stores_->tombs.find(model_traits<M>::name, id)) {
                    refuse<M>(errc::record_deleted, id, "this record was deleted, and deletes are final");
                }
                refuse<M>(errc::not_found, id, "no such record to update");
            }
            fn(*current);
            if (!(id_of(*current) == id)) refuse<M>(errc::invalid_change, id, "update's function changed the record id");
            made = commit_in_tx(*current);
            result = std::move(current);
            return depth_ == 1;
        });
        if (outermost) remark(*result, made);
        return std::move(*result);
    }

    // Deletes a record: a tombstone (and a log entry for a shared record). Deletes are
    // final; removing a record that is already deleted does nothing.
    template <class M>
    void remove(const uuid& id) {
        with_tx([&](transaction&) { remove_in_tx<M>(id); });
    }

    // Many records of one model, in one transaction. For records of several models in
    // one transaction, commit each inside with_tx.
    template <class Range>
    void commit_batch(const Range& records) {
        std::vector<std::uint64_t> made;
        const bool outermost = with_tx([&](transaction&) {
            for (const auto& m : records) made.push_back(commit_in_tx(m));
            return depth_ == 1;
        });
        if (!outermost) return;
        std::size_t i = 0;
        for (const auto& m : records) remark(m, made[i++]);
    }

    template <class M, class Range>
    void remove_batch(const Range& ids) {
        with_tx([&](transaction&) {
            for (const auto& id : ids) remove_in_tx<M>(id);
        });
    }

    // Runs fn(transaction&) in one transaction. If fn throws, nothing it did is written,
    // logged or announced, and the exception propagates. with_tx may nest (savepoints).
    template <class F>
    decltype(auto) with_tx(F&& fn) {
        using result_type = std::invoke_result_t<F&, transaction&>;
        std::unique_lock lock(mutex_);
        transaction t(*this);
        if (depth_ > 0) return nested_tx(fn, t);
        run(begin_);
        depth_ = 1;
        clock_at_begin_ = clock_.last();
        if constexpr (std::is_void_v<result_type>) {
            pending_type done;
            try {
                fn(t);
                done = commit_tx();
            } catch (...) {
                abort_tx();
                throw;
            }
            deliver(std::move(done), lock);
        } else {
            std::optional<std::remove_cvref_t<result_type>> result;
            pending_type done;
            try {
                result.emplace(fn(t));
                done = commit_tx();
            } catch (...) {
                abort_tx();
                throw;
            }
            deliver(std::move(done), lock);
            return std::remove_cvref_t<result_type>(std::move(*result));
        }
    }

    // ---- reads --------------------------------------------------------------------

    template <class M>
    std::optional<M> get(const uuid& id) {
        std::lock_guard lock(mutex_);
        auto row = store<M>().find(id);
        if (!row) return std::nullopt;
        mark_read(row->value, row->seq);
        return std::move(row->value);
    }

    template <class M>
    std::vector<M> all() {
        return query<M>("ORDER BY " + detail::quote_identifier(model_traits<M>::field_names[model_traits<M>::id_index]));
    }

    // Models matching an SQL tail, e.g. query<Tag>("WHERE canonical_name LIKE ?", "sun%").
    // Parameters may be any supported field type or a string.
    template <class M, class... Args>
    std::vector<M> query(const std::string& tail, const Args&... args) {
        std::lock_guard lock(mutex_);
        return store<M>().select(
            tail,
            [&]([[maybe_unused]] sqlite3_stmt* s) {
                int index = 1;
                (bind_parameter(s, index++, args), ...);
            },
            [&](M& m, std::uint64_t version) { mark_read(m, version); });
    }

    // ---- events -------------------------------------------------------------------

    // Calls back after each committed local change or applied remote change of M.
    template <class M, class F>
    void on(F&& callback) {
        static_assert(models::template contains<M>, "hsync: on<M>: M is not a model of this library");
        std::lock_guard lock(mutex_);
        auto& slot = std::get<callbacks<M>>(callbacks_);
        auto next = slot ? std::make_shared<std::vector<std::function<void(const change<M>&)>>>(*slot)
                         : std::make_shared<std::vector<std::function<void(const change<M>&)>>>();
        next->emplace_back(std::forward<F>(callback));
        slot = std::move(next);
    }

    // The sync engine's hook: what each committed local transaction sends to peers.
    void on_outgoing(std::function<void(const outgoing_changes&)> handler) {
        std::lock_guard lock(mutex_);
        outgoing_handler_ =
            handler ? std::make_shared<std::function<void(const outgoing_changes&)>>(std::move(handler)) : nullptr;
    }

    // ---- the model list, for the sync engine ------------------------------------------

    static constexpr auto model_types() { return models::types; }

    // Model names in the order a batch applies them (required references first).
    static std::vector<std::string_view> apply_order_names() {
        std::vector<std::pair<std::size_t, std::string_view>> ranked{{models::template rank<Ms>(), model_traits<Ms>::name}...};
        std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<std::string_view> out;
        for (const auto& r : ranked) out.push_back(r.second);
        return out;
    }

    // Whether records of the named model can be device-owned (device-owned or mixed).
    static bool is_owned_model(std::string_view name) {
        bool owned = false;
        models::dispatch(name, [&](auto t) {
            owned = model_traits<typename decltype(t)::type>::strategy != strategy::shared;
        });
        return owned;
    }

    // ---- remote changes -----------------------------------------------------------

    // Applies shared changes from a peer, in one transaction, in model reference order.
    // A malformed change, an unknown model or a timestamp beyond the allowed drift
    // throws hsync::error and nothing of the batch is written.
    apply_result apply(std::span<const shared_entry> entries) {
        return with_tx([&](transaction&) {
            apply_result result;
            for (std::size_t i : apply_order(entries)) count(result, apply_shared_in_tx(entries[i]));
            return result;
        });
    }
    apply_result apply(const shared_entry& e) { return apply(std::span<const shared_entry>(&e, 1)); }

    // Applies device-owned states from a peer, with the same all-or-nothing rule.
    apply_result apply(std::span<const state_record> records) {
        return with_tx([&](transaction&) {
            apply_result result;
            for (std::size_t i : apply_order(records)) count(result, apply_state_in_tx(records[i]));
            return result;
        });
    }
    apply_result apply(const state_record& r) { return apply(std::span<const state_record>(&r, 1)); }

    // ---- the shared change log ----------------------------------------------------

    std::vector<shared_entry> fetch_since(const hlc& after, std::size_t limit) {
        std::lock_guard lock(mutex_);
        return stores_->log.fetch_since(after, limit);
    }
    std::vector<shared_entry> fetch_range(const hlc& from, const hlc& to, std::size_t limit) {
        std::lock_guard lock(mutex_);
        return stores_->log.fetch_range(from, to, limit);
    }
    // Removes the log entries this device stored up to `through` (its seq). Peers that
    // still need older history get a snapshot of the shared tables instead.
    std::size_t prune_log_through(std::uint64_t through) {
        return with_tx([&](transaction&) {
            const std::size_t removed = stores_->log.prune_through_seq(through);
            if (through > log_floor_) {
                log_floor_ = through;
                save_meta_u64("log_floor", log_floor_);
            }
            return removed;
        });
    }
    std::size_t log_size() {
        std::lock_guard lock(mutex_);
        return stores_->log.size();
    }
    // The seq up to which the log was pruned: history at or below it is served as snapshots.
    std::uint64_t log_floor() {
        std::lock_guard lock(mutex_);
        return log_floor_;
    }
    // The seq of the (n+1)-th oldest log entry, if the log holds that many.
    std::optional<std::uint64_t> nth_oldest_log_seq(std::size_t n) {
        std::lock_guard lock(mutex_);
        return stores_->log.nth_oldest_seq(n);
    }

    // ---- this device's history, by sequence number ----------------------------------

    // The seq of the last committed change: every row write, delete and log entry this
    // device stores (its own or applied from peers) takes the next one.
    std::uint64_t current_seq() {
        std::lock_guard lock(mutex_);
        return committed_seq_;
    }

    // Device-owned state of `model` (owned records and deletes) stored after `since`, in
    // seq order. When has_more is false, the checkpoint is the current seq: the page
    // covers everything of that model up to now.
    state_page state_changes(std::string_view model, std::uint64_t since, std::size_t limit) {
        std::lock_guard lock(mutex_);
        const std::uint64_t until = committed_seq_;
        state_page page;
        bool known = models::dispatch(model, [&](auto t) { page = state_changes_of<typename decltype(t)::type>(since, until, limit); });
        if (!known) throw error(errc::unknown_model, "hsync: unknown model '" + detail::printable(model) + "'");
        return page;
    }

    // Shared changes stored after `since`: log entries, or snapshots of the shared rows
    // when the log was pruned past `since` or the caller is in the middle of a snapshot
    // (once a catch-up starts on snapshots it must finish on them: the log no longer
    // holds the inserts behind later updates).
    shared_page shared_changes(std::uint64_t since, std::size_t limit, bool snapshot = false) {
        std::lock_guard lock(mutex_);
        const std::uint64_t until = committed_seq_;
        if (snapshot || since < log_floor_) {
            shared_page page = shared_snapshot_page(since, until, limit);
            page.snapshot_mode = true;
            return page;
        }
        return shared_log_page(since, until, limit);
    }

    // ---- per-peer bookkeeping -----------------------------------------------------

    void pair(const uuid& peer) {
        with_tx([&](transaction&) { stores_->peers.pair(peer); });
    }
    void unpair(const uuid& peer) {
        with_tx([&](transaction&) { stores_->peers.unpair(peer); });
    }
    std::vector<uuid> paired_peers() {
        std::lock_guard lock(mutex_);
        return stores_->peers.paired();
    }
    detail::peer_book::peer_record peer(const uuid& id) {
        std::lock_guard lock(mutex_);
        return stores_->peers.get(id);
    }
    // How far this device holds the peer's history (the peer's seq); only moves forward.
    void set_received_through(const uuid& peer, std::uint64_t seq) {
        with_tx([&](transaction&) { stores_->peers.set_received_through(peer, seq); });
    }
    // How far the peer acknowledged this device's history (this device's seq).
    void set_acked_by_peer(const uuid& peer, std::uint64_t seq) {
        with_tx([&](transaction&) { stores_->peers.set_acked_by_peer(peer, seq); });
    }
    std::optional<std::uint64_t> min_acked_by_paired() {
        std::lock_guard lock(mutex_);
        return stores_->peers.min_acked_by_paired();
    }
    void set_checkpoint(const uuid& peer, std::string_view phase, std::uint64_t seq) {
        with_tx([&](transaction&) { stores_->peers.set_checkpoint(peer, phase, seq); });
    }
    std::optional<std::uint64_t> checkpoint(const uuid& peer, std::string_view phase) {
        std::lock_guard lock(mutex_);
        return stores_->peers.checkpoint(peer, phase);
    }
    void clear_checkpoints(const uuid& peer) {
        with_tx([&](transaction&) { stores_->peers.clear_checkpoints(peer); });
    }

    // Applies snapshots of shared records (per-field last-writer-wins with each field's
    // HLC), in one transaction, all or nothing.
    apply_result apply(std::span<const shared_snapshot> records) {
        return with_tx([&](transaction&) {
            apply_result result;
            for (std::size_t i : apply_order(records)) count(result, apply_snapshot_in_tx(records[i]));
            // This device's log now lacks the entries behind these rows: serve its own
            // history up to here as snapshots too.
            if (seq_ > log_floor_) {
                log_floor_ = seq_;
                save_meta_u64("log_floor", log_floor_);
            }
            return result;
        });
    }

private:
    template <class M>
    using callbacks = std::shared_ptr<const std::vector<std::function<void(const change<M>&)>>>;

    struct stores_type {
        explicit stores_type(SQLite::Database& db)
            : log(db), peers(db), tombs(db), models(detail::model_store<Ms>(db)...) {}
        detail::change_log log;
        detail::peer_book peers;
        detail::tombstones tombs;
        std::tuple<detail::model_store<Ms>...> models;
    };

    // What a transaction will announce once it commits.
    struct pending_type {
        std::vector<std::function<void()>> events;
        outgoing_changes outgoing;
        };

    template <class M>
    detail::model_store<M>& store() {
        static_assert(models::template contains<M>, "hsync: M is not a model of this library; add it to hsync::library<...>");
        return std::get<detail::model_store<M>>(stores_->models);
    }

    // ---- opening ------------------------------------------------------------------

    static std::optional<detail::library_lock> lock_for(const std::filesystem::path& path, const library_options& options) {
        if (options.read_only) return std::nullopt;
        return std::optional<detail::library_lock>(std::in_place, path);
    }

    static SQLite::Database open_database(const std::filesystem::path& path, const library_options& options) {
        if (options.read_only && !std::filesystem::exists(path)) {
            throw error(errc::not_found, "hsync: there is no library file at " + path.string() + " to open read-only");
        }
        try {
            return SQLite::Database(path.string(), (options.read_only ? SQLite::OPEN_READONLY
                                                                      : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) |
                                                       SQLite::OPEN_FULLMUTEX);
        } catch (const SQLite::Exception& e) {
            throw error(errc::storage, "hsync: cannot open " + path.string() + ": " + e.what());
        }
    }

    void open(const std::filesystem::path& path, const identity& id) {
        path_ = path;
        if (options_.read_only) return open_read_only(path, id);
        try {
            db_.exec("PRAGMA busy_timeout = " + std::to_string(options_.busy_timeout.count()));
            const std::string mode = db_.execAndGet("PRAGMA journal_mode = WAL").getString();
            if (mode != "wal") {
                throw error(errc::storage, "hsync: " + path.string() + " cannot use WAL mode (journal mode is " +
                                               mode + "); keep the library on a local file system");
            }
            db_.exec(options_.sync == durability::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            SQLite::Transaction setup(db_, SQLite::TransactionBehavior::IMMEDIATE);
            db_.exec(detail::internal_tables_sql);
            check_meta(path, id);
            stores_.emplace(db_);
            save_meta("hlc", detail::encode_hlc(clock_.last()));
            setup.commit();
        } catch (const SQLite::Exception& e) {
            throw error(errc::storage, "hsync: cannot open " + path.string() + ": " + e.what());
        }
    }

    // A look at a file another process may be writing: nothing is created or written.
    void open_read_only(const std::filesystem::path& path, const identity& id) {
        try {
            db_.exec("PRAGMA busy_timeout = " + std::to_string(options_.busy_timeout.count()));
            if (!db_.tableExists("hsync_meta")) {
                throw error(errc::schema_mismatch, "hsync: " + path.string() +
                                                       " is not an hsync library (no hsync_meta table); open it "
                                                       "once to write before opening it read-only");
            }
            SQLite::Transaction look(db_, SQLite::TransactionBehavior::DEFERRED);
            check_meta(path, id);
            stores_.emplace(db_);
        } catch (const SQLite::Exception& e) {
            throw error(errc::storage, "hsync: cannot open " + path.string() + " read-only: " + e.what());
        }
    }

    std::optional<std::vector<std::uint8_t>> load_meta(const char* key) {
        SQLite::Statement q(db_, "SELECT value FROM hsync_meta WHERE key = ?");
        q.bind(1, key);
        if (!q.executeStep()) return std::nullopt;
        const auto col = q.getColumn(0);
        const auto* p = static_cast<const std::uint8_t*>(col.getBlob());
        return std::vector<std::uint8_t>(p, p + col.getBytes());
    }

    template <class Bytes>
    void save_meta(const char* key, const Bytes& bytes) {
        SQLite::Statement q(db_, "INSERT INTO hsync_meta (key, value) VALUES (?, ?) "
                                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        q.bind(1, key);
        q.bind(2, bytes.data(), static_cast<int>(bytes.size()));
        q.exec();
    }

    std::uint64_t load_meta_u64(const char* key) {
        const auto bytes = load_meta(key);
        std::uint64_t v = 0;
        if (bytes && bytes->size() == 8) {
            for (std::uint8_t b : *bytes) v = (v << 8) | b;
        }
        return v;
    }

    void save_meta_u64(const char* key, std::uint64_t v) {
        std::array<std::uint8_t, 8> bytes{};
        for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
        detail::statement_use use(*save_meta_);
        detail::bind_text(use.get(), 1, key);
        detail::bind_bytes(use.get(), 2, bytes.data(), bytes.size());
        use.step();
    }

    void check_meta(const std::filesystem::path& path, const identity& id) {
        SQLite::Statement version(db_, "SELECT value FROM hsync_meta WHERE key = 'schema_version'");
        if (version.executeStep()) {
            const auto v = version.getColumn(0).getInt64();
            if (v > detail::storage_schema_version) {
                throw error(errc::schema_too_new,
                            "hsync: " + path.string() + " was written by a newer hsync (storage schema " +
                                std::to_string(v) + "; this build knows up to " +
                                std::to_string(detail::storage_schema_version) + "); upgrade hsync to open it");
            }
        } else {
            db_.exec("INSERT INTO hsync_meta (key, value) VALUES ('schema_version', " +
                     std::to_string(detail::storage_schema_version) + ")");
        }
        if (auto device = load_meta("device_id")) {
            uuid::bytes_type b{};
            if (device->size() == 16) std::copy(device->begin(), device->end(), b.begin());
            if (uuid{b} != id.device_id) {
                throw error(errc::wrong_device, "hsync: " + path.string() + " is the library of device " +
                                                    uuid{b}.to_string() + ", not of this device (" +
                                                    id.device_id.to_string() +
                                                    "); each device keeps its own library file");
            }
        } else {
            save_meta("device_id", id.device_id.bytes());
        }
        if (auto lib = load_meta("library_id"); lib && lib->size() == 16) {
            uuid::bytes_type b{};
            std::copy(lib->begin(), lib->end(), b.begin());
            library_id_ = uuid{b};
        } else {
            library_id_ = options_.library_id.value_or(uuid::v4());
            save_meta("library_id", library_id_.bytes());
        }
        seq_ = committed_seq_ = load_meta_u64("seq");
        log_floor_ = load_meta_u64("log_floor");
        if (auto stored = load_meta("hlc")) {
            if (auto h = detail::decode_hlc(stored->data(), static_cast<int>(stored->size()))) {
                clock_ = hlc_clock(id.device_id, options_.physical, options_.clock, *h);
            }
        }
        save_meta_.emplace(
            db_, "INSERT INTO hsync_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    }

    // ---- transactions -------------------------------------------------------------

    static void run(const detail::statement& stmt) {
        detail::statement_use use(stmt);
        use.step();
    }

    template <class F>
    decltype(auto) nested_tx(F& fn, transaction& t) {
        using result_type = std::invoke_result_t<F&, transaction&>;
        const std::string name = "hsync_" + std::to_string(depth_);
        db_.exec("SAVEPOINT " + name);
        const std::size_t events_before = pending_.events.size();
        const outgoing_sizes outgoing_before = sizes_of(pending_.outgoing);  // not a copy: savepoints nest in loops
        ++depth_;
        auto rollback = [&] {
            --depth_;
            db_.exec("ROLLBACK TO " + name);
            db_.exec("RELEASE " + name);
            pending_.events.resize(events_before);
            truncate(pending_.outgoing, outgoing_before);
        };
        if constexpr (std::is_void_v<result_type>) {
            try {
                fn(t);
            } catch (...) {
                rollback();
                throw;
            }
            --depth_;
            db_.exec("RELEASE " + name);
        } else {
            std::optional<std::remove_cvref_t<result_type>> result;
            try {
                result.emplace(fn(t));
            } catch (...) {
                rollback();
                throw;
            }
            --depth_;
            db_.exec("RELEASE " + name);
            return std::remove_cvref_t<result_type>(std::move(*result));
        }
    }

    // How many changes each batch of a transaction's outgoing changes held at a savepoint.
    struct outgoing_sizes {
        std::vector<std::size_t> states, shared;
    };

    static outgoing_sizes sizes_of(const outgoing_changes& o) {
        outgoing_sizes sizes;
        for (const auto& b : o.states) sizes.states.push_back(b.records.size());
        for (const auto& b : o.shared) sizes.shared.push_back(b.entries.size());
        return sizes;
    }

    // Back to what the outgoing changes held at a savepoint. Batches only grow at the end,
    // so that is a truncation. Once too_many, a transaction stays so: it is not pushed,
    // and peers fetch it in pages, which is always correct.
    static void truncate(outgoing_changes& o, const outgoing_sizes& sizes) {
        if (o.too_many) return;
        o.states.erase(o.states.begin() + static_cast<std::ptrdiff_t>(sizes.states.size()), o.states.end());
        o.shared.erase(o.shared.begin() + static_cast<std::ptrdiff_t>(sizes.shared.size()), o.shared.end());
        for (std::size_t i = 0; i < sizes.states.size(); ++i) {
            auto& r = o.states[i].records;
            r.erase(r.begin() + static_cast<std::ptrdiff_t>(sizes.states[i]), r.end());
        }
        for (std::size_t i = 0; i < sizes.shared.size(); ++i) {
            auto& e = o.shared[i].entries;
            e.erase(e.begin() + static_cast<std::ptrdiff_t>(sizes.shared[i]), e.end());
        }
    }

    // Persists the clock and commits; what the transaction announces is returned, to be
    // delivered once the lock is released.
    pending_type commit_tx() {
        if (clock_dirty_) {
            const detail::hlc_bytes b = detail::encode_hlc(clock_.last());
            detail::statement_use use(*save_meta_);
            detail::bind_text(use.get(), 1, "hlc");
            detail::bind_hlc(use.get(), 2, b);
            use.step();
        }
        if (seq_ != committed_seq_) save_meta_u64("seq", seq_);
        run(commit_);
        pending_.outgoing.prev_seq = committed_seq_;
        pending_.outgoing.seq = seq_;
        committed_seq_ = seq_;
        depth_ = 0;
        clock_dirty_ = false;
        pending_type done = std::move(pending_);
        pending_ = pending_type{};
        return done;
    }

    void deliver(pending_type done, std::unique_lock<std::recursive_mutex>& lock) {
        auto handler = outgoing_handler_;
        lock.unlock();
        for (auto& fire : done.events) fire();
        if (handler && !done.outgoing.empty()) (*handler)(done.outgoing);
    }

    void abort_tx() noexcept {
        if (sqlite3_get_autocommit(db_.getHandle()) == 0) {
            sqlite3_exec(db_.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
        depth_ = 0;
        clock_dirty_ = false;
        seq_ = committed_seq_;  // nothing of the transaction escaped
        read_versions_.forget_after(committed_seq_);
        // Nor did its timestamps: the clock goes back to where the file has it, so that
        // it never reads later than what a restart would resume from.
        if (clock_.last() != clock_at_begin_) {
            clock_ = hlc_clock(clock_.device(), options_.physical, options_.clock, clock_at_begin_);
        }
        pending_ = pending_type{};
    }

    std::uint64_t next_seq() noexcept { return ++seq_; }

    // A tombstone, or a later one for the same record; takes a seq only when it writes.
    bool put_tombstone(std::string_view model, const uuid& record, const hlc& stamp, const std::optional<uuid>& owner) {
        if (const auto existing = stores_->tombs.find(model, record); existing && !(*existing < stamp)) return false;
        return stores_->tombs.put(model, record, stamp, owner, next_seq());
    }

    hlc next_hlc() {
        clock_dirty_ = true;
        return clock_.next();
    }

    hlc merge_remote_hlc(const hlc& remote) {
        clock_dirty_ = true;
        return clock_.update(remote);
    }

    template <class M>
    void announce(change_type type, change_origin origin, const uuid& id, const M& value, const hlc& stamp) {
        const auto& slot = std::get<callbacks<M>>(callbacks_);
        if (!slot || slot->empty()) return;
        change<M> c{type, origin, record_id{id}, value, stamp};
        // The value of an insert or update is the version just written (seq_): a handler
        // may keep it and commit an edit of it later.
        if (type != change_type::remove) {
            detail::read_mark::set(detail::get_field<model_traits<M>::id_index>(*c.value), serial_, seq_);
            read_versions_.note_read(seq_);
        }
        pending_.events.emplace_back([subscribers = slot, c = std::move(c)] {
            for (const auto& cb : *subscribers) cb(c);
        });
    }

    // Whether the transaction's changes are collected for the engine to push: not when no
    // engine listens, nor past max_pushed_changes (then peers fetch them in pages).
    bool wants_outgoing() noexcept {
        if (!outgoing_handler_ || pending_.outgoing.too_many) return false;
        std::size_t count = 0;
        for (const auto& b : pending_.outgoing.states) count += b.records.size();
        for (const auto& b : pending_.outgoing.shared) count += b.entries.size();
        if (count < max_pushed_changes) return true;
        pending_.outgoing.states.clear();
        pending_.outgoing.shared.clear();
        pending_.outgoing.too_many = true;
        return false;
    }

    template <class Batch>
    static Batch& batch_for(std::vector<Batch>& batches, std::string_view model) {
        for (auto& b : batches) {
            if (b.model == model) return b;
        }
        batches.emplace_back();
        batches.back().model = std::string(model);
        return batches.back();
    }

    // ---- local commit paths ---------------------------------------------------------

    template <class M>
    static const uuid& id_of(const M& m) {
        return detail::get_field<model_traits<M>::id_index>(m).value;
    }

    // The owner of a record, or nullopt for a shared record.
    template <class M>
    static std::optional<uuid> owner_of(const M& m) {
        using traits = model_traits<M>;
        if constexpr (traits::strategy == strategy::shared) {
            return std::nullopt;
        } else if constexpr (traits::strategy == strategy::device_owned) {
            return detail::get_field<traits::owner_index>(m).value;
        } else {
            const auto& owner = detail::get_field<traits::owner_index>(m);
            return owner ? std::optional<uuid>(owner->value) : std::nullopt;
        }
    }

    template <class M>
    [[noreturn]] static void refuse(errc code, const uuid& id, const std::string& what) {
        throw error(code, "hsync: " + std::string(model_traits<M>::name) + " " + id.to_string() + ": " + what);
    }

    // Returns the seq of the version the record now has when that version equals m (so
    // that m can be marked as read from it), 0 otherwise.
    template <class M>
    std::uint64_t commit_in_tx(const M& m) {
        static_assert(models::template contains<M>, "hsync: commit: M is not a model of this library; add it to hsync::library<...>");
        require_writable("commit");
        const uuid& id = id_of(m);
        if (id.is_nil()) {
            refuse<M>(errc::invalid_change, id, "the record id is nil; set it with hsync::record_id::generate()");
        }
        detail::check_record_size(m, id);
        if (stores_->tombs.find(model_traits<M>::name, id)) {
            refuse<M>(errc::record_deleted, id,
                      "this record was deleted, and deletes are final; commit a new record with a new id");
        }
        auto existing = store<M>().find(id);
        bool whole = true;
        const std::optional<M> merged = existing ? merge_onto_stored(m, *existing, whole) : std::nullopt;
        const M& record = merged ? *merged : m;
        const auto owner = owner_of(record);
        if (existing && owner_of(existing->value) != owner) {
            refuse<M>(errc::not_owner, id,
                      "a record's owner never changes (stored: " + owner_text(owner_of(existing->value)) +
                          ", committed: " + owner_text(owner) + ")");
        }
        const std::uint64_t made = owner ? commit_owned(record, id, *owner, existing) : commit_shared(record, id, existing);
        if (!whole) return 0;
        // The caller may mark its copy as this version once the transaction commits: keep
        // the version from then on if a later write replaces it.
        read_versions_.note_read(made);
        return made;
    }

    // The edit of a copy read from an older version than the stored one, merged onto the
    // stored record; nullopt when the copy is of the stored version or was not read from
    // this library (then it is written as it is). `whole` tells whether the merge kept
    // every field of the copy.
    template <class M>
    std::optional<M> merge_onto_stored(const M& m, const detail::stored_row<M>& stored, bool& whole) {
        const auto mark = detail::read_mark::of(detail::get_field<model_traits<M>::id_index>(m));
        if (mark.library != serial_ || mark.version == stored.seq) return std::nullopt;
        const M* base = read_versions_.template find<M>(id_of(m), mark.version);
        if (!base) {
            refuse<M>(errc::stale_copy, id_of(m),
                      "this copy was read from version " + std::to_string(mark.version) +
                          " of the record, which was written since and is no longer kept "
                          "(library_options::read_version_memory), so hsync cannot tell which fields you "
                          "changed. Read the record again and redo the edit, or edit with update<M>()");
        }
        M merged = stored.value;
        whole = detail::merge_edit(*base, m, merged);
        return merged;
    }

    // A copy handed out: mark it as read from `version`, unless that version is not
    // committed yet (a read inside a transaction after writing the record), which may
    // never exist.
    template <class M>
    void mark_read(M& m, std::uint64_t version) {
        const auto& id = detail::get_field<model_traits<M>::id_index>(m);
        if (version > committed_seq_) {
            detail::read_mark::set(id, 0, 0);
            return;
        }
        detail::read_mark::set(id, serial_, version);
        read_versions_.note_read(seq_);
    }

    // After a commit that returned: the application's copy is now of the version it made.
    template <class M>
    void remark(const M& m, std::uint64_t made) {
        if (made == 0) return;
        detail::read_mark::set(detail::get_field<model_traits<M>::id_index>(m), serial_, made);
    }

    // A stored version about to be overwritten: kept while a copy of it may be out.
    template <class M>
    void keep_superseded(const detail::stored_row<M>& row) {
        read_versions_.superseded(id_of(row.value), row.seq, row.value);
    }

    void require_writable(const char* what) const {
        if (options_.read_only) {
            throw error(errc::read_only, "hsync: " + std::string(what) + ": " + path_.string() +
                                             " is open read-only (library_options::read_only); open it "
                                             "without that option, in the one process that writes it");
        }
    }

    static std::string owner_text(const std::optional<uuid>& owner) {
        return owner ? "device " + owner->to_string() : "shared";
    }

    template <class M>
    std::uint64_t commit_owned(const M& m, const uuid& id, const uuid& owner, const std::optional<detail::stored_row<M>>& existing) {
        if (owner != device_id()) {
            refuse<M>(errc::not_owner, id,
                      "owned by device " + owner.to_string() + "; only the owning device commits it (this is " +
                          device_id().to_string() + ")");
        }
        const hlc version = next_hlc();
        detail::stored_row<M> row{m, next_seq(), version, {}};
        if (existing) keep_superseded(*existing);
        store<M>().write(row);
        const change_type type = existing ? change_type::update : change_type::insert;
        announce(type, change_origin::local, id, m, version);
        if (wants_outgoing()) {
            auto& batch = batch_for(pending_.outgoing.states, model_traits<M>::name);
            batch.owner = owner;
            batch.records.push_back(state_record{std::string(model_traits<M>::name), id, owner, version, false, to_json(m)});
        }
        return row.seq;
    }

    template <class M>
    std::uint64_t commit_shared(const M& m, const uuid& id, const std::optional<detail::stored_row<M>>& existing) {
        detail::field_mask<M> changed{};
        if (existing) {
            changed = detail::changed_fields(existing->value, m);
        } else {
            changed.fill(true);
        }
        const bool any_synced = std::find(changed.begin(), changed.end(), true) != changed.end();
        if (!any_synced && existing && !detail::local_fields_differ(existing->value, m)) return existing->seq;  // nothing to do

        detail::stored_row<M> row;
        row.value = m;
        row.seq = next_seq();
        if (existing) {
            row.clocks = existing->clocks;
            keep_superseded(*existing);
        }
        hlc stamp{};
        if (any_synced) {
            stamp = next_hlc();
            for (std::size_t k = 0; k < changed.size(); ++k) {
                if (changed[k]) row.clocks[k] = stamp;
            }
        }
        store<M>().write(row);
        const change_type type = existing ? change_type::update : change_type::insert;
        if (any_synced) {
            shared_entry entry{stamp, std::string(model_traits<M>::name), id, type, detail::fields_json(m, changed)};
            stores_->log.append(entry, row.seq);
            if (wants_outgoing()) {
                batch_for(pending_.outgoing.shared, entry.model).entries.push_back(std::move(entry));
            }
        }
        announce(type, change_origin::local, id, m, stamp);
        return row.seq;
    }

    template <class M>
    void remove_in_tx(const uuid& id) {
        static_assert(models::template contains<M>, "hsync: remove: M is not a model of this library; add it to hsync::library<...>");
        require_writable("remove");
        auto existing = store<M>().find(id);
        if (!existing) {
            if (stores_->tombs.find(model_traits<M>::name, id)) return;  // already deleted
            refuse<M>(errc::not_found, id, "no such record to remove");
        }
        const auto owner = owner_of(existing->value);
        if (owner && *owner != device_id()) {
            refuse<M>(errc::not_owner, id, "owned by device " + owner->to_string() + "; only the owning device removes it");
        }
        const hlc stamp = next_hlc();
        const std::uint64_t seq = next_seq();
        store<M>().erase(id);
        stores_->tombs.put(model_traits<M>::name, id, stamp, owner, seq);
        if (owner) {
            if (wants_outgoing()) {
                auto& batch = batch_for(pending_.outgoing.states, model_traits<M>::name);
                batch.owner = *owner;
                batch.records.push_back(state_record{std::string(model_traits<M>::name), id, *owner, stamp, true, nlohmann::json::object()});
            }
        } else {
            shared_entry entry{stamp, std::string(model_traits<M>::name), id, change_type::remove, nlohmann::json::object()};
            stores_->log.append(entry, seq);
            if (wants_outgoing()) batch_for(pending_.outgoing.shared, entry.model).entries.push_back(std::move(entry));
        }
        announce(change_type::remove, change_origin::local, id, existing->value, stamp);
    }

    // ---- remote apply paths -------------------------------------------------------

    [[noreturn]] static void invalid(const std::string& what) { throw error(errc::invalid_change, "hsync: " + what); }

    static void count(apply_result& r, bool applied) { applied ? ++r.applied : ++r.ignored; }

    static std::size_t rank_of(std::string_view model) {
        std::size_t rank = detail::no_rank;
        models::dispatch(model, [&](auto t) { rank = models::template rank<typename decltype(t)::type>(); });
        if (rank == detail::no_rank) {
            throw error(errc::unknown_model,
                        "hsync: unknown model '" + detail::printable(model) + "'; this library does not declare it");
        }
        return rank;
    }

    // Indices of the items in the order model references require, stable otherwise.
    template <class Item>
    static std::vector<std::size_t> apply_order(std::span<const Item> items) {
        std::vector<std::pair<std::size_t, std::size_t>> keyed;
        keyed.reserve(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) keyed.emplace_back(rank_of(items[i].model), i);
        std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<std::size_t> order;
        order.reserve(keyed.size());
        for (const auto& k : keyed) order.push_back(k.second);
        return order;
    }

    bool apply_shared_in_tx(const shared_entry& e) {
        bool applied = false;
        models::dispatch(e.model, [&](auto t) { applied = apply_shared_to<typename decltype(t)::type>(e); });
        return applied;
    }

    template <class M>
    bool apply_shared_to(const shared_entry& e) {
        using traits = model_traits<M>;
        if constexpr (traits::strategy == strategy::device_owned) {
            invalid("model '" + std::string(traits::name) +
                    "' is device-owned; its changes travel as owner state, not as shared log entries");
        } else {
            if (e.record.is_nil()) invalid("a shared change of model '" + std::string(traits::name) + "' has a nil record id");
            if (e.type != change_type::insert && e.type != change_type::update && e.type != change_type::remove) {
                invalid("a shared change of model '" + std::string(traits::name) + "' has an unknown change type");
            }
            M incoming{};
            detail::field_mask<M> mask{};
            if (e.type == change_type::remove) {
                if (!e.data.is_object() || !e.data.empty()) invalid("a remove of model '" + std::string(traits::name) + "' carries data");
            } else {
                mask = detail::read_fields(e.data, incoming, e.type == change_type::insert);
                if (std::find(mask.begin(), mask.end(), true) == mask.end()) {
                    invalid("an update of model '" + std::string(traits::name) + "' sets no field");
                }
                if (owner_of(incoming)) {
                    invalid("a shared change of model '" + std::string(traits::name) +
                            "' sets an owner; owned records travel as owner state");
                }
            }
            merge_remote_hlc(e.stamp);  // refuses a timestamp beyond the allowed drift
            if (stores_->log.contains(e.stamp)) return false;  // seen before

            auto existing = store<M>().find(e.record);
            if (existing && owner_of(existing->value)) {
                invalid(std::string(traits::name) + " " + e.record.to_string() +
                        " is device-owned; a shared change cannot touch it");
            }
            // An entry that changes something is kept in the log, so that this device can
            // serve it to others. One that changes nothing (every field it sets has a later
            // write, or the record is deleted) is not: what dominates it is served instead,
            // and logging it would make pruned history circulate again.
            if (e.type == change_type::remove) {
                const bool moved = put_tombstone(traits::name, e.record, e.stamp, std::nullopt);
                if (!moved && !existing) return false;
                stores_->log.append(e, moved ? seq_ : next_seq());
                if (!existing) return true;
                store<M>().erase(e.record);
                announce(change_type::remove, change_origin::remote, e.record, existing->value, e.stamp);
                return true;
            }
            if (stores_->tombs.find(traits::name, e.record)) return false;  // deletes are final

            detail::stored_row<M> row;
            if (existing) {
                keep_superseded(*existing);
                row = std::move(*existing);
            } else {
                detail::get_field<traits::id_index>(row.value).value = e.record;
            }
            bool won = false;
            detail::for_each_clocked<M>([&](std::size_t k, auto index) {
                constexpr std::size_t i = decltype(index)::value;
                if (mask[k] && (!row.clocks[k] || *row.clocks[k] < e.stamp)) {
                    detail::get_field<i>(row.value) = std::move(detail::get_field<i>(incoming));
                    row.clocks[k] = e.stamp;
                    won = true;
                }
            });
            if (!won) return false;  // every field already has a later write
            row.seq = next_seq();
            store<M>().write(row);
            stores_->log.append(e, row.seq);
            announce(existing ? change_type::update : change_type::insert, change_origin::remote, e.record, row.value, e.stamp);
            return true;
        }
    }

    bool apply_state_in_tx(const state_record& r) {
        bool applied = false;
        models::dispatch(r.model, [&](auto t) { applied = apply_state_to<typename decltype(t)::type>(r); });
        return applied;
    }

    template <class M>
    bool apply_state_to(const state_record& r) {
        using traits = model_traits<M>;
        if constexpr (traits::strategy == strategy::shared) {
            invalid("model '" + std::string(traits::name) + "' is shared; its changes travel as log entries, not as owner state");
        } else {
            if (r.record.is_nil() || r.owner.is_nil()) invalid("a state of model '" + std::string(traits::name) + "' has a nil record or owner id");
            if (r.version.device != r.owner) {
                invalid("a state of " + std::string(traits::name) + " " + r.record.to_string() +
                        " carries a version stamped by another device than its owner");
            }
            M incoming{};
            if (!r.removed) {
                try {
                    incoming = from_json<M>(r.data);
                } catch (const error& e) {
                    throw error(errc::invalid_change, e.what());
                }
                if (id_of(incoming) != r.record) invalid("a state of model '" + std::string(traits::name) + "' names two record ids");
                if (owner_of(incoming) != std::optional<uuid>(r.owner)) {
                    invalid("a state of " + std::string(traits::name) + " " + r.record.to_string() +
                            " has an owner field that is not its owner");
                }
            } else if (!r.data.is_object() || !r.data.empty()) {
                invalid("a removed state of model '" + std::string(traits::name) + "' carries data");
            }
            merge_remote_hlc(r.version);  // refuses a timestamp beyond the allowed drift

            auto existing = store<M>().find(r.record);
            if (existing) {
                const auto stored_owner = owner_of(existing->value);
                if (stored_owner != std::optional<uuid>(r.owner)) {
                    refuse<M>(errc::not_owner, r.record,
                              "a state from device " + r.owner.to_string() + " for a record owned by " +
                                  owner_text(stored_owner) + " is refused");
                }
                if (existing->version && !(*existing->version < r.version)) return false;  // stale or repeated
            }
            const auto tomb = stores_->tombs.find(traits::name, r.record);
            if (r.removed) {
                const bool moved = put_tombstone(traits::name, r.record, r.version, r.owner);
                if (!existing) return moved;
                store<M>().erase(r.record);
                announce(change_type::remove, change_origin::remote, r.record, existing->value, r.version);
                return true;
            }
            if (tomb) return false;  // deletes are final

            if (existing) {
                // local<> fields keep this device's values.
                detail::for_each_field_index<M>([&](auto index) {
                    constexpr std::size_t i = decltype(index)::value;
                    if constexpr (is_local_v<detail::field_type_t<M, i>>) {
                        detail::get_field<i>(incoming) = detail::get_field<i>(existing->value);
                    }
                });
            }
            if (existing) keep_superseded(*existing);
            detail::stored_row<M> row{std::move(incoming), next_seq(), r.version, {}};
            store<M>().write(row);
            announce(existing ? change_type::update : change_type::insert, change_origin::remote, r.record, row.value, r.version);
            return true;
        }
    }

    // ---- serving history by seq ------------------------------------------------------

    // Items from several seq-ordered lists, each fetched with limit + 1, merged into one
    // page of at most `limit`, such that the page holds every item with seq up to its
    // checkpoint (a list that was cut caps the checkpoint at what it covers).
    template <class Item>
    struct seq_merge {
        std::size_t limit;
        std::uint64_t cap;
        std::vector<std::pair<std::uint64_t, Item>> items;

        template <class Raw, class Seq, class Convert>
        void add(const std::vector<Raw>& raw, Seq seq_of, Convert convert) {
            const std::size_t usable = std::min(raw.size(), limit);
            if (raw.size() > limit) cap = std::min(cap, seq_of(raw[limit - 1]));
            for (std::size_t i = 0; i < usable; ++i) {
                if (auto item = convert(raw[i])) items.emplace_back(seq_of(raw[i]), std::move(*item));
            }
        }

        // Items up to the checkpoint, in seq order; returns (checkpoint, has_more).
        std::pair<std::uint64_t, bool> finish(std::uint64_t until, std::vector<Item>& out) {
            std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            if (items.size() > limit) cap = std::min(cap, items[limit - 1].first);
            for (auto& [seq, item] : items) {
                if (seq <= cap) out.push_back(std::move(item));
            }
            return {cap, cap < until};
        }
    };

    template <class M>
    state_page state_changes_of(std::uint64_t since, std::uint64_t until, std::size_t limit) {
        using traits = model_traits<M>;
        state_page page;
        if constexpr (traits::strategy == strategy::shared) {
            throw error(errc::invalid_change, "hsync: model '" + std::string(traits::name) +
                                                  "' is shared; its history is served as shared changes");
        } else {
            limit = std::max<std::size_t>(limit, 1);
            seq_merge<std::variant<state_record, deleted_state>> merge{limit, until, {}};
            merge.add(
                store<M>().rows_between(since, until, limit + 1), [](const auto& r) { return r.seq; },
                [&](const auto& r) -> std::optional<std::variant<state_record, deleted_state>> {
                    const auto owner = owner_of(r.value);
                    if (!owner || !r.version) return std::nullopt;  // a shared record of a mixed model
                    return state_record{std::string(traits::name), id_of(r.value), *owner, *r.version, false, to_json(r.value)};
                });
            merge.add(
                stores_->tombs.between(traits::name, since, until, limit + 1), [](const auto& t) { return t.seq; },
                [&](const auto& t) -> std::optional<std::variant<state_record, deleted_state>> {
                    if (!t.owner) return std::nullopt;
                    return deleted_state{std::string(traits::name), t.record, *t.owner, t.stamp};
                });
            std::vector<std::variant<state_record, deleted_state>> items;
            std::tie(page.checkpoint, page.has_more) = merge.finish(until, items);
            for (auto& item : items) {
                if (auto* r = std::get_if<state_record>(&item)) page.records.push_back(std::move(*r));
                else page.deleted.push_back(std::move(std::get<deleted_state>(item)));
            }
        }
        return page;
    }

    shared_page shared_log_page(std::uint64_t since, std::uint64_t until, std::size_t limit) {
        limit = std::max<std::size_t>(limit, 1);
        auto fetched = stores_->log.fetch_seq_between(since, until, limit + 1);
        shared_page page;
        seq_merge<shared_entry> merge{limit, until, {}};
        std::vector<std::pair<std::uint64_t, shared_entry>> raw;
        for (std::size_t i = 0; i < fetched.entries.size(); ++i) raw.emplace_back(fetched.seqs[i], std::move(fetched.entries[i]));
        merge.add(raw, [](const auto& p) { return p.first; }, [](const auto& p) { return std::optional<shared_entry>(p.second); });
        std::tie(page.checkpoint, page.has_more) = merge.finish(until, page.entries);
        return page;
    }

    template <class M>
    static shared_snapshot snapshot_of(const detail::stored_row<M>& row) {
        using traits = model_traits<M>;
        detail::field_mask<M> all{};
        all.fill(true);
        shared_snapshot s{std::string(traits::name), id_of(row.value), false, hlc{}, detail::fields_json(row.value, all), {}};
        detail::for_each_clocked<M>([&](std::size_t k, auto index) {
            if (row.clocks[k]) s.clocks.emplace_back(std::string(traits::field_names[decltype(index)::value]), *row.clocks[k]);
        });
        return s;
    }

    shared_page shared_snapshot_page(std::uint64_t since, std::uint64_t until, std::size_t limit) {
        limit = std::max<std::size_t>(limit, 1);
        shared_page page;
        seq_merge<shared_snapshot> merge{limit, until, {}};
        boost::hana::for_each(models::types, [&](auto t) {
            using M = typename decltype(t)::type;
            if constexpr (model_traits<M>::strategy != strategy::device_owned) {
                merge.add(
                    store<M>().rows_between(since, until, limit + 1), [](const auto& r) { return r.seq; },
                    [](const auto& r) -> std::optional<shared_snapshot> {
                        if (owner_of(r.value)) return std::nullopt;  // an owned record of a mixed model
                        return snapshot_of(r);
                    });
                merge.add(
                    stores_->tombs.between(model_traits<M>::name, since, until, limit + 1), [](const auto& e) { return e.seq; },
                    [](const auto& e) -> std::optional<shared_snapshot> {
                        if (e.owner) return std::nullopt;
                        return shared_snapshot{std::string(model_traits<M>::name), e.record, true, e.stamp, nlohmann::json::object(), {}};
                    });
            }
        });
        std::tie(page.checkpoint, page.has_more) = merge.finish(until, page.snapshot);
        return page;
    }

    bool apply_snapshot_in_tx(const shared_snapshot& snap) {
        bool applied = false;
        models::dispatch(snap.model, [&](auto t) { applied = apply_snapshot_to<typename decltype(t)::type>(snap); });
        return applied;
    }

    template <class M>
    bool apply_snapshot_to(const shared_snapshot& snap) {
        using traits = model_traits<M>;
        if constexpr (traits::strategy == strategy::device_owned) {
            invalid("model '" + std::string(traits::name) + "' is device-owned; it has no shared snapshots");
        } else {
            if (snap.record.is_nil()) invalid("a snapshot of model '" + std::string(traits::name) + "' has a nil record id");
            auto existing = store<M>().find(snap.record);
            if (existing && owner_of(existing->value)) {
                invalid(std::string(traits::name) + " " + snap.record.to_string() + " is device-owned; a snapshot cannot touch it");
            }
            if (snap.removed) {
                if (!snap.data.is_object() || !snap.data.empty() || !snap.clocks.empty()) {
                    invalid("a removed snapshot of model '" + std::string(traits::name) + "' carries fields");
                }
                merge_remote_hlc(snap.removed_at);
                const bool moved = put_tombstone(traits::name, snap.record, snap.removed_at, std::nullopt);
                if (existing) {
                    store<M>().erase(snap.record);
                    announce(change_type::remove, change_origin::remote, snap.record, existing->value, snap.removed_at);
                    return true;
                }
                return moved;
            }
            M incoming{};
            const detail::field_mask<M> mask = detail::read_fields(snap.data, incoming, false);
            std::array<std::optional<hlc>, detail::stored_row<M>::clock_count> clocks{};
            for (const auto& clock : snap.clocks) {
                const std::string& field = clock.first;  // not a structured binding: clang 14 cannot capture those
                const hlc& stamp = clock.second;
                bool matched = false;
                detail::for_each_clocked<M>([&](std::size_t k, auto index) {
                    if (traits::field_names[decltype(index)::value] == field) {
                        if (clocks[k]) invalid("a snapshot of model '" + std::string(traits::name) + "' repeats a clock");
                        clocks[k] = stamp;
                        matched = true;
                    }
                });
                if (!matched) invalid("a snapshot of model '" + std::string(traits::name) + "' has a clock for an unknown field");
            }
            for (std::size_t k = 0; k < mask.size(); ++k) {
                if (mask[k] != clocks[k].has_value()) {
                    invalid("a snapshot of model '" + std::string(traits::name) + "' has a field without a clock or a clock without a field");
                }
            }
            if (owner_of(incoming)) invalid("a snapshot of model '" + std::string(traits::name) + "' sets an owner");
            for (const auto& c : clocks) {
                if (c) merge_remote_hlc(*c);
            }
            if (stores_->tombs.find(traits::name, snap.record)) return false;  // deletes are final
            detail::stored_row<M> row;
            if (existing) {
                keep_superseded(*existing);
                row = std::move(*existing);
            } else {
                detail::get_field<traits::id_index>(row.value).value = snap.record;
            }
            bool won = false;
            hlc newest{};
            detail::for_each_clocked<M>([&](std::size_t k, auto index) {
                constexpr std::size_t i = decltype(index)::value;
                if (clocks[k] && (!row.clocks[k] || *row.clocks[k] < *clocks[k])) {
                    detail::get_field<i>(row.value) = std::move(detail::get_field<i>(incoming));
                    row.clocks[k] = clocks[k];
                    newest = std::max(newest, *clocks[k]);
                    won = true;
                }
            });
            if (!won) return false;
            row.seq = next_seq();
            store<M>().write(row);
            announce(existing ? change_type::update : change_type::insert, change_origin::remote, snap.record, row.value, newest);
            return true;
        }
    }

    // ---- query parameters ---------------------------------------------------------

    template <class T>
    static void bind_parameter(sqlite3_stmt* s, int index, const T& v) {
        if constexpr (std::is_convertible_v<const T&, std::string_view> && !column_type<T>) {
            detail::bind_text(s, index, std::string_view(v));
        } else {
            static_assert(column_type<T>, "hsync: query parameters must be strings or supported field types");
            detail::bind_field(s, index, v, "query", "parameter");
        }
    }

    library_options options_;
    std::optional<detail::library_lock> lock_;  // before db_: taken before the file is opened, released after it is closed
    SQLite::Database db_;
    hlc_clock clock_;
    const std::uint64_t serial_ = detail::read_mark::next_library_serial();  // names this object in read marks
    detail::read_versions<Ms...> read_versions_;
    std::filesystem::path path_;
    uuid library_id_;
    std::optional<stores_type> stores_;
    std::optional<detail::statement> save_meta_;
    detail::statement begin_{db_, options_.read_only ? "BEGIN" : "BEGIN IMMEDIATE"};
    detail::statement commit_{db_, "COMMIT"};

    std::recursive_mutex mutex_;
    int depth_ = 0;
    bool clock_dirty_ = false;
    std::uint64_t seq_ = 0;            // the last seq handed out
    std::uint64_t committed_seq_ = 0;  // the last seq of a committed transaction
    hlc clock_at_begin_{};             // the clock when the open transaction began
    std::uint64_t log_floor_ = 0;      // the log was pruned up to here
    pending_type pending_;
    std::tuple<callbacks<Ms>...> callbacks_;
    std::shared_ptr<std::function<void(const outgoing_changes&)>> outgoing_handler_;
};

}  // namespace hsync
