// The example of README.md, kept identical to it by the readme_example test.
#include <hsync/hsync.hpp>

struct Location {                                   // device-owned: it has an owner_id
    hsync::record_id uuid;                          // the record's identity on every device
    hsync::owner_id device;                         // only this device writes the record
    std::optional<std::string> name;
    std::string path;
    hsync::local<std::string> scan_state{"pending"};  // stored here, never sent
};

struct Tag {                                        // shared: any device writes it
    hsync::record_id uuid;
    std::string canonical_name;
    std::optional<std::string> display_name;
};

using location = hsync::model_traits<Location>;
static_assert(location::name == "location");
static_assert(location::strategy == hsync::strategy::device_owned);
static_assert(hsync::model_traits<Tag>::strategy == hsync::strategy::shared);

int main() {
    hsync::hlc_clock clock(hsync::uuid::v4());      // this device's hybrid logical clock
    Location home{hsync::record_id::generate(), hsync::owner_id{clock.device()}};
    home.path = "/home/me/Pictures";
    nlohmann::json payload = hsync::to_json(home);   // synced fields only
    Location copy = hsync::from_json<Location>(payload);  // strict: clear errors
    return copy.path == home.path ? 0 : 1;
}
