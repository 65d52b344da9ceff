// expect: hsync: sync_fields must list hsync::sync_field entries
#include <hsync/hsync.hpp>

#include <string>

// A plain string instead of a list of hsync::sync_field.
struct Note {
    static constexpr const char* sync_fields = "body=text";
    hsync::record_id uuid;
    std::string body;
};

static_assert(hsync::model_traits<Note>::field_count == 2);
