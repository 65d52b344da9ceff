#pragma once
// hsync::testing::simulate<Library>(options): N devices, each a real library file and a
// real sync engine, on an in-memory network and a virtual clock, in one thread, driven
// by one seed. A random workload commits, updates and deletes records of every model of
// the library on every device while faults are injected — message loss, duplication,
// reordering and delay, partitions, crashes and restarts, clock skew and steps, a clock
// beyond the allowed drift — with intensities drawn per seed. Then the faults stop, the
// devices heal, and the invariants are checked. The same seed gives the same run, and
// the same trace hash. See docs/testing.md.
//
// simulate<Library, Upgraded>(options) adds the *upgrade* fault: devices restart on the
// next version of the models in the middle of the run (an application update reaching
// them one by one), and a device joining late runs it from the start.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/for_each.hpp>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/model/json.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/options.hpp>
#include <hsync/store/replica.hpp>
#include <hsync/sync/codec.hpp>
#include <hsync/sync/engine.hpp>
#include <hsync/testing/random.hpp>
#include <hsync/testing/random_model.hpp>
#include <hsync/testing/sim_options.hpp>
#include <hsync/testing/detail/engine_port.hpp>
#include <hsync/testing/detail/oracle.hpp>

namespace hsync::testing {

using sync::millis;

namespace detail {

inline constexpr std::int64_t far_ahead_ms = 10 * 60 * 1000;  // beyond the 5-minute drift

template <class Library, class Upgraded = Library>
class simulator {
    static constexpr bool upgrades = !std::is_same_v<Library, Upgraded>;

public:
    explicit simulator(sim_options options) : options_(std::move(options)), rng_(options_.seed) {
        result_.seed = options_.seed;
        if (options_.devices < 2) throw error(errc::invalid_change, "hsync: the simulator needs at least 2 devices");
        if (options_.faults) draw_faults();
        owned_dir_ = options_.dir.empty();
        dir_ = owned_dir_ ? std::filesystem::temp_directory_path() /
                                ("hsync-sim-" + std::to_string(options_.seed) + "-" + uuid::v4().to_string())
                          : options_.dir;
        std::filesystem::create_directories(dir_);
        library_id_ = uuid::v4(rng_);
        for (std::size_t i = 0; i < options_.devices; ++i) {
            auto d = std::make_unique<device>();
            d->index = i;
            d->name = std::string(1, static_cast<char>('A' + i));
            d->id = uuid::v4(rng_);
            d->file = dir_ / (d->name + ".db");
            if (result_.faults.max_skew > 0) d->skew = rng_.between(-result_.faults.max_skew, result_.faults.max_skew);
            devices_.push_back(std::move(d));
        }
        // One device may join late, when the others already hold data.
        if (options_.devices > 2 && rng_.chance(0.5)) {
            devices_.back()->join_at = options_.steps / 4 + rng_.below(options_.steps / 2 + 1);
        }
        if (result_.faults.beyond_drift) {
            far_device_ = rng_.below(options_.devices);
            far_from_ = rng_.below(options_.steps / 2 + 1);
            far_until_ = far_from_ + options_.steps / 4;
        }
        if constexpr (upgrades) plan_upgrades();
    }

    ~simulator() {
        for (auto& d : devices_) close(*d);
        if (owned_dir_) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    sim_result run() {
        note("seed " + std::to_string(options_.seed) + ": " + std::to_string(options_.devices) + " devices; " +
             (options_.faults ? result_.faults.describe(1000.0 / double(options_.step.count())) : std::string("no faults")));
        for (auto& d : devices_) {
            if (d->join_at == 0) start(*d);
        }
        for (std::size_t s = 0; s < options_.steps; ++s) {
            now_ += options_.step;
            for (auto& d : devices_) {
                if (!d->started && d->join_at == s) start(*d);
            }
            if constexpr (upgrades) upgrade_due(s);
            if (options_.faults) inject_faults(s);
            workload();
            network_step();
            check_clocks();
        }
        heal();
        const millis healed_at = now_;
        bool converged = false;
        while (now_ - healed_at <= options_.heal_limit) {
            for (int i = 0; i < 20; ++i) {
                now_ += options_.step;
                network_step();
                check_clocks();
            }
            if (in_step()) {
                converged = true;
                break;
            }
        }
        if (converged) {
            result_.convergence = now_ - healed_at;
            note("converged " + std::to_string(result_.convergence.count()) + " ms after healing");
            // A little longer, for the last acknowledgements to arrive and prune.
            for (int i = 0; i < 400; ++i) {
                now_ += options_.step;
                network_step();
            }
            check_contents();
            check_pruning();
            if constexpr (upgrades) check_relays();
        } else {
            fail("no convergence within " + std::to_string(options_.heal_limit.count()) + " ms after healing: " +
                 divergence());
        }
        result_.trace_hash = hash_.value;
        return std::move(result_);
    }

private:
    struct device {
        std::size_t index = 0;
        std::string name;
        uuid id;
        std::filesystem::path file;
        std::unique_ptr<Library> lib;       // before its upgrade
        std::unique_ptr<Upgraded> next;     // after it (simulate<Library, Upgraded>)
        std::unique_ptr<engine_port> engine;
        bool upgraded = false;
        std::size_t upgrade_at = no_step;   // the step at which it restarts on the next version
        bool started = false;
        bool alive = false;
        std::size_t join_at = 0;
        std::int64_t skew = 0;        // ms added to the virtual clock for this device
        millis restart_at{};
        std::optional<hlc> last_hlc;  // the newest HLC seen, across restarts
        // Copies the application read earlier and will commit an edit of later (a form
        // left open): by model name, the record as read. Lost in a crash, like the app's.
        std::map<std::string, std::shared_ptr<void>, std::less<>> held;
    };

    static constexpr std::size_t no_step = static_cast<std::size_t>(-1);

    struct link_state {
        bool up = false;
        std::uint64_t generation = 0;
        millis last_frame_a{}, last_frame_b{};  // when each side last received something
        millis retry_at{};
    };

    struct frame {
        std::size_t from, to;
        std::uint64_t generation;
        std::vector<std::uint8_t> body;
    };

    // ---- faults -----------------------------------------------------------------------

    void draw_faults() {
        fault_mix& f = result_.faults;
        auto maybe = [&](double p, double hi) { return rng_.chance(p) ? rng_.unit() * hi : 0.0; };
        f.drop = maybe(0.6, 0.30);
        f.duplicate = maybe(0.5, 0.50);
        f.reorder = maybe(0.5, 0.50);
        f.max_delay = f.reorder > 0 ? rng_.between(10, 500) : 0;
        f.partition = maybe(0.5, 0.004);
        f.asymmetric = f.partition > 0 && rng_.chance(0.5) ? 0.5 : 0.0;
        f.crash = maybe(0.5, 0.002);
        f.max_skew = rng_.chance(0.5) ? rng_.between(0, 2000) : 0;
        f.clock_step = maybe(0.3, 0.002);
        f.beyond_drift = rng_.chance(0.15);
        // The broken rules show only across a restart: make sure some happen.
        if (options_.broken == broken_rule::forget_clock_on_restart || options_.broken == broken_rule::forget_carried_on_restart) {
            f.crash = std::max(f.crash, 0.002);
        }
    }

    void inject_faults(std::size_t s) {
        const fault_mix& f = result_.faults;
        // Partitions heal by themselves after a while.
        std::erase_if(blocked_, [&](const auto& b) {
            if (now_ < b.second) return false;
            note("partition " + name(b.first.first) + "->" + name(b.first.second) + " heals");
            return true;
        });
        if (rng_.chance(f.partition)) {
            const std::size_t a = rng_.below(devices_.size());
            std::size_t b = rng_.below(devices_.size() - 1);
            if (b >= a) ++b;
            const millis until = now_ + millis(rng_.between(200, 5000));
            blocked_[{a, b}] = until;
            const bool one_way = rng_.chance(f.asymmetric);
            if (!one_way) blocked_[{b, a}] = until;
            note("partition " + name(a) + (one_way ? "->" : "<->") + name(b));
        }
        if (rng_.chance(f.crash)) {
            device& d = *devices_[rng_.below(devices_.size())];
            if (d.alive) crash(d, millis(rng_.between(100, 3000)));
        }
        for (auto& d : devices_) {
            if (d->started && !d->alive && now_ >= d->restart_at) restart(*d);
        }
        if (rng_.chance(f.clock_step)) {
            device& d = *devices_[rng_.below(devices_.size())];
            const std::int64_t back = rng_.between(1, 1000);
            d.skew -= back;
            note("clock of " + d.name + " steps back " + std::to_string(back) + " ms");
        }
        if (f.beyond_drift && s == far_from_) {
            devices_[far_device_]->skew += far_ahead_ms;
            note("clock of " + devices_[far_device_]->name + " jumps 10 minutes ahead");
        }
        if (f.beyond_drift && s == far_until_) {
            devices_[far_device_]->skew -= far_ahead_ms;
            note("clock of " + devices_[far_device_]->name + " comes back");
        }
    }

    void heal() {
        note("faults stop; healing");
        blocked_.clear();
        healing_ = true;
        for (auto& d : devices_) {
            if (!d->started) start(*d);
            if (!d->alive) restart(*d);
        }
        if (result_.faults.beyond_drift) {
            // Time passes until the far clock's timestamps are within the drift of everyone.
            now_ += millis(far_ahead_ms);
            note("virtual time jumps 10 minutes");
        }
    }

    bool faults_active() const noexcept { return options_.faults && !healing_; }

    // ---- devices ----------------------------------------------------------------------

    std::string name(std::size_t i) const { return devices_[i]->name; }

    // Half the devices of a run compress every frame they send (to peers that read zstd),
    // so that compressed frames meet every fault; which half depends on the seed.
    bool compresses(const device& d) const {
        return (options_.seed + static_cast<unsigned char>(d.name.back())) % 2 == 1;
    }
    sync::engine_options engine_options_of(const device& d) const {
        sync::engine_options o = options_.engine;
        if (compresses(d)) {
            o.compression = sync::compression::zstd;
            o.compress_min_bytes = 0;
        }
        return o;
    }

    void open(device& d) {
        library_options o;
        o.sync = durability::normal;
        o.library_id = library_id_;
        o.physical = [this, &d] {
            return static_cast<std::uint64_t>(std::max<std::int64_t>(0, epoch_ms + now_.count() + d.skew));
        };
        if constexpr (upgrades) {
            if (d.upgraded) {
                d.next = std::make_unique<Upgraded>(d.file, identity{d.id}, o);
                d.engine = std::make_unique<engine_port_of<Upgraded>>(*d.next, engine_options_of(d));
                d.alive = true;
                return;
            }
        }
        d.lib = std::make_unique<Library>(d.file, identity{d.id}, o);
        d.engine = std::make_unique<engine_port_of<Library>>(*d.lib, engine_options_of(d));
        d.alive = true;
    }

    void close(device& d) {
        d.engine.reset();
        d.lib.reset();
        d.next.reset();
    }

    // f(the device's library), of whichever version of the models it runs.
    template <class F>
    decltype(auto) with_library(device& d, F&& f) {
        if constexpr (upgrades) {
            if (d.upgraded) return f(*d.next);
        }
        return f(*d.lib);
    }

    void start(device& d) {
        open(d);
        d.started = true;
        with_library(d, [&](auto& lib) {
            for (auto& other : devices_) {
                if (other.get() != &d) replica(lib).pair(other->id);
            }
        });
        note(d.name + " starts" + (compresses(d) ? " (compresses its frames)" : "") +
             (d.upgraded ? " on the next version of the models" : ""));
    }

    void crash(device& d, millis down_for) {
        for (std::size_t j = 0; j < devices_.size(); ++j) {
            if (j != d.index) link_down(d.index, j, "crash");
        }
        close(d);
        d.held.clear();
        d.alive = false;
        d.restart_at = now_ + down_for;
        ++result_.crashes;
        note(d.name + " crashes");
    }

    void restart(device& d) {
        if (options_.broken == broken_rule::forget_clock_on_restart) {
            forget_clock(d);
            d.skew -= 60'000;
        }
        if (options_.broken == broken_rule::forget_carried_on_restart && !d.upgraded) {
            SQLite::Database db(d.file.string(), SQLite::OPEN_READWRITE);
            db.exec("DELETE FROM hsync_carried");
        }
        open(d);
        note(d.name + " restarts");
    }

    // Which devices an application update reaches, and when: some of those that start
    // with the others, at a step of the fault phase, and a device that joins late runs
    // the next version from the start. At least one device is updated and one is not.
    void plan_upgrades() {
        std::size_t planned = 0;
        for (auto& d : devices_) {
            if (d->join_at > 0) {
                d->upgraded = true;
            } else if (d->index > 0 && rng_.chance(0.6)) {
                d->upgrade_at = options_.steps / 8 + rng_.below(options_.steps * 3 / 4 + 1);
                ++planned;
            }
        }
        if (planned == 0 && devices_.back()->join_at == 0) devices_.back()->upgrade_at = options_.steps / 2;
    }

    // The update reaches a device: it stops and starts again on the next version of the
    // models, from the same file (a device that is down at the time comes back on it).
    void upgrade_due(std::size_t s) {
        for (auto& d : devices_) {
            if (d->upgrade_at != s || d->upgraded) continue;
            if (d->alive) crash(*d, millis(rng_.between(50, 1000)));
            d->upgraded = true;
            note(d->name + " is updated to the next version of the models");
        }
    }

    void forget_clock(device& d) {
        SQLite::Database db(d.file.string(), SQLite::OPEN_READWRITE);
        db.exec("DELETE FROM hsync_meta WHERE key = 'hlc'");
    }

    // ---- the network ------------------------------------------------------------------

    static std::pair<std::size_t, std::size_t> key(std::size_t a, std::size_t b) { return std::minmax(a, b); }

    bool blocked(std::size_t from, std::size_t to) const { return blocked_.count({from, to}) != 0; }

    void link_down(std::size_t a, std::size_t b, const std::string& why) {
        auto& l = links_[key(a, b)];
        if (!l.up) return;
        l.up = false;
        l.retry_at = now_ + millis(rng_.between(50, 500));
        if (devices_[a]->engine) devices_[a]->engine->disconnect(devices_[b]->id, now_);
        if (devices_[b]->engine) devices_[b]->engine->disconnect(devices_[a]->id, now_);
        note("link " + name(a) + "-" + name(b) + " down (" + why + ")");
    }

    void link_up(std::size_t a, std::size_t b) {
        auto& l = links_[key(a, b)];
        l.up = true;
        ++l.generation;
        l.last_frame_a = l.last_frame_b = now_;
        devices_[a]->engine->connect(devices_[b]->id, now_);
        devices_[b]->engine->connect(devices_[a]->id, now_);
        note("link " + name(a) + "-" + name(b) + " up");
    }

    // Connections as a transport keeps them: dropped when silent for two seconds,
    // redialed when both ends run and a handshake can cross both ways.
    void maintain_links() {
        for (std::size_t a = 0; a < devices_.size(); ++a) {
            for (std::size_t b = a + 1; b < devices_.size(); ++b) {
                auto& l = links_[{a, b}];
                const bool both = devices_[a]->alive && devices_[b]->alive;
                if (l.up && (now_ - l.last_frame_a > millis(2000) || now_ - l.last_frame_b > millis(2000))) {
                    link_down(a, b, "silent");
                } else if (!l.up && both && now_ >= l.retry_at) {
                    if (blocked(a, b) || blocked(b, a)) l.retry_at = now_ + millis(500);
                    else link_up(a, b);
                }
            }
        }
    }

    void network_step() {
        maintain_links();
        for (auto& d : devices_) {
            if (!d->alive) continue;
            d->engine->tick(now_);
            collect(*d);
        }
        deliver();
    }

    std::size_t index_of(const uuid& id) const {
        for (const auto& d : devices_) {
            if (d->id == id) return d->index;
        }
        return devices_.size();
    }

    // Takes what a device's engine produced and puts it on the wire, with the faults.
    void collect(device& d) {
        for (auto& c : d.engine->take_closes()) {
            const std::size_t j = index_of(c.peer);
            if (j < devices_.size()) link_down(d.index, j, "closed by " + d.name + ": " + c.reason);
        }
        for (auto& out : d.engine->take_output()) {
            const std::size_t to = index_of(out.peer);
            if (to >= devices_.size()) continue;
            const auto& l = links_[key(d.index, to)];
            if (!l.up) continue;
            std::vector<std::uint8_t> body = std::move(out.body);
            const fault_mix& f = result_.faults;
            const bool faulty = faults_active();
            if (faulty && (blocked(d.index, to) || rng_.chance(f.drop))) {
                trace_frame("lost", d.index, to, body);
                continue;
            }
            const int copies = faulty && rng_.chance(f.duplicate) ? 2 : 1;
            for (int k = 0; k < copies; ++k) {
                millis at = now_ + options_.step;
                if (faulty && rng_.chance(f.reorder)) at += millis(rng_.between(0, f.max_delay));
                in_flight_.emplace(std::pair{at, next_order_++}, frame{d.index, to, l.generation, body});
            }
        }
    }

    void deliver() {
        while (!in_flight_.empty() && in_flight_.begin()->first.first <= now_) {
            frame f = std::move(in_flight_.begin()->second);
            in_flight_.erase(in_flight_.begin());
            auto& l = links_[key(f.from, f.to)];
            device& to = *devices_[f.to];
            // A frame of a connection that has gone is gone with it.
            if (!l.up || l.generation != f.generation || !to.alive) continue;
            (f.to < f.from ? l.last_frame_a : l.last_frame_b) = now_;
            trace_frame("deliver", f.from, f.to, f.body);
            ++result_.messages;
            to.engine->receive(devices_[f.from]->id, f.body, now_);
            collect(to);
        }
    }

    // ---- the workload -----------------------------------------------------------------

    const std::vector<uuid>& known(std::string_view model) { return known_[std::string(model)]; }

    void workload();

    template <class Lib>
    static std::size_t model_count();

    template <class M>
    static std::optional<uuid> owner_in(const M& m);

    template <class M>
    static void set_owner(M& m, const std::optional<uuid>& owner);

    // One random write of model M on device d: a new record, an update of some fields of
    // a known one this device may write, an edit of a copy read some time earlier, or a
    // delete.
    template <class M, class Lib>
    void write(device& d, Lib& lib);

    template <class M, class Lib>
    void commit(device& d, Lib& lib, const M& m, const std::optional<M>& before);

    // The application edits 1-2 fields of a copy it read earlier and commits it. What the
    // writes that returned make of the record: the fields it changed take this commit's
    // HLC where they differ from the device's row (shared), or are the owner's new state
    // on top of its row (device-owned); the fields it did not change are not written.
    template <class M, class Lib>
    void commit_edit_of(device& d, Lib& lib, const M& read);

    void after_commit(device& d, const std::string& what);

    // ---- checks -----------------------------------------------------------------------

    void fail(const std::string& what);

    // 4: no device's clock ever goes backwards, across restarts too.
    void check_clocks();

    // What a device holds of every model, synced fields only, in record id order. With
    // `common`, only the models and fields both versions of the models have.
    std::string view_of(device& d, bool common);

    bool in_step();

    std::string divergence();

    // 1-3: every device holds the same data (checked by in_step), and that data is what
    // the writes that returned make of it: each shared field the value of its newest
    // write, each device-owned record its owner's last write, every deleted record gone.
    void check_contents();

    // What a device holds against the oracle: every record of its models, each field it
    // knows. `models`, when given, limits the check to models of those names.
    void check_device(device& d, const std::set<std::string>* models = nullptr);

    // With the upgrade fault: no value of a field some device does not know is lost. A
    // device still on the old version kept what it could not read: a new device on the
    // next version, paired with it alone, receives everything from it as the oracle says.
    void check_relays();

    // 5: once every paired peer has acknowledged an entry, it is pruned.
    void check_pruning();

    // ---- the trace --------------------------------------------------------------------

    void note(const std::string& line) {
        const std::string stamped = std::to_string(now_.count()) + " " + line;
        hash_.add(stamped);
        if (options_.trace) result_.trace += stamped + "\n";
    }

    void trace_frame(const char* what, std::size_t from, std::size_t to, const std::vector<std::uint8_t>& body) {
        hash_.add(&now_, sizeof now_);
        hash_.add(what, std::char_traits<char>::length(what));
        hash_.add(&from, sizeof from);
        hash_.add(&to, sizeof to);
        hash_.add(body.data(), body.size());
        if (!options_.trace) return;
        const auto decoded = sync::decode(body, options_.engine.wire, options_.engine.limits);
        const std::string kind = decoded ? std::string(sync::name_of(decoded.value())) : "undecodable";
        result_.trace += std::to_string(now_.count()) + " " + what + " " + name(from) + "->" + name(to) + " " + kind + " (" +
                         std::to_string(body.size()) + " bytes)\n";
    }

    static constexpr std::int64_t epoch_ms = 1'700'000'000'000;  // virtual time 0

    sim_options options_;
    sim_random rng_;
    sim_result result_;
    bool owned_dir_ = false;
    std::filesystem::path dir_;
    uuid library_id_;
    std::vector<std::unique_ptr<device>> devices_;
    std::map<std::pair<std::size_t, std::size_t>, link_state> links_;
    std::map<std::pair<std::size_t, std::size_t>, millis> blocked_;  // (from, to) until
    std::map<std::pair<millis, std::uint64_t>, frame> in_flight_;
    std::uint64_t next_order_ = 0;
    millis now_{0};
    bool healing_ = false;
    std::size_t far_device_ = 0, far_from_ = 0, far_until_ = 0;
    std::map<std::string, std::vector<uuid>> known_;
    std::map<std::pair<std::string, uuid>, record_oracle> oracle_;
    trace_hasher hash_;
};

}  // namespace detail

// Runs one seed; never throws for a failed check (they are in the result's failures).
// With Upgraded, devices are updated to those models during the run.
template <class Library, class Upgraded = Library>
sim_result simulate(const sim_options& options) {
    detail::simulator<Library, Upgraded> sim(options);
    return sim.run();
}

}  // namespace hsync::testing

// The definitions of the workload and of the checks, in files of their own.
#include <hsync/testing/detail/sim_checks.hpp>
#include <hsync/testing/detail/sim_workload.hpp>
