// Two (or --devices N) devices, each its own process with its own library file, sync the
// seven seed models over TLS on loopback. Each device commits its own locations and
// entries, and all of them edit the same shared tags at once; the terminal shows each
// device's progress, then a side-by-side summary. Exits 0 only when all converged.
//
//   hsync_two_devices [--devices N] [--entries K] [--timeout SECONDS] [--keep DIR]
#include <hsync/hsync.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "seed_models.hpp"

namespace {

using photo_library = hsync::library<photos::Device, photos::Volume, photos::Location, photos::Entry, photos::Tag,
                                     photos::Album, photos::UserMetadata>;
using namespace std::chrono_literals;

const char* const tag_names[] = {"sunset", "beach", "family"};
const char* const colors[] = {"orange", "blue", "green", "red", "violet", "yellow", "white", "black"};

struct settings {
    int devices = 2;
    int entries = 5000;
    int timeout = 120;
    std::string keep;
    // Set in the device processes:
    int index = -1;
    std::string dir;
    std::string library;
    std::vector<std::string> peers;
    std::vector<std::string> tags;
};

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        if (i + 1 >= argc) throw std::runtime_error(key + " needs a value");
        const std::string value = argv[++i];
        if (key == "--devices") s.devices = std::clamp(std::stoi(value), 2, 8);
        else if (key == "--entries") s.entries = std::max(1, std::stoi(value));
        else if (key == "--timeout") s.timeout = std::stoi(value);
        else if (key == "--keep") s.keep = value;
        else if (key == "--device") s.index = std::stoi(value);
        else if (key == "--dir") s.dir = value;
        else if (key == "--library") s.library = value;
        else if (key == "--peer") s.peers.push_back(value);
        else if (key == "--tag") s.tags.push_back(value);
        else throw std::runtime_error("unknown option " + key + " (see the comment at the top of main.cpp)");
    }
    return s;
}

std::string db_of(const std::string& dir, int index) { return dir + "/device-" + std::to_string(index) + ".db"; }
char letter(int index) { return static_cast<char>('A' + index); }

// ---- one device --------------------------------------------------------------------------

void commit_workload(photo_library& lib, const settings& s, const hsync::uuid& me) {
    const hsync::owner_id owner{me};
    const std::string name = std::string("device ") + letter(s.index);
    photos::Device device{hsync::record_id::generate(), owner, name, "linux"};
    photos::Volume volume{hsync::record_id::generate(), owner, "disk", "/"};
    photos::Location location{hsync::record_id::generate(), owner, hsync::ref<photos::Volume>{volume.uuid}, "photos",
                              "/home/" + name + "/photos"};
    lib.with_tx([&](auto& tx) {
        tx.commit(device);
        tx.commit(volume);
        tx.commit(location);
        for (int i = 0; i < s.entries; ++i) {
            photos::Entry e{hsync::record_id::generate(), owner, hsync::ref<photos::Location>{location.uuid}};
            e.name = "IMG_" + std::to_string(1000 + i) + ".jpg";
            e.size = static_cast<std::uint64_t>(2'000'000 + i);
            tx.commit(e);
        }
    });
    // Every device writes the same tags, at the same time: per-field last writer wins.
    for (std::size_t t = 0; t < s.tags.size(); ++t) {
        photos::Tag tag{hsync::record_id{hsync::uuid::parse(s.tags[t])}, tag_names[t]};
        tag.color = colors[static_cast<std::size_t>(s.index) % std::size(colors)];
        lib.commit(tag);
    }
    photos::Album album{hsync::record_id::generate(), "holidays of " + name};
    lib.commit(album);
    photos::UserMetadata note{hsync::record_id::generate(), owner, std::nullopt, "scanned by " + name};
    lib.commit(note);
}

int run_device(const settings& s) {
    const std::string file = db_of(s.dir, s.index);
    const auto self = hsync::net::device_identity::beside(file);
    hsync::library_options lo;
    lo.library_id = hsync::uuid::parse(s.library);
    photo_library lib(file, self.library_identity(), lo);

    hsync::net::node_options no;
    no.listen_address = "127.0.0.1";
    for (const auto& port : s.peers) no.peers.push_back({"127.0.0.1", static_cast<std::uint16_t>(std::stoi(port))});
    no.engine.heartbeat_interval = 200ms;
    no.reconnect_base = 100ms;
    no.reconnect_max = 1s;
    hsync::net::node<photo_library> node(lib, self, no);
    // Progress for the parent's display, over all peers: the least advanced state, the
    // lowest progress, the changes applied from all. At most one line every 50 ms.
    std::map<hsync::uuid, hsync::sync::peer_status> peers;
    auto last = std::chrono::steady_clock::now() - 1s;
    node.on_status([&](const hsync::sync::peer_status& st) {  // on the node's thread
        peers[st.peer] = st;
        auto least = hsync::sync::peer_state::ready;
        double progress = 1;
        unsigned long long applied = 0;
        for (const auto& [id, p] : peers) {
            least = std::min(least, p.state);
            progress = std::min(progress, p.progress);
            applied += p.counters.applied;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last < 50ms && least != hsync::sync::peer_state::ready) return;
        last = now;
        std::printf("status %s %.3f %llu\n", std::string(hsync::sync::to_string(least)).c_str(), progress, applied);
        std::fflush(stdout);
    });
    node.start();
    std::printf("ready %u\n", node.port());
    std::fflush(stdout);

    std::string command;
    while (std::getline(std::cin, command)) {
        if (command == "go") {
            commit_workload(lib, s, self.library_identity().device_id);
            std::printf("committed\n");
            std::fflush(stdout);
        } else if (command == "quit") {
            break;
        }
    }
    node.stop();
    return 0;
}

// ---- the parent: starts the devices, shows progress, compares the databases -------------

struct child {
    pid_t pid = -1;
    int in = -1, out = -1;
    std::string buffer;
    std::string state = "starting";
    double progress = 0;
    std::uint64_t applied = 0;
    std::uint16_t port = 0;
    bool committed = false;

    void send(const std::string& line) {
        const std::string data = line + "\n";
        if (::write(in, data.data(), data.size()) < 0) std::perror("write");
    }
    // Takes in the device's status and progress lines printed so far.
    void read(int wait_ms) {
        for (const auto& line : lines(wait_ms)) {
            std::istringstream in(line);
            std::string word;
            in >> word;
            if (word == "status") in >> state >> progress >> applied;
            if (word == "committed") committed = true;
        }
    }
    // Reads what the device printed so far; returns complete lines.
    std::vector<std::string> lines(int wait_ms) {
        pollfd p{out, POLLIN, 0};
        std::vector<std::string> got;
        if (::poll(&p, 1, wait_ms) > 0) {
            char chunk[4096];
            const ssize_t n = ::read(out, chunk, sizeof chunk);
            if (n > 0) buffer.append(chunk, static_cast<std::size_t>(n));
        }
        for (std::size_t pos; (pos = buffer.find('\n')) != std::string::npos;) {
            got.push_back(buffer.substr(0, pos));
            buffer.erase(0, pos + 1);
        }
        return got;
    }
};

child spawn(const std::vector<std::string>& args) {
    int to[2], from[2];
    if (::pipe(to) != 0 || ::pipe(from) != 0) throw std::runtime_error("pipe failed");
    child c;
    c.pid = ::fork();
    if (c.pid == 0) {
        ::dup2(to[0], 0);
        ::dup2(from[1], 1);
        ::close(to[1]);
        ::close(from[0]);
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv("/proc/self/exe", argv.data());
        ::_exit(127);
    }
    ::close(to[0]);
    ::close(from[1]);
    c.in = to[1];
    c.out = from[0];
    return c;
}

// Rows and a digest of the synced columns of every model, read from a device's file
// while it runs (read-only; WAL lets readers in beside the writer).
struct table_summary {
    std::string model;
    std::int64_t rows = 0;
    std::size_t digest = 0;
};

template <class M>
table_summary summarize(SQLite::Database& db) {
    using traits = hsync::model_traits<M>;
    std::string columns;
    for (auto name : traits::synced_field_names) columns += (columns.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    SQLite::Statement q(db, "SELECT " + columns + " FROM \"" + std::string(traits::name) + "\" ORDER BY \"" +
                                std::string(traits::field_names[traits::id_index]) + "\"");
    table_summary t{std::string(traits::name)};
    std::string text;
    while (q.executeStep()) {
        ++t.rows;
        for (int i = 0; i < q.getColumnCount(); ++i) {
            const auto col = q.getColumn(i);
            text += col.isNull() ? std::string("NULL") : std::string(static_cast<const char*>(col.getBlob()), static_cast<std::size_t>(col.getBytes()));
            text += '\x1f';
        }
    }
    t.digest = std::hash<std::string>{}(text);
    return t;
}

std::vector<table_summary> summarize_file(const std::string& file) {
    SQLite::Database db(file, SQLite::OPEN_READONLY);
    db.setBusyTimeout(2000);
    std::vector<table_summary> out;
    boost::hana::for_each(photo_library::model_types(), [&](auto t) {
        out.push_back(summarize<typename decltype(t)::type>(db));
    });
    return out;
}

// Redraws the progress lines in place on a terminal; elsewhere prints them when they change.
void draw(const std::vector<child>& children, bool tty) {
    static std::string last;
    std::ostringstream s;
    for (std::size_t i = 0; i < children.size(); ++i) {
        const auto& c = children[i];
        const int width = 30;
        const int done = static_cast<int>(c.progress * width);
        s << "device " << letter(static_cast<int>(i)) << "  [" << std::string(static_cast<std::size_t>(done), '#')
          << std::string(static_cast<std::size_t>(width - done), '.') << "] " << std::setw(3)
          << static_cast<int>(c.progress * 100) << "%  " << std::left << std::setw(12) << c.state << std::right
          << " applied " << c.applied << (tty ? "\x1b[K\n" : "\n");
    }
    if (!tty && s.str() == last) return;
    last = s.str();
    std::cout << s.str();
    if (tty) std::cout << "\x1b[" << children.size() << "A";
    std::cout << std::flush;
}

int run_parent(const settings& s) {
    char pattern[] = "/tmp/hsync-two-devices-XXXXXX";
    const std::string dir = s.keep.empty() ? std::string(::mkdtemp(pattern)) : s.keep;
    std::filesystem::create_directories(dir);
    const auto library = hsync::uuid::v4();
    std::cout << "hsync: " << s.devices << " devices on loopback, " << s.entries << " entries each, in " << dir << "\n";

    // Pairing, done before the devices start: each device's id is derived from its key.
    std::vector<hsync::net::device_identity> ids;
    for (int i = 0; i < s.devices; ++i) ids.push_back(hsync::net::device_identity::beside(db_of(dir, i)));
    for (int i = 0; i < s.devices; ++i) {
        hsync::library_options lo;
        lo.library_id = library;
        photo_library lib(db_of(dir, i), ids[static_cast<std::size_t>(i)].library_identity(), lo);
        for (int j = 0; j < s.devices; ++j) {
            if (j != i) hsync::net::pair(lib, ids[static_cast<std::size_t>(j)].id());
        }
        std::cout << "device " << letter(i) << "  " << ids[static_cast<std::size_t>(i)].id().to_string() << "\n";
    }
    std::vector<std::string> tags;
    for (std::size_t t = 0; t < std::size(tag_names); ++t) tags.push_back(hsync::uuid::v7().to_string());

    // Each device dials the ones started before it.
    std::vector<child> children;
    for (int i = 0; i < s.devices; ++i) {
        std::vector<std::string> args{"hsync_two_devices", "--device", std::to_string(i), "--dir", dir, "--library",
                                      library.to_string(), "--entries", std::to_string(s.entries)};
        for (const auto& c : children) args.insert(args.end(), {"--peer", std::to_string(c.port)});
        for (const auto& t : tags) args.insert(args.end(), {"--tag", t});
        children.push_back(spawn(args));
        auto& c = children.back();
        while (c.port == 0) {
            for (const auto& line : c.lines(10'000)) {
                if (line.rfind("ready ", 0) == 0) c.port = static_cast<std::uint16_t>(std::stoi(line.substr(6)));
            }
        }
    }
    for (auto& c : children) c.send("go");

    const bool tty = ::isatty(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(s.timeout);
    std::vector<std::vector<table_summary>> summaries;
    bool converged = false;
    auto next_check = std::chrono::steady_clock::now();
    while (!converged && std::chrono::steady_clock::now() < deadline) {
        for (auto& c : children) c.read(10);
        draw(children, tty);
        if (std::chrono::steady_clock::now() < next_check) continue;
        next_check = std::chrono::steady_clock::now() + 250ms;
        // Converged: every device committed, is in step with all its peers, and holds the same rows.
        if (!std::all_of(children.begin(), children.end(), [](const child& c) { return c.committed && c.state == "ready"; })) {
            continue;
        }
        try {
            summaries.clear();
            for (int i = 0; i < s.devices; ++i) summaries.push_back(summarize_file(db_of(dir, i)));
            converged = std::all_of(summaries.begin(), summaries.end(), [&](const auto& t) {
                for (std::size_t m = 0; m < t.size(); ++m) {
                    if (t[m].rows != summaries[0][m].rows || t[m].digest != summaries[0][m].digest) return false;
                }
                return true;
            });
        } catch (const std::exception&) {
            // A file busy for a moment: look again next time.
        }
    }
    for (auto& c : children) c.read(50);
    draw(children, tty);
    for (auto& c : children) c.send("quit");
    for (auto& c : children) ::waitpid(c.pid, nullptr, 0);
    if (tty) std::cout << std::string(children.size(), '\n');

    std::cout << "\n" << std::left << std::setw(16) << "model";
    for (int i = 0; i < s.devices; ++i) std::cout << std::setw(12) << (std::string("device ") + letter(i));
    std::cout << "same\n";
    for (std::size_t m = 0; !summaries.empty() && m < summaries[0].size(); ++m) {
        std::cout << std::setw(16) << summaries[0][m].model;
        bool same = true;
        for (const auto& t : summaries) {
            std::cout << std::setw(12) << t[m].rows;
            same = same && t[m].rows == summaries[0][m].rows && t[m].digest == summaries[0][m].digest;
        }
        std::cout << (same ? "yes" : "NO") << "\n";
    }
    if (converged) {
        // The tags every device wrote at once: one winner per field, the same everywhere.
        hsync::library_options lo;
        photo_library first(db_of(dir, 0), ids[0].library_identity(), lo);
        for (const auto& tag : first.all<photos::Tag>()) {
            std::cout << "tag " << std::setw(8) << tag.canonical_name << " color " << tag.color.value_or("-")
                      << " (the last of the concurrent writes)\n";
        }
    }
    std::cout << (converged ? "converged: every device holds the same data\n" : "NOT converged before the timeout\n");
    if (s.keep.empty()) std::filesystem::remove_all(dir);
    return converged ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const settings s = parse(argc, argv);
        return s.index >= 0 ? run_device(s) : run_parent(s);
    } catch (const std::exception& e) {
        std::cerr << "hsync_two_devices: " << e.what() << "\n";
        return 2;
    }
}
