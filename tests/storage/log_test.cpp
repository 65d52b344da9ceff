// The shared change log (fetch, page, prune) and the per-peer bookkeeping tables.
#include <catch2/catch.hpp>

#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;

TEST_CASE("fetch_since is strictly after, ordered and paged; fetch_range is inclusive", "[storage]") {
    temp_dir dir;
    seed_library lib(dir / "lib.db", hsync::identity{hsync::uuid::v4()});
    for (int i = 0; i < 25; ++i) lib.commit(make_tag("t" + std::to_string(i)));
    const auto all = lib.fetch_since(hsync::hlc{}, 1000);
    REQUIRE(all.size() == 25);
    REQUIRE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.stamp < b.stamp; }));

    std::vector<hsync::shared_entry> paged;
    hsync::hlc cursor{};
    for (;;) {
        const auto page = lib.fetch_since(cursor, 10);
        if (page.empty()) break;
        REQUIRE(page.size() <= 10);
        REQUIRE(cursor < page.front().stamp);
        paged.insert(paged.end(), page.begin(), page.end());
        cursor = page.back().stamp;
    }
    REQUIRE(paged.size() == all.size());
    for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(paged[i].stamp == all[i].stamp);

    const auto range = lib.fetch_range(all[5].stamp, all[9].stamp, 100);
    REQUIRE(range.size() == 5);
    REQUIRE(range.front().stamp == all[5].stamp);
    REQUIRE(range.back().stamp == all[9].stamp);
    REQUIRE(lib.fetch_range(all[5].stamp, all[9].stamp, 2).size() == 2);
}

TEST_CASE("pruning removes entries up to an HLC and no further", "[storage]") {
    temp_dir dir;
    seed_library lib(dir / "lib.db", hsync::identity{hsync::uuid::v4()});
    for (int i = 0; i < 10; ++i) lib.commit(make_tag("t" + std::to_string(i)));
    const auto all = lib.fetch_since(hsync::hlc{}, 100);
    REQUIRE(lib.prune_log_through(all[3].stamp) == 4);
    REQUIRE(lib.log_size() == 6);
    REQUIRE(lib.fetch_since(hsync::hlc{}, 100).front().stamp == all[4].stamp);
    REQUIRE(lib.prune_log_through(all[3].stamp) == 0);
    REQUIRE(lib.all<photos::Tag>().size() == 10);  // rows are not touched
}

TEST_CASE("acknowledgements, watermarks and checkpoints persist and only move forward", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    const hsync::uuid peer = hsync::uuid::v4();
    const hsync::uuid owner = hsync::uuid::v4();
    const hsync::hlc early{1000, 0, peer};
    const hsync::hlc late{2000, 5, peer};
    {
        seed_library lib(dir / "lib.db", me);
        REQUIRE_FALSE(lib.acknowledged(peer));
        lib.acknowledge(peer, late);
        lib.acknowledge(peer, early);  // older: ignored
        lib.set_watermark(peer, owner, "entry", late);
        lib.set_watermark(peer, owner, "entry", early);
        lib.set_checkpoint(peer, "entry", {1, 2, 3});
        lib.set_checkpoint(peer, "location", {9});
        lib.clear_checkpoint(peer, "location");
    }
    seed_library lib(dir / "lib.db", me);
    REQUIRE(lib.acknowledged(peer) == late);
    REQUIRE(lib.all_acknowledged().size() == 1);
    REQUIRE(lib.watermark(peer, owner, "entry") == late);
    REQUIRE_FALSE(lib.watermark(peer, owner, "location"));
    REQUIRE(lib.checkpoint(peer, "entry") == std::vector<std::uint8_t>{1, 2, 3});
    REQUIRE_FALSE(lib.checkpoint(peer, "location"));
}
