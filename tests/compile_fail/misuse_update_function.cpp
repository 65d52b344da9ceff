// expect: hsync: update<M>(id, fn): fn must take an M& to change
#include <hsync/hsync.hpp>

struct Note {
    hsync::record_id uuid;
    std::string text;
};

// fn takes the wrong thing: update hands it the record to change.
void rename(hsync::library<Note>& lib, const hsync::uuid& id) {
    lib.update<Note>(id, [](std::string& text) { text = "renamed"; });
}
