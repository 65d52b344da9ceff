#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "seed_models.hpp"

using nlohmann::json;

namespace {

template <class M>
std::string read_error(const json& data) {
    try {
        (void)hsync::from_json<M>(data);
    } catch (const hsync::error& e) {
        REQUIRE(e.code() == hsync::errc::invalid_model_data);
        return e.what();
    }
    FAIL("from_json accepted invalid data: " << data.dump());
    return {};
}

photos::Entry sample_entry() {
    photos::Entry e;
    e.uuid = hsync::record_id::generate();
    e.device = hsync::owner_id{hsync::uuid::v4()};
    e.location = hsync::record_id::generate();
    e.parent = hsync::ref<photos::Entry>{hsync::uuid::v4()};
    e.name = "IMG_0001.jpg";
    e.kind = photos::entry_kind::directory;
    e.size = std::uint64_t{1} << 40;
    e.modified_at = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1'700'000'000'123'456'789LL));
    e.content_hash = std::vector<std::byte>{std::byte{0}, std::byte{0xff}, std::byte{0x10}};
    e.inode = 4242;
    return e;
}

}  // namespace

TEST_CASE("to_json writes the synced fields by name and leaves local fields out", "[json]") {
    const photos::Entry e = sample_entry();
    const json j = hsync::to_json(e);
    REQUIRE(j.size() == hsync::model_traits<photos::Entry>::synced_count);
    REQUIRE_FALSE(j.contains("inode"));
    REQUIRE(j.at("uuid") == e.uuid.value.to_string());
    REQUIRE(j.at("location") == e.location.id.to_string());
    REQUIRE(j.at("kind") == 1);
    REQUIRE(j.at("size") == (std::uint64_t{1} << 40));
    REQUIRE(j.at("modified_at") == 1'700'000'000'123'456'789LL);
    REQUIRE(j.at("content_hash").is_binary());

    photos::Tag tag{hsync::record_id::generate(), "sunset", std::nullopt, "orange", 5};
    const json t = hsync::to_json(tag);
    REQUIRE(t.at("display_name").is_null());
}

TEST_CASE("from_json(to_json(m)) gives m back, with local fields at their defaults", "[json]") {
    const photos::Entry e = sample_entry();
    const photos::Entry back = hsync::from_json<photos::Entry>(hsync::to_json(e));
    REQUIRE(back.uuid == e.uuid);
    REQUIRE(back.device == e.device);
    REQUIRE(back.location == e.location);
    REQUIRE(back.parent == e.parent);
    REQUIRE(back.name == e.name);
    REQUIRE(back.kind == e.kind);
    REQUIRE(back.size == e.size);
    REQUIRE(back.modified_at == e.modified_at);
    REQUIRE(back.content_hash == e.content_hash);
    REQUIRE(back.inode.get() == 0);  // local: never travelled

    photos::Location loc;
    loc.uuid = hsync::record_id::generate();
    loc.scan_state = "done";
    const auto loc_back = hsync::from_json<photos::Location>(hsync::to_json(loc));
    REQUIRE(loc_back.scan_state.get() == "pending");  // the declared default
    REQUIRE(loc_back.index_mode == "deep");
    REQUIRE_FALSE(loc_back.volume.has_value());

    photos::UserMetadata meta{hsync::record_id::generate(), std::nullopt, std::nullopt, "note", true, false, -3};
    const auto meta_back = hsync::from_json<photos::UserMetadata>(hsync::to_json(meta));
    REQUIRE_FALSE(meta_back.device.has_value());
    REQUIRE(meta_back.rating == std::optional<std::int8_t>(-3));
    REQUIRE(meta_back.favorite);
}

TEST_CASE("models survive MessagePack, blobs as binary", "[json]") {
    const photos::Entry e = sample_entry();
    const auto bytes = json::to_msgpack(hsync::to_json(e));
    const photos::Entry back = hsync::from_json<photos::Entry>(json::from_msgpack(bytes));
    REQUIRE(back.content_hash == e.content_hash);
    REQUIRE(back.modified_at == e.modified_at);
    REQUIRE(back.uuid == e.uuid);
}

TEST_CASE("a blob may arrive as an array of bytes (JSON text has no binary type)", "[json]") {
    json j = hsync::to_json(sample_entry());
    j["content_hash"] = json::array({1, 2, 255});
    const auto back = hsync::from_json<photos::Entry>(j);
    REQUIRE(back.content_hash == std::vector<std::byte>{std::byte{1}, std::byte{2}, std::byte{255}});
    j["content_hash"] = json::array({1, 256});
    REQUIRE_THAT(read_error<photos::Entry>(j), Catch::Contains("field 'content_hash'"));
    j["content_hash"] = json::array({1, "x"});
    REQUIRE_THAT(read_error<photos::Entry>(j), Catch::Contains("field 'content_hash'"));
}

TEST_CASE("a missing, extra or wrongly typed field names the model and the field", "[json]") {
    const json good = hsync::to_json(sample_entry());

    json missing = good;
    missing.erase("name");
    REQUIRE(read_error<photos::Entry>(missing) == "hsync: model 'entry': field 'name' is missing");

    json extra = good;
    extra["inode"] = 5;  // a local field never travels, so it is not accepted either
    REQUIRE_THAT(read_error<photos::Entry>(extra), Catch::Contains("model 'entry': unexpected field 'inode'"));

    json wrong = good;
    wrong["name"] = 12;
    REQUIRE(read_error<photos::Entry>(wrong) ==
            "hsync: model 'entry': field 'name': expected a string, got the integer 12");

    json bad_uuid = good;
    bad_uuid["location"] = "not-a-uuid";
    REQUIRE_THAT(read_error<photos::Entry>(bad_uuid),
                 Catch::Contains("field 'location': expected a uuid string"));

    json null_required = good;
    null_required["size"] = nullptr;
    REQUIRE_THAT(read_error<photos::Entry>(null_required),
                 Catch::Contains("field 'size': expected an integer in [0, 18446744073709551615], got null"));

    REQUIRE_THAT(read_error<photos::Entry>(json::array()), Catch::Contains("expected an object of fields"));
    REQUIRE_THAT(read_error<photos::Tag>(json("tag")), Catch::Contains("model 'tag'"));
}

TEST_CASE("integers are range-checked against the field's own type", "[json]") {
    json j = hsync::to_json(photos::Tag{hsync::record_id::generate(), "a", std::nullopt, std::nullopt, 1});

    j["search_weight"] = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;
    REQUIRE_THAT(read_error<photos::Tag>(j),
                 Catch::Contains("field 'search_weight': expected an integer in [-2147483648, 2147483647]"));
    j["search_weight"] = std::int64_t{std::numeric_limits<std::int32_t>::min()} - 1;
    REQUIRE_THAT(read_error<photos::Tag>(j), Catch::Contains("field 'search_weight'"));
    j["search_weight"] = 1.5;
    REQUIRE_THAT(read_error<photos::Tag>(j), Catch::Contains("got the number 1.5"));
    j["search_weight"] = true;
    REQUIRE_THAT(read_error<photos::Tag>(j), Catch::Contains("got a boolean"));
    j["search_weight"] = std::numeric_limits<std::int32_t>::min();
    REQUIRE(hsync::from_json<photos::Tag>(j).search_weight == std::numeric_limits<std::int32_t>::min());

    json v = hsync::to_json(photos::Volume{});
    v["total_capacity"] = -1;  // unsigned field
    REQUIRE_THAT(read_error<photos::Volume>(v), Catch::Contains("field 'total_capacity'"));
    v["total_capacity"] = std::numeric_limits<std::uint64_t>::max();
    REQUIRE(hsync::from_json<photos::Volume>(v).total_capacity == std::numeric_limits<std::uint64_t>::max());

    json m = hsync::to_json(photos::UserMetadata{});
    m["rating"] = 128;  // std::optional<std::int8_t>
    REQUIRE_THAT(read_error<photos::UserMetadata>(m),
                 Catch::Contains("field 'rating': expected an integer in [-128, 127] or null, got the integer 128"));
    m["rating"] = nullptr;
    REQUIRE_FALSE(hsync::from_json<photos::UserMetadata>(m).rating.has_value());

    json e = hsync::to_json(sample_entry());
    e["kind"] = 256;  // enum with std::uint8_t underlying type
    REQUIRE_THAT(read_error<photos::Entry>(e), Catch::Contains("field 'kind'"));
}
