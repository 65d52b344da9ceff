// expect: hsync: this model has more than one hsync::record_id field
#include <hsync/hsync.hpp>

struct Link {
    hsync::record_id uuid;
    hsync::record_id target;  // should be hsync::ref<Link>
};

static_assert(hsync::model_traits<Link>::field_count == 2);
