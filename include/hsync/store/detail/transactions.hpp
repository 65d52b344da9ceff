#pragma once
// One library transaction: BEGIN IMMEDIATE at the outermost level, savepoints inside.
// A transaction that throws leaves nothing behind: not its rows, not its seqs, not its
// timestamps, not its events. What it announces is delivered after COMMIT, outside the
// lock, so that a callback may read or write the library.

#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <sqlite3.h>

#include <hsync/store/detail/library_state.hpp>
#include <hsync/store/detail/statement.hpp>

namespace hsync::detail {

inline void step_once(const statement& stmt) {
    statement_use use(stmt);
    use.step();
}

template <class State, class Handle, class F>
decltype(auto) run_savepoint(State& s, Handle& handle, F& fn) {
    using result_type = std::invoke_result_t<F&, Handle&>;
    const std::string name = "hsync_" + std::to_string(s.depth);
    s.db().exec("SAVEPOINT " + name);
    const auto before = s.pending.here();
    ++s.depth;
    auto roll_back = [&] {
        --s.depth;
        s.db().exec("ROLLBACK TO " + name);
        s.db().exec("RELEASE " + name);
        s.pending.roll_back_to(before);
    };
    auto release = [&] {
        --s.depth;
        s.db().exec("RELEASE " + name);
    };
    if constexpr (std::is_void_v<result_type>) {
        try {
            fn(handle);
        } catch (...) {
            roll_back();
            throw;
        }
        release();
    } else {
        std::optional<std::remove_cvref_t<result_type>> result;
        try {
            result.emplace(fn(handle));
        } catch (...) {
            roll_back();
            throw;
        }
        release();
        return std::remove_cvref_t<result_type>(std::move(*result));
    }
}

// Persists the clock and the seq and commits; returns what the transaction announces.
template <class State>
pending_changes commit_transaction(State& s) {
    if (s.clock_dirty) s.file.save_clock(s.clock.last());
    if (s.seq != s.committed_seq) s.file.save_u64("seq", s.seq);
    step_once(s.commit);
    s.pending.outgoing.prev_seq = s.committed_seq;
    s.pending.outgoing.seq = s.seq;
    s.committed_seq = s.seq;
    s.depth = 0;
    s.clock_dirty = false;
    return std::exchange(s.pending, pending_changes{});
}

template <class State>
void deliver(State& s, pending_changes done, std::unique_lock<std::recursive_mutex>& lock) {
    auto listener = s.listener;
    lock.unlock();
    for (auto& fire : done.events) fire();
    if (listener && !done.outgoing.empty()) (*listener)(done.outgoing);
}

template <class State>
void abort_transaction(State& s) noexcept {
    if (sqlite3_get_autocommit(s.db().getHandle()) == 0) {
        sqlite3_exec(s.db().getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    s.depth = 0;
    s.clock_dirty = false;
    s.seq = s.committed_seq;  // nothing of the transaction escaped
    s.kept_versions.forget_after(s.committed_seq);
    // Nor did its timestamps: the clock goes back to where the file has it, so that it
    // never reads later than what a restart would resume from.
    if (s.clock.last() != s.clock_at_begin) {
        s.clock = hlc_clock(s.clock.device(), s.options.physical, s.options.clock, s.clock_at_begin);
    }
    s.pending = pending_changes{};
}

// Runs fn(db) in a read transaction: one snapshot of the file, no write lock (in WAL mode
// a reader never waits for a writer). Inside an open transaction, fn runs in it. The
// library's writes refuse to run inside (library_state::reading).
template <class State, class F>
decltype(auto) run_read_transaction(State& s, F& fn) {
    std::lock_guard lock(s.mutex);
    if (s.depth > 0) return fn(s.db());
    struct reading {
        State& s;
        explicit reading(State& st) : s(st) {
            s.db().exec("BEGIN DEFERRED");
            s.reading = true;
        }
        ~reading() {
            s.reading = false;
            sqlite3_exec(s.db().getHandle(), "COMMIT", nullptr, nullptr, nullptr);  // nothing to keep or lose
        }
    } guard(s);
    return fn(s.db());
}

// Whether a transaction's commit waits for the disk (the library's durability) or not:
// for what a peer can send again, see replica::with_refetchable_tx.
enum class commit_wait { disk, none };

// synchronous = NORMAL for one transaction of a FULL library, FULL again after it. Both
// are set outside the transaction (SQLite ignores the pragma inside one), under the
// library's mutex, so no other commit runs in between.
class relaxed_commit {
public:
    explicit relaxed_commit(sqlite3* db) : db_(db) {
        if (sqlite3_exec(db_, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
            throw error(errc::storage, std::string("hsync: cannot relax synchronous for a transaction: ") + sqlite3_errmsg(db_));
        }
    }
    ~relaxed_commit() { sqlite3_exec(db_, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr); }
    relaxed_commit(const relaxed_commit&) = delete;
    relaxed_commit& operator=(const relaxed_commit&) = delete;

private:
    sqlite3* db_;
};

// Runs fn(handle) in a transaction of `s` (a savepoint when one is open) and returns
// what fn returns. The handle is the user's view of the transaction.
template <class State, class Handle, class F>
decltype(auto) run_transaction(State& s, Handle& handle, F& fn, commit_wait wait = commit_wait::disk) {
    using result_type = std::invoke_result_t<F&, Handle&>;
    std::unique_lock lock(s.mutex);
    if (s.reading) {
        throw error(errc::read_only, "hsync: a transaction inside library::read, which is a read transaction; "
                                     "write outside it, with with_tx");
    }
    if (s.depth > 0) return run_savepoint(s, handle, fn);
    std::optional<relaxed_commit> relaxed;
    if (wait == commit_wait::none && s.options.sync == durability::full) relaxed.emplace(s.db().getHandle());
    step_once(s.begin);
    s.depth = 1;
    s.clock_at_begin = s.clock.last();
    pending_changes done;
    if constexpr (std::is_void_v<result_type>) {
        try {
            fn(handle);
            done = commit_transaction(s);
        } catch (...) {
            abort_transaction(s);
            throw;
        }
        relaxed.reset();
        deliver(s, std::move(done), lock);
    } else {
        std::optional<std::remove_cvref_t<result_type>> result;
        try {
            result.emplace(fn(handle));
            done = commit_transaction(s);
        } catch (...) {
            abort_transaction(s);
            throw;
        }
        relaxed.reset();
        deliver(s, std::move(done), lock);
        return std::remove_cvref_t<result_type>(std::move(*result));
    }
}

}  // namespace hsync::detail
