// 01_single_header: hsync from one file. This program includes nothing of hsync but the
// generated single header, single_include/hsync/hsync.hpp, which an application may copy
// instead of include/. It declares two models, commits, queries and prints.
//
//   cmake --build build --target hsync_example_01_single_header
//   cd build/examples && ./hsync_example_01_single_header     # writes example-01/bookmarks.db
#include <hsync/hsync.hpp>  // single_include/ is the include path: this is the single header

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

struct Bookmark {              // shared: any device of the user adds, edits or deletes it
    hsync::record_id uuid;
    std::string url;
    std::string title;
    bool read = false;
};

struct OpenTab {               // device-owned: each device writes only its own tabs
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string url;
};

int main() {
    const std::filesystem::path dir = "example-01";
    std::filesystem::remove_all(dir);  // start afresh on each run
    std::filesystem::create_directories(dir);

    const hsync::identity me{hsync::uuid::v4()};  // this device
    hsync::library<Bookmark, OpenTab> lib{dir / "bookmarks.db", me};

    Bookmark docs{hsync::record_id::generate(), "https://sqlite.org/docs.html", "SQLite docs"};
    Bookmark cpp{hsync::record_id::generate(), "https://en.cppreference.com", "cppreference"};
    lib.commit_batch(std::vector{docs, cpp});  // one transaction, two log entries
    docs.read = true;
    lib.commit(docs);                          // one more log entry: just the `read` field
    lib.commit(OpenTab{hsync::record_id::generate(), hsync::owner_id{me.device_id}, cpp.url});

    std::puts("bookmarks:");
    for (const Bookmark& b : lib.query<Bookmark>("ORDER BY title")) {
        std::printf("  [%c] %-14s %s\n", b.read ? 'x' : ' ', b.title.c_str(), b.url.c_str());
    }
    const auto unread = lib.query<Bookmark>("WHERE read = ?", false);
    const auto tabs = lib.query<OpenTab>("WHERE device = ?", hsync::owner_id{me.device_id});
    std::printf("unread: %zu, open tabs here: %zu, shared log entries: %zu\n", unread.size(), tabs.size(),
                lib.status().log_entries);

    const bool ok = unread.size() == 1 && unread[0].title == "cppreference" && tabs.size() == 1 &&
                    lib.get<Bookmark>(docs.uuid)->read && lib.status().log_entries == 3;
    std::puts(ok ? "single header: ok" : "single header: FAILED");
    return ok ? 0 : 1;
}
