// expect: hsync: the models' non-optional references (hsync::ref<M>) form a cycle
#include <hsync/hsync.hpp>

#include <filesystem>
#include <string>

struct Photo;
struct Album {
    hsync::record_id uuid;
    hsync::ref<Photo> cover;  // should be std::optional<hsync::ref<Photo>>
};
struct Photo {
    hsync::record_id uuid;
    hsync::ref<Album> album;
};

void open_library(const std::filesystem::path& path, const hsync::identity& id) {
    hsync::library<Album, Photo> lib(path, id);
}
