// expect: hsync: a model's sync name must be a non-empty identifier
#include <hsync/hsync.hpp>

#include <string_view>

struct Photo {
    static constexpr std::string_view sync_name = "Photo Items";
    hsync::record_id uuid;
};

static_assert(hsync::model_traits<Photo>::field_count == 1);
