#pragma once
// Checkpoints of the library's write-ahead log, off the commit path (docs/storage.md,
// "Checkpoints"). SQLite's default runs a checkpoint inside the commit that takes the WAL
// past 1,000 pages: that commit then copies the whole log into the database file and
// syncs it, which is where the latency tail of commits came from. Here a thread of the
// library, with a connection of its own, runs PASSIVE checkpoints (they never block a
// reader or a writer) once the WAL holds `wal_pages` pages, or once commits have paused
// for `idle`. A commit checkpoints itself only if the log runs `backstop` times past its
// size, when the thread cannot keep up (a reader holding an old snapshot, say), so that
// the WAL file stays bounded whatever happens.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include <sqlite3.h>

namespace hsync::detail {

class wal_checkpointer {
public:
    struct settings {
        int wal_pages = 1000;  // a checkpoint is due once the WAL holds this many pages
        std::chrono::milliseconds idle{250};  // ... or once commits paused this long
        int backstop = 4;      // a commit checkpoints itself past wal_pages * backstop
        std::chrono::milliseconds busy_timeout{5000};
    };

    // `db` is the library's connection to `path`; its WAL hook is this object's until it
    // is destroyed (which must come before the connection closes).
    wal_checkpointer(sqlite3* db, const std::filesystem::path& path, settings s) : db_(db), settings_(s) {
        if (sqlite3_open_v2(path.c_str(), &own_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
            // No thread then: the library checkpoints on commit, as SQLite does by default.
            sqlite3_close(own_);
            own_ = nullptr;
            return;
        }
        sqlite3_busy_timeout(own_, static_cast<int>(settings_.busy_timeout.count()));
        // A connection learns that the file is in WAL mode when it first reads it; until
        // then its checkpoints do nothing (and say -1).
        if (sqlite3_exec(own_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
            sqlite3_close(own_);
            own_ = nullptr;
            return;
        }
        sqlite3_wal_hook(db_, &wal_checkpointer::on_commit, this);
        thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
    }

    wal_checkpointer(const wal_checkpointer&) = delete;
    wal_checkpointer& operator=(const wal_checkpointer&) = delete;

    ~wal_checkpointer() {
        if (!own_) return;
        sqlite3_wal_autocheckpoint(db_, settings_.wal_pages);  // replaces the hook with SQLite's own
        thread_.request_stop();
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
        sqlite3_close(own_);
    }

    bool running() const noexcept { return own_ != nullptr; }
    // Checkpoints run by the thread, and by commits past the backstop.
    std::uint64_t background_checkpoints() const noexcept { return background_.load(); }
    std::uint64_t commit_checkpoints() const noexcept { return inline_.load(); }

private:
    // Runs in the committing thread after each commit, with the pages now in the WAL:
    // a few atomic operations and, when a checkpoint is due, a notify. A checkpoint is due
    // once `wal_pages` pages came after what the last one copied (fewer pages than that
    // means the log restarted from its beginning).
    static int on_commit(void* self_ptr, sqlite3* db, const char* schema, int pages) {
        auto* self = static_cast<wal_checkpointer*>(self_ptr);
        self->pages_.store(pages, std::memory_order_relaxed);
        self->last_commit_.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        const int copied = self->copied_.load(std::memory_order_relaxed);
        const int fresh = pages >= copied ? pages - copied : pages;
        if (fresh >= self->settings_.wal_pages * self->settings_.backstop) {
            int log = 0;
            int done = 0;
            if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK) {
                self->copied_.store(done, std::memory_order_relaxed);
            }
            ++self->inline_;
        } else if (fresh >= self->settings_.wal_pages) {
            self->wake_.notify_one();
        }
        return SQLITE_OK;
    }

    // A wake-up lost between the thread's check and its wait costs at most `idle`.
    void run(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested()) {
            wake_.wait_for(lock, settings_.idle);
            if (stop.stop_requested()) break;
            const int pages = pages_.load(std::memory_order_relaxed);
            const int copied = copied_.load(std::memory_order_relaxed);
            const int fresh = pages >= copied ? pages - copied : pages;
            if (fresh == 0) continue;
            const auto since = clock::now().time_since_epoch().count() - last_commit_.load(std::memory_order_relaxed);
            const bool idle = since >= std::chrono::duration_cast<clock::duration>(settings_.idle).count();
            if (fresh < settings_.wal_pages && !idle) continue;
            int log = 0;
            int done = 0;
            if (sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK) {
                ++background_;
                copied_.store(done, std::memory_order_relaxed);
            }
        }
    }

    using clock = std::chrono::steady_clock;
    sqlite3* db_;
    sqlite3* own_ = nullptr;
    settings settings_;
    std::atomic<int> pages_{0};   // in the WAL, after the last commit
    std::atomic<int> copied_{0};  // of those, copied by the last checkpoint
    std::atomic<clock::rep> last_commit_{0};
    std::atomic<std::uint64_t> background_{0};
    std::atomic<std::uint64_t> inline_{0};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::jthread thread_;  // last: it starts once everything it reads is set up
};

}  // namespace hsync::detail
