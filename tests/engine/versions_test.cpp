// Three devices of one user, one of them on the previous version of the application:
// A runs version 1 of the models; B and C run version 2, which adds a field to a shared
// model, a field to a device-owned model, and a model. What must hold: everything A
// writes reaches B and C; B's values of the new fields reach C through A alone, which
// carries them; A's edits never clear them; once A is updated it ends with B's values.
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

    // Since its first handshake with B, A carries the fields it saw there (the pin, the
    // lens): it kept B's values of them. A restart keeps them too.
    a.reset();
    a = std::make_unique<device<v1::app>>(dir, "a", library_id, a_id);
    connect_and_settle(*a, b);
    require_ready(*a, b, "a-b again");

    // C, new, backfills from A alone: everything A holds arrives, and B's pin and lens
    // through A, which knows neither.
    connect_and_settle(*a, c);
    require_ready(*a, c, "a-c");
    CHECK(c.lib->get<v2::Note>(note_a)->text == "from a");
    CHECK(c.lib->get<v2::Note>(note_b)->text == "edited on a");
    CHECK(c.lib->get<v2::Note>(note_b)->pinned);
    CHECK(c.lib->get<v2::Camera>(camera_a)->model == "X100");
    CHECK(c.lib->get<v2::Camera>(camera_b)->model == "Q2");
    CHECK(c.lib->get<v2::Camera>(camera_b)->lens == "28mm");
    // A's own edits on version 1 still never clear the pin, on B or through A on C.
    a->lib->commit(v1::Note{note_b, "edited on a again"});
    connect_and_settle(*a, c);
    CHECK(c.lib->get<v2::Note>(note_b)->text == "edited on a again");
    CHECK(c.lib->get<v2::Note>(note_b)->pinned);

    // B's later edits of the new fields travel through A too, while A stays connected
    // to both (a live push to A, relayed to C in its next round).
    {
        auto note = *b.lib->get<v2::Note>(note_b);
        note.pinned = false;
        b.lib->commit(note);
        auto camera = *b.lib->get<v2::Camera>(camera_b);
        camera.lens = "35mm";
        b.lib->commit(camera);
    }
    connect_and_settle(*a, b);
    connect_and_settle(*a, c);
    CHECK_FALSE(c.lib->get<v2::Note>(note_b)->pinned);
    CHECK(c.lib->get<v2::Camera>(camera_b)->lens == "35mm");
    CHECK(c.lib->get<v2::Note>(note_b)->text == "edited on a again");

    // A is updated: the same file and device, now on version 2. The values it carried
    // become its own at once, before it talks to anyone, with their clocks.
    a.reset();
    device<v2::app> a2(dir, "a", library_id, a_id);
    REQUIRE(a2.lib->get<v2::Note>(note_b));
    CHECK_FALSE(a2.lib->get<v2::Note>(note_b)->pinned);
    CHECK(a2.lib->get<v2::Note>(note_b)->text == "edited on a again");
    CHECK(a2.lib->get<v2::Camera>(camera_b)->lens == "35mm");
    // The tag is of a model A did not have: it fetches its peers' history again for it.
    CHECK_FALSE(a2.lib->get<v2::Tag>(tag_b));
    connect_and_settle(a2, b);
    require_ready(a2, b, "a2-b");
    CHECK_FALSE(a2.lib->get<v2::Note>(note_b)->pinned);
    CHECK(a2.lib->get<v2::Camera>(camera_b)->lens == "35mm");
    REQUIRE(a2.lib->get<v2::Tag>(tag_b));
    CHECK(a2.lib->get<v2::Tag>(tag_b)->name == "holiday");
    // Now that A knows the pin, its own write of it reaches B.
    {
        auto note = *a2.lib->get<v2::Note>(note_b);
        note.pinned = true;
        a2.lib->commit(note);
    }
    connect_and_settle(a2, b);
    CHECK(b.lib->get<v2::Note>(note_b)->pinned);
    // And C, from A alone again, receives the tag, and the pin A set.
    connect_and_settle(a2, c);
    require_ready(a2, c, "a2-c");
    CHECK(c.lib->get<v2::Note>(note_b)->pinned);
    CHECK(c.lib->get<v2::Camera>(camera_b)->lens == "35mm");
    REQUIRE(c.lib->get<v2::Tag>(tag_b));
    CHECK(c.lib->all<v2::Note>().size() == 2);
}
