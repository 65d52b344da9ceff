// expect: hsync: this model has more than one owner field
#include <hsync/hsync.hpp>

#include <optional>

struct Share {
    hsync::record_id uuid;
    hsync::owner_id device;
    std::optional<hsync::owner_id> other_device;
};

static_assert(hsync::model_traits<Share>::field_count == 3);
