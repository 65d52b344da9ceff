// The example of README.md, kept identical to it by the readme_example test.
#include <hsync/hsync.hpp>
#include <cstdio>

struct Location {                                   // device-owned: it has an owner_id
    hsync::record_id uuid;                          // the record's identity on every device
    hsync::owner_id device;                         // only this device writes the record
    std::string path;
    hsync::local<std::string> scan_state{"pending"};  // stored here, never sent
};

struct Tag {                                        // shared: any device writes it
    hsync::record_id uuid;
    std::string canonical_name;
    std::optional<std::string> color;
};

int main() {
    std::filesystem::remove("photos.db");            // the example starts afresh each run
    const hsync::identity me{hsync::uuid::v4()};    // this device
    hsync::library<Location, Tag> lib{"photos.db", me};
    lib.on<Tag>([](const hsync::change<Tag>& c) { std::puts(c.value->canonical_name.c_str()); });

    Tag sunset{hsync::record_id::generate(), "sunset"};
    lib.commit(sunset);                             // row + HLC log entry, one transaction
    sunset.color = "orange";
    lib.commit(sunset);                             // logs only the changed field
    lib.commit(Location{hsync::record_id::generate(), hsync::owner_id{me.device_id}, "/pics"});
    Tag form = lib.all<Tag>().front();              // a copy remembers the version it was read from:
    form.canonical_name = "sunset 2026";            // committing it writes only what you changed,
    lib.commit(form);                               // never undoing a peer's later edit
    return lib.all<Tag>().size() == 1 && lib.status().log_entries == 3 ? 0 : 1;
}
