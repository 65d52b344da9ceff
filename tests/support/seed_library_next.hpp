#pragma once
// The next version of the seed models, for the simulator's *upgrade* fault (a device
// restarts on it in the middle of a run, docs/testing.md): a field added to a shared
// model, before the fields it had (so every slot after it moves); a field added to a
// device-owned model and to the mixed one; and a model added. Every other model is
// declared again only because references name their model's type.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <hsync/hsync.hpp>

#include "seed_models.hpp"

namespace photos_next {

using photos::entry_kind;

struct Device {
    hsync::record_id uuid;
    hsync::owner_id owner;
    std::string name;
    std::string os;
    std::optional<std::string> hardware_model;
    std::chrono::system_clock::time_point last_seen{};
    hsync::local<bool> is_this_device{false};
};

struct Volume {
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string name;
    std::string mount_point;
    std::uint64_t total_capacity = 0;
    std::uint64_t available_capacity = 0;
    std::optional<std::string> file_system;
    bool is_removable = false;
    hsync::local<std::string> mount_status{"unknown"};
    std::string serial_number = "unknown";  // new: a device-owned model's field
};

struct Location {
    hsync::record_id uuid;
    hsync::owner_id device;
    std::optional<hsync::ref<Volume>> volume;
    std::optional<std::string> name;
    std::string path;
    std::string index_mode = "deep";
    std::int64_t total_file_count = 0;
    hsync::local<std::string> scan_state{"pending"};
};

struct Entry {
    hsync::record_id uuid;
    hsync::owner_id device;
    hsync::ref<Location> location;
    std::optional<hsync::ref<Entry>> parent;
    std::string name;
    entry_kind kind = entry_kind::file;
    std::uint64_t size = 0;
    std::chrono::system_clock::time_point modified_at{};
    std::optional<std::vector<std::byte>> content_hash;
    hsync::local<std::int64_t> inode{0};
};

struct Tag {
    hsync::record_id uuid;
    std::int32_t usage_count = 0;  // new: a shared model's field, before the others
    std::string canonical_name;
    std::optional<std::string> display_name;
    std::optional<std::string> color;
    std::int32_t search_weight = 100;
};

struct Album {
    hsync::record_id uuid;
    std::string name;
    std::optional<std::string> description;
    std::optional<hsync::ref<Entry>> cover;
    std::chrono::system_clock::time_point created_at{};
};

struct UserMetadata {
    hsync::record_id uuid;
    std::optional<hsync::owner_id> device;
    std::optional<hsync::ref<Entry>> entry;
    std::optional<std::string> notes;
    bool favorite = false;
    bool hidden = false;
    std::optional<std::int8_t> rating;
    std::optional<std::string> mood;  // new: a mixed model's field
};

struct SmartAlbum {  // new: a model version 1 lacks
    hsync::record_id uuid;
    std::string query;
    std::optional<hsync::ref<Album>> pinned_to;
};

}  // namespace photos_next

namespace hsync_test {

using seed_library_next = hsync::library<photos_next::Device, photos_next::Volume, photos_next::Location,
                                         photos_next::Entry, photos_next::Tag, photos_next::Album,
                                         photos_next::UserMetadata, photos_next::SmartAlbum>;

static_assert(hsync::model_traits<photos_next::SmartAlbum>::name == "smart_album");
static_assert(hsync::model_traits<photos_next::UserMetadata>::name == "user_metadata");

}  // namespace hsync_test
