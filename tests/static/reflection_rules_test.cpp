// The rules of reflection beyond the seed models: name overrides, adapted types,
// positions of the id and owner, column mappings.
#include <hsync/hsync.hpp>

#include <boost/hana/adapt_struct.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rules {

struct PhotoItem {
    static constexpr std::string_view sync_name = "photo";  // overrides "photo_item"
    std::string caption;
    hsync::record_id uuid;  // the id need not come first
};

struct HTTPCache {
    hsync::record_id id;
    hsync::local<std::vector<std::uint8_t>> body;
    hsync::owner_id device;
};

// Fields renamed in C++ that keep the names peers and the library file know them by.
struct Track {
    static constexpr std::array sync_fields{hsync::sync_field{"title", "name"}, hsync::sync_field{"seconds", "length"}};
    hsync::record_id uuid;
    std::string title;  // was `name`
    std::int32_t seconds = 0;  // was `length`
    hsync::local<bool> played;
};

enum class color : std::int16_t { red, green };

struct EveryType {
    hsync::record_id uuid;
    bool b;
    char c;
    std::int8_t i8;
    std::uint8_t u8;
    std::int16_t i16;
    std::uint16_t u16;
    std::int32_t i32;
    std::uint32_t u32;
    std::int64_t i64;
    std::uint64_t u64;
    float f;
    double d;
    std::string s;
    std::vector<std::byte> blob;
    std::vector<std::uint8_t> bytes;
    hsync::uuid u;
    std::chrono::system_clock::time_point at;
    color col;
    std::optional<std::string> maybe;
    hsync::local<std::optional<double>> kept_here;
};

class Counter {
public:
    Counter() = default;
    hsync::record_id uuid;
    hsync::owner_id device;
    std::int64_t value = 0;

    int cached_total() const { return cache_; }

private:
    int cache_ = 0;  // not adapted: never synced, never stored
};

}  // namespace rules
BOOST_HANA_ADAPT_STRUCT(rules::Counter, uuid, device, value);

using hsync::model_traits;

TEST_CASE("sync_name overrides the derived name; the id may be anywhere", "[static][rules]") {
    STATIC_REQUIRE(model_traits<rules::PhotoItem>::name == "photo");
    STATIC_REQUIRE(model_traits<rules::PhotoItem>::id_index == 1);
    STATIC_REQUIRE(model_traits<rules::PhotoItem>::strategy == hsync::strategy::shared);
}

TEST_CASE("acronyms in type names, owner after a local field", "[static][rules]") {
    using t = model_traits<rules::HTTPCache>;
    STATIC_REQUIRE(t::name == "http_cache");
    STATIC_REQUIRE(t::strategy == hsync::strategy::device_owned);
    STATIC_REQUIRE(t::owner_index == 2);
    STATIC_REQUIRE(t::synced_indices == std::array<std::size_t, 2>{0, 2});
    STATIC_REQUIRE(t::local_indices == std::array<std::size_t, 1>{1});
    STATIC_REQUIRE(t::is_synced(0));
    STATIC_REQUIRE_FALSE(t::is_synced(1));
}

TEST_CASE("every supported field type is accepted and mapped to a column", "[static][rules]") {
    using t = model_traits<rules::EveryType>;
    STATIC_REQUIRE(t::field_count == 21);
    STATIC_REQUIRE(t::synced_count == 20);
    using hsync::column_mapping;
    using hsync::sql_type;
    STATIC_REQUIRE(column_mapping<bool>::type == sql_type::integer);
    STATIC_REQUIRE(column_mapping<std::uint64_t>::type == sql_type::integer);
    STATIC_REQUIRE(column_mapping<float>::type == sql_type::real);
    STATIC_REQUIRE(column_mapping<std::string>::type == sql_type::text);
    STATIC_REQUIRE(column_mapping<std::vector<std::byte>>::type == sql_type::blob);
    STATIC_REQUIRE(column_mapping<hsync::uuid>::type == sql_type::blob);
    STATIC_REQUIRE(column_mapping<hsync::ref<rules::PhotoItem>>::type == sql_type::blob);
    STATIC_REQUIRE(column_mapping<std::chrono::system_clock::time_point>::type == sql_type::integer);
    STATIC_REQUIRE(column_mapping<rules::color>::type == sql_type::integer);
    STATIC_REQUIRE(column_mapping<std::optional<std::string>>::nullable);
    STATIC_REQUIRE_FALSE(column_mapping<std::string>::nullable);
    STATIC_REQUIRE(column_mapping<hsync::local<std::optional<double>>>::nullable);
    STATIC_REQUIRE_FALSE(hsync::column_type<std::optional<std::optional<int>>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<std::vector<int>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<std::optional<std::vector<int>>>);
    STATIC_REQUIRE_FALSE(hsync::column_type<hsync::local<std::vector<int>>>);
}

TEST_CASE("a non-aggregate adapted with BOOST_HANA_ADAPT_STRUCT reflects its adapted fields", "[static][rules]") {
    using t = model_traits<rules::Counter>;
    STATIC_REQUIRE(t::name == "counter");
    STATIC_REQUIRE(t::strategy == hsync::strategy::device_owned);
    STATIC_REQUIRE(t::field_count == 3);
    STATIC_REQUIRE(t::field_names[2] == "value");
    STATIC_REQUIRE(t::owner_index == 1);
}

TEST_CASE("sync_fields gives fields the names peers and the library file know them by", "[static][rules]") {
    using t = model_traits<rules::Track>;
    STATIC_REQUIRE(t::field_names[1] == "name");
    STATIC_REQUIRE(t::field_names[2] == "length");
    STATIC_REQUIRE(t::field_names[3] == "played");
    STATIC_REQUIRE(t::synced_field_names[1] == "name");
    STATIC_REQUIRE(t::local_field_names[0] == "played");
    STATIC_REQUIRE(hsync::detail::field_names<rules::Track>()[1] == "title");  // the C++ name
}
