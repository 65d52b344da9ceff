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

TEST_CASE("pruning removes entries up to a seq, and raises the log floor", "[storage]") {
    temp_dir dir;
    seed_library lib(dir / "lib.db", hsync::identity{hsync::uuid::v4()});
    std::vector<std::uint64_t> seqs;
    for (int i = 0; i < 10; ++i) {
        lib.commit(make_tag("t" + std::to_string(i)));
        seqs.push_back(lib.current_seq());
    }
    REQUIRE(std::is_sorted(seqs.begin(), seqs.end()));
    const auto all = lib.fetch_since(hsync::hlc{}, 100);
    REQUIRE(lib.log_floor() == 0);
    REQUIRE(lib.prune_log_through(seqs[3]) == 4);
    REQUIRE(lib.log_size() == 6);
    REQUIRE(lib.log_floor() == seqs[3]);
    REQUIRE(lib.fetch_since(hsync::hlc{}, 100).front().stamp == all[4].stamp);
    REQUIRE(lib.prune_log_through(seqs[3]) == 0);
    REQUIRE(lib.all<photos::Tag>().size() == 10);  // rows are not touched
    REQUIRE(lib.nth_oldest_log_seq(0) == seqs[4]);
    REQUIRE_FALSE(lib.nth_oldest_log_seq(6));
}

TEST_CASE("peer bookkeeping persists and only moves forward", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    const hsync::uuid peer = hsync::uuid::v4();
    const hsync::uuid other = hsync::uuid::v4();
    {
        seed_library lib(dir / "lib.db", me);
        REQUIRE_FALSE(lib.min_acked_by_paired());
        lib.pair(peer);
        lib.pair(other);
        REQUIRE(lib.min_acked_by_paired() == 0u);  // a peer that never acknowledged holds pruning back
        lib.set_acked_by_peer(peer, 50);
        lib.set_acked_by_peer(peer, 20);  // older: ignored
        lib.set_acked_by_peer(other, 30);
        lib.set_received_through(peer, 70);
        lib.set_received_through(peer, 60);
        lib.set_checkpoint(peer, "shared", 5);
        lib.set_checkpoint(peer, "entry", 9);
        lib.set_checkpoint(peer, "entry", 11);
    }
    seed_library lib(dir / "lib.db", me);
    REQUIRE(lib.paired_peers().size() == 2);
    REQUIRE(lib.peer(peer).paired);
    REQUIRE(lib.peer(peer).acked_by_peer == 50);
    REQUIRE(lib.peer(peer).received_through == 70);
    REQUIRE(lib.min_acked_by_paired() == 30u);
    REQUIRE(lib.checkpoint(peer, "shared") == 5u);
    REQUIRE(lib.checkpoint(peer, "entry") == 11u);
    lib.clear_checkpoints(peer);
    REQUIRE_FALSE(lib.checkpoint(peer, "entry"));
    lib.unpair(other);
    REQUIRE(lib.paired_peers() == std::vector<hsync::uuid>{peer});
    REQUIRE(lib.min_acked_by_paired() == 50u);
}
