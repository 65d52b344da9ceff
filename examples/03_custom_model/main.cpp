// 03_custom_model: an application's own models, with hsync::local<T> fields (stored on the
// device, never sent) and an hsync::ref<M> field (a record's reference to another, by id).
// A laptop's commits are applied to a phone's library as the sync engine would apply them
// (on_outgoing -> apply, with no network): the phone gets the book and resolves its shelf,
// but never the laptop's local fields, and keeps its own local values across updates.
//
//   cmake --build build --target hsync_example_03_custom_model
//   cd build/examples && ./hsync_example_03_custom_model     # writes example-03/*.db
#include <hsync/hsync.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>

struct Shelf {                                // shared: any device renames it
    hsync::record_id uuid;
    std::string name;
    hsync::local<bool> collapsed{false};      // how this device's screen shows it
};

struct Book {                                 // device-owned: by the device that holds the file
    hsync::record_id uuid;
    hsync::owner_id device;
    hsync::ref<Shelf> shelf;                  // a record id, so it means the same on every device
    std::string title;
    std::int32_t page = 0;
    hsync::local<std::string> file_path;      // where this device keeps the file
};

int main() {
    const std::filesystem::path dir = "example-03";
    std::filesystem::remove_all(dir);  // start afresh on each run
    std::filesystem::create_directories(dir);
    const hsync::identity laptop_id{hsync::uuid::v4()}, phone_id{hsync::uuid::v4()};
    hsync::library<Shelf, Book> laptop{dir / "laptop.db", laptop_id}, phone{dir / "phone.db", phone_id};

    // What each laptop transaction sends, applied on the phone: shared changes first, then
    // device-owned states (a book needs its shelf), as the sync engine does.
    hsync::replica(laptop).attach([&](const hsync::outgoing_changes& out) {
        const auto show = [&](const std::string& model, const hsync::field_values& values) {
            std::string keys;
            const nlohmann::json fields = hsync::values_json(laptop, model, values);
            for (const auto& item : fields.items()) keys += " " + item.key();
            std::printf("sent to the phone: %s:%s\n", model.c_str(), keys.c_str());
        };
        for (const auto& b : out.shared) {
            for (const auto& e : b.entries) show(e.model, e.values);
            hsync::replica(phone).apply_shared_changes(std::span<const hsync::shared_entry>(b.entries));
        }
        for (const auto& b : out.states) {
            for (const auto& r : b.records) show(r.model, r.values);
            hsync::replica(phone).apply_states(std::span<const hsync::state_record>(b.records));
        }
    });
    int sent_by_phone = 0;
    hsync::replica(phone).attach([&](const hsync::outgoing_changes&) { ++sent_by_phone; });

    Shelf novels{hsync::record_id::generate(), "Novels"};
    Book dune{hsync::record_id::generate(), hsync::owner_id{laptop_id.device_id}, novels.uuid, "Dune", 120,
              "/home/me/books/dune.epub"};
    laptop.with_tx([&](auto& tx) {
        tx.commit(novels);
        tx.commit(dune);
    });

    const Book there = *phone.get<Book>(dune.uuid);
    Shelf shelf = *phone.get<Shelf>(there.shelf.id);  // the ref, resolved on the phone
    std::printf("phone: %s on shelf %s, file_path \"%s\" (the laptop's stayed on the laptop)\n", there.title.c_str(),
                shelf.name.c_str(), there.file_path->c_str());

    shelf.collapsed = true;  // a local field only: stored on the phone, nothing to send
    phone.commit(shelf);
    std::printf("phone collapses the shelf: %d changes sent\n", sent_by_phone);

    novels.name = "Science fiction";  // the laptop renames the shelf and reads on
    dune.page = 200;
    laptop.with_tx([&](auto& tx) {
        tx.commit(novels);
        tx.commit(dune);
    });
    const Book now = *phone.get<Book>(dune.uuid);
    shelf = *phone.get<Shelf>(now.shelf.id);
    std::printf("phone: %s, page %d, on shelf %s, %s there\n", now.title.c_str(), now.page, shelf.name.c_str(),
                *shelf.collapsed ? "still collapsed" : "expanded");

    const bool ok = there.file_path->empty() && now.file_path->empty() && sent_by_phone == 0 && now.page == 200 &&
                    shelf.name == "Science fiction" && *shelf.collapsed && !*laptop.get<Shelf>(novels.uuid)->collapsed &&
                    *laptop.get<Book>(dune.uuid)->file_path == "/home/me/books/dune.epub";
    std::puts(ok ? "custom model: ok" : "custom model: FAILED");
    return ok ? 0 : 1;
}
