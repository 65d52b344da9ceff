#pragma once
// What the fuzz targets share: the seed library in a temporary folder, the seed inputs
// (real messages, both encodings), and the round-trip oracle of the codec.

#include <hsync/hsync.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/seed_hello.hpp"
#include "support/seed_library.hpp"

namespace hsync_fuzz {

using bytes = std::vector<std::uint8_t>;
using namespace hsync::sync;
using hsync::net::frame_reader;

// A message as it travels on a connection: its body behind a length prefix.
inline bytes encode_frame(const message& m) { return hsync::net::frame(encode(m)); }

// A body in a compressed frame's envelope, whether or not that makes it smaller (seeds
// reach the decompressing path with every message).
inline bytes compressed(const bytes& body) {
    const std::string packed = hsync::sync::detail::zstd_compress(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()), 1);
    if (packed.empty()) return body;  // a build without zstd
    hsync::detail::mp_writer w;
    w.array(4);
    w.uint(hsync::sync::detail::compressed_frame_type);
    w.uint(hsync::sync::detail::zstd_codec);
    w.uint(body.size());
    w.bin(packed);
    const std::string out = w.take();
    return bytes(out.begin(), out.end());
}

// Stops the run the way libFuzzer reports a finding: abort().
inline void expect(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "hsync fuzz: broken: %s\n", what);
        std::abort();
    }
}

inline std::vector<std::string_view> seed_model_names() {
    std::vector<std::string_view> names;
    boost::hana::for_each(hsync_test::seed_library::model_types(), [&](auto t) {
        names.push_back(hsync::model_traits<typename decltype(t)::type>::name);
    });
    return names;
}

// A fresh library file for this process, removed at exit.
struct fuzz_library {
    std::filesystem::path dir;
    hsync::identity me{hsync::uuid::parse("11111111-2222-4333-8444-555555555555")};
    hsync::uuid peer = hsync::uuid::parse("99999999-8888-4777-8666-555555555555");
    hsync::uuid library_id = hsync::uuid::parse("6c1d3a4e-0d5c-4b8e-9a57-1f2e3d4c5b6a");
    std::unique_ptr<hsync_test::seed_library> lib;

    fuzz_library() {
        dir = std::filesystem::temp_directory_path() / ("hsync-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        hsync::library_options o;
        o.sync = hsync::durability::normal;
        o.library_id = library_id;
        lib = std::make_unique<hsync_test::seed_library>(dir / "fuzz.db", me, o);
        hsync::replica(*lib).pair(peer);
    }
    ~fuzz_library() {
        lib.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

inline fuzz_library& library() {
    static fuzz_library instance;
    return instance;
}

// Real changes of the seed models, as a peer would send them: made in a library of the
// peer's own, read back as pages.
struct peer_changes {
    std::vector<hsync::shared_entry> shared;
    std::vector<hsync::state_record> states;
};

inline peer_changes changes_from_peer() {
    const auto dir = std::filesystem::temp_directory_path() / ("hsync-fuzz-peer-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    peer_changes out;
    {
        hsync::library_options o;
        o.library_id = library().library_id;
        hsync_test::seed_library peer(dir / "peer.db", hsync::identity{library().peer}, o);
        photos::Tag tag = hsync_test::make_tag("sunset");
        tag.color = "orange";
        peer.commit(tag);
        peer.commit(hsync_test::make_tag("beach"));
        peer.remove<photos::Tag>(tag.uuid);
        peer.commit(hsync_test::make_location(library().peer, "/photos"));
        photos::UserMetadata note{hsync::record_id::generate(), std::nullopt, std::nullopt, "shared note"};
        peer.commit(note);
        out.shared = hsync::replica(peer).shared_changes(0, 100).entries;
        out.states = hsync::replica(peer).state_changes("location", 0, 100).records;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return out;
}

// One of every message, with real changes inside.
inline std::vector<message> sample_messages() {
    const auto changes = changes_from_peer();
    const auto& lib = library();
    const push_position push{0, 3, 0, 1};
    std::vector<message> out{
        hsync_test::seed_hello(lib.library_id, lib.peer, 5, 0),
        shared_change_batch{changes.shared, push},
        state_batch{"location", lib.peer, changes.states, push},
        state_request{{"location"}, std::nullopt, 0, 100},
        shared_change_request{0, 100, false, "", 4},
        more_pages{2},
        shared_change_response{changes.shared, {}, false, false, 5},
        state_response{"location", changes.states, {}, false, 5},
        ack_shared_changes{lib.peer, 1},
        heartbeat{5},
        error_message{error_code::refused, "not paired"},
    };
    if (!changes.shared.empty()) out.push_back(shared_change{changes.shared.front(), push});
    if (!changes.states.empty()) out.push_back(state_change{changes.states.front(), push});
    return out;
}

// The codec's own oracle: what decodes re-encodes, and decoding that again gives the
// same bytes once more.
inline void check_round_trip(const message& m, encoding enc, const std::vector<std::string_view>& models) {
    const bytes once = encode(m, enc);
    const auto again = decode(once, enc, limits{}, models);
    expect(again.ok(), "a decoded message does not decode after re-encoding");
    expect(encode(again.value(), enc) == once, "a decoded message re-encodes differently");
}

}  // namespace hsync_fuzz
