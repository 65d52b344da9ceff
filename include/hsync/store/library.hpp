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
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/function_ref.hpp>
#include <hsync/detail/sqlite_codec.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/library_impl.hpp>
#include <hsync/store/detail/records.hpp>
#include <hsync/store/library_status.hpp>
#include <hsync/store/options.hpp>

namespace hsync {

template <class... Ms>
class replica;

template <class... Ms>
class library {
    using models = detail::model_list<Ms...>;
    static_assert(detail::model_list_valid<Ms...>, "hsync: this library's model list is invalid; the first error above says why");
    using impl = detail::library_impl<library>;

public:
    // The handle passed to with_tx: hsync writes and raw SQL in one transaction.
    class transaction {
    public:
        template <class M>
        void commit(const M& m) {
            impl::commit(*lib_.state_, index_of<M>(), &m);
        }
        template <class M>
        void remove(const uuid& id) {
            impl::remove(*lib_.state_, index_of<M>(), id);
        }
        void exec(const std::string& sql) { lib_.state_->db().exec(sql); }
        SQLite::Database& database() noexcept { return lib_.state_->db(); }

    private:
        friend class library;
        explicit transaction(library& lib) : lib_(lib) {}
        library& lib_;
    };

    // Opens (or creates) the library file and takes its lock for the life of this object:
    // a second opener, in this process or another, gets errc::library_in_use. With
    // options.read_only, opens an existing file to look at, without the lock.
    library(const std::filesystem::path& path, const identity& id, library_options options = {})
        : state_(impl::open(path, id, std::move(options))) {}

    library(const library&) = delete;
    library& operator=(const library&) = delete;

    const uuid& device_id() const noexcept { return state_->device_id(); }
    const uuid& library_id() const noexcept { return state_->file.library_id(); }
    const std::filesystem::path& path() const noexcept { return state_->file.path(); }
    bool read_only() const noexcept { return state_->options.read_only; }

    library_status status() { return impl::status(*state_); }

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
        const std::size_t model = index_of<M>();
        std::uint64_t made = 0;
        const bool outermost = with_tx([&](transaction&) {
            made = impl::commit(*state_, model, &m);
            return state_->depth == 1;
        });
        if (outermost) impl::remark(*state_, model, &m, made);
    }

    // Reads the record, lets fn change it and commits the change, in one transaction:
    // nothing can change the record in between. Returns the record as committed. Throws
    // errc::not_found for an unknown id, errc::record_deleted for a deleted record.
    template <class M, class F>
    M update(const uuid& id, F&& fn) {
        static_assert(std::is_invocable_v<F&, M&>, "hsync: update<M>(id, fn): fn must take an M& to change");
        const std::size_t model = index_of<M>();
        std::uint64_t made = 0;
        M current{};
        const bool outermost = with_tx([&](transaction&) {
            if (!impl::find(*state_, model, id, &current)) {
                if (impl::is_deleted(*state_, model, id)) {
                    detail::refuse<M>(errc::record_deleted, id, "this record was deleted, and deletes are final");
                }
                detail::refuse<M>(errc::not_found, id, "no such record to update");
            }
            fn(current);
            if (!(detail::id_of(current) == id)) {
                detail::refuse<M>(errc::invalid_change, id, "update's function changed the record id");
            }
            made = impl::commit(*state_, model, &current);
            return state_->depth == 1;
        });
        if (outermost) impl::remark(*state_, model, &current, made);
        return current;
    }

    // Deletes a record: a tombstone (and a log entry for a shared record). Deletes are
    // final; removing a record that is already deleted does nothing.
    template <class M>
    void remove(const uuid& id) {
        const std::size_t model = index_of<M>();
        with_tx([&](transaction&) { impl::remove(*state_, model, id); });
    }

    // Many records of one model, in one transaction. For records of several models in
    // one transaction, commit each inside with_tx.
    template <class Range>
    void commit_batch(const Range& records) {
        using M = std::remove_cvref_t<decltype(*std::begin(records))>;
        const std::size_t model = index_of<M>();
        std::vector<std::uint64_t> made;
        const bool outermost = with_tx([&](transaction&) {
            for (const auto& m : records) made.push_back(impl::commit(*state_, model, &m));
            return state_->depth == 1;
        });
        if (!outermost) return;
        std::size_t i = 0;
        for (const auto& m : records) impl::remark(*state_, model, &m, made[i++]);
    }

    template <class M, class Range>
    void remove_batch(const Range& ids) {
        const std::size_t model = index_of<M>();
        with_tx([&](transaction&) {
            for (const auto& id : ids) impl::remove(*state_, model, id);
        });
    }

    // Runs fn(transaction&) in one transaction. If fn throws, nothing it did is written,
    // logged or announced, and the exception propagates. with_tx may nest (savepoints).
    template <class F>
    decltype(auto) with_tx(F&& fn) {
        transaction t(*this);
        return run(impl::run_transaction, [&]() -> decltype(auto) { return fn(t); });
    }

    // ---- reads --------------------------------------------------------------------

    // Runs fn(SQLite::Database&) in a read transaction: SELECTs that must agree see one
    // snapshot, and no write lock is taken, so the read never waits for a writer (another
    // process's included). fn must not write: hsync's writes inside throw errc::read_only.
    template <class F>
    decltype(auto) read(F&& fn) {
        return run(impl::run_read, [&]() -> decltype(auto) { return fn(state_->db()); });
    }

    template <class M>
    std::optional<M> get(const uuid& id) {
        std::optional<M> found(std::in_place);
        if (!impl::find(*state_, index_of<M>(), id, &*found)) found.reset();
        return found;
    }

    template <class M>
    std::vector<M> all() {
        return query<M>("ORDER BY " + detail::quote_identifier(model_traits<M>::field_names[model_traits<M>::id_index]));
    }

    // Models matching an SQL tail, e.g. query<Tag>("WHERE canonical_name LIKE ?", "sun%").
    // Parameters may be any supported field type or a string.
    template <class M, class... Args>
    std::vector<M> query(const std::string& tail, const Args&... args) {
        std::vector<M> out;
        impl::select(
            *state_, index_of<M>(), tail,
            [&]([[maybe_unused]] sqlite3_stmt* s) {
                int index = 1;
                (bind_parameter(s, index++, args), ...);
            },
            [&](void* m) { out.push_back(std::move(*static_cast<M*>(m))); });
        return out;
    }

    // ---- events -------------------------------------------------------------------

    // Calls back after each committed local change or applied remote change of M.
    template <class M, class F>
    void on(F&& callback) {
        static_assert(std::is_invocable_v<std::decay_t<F>&, const change<M>&>,
                      "hsync: on<M>(callback): callback must take a const hsync::change<M>&");
        impl::subscribe(*state_, index_of<M>(),
                        [cb = std::decay_t<F>(std::forward<F>(callback))](const void* c) mutable {
                            cb(*static_cast<const change<M>*>(c));
                        });
    }

private:
    friend class replica<Ms...>;

    // M's index in the model list, for the functions compiled once for all models.
    template <class M>
    static constexpr std::size_t index_of() {
        static_assert(models::template contains<M>, "hsync: M is not a model of this library; add it to hsync::library<...>");
        return models::template index_of<M>;
    }

    // Runs body() through one of impl's runners and returns what body returns, by value.
    template <class Body>
    decltype(auto) run(void (*runner)(typename impl::state&, detail::function_ref<void()>), Body&& body) {
        using result_type = std::invoke_result_t<Body&>;
        if constexpr (std::is_void_v<result_type>) {
            runner(*state_, body);
        } else {
            std::optional<std::remove_cvref_t<result_type>> result;
            runner(*state_, [&] { result.emplace(body()); });
            return std::remove_cvref_t<result_type>(std::move(*result));
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

    typename impl::state_ptr state_;
};

}  // namespace hsync
