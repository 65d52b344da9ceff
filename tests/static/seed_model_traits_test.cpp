// What reflection derives from the seven seed models, checked at compile time
// (STATIC_REQUIRE fails the build) and listed in the test report.
#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <string_view>
#include <type_traits>

#include "seed_models.hpp"

using namespace photos;
using hsync::model_traits;
using hsync::strategy;
using sv = std::string_view;

namespace {
template <std::size_t N, std::size_t M>
constexpr bool names_are(const std::array<sv, N>& names, const std::array<sv, M>& expected) {
    if (N != M) return false;
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] != expected[i]) return false;
    }
    return true;
}
template <class... S>
constexpr std::array<sv, sizeof...(S)> list(S... s) {
    return {sv(s)...};
}
}  // namespace

TEST_CASE("device: device-owned, describes itself", "[static][seed]") {
    using t = model_traits<Device>;
    STATIC_REQUIRE(t::name == "device");
    STATIC_REQUIRE(t::strategy == strategy::device_owned);
    STATIC_REQUIRE(t::id_index == 0);
    STATIC_REQUIRE(t::owner_index == 1);
    STATIC_REQUIRE(names_are(t::synced_field_names, list("uuid", "owner", "name", "os", "hardware_model", "last_seen")));
    STATIC_REQUIRE(names_are(t::local_field_names, list("is_this_device")));
    STATIC_REQUIRE(t::local_indices == std::array<std::size_t, 1>{6});
    STATIC_REQUIRE(std::is_same_v<t::references, hsync::type_list<>>);
}

TEST_CASE("volume: device-owned, one local field", "[static][seed]") {
    using t = model_traits<Volume>;
    STATIC_REQUIRE(t::name == "volume");
    STATIC_REQUIRE(t::strategy == strategy::device_owned);
    STATIC_REQUIRE(t::id_index == 0);
    STATIC_REQUIRE(t::owner_index == 1);
    STATIC_REQUIRE(names_are(t::synced_field_names,
                             list("uuid", "device", "name", "mount_point", "total_capacity", "available_capacity",
                                  "file_system", "is_removable")));
    STATIC_REQUIRE(names_are(t::local_field_names, list("mount_status")));
    STATIC_REQUIRE(std::is_same_v<t::references, hsync::type_list<>>);
}

TEST_CASE("location: device-owned, optionally on a volume", "[static][seed]") {
    using t = model_traits<Location>;
    STATIC_REQUIRE(t::name == "location");
    STATIC_REQUIRE(t::strategy == strategy::device_owned);
    STATIC_REQUIRE(t::id_index == 0);
    STATIC_REQUIRE(t::owner_index == 1);
    STATIC_REQUIRE(names_are(t::synced_field_names,
                             list("uuid", "device", "volume", "name", "path", "index_mode", "total_file_count")));
    STATIC_REQUIRE(names_are(t::local_field_names, list("scan_state")));
    STATIC_REQUIRE(std::is_same_v<t::references, hsync::type_list<Volume>>);
    STATIC_REQUIRE(std::is_same_v<t::required_references, hsync::type_list<>>);
}

TEST_CASE("entry: device-owned, refers to its location and parent entry", "[static][seed]") {
    using t = model_traits<Entry>;
    STATIC_REQUIRE(t::name == "entry");
    STATIC_REQUIRE(t::strategy == strategy::device_owned);
    STATIC_REQUIRE(t::id_index == 0);
    STATIC_REQUIRE(t::owner_index == 1);
    STATIC_REQUIRE(t::field_count == 10);
    STATIC_REQUIRE(t::synced_count == 9);
    STATIC_REQUIRE(names_are(t::synced_field_names, list("uuid", "device", "location", "parent", "name", "kind",
                                                         "size", "modified_at", "content_hash")));
    STATIC_REQUIRE(names_are(t::local_field_names, list("inode")));
    STATIC_REQUIRE(std::is_same_v<t::references, hsync::type_list<Location, Entry>>);
    STATIC_REQUIRE(std::is_same_v<t::required_references, hsync::type_list<Location>>);
    STATIC_REQUIRE(std::is_same_v<t::field_type<2>, hsync::ref<Location>>);
}

TEST_CASE("tag: shared", "[static][seed]") {
    using t = model_traits<Tag>;
    STATIC_REQUIRE(t::name == "tag");
    STATIC_REQUIRE(t::strategy == strategy::shared);
    STATIC_REQUIRE(t::id_index == 0);
    STATIC_REQUIRE(t::owner_index == hsync::no_field);
    STATIC_REQUIRE_FALSE(t::has_owner);
    STATIC_REQUIRE(names_are(t::synced_field_names,
                             list("uuid", "canonical_name", "display_name", "color", "search_weight")));
    STATIC_REQUIRE(t::local_count == 0);
    STATIC_REQUIRE(std::is_same_v<t::references, hsync::type_list<>>);
}

TEST_CASE("album: shared, optionally with a cover entry", "[static][seed]") {
    using t = model_traits<Album>;
    STATIC_REQUIRE(t::name == "album");
    STATIC_REQUIRE(t::strategy == strategy::shared);
    STATIC_REQUIRE(t::owner_index == hsync::no_field);
    STATIC_REQUIRE(names_are(t::synced_field_names, list("uuid", "name", "description", "cover", "created_at")));
    STATIC_REQUIRE(t::local_count == 0);
    STATIC_REQUIRE(std::is_same_v<t::references, hsync::type_list<Entry>>);
    STATIC_REQUIRE(std::is_same_v<t::required_references, hsync::type_list<>>);
}

TEST_CASE("user_metadata: mixed, through std::optional<owner_id>", "[static][seed]") {
    using t = model_traits<UserMetadata>;
    STATIC_REQUIRE(t::name == "user_metadata");
    STATIC_REQUIRE(t::strategy == strategy::mixed);
    STATIC_REQUIRE(t::id_index == 0);
    STATIC_REQUIRE(t::owner_index == 1);
    STATIC_REQUIRE(t::has_owner);
    STATIC_REQUIRE(names_are(t::synced_field_names,
                             list("uuid", "device", "entry", "notes", "favorite", "hidden", "rating")));
    STATIC_REQUIRE(t::local_count == 0);
    STATIC_REQUIRE(std::is_same_v<t::references, hsync::type_list<Entry>>);
}
