#pragma once
// hsync::library<Ms...>: the application's database of the models Ms, in one SQLite
// file: commit, update, remove, read, and hear of changes. What sync needs of it is in
// store/replica.hpp; the machinery is in store/detail/. See docs/storage.md.
//
// Thread safety: every member function may be called from any thread; calls are
// serialized by one mutex. Events are delivered after the transaction commits, outside
// the lock, on the committing thread.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/library_state.hpp>
#include <hsync/store/detail/local_writes.hpp>
#include <hsync/store/detail/records.hpp>
#include <hsync/store/detail/transactions.hpp>
#include <hsync/store/options.hpp>

namespace hsync {

// Where a library stands, for a status line or a test.
struct library_status {
    uuid device_id;
    uuid library_id;
    std::uint64_t seq = 0;          // the last committed change's sequence number
    std::size_t log_entries = 0;    // shared changes kept to serve to peers
    std::uint64_t log_floor = 0;    // history up to this seq is served as snapshots
    hlc clock{};                    // the latest timestamp this device issued or saw
    bool read_only = false;
};

template <class... Ms>
class replica;

template <class... Ms>
class library {
    using models = detail::model_list<Ms...>;
    static_assert(detail::model_list_valid<Ms...>, "hsync: this library's model list is invalid; the first error above says why");

public:
    // The handle passed to with_tx: hsync writes and raw SQL in one transaction.
    class transaction {
    public:
        template <class M>
        void commit(const M& m) {
            lib_.writes().commit(m);
        }
        template <class M>
        void remove(const uuid& id) {
            lib_.writes().template remove<M>(id);
        }
        void exec(const std::string& sql) { lib_.state_.db().exec(sql); }
        SQLite::Database& database() noexcept { return lib_.state_.db(); }

    private:
        friend class library;
        explicit transaction(library& lib) : lib_(lib) {}
        library& lib_;
    };

    // Opens (or creates) the library file and takes its lock for the life of this object:
    // a second opener, in this process or another, gets errc::library_in_use. With
    // options.read_only, opens an existing file to look at, without the lock.
    library(const std::filesystem::path& path, const identity& id, library_options options = {})
        : state_(path, id, std::move(options)) {}

    library(const library&) = delete;
    library& operator=(const library&) = delete;

    const uuid& device_id() const noexcept { return state_.device_id(); }
    const uuid& library_id() const noexcept { return state_.file.library_id(); }
    const std::filesystem::path& path() const noexcept { return state_.file.path(); }
    bool read_only() const noexcept { return state_.options.read_only; }

    library_status status() {
        std::lock_guard lock(state_.mutex);
        return library_status{device_id(),        library_id(),     state_.committed_seq, state_.tables->log.size(),
                              state_.log_floor,   state_.clock.last(), read_only()};
    }

    // The models, as boost::hana types, for code that visits each: hana::for_each(
    // library::model_types(), [](auto t) { using M = typename decltype(t)::type; ... }).
    static constexpr auto model_types() { return models::types; }

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
            made = writes().commit(m);
            return state_.depth == 1;
        });
        if (outermost) writes().remark(m, made);
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
                if (state_.tables->tombs.find(model_traits<M>::name, id)) {
                    detail::refuse<M>(errc::record_deleted, id, "this record was deleted, and deletes are final");
                }
                detail::refuse<M>(errc::not_found, id, "no such record to update");
            }
            fn(*current);
            if (!(detail::id_of(*current) == id)) {
                detail::refuse<M>(errc::invalid_change, id, "update's function changed the record id");
            }
            made = writes().commit(*current);
            result = std::move(current);
            return state_.depth == 1;
        });
        if (outermost) writes().remark(*result, made);
        return std::move(*result);
    }

    // Deletes a record: a tombstone (and a log entry for a shared record). Deletes are
    // final; removing a record that is already deleted does nothing.
    template <class M>
    void remove(const uuid& id) {
        with_tx([&](transaction&) { writes().template remove<M>(id); });
    }

    // Many records of one model, in one transaction. For records of several models in
    // one transaction, commit each inside with_tx.
    template <class Range>
    void commit_batch(const Range& records) {
        std::vector<std::uint64_t> made;
        const bool outermost = with_tx([&](transaction&) {
            for (const auto& m : records) made.push_back(writes().commit(m));
            return state_.depth == 1;
        });
        if (!outermost) return;
        std::size_t i = 0;
        for (const auto& m : records) writes().remark(m, made[i++]);
    }

    template <class M, class Range>
    void remove_batch(const Range& ids) {
        with_tx([&](transaction&) {
            for (const auto& id : ids) writes().template remove<M>(id);
        });
    }

    // Runs fn(transaction&) in one transaction. If fn throws, nothing it did is written,
    // logged or announced, and the exception propagates. with_tx may nest (savepoints).
    template <class F>
    decltype(auto) with_tx(F&& fn) {
        transaction t(*this);
        return detail::run_transaction(state_, t, fn);
    }

    // ---- reads --------------------------------------------------------------------

    // Runs fn(SQLite::Database&) in a read transaction: SELECTs that must agree see one
    // snapshot, and no write lock is taken, so the read never waits for a writer (another
    // process's included). fn must not write: hsync's writes inside throw errc::read_only.
    template <class F>
    decltype(auto) read(F&& fn) {
        return detail::run_read_transaction(state_, fn);
    }

    template <class M>
    std::optional<M> get(const uuid& id) {
        std::lock_guard lock(state_.mutex);
        auto row = state_.template store<M>().find(id);
        if (!row) return std::nullopt;
        state_.mark_read(row->value, row->seq);
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
        std::lock_guard lock(state_.mutex);
        return state_.template store<M>().select(
            tail,
            [&]([[maybe_unused]] sqlite3_stmt* s) {
                int index = 1;
                (bind_parameter(s, index++, args), ...);
            },
            [&](M& m, std::uint64_t version) { state_.mark_read(m, version); });
    }

    // ---- events -------------------------------------------------------------------

    // Calls back after each committed local change or applied remote change of M.
    template <class M, class F>
    void on(F&& callback) {
        static_assert(models::template contains<M>, "hsync: on<M>: M is not a model of this library");
        using list = std::vector<std::function<void(const change<M>&)>>;
        std::lock_guard lock(state_.mutex);
        auto& slot = std::get<typename detail::library_state<Ms...>::template callbacks<M>>(state_.subscribers);
        auto next = slot ? std::make_shared<list>(*slot) : std::make_shared<list>();
        next->emplace_back(std::forward<F>(callback));
        slot = std::move(next);
    }

private:
    friend class replica<Ms...>;

    detail::local_writes<Ms...> writes() noexcept { return detail::local_writes<Ms...>(state_); }

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

    detail::library_state<Ms...> state_;
};

}  // namespace hsync
