// The positive control: the same kind of translation unit as the misuse_*.cpp cases,
// with a well-formed model. It must compile, or the harness proves nothing.
#include <hsync/hsync.hpp>

#include "seed_models.hpp"

namespace {
struct Note {
    hsync::record_id uuid;
    std::string text;
};
}  // namespace

static_assert(hsync::model_traits<Note>::name == "note");
static_assert(hsync::model_traits<photos::Entry>::strategy == hsync::strategy::device_owned);
