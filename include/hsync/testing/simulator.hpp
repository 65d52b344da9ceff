#pragma once
// hsync::testing::simulate<Library>(options): N devices, each a real library file and a
// real sync engine, on an in-memory network and a virtual clock, in one thread, driven
// by one seed. A random workload commits, updates and deletes records of every model of
// the library on every device while faults are injected — message loss, duplication,
// reordering and delay, partitions, crashes and restarts, clock skew and steps, a clock
// beyond the allowed drift — with intensities drawn per seed. Then the faults stop, the
// devices heal, and the invariants are checked. The same seed gives the same run, and
// the same trace hash. See docs/testing.md.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
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

namespace hsync::testing {

using sync::millis;

// A rule broken on purpose, to show that the simulator catches it (never in production).
enum class broken_rule {
    none,
    // A restarted device forgets its persisted clock, and its physical clock has stepped
    // back: its HLC goes backwards and older writes can win.
    forget_clock_on_restart,
    // The application's copies lose the version they were read from (as if the library
    // diffed a commit against the stored row): an edit of an old copy writes back the
    // fields it did not touch, undoing later writes.
    copies_forget_their_read,
};

// How hard each fault hits in one run; drawn from the seed ("swarm" testing: each run
// stresses a different mix).
struct fault_mix {
    double drop = 0;             // per message, 0 to 0.30
    double duplicate = 0;        // per message, 0 to 0.50
    double reorder = 0;          // per message: an extra random delay, 0 to 0.50
    std::int64_t max_delay = 0;  // ms of that extra delay
    double partition = 0;        // per step: a partition starts
    double asymmetric = 0;       // share of partitions that cut one direction only
    double crash = 0;            // per step: a device crashes
    std::int64_t max_skew = 0;   // ms of clock skew per device, either way (within the drift)
    double clock_step = 0;       // per step: a device's clock steps back by up to a second
    bool beyond_drift = false;   // one device's clock runs 10 minutes ahead for a while

    // `steps_per_second` turns the per-step rates into rates per second of virtual time.
    std::string describe(double steps_per_second = 200) const {
        auto pct = [](double p) { return std::to_string(static_cast<int>(p * 100 + 0.5)) + "%"; };
        auto per_s = [&](double p) {
            const double r = p * steps_per_second;
            return std::to_string(static_cast<int>(r)) + "." + std::to_string(static_cast<int>(r * 10) % 10) + "/s";
        };
        return "drop " + pct(drop) + ", duplicate " + pct(duplicate) + ", reorder " + pct(reorder) + " (up to " +
               std::to_string(max_delay) + " ms), partitions " + per_s(partition) + (asymmetric > 0 ? " (some one-way)" : "") +
               ", crashes " + per_s(crash) + ", skew up to " + std::to_string(max_skew) + " ms, clock steps back " +
               per_s(clock_step) + (beyond_drift ? ", a clock beyond the drift" : "");
    }
};

struct sim_options {
    std::uint64_t seed = 1;
    std::size_t devices = 3;
    std::size_t steps = 2000;            // steps of the fault phase
    millis step{5};                      // virtual time per step
    double commit_rate = 0.04;           // per device per step: a commit, an update or a delete
    millis heal_limit{120'000};          // convergence must come within this after the faults stop
    bool trace = false;                  // keep a readable trace (the hash is always computed)
    bool faults = true;                  // false: the same workload on a perfect network
    broken_rule broken = broken_rule::none;
    std::filesystem::path dir;           // where the library files go; a fresh temporary folder if empty
    sync::engine_options engine = default_engine_options();

    static sync::engine_options default_engine_options() {
        sync::engine_options o;
        o.heartbeat_interval = millis(200);
        o.response_timeout = millis(2000);
        o.retry_base = millis(50);
        o.retry_max = millis(2000);
        o.page_size = 64;  // small pages: paging and checkpoints get exercised
        return o;
    }
};

struct sim_result {
    std::uint64_t seed = 0;
    fault_mix faults;
    std::vector<std::string> failures;  // empty when every check passed
    millis convergence{-1};             // virtual time from the end of the faults to convergence
    std::uint64_t messages = 0;         // frames delivered
    std::uint64_t commits = 0;          // local writes that returned
    std::uint64_t refused_commits = 0;  // local writes refused (a record deleted meanwhile, say)
    std::uint64_t copy_edits = 0;       // commits of an edit of a copy read earlier (that returned)
    std::uint64_t crashes = 0;
    std::uint64_t trace_hash = 0;
    std::string trace;                  // when sim_options::trace

    bool ok() const noexcept { return failures.empty(); }
};

namespace detail {

inline constexpr std::int64_t far_ahead_ms = 10 * 60 * 1000;  // beyond the 5-minute drift

// FNV-1a, 64-bit: the trace hash.
struct trace_hasher {
    std::uint64_t value = 0xcbf29ce484222325ULL;
    void add(const void* data, std::size_t n) noexcept {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) value = (value ^ p[i]) * 0x100000001b3ULL;
    }
    void add(const std::string& s) noexcept { add(s.data(), s.size()); }
};

template <class Library>
class simulator {
    using engine_type = sync::engine<Library>;

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
    }

    ~simulator() {
        for (auto& d : devices_) {
            d->engine.reset();
            d->lib.reset();
        }
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
        std::unique_ptr<Library> lib;
        std::unique_ptr<engine_type> engine;
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
        // The broken clock shows only across a restart: make sure some happen.
        if (options_.broken == broken_rule::forget_clock_on_restart) f.crash = std::max(f.crash, 0.002);
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

    void open(device& d) {
        library_options o;
        o.sync = durability::normal;
        o.library_id = library_id_;
        o.physical = [this, &d] {
            return static_cast<std::uint64_t>(std::max<std::int64_t>(0, epoch_ms + now_.count() + d.skew));
        };
        d.lib = std::make_unique<Library>(d.file, identity{d.id}, o);
        d.engine = std::make_unique<engine_type>(*d.lib, options_.engine);
        d.alive = true;
    }

    void start(device& d) {
        open(d);
        d.started = true;
        for (auto& other : devices_) {
            if (other.get() != &d) replica(*d.lib).pair(other->id);
        }
        note(d.name + " starts");
    }

    void crash(device& d, millis down_for) {
        for (std::size_t j = 0; j < devices_.size(); ++j) {
            if (j != d.index) link_down(d.index, j, "crash");
        }
        d.engine.reset();
        d.lib.reset();
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
        open(d);
        note(d.name + " restarts");
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

    void workload() {
        for (auto& d : devices_) {
            if (!d->alive || !rng_.chance(options_.commit_rate)) continue;
            const std::size_t pick = rng_.below(model_count());
            std::size_t i = 0;
            boost::hana::for_each(Library::model_types(), [&](auto t) {
                if (i++ == pick) write<typename decltype(t)::type>(*d);
            });
        }
    }

    static std::size_t model_count() {
        std::size_t n = 0;
        boost::hana::for_each(Library::model_types(), [&](auto) { ++n; });
        return n;
    }

    template <class M>
    static std::optional<uuid> owner_in(const M& m) {
        using traits = model_traits<M>;
        if constexpr (traits::has_owner) {
            const auto& field = hsync::detail::get_field<traits::owner_index>(const_cast<M&>(m));
            if constexpr (is_optional_v<std::remove_cvref_t<decltype(field)>>) {
                if (!field) return std::nullopt;
                return field->value;
            } else {
                return field.value;
            }
        } else {
            return std::nullopt;
        }
    }

    template <class M>
    static void set_owner(M& m, const std::optional<uuid>& owner) {
        using traits = model_traits<M>;
        if constexpr (traits::has_owner) {
            auto& field = hsync::detail::get_field<traits::owner_index>(m);
            if constexpr (is_optional_v<std::remove_cvref_t<decltype(field)>>) {
                if (owner) field = owner_id{*owner};
                else field.reset();
            } else {
                field = owner_id{*owner};
            }
        }
    }

    // One random write of model M on device d: a new record, an update of some fields of
    // a known one this device may write, an edit of a copy read some time earlier, or a
    // delete.
    template <class M>
    void write(device& d) {
        using traits = model_traits<M>;
        const std::string model(traits::name);
        auto& ids = known_[model];
        const std::uint64_t op = rng_.below(100);
        const known_records lookup = [this](std::string_view m) -> const std::vector<uuid>& { return known(m); };
        // Records this device may write: shared ones, and its own.
        std::vector<uuid> writable;
        for (const auto& id : ids) {
            const auto& o = oracle_[{model, id}];
            if (!o.owner || *o.owner == d.id) writable.push_back(id);
        }
        try {
            if (op < 50 || writable.empty()) {
                M m{};
                hsync::detail::get_field<traits::id_index>(m) = record_id{uuid::v4(rng_)};
                if constexpr (traits::has_owner) {
                    using field_type = std::remove_cvref_t<decltype(hsync::detail::get_field<traits::owner_index>(m))>;
                    const bool owned = !is_optional_v<field_type> || rng_.chance(0.5);
                    set_owner(m, owned ? std::optional<uuid>(d.id) : std::nullopt);
                }
                randomize_fields(m, rng_, lookup);
                commit(d, m, std::optional<M>());
            } else if (op < 75 && d.held.count(model)) {
                auto copy = std::static_pointer_cast<M>(d.held.find(model)->second);
                d.held.erase(model);
                commit_edit_of(d, *copy);
            } else if (op < 75) {
                const uuid id = writable[static_cast<std::size_t>(rng_.below(writable.size()))];
                if (auto copy = d.lib->template get<M>(id)) {
                    d.held[model] = std::make_shared<M>(std::move(*copy));
                    note(d.name + " reads " + model + " " + id.to_string() + " into a form");
                }
            } else if (op < 85) {
                const uuid id = writable[static_cast<std::size_t>(rng_.below(writable.size()))];
                std::optional<M> before = d.lib->template get<M>(id);
                M m{};
                if (before) {
                    m = *before;
                } else {
                    hsync::detail::get_field<traits::id_index>(m) = record_id{id};
                    set_owner(m, oracle_[{model, id}].owner);
                }
                randomize_fields(m, rng_, lookup, 1 + rng_.below(2));
                commit(d, m, before);
            } else {
                const uuid id = writable[static_cast<std::size_t>(rng_.below(writable.size()))];
                d.lib->template remove<M>(id);
                after_commit(d, "remove " + model + " " + id.to_string());
                auto& o = oracle_[{model, id}];
                o.deleted = true;
            }
        } catch (const error& e) {
            ++result_.refused_commits;  // a record deleted here meanwhile: refused, and nothing written
            note(d.name + " write refused: " + std::string(to_string(e.code())));
        }
    }

    template <class M>
    void commit(device& d, const M& m, const std::optional<M>& before) {
        using traits = model_traits<M>;
        const std::string model(traits::name);
        const uuid id = hsync::detail::get_field<traits::id_index>(const_cast<M&>(m)).value;
        const std::optional<uuid> owner = owner_in(m);
        d.lib->commit(m);
        const hlc stamp = d.lib->status().clock;
        after_commit(d, "commit " + model + " " + id.to_string());
        auto& o = oracle_[{model, id}];
        if (!o.known) {
            o.known = true;
            o.owner = owner;
            known_[model].push_back(id);
        }
        const nlohmann::json now = hsync::to_json(m);
        if (owner) {
            o.state = now;  // the owner's last write is the record's state
            return;
        }
        // Shared: the fields that differ from this device's row took this commit's HLC.
        const nlohmann::json old = before ? hsync::to_json(*before) : nlohmann::json::object();
        for (const auto& [field, value] : now.items()) {
            if (before && old.contains(field) && old[field] == value) continue;
            o.wrote(field, value, stamp);
        }
    }

    // The application edits 1-2 fields of a copy it read earlier and commits it. What the
    // writes that returned make of the record: the fields it changed take this commit's
    // HLC where they differ from the device's row (shared), or are the owner's new state
    // on top of its row (device-owned); the fields it did not change are not written.
    template <class M>
    void commit_edit_of(device& d, const M& read) {
        using traits = model_traits<M>;
        const std::string model(traits::name);
        const uuid id = hsync::detail::get_field<traits::id_index>(const_cast<M&>(read)).value;
        const known_records lookup = [this](std::string_view m) -> const std::vector<uuid>& { return known(m); };
        M edited = read;  // a copy keeps the mark of the version it was read from
        if (options_.broken == broken_rule::copies_forget_their_read) {
            hsync::detail::get_field<traits::id_index>(edited) = record_id{id};
        }
        randomize_fields(edited, rng_, lookup, 1 + rng_.below(2));
        const std::optional<M> current = d.lib->template get<M>(id);
        d.lib->commit(edited);
        const hlc stamp = d.lib->status().clock;
        after_commit(d, "commit an edit of an earlier copy of " + model + " " + id.to_string());
        ++result_.copy_edits;
        if (!current) {
            fail(model + " " + id.to_string() + ": a commit of a deleted record returned");
            return;
        }
        auto& o = oracle_[{model, id}];
        const nlohmann::json base = hsync::to_json(read), mine = hsync::to_json(edited), row = hsync::to_json(*current);
        if (o.owner) {
            nlohmann::json state = row;
            for (const auto& [field, value] : mine.items()) {
                if (base[field] != value) state[field] = value;
            }
            o.state = state;
            return;
        }
        for (const auto& [field, value] : mine.items()) {
            if (base[field] == value || row[field] == value) continue;
            o.wrote(field, value, stamp);
        }
    }

    void after_commit(device& d, const std::string& what) {
        ++result_.commits;
        note(d.name + " " + what);
    }

    // ---- checks -----------------------------------------------------------------------

    void fail(const std::string& what) {
        note("FAILED: " + what);
        if (result_.failures.size() < 20) result_.failures.push_back(what);
    }

    // 4: no device's clock ever goes backwards, across restarts too.
    void check_clocks() {
        for (auto& d : devices_) {
            if (!d->alive) continue;
            const hlc h = d->lib->status().clock;
            if (d->last_hlc && h < *d->last_hlc) {
                fail("the clock of " + d->name + " went backwards: " + d->last_hlc->to_string() + " then " + h.to_string());
            }
            if (!d->last_hlc || *d->last_hlc < h) d->last_hlc = h;
        }
    }

    // What a device holds of every model, synced fields only, in record id order.
    static std::string view_of(Library& lib) {
        std::string out;
        boost::hana::for_each(Library::model_types(), [&](auto t) {
            using M = typename decltype(t)::type;
            out += "== " + std::string(model_traits<M>::name) + "\n";
            for (const auto& m : lib.template all<M>()) out += hsync::to_json(m).dump() + "\n";
        });
        return out;
    }

    bool in_step() {
        const std::string first = view_of(*devices_[0]->lib);
        for (std::size_t i = 1; i < devices_.size(); ++i) {
            if (view_of(*devices_[i]->lib) != first) return false;
        }
        return true;
    }

    std::string divergence() {
        std::string out;
        for (auto& d : devices_) {
            out += d->name + " holds " + std::to_string(view_of(*d->lib).size()) + " bytes of data;";
            for (auto& other : devices_) {
                if (other == d) continue;
                const auto s = d->engine->status(other->id);
                out += " " + other->name + ":" + std::string(sync::to_string(s.state)) + " " +
                       std::to_string(s.received_through) + "/" + std::to_string(s.peer_seq);
            }
            out += "\n";
        }
        return out;
    }

    // 1-3: every device holds the same data (checked by in_step), and that data is what
    // the writes that returned make of it: each shared field the value of its newest
    // write, each device-owned record its owner's last write, every deleted record gone.
    void check_contents() {
        Library& lib = *devices_[0]->lib;
        boost::hana::for_each(Library::model_types(), [&](auto t) {
            using M = typename decltype(t)::type;
            const std::string model(model_traits<M>::name);
            std::map<uuid, nlohmann::json> held;
            for (const auto& m : lib.template all<M>()) {
                held[hsync::detail::get_field<model_traits<M>::id_index>(const_cast<M&>(m)).value] = hsync::to_json(m);
            }
            for (const auto& id : known_[model]) {
                const auto& o = oracle_[{model, id}];
                auto it = held.find(id);
                if (o.deleted) {
                    if (it != held.end()) fail(model + " " + id.to_string() + " was deleted and came back");
                    continue;
                }
                if (it == held.end()) {
                    fail(model + " " + id.to_string() + " was committed and is missing");
                    continue;
                }
                if (o.owner) {
                    if (it->second != o.state) {
                        fail(model + " " + id.to_string() + " is not its owner's last write: " + it->second.dump() +
                             " instead of " + o.state.dump());
                    }
                    continue;
                }
                for (const auto& [field, slot] : o.fields) {
                    if (it->second[field] != slot.second) {
                        fail(model + " " + id.to_string() + " field " + field + " is " + it->second[field].dump() +
                             ", but its newest write (" + slot.first->to_string() + ") set " + slot.second.dump());
                    }
                }
            }
            for (const auto& [id, value] : held) {
                if (!oracle_.count({model, id})) fail(model + " " + id.to_string() + " appeared from nowhere");
            }
        });
    }

    // 5: once every paired peer has acknowledged an entry, it is pruned.
    void check_pruning() {
        for (auto& d : devices_) {
            const auto floor = replica(*d->lib).min_acked_by_paired();
            if (!floor) continue;
            const auto kept = d->lib->with_tx([&](auto& tx) {
                SQLite::Statement q(tx.database(), "SELECT count(*) FROM hsync_shared_log WHERE seq <= ?");
                q.bind(1, static_cast<std::int64_t>(*floor));
                q.executeStep();
                return q.getColumn(0).getInt64();
            });
            if (kept > 0) {
                fail(d->name + " keeps " + std::to_string(kept) + " log entries every peer acknowledged (through seq " +
                     std::to_string(*floor) + ")");
            }
        }
    }

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

    struct record_oracle {
        bool known = false;
        bool deleted = false;
        std::optional<uuid> owner;
        nlohmann::json state;                                                // device-owned
        std::map<std::string, std::pair<std::optional<hlc>, nlohmann::json>> fields;  // shared

        // A shared field written at `stamp`: the newest write is the one that must hold.
        void wrote(const std::string& field, const nlohmann::json& value, const hlc& stamp) {
            auto& slot = fields[field];
            if (!slot.first || *slot.first < stamp) slot = {stamp, value};
        }
    };

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
template <class Library>
sim_result simulate(const sim_options& options) {
    detail::simulator<Library> sim(options);
    return sim.run();
}

}  // namespace hsync::testing
