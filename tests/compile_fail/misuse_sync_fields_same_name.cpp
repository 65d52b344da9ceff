// expect: hsync: two fields of this model have the same sync name
#include <hsync/hsync.hpp>

#include <array>
#include <string>

// `body` takes the name `text`, which another field still has.
struct Note {
    static constexpr std::array sync_fields{hsync::sync_field{"body", "text"}};
    hsync::record_id uuid;
    std::string body;
    std::string text;
};

static_assert(hsync::model_traits<Note>::field_count == 3);
