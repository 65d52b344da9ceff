// hsync_bench_net: the network workloads, each device its own process, over mutual TLS
// on loopback.
//
//   hsync_bench_net [--entries 1000000] [--samples 1000] [--interval-ms 10] [--page-size 1000]
//                   [--window 4] [--only backfill|latency] [--compression none|zstd]
//
// - backfill: device A holds N device-owned entries; device B, empty, connects and
//   backfills all of them. Reported: B's time from start to the last entry applied,
//   against a hand-written bulk insert of the same N rows (prepared statement, one
//   transaction) into an empty copy of the table; and each process's peak RSS.
// - latency: A commits one shared tag every --interval-ms; B records, in its change
//   callback (after its transaction committed), how long after A began the commit it
//   became visible. CLOCK_MONOTONIC is one clock for every process of the machine. Run
//   with the default flush_interval (5 ms of coalescing) and with none, at
//   synchronous=FULL (the default, an fsync per commit on each side) and NORMAL. "Received
//   twice" is B's count of changes ignored as already held, per change applied.
//
// Prints Markdown tables. Child processes are this program run with --role.
#include <hsync/hsync.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "support/process.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

struct settings {
    std::size_t entries = 1'000'000;
    std::size_t samples = 1000;
    int interval_ms = 10;
    // In the device processes:
    std::string role, db, library;
    std::uint16_t peer = 0;
    int flush_ms = 5;
    std::string durability = "full";
    std::uint32_t page_size = hsync::sync::engine_options{}.page_size;
    std::uint32_t window = hsync::sync::engine_options{}.catch_up_window;
    std::string only;  // "backfill" or "latency": run that part alone
    std::string compression = "none";  // engine_options::compression of both devices
    std::string checkpoints = "background";  // library_options::checkpoints (a device's)
};

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        if (i + 1 >= argc) throw std::runtime_error(key + " needs a value");
        const std::string value = argv[++i];
        if (key == "--entries") s.entries = std::stoul(value);
        else if (key == "--samples") s.samples = std::stoul(value);
        else if (key == "--interval-ms") s.interval_ms = std::stoi(value);
        else if (key == "--role") s.role = value;
        else if (key == "--db") s.db = value;
        else if (key == "--library") s.library = value;
        else if (key == "--peer") s.peer = static_cast<std::uint16_t>(std::stoi(value));
        else if (key == "--flush-ms") s.flush_ms = std::stoi(value);
        else if (key == "--durability") s.durability = value;
        else if (key == "--page-size") s.page_size = static_cast<std::uint32_t>(std::stoul(value));
        else if (key == "--window") s.window = static_cast<std::uint32_t>(std::stoul(value));
        else if (key == "--only") s.only = value;
        else if (key == "--compression") s.compression = value;
        else if (key == "--checkpoints") s.checkpoints = value;
        else throw std::runtime_error("unknown option " + key + " (see the comment at the top of bench_net.cpp)");
    }
    return s;
}

long peak_rss_kib() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

std::int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

void say(const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

// ---- a device process --------------------------------------------------------------------

int run_device(const settings& s) {
    const auto self = hsync::net::device_identity::beside(s.db);
    hsync::library_options lo;
    lo.library_id = hsync::uuid::parse(s.library);
    if (s.durability == "normal") lo.sync = hsync::durability::normal;
    if (s.checkpoints == "on_commit") lo.checkpoints = hsync::checkpoints::on_commit;
    seed_library lib(s.db, self.library_identity(), lo);

    std::mutex mutex;
    std::condition_variable changed;
    std::size_t entries_applied = 0;
    std::vector<std::int64_t> latencies;
    lib.on<photos::Entry>([&](const hsync::change<photos::Entry>&) {
        std::lock_guard lock(mutex);
        ++entries_applied;
        changed.notify_all();
    });
    lib.on<photos::Tag>([&](const hsync::change<photos::Tag>& c) {
        if (c.origin != hsync::change_origin::remote || !c.value) return;
        const auto now = monotonic_ns();
        std::lock_guard lock(mutex);
        latencies.push_back(now - std::stoll(c.value->canonical_name));
        changed.notify_all();
    });

    hsync::net::node_options no;
    no.listen_address = "127.0.0.1";
    if (s.peer) no.peers.push_back({"127.0.0.1", s.peer});
    no.engine.flush_interval = hsync::sync::millis{s.flush_ms};
    no.engine.page_size = s.page_size;
    no.engine.catch_up_window = s.window;
    if (s.compression == "zstd") no.engine.compression = hsync::sync::compression::zstd;
    no.reconnect_base = 50ms;
    std::atomic<bool> ready = false;
    std::atomic<std::uint64_t> applied = 0, ignored = 0;  // changes from the peer
    std::atomic<std::uint64_t> bytes_sent = 0, bytes_saved = 0;  // to the peer
    hsync::net::node<seed_library> node(lib, self, no);
    node.on_status([&](const hsync::sync::peer_status& st) {
        if (st.state == hsync::sync::peer_state::ready) ready = true;
        applied = st.counters.applied;
        ignored = st.counters.ignored;
        bytes_sent = st.counters.bytes_sent;
        bytes_saved = st.counters.bytes_saved;
    });
    const auto started = steady::now();
    node.start();
    say("port " + std::to_string(node.port()));

    std::string command;
    while (std::getline(std::cin, command)) {
        std::istringstream in(command);
        std::string verb;
        in >> verb;
        if (verb == "wait-entries") {  // until N entries were applied from the peer
            std::size_t n = 0;
            in >> n;
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return entries_applied >= n; });
            const double seconds = std::chrono::duration<double>(steady::now() - started).count();
            lock.unlock();
            SQLite::Database reader(s.db, SQLite::OPEN_READONLY);
            const auto stored = reader.execAndGet("SELECT count(*) FROM entry").getInt64();
            say("backfilled " + std::to_string(stored) + " " + std::to_string(seconds));
        } else if (verb == "wait-ready") {
            while (!ready) std::this_thread::sleep_for(5ms);
            say("ready");
        } else if (verb == "send-tags") {  // one tag every interval, its name the commit time
            std::size_t n = 0;
            int interval = 10;
            in >> n >> interval;
            for (std::size_t i = 0; i < n; ++i) {
                const auto next = steady::now() + std::chrono::milliseconds(interval);
                photos::Tag t{hsync::record_id::generate(), std::to_string(monotonic_ns())};
                lib.commit(t);
                std::this_thread::sleep_until(next);
            }
            say("sent");
        } else if (verb == "wait-tags") {  // prints the latencies of N tags, in microseconds
            std::size_t n = 0;
            in >> n;
            std::unique_lock lock(mutex);
            if (!changed.wait_for(lock, 120s, [&] { return latencies.size() >= n; })) {
                say("error only " + std::to_string(latencies.size()) + " of " + std::to_string(n) + " tags arrived");
                continue;
            }
            std::string line = "latencies";
            for (const auto ns : latencies) line += " " + std::to_string(ns / 1000);
            latencies.clear();
            say(line);
        } else if (verb == "counters") {
            say("counters " + std::to_string(applied) + " " + std::to_string(ignored) + " " + std::to_string(bytes_sent) +
                " " + std::to_string(bytes_saved));
        } else if (verb == "quit") {
            break;
        }
    }
    node.stop();
    say("rss " + std::to_string(peak_rss_kib()));
    return 0;
}

// ---- the parent --------------------------------------------------------------------------

struct pair_of_devices {
    std::uint32_t page_size;  // engine_options::page_size of both devices
    std::uint32_t window;     // and their catch_up_window
    std::string compression = "none";
    temp_dir dir;
    std::string library = hsync::uuid::v4().to_string();
    std::filesystem::path a = dir / "a.db", b = dir / "b.db";

    pair_of_devices(std::uint32_t page, std::uint32_t pages_in_flight, std::string compress = "none")
        : page_size(page), window(pages_in_flight), compression(std::move(compress)) {
        const auto ia = hsync::net::device_identity::beside(a), ib = hsync::net::device_identity::beside(b);
        hsync::library_options lo;
        lo.library_id = hsync::uuid::parse(library);
        seed_library la(a, ia.library_identity(), lo), lb(b, ib.library_identity(), lo);
        hsync::net::pair(la, ib.id());
        hsync::net::pair(lb, ia.id());
    }

    std::unique_ptr<child_process> start(const std::filesystem::path& db, std::uint16_t peer, int flush_ms,
                                         std::uint16_t* port, const std::string& durability = "full",
                                         const std::string& checkpoints = "background") const {
        std::vector<std::string> args{"/proc/self/exe", "--role", "device", "--db", db.string(), "--library", library,
                                      "--flush-ms", std::to_string(flush_ms), "--durability", durability,
                                      "--page-size", std::to_string(page_size), "--window", std::to_string(window),
                                      "--compression", compression, "--checkpoints", checkpoints};
        if (peer) args.insert(args.end(), {"--peer", std::to_string(peer)});
        auto c = std::make_unique<child_process>(args);
        const auto line = c->read_line(30s);
        if (!line || line->rfind("port ", 0) != 0) throw std::runtime_error("a device process did not start");
        *port = static_cast<std::uint16_t>(std::stoi(line->substr(5)));
        return c;
    }
};

long quit_and_rss(child_process& c) {
    c.send("quit");
    for (;;) {
        const auto line = c.read_line(60s);
        if (!line) throw std::runtime_error("a device process ended without reporting its RSS");
        if (line->rfind("rss ", 0) == 0) {
            c.wait();
            return std::stol(line->substr(4));
        }
    }
}

// N entries of one location, committed in batches (not timed).
void fill(const std::filesystem::path& file, const std::string& library, std::size_t n) {
    const auto self = hsync::net::device_identity::beside(file);
    hsync::library_options lo;
    lo.library_id = hsync::uuid::parse(library);
    lo.sync = hsync::durability::normal;
    seed_library lib(file, self.library_identity(), lo);
    const hsync::owner_id owner{self.id().as_uuid()};
    photos::Volume volume{hsync::record_id::generate(), owner, "disk", "/"};
    photos::Location location{hsync::record_id::generate(), owner, hsync::ref<photos::Volume>{volume.uuid}, "photos", "/photos"};
    lib.with_tx([&](auto& tx) {
        tx.commit(volume);
        tx.commit(location);
    });
    std::vector<photos::Entry> batch;
    for (std::size_t i = 0; i < n; ++i) {
        photos::Entry e{hsync::record_id::generate(), owner, hsync::ref<photos::Location>{location.uuid}};
        e.name = "IMG_" + std::to_string(100000 + i) + ".jpg";
        e.size = 2'000'000 + i;
        batch.push_back(std::move(e));
        if (batch.size() == 10'000 || i + 1 == n) {
            lib.commit_batch(batch);
            batch.clear();
        }
    }
}

// The hand-written side: the same rows, read from A beforehand, inserted into an empty
// copy of the table with one prepared statement in one transaction.
double bulk_insert_seconds(const std::filesystem::path& from, const std::filesystem::path& empty_copy) {
    using value = std::variant<std::nullptr_t, std::int64_t, double, std::string, std::vector<std::uint8_t>>;
    std::vector<std::vector<value>> rows;
    int columns = 0;
    {
        SQLite::Database src(from.string(), SQLite::OPEN_READONLY);
        SQLite::Statement q(src, "SELECT * FROM entry");
        columns = q.getColumnCount();
        while (q.executeStep()) {
            std::vector<value> r;
            for (int i = 0; i < columns; ++i) {
                const auto c = q.getColumn(i);
                if (c.isNull()) r.emplace_back(nullptr);
                else if (c.isInteger()) r.emplace_back(c.getInt64());
                else if (c.isFloat()) r.emplace_back(c.getDouble());
                else if (c.isText()) r.emplace_back(c.getString());
                else {
                    const auto* p = static_cast<const std::uint8_t*>(c.getBlob());
                    r.emplace_back(std::vector<std::uint8_t>(p, p + c.getBytes()));
                }
            }
            rows.push_back(std::move(r));
        }
    }
    const auto start = steady::now();
    SQLite::Database db(empty_copy.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");  // what the receiving library uses
    std::string marks;
    for (int i = 0; i < columns; ++i) marks += i ? ", ?" : "?";
    SQLite::Statement insert(db, "INSERT INTO entry VALUES (" + marks + ")");
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const auto& r : rows) {
        for (int i = 0; i < columns; ++i) {
            std::visit(
                [&](const auto& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::nullptr_t>) insert.bind(i + 1);
                    else if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) insert.bind(i + 1, v.data(), static_cast<int>(v.size()));
                    else if constexpr (std::is_same_v<T, std::string>) insert.bindNoCopy(i + 1, v);
                    else insert.bind(i + 1, v);
                },
                r[static_cast<std::size_t>(i)]);
        }
        insert.exec();
        insert.reset();
    }
    tx.commit();
    return std::chrono::duration<double>(steady::now() - start).count();
}

void backfill(const settings& s) {
    pair_of_devices devices(s.page_size, s.window, s.compression);
    std::fprintf(stderr, "backfill: filling device A with %zu entries...\n", s.entries);
    fill(devices.a, devices.library, s.entries);
    // An empty copy of the receiving library for the baseline, made before B starts.
    const auto baseline_file = devices.dir / "baseline.db";
    std::filesystem::copy_file(devices.b, baseline_file);

    std::uint16_t port_a = 0, port_b = 0;
    auto a = devices.start(devices.a, 0, 5, &port_a, s.durability, s.checkpoints);
    auto b = devices.start(devices.b, port_a, 5, &port_b, s.durability, s.checkpoints);
    const auto done = b->ask("wait-entries " + std::to_string(s.entries), "backfilled", 3600s);
    std::istringstream in(done.substr(std::string("backfilled ").size()));
    std::size_t stored = 0;
    double seconds = 0;
    in >> stored >> seconds;
    std::istringstream counters(a->ask("counters", "counters").substr(std::string("counters").size()));
    std::uint64_t applied = 0, ignored = 0, sent = 0, saved = 0;
    counters >> applied >> ignored >> sent >> saved;
    const long rss_b = quit_and_rss(*b), rss_a = quit_and_rss(*a);
    if (stored != s.entries) throw std::runtime_error("backfill: B holds " + std::to_string(stored) + " entries");
    std::fprintf(stderr, "backfill: baseline bulk insert...\n");
    const double baseline = bulk_insert_seconds(devices.a, baseline_file);

    std::printf("| backfill of device-owned entries between two processes over TLS | rows | hsync (s) | bulk insert (s) | ratio "
                "| hsync rows/s | peak RSS A (MiB) | peak RSS B (MiB) | bytes A sent per entry | goal |\n"
                "|---|---|---|---|---|---|---|---|---|---|\n");
    std::printf("| backfill, pages of %u records, %u in flight, compression %s, checkpoints %s | %zu | %.2f | %.2f | %.2f | %.0f | %.1f | %.1f "
                "| %.1f (%.1f before compression) | <= 2.0, RSS <= 100 MiB |\n\n",
                s.page_size, s.window, s.compression.c_str(), s.checkpoints.c_str(), stored, seconds, baseline, seconds / baseline,
                double(stored) / seconds, double(rss_a) / 1024, double(rss_b) / 1024, double(sent) / double(stored),
                double(sent + saved) / double(stored));
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * double(v.size())))];
}

void latency(const settings& s) {
    std::printf("| commit on A to visible on B, over TLS on loopback | samples | p50 (ms) | p99 (ms) | max (ms) "
                "| received twice | goal |\n|---|---|---|---|---|---|---|\n");
    struct row {
        std::string durability;
        int flush_ms;
        std::string checkpoints;
    };
    for (const auto& [durability, flush_ms, checkpoints] :
         {row{"full", 5, "background"}, row{"full", 0, "background"}, row{"normal", 5, "background"},
          row{"normal", 0, "background"}, row{"full", 5, "on_commit"}, row{"normal", 5, "on_commit"}}) {
        pair_of_devices devices(s.page_size, s.window, s.compression);
        std::uint16_t port_a = 0, port_b = 0;
        auto a = devices.start(devices.a, 0, flush_ms, &port_a, durability, checkpoints);
        auto b = devices.start(devices.b, port_a, flush_ms, &port_b, durability, checkpoints);
        a->ask("wait-ready", "ready");
        b->ask("wait-ready", "ready");
        a->ask("send-tags 20 " + std::to_string(s.interval_ms), "sent");  // warm-up, not counted
        b->ask("wait-tags 20", "latencies");
        a->ask("send-tags " + std::to_string(s.samples) + " " + std::to_string(s.interval_ms), "sent", 3600s);
        const auto line = b->ask("wait-tags " + std::to_string(s.samples), "latencies", 300s);
        std::istringstream in(line.substr(std::string("latencies").size()));
        std::vector<double> ms;
        for (double us; in >> us;) ms.push_back(us / 1000);
        std::this_thread::sleep_for(100ms);  // pushes still in flight
        std::istringstream counters(b->ask("counters", "counters").substr(std::string("counters").size()));
        std::uint64_t applied = 0, ignored = 0;
        counters >> applied >> ignored;
        quit_and_rss(*b);
        quit_and_rss(*a);
        if (ms.size() < s.samples) throw std::runtime_error("latency: too few samples");
        std::printf("| synchronous = %s%s, flush_interval = %d ms%s, checkpoints %s, a commit every %d ms | %zu | %.2f | %.2f | %.2f | %.0f%% | p50 <= 1, p99 <= 5 |\n",
                    durability == "full" ? "FULL" : "NORMAL", durability == "full" ? " (the default)" : "", flush_ms,
                    flush_ms == 5 ? " (the default)" : "", checkpoints.c_str(), s.interval_ms, ms.size(), percentile(ms, 0.5), percentile(ms, 0.99),
                    percentile(ms, 1.0), applied ? 100.0 * double(ignored) / double(applied) : 0.0);
    }
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) try {
    const settings s = parse(argc, argv);
    if (s.role == "device") return run_device(s);
    if (!s.role.empty()) throw std::runtime_error("unknown role " + s.role);
    if (s.only != "backfill") latency(s);
    if (s.only != "latency") backfill(s);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "hsync_bench_net: %s\n", e.what());
    return 1;
}
