// Two device processes built from different versions of the models (tests/net/
// notes_process.cpp as version 1 and as version 2) sync over TLS: what each writes of the
// models they share reaches the other, the newer fields take their defaults on the older
// device's records, and the older device's edits never clear them.
#include <catch2/catch.hpp>

#include <hsync/hsync.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using hsync_test::child_process;

namespace {

struct notes_device {
    std::unique_ptr<child_process> process;
    std::uint16_t port = 0;
    std::string id;      // the device id of its certificate, for pairing
    std::string device;  // its library device uuid, as peer_status names it

    notes_device(const char* binary, const std::filesystem::path& db, const hsync::uuid& library,
                 const notes_device* dial = nullptr) {
        std::vector<std::string> argv{binary, "--db", db.string(), "--library", library.to_string()};
        if (dial) {
            argv.push_back("--peer");
            argv.push_back("127.0.0.1:" + std::to_string(dial->port));
        }
        process = std::make_unique<child_process>(argv);
        const auto ready = process->read_line(30s);
        REQUIRE(ready);
        REQUIRE(ready->rfind("ready ", 0) == 0);
        std::istringstream in(ready->substr(6));
        in >> port >> id >> device;
    }

    std::string ask(const std::string& command) { return process->ask(command); }

    // Asks until the answer is `expected` (a record that has not arrived yet is an error
    // answer, asked again), or 30 seconds passed; the last answer.
    std::string await(const std::string& command, const std::string& expected) {
        std::string last;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                last = ask(command);
            } catch (const std::runtime_error& e) {
                last = e.what();
            }
            if (last == expected) return last;
            std::this_thread::sleep_for(50ms);
        }
        return last;
    }
};

std::string new_id() { return hsync::uuid::v7().to_string(); }

}  // namespace

TEST_CASE("device processes on two versions of the models sync over TLS", "[net][versions]") {
    hsync_test::temp_dir dir;
    const auto library = hsync::uuid::v4();
    notes_device v1(HSYNC_NOTES_V1, dir / "v1.db", library);
    notes_device v2(HSYNC_NOTES_V2, dir / "v2.db", library, &v1);
    v1.ask("pair " + v2.id);
    v2.ask("pair " + v1.id);

    const std::string old_note = new_id(), new_note = new_id(), old_camera = new_id(), new_camera = new_id();
    const std::string tag = new_id();
    v1.ask("note " + old_note + " written-on-v1");
    v1.ask("camera " + old_camera + " X100");
    v2.ask("note " + new_note + " written-on-v2");
    v2.ask("pin " + new_note);
    v2.ask("camera " + new_camera + " Q2 28mm");
    v2.ask("tag " + tag + " holiday");

    // Each device's records reach the other; the new fields take their defaults on v2.
    CHECK(v2.await("get-note " + old_note, "ok text=written-on-v1 pinned=no") == "ok text=written-on-v1 pinned=no");
    CHECK(v2.await("get-camera " + old_camera, "ok model=X100 lens=unknown") == "ok model=X100 lens=unknown");
    CHECK(v1.await("get-note " + new_note, "ok text=written-on-v2") == "ok text=written-on-v2");
    CHECK(v1.await("get-camera " + new_camera, "ok model=Q2") == "ok model=Q2");
    // The tag, a model version 1 lacks, did not stop anything.
    CHECK(v1.ask("state " + v2.device) == "ok ready refused=-");
    CHECK(v2.ask("state " + v1.device) == "ok ready refused=-");

    // Version 1 edits the pinned note: the pin stays on version 2.
    v1.ask("note " + new_note + " edited-on-v1");
    CHECK(v2.await("get-note " + new_note, "ok text=edited-on-v1 pinned=yes") == "ok text=edited-on-v1 pinned=yes");
    CHECK(v2.ask("get-tag " + tag) == "ok name=holiday");
    v1.ask("quit");
    v2.ask("quit");
}
