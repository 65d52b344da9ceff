// expect: hsync: this model has no hsync::record_id field
#include <hsync/hsync.hpp>

struct Note {
    std::string text;
};

static_assert(hsync::model_traits<Note>::field_count == 1);
