#pragma once
// Two versions of a small notes app's models, for tests of devices on different versions.
// Version 2 adds a field to a shared model (a note can be pinned, declared before the
// field version 1 has, so every field slot moves), a field to a device-owned model (a
// camera's lens) and a model (tags).
#include <hsync/hsync.hpp>

#include <string>
#include <string_view>

namespace versioned_notes {

namespace v1 {
struct Note {
    static constexpr std::string_view sync_name = "note";
    hsync::record_id uuid;
    std::string text;
};
struct Camera {
    static constexpr std::string_view sync_name = "camera";
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string model;
};
using app = hsync::library<Note, Camera>;
}  // namespace v1

namespace v2 {
struct Note {
    static constexpr std::string_view sync_name = "note";
    hsync::record_id uuid;
    bool pinned = false;  // new, and declared before the old field
    std::string text;
};
struct Camera {
    static constexpr std::string_view sync_name = "camera";
    hsync::record_id uuid;
    hsync::owner_id device;
    std::string model;
    std::string lens = "unknown";  // new
};
struct Tag {  // a new model
    static constexpr std::string_view sync_name = "tag";
    hsync::record_id uuid;
    std::string name;
};
using app = hsync::library<Note, Camera, Tag>;
}  // namespace v2

}  // namespace versioned_notes
