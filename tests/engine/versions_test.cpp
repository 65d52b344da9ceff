// Three devices of one user, one of them on the previous version of the application:
// A runs version 1 of the models; B and C run version 2, which adds a field to a shared
// model, a field to a device-owned model, and a model. What must hold: everything A
// writes reaches B and C; A's edits never clear B's new fields; once A is updated it ends
// with B's values of them.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/two_devices.hpp"
#include "support/temp_dir.hpp"
#include "support/versioned_notes.hpp"

namespace {

using hsync::sync::peer_state;
using hsync_test::connect_and_settle;
using hsync_test::device;

namespace v1 = versioned_notes::v1;
namespace v2 = versioned_notes::v2;

template <class A, class B>
void require_ready(device<A>& a, device<B>& b, const char* which) {
    INFO(which);
    const auto sa = a.engine->status(b.id.device_id);
    const auto sb = b.engine->status(a.id.device_id);
    INFO("first: " << to_string(sa.state) << ", phase " << sa.phase << ", through " << sa.received_through << " of "
                   << sa.peer_seq << " '" << sa.refused_because << "'");
    INFO("second: " << to_string(sb.state) << ", phase " << sb.phase << ", through " << sb.received_through << " of "
                    << sb.peer_seq << " '" << sb.refused_because << "'");
    REQUIRE(a.engine->status(b.id.device_id).state == peer_state::ready);
    REQUIRE(b.engine->status(a.id.device_id).state == peer_state::ready);
    REQUIRE(a.engine->status(b.id.device_id).refused_because.empty());
}

}  // namespace

TEST_CASE("devices on two versions of the models sync what they share, and an updated device ends with the "
          "newer values",
          "[engine][versions]") {
    hsync_test::temp_dir dir;
    const auto library_id = hsync::uuid::v4();
    auto a = std::make_unique<device<v1::app>>(dir, "a", library_id);
    device<v2::app> b(dir, "b", library_id);
    device<v2::app> c(dir, "c", library_id);
    const auto a_id = a->id;

    const auto note_a = hsync::record_id::generate();
    const auto note_b = hsync::record_id::generate();
    const auto camera_a = hsync::record_id::generate();
    const auto camera_b = hsync::record_id::generate();
    const auto tag_b = hsync::record_id::generate();
    a->lib->commit(v1::Note{note_a, "from a"});
    a->lib->commit(v1::Camera{camera_a, hsync::owner_id{a_id.device_id}, "X100"});
    b.lib->commit(v2::Note{note_b, true, "from b"});
    b.lib->commit(v2::Camera{camera_b, hsync::owner_id{b.id.device_id}, "Q2", "28mm"});
    b.lib->commit(v2::Tag{tag_b, "holiday"});

    connect_and_settle(*a, b);
    require_ready(*a, b, "a-b");
    // What A wrote reaches B, with the new fields at their defaults.
    REQUIRE(b.lib->get<v2::Note>(note_a));
    CHECK(b.lib->get<v2::Note>(note_a)->text == "from a");
    CHECK_FALSE(b.lib->get<v2::Note>(note_a)->pinned);
    REQUIRE(b.lib->get<v2::Camera>(camera_a));
    CHECK(b.lib->get<v2::Camera>(camera_a)->model == "X100");
    CHECK(b.lib->get<v2::Camera>(camera_a)->lens == "unknown");
    // What A shares with B reaches A; the tag, a model A does not have, does not stop it.
    REQUIRE(a->lib->get<v1::Note>(note_b));
    CHECK(a->lib->get<v1::Note>(note_b)->text == "from b");
    REQUIRE(a->lib->get<v1::Camera>(camera_b));
    CHECK(a->lib->get<v1::Camera>(camera_b)->model == "Q2");

    // A edits B's note, live this time: the pin A does not know stays.
    a->lib->commit(v1::Note{note_b, "edited on a"});
    connect_and_settle(*a, b);
    CHECK(b.lib->get<v2::Note>(note_b)->text == "edited on a");
    CHECK(b.lib->get<v2::Note>(note_b)->pinned);

    // A restarts, still on version 1: from now on it carries the fields it saw on B (the
    // pin, the lens), fetches B's history again and keeps the pins in its log.
    a.reset();
    a = std::make_unique<device<v1::app>>(dir, "a", library_id, a_id);
    connect_and_settle(*a, b);
    require_ready(*a, b, "a-b again");

    // C, new, backfills from A alone: everything A holds arrives, and B's pin through A,
    // which does not know it. (The lens does not yet: a device-owned record's carried
    // values are not kept.)
    connect_and_settle(*a, c);
    require_ready(*a, c, "a-c");
    CHECK(c.lib->get<v2::Note>(note_a)->text == "from a");
    CHECK(c.lib->get<v2::Note>(note_b)->text == "edited on a");
    CHECK(c.lib->get<v2::Note>(note_b)->pinned);
    CHECK(c.lib->get<v2::Camera>(camera_a)->model == "X100");
    CHECK(c.lib->get<v2::Camera>(camera_b)->model == "Q2");
    // A's own edits on version 1 still never clear the pin, on B or through A on C.
    a->lib->commit(v1::Note{note_b, "edited on a again"});
    connect_and_settle(*a, c);
    CHECK(c.lib->get<v2::Note>(note_b)->text == "edited on a again");
    CHECK(c.lib->get<v2::Note>(note_b)->pinned);

    // A is updated: the same file and device, now on version 2. It fetches its peers'
    // history again and ends with B's pin, B's lens and B's tag.
    a.reset();
    device<v2::app> a2(dir, "a", library_id, a_id);
    connect_and_settle(a2, b);
    require_ready(a2, b, "a2-b");
    REQUIRE(a2.lib->get<v2::Note>(note_b));
    CHECK(a2.lib->get<v2::Note>(note_b)->pinned);
    CHECK(a2.lib->get<v2::Note>(note_b)->text == "edited on a again");
    CHECK(a2.lib->get<v2::Camera>(camera_b)->lens == "28mm");
    REQUIRE(a2.lib->get<v2::Tag>(tag_b));
    CHECK(a2.lib->get<v2::Tag>(tag_b)->name == "holiday");
    // And C, from A alone again, now receives them too: the same changes and the same
    // state version, this time with the fields C held at their defaults. Two copies of
    // one version converge (a default never replaces a value), they do not flip.
    connect_and_settle(a2, c);
    require_ready(a2, c, "a2-c");
    CHECK(c.lib->get<v2::Note>(note_b)->pinned);
    CHECK(c.lib->get<v2::Camera>(camera_b)->lens == "28mm");
    REQUIRE(c.lib->get<v2::Tag>(tag_b));
    CHECK(c.lib->all<v2::Note>().size() == 2);
}
