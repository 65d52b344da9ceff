// expect: hsync: a model is listed twice in hsync::library<...>
#include <hsync/hsync.hpp>

#include <filesystem>
#include <string>

struct Album {
    hsync::record_id uuid;
    std::string title;
};
struct Photo {
    hsync::record_id uuid;
    hsync::ref<Album> album;
};

void open_library(const std::filesystem::path& path, const hsync::identity& id) {
    hsync::library<Album, Photo, Album> lib(path, id);  // Album listed twice
}
