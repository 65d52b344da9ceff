#pragma once
// A client that is not an hsync device: it connects to a listening device over plain TCP
// or TLS, sends what the test gives it (paced, for a trickle), and reads whatever comes
// back until the device closes the connection or the time is up.

#include <hsync/hsync.hpp>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace hsync_test {

using bytes = std::vector<std::uint8_t>;
using client_context_factory = std::function<asio::ssl::context()>;

struct paced_send {
    bytes data;
    std::chrono::milliseconds after{0};  // wait this long before sending it
};

struct session_result {
    bool connected = false;
    bool handshake_ok = false;
    bytes received;                 // application data (TLS) or raw bytes (plain TCP)
    bool closed_by_device = false;  // the device ended the connection before the time was up
    std::chrono::milliseconds closed_after{0};
};

inline session_result run_session(std::uint16_t port, const std::optional<client_context_factory>& tls,
                                  std::vector<paced_send> sends, std::chrono::milliseconds timeout = std::chrono::seconds(8)) {
    using asio::ip::tcp;
    session_result result;
    asio::io_context io;
    std::optional<asio::ssl::context> ctx;
    if (tls) ctx.emplace((*tls)());
    const auto started = std::chrono::steady_clock::now();
    auto converse = [&](auto& stream) -> asio::awaitable<void> {
        // The writer goes on beside the reader, so that a device closing mid-way is seen.
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                asio::steady_timer pause(io);
                for (const auto& s : sends) {
                    asio::error_code ec;
                    if (s.after.count() > 0) {
                        pause.expires_after(s.after);
                        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                    }
                    co_await asio::async_write(stream, asio::buffer(s.data), asio::redirect_error(asio::use_awaitable, ec));
                    if (ec) co_return;
                }
            },
            asio::detached);
        std::array<std::uint8_t, 4096> buffer{};
        for (;;) {
            asio::error_code ec;
            const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
            result.received.insert(result.received.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
            if (ec) break;
        }
        result.closed_by_device = true;
        result.closed_after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        io.stop();
    };
    auto task = [&]() -> asio::awaitable<void> {
        tcp::socket socket(io);
        asio::error_code ec;
        co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        result.connected = true;
        if (!ctx) {
            co_await converse(socket);
            co_return;
        }
        asio::ssl::stream<tcp::socket> stream(std::move(socket), *ctx);
        co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            result.closed_by_device = true;
            co_return;
        }
        result.handshake_ok = true;
        co_await converse(stream);
    };
    asio::co_spawn(io, task(), asio::detached);
    io.run_for(timeout);
    return result;
}

// A TLS client presenting `self`'s certificate, trusting any server.
inline client_context_factory client_with(const hsync::net::device_identity& self) {
    return [&self] { return hsync::net::make_tls_context(self, [](const hsync::net::device_id&) { return true; }, false); };
}

// The sync messages in `data` (whole frames that decode).
inline std::vector<hsync::sync::message> messages_in(const bytes& data) {
    hsync::net::frame_reader reader;
    reader.feed(data);
    std::vector<hsync::sync::message> out;
    while (auto body = reader.next()) {
        auto decoded = hsync::sync::decode(*body);
        if (decoded) out.push_back(decoded.value());
    }
    return out;
}

}  // namespace hsync_test
