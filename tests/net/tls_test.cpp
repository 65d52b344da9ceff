// Device identities and TLS pinning over real loopback sockets: a connection succeeds
// only between paired devices, and every other attempt fails within the handshake or
// the first round trip, before any data is exchanged.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <sys/stat.h>

#include <future>
#include <set>
#include <thread>

#include "support/error_code.hpp"
#include "support/temp_dir.hpp"

using namespace hsync::net;
using asio::ip::tcp;

TEST_CASE("a device identity is created once, kept private, and reloaded with the same id", "[net]") {
    hsync_test::temp_dir dir;
    const auto first = device_identity::beside(dir / "photos.db");
    const auto again = device_identity::beside(dir / "photos.db");
    REQUIRE(first.id() == again.id());
    REQUIRE(first.library_identity().device_id == first.id().as_uuid());
    REQUIRE(first.library_identity().device_id.version() == 8);
    struct stat st {};
    REQUIRE(::stat((dir / "photos.db.key").c_str(), &st) == 0);
    REQUIRE((st.st_mode & 0777) == 0600);
    const auto other = device_identity::beside(dir / "other.db");
    REQUIRE(other.id() != first.id());

    // A key others can read is refused, with the command that fixes it.
    ::chmod((dir / "photos.db.key").c_str(), 0644);
    try {
        (void)device_identity::beside(dir / "photos.db");
        FAIL("loaded a key that others can read");
    } catch (const hsync::error& e) {
        REQUIRE(e.code() == hsync::errc::identity);
        REQUIRE_THAT(e.what(), Catch::Contains("chmod 600"));
    }
    // Half an identity is refused rather than silently replaced.
    std::filesystem::remove(dir / "other.db.crt");
    REQUIRE(hsync_test::code_of([&] { (void)device_identity::beside(dir / "other.db"); }) == hsync::errc::identity);
}

TEST_CASE("device ids: text form, check characters, parse", "[net]") {
    hsync_test::temp_dir dir;
    const auto id = device_identity::beside(dir / "lib.db").id();
    const std::string text = id.to_string();
    REQUIRE(text.size() == 63);
    REQUIRE(std::count(text.begin(), text.end(), '-') == 7);
    REQUIRE(device_id::parse(text) == id);
    std::string lower = text;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    REQUIRE(device_id::parse(lower) == id);
    // Every single-character typo is caught.
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '-') continue;
        std::string typo = text;
        typo[i] = text[i] == 'A' ? 'B' : 'A';
        INFO(typo);
        REQUIRE_FALSE(device_id::try_parse(typo).has_value());
    }
    REQUIRE(hsync_test::code_of([] { (void)device_id::parse("not-a-device"); }) == hsync::errc::invalid_device_id);
}

namespace {

// One TLS server accepting one connection: it echoes a 4-byte message after the
// handshake. Returns what it saw.
struct server_result {
    bool handshake_ok = false;
    bool echoed = false;
    std::optional<device_id> peer;
};

std::future<server_result> serve_once(tcp::acceptor& acceptor, asio::ssl::context& ctx) {
    return std::async(std::launch::async, [&acceptor, &ctx] {
        server_result r;
        asio::io_context io;
        tcp::socket raw(io);
        acceptor.accept(raw);
        asio::ssl::stream<tcp::socket> tls(std::move(raw), ctx);
        asio::error_code ec;
        tls.handshake(asio::ssl::stream_base::server, ec);
        if (ec) return r;
        r.handshake_ok = true;
        r.peer = peer_device_id(tls);
        std::array<char, 4> buf{};
        asio::read(tls, asio::buffer(buf), ec);
        if (ec) return r;
        asio::write(tls, asio::buffer(buf), ec);
        r.echoed = !ec;
        tls.shutdown(ec);
        return r;
    });
}

// Connects, handshakes and does one round trip; true only if the echo came back.
bool round_trip(tcp::endpoint at, asio::ssl::context& ctx, std::optional<device_id>* server_id = nullptr) {
    asio::io_context io;
    asio::ssl::stream<tcp::socket> tls(io, ctx);
    asio::error_code ec;
    tls.next_layer().connect(at, ec);
    if (ec) return false;
    tls.handshake(asio::ssl::stream_base::client, ec);
    if (ec) return false;
    if (server_id) *server_id = peer_device_id(tls);
    const std::array<char, 4> ping{'p', 'i', 'n', 'g'};
    asio::write(tls, asio::buffer(ping), ec);
    if (ec) return false;
    std::array<char, 4> pong{};
    asio::read(tls, asio::buffer(pong), ec);
    return !ec && pong == ping;
}

struct two_identities {
    hsync_test::temp_dir dir;
    device_identity a = device_identity::beside(dir / "a.db");
    device_identity b = device_identity::beside(dir / "b.db");
    device_identity stranger = device_identity::beside(dir / "stranger.db");
};

}  // namespace

TEST_CASE("TLS 1.3 with pinned certificates: only paired devices get a round trip", "[net]") {
    two_identities ids;
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const tcp::endpoint at = acceptor.local_endpoint();
    auto pairs = [](std::set<device_id> allowed) { return [allowed](const device_id& id) { return allowed.count(id) > 0; }; };
    auto server_ctx = make_tls_context(ids.a, pairs({ids.b.id()}), true);

    SECTION("paired both ways: the round trip works and each side knows the other") {
        auto client_ctx = make_tls_context(ids.b, pairs({ids.a.id()}), false);
        auto server = serve_once(acceptor, server_ctx);
        std::optional<device_id> seen_server;
        REQUIRE(round_trip(at, client_ctx, &seen_server));
        REQUIRE(seen_server == ids.a.id());
        const auto r = server.get();
        REQUIRE(r.echoed);
        REQUIRE(r.peer == ids.b.id());
    }
    SECTION("a device the server has not paired is refused") {
        auto client_ctx = make_tls_context(ids.stranger, pairs({ids.a.id()}), false);
        auto server = serve_once(acceptor, server_ctx);
        REQUIRE_FALSE(round_trip(at, client_ctx));
        const auto r = server.get();
        REQUIRE_FALSE(r.handshake_ok);
        REQUIRE_FALSE(r.echoed);
    }
    SECTION("a server the client has not paired is refused by the client") {
        auto client_ctx = make_tls_context(ids.b, pairs({ids.stranger.id()}), false);
        auto server = serve_once(acceptor, server_ctx);
        REQUIRE_FALSE(round_trip(at, client_ctx));
        REQUIRE_FALSE(server.get().echoed);
    }
    SECTION("a client without a certificate is refused") {
        asio::ssl::context bare(asio::ssl::context::tls_client);
        bare.set_verify_mode(asio::ssl::verify_none);
        auto server = serve_once(acceptor, server_ctx);
        REQUIRE_FALSE(round_trip(at, bare));
        REQUIRE_FALSE(server.get().handshake_ok);
    }
    SECTION("a plain TCP client gets nothing") {
        auto server = serve_once(acceptor, server_ctx);
        tcp::socket plain(io);
        plain.connect(at);
        const std::string hello = "GET / HTTP/1.0\r\n\r\n";
        asio::write(plain, asio::buffer(hello));
        asio::error_code ec;
        std::array<char, 64> reply{};
        const std::size_t n = plain.read_some(asio::buffer(reply), ec);
        // Whatever comes back is a TLS alert at most, never application data.
        REQUIRE((ec || n < reply.size()));
        REQUIRE_FALSE(server.get().handshake_ok);
    }
}

TEST_CASE("pairing is one row per peer in the library, read by the TLS check without a write", "[net]") {
    two_identities ids;
    using lib_type = hsync::library<>;
    lib_type lib(ids.dir / "a.db", ids.a.library_identity());
    REQUIRE_FALSE(is_paired(lib, ids.b.id()));
    pair(lib, ids.b.id());
    REQUIRE(is_paired(lib, ids.b.id()));
    REQUIRE_FALSE(is_paired(lib, ids.stranger.id()));
    REQUIRE(paired_devices(lib) == std::vector<device_id>{ids.b.id()});
    REQUIRE(hsync::replica(lib).peer(ids.b.id().as_uuid()).paired);  // the engine's bookkeeping: the same row
    REQUIRE(hsync_test::code_of([&] { pair(lib, ids.a.id()); }) == hsync::errc::invalid_device_id);

    // The check is a read: it answers while another connection of the file holds the
    // write lock (a TLS handshake never waits for a writer).
    SQLite::Database other((ids.dir / "a.db").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    REQUIRE(is_paired(lib, ids.b.id()));
    other.exec("ROLLBACK");

    unpair(lib, ids.b.id());
    REQUIRE_FALSE(is_paired(lib, ids.b.id()));
    REQUIRE(paired_devices(lib).empty());
}

TEST_CASE("a library file of storage schema 1 is upgraded, and its separate pairing table adopted", "[net]") {
    two_identities ids;
    const auto file = ids.dir / "a.db";
    {
        hsync::library<> lib(file, ids.a.library_identity());
        pair(lib, ids.b.id());
    }
    {  // turn it into what hsync wrote before schema 2
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
        db.exec("ALTER TABLE hsync_peers DROP COLUMN device_key");
        db.exec("ALTER TABLE hsync_shared_log DROP COLUMN fields");  // schema 3's
        db.exec("CREATE TABLE hsync_paired_devices (device_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID");
        SQLite::Statement insert(db, "INSERT INTO hsync_paired_devices (device_id) VALUES (?)");
        for (const auto& id : {ids.b.id(), ids.stranger.id()}) {  // the stranger is not paired by uuid
            insert.bind(1, id.to_string());
            insert.exec();
            insert.reset();
        }
        db.exec("UPDATE hsync_meta SET value = 1 WHERE key = 'schema_version'");
    }
    hsync::library_options look;
    look.read_only = true;
    REQUIRE(hsync_test::code_of([&] { hsync::library<> viewer(file, ids.a.library_identity(), look); }) ==
            hsync::errc::schema_mismatch);

    hsync::library<> lib(file, ids.a.library_identity());
    REQUIRE(paired_devices(lib) == std::vector<device_id>{ids.b.id()});
    REQUIRE(is_paired(lib, ids.b.id()));
    REQUIRE_FALSE(is_paired(lib, ids.stranger.id()));
    lib.with_tx([](auto& tx) {
        REQUIRE_FALSE(tx.database().tableExists("hsync_paired_devices"));
        REQUIRE(tx.database().execAndGet("SELECT value FROM hsync_meta WHERE key = 'schema_version'").getInt64() ==
                hsync::detail::storage_schema_version);
    });
}
