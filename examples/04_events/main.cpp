// 04_events: events driving a UI. A laptop and a phone share a shopping list; each keeps
// its "screen" from lib.on<Item>() events alone and redraws it on every change, made
// here or on the other device. Both devices live in this process, each with its library
// and its sync engine; the engine does no I/O, so sync() below carries its frames from
// one device to the other on a virtual clock (hsync::net::node does the same over TLS).
//
//   cmake --build build --target hsync_example_04_events
//   cd build/examples && ./hsync_example_04_events     # writes example-04/*.db
#include <hsync/hsync.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

struct Item {  // shared: any device adds, edits or removes an item
    hsync::record_id uuid;
    std::string text;
    bool done = false;
};
using list_library = hsync::library<Item>;
using items_by_id = std::map<hsync::uuid, Item>;

std::string render(const items_by_id& items) {  // the items by name, ticked when done
    std::multimap<std::string, bool> by_name;
    for (const auto& [id, item] : items) by_name.emplace(item.text, item.done);
    std::string line;
    for (const auto& [text, done] : by_name) line += (done ? "  [x] " : "  [ ] ") + text;
    return line;
}

struct device {
    device(const char* device_name, const std::filesystem::path& file, const hsync::library_options& options)
        : name(device_name), lib(file, hsync::identity{id}, options), engine(lib) {
        lib.on<Item>([this](const hsync::change<Item>& c) {  // the screen never reads the database
            if (c.type == hsync::change_type::remove) shown.erase(c.id); else shown[c.id] = *c.value;
            std::printf("%-6s %-6s %-6s %-9s |%s\n", name, c.origin == hsync::change_origin::local ? "local" : "remote",
                        std::string(hsync::to_string(c.type)).c_str(), c.value->text.c_str(), render(shown).c_str());
        });
    }
    const char* name;
    hsync::uuid id = hsync::uuid::v4();
    items_by_id shown;                  // what the screen shows
    list_library lib;
    hsync::sync::engine<list_library> engine;
    hsync::net::frame_reader inbox;     // the bytes of the connection from the other device
};

// 200 ms of virtual time: both engines tick, and every frame crosses to the other device.
void sync(device& a, device& b, hsync::sync::millis& now) {
    std::puts("  ~ sync ~");
    for (int step = 0; step < 40; ++step) {
        now += hsync::sync::millis(5);
        for (auto [from, to] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
            from->engine.tick(now);
            for (const auto& out : from->engine.take_output()) {
                to->inbox.feed(hsync::net::frame(out.body));  // what a transport writes to its socket
                while (auto body = to->inbox.next()) to->engine.receive(from->id, *body, now);
            }
        }
    }
}

int main() {
    const std::filesystem::path dir = "example-04";
    std::filesystem::remove_all(dir);  // start afresh on each run
    std::filesystem::create_directories(dir);
    hsync::library_options options;
    options.library_id = hsync::uuid::v4();  // the same library on both devices
    device laptop{"laptop", dir / "laptop.db", options}, phone{"phone", dir / "phone.db", options};
    hsync::replica(laptop.lib).pair(phone.id), hsync::replica(phone.lib).pair(laptop.id);  // each trusts the other
    hsync::sync::millis now{0};
    laptop.engine.connect(phone.id, now), phone.engine.connect(laptop.id, now);

    const Item milk{hsync::record_id::generate(), "milk"}, bread{hsync::record_id::generate(), "bread"};
    laptop.lib.commit_batch(std::vector{milk, bread});
    sync(laptop, phone, now);

    Item got = *phone.lib.get<Item>(bread.uuid);
    got.done = true;
    phone.lib.commit(got);
    sync(laptop, phone, now);

    // Both edit milk before they sync: each field keeps its latest write.
    std::puts("  (both edit milk, the laptop removes bread)");
    Item on_laptop = *laptop.lib.get<Item>(milk.uuid), on_phone = *phone.lib.get<Item>(milk.uuid);
    on_laptop.text = "oat milk";
    on_phone.done = true;
    laptop.lib.commit(on_laptop), phone.lib.commit(on_phone);
    laptop.lib.remove<Item>(bread.uuid);
    sync(laptop, phone, now);

    // The screens, kept from events alone, show what each database holds, and agree.
    bool ok = laptop.shown.size() == 1 && render(laptop.shown) == render(phone.shown);
    for (device* d : {&laptop, &phone}) {
        items_by_id stored;
        for (const Item& item : d->lib.all<Item>()) stored[item.uuid] = item;
        ok = ok && render(stored) == render(d->shown) && render(stored) == "  [x] oat milk";
    }
    std::printf("%s\n", ok ? "events: ok" : "events: FAILED");
    return ok ? 0 : 1;
}
