#pragma once
// The seven models of the reference design, declared as an application would declare
// them. Examples and tests share this header.
//
//   device-owned: Device, Volume, Location, Entry   (they have an hsync::owner_id)
//   shared:       Tag, Album                        (no owner field)
//   mixed:        UserMetadata                      (std::optional<hsync::owner_id>)

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Models need only the light entry; the single-header edition has one header for all.
#if __has_include(<hsync/library.hpp>)
#include <hsync/library.hpp>
#else
#include <hsync/hsync.hpp>
#endif

namespace photos {

// A device of the user's, described by itself.
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

enum class entry_kind : std::uint8_t { file = 0, directory = 1, symlink = 2 };

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

// Per-record: owned by a device when `device` is set (say, metadata about that device's
// entry), shared when it is not (metadata every device edits).
struct UserMetadata {
    hsync::record_id uuid;
    std::optional<hsync::owner_id> device;
    std::optional<hsync::ref<Entry>> entry;
    std::optional<std::string> notes;
    bool favorite = false;
    bool hidden = false;
    std::optional<std::int8_t> rating;
};

}  // namespace photos
