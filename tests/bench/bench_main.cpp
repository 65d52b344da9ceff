// hsync_bench: hsync against the hand-written SQLite code that has the same effect, on
// the same rows, in the same run, alternating, median of the runs. The baseline writes
// into a copy of the very tables hsync created (same schema, same indexes, same WAL and
// synchronous settings, the same MessagePack payloads) with prepared statements reused
// and one transaction per commit — the limit hsync is measured against.
//
//   hsync_bench [--runs 5] [--scale 1.0] [--full] [--only commits,apply,sweep]
//                                                      prints a Markdown table
//
// --full uses synchronous=FULL (the default of hsync libraries); without it both sides
// run with NORMAL, so that the figures measure code rather than fsync.
#include <hsync/hsync.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/session_apply.hpp"
#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
    int runs = 5;
    double scale = 1.0;
    bool full = false;
    std::string only;  // --only: workloads to run, comma-separated (commits, apply, sweep); empty: all
    bool wants(std::string_view workload) const { return only.empty() || only.find(workload) != std::string::npos; }
};

const hsync::identity me{hsync::uuid::parse("11111111-2222-4333-8444-555555555555")};
const hsync::uuid remote_device = hsync::uuid::parse("99999999-8888-4777-8666-555555555555");

hsync::library_options lib_options(const settings& s) {
    hsync::library_options o;
    o.sync = s.full ? hsync::durability::full : hsync::durability::normal;
    return o;
}

// An empty library file made by hsync: both sides start from a copy of it.
std::filesystem::path empty_library(const temp_dir& dir, const settings& s) {
    const auto file = dir / "empty.db";
    if (!std::filesystem::exists(file)) {
        seed_library lib(file, me, lib_options(s));
        hsync::replica(lib).pair(remote_device);
    }
    return file;
}

std::filesystem::path fresh_copy(const temp_dir& dir, const settings& s, const std::string& name) {
    const auto target = dir / name;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(target.string() + suffix);
    std::filesystem::copy_file(empty_library(dir, s), target);
    return target;
}

// ---- the hand-written side ------------------------------------------------------------

struct baseline_db {
    SQLite::Database db;
    std::uint64_t seq = 0;
    std::uint64_t counter = 0;

    // NOMUTEX, as hsync's own connection: one thread uses it, so SQLite's per-call mutex
    // would only slow the baseline down.
    baseline_db(const std::filesystem::path& file, const settings& s)
        : db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX) {
        db.exec("PRAGMA journal_mode = WAL");
        db.exec(s.full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    }

    // A 24-byte HLC, ordered like hsync's: 48-bit ms, 16-bit counter, device.
    std::array<std::uint8_t, 24> next_hlc() {
        std::array<std::uint8_t, 24> out{};
        const std::uint64_t word = (1'700'000'000'000ULL << 16) | ++counter;
        for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(word >> (56 - 8 * i));
        std::copy(me.device_id.bytes().begin(), me.device_id.bytes().end(), out.begin() + 8);
        return out;
    }
};

// Insert-or-update of a whole tag row with its field clocks, and its log entry, and the
// persisted sequence and clock: what one shared commit stores.
struct shared_commit_baseline {
    baseline_db& b;
    SQLite::Statement upsert, log, meta;

    explicit shared_commit_baseline(baseline_db& base)
        : b(base),
          upsert(b.db,
                 "INSERT INTO tag (uuid, canonical_name, display_name, color, search_weight, hsync_seq, "
                 "hsync_clock_canonical_name, hsync_clock_display_name, hsync_clock_color, hsync_clock_search_weight) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO UPDATE SET canonical_name = excluded.canonical_name, "
                 "display_name = excluded.display_name, color = excluded.color, search_weight = excluded.search_weight, "
                 "hsync_seq = excluded.hsync_seq, hsync_clock_canonical_name = excluded.hsync_clock_canonical_name, "
                 "hsync_clock_display_name = excluded.hsync_clock_display_name, hsync_clock_color = excluded.hsync_clock_color, "
                 "hsync_clock_search_weight = excluded.hsync_clock_search_weight"),
          log(b.db, "INSERT INTO hsync_shared_log (hlc, seq, model, record_id, change_type, fields, data) "
                    "VALUES (?, ?, 'tag', ?, 1, 15, ?)"),
          meta(b.db, "INSERT INTO hsync_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value") {}

    void write(const photos::Tag& t) {
        const auto stamp = b.next_hlc();
        const std::uint64_t seq = ++b.seq;
        const auto& id = t.uuid.value.bytes();
        upsert.bind(1, id.data(), 16);
        upsert.bind(2, t.canonical_name);
        if (t.display_name) upsert.bind(3, *t.display_name);
        else upsert.bind(3);
        if (t.color) upsert.bind(4, *t.color);
        else upsert.bind(4);
        upsert.bind(5, t.search_weight);
        upsert.bind(6, static_cast<std::int64_t>(seq));
        for (int i = 7; i <= 10; ++i) upsert.bind(i, stamp.data(), 24);
        upsert.exec();
        upsert.reset();
        // The four fields' values in field order, as the log keeps them (field word 15).
        hsync::detail::mp_writer values;
        values.str(t.canonical_name);
        if (t.display_name) values.str(*t.display_name);
        else values.nil();
        if (t.color) values.str(*t.color);
        else values.nil();
        values.sint(t.search_weight);
        const std::string& data = values.bytes();
        log.bind(1, stamp.data(), 24);
        log.bind(2, static_cast<std::int64_t>(seq));
        log.bind(3, id.data(), 16);
        log.bind(4, data.data(), static_cast<int>(data.size()));
        log.exec();
        log.reset();
        persist(seq, stamp);
    }

    void persist(std::uint64_t seq, const std::array<std::uint8_t, 24>& stamp) {
        std::array<std::uint8_t, 8> s{};
        for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
        meta.bind(1, "seq");
        meta.bind(2, s.data(), 8);
        meta.exec();
        meta.reset();
        meta.bind(1, "hlc");
        meta.bind(2, stamp.data(), 24);
        meta.exec();
        meta.reset();
    }
};

// Insert-or-update of a whole location row with its version: one device-owned commit.
struct owned_commit_baseline {
    baseline_db& b;
    SQLite::Statement upsert;
    shared_commit_baseline clock;  // for persist()

    explicit owned_commit_baseline(baseline_db& base)
        : b(base),
          upsert(b.db,
                 "INSERT INTO location (uuid, device, volume, name, path, index_mode, total_file_count, scan_state, "
                 "hsync_version, hsync_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO UPDATE SET "
                 "volume = excluded.volume, name = excluded.name, path = excluded.path, index_mode = excluded.index_mode, "
                 "total_file_count = excluded.total_file_count, hsync_version = excluded.hsync_version, "
                 "hsync_seq = excluded.hsync_seq"),
          clock(base) {}

    void write(const photos::Location& l) {
        const auto stamp = b.next_hlc();
        const std::uint64_t seq = ++b.seq;
        upsert.bind(1, l.uuid.value.bytes().data(), 16);
        upsert.bind(2, l.device.value.bytes().data(), 16);
        upsert.bind(3);
        upsert.bind(4);
        upsert.bind(5, l.path);
        upsert.bind(6, l.index_mode);
        upsert.bind(7, static_cast<std::int64_t>(l.total_file_count));
        upsert.bind(8, l.scan_state.get());
        upsert.bind(9, stamp.data(), 24);
        upsert.bind(10, static_cast<std::int64_t>(seq));
        upsert.exec();
        upsert.reset();
        clock.persist(seq, stamp);
    }
};

// ---- timing ---------------------------------------------------------------------------

double seconds_of(const std::function<void()>& f) {
    const auto start = clock_type::now();
    f();
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct row {
    std::string workload;
    std::size_t rows;
    double hsync_s, baseline_s;
    std::string goal;
    double hsync_bytes = 0, baseline_bytes = 0;  // written to the files (WAL and database), per row
};

// Bytes this process has passed to write() so far (/proc/self/io, wchar): SQLite's WAL
// appends and checkpoints, whichever thread made them.
double bytes_written() {
    std::ifstream io("/proc/self/io");
    std::string key;
    double value = 0;
    while (io >> key >> value) {
        if (key == "wchar:") return value;
    }
    return 0;
}

// Runs both sides `runs` times, alternating, each on a fresh copy of the empty library.
row compare(const settings& s, const temp_dir& dir, const std::string& name, std::size_t rows, const std::string& goal,
            const std::function<void(const std::filesystem::path&)>& with_hsync,
            const std::function<void(const std::filesystem::path&)>& by_hand,
            const std::optional<std::filesystem::path>& start_from = std::nullopt) {
    const auto copy = [&](const std::string& to) {
        if (!start_from) return fresh_copy(dir, s, to);
        const auto target = dir / to;
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(target.string() + suffix);
        std::filesystem::copy_file(*start_from, target);
        return target;
    };
    std::vector<double> h, b, hw, bw;
    for (int r = 0; r < s.runs; ++r) {
        const auto hf = copy("h.db");
        double before = bytes_written();
        h.push_back(seconds_of([&] { with_hsync(hf); }));
        hw.push_back((bytes_written() - before) / double(rows));
        const auto bf = copy("b.db");
        before = bytes_written();
        b.push_back(seconds_of([&] { by_hand(bf); }));
        bw.push_back((bytes_written() - before) / double(rows));
    }
    return row{name, rows, median(h), median(b), goal, median(hw), median(bw)};
}

// Applies frames of shared changes by hand: decode, compare each field's HLC with the
// stored one, upsert what is newer, log what changed; one transaction per frame.
struct apply_baseline {
    baseline_db& b;
    SQLite::Statement find, upsert, log;
    shared_commit_baseline meta;

    explicit apply_baseline(baseline_db& base)
        : b(base),
          find(b.db, "SELECT hsync_clock_canonical_name, hsync_clock_display_name, hsync_clock_color, hsync_clock_search_weight, "
                     "canonical_name, display_name, color, search_weight FROM tag WHERE uuid = ?"),
          upsert(b.db, "INSERT OR REPLACE INTO tag (uuid, canonical_name, display_name, color, search_weight, hsync_seq, "
                       "hsync_clock_canonical_name, hsync_clock_display_name, hsync_clock_color, hsync_clock_search_weight) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          log(b.db, "INSERT INTO hsync_shared_log (hlc, seq, model, record_id, change_type, fields, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(hlc) DO NOTHING"),
          meta(base) {}

    // A SharedChangeBatch of tags (docs/protocol.md): [6, [[model, device, [entry...]]...], push],
    // an entry [record, clock delta, type, fields, values...], read without a document.
    void frame(const std::vector<std::uint8_t>& body) {
        const std::string_view bytes(reinterpret_cast<const char*>(body.data()), body.size());
        hsync::detail::mp_reader r(bytes);
        std::uint32_t items = 0, runs = 0;
        std::uint64_t type = 0;
        if (!r.read_array(items) || !r.read_uint(type) || type != 6 || !r.read_array(runs)) throw std::runtime_error("not a batch");
        SQLite::Transaction tx(b.db, SQLite::TransactionBehavior::IMMEDIATE);
        std::array<std::uint8_t, 24> newest{};
        for (; runs > 0; --runs) {
            std::string_view model, device;
            std::uint32_t count = 0;
            if (!r.read_array(items) || !r.read_str(model) || !r.read_bin(device) || !r.read_array(count)) throw std::runtime_error("bad run");
            if (model != "tag") throw std::runtime_error("the lean apply knows tags only");
            std::uint64_t word = 0;
            for (; count > 0; --count) {
                std::string_view id;
                std::int64_t delta = 0;
                std::uint64_t change = 0, fields = 0;
                if (!r.read_array(items) || !r.read_bin(id) || !r.read_int(delta) || !r.read_uint(change) || !r.read_uint(fields)) {
                    throw std::runtime_error("bad entry");
                }
                word += static_cast<std::uint64_t>(delta);
                std::array<std::uint8_t, 24> stamp{};
                for (int i = 0; i < 8; ++i) stamp[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(word >> (56 - 8 * i));
                std::copy(device.begin(), device.end(), stamp.begin() + 8);
                // The values it sets: canonical_name, display_name, color (text or nil), search_weight.
                const std::size_t values_at = r.offset();
                std::array<std::optional<std::string_view>, 3> text;
                std::int64_t weight = 100;
                for (int i = 0; i < 3; ++i) {
                    if ((fields >> i & 1) == 0) continue;
                    std::string_view v;
                    if (r.peek() == hsync::detail::mp_type::nil) r.read_nil();
                    else if (r.read_str(v)) text[static_cast<std::size_t>(i)] = v;
                }
                if (fields & 8) r.read_int(weight);
                const std::string_view packed = bytes.substr(values_at, r.offset() - values_at);

                find.bind(1, id.data(), 16);
                std::array<std::vector<std::uint8_t>, 4> clocks;
                std::array<std::optional<std::string>, 3> row_text;
                std::int64_t row_weight = 100;
                if (find.executeStep()) {
                    for (int i = 0; i < 4; ++i) {
                        const auto col = find.getColumn(i);
                        const auto* p = static_cast<const std::uint8_t*>(col.getBlob());
                        clocks[static_cast<std::size_t>(i)].assign(p, p + col.getBytes());
                    }
                    for (int i = 0; i < 3; ++i) {
                        const auto value = find.getColumn(4 + i);
                        if (!value.isNull()) row_text[static_cast<std::size_t>(i)] = value.getString();
                    }
                    row_weight = find.getColumn(7).getInt64();
                }
                find.reset();
                bool changed = false;
                for (int i = 0; i < 4; ++i) {
                    if ((fields >> i & 1) == 0) continue;
                    auto& clock = clocks[static_cast<std::size_t>(i)];
                    if (!clock.empty() && !std::lexicographical_compare(clock.begin(), clock.end(), stamp.begin(), stamp.end())) continue;
                    if (i < 3) {
                        const auto& v = text[static_cast<std::size_t>(i)];
                        row_text[static_cast<std::size_t>(i)] = v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
                    } else {
                        row_weight = weight;
                    }
                    clock.assign(stamp.begin(), stamp.end());
                    changed = true;
                }
                if (!changed) continue;
                const std::uint64_t seq = ++b.seq;
                upsert.bind(1, id.data(), 16);
                for (int i = 0; i < 3; ++i) {
                    const auto& v = row_text[static_cast<std::size_t>(i)];
                    if (v) upsert.bind(2 + i, *v);
                    else upsert.bind(2 + i);
                }
                upsert.bind(5, row_weight);
                upsert.bind(6, static_cast<std::int64_t>(seq));
                for (int i = 0; i < 4; ++i) upsert.bind(7 + i, clocks[static_cast<std::size_t>(i)].data(), static_cast<int>(clocks[static_cast<std::size_t>(i)].size()));
                upsert.exec();
                upsert.reset();
                log.bind(1, stamp.data(), 24);
                log.bind(2, static_cast<std::int64_t>(seq));
                log.bind(3, "tag");
                log.bind(4, id.data(), 16);
                log.bind(5, static_cast<int>(change));
                log.bind(6, static_cast<std::int64_t>(fields));
                log.bind(7, packed.data(), static_cast<int>(packed.size()));
                log.exec();
                log.reset();
                std::copy(stamp.begin(), stamp.end(), newest.begin());
            }
        }
        meta.persist(b.seq, newest);
        tx.commit();
    }
};

// hsync's stored form of a clock: the packed 64-bit word big-endian, then the device.
std::array<std::uint8_t, 24> clock_blob(const hsync::hlc& h) {
    std::array<std::uint8_t, 24> out{};
    const std::uint64_t word = h.packed();
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(word >> (56 - 8 * i));
    std::copy(h.device.bytes().begin(), h.device.bytes().end(), out.begin() + 8);
    return out;
}

photos::Tag tag_number(std::size_t i) {
    photos::Tag t{hsync::record_id{hsync::uuid::v7()}, "tag-" + std::to_string(i)};
    t.color = "orange";
    return t;
}

photos::Location location_number(std::size_t i) {
    photos::Location l{hsync::record_id{hsync::uuid::v7()}, hsync::owner_id{me.device_id}};
    l.path = "/photos/" + std::to_string(i);
    return l;
}

}  // namespace

int main(int argc, char** argv) try {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) s.runs = std::max(1, std::stoi(argv[++i]));
        else if (a == "--scale" && i + 1 < argc) s.scale = std::stod(argv[++i]);
        else if (a == "--full") s.full = true;
        else if (a == "--only" && i + 1 < argc) s.only = argv[++i];
        else throw std::runtime_error("unknown option " + a + " (see the comment at the top of bench_main.cpp)");
    }
    temp_dir dir;
    const auto n = [&](std::size_t count) { return std::max<std::size_t>(1, static_cast<std::size_t>(double(count) * s.scale)); };
    std::vector<row> rows;

    // 1. one shared record per transaction
    if (s.wants("commits")) {
        const std::size_t count = n(20'000);
        std::vector<photos::Tag> tags;
        for (std::size_t i = 0; i < count; ++i) tags.push_back(tag_number(i));
        rows.push_back(compare(
            s, dir, "commit one shared record per transaction", count, "<= 1.10",
            [&](const auto& f) {
                seed_library lib(f, me, lib_options(s));
                for (const auto& t : tags) lib.commit(t);
            },
            [&](const auto& f) {
                baseline_db b(f, s);
                shared_commit_baseline w(b);
                for (const auto& t : tags) {
                    SQLite::Transaction tx(b.db, SQLite::TransactionBehavior::IMMEDIATE);
                    w.write(t);
                    tx.commit();
                }
            }));
    }
    // 2. one device-owned record per transaction
    if (s.wants("commits")) {
        const std::size_t count = n(20'000);
        std::vector<photos::Location> locations;
        for (std::size_t i = 0; i < count; ++i) locations.push_back(location_number(i));
        rows.push_back(compare(
            s, dir, "commit one device-owned record per transaction", count, "<= 1.10",
            [&](const auto& f) {
                seed_library lib(f, me, lib_options(s));
                for (const auto& l : locations) lib.commit(l);
            },
            [&](const auto& f) {
                baseline_db b(f, s);
                owned_commit_baseline w(b);
                for (const auto& l : locations) {
                    SQLite::Transaction tx(b.db, SQLite::TransactionBehavior::IMMEDIATE);
                    w.write(l);
                    tx.commit();
                }
            }));
    }
    // 3. commit_batch, shared and device-owned
    if (s.wants("commits")) {
        const std::size_t count = n(100'000);
        std::vector<photos::Tag> tags;
        std::vector<photos::Location> locations;
        for (std::size_t i = 0; i < count; ++i) tags.push_back(tag_number(i));
        for (std::size_t i = 0; i < count; ++i) locations.push_back(location_number(i));
        rows.push_back(compare(
            s, dir, "commit_batch of shared records", count, "<= 1.10",
            [&](const auto& f) {
                seed_library lib(f, me, lib_options(s));
                lib.commit_batch(tags);
            },
            [&](const auto& f) {
                baseline_db b(f, s);
                shared_commit_baseline w(b);
                SQLite::Transaction tx(b.db, SQLite::TransactionBehavior::IMMEDIATE);
                for (const auto& t : tags) w.write(t);
                tx.commit();
            }));
        rows.push_back(compare(
            s, dir, "commit_batch of device-owned records", count, "<= 1.10",
            [&](const auto& f) {
                seed_library lib(f, me, lib_options(s));
                lib.commit_batch(locations);
            },
            [&](const auto& f) {
                baseline_db b(f, s);
                owned_commit_baseline w(b);
                SQLite::Transaction tx(b.db, SQLite::TransactionBehavior::IMMEDIATE);
                for (const auto& l : locations) w.write(l);
                tx.commit();
            }));
    }
    // 4. applying remote shared changes, frames of 1,000, 30% older than what is stored
    if (s.wants("apply")) {
        const std::size_t count = std::max<std::size_t>(1000, n(100'000) / 1000 * 1000);
        const std::size_t stale = count * 3 / 10;
        std::vector<hsync::shared_entry> entries, newer;
        std::vector<photos::Tag> tags;
        for (std::size_t i = 0; i < count; ++i) {
            const auto t = tag_number(i);
            tags.push_back(t);
            const hsync::hlc at{1'700'000'000'000 + i / 60000, static_cast<std::uint16_t>(i % 60000), remote_device};
            const auto data = hsync::detail::pack_all(t);
            entries.push_back(hsync::shared_entry{at, "tag", t.uuid, hsync::change_type::insert, data});
            if (i < stale) {  // the library already holds a newer write of these
                const hsync::hlc later{1'700'000'100'000 + i / 60000, static_cast<std::uint16_t>(i % 60000), remote_device};
                newer.push_back(hsync::shared_entry{later, "tag", t.uuid, hsync::change_type::insert, data});
            }
        }
        std::vector<std::vector<std::uint8_t>> frames;
        for (std::size_t i = 0; i < count; i += 1000) {
            std::vector<hsync::shared_entry> part(entries.begin() + static_cast<std::ptrdiff_t>(i),
                                                  entries.begin() + static_cast<std::ptrdiff_t>(i + 1000));
            frames.push_back(hsync::sync::encode(hsync::sync::shared_change_batch{std::move(part), {}}));
        }
        const auto start = dir / "apply-start.db";
        std::filesystem::copy_file(empty_library(dir, s), start);
        {
            seed_library lib(start, me, lib_options(s));
            hsync::replica(lib).apply_shared_changes(std::span<const hsync::shared_entry>(newer));
        }
        const std::vector<std::string_view> models{"tag"};
        const auto hsync_apply = [&](const std::filesystem::path& f) {
            seed_library lib(f, me, lib_options(s));
            for (const auto& body : frames) {
                auto decoded = hsync::sync::decode(body, hsync::sync::encoding::msgpack, {}, models);
                const auto& batch = std::get<hsync::sync::shared_change_batch>(decoded.value());
                hsync::replica(lib).apply_shared_changes(std::span<const hsync::shared_entry>(batch.entries));
            }
        };
        rows.push_back(compare(
            s, dir, "apply remote shared changes (decode, per-field LWW, upsert), frames of 1000, 30% stale", count, "<= 1.25",
            hsync_apply,
            [&](const auto& f) {
                baseline_db b(f, s);
                b.seq = 1'000'000;  // after the pre-applied history
                apply_baseline w(b);
                for (const auto& body : frames) w.frame(body);
            },
            start));

        // The same changes as changesets of SQLite's session extension, recorded (untimed)
        // by inserting the rows, with their clocks, into a scratch copy of the tables.
        std::vector<hsync_bench::changeset> sets;
        {
            hsync_bench::sqlite_handle scratch(fresh_copy(dir, s, "scratch.db"));
            for (std::size_t i = 0; i < count; i += 1000) {
                sets.push_back(hsync_bench::record_changeset(scratch, "tag", [&](sqlite3* db) {
                    sqlite3_stmt* insert = nullptr;
                    hsync_bench::check(sqlite3_prepare_v2(db,
                        "INSERT INTO tag (uuid, canonical_name, display_name, color, search_weight, hsync_seq, "
                        "hsync_clock_canonical_name, hsync_clock_display_name, hsync_clock_color, hsync_clock_search_weight) "
                        "VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6, ?6, ?6, ?6)", -1, &insert, nullptr), db, "prepare");
                    for (std::size_t k = i; k < i + 1000; ++k) {
                        const auto& t = tags[k];
                        const auto stamp = clock_blob(entries[k].stamp);
                        sqlite3_bind_blob(insert, 1, t.uuid.value.bytes().data(), 16, SQLITE_TRANSIENT);
                        sqlite3_bind_text(insert, 2, t.canonical_name.c_str(), -1, SQLITE_TRANSIENT);
                        sqlite3_bind_text(insert, 3, t.color->c_str(), -1, SQLITE_TRANSIENT);
                        sqlite3_bind_int(insert, 4, t.search_weight);
                        sqlite3_bind_int64(insert, 5, static_cast<sqlite3_int64>(k + 1));
                        sqlite3_bind_blob(insert, 6, stamp.data(), 24, SQLITE_TRANSIENT);
                        if (sqlite3_step(insert) != SQLITE_DONE) hsync_bench::check(SQLITE_ERROR, db, "insert");
                        sqlite3_reset(insert);
                    }
                    sqlite3_finalize(insert);
                }));
            }
        }
        std::size_t replaced = 0, kept = 0;
        rows.push_back(compare(
            s, dir, "the same apply against SQLite's session extension (changeset_apply_v2, LWW per row, no log)", count,
            "hsync faster (< 1)", hsync_apply,
            [&](const auto& f) {
                const auto lww = hsync_bench::apply_changesets(f, sets, "tag", "hsync_clock_canonical_name", s.full);
                replaced = lww.replaced;
                kept = lww.kept;
            },
            start));
        // The baseline must do the work: every stale row kept, none of the others in conflict.
        if (kept != stale || replaced != 0) {
            throw std::runtime_error("session baseline: " + std::to_string(kept) + " rows kept and " + std::to_string(replaced) +
                                     " replaced; expected " + std::to_string(stale) + " and 0");
        }
    }
    // 6. throughput against batch size: shared records committed in transactions of
    // 1 to 10,000 records (the chart of docs/benchmarks.md)
    std::vector<std::pair<std::size_t, row>> sweep;
    if (s.wants("sweep")) {
        const std::size_t count = n(20'000);
        std::vector<photos::Tag> tags;
        for (std::size_t i = 0; i < count; ++i) tags.push_back(tag_number(i));
        for (const std::size_t batch : std::initializer_list<std::size_t>{1, 10, 100, 1000, 10'000}) {
            const auto total = std::max(batch, count / batch * batch);
            while (tags.size() < total) tags.push_back(tag_number(tags.size()));
            const std::span<const photos::Tag> all(tags.data(), total);
            sweep.emplace_back(batch, compare(
                s, dir, "batch of " + std::to_string(batch), total, "",
                [&](const auto& f) {
                    seed_library lib(f, me, lib_options(s));
                    for (std::size_t i = 0; i < total; i += batch) lib.commit_batch(all.subspan(i, batch));
                },
                [&](const auto& f) {
                    baseline_db b(f, s);
                    shared_commit_baseline w(b);
                    for (std::size_t i = 0; i < total; i += batch) {
                        SQLite::Transaction tx(b.db, SQLite::TransactionBehavior::IMMEDIATE);
                        for (const auto& t : all.subspan(i, batch)) w.write(t);
                        tx.commit();
                    }
                }));
        }
    }

    // 5. wire bytes per change: a batch of shared changes against the raw field values
    std::size_t wire = 0, raw = 0, wire_compressed = 0;
    double compress_s = 0, decompress_s = 0, decode_s = 0;
    {
        std::vector<hsync::shared_entry> entries;
        for (std::size_t i = 0; i < 1000; ++i) {
            const auto t = tag_number(i);
            entries.push_back(hsync::shared_entry{hsync::hlc{1'700'000'000'000, static_cast<std::uint16_t>(i), me.device_id},
                                                  "tag", t.uuid, hsync::change_type::insert, hsync::detail::pack_all(t)});
            raw += 16 + t.canonical_name.size() + t.color->size() + sizeof t.search_weight;  // id and the values set
        }
        const auto body = hsync::sync::encode(hsync::sync::shared_change_batch{entries, {0, 1000, 0, 1}});
        wire = hsync::net::frame(body).size();
        // The same batch compressed, and what compressing and decompressing it costs.
        const int reps = 200;
        std::vector<std::uint8_t> packed;
        compress_s = seconds_of([&] {
            for (int i = 0; i < reps; ++i) packed = hsync::sync::compress(body);
        }) / reps;
        wire_compressed = hsync::net::frame(packed).size();
        decompress_s = seconds_of([&] {
            for (int i = 0; i < reps; ++i) {
                if (!hsync::sync::decode(packed)) throw std::runtime_error("a compressed batch did not decode");
            }
        }) / reps;
        decode_s = seconds_of([&] {
            for (int i = 0; i < reps; ++i) {
                if (!hsync::sync::decode(body)) throw std::runtime_error("a batch did not decode");
            }
        }) / reps;
    }

    std::printf("| workload | rows | hsync (s) | baseline (s) | ratio | hsync rows/s | bytes written per row, hsync / baseline | goal |\n"
                "|---|---|---|---|---|---|---|---|\n");
    for (const auto& r : rows) {
        std::printf("| %s | %zu | %.3f | %.3f | %.2f | %.0f | %.0f / %.0f | %s |\n", r.workload.c_str(), r.rows, r.hsync_s,
                    r.baseline_s, r.hsync_s / r.baseline_s, double(r.rows) / r.hsync_s, r.hsync_bytes, r.baseline_bytes,
                    r.goal.c_str());
    }
    std::printf("| wire bytes per shared change (MessagePack, batch of 1000) | 1000 | %.1f B | %.1f B raw values | %.2f | | <= 1.30 |\n",
                double(wire) / 1000, double(raw) / 1000, double(wire) / double(raw));
    std::printf("| the same, compressed (zstd level 1): %.2f us per change to compress, decoding %.2f us per change against %.2f "
                "uncompressed | 1000 | %.1f B | %.1f B raw values | %.2f | | |\n",
                compress_s * 1e6 / 1000, decompress_s * 1e6 / 1000, decode_s * 1e6 / 1000, double(wire_compressed) / 1000,
                double(raw) / 1000, double(wire_compressed) / double(raw));
    std::printf("\nsynchronous = %s, %d runs each (median), alternating\n", s.full ? "FULL" : "NORMAL", s.runs);
    std::printf("\nShared records committed in transactions of different sizes (rows per second):\n\n"
                "| records per transaction | rows | hsync rows/s | baseline rows/s | ratio |\n|---|---|---|---|---|\n");
    for (const auto& [batch, r] : sweep) {
        std::printf("| %zu | %zu | %.0f | %.0f | %.2f |\n", batch, r.rows, double(r.rows) / r.hsync_s,
                    double(r.rows) / r.baseline_s, r.hsync_s / r.baseline_s);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "hsync_bench: %s\n", e.what());
    return 1;
}
