// 02_file_library: the seven seed models (examples/seed_models.hpp) in a small file-library
// app. It prints what hsync derives from each struct at compile time, indexes a folder
// (the device, its disk, the folder, files, tags, an album, the user's notes) in one
// transaction, then queries it and prints a listing.
//
//   cmake --build build --target hsync_example_02_file_library
//   cd build/examples && ./hsync_example_02_file_library     # writes example-02/files.db
#include <hsync/hsync.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "seed_models.hpp"

using namespace photos;

template <class M>
void describe() {  // a model's sync name, its strategy and the fields that never leave the device
    using traits = hsync::model_traits<M>;
    std::string local;
    for (auto name : traits::local_field_names) local += " " + std::string(name);
    std::printf("%-14s %-13s %zu synced fields, local:%s\n", std::string(traits::name).c_str(),
                std::string(hsync::to_string(traits::strategy)).c_str(), traits::synced_count,
                local.empty() ? " -" : local.c_str());
}

int main() {
    describe<Device>(), describe<Volume>(), describe<Location>(), describe<Entry>();
    describe<Tag>(), describe<Album>(), describe<UserMetadata>();

    const std::filesystem::path dir = "example-02";
    std::filesystem::remove_all(dir);  // start afresh on each run
    std::filesystem::create_directories(dir);
    const hsync::identity me{hsync::uuid::v4()};
    const hsync::owner_id mine{me.device_id};
    hsync::library<Device, Volume, Location, Entry, Tag, Album, UserMetadata> lib{dir / "files.db", me};

    const auto new_id = &hsync::record_id::generate;  // a new, time-ordered record id
    const Device laptop{.uuid = new_id(), .owner = mine, .name = "laptop", .os = "linux"};
    const Volume disk{.uuid = new_id(), .device = mine, .name = "disk", .mount_point = "/mnt/disk"};
    const Location pics{.uuid = new_id(), .device = mine, .volume = disk.uuid, .path = "/mnt/disk/Pictures"};
    const auto file = [&](const char* name, std::uint64_t size) {
        return Entry{.uuid = new_id(), .device = mine, .location = pics.uuid, .name = name, .size = size};
    };
    const Entry beach = file("beach.jpg", 2'400'000), sunset = file("sunset.jpg", 3'100'000);
    const Album summer{.uuid = new_id(), .name = "Summer", .cover = beach.uuid};
    lib.with_tx([&](auto& tx) {  // one transaction: all of it is written, or none
        tx.commit(laptop), tx.commit(disk), tx.commit(pics);
        tx.commit(beach), tx.commit(sunset), tx.commit(file("todo.txt", 1'200));
        tx.commit(Tag{.uuid = new_id(), .canonical_name = "beach"});
        tx.commit(Tag{.uuid = new_id(), .canonical_name = "sunset", .color = "orange"});
        tx.commit(summer);
        // Mixed: this device's own rating (device-owned), and notes that every device edits (shared).
        tx.commit(UserMetadata{.uuid = new_id(), .device = mine, .entry = beach.uuid, .favorite = true, .rating = 5});
        tx.commit(UserMetadata{.uuid = new_id(), .entry = sunset.uuid, .notes = "print it"});
    });

    // The listing: a folder with its disk and device, its files by name, each with its metadata.
    const Volume on = *lib.get<Volume>(pics.volume->id);
    const Device owner = lib.query<Device>("WHERE owner = ?", pics.device).at(0);
    std::printf("\n%s on %s (%s)\n", pics.path.c_str(), on.name.c_str(), owner.name.c_str());
    const auto files = lib.query<Entry>("WHERE location = ? ORDER BY name", pics.uuid);
    for (const Entry& e : files) {
        std::string meta;
        for (const UserMetadata& m : lib.query<UserMetadata>("WHERE entry = ?", e.uuid)) {
            if (m.rating) meta += "rating " + std::to_string(*m.rating) + (m.favorite ? ", favorite" : "");
            if (m.notes) meta += "notes: " + *m.notes;
        }
        const auto kb = static_cast<unsigned long long>(e.size / 1000);
        std::printf("  %-12s %6llu kB  %s\n", e.name.c_str(), kb, meta.c_str());
    }
    const auto photos = lib.query<Entry>("WHERE name LIKE ? ORDER BY name", "%.jpg");
    const std::string cover = lib.get<Entry>(lib.get<Album>(summer.uuid)->cover->id)->name;
    std::printf("photos: %zu; album %s: cover %s; tags: %zu; shared log entries: %zu\n", photos.size(),
                summer.name.c_str(), cover.c_str(), lib.all<Tag>().size(), lib.status().log_entries);

    // Shared records (2 tags, the album, the shared notes) are logged; device-owned ones are not.
    const bool ok = files.size() == 3 && photos.size() == 2 && cover == "beach.jpg" && lib.status().log_entries == 4;
    std::puts(ok ? "file library: ok" : "file library: FAILED");
    return ok ? 0 : 1;
}
