// Property: applying the same set of changes in any order, any number of times, gives the
// same rows (ARCHITECTURE.md invariant 2). Changes come from real commits on three
// devices that partly see each other's work, so concurrent edits of the same shared
// records, deletes racing edits, and device-owned updates are all in the mix.
//
// HSYNC_PROPERTY_CASES (default 200) and HSYNC_PROPERTY_SEED (default 1) choose the
// cases; a failure prints its seed, and HSYNC_PROPERTY_CASES=1 HSYNC_PROPERTY_SEED=<seed>
// replays it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <variant>

#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;
using namespace photos;

namespace {

using message = std::variant<hsync::state_record, hsync::shared_entry>;

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v ? std::strtoull(v, nullptr, 10) : fallback;
}

hsync::library_options fast_options() {
    hsync::library_options o;
    o.sync = hsync::durability::normal;  // the property is about logic, not fsync
    return o;
}

struct device {
    hsync::identity id{hsync::uuid::v4()};
    std::unique_ptr<seed_library> lib;
    std::size_t delivered = 0;  // how much of the pool it has seen
};

void apply_one(seed_library& lib, const message& m) {
    std::visit([&](const auto& item) { apply_remote(lib, item); }, m);
}

// Applies messages in batches of random length (consecutive messages of one kind).
void apply_in_batches(seed_library& lib, const std::vector<message>& messages, std::mt19937_64& rng) {
    std::size_t i = 0;
    while (i < messages.size()) {
        std::size_t n = 1 + rng() % 6;
        std::size_t j = i + 1;
        while (j < messages.size() && j - i < n && messages[j].index() == messages[i].index()) ++j;
        if (messages[i].index() == 0) {
            std::vector<hsync::state_record> batch;
            for (std::size_t k = i; k < j; ++k) batch.push_back(std::get<0>(messages[k]));
            hsync::replica(lib).apply_states(std::span<const hsync::state_record>(batch));
        } else {
            std::vector<hsync::shared_entry> batch;
            for (std::size_t k = i; k < j; ++k) batch.push_back(std::get<1>(messages[k]));
            hsync::replica(lib).apply_shared_changes(std::span<const hsync::shared_entry>(batch));
        }
        i = j;
    }
}

template <class M>
std::optional<M> pick(seed_library& lib, std::mt19937_64& rng) {
    auto all = lib.all<M>();
    if (all.empty()) return std::nullopt;
    return all[rng() % all.size()];
}

void random_op(device& d, std::mt19937_64& rng) {
    seed_library& lib = *d.lib;
    const hsync::owner_id me{d.id.device_id};
    switch (rng() % 10) {
        case 0: lib.commit(make_tag("tag" + std::to_string(rng() % 100))); break;
        case 1:
        case 2:
            if (auto t = pick<Tag>(lib, rng)) {
                if (rng() % 2) t->color = "c" + std::to_string(rng() % 5);
                if (rng() % 2) t->search_weight = static_cast<std::int32_t>(rng() % 50);
                if (rng() % 3 == 0) t->display_name = std::nullopt;
                else t->display_name = "d" + std::to_string(rng() % 5);
                lib.commit(*t);
            }
            break;
        case 3:
            if (auto t = pick<Tag>(lib, rng); t && rng() % 3 == 0) lib.remove<Tag>(t->uuid);
            break;
        case 4: {
            Album a;
            a.uuid = hsync::record_id::generate();
            a.name = "album" + std::to_string(rng() % 10);
            if (auto e = pick<Entry>(lib, rng)) a.cover = e->uuid;
            lib.commit(a);
            break;
        }
        case 5: {
            auto own = lib.query<Location>("WHERE device = ?", d.id.device_id);
            if (own.empty() || rng() % 4 == 0) {
                lib.commit(make_location(d.id.device_id, "/loc" + std::to_string(rng() % 100)));
            } else {
                Location l = own[rng() % own.size()];
                l.total_file_count += 1;
                l.name = "n" + std::to_string(rng() % 7);
                lib.commit(l);
            }
            break;
        }
        case 6: {
            auto own = lib.query<Location>("WHERE device = ?", d.id.device_id);
            if (own.empty()) break;
            Entry e;
            e.uuid = hsync::record_id::generate();
            e.device = me;
            e.location = own[rng() % own.size()].uuid;
            e.name = "file" + std::to_string(rng() % 100);
            e.size = rng() % 100000;
            e.content_hash = std::vector<std::byte>{std::byte(rng() % 256), std::byte(rng() % 256)};
            lib.commit(e);
            break;
        }
        case 7: {
            auto own = lib.query<Entry>("WHERE device = ?", d.id.device_id);
            if (own.empty()) break;
            Entry e = own[rng() % own.size()];
            if (rng() % 3 == 0) {
                lib.remove<Entry>(e.uuid);
            } else {
                e.size += 1;
                lib.commit(e);
            }
            break;
        }
        case 8: {
            UserMetadata m;
            m.uuid = hsync::record_id::generate();
            if (rng() % 2) m.device = me;
            m.notes = "note" + std::to_string(rng() % 10);
            lib.commit(m);
            break;
        }
        default:
            if (auto m = pick<UserMetadata>(lib, rng)) {
                if (m->device && m->device->value != d.id.device_id) break;  // someone else's
                m->favorite = !m->favorite;
                m->rating = static_cast<std::int8_t>(rng() % 5);
                lib.commit(*m);
            }
            break;
    }
}

void run_case(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    temp_dir dir;
    std::vector<message> pool;
    std::array<device, 3> devices;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        devices[i].lib = std::make_unique<seed_library>(dir / ("source" + std::to_string(i) + ".db"), devices[i].id,
                                                        fast_options());
        hsync::replica(*devices[i].lib).attach([&pool](const hsync::outgoing_changes& o) {
            for (const auto& b : o.states) pool.insert(pool.end(), b.records.begin(), b.records.end());
            for (const auto& b : o.shared) pool.insert(pool.end(), b.entries.begin(), b.entries.end());
        });
    }
    auto catch_up = [&](device& d, std::size_t upto) {
        for (; d.delivered < upto; ++d.delivered) apply_one(*d.lib, pool[d.delivered]);
    };

    const int ops = 20 + static_cast<int>(rng() % 30);
    for (int op = 0; op < ops; ++op) {
        device& d = devices[rng() % devices.size()];
        // Sometimes a device first learns part of what the others did, so that later
        // edits are made on top of them (and concurrently with the rest).
        if (rng() % 3 == 0) catch_up(d, d.delivered + rng() % (pool.size() - d.delivered + 1));
        random_op(d, rng);
    }
    INFO("seed " << seed << ", " << pool.size() << " changes");

    std::vector<std::string> dumps;
    for (int order = 0; order < 3; ++order) {
        std::vector<message> shuffled = pool;
        const std::size_t dups = shuffled.size() / 5 + 1;
        for (std::size_t k = 0; k < dups && !pool.empty(); ++k) shuffled.push_back(pool[rng() % pool.size()]);
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        const auto file = dir / ("target" + std::to_string(order) + ".db");
        {
            seed_library target(file, hsync::identity{hsync::uuid::v4()}, fast_options());
            if (order == 0) {
                for (const auto& m : shuffled) apply_one(target, m);
            } else {
                apply_in_batches(target, shuffled, rng);
            }
            apply_in_batches(target, pool, rng);  // everything once more: still the same
        }
        dumps.push_back(dump_library(file));
    }
    REQUIRE(dumps[0] == dumps[1]);
    REQUIRE(dumps[0] == dumps[2]);

    // The sources converge to the same state once each has seen everything.
    for (std::size_t i = 0; i < devices.size(); ++i) {
        catch_up(devices[i], pool.size());
        devices[i].lib.reset();
        INFO("source " << i);
        REQUIRE(dump_library(dir / ("source" + std::to_string(i) + ".db")) == dumps[0]);
    }
}

}  // namespace

TEST_CASE("apply is idempotent and order-independent", "[property]") {
    const std::uint64_t cases = env_or("HSYNC_PROPERTY_CASES", 200);
    const std::uint64_t first = env_or("HSYNC_PROPERTY_SEED", 1);
    for (std::uint64_t seed = first; seed < first + cases; ++seed) run_case(seed);
}
