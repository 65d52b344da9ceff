#pragma once
// hsync::net::node<Library>: the sync engine over real sockets. It listens for paired
// devices, dials the addresses the application gives it, authenticates every connection
// with mutual TLS 1.3 against the paired device ids, and moves length-prefixed frames
// between the sockets and the sans-I/O engine. See docs/networking.md.
//
// Threads: the node runs its own I/O thread between start() and stop(); the engine is
// only ever called on it. The library may be used from any thread meanwhile: a local
// commit wakes the node, which sends it within the engine's flush interval.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <hsync/core/error.hpp>
#include <hsync/net/device_id.hpp>
#include <hsync/net/framing.hpp>
#include <hsync/net/identity.hpp>
#include <hsync/net/node_options.hpp>
#include <hsync/net/pairing.hpp>
#include <hsync/net/tls.hpp>
#include <hsync/sync/codec.hpp>
#include <hsync/sync/engine.hpp>

namespace hsync::net {

using sync::millis;

template <class Library>
class node {
public:
    node(Library& lib, const device_identity& self, node_options options = {})
        : lib_(lib),
          self_(self),
          options_(std::move(options)),
          engine_(lib, options_.engine),
          server_tls_(make_tls_context(self_, paired_only(), true)),
          client_tls_(make_tls_context(self_, paired_only(), false)),
          tick_timer_(io_),
          acceptor_(io_),
          jitter_(std::random_device{}()) {
        if (self_.id().as_uuid() != lib_.device_id()) {
            throw error(errc::wrong_device, "hsync: the library is open as device " + lib_.device_id().to_string() +
                                                " but the node's identity is device " + self_.id().to_string() +
                                                "; open the library with device_identity::library_identity()");
        }
        engine_.on_local_change([this, wake = wake_] {
            std::lock_guard lock(wake->mutex);
            if (wake->on) asio::post(io_, [this] { tick_timer_.cancel(); });
        });
        detail::adopt_legacy_pairings(lib_);
        engine_.on_status([this](const sync::peer_status& s) {
            if (status_callback_) status_callback_(s);
        });
    }

    ~node() {
        {
            std::lock_guard lock(wake_->mutex);
            wake_->on = false;
        }
        stop();
    }

    node(const node&) = delete;
    node& operator=(const node&) = delete;

    // Binds the listener (throws when the port is taken) and starts the I/O thread.
    void start() {
        if (started_) {
            throw error(errc::storage, "hsync: node::start() was called twice; a stopped node does not restart, "
                                       "make a new one");
        }
        started_ = true;
        if (options_.listen_port) {
            asio::ip::tcp::endpoint at(asio::ip::make_address(options_.listen_address), *options_.listen_port);
            acceptor_.open(at.protocol());
            acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
            acceptor_.bind(at);
            acceptor_.listen();
            port_ = acceptor_.local_endpoint().port();
            asio::co_spawn(io_, accept_loop(), asio::detached);
        }
        for (const auto& address : options_.peers) asio::co_spawn(io_, dial_loop(address), asio::detached);
        asio::co_spawn(io_, tick_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }

    // Sends what is queued (local commits not yet flushed included), closes every
    // connection and stops the I/O thread. Waits at most shutdown_timeout for slow peers.
    void stop() {
        if (!thread_.joinable()) return;
        if (std::this_thread::get_id() == thread_.get_id()) {
            throw error(errc::storage, "hsync: node::stop() was called from the node's own thread (a callback); "
                                       "call it from another thread");
        }
        {
            std::lock_guard lock(wake_->mutex);
            wake_->on = false;
        }
        std::promise<void> done;
        auto finished = done.get_future();
        asio::post(io_, [this, &done] { asio::co_spawn(io_, shutdown(std::move(done)), asio::detached); });
        // Every coroutine ends once its connection is closed and run() returns; a stuck
        // one is not allowed to hold the caller.
        if (finished.wait_for(options_.shutdown_timeout + millis(2000)) != std::future_status::ready ||
            io_wait_for_exit()) {
            io_.stop();
        }
        thread_.join();
    }

    // The port the node listens on (after start()).
    std::uint16_t port() const noexcept { return port_; }
    const device_id& id() const noexcept { return self_.id(); }
    sync::engine<Library>& engine() noexcept { return engine_; }

    // The status of every peer this node has talked to since it started. Safe from any
    // thread, callbacks included.
    std::vector<sync::peer_status> status() {
        return on_io_thread([this] {
            std::vector<sync::peer_status> out;
            for (const auto& peer : seen_) out.push_back(engine_.status(peer));
            return out;
        });
    }

    // Called on the I/O thread whenever a peer's status changes. Set before start().
    void on_status(std::function<void(const sync::peer_status&)> callback) { status_callback_ = std::move(callback); }

    // Connections currently authenticated (for tests and status displays).
    std::size_t connected_peers() {
        return on_io_thread([this] { return by_peer_.size(); });
    }

private:
    using tcp = asio::ip::tcp;
    using steady = std::chrono::steady_clock;

    struct connection {
        connection(tcp::socket socket, asio::ssl::context& tls, bool dialed_by_me)
            : stream(std::move(socket), tls), dialed(dialed_by_me), wake(stream.get_executor()),
              room(stream.get_executor()), watchdog(stream.get_executor()) {}

        asio::ssl::stream<tcp::socket> stream;
        bool dialed;                       // this device dialed it
        std::string remote;                // address:port, for logs
        asio::ip::address remote_ip;
        std::optional<uuid> peer;          // set once authenticated
        std::deque<std::vector<std::uint8_t>> queue;
        std::size_t queued_bytes = 0;
        asio::steady_timer wake;           // the writer waits on it for frames
        asio::steady_timer room;           // the reader waits on it for the queue to drain
        asio::steady_timer watchdog;
        tcp::resolver resolver{stream.get_executor()};
        bool closing = false;              // flush the queue, then close
        bool closed = false;
        bool writing = false;
        std::size_t partial_frame = 0;     // bytes of an unfinished frame held
        millis started{}, last_read{}, last_frame{}, write_started{}, closing_since{};
    };
    using connection_ptr = std::shared_ptr<connection>;

    pairing_check paired_only() {
        // Called during TLS handshakes, on the I/O thread.
        return [this](const device_id& peer) { return is_paired(lib_, peer); };
    }

    millis now() const { return std::chrono::duration_cast<millis>(steady::now() - epoch_); }

    // Runs f where the engine may be touched: here when this is the I/O thread or the
    // thread is not running, else on the I/O thread, waiting for the answer (at most the
    // shutdown timeout: a stopping node answers from here once its thread is done).
    template <class F>
    auto on_io_thread(F f) -> decltype(f()) {
        if (!thread_.joinable() || std::this_thread::get_id() == thread_.get_id()) return f();
        auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
        auto result = task->get_future();
        asio::post(io_, [task] { (*task)(); });
        if (result.wait_for(options_.shutdown_timeout) != std::future_status::ready) {
            throw error(errc::storage, "hsync: the node's I/O thread did not answer (is it stopping?)");
        }
        return result.get();
    }

    void log(const std::string& line) {
        if (options_.log) options_.log(line);
    }

    // ---- the engine's clock and outputs --------------------------------------------------

    asio::awaitable<void> tick_loop() {
        while (!stopping_) {
            const millis t = now();
            millis next = t + millis(100);
            try {
                engine_.tick(t);
                pump();
                next = engine_.next_deadline(t);
            } catch (const std::exception& e) {
                // A busy or failing database must not end syncing for good: try again soon.
                log(std::string("tick failed, retrying: ") + e.what());
            }
            tick_timer_.expires_at(epoch_ + next);
            asio::error_code ec;
            co_await tick_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    // Routes what the engine produced: frames to their connection's queue, closes.
    void pump() {
        for (auto& out : engine_.take_output()) {
            auto it = by_peer_.find(out.peer);
            if (it == by_peer_.end()) continue;  // gone: the peer catches up from the database later
            enqueue(it->second, frame(out.body));
        }
        for (auto& request : engine_.take_closes()) {
            auto it = by_peer_.find(request.peer);
            if (it == by_peer_.end()) continue;
            log("closing " + it->second->remote + ": " + request.reason);
            close_gracefully(it->second);
        }
    }

    void enqueue(const connection_ptr& c, std::vector<std::uint8_t> bytes) {
        if (c->closed) return;
        c->queued_bytes += bytes.size();
        c->queue.push_back(std::move(bytes));
        if (c->queued_bytes > 2 * options_.send_queue_limit) {
            abort(c, "its send queue overflowed (" + std::to_string(c->queued_bytes) + " bytes)");
            return;
        }
        c->wake.cancel();
    }

    void close_gracefully(const connection_ptr& c) {
        if (c->closing || c->closed) return;
        c->closing = true;
        c->closing_since = now();
        c->wake.cancel();
    }

    // Drops a connection at once; its coroutines see the cancelled operations and end.
    void abort(const connection_ptr& c, const std::string& why) {
        if (c->closed) return;
        c->closed = true;
        log("dropping " + c->remote + ": " + why);
        asio::error_code ignored;
        c->stream.lowest_layer().cancel(ignored);
        c->stream.lowest_layer().close(ignored);
        c->resolver.cancel();
        c->wake.cancel();
        c->room.cancel();
        c->watchdog.cancel();
    }

    // ---- connections ------------------------------------------------------------------

    asio::awaitable<void> accept_loop() {
        while (!stopping_) {
            asio::error_code ec;
            tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                if (ec == asio::error::operation_aborted || stopping_) continue;
                // Out of descriptors, say: wait a little rather than spin.
                log("accept failed: " + ec.message());
                asio::steady_timer pause(io_, millis(100));
                co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                continue;
            }
            asio::ip::address from = socket.remote_endpoint(ec).address();
            if (ec) continue;
            const auto same = std::count_if(live_.begin(), live_.end(), [&](const connection_ptr& c) { return c->remote_ip == from; });
            if (static_cast<std::size_t>(same) >= options_.max_connections_per_address) {
                log("refusing a connection from " + from.to_string() + ": too many from that address");
                socket.close(ec);
                continue;
            }
            auto c = std::make_shared<connection>(std::move(socket), server_tls_, false);
            asio::co_spawn(io_, run(c, std::nullopt), asio::detached);
        }
    }

    asio::awaitable<void> dial_loop(peer_address address) {
        int failures = 0;
        std::optional<uuid> known;
        asio::steady_timer wait(io_);
        dial_timers_.insert(&wait);
        while (!stopping_) {
            if (known && by_peer_.count(*known)) {
                // That peer is connected (it dialed us): look again later.
                failures = 0;
            } else {
                auto c = std::make_shared<connection>(tcp::socket(io_), client_tls_, true);
                const bool authenticated = co_await run(c, address);
                if (c->peer) known = c->peer;
                // Only a session that lasted resets the backoff: a peer that accepts TLS and
                // then turns the session away (another library, say) is not redialed at once.
                const bool lasted = authenticated && now() - c->started >= std::max(options_.idle_timeout, millis(1000));
                failures = lasted ? 0 : failures + 1;
            }
            if (stopping_) break;
            const auto ceiling = std::min<std::int64_t>(options_.reconnect_max.count(),
                                                        options_.reconnect_base.count() << std::min(failures, 20));
            std::uniform_int_distribution<std::int64_t> spread(ceiling / 2, std::max<std::int64_t>(ceiling, 1));
            wait.expires_after(millis(spread(jitter_)));
            asio::error_code ec;
            co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        dial_timers_.erase(&wait);
    }

    // One connection, from TCP connect (when dialing) to close. Returns whether it got
    // past authentication.
    asio::awaitable<bool> run(connection_ptr c, std::optional<peer_address> dial) {
        c->started = c->last_read = c->last_frame = now();
        live_.insert(c);
        asio::co_spawn(io_, watch(c), asio::detached);
        bool authenticated = false;
        try {
            asio::error_code ec;
            if (dial) {
                auto endpoints = co_await c->resolver.async_resolve(dial->host, std::to_string(dial->port),
                                                                    asio::redirect_error(asio::use_awaitable, ec));
                if (ec) throw asio::system_error(ec);
                if (c->closed) throw asio::system_error(asio::error::operation_aborted);
                co_await asio::async_connect(c->stream.lowest_layer(), endpoints, asio::use_awaitable);
            }
            if (c->closed) throw asio::system_error(asio::error::operation_aborted);
            const auto remote = c->stream.lowest_layer().remote_endpoint();
            c->remote_ip = remote.address();
            c->remote = remote.address().to_string() + ":" + std::to_string(remote.port());
            c->stream.lowest_layer().set_option(tcp::no_delay(true));
            co_await c->stream.async_handshake(dial ? asio::ssl::stream_base::client : asio::ssl::stream_base::server,
                                               asio::use_awaitable);
            const uuid peer = peer_device_id(c->stream).as_uuid();
            if (!c->closed && adopt(c, peer)) {
                authenticated = true;
                co_await serve(c, peer);
            }
        } catch (const std::exception& e) {
            if (!c->closed) abort(c, std::string(dial ? "dial " + dial->host + ":" + std::to_string(dial->port) + " failed: "
                                                      : "handshake failed: ") +
                                         e.what());
        }
        release(c);
        co_return authenticated;
    }

    // Registers an authenticated connection, one per peer: when both devices dialed each
    // other, both keep the connection dialed by the device with the smaller id; a newer
    // connection in the same direction replaces an older one (the old one is stale).
    bool adopt(const connection_ptr& c, const uuid& peer) {
        c->peer = peer;
        auto it = by_peer_.find(peer);
        if (it != by_peer_.end()) {
            const connection_ptr& old = it->second;
            const bool winner_dialed_by_me = lib_.device_id() < peer;
            const bool keep_new = old->dialed == c->dialed || c->dialed == winner_dialed_by_me;
            if (!keep_new) {
                abort(c, "a duplicate of the connection to this device");
                return false;
            }
            engine_.disconnect(peer, now());
            abort(old, "replaced by a newer connection from the same device");
            by_peer_.erase(it);
        }
        by_peer_[peer] = c;
        seen_.insert(peer);
        log("connected to " + c->remote + " (" + (c->dialed ? "dialed" : "accepted") + ")");
        engine_.connect(peer, now());
        pump();
        return true;
    }

    void release(const connection_ptr& c) {
        if (!c->closed) abort(c, "closed");
        live_.erase(c);
        if (c->peer) {
            auto it = by_peer_.find(*c->peer);
            if (it != by_peer_.end() && it->second == c) {
                by_peer_.erase(it);
                engine_.disconnect(*c->peer, now());
                pump();
            }
        }
    }

    // Reads frames into the engine until the connection ends; a writer runs beside it.
    asio::awaitable<void> serve(connection_ptr c, uuid peer) {
        asio::co_spawn(io_, write_loop(c), asio::detached);
        frame_reader reader(options_.engine.limits.max_frame);
        std::vector<std::uint8_t> buffer(64u << 10);
        while (!c->closed) {
            // Back-pressure: a peer that does not read what it asked for gets no more answers.
            if (!c->closed && c->queued_bytes > options_.send_queue_limit) {
                while (!c->closed && c->queued_bytes > options_.send_queue_limit) {
                    c->room.expires_at(steady::time_point::max());
                    asio::error_code ec;
                    co_await c->room.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                }
                c->last_read = c->last_frame = now();  // the pause was ours, not the peer's silence
            }
            asio::error_code ec;
            const std::size_t n = co_await c->stream.async_read_some(asio::buffer(buffer),
                                                                     asio::redirect_error(asio::use_awaitable, ec));
            if (ec || c->closed) break;
            c->last_read = now();
            reader.feed(std::span<const std::uint8_t>(buffer.data(), n));
            while (auto body = reader.next()) {
                c->last_frame = now();
                engine_.receive(peer, *body, now());
                pump();
                if (c->closed) co_return;
            }
            c->partial_frame = reader.buffered();
            if (reader.failed()) {
                // A length beyond the limit: the stream cannot be resynchronized.
                engine_.disconnect(peer, now());
                const sync::error_message refusal{sync::error_code::bad_frame,
                                                  "a frame longer than " +
                                                      std::to_string(options_.engine.limits.max_frame) + " bytes"};
                enqueue(c, frame(sync::encode(refusal, options_.engine.wire)));
                log("closing " + c->remote + ": it announced a frame over the limit");
                close_gracefully(c);
                break;
            }
        }
        // Let the writer flush (an Error, or what shutdown queued) before the socket goes.
        while (c->closing && !c->closed) {
            c->room.expires_at(steady::time_point::max());
            asio::error_code ec;
            co_await c->room.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }

    asio::awaitable<void> write_loop(connection_ptr c) {
        std::vector<std::uint8_t> chunk;
        while (!c->closed) {
            if (c->queue.empty()) {
                if (c->closing) break;
                c->wake.expires_at(steady::time_point::max());
                asio::error_code ec;
                co_await c->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                continue;
            }
            // Several frames per write: fewer TLS records and system calls under load.
            chunk.clear();
            while (!c->queue.empty() && chunk.size() < (256u << 10)) {
                chunk.insert(chunk.end(), c->queue.front().begin(), c->queue.front().end());
                c->queue.pop_front();
            }
            c->writing = true;
            c->write_started = now();
            asio::error_code ec;
            co_await asio::async_write(c->stream, asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
            c->writing = false;
            if (ec) {
                abort(c, "write failed: " + ec.message());
                co_return;
            }
            c->queued_bytes -= std::min(c->queued_bytes, chunk.size());
            c->room.cancel();
        }
        if (c->closing && !c->closed) {
            asio::error_code ignored;
            c->stream.lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
            abort(c, "closed after flushing");
        }
    }

    // Enforces the timeouts of one connection.
    asio::awaitable<void> watch(connection_ptr c) {
        const millis step = std::max(millis(10), std::min({options_.handshake_timeout, options_.send_timeout,
                                                           options_.idle_timeout, options_.frame_timeout}) / 4);
        while (!c->closed) {
            c->watchdog.expires_after(step);
            asio::error_code ec;
            co_await c->watchdog.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (c->closed) break;
            const millis t = now();
            if (!c->peer && t - c->started > options_.handshake_timeout) abort(c, "the handshake timed out");
            else if (c->writing && t - c->write_started > options_.send_timeout) abort(c, "a send timed out");
            else if (c->closing && t - c->closing_since > options_.send_timeout) abort(c, "closing timed out");
            else if (c->queued_bytes > options_.send_queue_limit) continue;  // not reading it: see serve()
            else if (c->peer && t - c->last_read > options_.idle_timeout) abort(c, "it went silent");
            else if (c->partial_frame > 0 && t - c->last_frame > options_.frame_timeout) abort(c, "a frame trickled in too slowly");
        }
    }

    bool io_wait_for_exit() {
        const auto deadline = steady::now() + millis(2000);
        while (!io_.stopped() && steady::now() < deadline) std::this_thread::sleep_for(millis(1));
        return !io_.stopped();
    }

    asio::awaitable<void> shutdown(std::promise<void> done) {
        stopping_ = true;
        asio::error_code ignored;
        acceptor_.close(ignored);
        for (auto* timer : dial_timers_) timer->cancel();
        tick_timer_.cancel();
        engine_.flush(now());
        pump();
        for (const auto& c : live_) {
            if (c->peer) close_gracefully(c);
            else abort(c, "shutting down");
        }
        const millis deadline = now() + options_.shutdown_timeout;
        asio::steady_timer wait(io_);
        while (!live_.empty() && now() < deadline) {
            wait.expires_after(millis(5));
            co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        for (const auto& c : std::vector<connection_ptr>(live_.begin(), live_.end())) abort(c, "shutting down");
        done.set_value();
    }

    Library& lib_;
    device_identity self_;
    node_options options_;
    asio::io_context io_;  // before engine_: destroyed after it
    // Commits wake the I/O thread from any thread; stop() switches that off first. Shared,
    // so that a commit racing the node's destruction finds it switched off, not freed.
    struct wake_switch {
        std::mutex mutex;
        bool on = true;
    };
    std::shared_ptr<wake_switch> wake_ = std::make_shared<wake_switch>();
    sync::engine<Library> engine_;
    asio::ssl::context server_tls_;
    asio::ssl::context client_tls_;
    asio::steady_timer tick_timer_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    bool started_ = false;
    std::atomic<std::uint16_t> port_{0};
    bool stopping_ = false;
    const steady::time_point epoch_ = steady::now();
    std::mt19937_64 jitter_;
    std::map<uuid, connection_ptr> by_peer_;
    std::set<connection_ptr> live_;
    std::set<uuid> seen_;
    std::set<asio::steady_timer*> dial_timers_;
    std::function<void(const sync::peer_status&)> status_callback_;
};

}  // namespace hsync::net
