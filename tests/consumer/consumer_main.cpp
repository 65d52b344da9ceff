// A small application of hsync, built by the consumer projects. It exits non-zero if
// anything hsync derives or converts is not what the model says.
#include <hsync/hsync.hpp>

#include <cstdio>
#include <optional>
#include <string>

namespace app {
struct Bookmark {
    hsync::record_id uuid;
    std::string url;
    std::optional<std::string> title;
    hsync::local<bool> opened{false};
};
}  // namespace app

static_assert(hsync::model_traits<app::Bookmark>::name == "bookmark");
static_assert(hsync::model_traits<app::Bookmark>::strategy == hsync::strategy::shared);
static_assert(hsync::model_traits<app::Bookmark>::synced_count == 3);

int main() {
    app::Bookmark b{hsync::record_id::generate(), "https://example.org", "Example", true};
    const auto round_trip = hsync::from_json<app::Bookmark>(hsync::to_json(b));
    const bool ok = round_trip.uuid == b.uuid && round_trip.url == b.url && round_trip.title == b.title &&
                    !round_trip.opened;  // local fields never travel
    std::printf("hsync %d.%d.%d consumer: %s\n", hsync::version_major, hsync::version_minor,
                hsync::version_patch, ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}
