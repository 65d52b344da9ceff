// expect: hsync: a model syncs at most 64 fields besides its record id
#include <hsync/hsync.hpp>

struct Wide {
    hsync::record_id uuid;
    int f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15;
    int f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31;
    int f32, f33, f34, f35, f36, f37, f38, f39, f40, f41, f42, f43, f44, f45, f46, f47;
    int f48, f49, f50, f51, f52, f53, f54, f55, f56, f57, f58, f59, f60, f61, f62, f63;
    int f64;  // the 65th: one too many
};

static_assert(hsync::model_traits<Wide>::field_count == 66);
