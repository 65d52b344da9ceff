#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <unordered_set>

namespace {
struct Target {};  // a ref may name any model, even one still incomplete
}  // namespace

TEST_CASE("local<T> is used like the T it holds", "[markers]") {
    hsync::local<std::string> state{"pending"};
    REQUIRE(state.get() == "pending");
    REQUIRE(state->size() == 7);
    const std::string& as_ref = state;
    REQUIRE(as_ref == "pending");
    state = "scanned";
    REQUIRE(*state == "scanned");
    state->append("!");
    REQUIRE(state.get() == "scanned!");

    hsync::local<int> count;
    REQUIRE(count.get() == 0);  // value-initialized
    count = 5;
    int& n = count;
    n += 1;
    REQUIRE(count.get() == 6);
    REQUIRE(hsync::local<int>{6} == count);
    REQUIRE(hsync::local<int>{5} < count);
}

TEST_CASE("ref<M> holds a record id and compares by it", "[markers]") {
    const hsync::record_id id = hsync::record_id::generate();
    const hsync::ref<Target> a = id;
    const hsync::ref<Target> b = id.value;
    REQUIRE(a == b);
    REQUIRE(a.id == id.value);
    REQUIRE(hsync::ref<Target>{} != a);
    std::unordered_set<hsync::ref<Target>> set{a, b};
    REQUIRE(set.size() == 1);
}

TEST_CASE("record_id and owner_id are transparent uuids", "[markers]") {
    const hsync::record_id id = hsync::record_id::generate();
    const hsync::uuid& u = id;
    REQUIRE(u == id.value);
    REQUIRE(u.version() == 7);
    REQUIRE(hsync::record_id::generate() != id);
    const hsync::owner_id owner{hsync::uuid::v4()};
    const hsync::uuid& device = owner;
    REQUIRE(device == owner.value);
    std::unordered_set<hsync::record_id> ids{id, id};
    REQUIRE(ids.size() == 1);
}
