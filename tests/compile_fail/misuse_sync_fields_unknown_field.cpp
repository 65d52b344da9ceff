// expect: hsync: sync_fields names a field this model does not declare
#include <hsync/hsync.hpp>

#include <array>
#include <string>

// The C++ field was renamed from `text` to `body`, but sync_fields still names the old one.
struct Note {
    static constexpr std::array sync_fields{hsync::sync_field{"text", "text"}};
    hsync::record_id uuid;
    std::string body;
};

static_assert(hsync::model_traits<Note>::field_count == 2);
