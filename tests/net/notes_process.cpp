// A small notes app of two versions, one device per process, for the net test of devices
// on different versions of the models (tests/net/versions_test.cpp). Built twice: as
// version 1, and with HSYNC_NOTES_V2 as version 2 (tests/support/versioned_notes.hpp).
// It opens its library, listens on loopback, dials the peers it is given, and takes
// commands on standard input, one per line, answering each with a line that starts with
// "ok" (or "error"):
//   pair DEVICE-ID | note UUID TEXT | pin UUID | camera UUID MODEL [LENS] | tag UUID NAME
//   get-note UUID | get-camera UUID | get-tag UUID | state PEER-UUID | quit
#include <hsync/hsync.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "support/versioned_notes.hpp"

#ifndef HSYNC_NOTES_V2
namespace notes = versioned_notes::v1;
constexpr int version = 1;
#else
namespace notes = versioned_notes::v2;
constexpr int version = 2;
#endif

namespace {

struct arguments {
    std::string db;
    hsync::uuid library;
    std::vector<hsync::net::peer_address> peers;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--db") a.db = value;
        else if (key == "--library") a.library = hsync::uuid::parse(value);
        else if (key == "--peer") {
            const auto colon = value.rfind(':');
            a.peers.push_back({value.substr(0, colon), static_cast<std::uint16_t>(std::stoi(value.substr(colon + 1)))});
        } else throw std::runtime_error("unknown argument " + key);
    }
    return a;
}

hsync::record_id id_from(std::istream& in) {
    std::string text;
    in >> text;
    return hsync::record_id{hsync::uuid::parse(text)};
}

template <class M>
M stored(notes::app& lib, const hsync::record_id& id) {
    auto found = lib.get<M>(id);
    if (!found) throw std::runtime_error("no " + std::string(M::sync_name) + " " + id.value.to_string());
    return *found;
}

}  // namespace

int main(int argc, char** argv) try {
    const arguments args = parse(argc, argv);
    const auto self = hsync::net::device_identity::beside(args.db);
    hsync::library_options lo;
    lo.library_id = args.library;
    lo.sync = hsync::durability::normal;
    notes::app lib(args.db, self.library_identity(), lo);

    hsync::net::node_options no;
    no.listen_address = "127.0.0.1";
    no.peers = args.peers;
    no.engine.heartbeat_interval = hsync::sync::millis(100);
    no.engine.retry_base = hsync::sync::millis(50);
    no.reconnect_base = hsync::sync::millis(50);
    no.reconnect_max = hsync::sync::millis(500);
    no.log = [](const std::string& line) { std::cerr << "notes v" << version << ": " << line << "\n"; };
    hsync::net::node<notes::app> node(lib, self, no);
    node.start();
    std::cout << "ready " << node.port() << " " << self.id().to_string() << " " << self.library_identity().device_id
              << std::endl;

    const hsync::uuid me = self.library_identity().device_id;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        try {
            std::ostringstream answer;
            if (command == "pair") {
                std::string id;
                in >> id;
                hsync::net::pair(lib, hsync::net::device_id::parse(id));
            } else if (command == "note") {
                const auto id = id_from(in);
                std::string text;
                in >> text;
                auto note = lib.get<notes::Note>(id).value_or(notes::Note{id, {}});
                note.text = text;
                lib.commit(note);
            } else if (command == "camera") {
                const auto id = id_from(in);
                notes::Camera camera{id, hsync::owner_id{me}, {}};
                in >> camera.model;
#ifdef HSYNC_NOTES_V2
                in >> camera.lens;
#endif
                lib.commit(camera);
            } else if (command == "get-note") {
                const auto note = stored<notes::Note>(lib, id_from(in));
                answer << " text=" << note.text;
#ifdef HSYNC_NOTES_V2
                answer << " pinned=" << (note.pinned ? "yes" : "no");
#endif
            } else if (command == "get-camera") {
                const auto camera = stored<notes::Camera>(lib, id_from(in));
                answer << " model=" << camera.model;
#ifdef HSYNC_NOTES_V2
                answer << " lens=" << camera.lens;
#endif
#ifdef HSYNC_NOTES_V2
            } else if (command == "pin") {
                auto note = stored<notes::Note>(lib, id_from(in));
                note.pinned = true;
                lib.commit(note);
            } else if (command == "tag") {
                const auto id = id_from(in);
                notes::Tag tag{id, {}};
                in >> tag.name;
                lib.commit(tag);
            } else if (command == "get-tag") {
                answer << " name=" << stored<notes::Tag>(lib, id_from(in)).name;
#endif
            } else if (command == "state") {
                std::string peer;
                in >> peer;
                answer << " none";
                for (const auto& s : node.status()) {
                    if (s.peer.to_string() != peer) continue;
                    answer.str("");
                    answer << " " << hsync::sync::to_string(s.state) << " refused=" << (s.refused_because.empty() ? "-" : s.refused_because);
                }
            } else if (command == "quit") {
                node.stop();
                std::cout << "ok bye" << std::endl;
                return 0;
            } else {
                throw std::runtime_error("unknown command '" + command + "'");
            }
            std::cout << "ok" << answer.str() << std::endl;
        } catch (const std::exception& e) {
            std::cout << "error " << e.what() << std::endl;
        }
    }
    node.stop();
    return 0;
} catch (const std::exception& e) {
    std::cerr << "notes: " << e.what() << "\n";
    std::cout << "error " << e.what() << std::endl;
    return 1;
}
