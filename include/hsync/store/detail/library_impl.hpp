#pragma once
// What library<Ms...> does, behind a model index and untyped pointers: one function per
// operation for all the models, instead of one per model and per calling file. The typed
// wrappers in store/library.hpp are a few lines each; the work is here.
//
// Its member functions are defined out of the class, so that an application can compile
// them once: HSYNC_EXTERN_LIBRARY(L) where the library type is declared (every other file
// then only declares them), HSYNC_INSTANTIATE_LIBRARY(L) in one .cpp (hsync/library.hpp,
// docs/getting-started.md). Without the pair, each file that uses a library compiles
// these functions itself, as it would any template.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <hsync/core/uuid.hpp>
#include <hsync/detail/function_ref.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/detail/library_state.hpp>
#include <hsync/store/detail/local_writes.hpp>
#include <hsync/store/detail/transactions.hpp>
#include <hsync/store/library_status.hpp>
#include <hsync/store/options.hpp>

namespace hsync {
template <class... Ms>
class library;
}

namespace hsync::detail {

template <class Library>
struct library_impl;

template <class... Ms>
struct library_impl<library<Ms...>> {
    using state = library_state<Ms...>;
    using models = model_list<Ms...>;

    struct close_state {
        void operator()(state* s) const noexcept { library_impl::close(s); }
    };
    using state_ptr = std::unique_ptr<state, close_state>;

    static state_ptr open(const std::filesystem::path& path, const identity& id, library_options options);
    static void close(state* s) noexcept;
    static library_status status(state& s);

    // body() in a transaction (a savepoint inside one); its events are delivered after
    // it commits. run_read: body() in a read transaction.
    static void run_transaction(state& s, function_ref<void()> body);
    static void run_read(state& s, function_ref<void()> body);

    // Inside a transaction: record points to the model at index `model`.
    static std::uint64_t commit(state& s, std::size_t model, const void* record);
    static void remove(state& s, std::size_t model, const uuid& id);
    // After the transaction: the copy committed is now of version `made`.
    static void remark(state& s, std::size_t model, const void* record, std::uint64_t made);

    // Reads: find moves the stored record into *out (an M) and says whether there was one.
    static bool find(state& s, std::size_t model, const uuid& id, void* out);
    static bool is_deleted(state& s, std::size_t model, const uuid& id);
    // Rows matching an SQL tail; take(void* record) gets each, an M to move from.
    static void select(state& s, std::size_t model, const std::string& tail, function_ref<void(sqlite3_stmt*)> bind,
                       function_ref<void(void*)> take);

    // Adds an event handler of the model at `model`; it receives a const change<M>*.
    static void subscribe(state& s, std::size_t model, std::function<void(const void*)> handler);
};

template <class... Ms>
typename library_impl<library<Ms...>>::state_ptr library_impl<library<Ms...>>::open(const std::filesystem::path& path,
                                                                                    const identity& id,
                                                                                    library_options options) {
    return state_ptr(new state(path, id, std::move(options)));
}

template <class... Ms>
void library_impl<library<Ms...>>::close(state* s) noexcept {
    delete s;
}

template <class... Ms>
library_status library_impl<library<Ms...>>::status(state& s) {
    std::lock_guard lock(s.mutex);
    return library_status{s.device_id(), s.file.library_id(), s.committed_seq,    s.tables->log.size(),
                          s.log_floor,   s.clock.last(),      s.options.read_only};
}

template <class... Ms>
void library_impl<library<Ms...>>::run_transaction(state& s, function_ref<void()> body) {
    struct no_handle {};
    no_handle h;
    auto fn = [&](no_handle&) { body(); };
    detail::run_transaction(s, h, fn);
}

template <class... Ms>
void library_impl<library<Ms...>>::run_read(state& s, function_ref<void()> body) {
    auto fn = [&](SQLite::Database&) { body(); };
    run_read_transaction(s, fn);
}

template <class... Ms>
std::uint64_t library_impl<library<Ms...>>::commit(state& s, std::size_t model, const void* record) {
    std::uint64_t made = 0;
    models::visit(model, [&](auto t) {
        using M = typename decltype(t)::type;
        made = local_writes<Ms...>(s).commit(*static_cast<const M*>(record));
    });
    return made;
}

template <class... Ms>
void library_impl<library<Ms...>>::remove(state& s, std::size_t model, const uuid& id) {
    models::visit(model, [&](auto t) { local_writes<Ms...>(s).template remove<typename decltype(t)::type>(id); });
}

template <class... Ms>
void library_impl<library<Ms...>>::remark(state& s, std::size_t model, const void* record, std::uint64_t made) {
    models::visit(model, [&](auto t) {
        using M = typename decltype(t)::type;
        local_writes<Ms...>(s).remark(*static_cast<const M*>(record), made);
    });
}

template <class... Ms>
bool library_impl<library<Ms...>>::find(state& s, std::size_t model, const uuid& id, void* out) {
    bool found = false;
    models::visit(model, [&](auto t) {
        using M = typename decltype(t)::type;
        std::lock_guard lock(s.mutex);
        auto row = s.template store<M>().find(id);
        if (!row) return;
        s.mark_read(row->value, row->seq);
        *static_cast<M*>(out) = std::move(row->value);
        found = true;
    });
    return found;
}

template <class... Ms>
bool library_impl<library<Ms...>>::is_deleted(state& s, std::size_t model, const uuid& id) {
    bool deleted = false;
    models::visit(model, [&](auto t) {
        std::lock_guard lock(s.mutex);
        deleted = s.tables->tombs.find(model_traits<typename decltype(t)::type>::name, id).has_value();
    });
    return deleted;
}

template <class... Ms>
void library_impl<library<Ms...>>::select(state& s, std::size_t model, const std::string& tail,
                                          function_ref<void(sqlite3_stmt*)> bind, function_ref<void(void*)> take) {
    models::visit(model, [&](auto t) {
        using M = typename decltype(t)::type;
        std::lock_guard lock(s.mutex);
        s.template store<M>().select(tail, bind, [&](M& m, std::uint64_t version) {
            s.mark_read(m, version);
            take(&m);
        });
    });
}

template <class... Ms>
void library_impl<library<Ms...>>::subscribe(state& s, std::size_t model, std::function<void(const void*)> handler) {
    using list = std::vector<std::function<void(const void*)>>;
    std::lock_guard lock(s.mutex);
    auto& slot = s.subscribers.at(model);
    auto next = slot ? std::make_shared<list>(*slot) : std::make_shared<list>();
    next->push_back(std::move(handler));
    slot = std::move(next);
}

}  // namespace hsync::detail
