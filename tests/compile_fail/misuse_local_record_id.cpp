// expect: hsync: a record_id or owner field cannot be hsync::local<>
#include <hsync/hsync.hpp>

struct Draft {
    hsync::record_id uuid;
    hsync::local<hsync::owner_id> author;
};

static_assert(hsync::model_traits<Draft>::field_count == 2);
