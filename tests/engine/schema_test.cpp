// The schema in the handshake: two devices whose models are the same (in any order) sync,
// and so do two on different versions of the models; a destructive difference (a field's
// type, a model's strategy) is refused at the handshake, each side told where.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/two_devices.hpp"
#include "support/error_code.hpp"
#include "support/temp_dir.hpp"
#include "support/values.hpp"

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

TEST_CASE("a device on the next version of a model syncs with one on the previous", "[engine][schema][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    device<hsync::library<v1::Note>> old_app(dir, "old", library_id);
    device<hsync::library<v2::Note>> new_app(dir, "new", library_id);
    const auto old_note = hsync::record_id::generate();
    const auto new_note = hsync::record_id::generate();
    old_app.lib->commit(v1::Note{old_note, "written by the old version"});
    new_app.lib->commit(v2::Note{new_note, "written by the new version", true});
    connect_and_settle(old_app, new_app);
    REQUIRE(old_app.engine->status(new_app.id.device_id).state == peer_state::ready);
    REQUIRE(new_app.engine->status(old_app.id.device_id).state == peer_state::ready);
    REQUIRE(new_app.lib->get<v2::Note>(old_note));
    CHECK(new_app.lib->get<v2::Note>(old_note)->text == "written by the old version");
    CHECK_FALSE(new_app.lib->get<v2::Note>(old_note)->pinned);  // the default
    REQUIRE(old_app.lib->get<v1::Note>(new_note));
    CHECK(old_app.lib->get<v1::Note>(new_note)->text == "written by the new version");

    // The old version edits the new note: the pin it does not know stays.
    old_app.lib->commit(v1::Note{new_note, "edited by the old version"});
    connect_and_settle(old_app, new_app);
    const auto edited = new_app.lib->get<v2::Note>(new_note);
    CHECK(edited->text == "edited by the old version");
    CHECK(edited->pinned);
}

namespace {
namespace v3 {  // a version that changed the pin's type: destructive
struct Note {
    static constexpr std::string_view sync_name = "note";
    hsync::record_id uuid;
    std::string text;
    std::int32_t pinned = 0;
};
}  // namespace v3
namespace owned {  // a version where a folder belongs to its device: another strategy
struct Folder {
    static constexpr std::string_view sync_name = "folder";
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string name;
};
}  // namespace owned
}  // namespace

TEST_CASE("a destructive change of the models is refused at the handshake on both devices, named",
          "[engine][schema][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    SECTION("a field whose type changed") {
        device<hsync::library<v2::Note>> a(dir, "a", library_id);
        device<hsync::library<v3::Note>> b(dir, "b", library_id);
        a.lib->commit(v2::Note{hsync::record_id::generate(), "from a", true});
        connect_and_settle(a, b);
        const auto on_a = a.engine->status(b.id.device_id);
        const auto on_b = b.engine->status(a.id.device_id);
        REQUIRE(on_a.state == peer_state::disconnected);
        REQUIRE(on_b.state == peer_state::disconnected);
        CHECK_THAT(on_a.refused_because, Catch::Contains("model 'note': field 'pinned' is bool here and 'i32' on the peer"));
        CHECK_THAT(on_b.refused_because, Catch::Contains("model 'note': field 'pinned' is i32 here and 'bool' on the peer"));
        // Kept in the files, for `hsync status`.
        CHECK(hsync::replica(*a.lib).refusal(b.id.device_id) == std::optional<std::string>(on_a.refused_because));
        CHECK(hsync::replica(*b.lib).refusal(a.id.device_id) == std::optional<std::string>(on_b.refused_because));
        CHECK(b.lib->all<v3::Note>().empty());  // nothing crossed
    }
    SECTION("a model whose strategy changed") {
        device<hsync::library<v1::Folder>> a(dir, "a", library_id);
        device<hsync::library<owned::Folder>> b(dir, "b", library_id);
        a.lib->commit(v1::Folder{hsync::record_id::generate(), "from a"});
        connect_and_settle(a, b);
        const auto on_a = a.engine->status(b.id.device_id);
        const auto on_b = b.engine->status(a.id.device_id);
        REQUIRE(on_a.state == peer_state::disconnected);
        REQUIRE(on_b.state == peer_state::disconnected);
        CHECK_THAT(on_a.refused_because, Catch::Contains("model 'folder' is shared here and 'device_owned' on the peer"));
        CHECK_THAT(on_b.refused_because, Catch::Contains("model 'folder' is device_owned here and 'shared' on the peer"));
        CHECK(b.lib->all<owned::Folder>().empty());
    }
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
    using hsync::sync::detail::peer_schema;
    const auto changed = peer_schema::compare(s, other);
    REQUIRE(std::holds_alternative<std::string>(changed));
    CHECK_THAT(std::get<std::string>(changed),
               Catch::StartsWith("model 'photo': field 'rating' is opt(i32) here and 'opt(i64)' on the peer"));
    const auto equal = peer_schema::compare(s, s);
    REQUIRE(std::holds_alternative<peer_schema>(equal));
    CHECK(std::get<peer_schema>(equal).same());

    // A peer's Hello that breaks the schema's own rules cannot sync.
    auto two_ids = s;
    two_ids.models[0].fields[1].type = "id";
    CHECK_THAT(std::get<std::string>(peer_schema::compare(s, two_ids)), Catch::Contains("exactly one record id"));
    auto twice = s;
    twice.models.push_back(twice.models[0]);
    CHECK_THAT(std::get<std::string>(peer_schema::compare(s, twice)), Catch::Contains("twice"));
}

TEST_CASE("what a peer on another version sends is moved into this device's fields by name, and checked against "
          "its Hello",
          "[schema][versions]") {
    using hsync::sync::detail::peer_schema;
    const auto mine = hsync::sync::schema_of<v2::Note, v1::Folder>();  // note: text, pinned
    const auto theirs = hsync::sync::schema_of<v1::Note>();            // note: text; no folder
    const auto compared = peer_schema::compare(mine, theirs);
    REQUIRE(std::holds_alternative<peer_schema>(compared));
    const auto& peer = std::get<peer_schema>(compared);
    CHECK_FALSE(peer.same());
    CHECK(peer.has("note"));
    CHECK_FALSE(peer.has("folder"));  // a catch-up does not ask the peer for folders

    const auto record = hsync::uuid::v4();
    const hsync::hlc stamp{1000, 0, hsync::uuid::v4()};
    std::vector<hsync::shared_entry> entries{
        {stamp, "note", record, hsync::change_type::insert, hsync_test::raw_values(0b1, [](auto& w) { w.str("hello"); })}};
    peer.translate(entries);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].values == hsync_test::raw_values(0b01, [](auto& w) { w.str("hello"); }));

    // The other way: a pin the old version does not have is left out; an update of the
    // pin alone changes nothing there and is dropped.
    const auto back = std::get<peer_schema>(peer_schema::compare(theirs, mine));
    std::vector<hsync::shared_entry> from_new{
        {stamp, "note", record, hsync::change_type::insert, hsync_test::raw_values(0b11, [](auto& w) {
             w.str("hello");
             w.boolean(true);
         })},
        {hsync::hlc{1001, 0, stamp.device}, "note", record, hsync::change_type::update,
         hsync_test::raw_values(0b10, [](auto& w) { w.boolean(false); })}};
    back.translate(from_new);
    REQUIRE(from_new.size() == 1);
    CHECK(from_new[0].values == hsync_test::raw_values(0b1, [](auto& w) { w.str("hello"); }));

    // A field beyond the peer's own schema, or a model it did not declare: refused.
    std::vector<hsync::shared_entry> beyond{
        {stamp, "note", record, hsync::change_type::update, hsync_test::raw_values(0b10, [](auto& w) { w.str("x"); })}};
    CHECK(hsync_test::code_of([&] { peer.translate(beyond); }) == hsync::errc::invalid_change);
    std::vector<hsync::shared_entry> undeclared{
        {stamp, "folder", record, hsync::change_type::update, hsync_test::raw_values(0b1, [](auto& w) { w.str("x"); })}};
    CHECK(hsync_test::code_of([&] { peer.translate(undeclared); }) == hsync::errc::unknown_model);
}
