// expect: hsync: two models of this library have the same sync name
#include <hsync/hsync.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace music {
struct Album {
    hsync::record_id uuid;
    std::string title;
};
}  // namespace music

namespace photos {
struct Album {  // also synced as "album"
    hsync::record_id uuid;
    std::string title;
};
}  // namespace photos

void open_library(const std::filesystem::path& path, const hsync::identity& id) {
    hsync::library<music::Album, photos::Album> lib(path, id);
}
