// Checkpoints of the write-ahead log run on a thread of the library, not in commits; a
// log the thread cannot empty is still bounded, by commits.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <SQLiteCpp/Database.h>

#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using hsync::detail::wal_checkpointer;

namespace {

SQLite::Database wal_database(const std::filesystem::path& file) {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
    return db;
}

// One commit of a row of about a page.
void write_page(SQLite::Database& db, int k) {
    SQLite::Statement q(db, "INSERT INTO t (k, v) VALUES (?, zeroblob(3000))");
    q.bind(1, k);
    q.exec();
}

template <class Pred>
bool within(std::chrono::milliseconds limit, Pred pred) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace

TEST_CASE("the WAL is checkpointed by the library's thread, never by a commit, while it keeps up", "[storage]") {
    temp_dir dir;
    SQLite::Database db = wal_database(dir / "wal.db");
    wal_checkpointer ckpt(db.getHandle(), dir / "wal.db", {100, std::chrono::milliseconds(50), 1000});
    REQUIRE(ckpt.running());
    for (int k = 0; k < 150; ++k) write_page(db, k);  // past 100 pages, more than once
    REQUIRE(within(std::chrono::seconds(5), [&] { return ckpt.background_checkpoints() >= 1; }));
    // One checkpoint per 100 new pages or so, not one per commit.
    REQUIRE(ckpt.background_checkpoints() <= 20);
    // Commits pause: what is left is copied too, and then the thread has nothing to do.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto before = ckpt.background_checkpoints();
    write_page(db, 1000);
    REQUIRE(within(std::chrono::seconds(5), [&] { return ckpt.background_checkpoints() > before; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto settled = ckpt.background_checkpoints();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(ckpt.background_checkpoints() == settled);  // idle: no checkpoint of an empty log
    REQUIRE(ckpt.commit_checkpoints() == 0);
}

TEST_CASE("a WAL a reader keeps from emptying is bounded by commits that checkpoint themselves", "[storage]") {
    temp_dir dir;
    SQLite::Database db = wal_database(dir / "wal.db");
    write_page(db, 0);
    // A reader holds a snapshot from here on: no checkpoint can copy what comes after it,
    // so the log cannot restart and keeps growing.
    SQLite::Database reader((dir / "wal.db").string(), SQLite::OPEN_READONLY);
    reader.exec("BEGIN");
    REQUIRE(reader.execAndGet("SELECT count(*) FROM t").getInt() == 1);
    wal_checkpointer ckpt(db.getHandle(), dir / "wal.db", {20, std::chrono::milliseconds(20), 4});
    for (int k = 1; k < 120; ++k) write_page(db, k);  // past 20 * 4 pages
    REQUIRE(ckpt.commit_checkpoints() >= 1);
    reader.exec("COMMIT");
    REQUIRE(reader.execAndGet("SELECT count(*) FROM t").getInt() == 120);
}

TEST_CASE("a library checkpoints on a thread by default, in commits when asked to", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    {
        seed_library lib(dir / "background.db", me);
        std::vector<photos::Tag> tags;
        for (int i = 0; i < 20'000; ++i) tags.push_back(make_tag("tag " + std::to_string(i)));
        for (std::size_t i = 0; i < tags.size(); i += 1000) {
            lib.commit_batch(std::vector<photos::Tag>(tags.begin() + static_cast<std::ptrdiff_t>(i),
                                                      tags.begin() + static_cast<std::ptrdiff_t>(i + 1000)));
        }
        const auto* ckpt = hsync::replica(lib).checkpointer();
        REQUIRE(ckpt != nullptr);
        REQUIRE(within(std::chrono::seconds(5), [&] { return ckpt->background_checkpoints() >= 1; }));
        REQUIRE(ckpt->commit_checkpoints() == 0);
    }
    hsync::library_options o;
    o.checkpoints = hsync::checkpoints::on_commit;
    seed_library lib(dir / "on_commit.db", hsync::identity{hsync::uuid::v4()}, o);
    REQUIRE(hsync::replica(lib).checkpointer() == nullptr);
    // Reopened after the thread's checkpoints, the first library's file holds every tag.
    seed_library again(dir / "background.db", me);
    REQUIRE(again.all<photos::Tag>().size() == 20'000);
}
