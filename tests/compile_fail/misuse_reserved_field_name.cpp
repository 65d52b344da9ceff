// expect: hsync: field names starting with 'hsync_' are reserved
#include <hsync/hsync.hpp>

#include <cstdint>

struct Clip {
    hsync::record_id uuid;
    std::int64_t hsync_version = 0;
};

static_assert(hsync::model_traits<Clip>::field_count == 2);
