// expect: hsync: a model field has a type with no column mapping
#include <hsync/hsync.hpp>

#include <map>
#include <string>

struct Settings {
    hsync::record_id uuid;
    std::map<std::string, int> values;
};

static_assert(hsync::model_traits<Settings>::field_count == 2);
