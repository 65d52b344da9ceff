// 06_app_versions: an application update reaches the laptop before the phone. Version 2 of
// the notes app adds a field (a note can be pinned) and a model (tags), and renames the
// C++ field `text` to `body` while peers and the file still know it as "text". The phone,
// still on version 1, keeps syncing with the laptop: its notes reach the laptop, where the
// new field takes its default; its edits never clear the laptop's pins; the laptop's tags
// do not trouble it. It even keeps the pins it cannot read (it *carries* them, for other
// devices). When the phone is updated (the same file, opened with version 2), the pins it
// carried become its own at once, and it fetches the laptop's history again for the tags.
// Both devices live in this process, their engines exchanging frames in memory (as in
// 04_events).
//
//   cmake --build build --target hsync_example_06_app_versions
//   cd build/examples && ./hsync_example_06_app_versions     # writes example-06/*.db
#include <hsync/hsync.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

namespace v1 {  // what the phone runs
struct Note {
    static constexpr std::string_view sync_name = "note";  // how peers know the model: keep it
    hsync::record_id uuid;
    std::string text;
};
using app = hsync::library<Note>;
}  // namespace v1

namespace v2 {  // the update: a new field, with a default, a new model, a field renamed in C++
struct Note {
    static constexpr std::string_view sync_name = "note";
    static constexpr std::array sync_fields{hsync::sync_field{"body", "text"}};  // `body` was `text`
    hsync::record_id uuid;
    std::string body;
    bool pinned = false;
};
struct Tag {
    static constexpr std::string_view sync_name = "tag";
    hsync::record_id uuid;
    std::string name;
};
using app = hsync::library<Note, Tag>;
}  // namespace v2

// One device on one version of the app: its library and its sync engine.
template <class App>
struct device {
    device(const std::filesystem::path& file, const hsync::identity& identity, const hsync::library_options& options)
        : lib(file, identity, options), engine(lib) {}
    App lib;
    hsync::sync::engine<App> engine;
};

// The engines of two devices of any versions, connected, exchange frames for 500 ms of
// virtual time. A connection an engine closes is dialed again, as hsync::net::node does
// (a device that starts carrying a peer's fields reconnects once to show them).
template <class A, class B>
void sync(device<A>& a, const hsync::uuid& a_id, device<B>& b, const hsync::uuid& b_id) {
    hsync::sync::millis now{0};
    bool connected = false;
    for (int step = 0; step < 100; ++step) {
        now += hsync::sync::millis(5);
        if (!connected) a.engine.connect(b_id, now), b.engine.connect(a_id, now), connected = true;
        a.engine.tick(now), b.engine.tick(now);
        for (const auto& out : a.engine.take_output()) b.engine.receive(a_id, out.body, now);
        for (const auto& out : b.engine.take_output()) a.engine.receive(b_id, out.body, now);
        if (!a.engine.take_closes().empty() || !b.engine.take_closes().empty()) {
            a.engine.disconnect(b_id, now), b.engine.disconnect(a_id, now), connected = false;
        }
    }
    const auto status = a.engine.status(b_id);
    std::printf("  ~ sync: %s%s ~\n", std::string(hsync::sync::to_string(status.state)).c_str(),
                status.refused_because.empty() ? "" : (", refused: " + status.refused_because).c_str());
    a.engine.disconnect(b_id, now), b.engine.disconnect(a_id, now);
}

void show(const char* who, const v1::Note& n) { std::printf("%-8s %s\n", who, n.text.c_str()); }
void show(const char* who, const v2::Note& n) {
    std::printf("%-8s %-22s %s\n", who, n.body.c_str(), n.pinned ? "pinned" : "-");
}

int main() {
    const std::filesystem::path dir = "example-06";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    hsync::library_options options;
    options.library_id = hsync::uuid::v4();
    const hsync::identity laptop_id{hsync::uuid::v4()}, phone_id{hsync::uuid::v4()};

    device<v2::app> laptop(dir / "laptop.db", laptop_id, options);
    auto phone = std::make_unique<device<v1::app>>(dir / "phone.db", phone_id, options);
    hsync::replica(laptop.lib).pair(phone_id.device_id), hsync::replica(phone->lib).pair(laptop_id.device_id);

    const hsync::record_id groceries = hsync::record_id::generate(), trip = hsync::record_id::generate();
    laptop.lib.commit(v2::Note{groceries, "groceries", true});
    laptop.lib.commit(v2::Tag{hsync::record_id::generate(), "home"});
    phone->lib.commit(v1::Note{trip, "trip to Lyon"});
    std::puts("laptop on version 2, phone on version 1:");
    sync(laptop, laptop_id.device_id, *phone, phone_id.device_id);
    show("laptop", *laptop.lib.get<v2::Note>(trip));
    show("phone", *phone->lib.get<v1::Note>(groceries));

    std::puts("the phone edits the pinned note:");
    phone->lib.commit(v1::Note{groceries, "groceries and bread"});
    sync(laptop, laptop_id.device_id, *phone, phone_id.device_id);
    const v2::Note edited = *laptop.lib.get<v2::Note>(groceries);
    show("laptop", edited);

    std::puts("the phone is updated to version 2 (before it syncs again):");
    phone.reset();
    device<v2::app> updated(dir / "phone.db", phone_id, options);
    const v2::Note on_phone = *updated.lib.get<v2::Note>(groceries);  // the pin it carried
    show("phone", on_phone);
    sync(laptop, laptop_id.device_id, updated, phone_id.device_id);
    std::printf("phone's tags after syncing: %zu\n", updated.lib.all<v2::Tag>().size());

    const bool ok = edited.pinned && edited.body == "groceries and bread" && on_phone.pinned &&
                    on_phone.body == "groceries and bread" && updated.lib.all<v2::Tag>().size() == 1 &&
                    !laptop.lib.get<v2::Note>(trip)->pinned;
    std::printf("%s\n", ok ? "app versions: ok" : "app versions: FAILED");
    return ok ? 0 : 1;
}
