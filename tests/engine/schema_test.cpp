// The schema in the handshake: two devices whose models are the same (in any order) sync;
// two whose models differ are refused at the handshake, each told where they differ.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/two_devices.hpp"
#include "support/temp_dir.hpp"

namespace {

using hsync::sync::millis;
using hsync_test::connect_and_settle;
using hsync_test::device;
using hsync::sync::peer_state;

namespace v1 {
struct Note {
    static constexpr std::string_view sync_name = "note";
    hsync::record_id uuid;
    std::string text;
};
struct Folder {
    static constexpr std::string_view sync_name = "folder";
    hsync::record_id uuid;
    std::string name;
};
}  // namespace v1

namespace v2 {  // the next version of the application: a note can be pinned
struct Note {
    static constexpr std::string_view sync_name = "note";
    hsync::record_id uuid;
    std::string text;
    bool pinned = false;
};
}  // namespace v2

struct Photo {
    static constexpr std::string_view sync_name = "photo";
    hsync::record_id uuid;
    std::optional<std::int32_t> rating;
    hsync::local<std::string> thumbnail_path;
    std::vector<std::uint8_t> hash;
    double exposure = 0;
};

}  // namespace

TEST_CASE("devices with the same models, listed in any order, sync", "[engine][schema]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    device<hsync::library<v1::Note, v1::Folder>> a(dir, "a", library_id);
    device<hsync::library<v1::Folder, v1::Note>> b(dir, "b", library_id);
    a.lib->commit(v1::Note{hsync::record_id::generate(), "from a"});
    connect_and_settle(a, b);
    REQUIRE(a.engine->status(b.id.device_id).state == peer_state::ready);
    REQUIRE(b.engine->status(a.id.device_id).state == peer_state::ready);
    REQUIRE(b.lib->all<v1::Note>().size() == 1);
    CHECK(b.engine->status(a.id.device_id).refused_because.empty());
}

TEST_CASE("devices whose models differ are refused at the handshake, each told where", "[engine][schema]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    device<hsync::library<v1::Note>> old_app(dir, "old", library_id);
    device<hsync::library<v2::Note>> new_app(dir, "new", library_id);
    old_app.lib->commit(v1::Note{hsync::record_id::generate(), "written by the old version"});
    connect_and_settle(old_app, new_app);

    const auto on_old = old_app.engine->status(new_app.id.device_id);
    const auto on_new = new_app.engine->status(old_app.id.device_id);
    REQUIRE(on_old.state == peer_state::disconnected);
    REQUIRE(on_new.state == peer_state::disconnected);
    // Each side refused the other for the difference it saw; the reason names the model
    // and the field.
    CHECK_THAT(on_old.refused_because,
               Catch::Contains("the models differ") && Catch::Contains("'note'") && Catch::Contains("'pinned'"));
    CHECK_THAT(on_new.refused_because, Catch::Contains("'pinned'") && Catch::Contains("missing on the peer"));
    CHECK(new_app.lib->all<v2::Note>().empty());  // nothing crossed
}

TEST_CASE("the schema names each synced field's wire type; local fields stay out", "[schema]") {
    const auto s = hsync::sync::schema_of<Photo>();
    REQUIRE(s.models.size() == 1);
    const auto& m = s.models[0];
    CHECK(m.name == "photo");
    CHECK(m.strategy == "shared");
    REQUIRE(m.fields.size() == 4);
    CHECK(m.fields[0] == hsync::sync::field_schema{"uuid", "id"});
    CHECK(m.fields[1] == hsync::sync::field_schema{"rating", "opt(i32)"});
    CHECK(m.fields[2] == hsync::sync::field_schema{"hash", "bytes"});
    CHECK(m.fields[3] == hsync::sync::field_schema{"exposure", "f64"});

    // Equal schemas hash equal; a changed type changes the hash and is named.
    auto other = s;
    CHECK(hsync::sync::schema_hash(other) == hsync::sync::schema_hash(s));
    other.models[0].fields[1].type = "opt(i64)";
    CHECK(hsync::sync::schema_hash(other) != hsync::sync::schema_hash(s));
    CHECK(hsync::sync::first_difference(s, other) ==
          std::optional<std::string>("model 'photo': field 'rating' is opt(i32) here and 'opt(i64)' on the peer"));
    CHECK_FALSE(hsync::sync::first_difference(s, s).has_value());
}
