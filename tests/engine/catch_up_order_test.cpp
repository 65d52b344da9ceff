// A catch-up fetches the models in the library's apply order, whatever their strategy: a
// shared record that requires a device-owned one arrives after it.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <string>

#include "engine/two_devices.hpp"
#include "support/temp_dir.hpp"

namespace {

struct Folder {  // device-owned
    static constexpr std::string_view sync_name = "folder";
    hsync::record_id uuid;
    hsync::owner_id owner;
    std::string name;
};

struct Note {  // shared, and it requires its folder
    static constexpr std::string_view sync_name = "note";
    hsync::record_id uuid;
    hsync::ref<Folder> folder;
    std::string text;
};

using notes_library = hsync::library<Note, Folder>;

}  // namespace

TEST_CASE("a backfill applies a shared record after the device-owned record it requires", "[engine][order]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    hsync_test::device<notes_library> a(dir, "a", library_id);
    hsync_test::device<notes_library> b(dir, "b", library_id);
    constexpr int count = 50;
    for (int i = 0; i < count; ++i) {
        const Folder f{hsync::record_id::generate(), hsync::owner_id{a.id.device_id}, "folder " + std::to_string(i)};
        a.lib->with_tx([&](auto& t) {
            t.commit(Note{hsync::record_id::generate(), f.uuid, "note " + std::to_string(i)});
            t.commit(f);
        });
    }
    int notes_heard = 0, dangling = 0;
    b.lib->on<Note>([&](const hsync::change<Note>& c) {
        ++notes_heard;
        if (!b.lib->get<Folder>(c.value->folder.id)) ++dangling;
    });
    hsync_test::connect_and_settle(a, b);
    REQUIRE(b.engine->status(a.id.device_id).state == hsync::sync::peer_state::ready);
    REQUIRE(notes_heard == count);
    CHECK(dangling == 0);
    CHECK(b.lib->all<Folder>().size() == static_cast<std::size_t>(count));
}

TEST_CASE("a peer asking for one model's shared changes gets that model's only", "[engine][order]") {
    hsync_test::temp_dir dir;
    hsync::library<Note, Folder> lib(dir / "one.db", hsync::identity{hsync::uuid::v4()});
    const Folder f{hsync::record_id::generate(), hsync::owner_id{lib.device_id()}, "f"};
    lib.commit(f);
    lib.commit(Note{hsync::record_id::generate(), f.uuid, "n"});
    const hsync::replica r(lib);
    const auto notes = r.shared_changes(0, 100, false, "note");
    REQUIRE(notes.entries.size() == 1);
    CHECK(notes.entries[0].model == "note");
    CHECK_FALSE(notes.has_more);
    const auto snapshot = r.shared_changes(0, 100, true, "note");  // the same, as rows
    REQUIRE(snapshot.snapshot.size() == 1);
    CHECK(snapshot.snapshot[0].model == "note");
    REQUIRE_THROWS_AS(r.shared_changes(0, 100, false, "folder"), hsync::error);  // device-owned: served as states
    REQUIRE_THROWS_AS(r.shared_changes(0, 100, false, "nope"), hsync::error);
}
