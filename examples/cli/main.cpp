// hsync: the command-line tool for any library file, whatever its models.
//
//   hsync id     --library FILE            this device's id (created beside FILE on first use)
//   hsync pair add|remove ID --library FILE
//   hsync pair list --library FILE
//   hsync status --library FILE            peers, their progress and lag, the log
//   hsync log    --library FILE [--last N] recent shared changes
//
// It opens the file as hsync::library<> (no models: it touches only hsync's own tables),
// so it works on the database of any application. `status`, `log` and `pair list` open it
// read-only and work while the application runs; `pair add|remove` write, and get
// errc::library_in_use while the application holds the library.
#include <hsync/hsync.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace {

using any_library = hsync::library<>;

constexpr const char* usage =
    "usage: hsync id --library FILE\n"
    "       hsync pair add|remove DEVICE-ID --library FILE\n"
    "       hsync pair list --library FILE\n"
    "       hsync status --library FILE\n"
    "       hsync log --library FILE [--last N]\n";

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct command_line {
    std::vector<std::string> words;
    std::string library;
    std::size_t last = 20;
};

command_line parse(int argc, char** argv) {
    command_line c;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--library" || a == "-l" || a == "--last") {
            if (i + 1 >= argc) throw usage_error(a + " needs a value");
            const std::string value = argv[++i];
            if (a == "--last") {
                try {
                    c.last = std::stoul(value);
                } catch (const std::exception&) {
                    throw usage_error("--last takes a number, not '" + value + "'");
                }
            } else {
                c.library = value;
            }
        } else if (a == "-h" || a == "--help") {
            throw usage_error("");
        } else {
            c.words.push_back(a);
        }
    }
    if (c.words.empty()) throw usage_error("");
    if (c.library.empty()) throw usage_error("say which library with --library FILE");
    return c;
}

// The library file as the device that owns it. The tool never creates one: a new file
// would get a random library id, and the devices of the user's library would refuse it.
struct opened {
    hsync::net::device_identity self;
    std::unique_ptr<any_library> lib;
};

opened open(const std::string& file, bool read_only) {
    if (!std::filesystem::exists(file)) {
        throw std::runtime_error("hsync: there is no library file at " + file +
                                 "; the application creates it, with its library id: open it there first "
                                 "(`hsync id` works before that)");
    }
    auto self = hsync::net::device_identity::beside(file);
    hsync::library_options options;
    options.read_only = read_only;
    return opened{self, std::make_unique<any_library>(file, self.library_identity(), options)};
}

std::string id_of_peer(const std::vector<hsync::net::device_id>& paired, const hsync::uuid& peer) {
    for (const auto& id : paired) {
        if (id.as_uuid() == peer) return id.to_string();
    }
    return peer.to_string() + " (no device id: paired through the library API)";
}

int run_status(any_library& lib, const hsync::net::device_identity& self) {
    const std::uint64_t seq = hsync::replica(lib).current_seq();
    std::cout << "library  " << lib.library_id() << "\n"
              << "device   " << self.id().to_string() << "\n"
              << "history  " << seq << " changes made or received here\n"
              << "log      " << lib.status().log_entries << " shared entries kept (pruned through " << lib.status().log_floor << ")\n";
    const auto ids = hsync::net::paired_devices(lib);
    const auto peers = hsync::replica(lib).paired_peers();
    if (peers.empty()) std::cout << "peers    none paired: add one with `hsync pair add DEVICE-ID --library FILE`\n";
    for (const auto& peer : peers) {
        const auto record = hsync::replica(lib).peer(peer);
        const std::uint64_t lag = seq > record.acked_by_peer ? seq - record.acked_by_peer : 0;
        std::cout << "peer     " << id_of_peer(ids, peer) << "\n"
                  << "         has acknowledged " << record.acked_by_peer << " of " << seq << " (lag " << lag << ")"
                  << ", we hold its history through " << record.received_through << "\n";
        if (const auto why = hsync::replica(lib).refusal(peer)) {
            std::cout << "         the last handshake was refused: " << *why << "\n";
        }
        lib.read([&](SQLite::Database& db) {
            SQLite::Statement q(db, "SELECT phase, seq FROM hsync_backfill_checkpoints WHERE peer = ? ORDER BY phase");
            q.bind(1, peer.bytes().data(), static_cast<int>(peer.bytes().size()));
            while (q.executeStep()) {
                std::cout << "         catch-up interrupted in phase " << q.getColumn(0).getString() << " at "
                          << q.getColumn(1).getInt64() << "; it resumes there on the next connection\n";
            }
        });
    }
    return 0;
}

// The names of a shared model's synced fields, in the order a change's values are packed:
// its table's hsync_clock_<field> columns are in that order. This tool declares no models.
std::vector<std::string> field_names(any_library& lib, const std::string& model) {
    return lib.read([&](SQLite::Database& db) {
        std::vector<std::string> names;
        SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?) ORDER BY cid");
        q.bind(1, model);
        const std::string prefix = "hsync_clock_";
        while (q.executeStep()) {
            const std::string column = q.getColumn(0).getString();
            if (column.rfind(prefix, 0) == 0) names.push_back(column.substr(prefix.size()));
        }
        return names;
    });
}

int run_log(any_library& lib, std::size_t last) {
    if (last == 0) return 0;
    // The seq where the last `last` entries begin.
    const std::size_t entries = lib.status().log_entries;
    const std::optional<std::uint64_t> from = lib.read([&](SQLite::Database& db) -> std::optional<std::uint64_t> {
        SQLite::Statement q(db, "SELECT seq FROM hsync_shared_log ORDER BY seq DESC LIMIT 1 OFFSET ?");
        q.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(last, entries) - 1));
        if (!q.executeStep()) return std::nullopt;
        return static_cast<std::uint64_t>(q.getColumn(0).getInt64());
    });
    if (!from) {
        std::cout << "the shared log is empty\n";
        return 0;
    }
    const auto page = hsync::replica(lib).shared_changes(*from - 1, last);
    for (const auto& e : page.entries) {
        std::cout << e.stamp << "  " << e.model << " " << e.record << " " << hsync::to_string(e.type) << " "
                  << hsync::values_json(e.values, field_names(lib, e.model)).dump() << "\n";
    }
    return 0;
}

int run(const command_line& c) {
    const auto& w = c.words;
    if (w[0] == "id" && w.size() == 1) {
        const auto self = hsync::net::device_identity::beside(c.library);
        std::cout << self.id().to_string() << "\n";
        return 0;
    }
    if (w[0] == "pair" && w.size() >= 2) {
        auto o = open(c.library, w[1] == "list");
        if (w[1] == "list" && w.size() == 2) {
            for (const auto& id : hsync::net::paired_devices(*o.lib)) std::cout << id.to_string() << "\n";
            return 0;
        }
        if ((w[1] == "add" || w[1] == "remove") && w.size() == 3) {
            const auto peer = hsync::net::device_id::parse(w[2]);
            if (w[1] == "add") {
                hsync::net::pair(*o.lib, peer);
                std::cout << "paired " << peer.to_string() << "\n";
            } else {
                hsync::net::unpair(*o.lib, peer);
                std::cout << "unpaired " << peer.to_string() << "\n";
            }
            return 0;
        }
    }
    if (w[0] == "status" && w.size() == 1) {
        auto o = open(c.library, true);
        return run_status(*o.lib, o.self);
    }
    if (w[0] == "log" && w.size() == 1) {
        auto o = open(c.library, true);
        return run_log(*o.lib, c.last);
    }
    throw usage_error("unknown command '" + w[0] + (w.size() > 1 ? " " + w[1] : std::string()) + "'");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse(argc, argv));
    } catch (const usage_error& e) {
        if (*e.what()) std::cerr << "hsync: " << e.what() << "\n";
        std::cerr << usage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
