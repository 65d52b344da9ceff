// expect: hsync: a model refers (hsync::ref<M>) to a model that is not in this library
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
    hsync::library<Photo> lib(path, id);  // Album is missing
}
