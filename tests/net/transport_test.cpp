// The transport between real processes: each device is its own process (tests/net/
// device_process.cpp) with its own library file, listening on loopback, talking TLS 1.3
// with pinned certificates. The test drives them by commands and reads their databases.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "support/process.hpp"
#include "support/seed_library.hpp"
#include "support/seed_hello.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_client.hpp"

using namespace std::chrono_literals;
using hsync_test::child_process;
using asio::ip::tcp;

namespace {

struct device {
    std::filesystem::path db;
    std::unique_ptr<child_process> process;
    std::uint16_t port = 0;
    std::string id;

    std::string ask(const std::string& command, const std::string& prefix = "ok") { return process->ask(command, prefix); }

    // A number from a "key=value" field of the status line for `peer`.
    std::uint64_t status_field(const std::string& peer_id, const std::string& key) {
        process->send("status");
        const std::string peer_uuid = hsync::net::device_id::parse(peer_id).as_uuid().to_string();
        std::uint64_t value = 0;
        for (;;) {
            auto line = process->read_line(10s);
            REQUIRE(line);
            if (*line == "ok") return value;
            if (line->rfind("peer " + peer_uuid, 0) != 0) continue;
            const auto at = line->find(" " + key + "=");
            REQUIRE(at != std::string::npos);
            value = std::stoull(line->substr(at + key.size() + 2));
        }
    }

    std::string peer_state(const std::string& peer_id) {
        process->send("status");
        const std::string peer_uuid = hsync::net::device_id::parse(peer_id).as_uuid().to_string();
        std::string state = "unknown";
        for (;;) {
            auto line = process->read_line(10s);
            REQUIRE(line);
            if (*line == "ok") return state;
            if (line->rfind("peer " + peer_uuid, 0) == 0) {
                std::istringstream in(*line);
                std::string word, uuid;
                in >> word >> uuid >> state;
            }
        }
    }

    std::size_t connected() {
        process->send("status");
        for (;;) {
            auto line = process->read_line(10s);
            REQUIRE(line);
            if (line->rfind("connected ", 0) == 0) {
                const std::size_t n = std::stoul(line->substr(10));
                REQUIRE(process->read_line(10s) == std::optional<std::string>("ok"));
                return n;
            }
        }
    }

    std::int64_t count(const std::string& key) {
        const std::string line = ask("counts");
        const auto at = line.find(key + "=");
        REQUIRE(at != std::string::npos);
        return std::stoll(line.substr(at + key.size() + 1));
    }
};

class cluster {
public:
    device& start(const std::string& name, const std::vector<const device*>& dial = {}, std::uint16_t port = 0) {
        auto& d = devices_[name];
        d.db = dir_ / (name + ".db");
        launch(d, dial, port);
        return d;
    }

    // Starts a stopped device again on the same file and port.
    void restart(device& d, const std::vector<const device*>& dial = {}) { launch(d, dial, d.port); }

    const std::filesystem::path& dir() const { return dir_.path(); }
    const hsync::uuid& library() const { return library_; }

private:
    void launch(device& d, const std::vector<const device*>& dial, std::uint16_t port) {
        std::vector<std::string> argv{HSYNC_TEST_DEVICE, "--db", d.db.string(), "--library", library_.to_string(),
                                      "--port", std::to_string(port)};
        for (const device* other : dial) {
            argv.push_back("--peer");
            argv.push_back("127.0.0.1:" + std::to_string(other->port));
        }
        d.process = std::make_unique<child_process>(argv);
        const auto ready = d.process->read_line(30s);
        REQUIRE(ready);
        REQUIRE(ready->rfind("ready ", 0) == 0);
        std::istringstream in(ready->substr(6));
        in >> d.port >> d.id;
    }

    hsync_test::temp_dir dir_;
    hsync::uuid library_ = hsync::uuid::v4();
    std::map<std::string, device> devices_;
};

void pair(device& a, device& b) {
    a.ask("pair " + b.id);
    b.ask("pair " + a.id);
}

std::string dump_of(const device& d) {
    for (int attempt = 0;; ++attempt) {
        try {
            return hsync_test::dump_library(d.db);
        } catch (const std::exception&) {
            if (attempt > 50) throw;  // the file is busy now and then: its device is writing
            std::this_thread::sleep_for(20ms);
        }
    }
}

// Waits until every device's database holds the same data; false after the timeout.
// Whether `holds` came true within `timeout`, asked every `every`.
bool eventually(const std::function<bool()>& holds, std::chrono::seconds timeout, std::chrono::milliseconds every) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (holds()) return true;
        std::this_thread::sleep_for(every);
    }
    return false;
}

bool converged(const std::vector<const device*>& devices, std::chrono::seconds timeout = 60s) {
    return eventually(
        [&] {
            const std::string first = dump_of(*devices.front());
            for (std::size_t i = 1; i < devices.size(); ++i) {
                if (dump_of(*devices[i]) != first) return false;
            }
            return true;
        },
        timeout, 100ms);
}

using hsync_test::client_with;
using hsync_test::messages_in;

// Connects to `port`, optionally over TLS, sends `payload`, and reads until the device
// closes the connection or `timeout` passes.
hsync_test::session_result probe(std::uint16_t port, const std::optional<hsync_test::client_context_factory>& tls,
                                 const std::vector<std::uint8_t>& payload, std::chrono::milliseconds timeout = 8s) {
    return hsync_test::run_session(port, tls, {{payload}}, timeout);
}

std::vector<std::uint8_t> hello_frame_claiming(const device& claimed, const hsync::uuid& library) {
    const auto id = hsync::net::device_id::parse(claimed.id).as_uuid();
    return hsync::net::frame(hsync::sync::encode(hsync_test::seed_hello(library, id)));
}

}  // namespace

TEST_CASE("two device processes converge on every seed model over TLS; a third joins and backfills", "[net]") {
    cluster c;
    device& a = c.start("a");
    device& b = c.start("b", {&a});
    pair(a, b);
    a.ask("tags 40 a");
    b.ask("tags 40 b");
    a.ask("files 300");
    b.ask("files 300");
    REQUIRE(converged({&a, &b}));
    REQUIRE(b.count("tags") == 80);
    REQUIRE(b.count("entries") == 600);

    // One shared record edited on both devices at once: each field keeps its last writer.
    a.ask("color a-1 red");
    b.ask("display a-1 Sunset");
    // Deletes made on one device reach the other.
    b.ask("delete-tags a-2 1");
    REQUIRE(converged({&a, &b}));
    REQUIRE(a.ask("tag a-1") == "ok color=red display=Sunset");
    REQUIRE(b.ask("tag a-1") == "ok color=red display=Sunset");
    REQUIRE(a.count("tags") == 79);

    // A new device pairs with one of them only, and gets everything through it.
    device& n = c.start("new", {&a});
    pair(a, n);
    REQUIRE(converged({&a, &b, &n}));
    REQUIRE(n.count("entries") == 600);
    REQUIRE(n.status_field(a.id, "pages") > 0);
    // ... and what it writes reaches the device it never talked to.
    n.ask("tags 3 newcomer");
    REQUIRE(converged({&a, &b, &n}));
    REQUIRE(b.count("tags") == 82);
}

TEST_CASE("a device killed with SIGKILL mid-backfill resumes from its checkpoint when restarted", "[net]") {
    cluster c;
    device& a = c.start("a");
    constexpr int entries = 20000;
    a.ask("files " + std::to_string(entries));
    device& b = c.start("b", {&a});
    pair(a, b);
    // Kill it once part of the backfill has landed.
    std::int64_t held = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while ((held = b.count("entries")) < 8000 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    b.process->kill();
    INFO("entries held when killed: " << held);
    REQUIRE(held >= 8000);
    REQUIRE(held < entries);

    a.ask("tags 20 while-away");
    a.ask("delete-tags while-away 5");
    c.restart(b, {&a});
    REQUIRE(converged({&a, &b}));
    REQUIRE(b.count("entries") == entries);
    REQUIRE(b.count("tags") == 15);
    // The second run fetched only what was missing: the entry pages not yet held (plus
    // the one cut short), and one page for each of the other phases (shared, 5 models).
    const auto missing_pages = static_cast<std::uint64_t>((entries - held + 499) / 500 + 1);
    const std::uint64_t pages = b.status_field(a.id, "pages");
    INFO("pages after restart: " << pages << "; entry pages missing: " << missing_pages << " of " << entries / 500);
    REQUIRE(pages <= missing_pages + 6);
    REQUIRE(b.peer_state(a.id) == "ready");
}

TEST_CASE("unpaired devices, wrong certificates and plain TCP are refused before any data", "[net]") {
    cluster c;
    device& a = c.start("a");
    device& b = c.start("b", {&a});
    pair(a, b);
    a.ask("tags 10 a");
    REQUIRE(converged({&a, &b}));
    const std::string before = dump_of(a);

    SECTION("an unpaired device process gets nothing, however long it tries") {
        device& stranger = c.start("stranger", {&a});
        stranger.ask("pair " + a.id);  // it trusts a; a does not trust it
        std::this_thread::sleep_for(1500ms);
        REQUIRE(stranger.count("tags") == 0);
        REQUIRE(stranger.connected() == 0);
        REQUIRE(a.connected() == 1);
    }
    SECTION("a client with another certificate, claiming to be a paired device, is refused in the handshake") {
        const auto impostor = hsync::net::device_identity::beside(c.dir() / "impostor.db");
        const auto r = probe(a.port, client_with(impostor), hello_frame_claiming(b, c.library()));
        REQUIRE(r.connected);
        REQUIRE(r.closed_by_device);
        REQUIRE(messages_in(r.received).empty());  // not one sync message came back
    }
    SECTION("a client without a certificate is refused") {
        const auto r = probe(a.port,
                             hsync_test::client_context_factory([] {
                                 asio::ssl::context ctx(asio::ssl::context::tls_client);
                                 SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_3_VERSION);
                                 ctx.set_verify_mode(asio::ssl::verify_none);
                                 return ctx;
                             }),
                             hello_frame_claiming(b, c.library()));
        REQUIRE(r.connected);
        REQUIRE(r.closed_by_device);
        REQUIRE(messages_in(r.received).empty());
    }
    SECTION("a plain TCP client sending a Hello frame gets no frame back") {
        const auto r = probe(a.port, std::nullopt, hello_frame_claiming(b, c.library()));
        REQUIRE(r.connected);
        REQUIRE(r.closed_by_device);
        // At most a TLS alert (record type 21), never an hsync frame.
        REQUIRE((r.received.empty() || r.received.front() == 21));
    }
    REQUIRE(dump_of(a) == before);
    // The paired device is unaffected.
    b.ask("tags 2 after");
    REQUIRE(converged({&a, &b}));
    REQUIRE(a.count("tags") == 12);
}

TEST_CASE("a connection sending random bytes or a 4 GiB length prefix is dropped; the others go on", "[net]") {
    cluster c;
    device& a = c.start("a");
    device& b = c.start("b", {&a});
    pair(a, b);
    REQUIRE(converged({&a, &b}));
    std::mt19937 random(7);
    std::vector<std::uint8_t> noise(64 * 1024);
    for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());

    SECTION("random bytes instead of a TLS handshake") {
        const auto r = probe(a.port, std::nullopt, noise);
        REQUIRE(r.closed_by_device);
    }
    // A paired device that misbehaves after the handshake.
    const auto rogue = hsync::net::device_identity::beside(c.dir() / "rogue.db");
    a.ask("pair " + rogue.id().to_string());
    SECTION("a 4 GiB length prefix: an Error, then the connection closes") {
        const auto r = probe(a.port, client_with(rogue), {0xff, 0xff, 0xff, 0xff, 1, 2, 3});
        REQUIRE(r.handshake_ok);
        REQUIRE(r.closed_by_device);
        // The device's Hello (sent as soon as TLS is up), then the Error, and nothing else.
        const auto answers = messages_in(r.received);
        REQUIRE(answers.size() == 2);
        REQUIRE(std::holds_alternative<hsync::sync::hello>(answers.front()));
        REQUIRE(std::holds_alternative<hsync::sync::error_message>(answers.back()));
        REQUIRE(std::get<hsync::sync::error_message>(answers.back()).code == hsync::sync::error_code::bad_frame);
    }
    SECTION("random frame bodies: an Error, then the connection closes") {
        std::vector<std::uint8_t> frame;
        hsync::net::append_frame(frame, std::span<const std::uint8_t>(noise.data(), 1000));
        const auto r = probe(a.port, client_with(rogue), frame);
        REQUIRE(r.handshake_ok);
        REQUIRE(r.closed_by_device);
        const auto answers = messages_in(r.received);
        REQUIRE(!answers.empty());
        REQUIRE(std::holds_alternative<hsync::sync::error_message>(answers.back()));
    }
    // The paired device was never disturbed.
    a.ask("tags 5 still");
    REQUIRE(converged({&a, &b}));
    REQUIRE(b.count("tags") == 5);
    REQUIRE(a.connected() == 1);
}

namespace {

// Waits until `d`'s peers all acknowledged everything `d` holds (peer status, not data).
bool peers_have_all(device& d, std::chrono::seconds timeout = 30s) {
    return eventually([&] { return d.ask("peers-have-all") == "ok yes"; }, timeout, 50ms);
}

}  // namespace

TEST_CASE("a commit from a copy read before a peer's edit keeps the peer's edit, across processes", "[net][edit]") {
    cluster c;
    device& a = c.start("a");
    device& b = c.start("b", {&a});
    pair(a, b);
    a.ask("tags 3 track");
    REQUIRE(peers_have_all(a));

    a.ask("hold track-1");              // device a shows the record in a form
    b.ask("display track-1 Remaster");  // device b changes another field meanwhile
    REQUIRE(peers_have_all(b));         // ... and a has it: acknowledged, not guessed from data
    REQUIRE(a.ask("tag track-1") == "ok color=- display=Remaster");
    a.ask("held-color track-1 gold");   // the user saves the form on a
    REQUIRE(converged({&a, &b}));
    REQUIRE(a.ask("tag track-1") == "ok color=gold display=Remaster");
    REQUIRE(b.ask("tag track-1") == "ok color=gold display=Remaster");

    // A copy of a record a peer deleted since: the commit is refused, the delete stays.
    a.ask("hold track-2");
    b.ask("delete-tags track-2 1");
    REQUIRE(peers_have_all(b));
    const std::string refused = a.ask("held-color track-2 red", "error");
    REQUIRE(refused.find("deleted") != std::string::npos);
    REQUIRE(converged({&a, &b}));
    REQUIRE(a.count("tags") == 2);
    REQUIRE(b.count("tags") == 2);
}

TEST_CASE("a second process on a library in use is refused, and the first goes on syncing", "[net][lock]") {
    cluster c;
    device& a = c.start("a");
    device& b = c.start("b", {&a});
    pair(a, b);
    a.ask("tags 5 before");
    REQUIRE(converged({&a, &b}));

    child_process second({HSYNC_TEST_DEVICE, "--db", a.db.string(), "--library", c.library().to_string(), "--port", "0"});
    const auto answer = second.read_line(30s);
    REQUIRE(answer);
    INFO(*answer);
    REQUIRE(answer->rfind("error ", 0) == 0);
    REQUIRE(answer->find("in use") != std::string::npos);
    REQUIRE(answer->find(a.db.string()) != std::string::npos);
    REQUIRE(answer->find("pid ") != std::string::npos);
    REQUIRE(second.wait() == 1);

    a.ask("tags 5 after");
    b.ask("tags 2 from-b");
    REQUIRE(converged({&a, &b}));
    REQUIRE(a.count("tags") == 12);
    REQUIRE(peers_have_all(a));
    REQUIRE(peers_have_all(b));
}
