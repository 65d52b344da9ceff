// Run-time checks of reflection: field access for both kinds of model, and the names
// derived for types in unusual places.
#include <hsync/hsync.hpp>

#include <boost/hana/adapt_struct.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "seed_models.hpp"

namespace adapted {
// Not an aggregate (it has a constructor), so it is adapted explicitly.
class Playlist {
public:
    Playlist() = default;
    Playlist(hsync::record_id id, std::string name) : uuid(id), title(std::move(name)) {}

    hsync::record_id uuid;
    std::string title;
    std::int32_t track_count = 0;
};
}  // namespace adapted
BOOST_HANA_ADAPT_STRUCT(adapted::Playlist, uuid, title, track_count);

TEST_CASE("for_each_field visits an aggregate's fields in order, by reference", "[reflection]") {
    photos::Tag tag{hsync::record_id::generate(), "sunset", std::nullopt, "orange", 5};
    std::vector<std::string> seen;
    hsync::detail::for_each_field(tag, [&](auto index, auto& field) {
        constexpr std::size_t i = decltype(index)::value;
        seen.emplace_back(hsync::model_traits<photos::Tag>::field_names[i]);
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(field)>, std::int32_t>) field = 77;
    });
    REQUIRE(seen == std::vector<std::string>{"uuid", "canonical_name", "display_name", "color", "search_weight"});
    REQUIRE(tag.search_weight == 77);
}

TEST_CASE("a BOOST_HANA_ADAPT_STRUCT model takes the same path as an aggregate", "[reflection]") {
    using traits = hsync::model_traits<adapted::Playlist>;
    adapted::Playlist p{hsync::record_id::generate(), "Road trip"};
    p.track_count = 12;
    std::vector<std::string> names;
    hsync::detail::for_each_field(p, [&](auto index, auto& field) {
        names.emplace_back(traits::field_names[decltype(index)::value]);
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(field)>, std::string>) field += "!";
    });
    REQUIRE(names == std::vector<std::string>{"uuid", "title", "track_count"});
    REQUIRE(p.title == "Road trip!");

    const auto j = hsync::to_json(p);
    REQUIRE(j.at("title") == "Road trip!");
    REQUIRE(j.at("track_count") == 12);
    const auto back = hsync::from_json<adapted::Playlist>(j);
    REQUIRE(back.uuid == p.uuid);
    REQUIRE(back.title == p.title);
    REQUIRE(back.track_count == 12);
}

TEST_CASE("models declared inside a function are named after their type", "[reflection]") {
    struct FolderWatch {
        hsync::record_id uuid;
        hsync::owner_id device;
        std::string path;
    };
    using traits = hsync::model_traits<FolderWatch>;
    REQUIRE(traits::name == "folder_watch");
    REQUIRE(traits::strategy == hsync::strategy::device_owned);
    REQUIRE(traits::field_names[2] == "path");
}

namespace {
consteval bool snake_is(std::string_view in, std::string_view expected) {
    char out[64]{};
    const std::size_t n = hsync::detail::snake_case(in, out);
    return n == hsync::detail::snake_case(in, nullptr) && std::string_view(out, n) == expected;
}
}  // namespace

TEST_CASE("snake_case of type names", "[reflection]") {
    STATIC_REQUIRE(snake_is("UserMetadata", "user_metadata"));
    STATIC_REQUIRE(snake_is("Tag", "tag"));
    STATIC_REQUIRE(snake_is("HTTPServer", "http_server"));
    STATIC_REQUIRE(snake_is("Mp3File", "mp3_file"));
    STATIC_REQUIRE(snake_is("already_snake", "already_snake"));
    STATIC_REQUIRE(snake_is("ID", "id"));
}
