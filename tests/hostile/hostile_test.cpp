// Hostile peers against a real device: a node listening on loopback TLS with a library
// of the seed models, a well-behaved paired device syncing with it, and a paired device
// that misbehaves in every way a peer controls. Each attack is refused with its error,
// the library is unchanged, the good peer carries on, and memory stays bounded.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "support/seed_library.hpp"
#include "support/seed_hello.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_client.hpp"

using namespace std::chrono_literals;
using namespace hsync::sync;
using hsync_test::bytes;
using hsync_test::paced_send;

namespace {

long peak_rss_kib() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

struct device {
    std::filesystem::path file;
    hsync::net::device_identity self;
    std::unique_ptr<hsync_test::seed_library> lib;
    std::unique_ptr<hsync::net::node<hsync_test::seed_library>> node;

    device(const std::filesystem::path& f, const hsync::uuid& library)
        : file(f), self(hsync::net::device_identity::beside(f)) {
        hsync::library_options o;
        o.library_id = library;
        o.sync = hsync::durability::normal;
        lib = std::make_unique<hsync_test::seed_library>(file, self.library_identity(), o);
    }

    void start(std::vector<hsync::net::peer_address> peers) {
        hsync::net::node_options o;
        o.listen_address = "127.0.0.1";
        o.peers = std::move(peers);
        o.engine.heartbeat_interval = 100ms;
        o.reconnect_base = 50ms;
        o.reconnect_max = 500ms;
        o.frame_timeout = 1000ms;  // a frame must not take longer than this to arrive
        node = std::make_unique<hsync::net::node<hsync_test::seed_library>>(*lib, self, o);
        node->start();
    }
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

std::optional<error_code> error_in(const bytes& received) {
    for (const auto& m : hsync_test::messages_in(received)) {
        if (const auto* e = std::get_if<error_message>(&m)) return e->code;
    }
    return std::nullopt;
}

bytes frame_of(const bytes& body) { return hsync::net::frame(body); }

bytes encode_frame(const message& m) { return frame_of(encode(m)); }

}  // namespace

TEST_CASE("hostile peers are refused with their error; the library and the other peers are unharmed", "[hostile]") {
    hsync_test::temp_dir dir;
    const auto library = hsync::uuid::v4();
    device a(dir / "a.db", library);
    device b(dir / "b.db", library);
    const auto evil = hsync::net::device_identity::beside(dir / "evil.db");
    hsync::net::pair(*a.lib, b.self.id());
    hsync::net::pair(*b.lib, a.self.id());
    hsync::net::pair(*a.lib, evil.id());  // paired: the attacks come after authentication
    a.start({});
    b.start({{"127.0.0.1", a.node->port()}});

    photos::Tag sunset = hsync_test::make_tag("sunset");
    b.lib->commit(sunset);
    const photos::Location b_location = hsync_test::make_location(b.lib->device_id(), "/b");
    b.lib->commit(b_location);
    REQUIRE(eventually([&] { return a.lib->get<photos::Tag>(sunset.uuid).has_value(); }));

    const hsync::uuid evil_id = evil.id().as_uuid();
    const bytes hello_frame = encode_frame(hsync_test::seed_hello(library, evil_id));
    const long rss_before = peak_rss_kib();

    struct attack {
        std::string name;
        std::vector<paced_send> sends;
        std::optional<error_code> expected;  // nullopt: no Error (a harmless repeat)
        bool closes;
    };
    std::vector<attack> attacks;

    bytes oversized = {0x01, 0x00, 0x00, 0x01};  // 16 MiB + 1
    oversized.resize(4 + 4096, 0x90);
    attacks.push_back({"an oversized frame", {{hello_frame}, {oversized}}, error_code::bad_frame, true});

    std::vector<paced_send> trickle;
    for (std::uint8_t byte : hello_frame) trickle.push_back({{byte}, 200ms});
    attacks.push_back({"a frame trickled one byte at a time", trickle, std::nullopt, true});

    bytes bomb(1 << 20, 0x91);  // a million nested one-element arrays
    attacks.push_back({"a depth bomb", {{hello_frame}, {frame_of(bomb)}}, error_code::bad_message, true});

    // A Heartbeat is [10, seq]: this one gives its seq twice.
    attacks.push_back({"an item given twice", {{hello_frame}, {frame_of(bytes{0x93, 0x0a, 0x01, 0x01})}}, error_code::bad_message, true});

    photos::Location stolen = hsync_test::make_location(b.lib->device_id(), "/not-mine");
    hsync::state_record for_b{"location", stolen.uuid, b.lib->device_id(), hsync::hlc{1'700'000'000'000, 1, b.lib->device_id()},
                              false, hsync::detail::pack_all(stolen)};
    attacks.push_back({"a StateChange for another device's record",
                       {{hello_frame}, {encode_frame(state_change{for_b, {0, 1, 0, 1}})}},
                       error_code::refused,
                       false});

    hsync::state_record forged = for_b;
    forged.owner = evil_id;  // says it is the sender's, while its owner field names b
    forged.version = hsync::hlc{1'700'000'000'000, 1, evil_id};
    attacks.push_back({"a forged owner field",
                       {{hello_frame}, {encode_frame(state_change{forged, {0, 1, 0, 1}})}},
                       error_code::invalid_change,
                       false});

    const auto old = hsync::replica(*a.lib).shared_changes(0, 1).entries;
    REQUIRE(old.size() == 1);
    attacks.push_back({"a replayed old change", {{hello_frame}, {encode_frame(shared_change{old.front(), {0, 1, 0, 1}})}}, std::nullopt, false});

    const auto now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    photos::Tag future_tag = hsync_test::make_tag("from the future");
    hsync::shared_entry future{hsync::hlc{now_ms + 3'600'000, 0, evil_id}, "tag", future_tag.uuid, hsync::change_type::insert,
                               hsync::detail::pack_all(future_tag)};
    hsync::shared_entry unknown_field{hsync::hlc{now_ms, 0, evil_id}, "tag", future_tag.uuid, hsync::change_type::update,
                                      hsync::field_values(1u << 20, std::string(1, '\x01'))};  // a tag has 4 fields
    attacks.push_back({"a change of a field the model does not have",
                       {{hello_frame}, {encode_frame(shared_change{unknown_field, {0, 1, 0, 1}})}},
                       error_code::invalid_change,
                       false});
    attacks.push_back({"a far-future HLC", {{hello_frame}, {encode_frame(shared_change{future, {0, 1, 0, 1}})}}, error_code::invalid_change, false});

    attacks.push_back({"a request for a billion records",
                       {{hello_frame}, {encode_frame(state_request{{"location"}, std::nullopt, 0, 1'000'000'000})}},
                       error_code::bad_message,
                       true});

    attacks.push_back({"an unknown protocol version",
                       {{encode_frame(hsync_test::seed_hello(library, evil_id, 0, 0, 99))}},
                       error_code::unsupported_version,
                       true});

    for (const auto& at : attacks) {
        INFO(at.name);
        const std::string before = hsync_test::dump_library(a.file);
        const auto r = hsync_test::run_session(a.node->port(), hsync_test::client_with(evil), at.sends, at.closes ? 10s : 1500ms);
        REQUIRE(r.handshake_ok);
        REQUIRE(r.closed_by_device == at.closes);
        REQUIRE(error_in(r.received) == at.expected);
        REQUIRE(hsync_test::dump_library(a.file) == before);
        REQUIRE(a.lib->get<photos::Location>(stolen.uuid) == std::nullopt);
        REQUIRE(a.lib->get<photos::Tag>(future_tag.uuid) == std::nullopt);
        REQUIRE(a.lib->status().clock.millis < now_ms + 600'000);  // the clock did not follow the far-future stamp
        std::cout << "hostile: " << at.name << ": " << (at.expected ? "refused with an Error" : "changed nothing")
                  << (at.closes ? ", connection closed after " + std::to_string(r.closed_after.count()) + " ms" : "") << "\n";
    }

    // The attacker's last connection goes as soon as the node reads its end; the paired
    // device never noticed any of it.
    REQUIRE(eventually([&] { return a.node->connected_peers() == 1; }, 5s));
    photos::Tag after = hsync_test::make_tag("after the attacks");
    b.lib->commit(after);
    REQUIRE(eventually([&] { return a.lib->get<photos::Tag>(after.uuid).has_value(); }));

    const long growth = peak_rss_kib() - rss_before;
    std::cout << "hostile: peak RSS grew by " << growth / 1024 << " MiB during the attacks (peak " << peak_rss_kib() / 1024
              << " MiB)\n";
    REQUIRE(growth < 128 * 1024);
    b.node->stop();
    a.node->stop();
}
