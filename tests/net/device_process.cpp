// One device of the seed library, in its own process, for the net tests: it opens its
// library file, listens on loopback, dials the peers it is given, and takes commands on
// standard input, one per line, answering each with a line that starts with "ok" (or
// "error"). Commands:
//   pair ID | tags N PREFIX | color NAME VALUE | display NAME VALUE | delete-tags PREFIX K
//   files N | status | counts | quit
//   hold NAME            reads tag NAME into a copy kept in memory (a form on screen)
//   held-color NAME V    sets the kept copy's color and commits that copy
//   peers-have-all       "ok yes" when every peer acknowledged all of this device's history
#include <hsync/hsync.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/seed_library.hpp"

using hsync_test::seed_library;

namespace {

struct arguments {
    std::string db;
    hsync::uuid library;
    std::uint16_t port = 0;
    std::vector<hsync::net::peer_address> peers;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--db") a.db = value;
        else if (key == "--library") a.library = hsync::uuid::parse(value);
        else if (key == "--port") a.port = static_cast<std::uint16_t>(std::stoi(value));
        else if (key == "--peer") {
            const auto colon = value.rfind(':');
            a.peers.push_back({value.substr(0, colon), static_cast<std::uint16_t>(std::stoi(value.substr(colon + 1)))});
        } else throw std::runtime_error("unknown argument " + key);
    }
    return a;
}

std::vector<photos::Tag> tags_named(seed_library& lib, const std::string& prefix) {
    return lib.query<photos::Tag>("WHERE canonical_name LIKE ? ORDER BY canonical_name", prefix + "%");
}

void commit_files(seed_library& lib, const hsync::uuid& me, int n) {
    const hsync::owner_id owner{me};
    photos::Device device{hsync::record_id::generate(), owner, "device " + me.to_string().substr(0, 8), "linux"};
    photos::Volume volume{hsync::record_id::generate(), owner, "disk", "/"};
    photos::Location location{hsync::record_id::generate(), owner, hsync::ref<photos::Volume>{volume.uuid}, "pictures",
                              "/home/pictures"};
    std::vector<photos::Entry> entries;
    for (int i = 0; i < n; ++i) {
        photos::Entry e{hsync::record_id::generate(), owner, hsync::ref<photos::Location>{location.uuid}};
        e.name = "photo-" + std::to_string(i) + ".jpg";
        e.size = static_cast<std::uint64_t>(1000 + i);
        entries.push_back(std::move(e));
    }
    lib.with_tx([&](auto& tx) {
        tx.commit(device);
        tx.commit(volume);
        tx.commit(location);
        for (const auto& e : entries) tx.commit(e);
        if (!entries.empty()) {
            photos::Album album{hsync::record_id::generate(), "album of " + device.name};
            album.cover = hsync::ref<photos::Entry>{entries.front().uuid};
            tx.commit(album);
            photos::UserMetadata mine{hsync::record_id::generate(), owner, hsync::ref<photos::Entry>{entries.front().uuid}};
            mine.favorite = true;
            tx.commit(mine);
            photos::UserMetadata shared{hsync::record_id::generate(), std::nullopt, std::nullopt, "shared note"};
            tx.commit(shared);
        }
    });
}

}  // namespace

int main(int argc, char** argv) try {
    const arguments args = parse(argc, argv);
    const auto self = hsync::net::device_identity::beside(args.db);
    hsync::library_options lo;
    lo.library_id = args.library;
    lo.sync = hsync::durability::normal;
    seed_library lib(args.db, self.library_identity(), lo);

    hsync::net::node_options no;
    no.listen_address = "127.0.0.1";
    no.listen_port = args.port;
    no.peers = args.peers;
    no.engine.heartbeat_interval = hsync::sync::millis(100);
    no.engine.retry_base = hsync::sync::millis(50);
    no.engine.retry_max = hsync::sync::millis(1000);
    no.engine.page_size = 500;
    no.reconnect_base = hsync::sync::millis(50);
    no.reconnect_max = hsync::sync::millis(500);
    no.idle_timeout = hsync::sync::millis(3000);
    no.handshake_timeout = hsync::sync::millis(3000);
    no.frame_timeout = hsync::sync::millis(3000);
    no.log = [](const std::string& line) { std::cerr << "device: " << line << "\n"; };
    hsync::net::node<seed_library> node(lib, self, no);
    node.start();
    std::cout << "ready " << node.port() << " " << self.id().to_string() << std::endl;

    std::map<std::string, photos::Tag> held;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        try {
            if (command == "pair") {
                std::string id;
                in >> id;
                hsync::net::pair(lib, hsync::net::device_id::parse(id));
            } else if (command == "tags") {
                int n = 0;
                std::string prefix;
                in >> n >> prefix;
                std::vector<photos::Tag> tags;
                for (int i = 0; i < n; ++i) tags.push_back(hsync_test::make_tag(prefix + "-" + std::to_string(i)));
                lib.commit_batch(tags);
            } else if (command == "color" || command == "display") {
                std::string name, value;
                in >> name >> value;
                auto found = lib.query<photos::Tag>("WHERE canonical_name = ?", name);
                if (found.empty()) throw std::runtime_error("no tag " + name);
                (command == "color" ? found.front().color : found.front().display_name) = value;
                lib.commit(found.front());
            } else if (command == "tag") {
                std::string name;
                in >> name;
                auto found = lib.query<photos::Tag>("WHERE canonical_name = ?", name);
                if (found.empty()) throw std::runtime_error("no tag " + name);
                std::cout << "ok color=" << found.front().color.value_or("-")
                          << " display=" << found.front().display_name.value_or("-") << std::endl;
                continue;
            } else if (command == "hold") {
                std::string name;
                in >> name;
                auto found = lib.query<photos::Tag>("WHERE canonical_name = ?", name);
                if (found.empty()) throw std::runtime_error("no tag " + name);
                held[name] = found.front();
            } else if (command == "held-color") {
                std::string name, value;
                in >> name >> value;
                auto it = held.find(name);
                if (it == held.end()) throw std::runtime_error("no copy of " + name + " is held");
                it->second.color = value;
                lib.commit(it->second);
            } else if (command == "peers-have-all") {
                const auto peers = node.status();
                const bool all = !peers.empty() && std::all_of(peers.begin(), peers.end(), [](const auto& s) {
                    return s.state == hsync::sync::peer_state::ready && s.peer_has_all();
                });
                std::cout << "ok " << (all ? "yes" : "no") << std::endl;
                continue;
            } else if (command == "delete-tags") {
                std::string prefix;
                std::size_t k = 0;
                in >> prefix >> k;
                auto tags = tags_named(lib, prefix);
                std::vector<hsync::uuid> ids;
                for (std::size_t i = 0; i < std::min(k, tags.size()); ++i) ids.push_back(tags[i].uuid);
                lib.remove_batch<photos::Tag>(ids);
            } else if (command == "files") {
                int n = 0;
                in >> n;
                commit_files(lib, self.library_identity().device_id, n);
            } else if (command == "status") {
                for (const auto& s : node.status()) {
                    std::cout << "peer " << s.peer << " " << hsync::sync::to_string(s.state) << " applied=" << s.counters.applied
                              << " pages=" << s.counters.pages_received << " served=" << s.counters.pages_served << " refused=" << s.counters.refused << "\n";
                }
                std::cout << "connected " << node.connected_peers() << "\n";
            } else if (command == "counts") {
                const auto count = [&](const char* table) {
                    return lib.with_tx([&](auto& tx) {
                        return tx.database().execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64();
                    });
                };
                std::cout << "ok tags=" << count("tag") << " entries=" << count("entry") << " log=" << lib.status().log_entries
                          << std::endl;
                continue;
            } else if (command == "quit") {
                node.stop();
                std::cout << "ok bye" << std::endl;
                return 0;
            } else {
                throw std::runtime_error("unknown command '" + command + "'");
            }
            std::cout << "ok" << std::endl;
        } catch (const std::exception& e) {
            std::cout << "error " << e.what() << std::endl;
        }
    }
    node.stop();
    return 0;
} catch (const std::exception& e) {
    std::cerr << "device: " << e.what() << "\n";
    std::cout << "error " << e.what() << std::endl;
    return 1;
}
