// The positive control: the same kind of translation unit as the misuse_*.cpp cases,
// with a well-formed model. It must compile, or the harness proves nothing.
#include <hsync/hsync.hpp>

#include <filesystem>
#include <optional>

#include "seed_models.hpp"

namespace {
struct Note {
    hsync::record_id uuid;
    std::string text;
};

// A well-formed library, the fixed form of the misuse_library_*.cpp cases: references
// close over the list and the cycle is broken by an optional reference.
struct Photo;
struct Album {
    hsync::record_id uuid;
    std::optional<hsync::ref<Photo>> cover;
};
struct Photo {
    hsync::record_id uuid;
    hsync::ref<Album> album;
};
}  // namespace

void open_library(const std::filesystem::path& path, const hsync::identity& id) {
    hsync::library<Note, Album, Photo> lib(path, id);
}

static_assert(hsync::model_traits<Note>::name == "note");
static_assert(hsync::model_traits<photos::Entry>::strategy == hsync::strategy::device_owned);
