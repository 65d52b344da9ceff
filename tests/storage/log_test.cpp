// The shared change log (page, prune) and the per-peer bookkeeping tables.
#include <catch2/catch.hpp>

#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

using namespace hsync_test;

TEST_CASE("the log serves entries in the order they were stored, in pages by seq", "[storage]") {
    temp_dir dir;
    seed_library lib(dir / "lib.db", hsync::identity{hsync::uuid::v4()});
    for (int i = 0; i < 25; ++i) lib.commit(make_tag("t" + std::to_string(i)));
    const auto all = log_entries(lib);
    REQUIRE(all.size() == 25);
    REQUIRE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.stamp < b.stamp; }));

    std::vector<hsync::shared_entry> paged;
    std::uint64_t since = 0;
    for (;;) {
        const auto page = hsync::replica(lib).shared_changes(since, 10);
        REQUIRE(page.entries.size() <= 10);
        REQUIRE(page.checkpoint > since);
        paged.insert(paged.end(), page.entries.begin(), page.entries.end());
        since = page.checkpoint;
        if (!page.has_more) break;
    }
    REQUIRE(paged.size() == all.size());
    for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(paged[i].stamp == all[i].stamp);
}

TEST_CASE("pruning removes entries up to a seq, and raises the log floor", "[storage]") {
    temp_dir dir;
    seed_library lib(dir / "lib.db", hsync::identity{hsync::uuid::v4()});
    std::vector<std::uint64_t> seqs;
    for (int i = 0; i < 10; ++i) {
        lib.commit(make_tag("t" + std::to_string(i)));
        seqs.push_back(hsync::replica(lib).current_seq());
    }
    REQUIRE(std::is_sorted(seqs.begin(), seqs.end()));
    const auto all = log_entries(lib);
    REQUIRE(lib.status().log_floor == 0);
    REQUIRE(hsync::replica(lib).prune_log_through(seqs[3]) == 4);
    REQUIRE(lib.status().log_entries == 6);
    REQUIRE(lib.status().log_floor == seqs[3]);
    REQUIRE(hsync::replica(lib).shared_changes(seqs[3], 100).entries.front().stamp == all[4].stamp);
    REQUIRE(hsync::replica(lib).prune_log_through(seqs[3]) == 0);
    REQUIRE(lib.all<photos::Tag>().size() == 10);  // rows are not touched
    REQUIRE(hsync::replica(lib).nth_oldest_log_seq(0) == seqs[4]);
    REQUIRE_FALSE(hsync::replica(lib).nth_oldest_log_seq(6));
}

TEST_CASE("peer bookkeeping persists and only moves forward", "[storage]") {
    temp_dir dir;
    const hsync::identity me{hsync::uuid::v4()};
    const hsync::uuid peer = hsync::uuid::v4();
    const hsync::uuid other = hsync::uuid::v4();
    {
        seed_library lib(dir / "lib.db", me);
        REQUIRE_FALSE(hsync::replica(lib).min_acked_by_paired());
        hsync::replica(lib).pair(peer);
        hsync::replica(lib).pair(other);
        REQUIRE(hsync::replica(lib).min_acked_by_paired() == 0u);  // a peer that never acknowledged holds pruning back
        hsync::replica(lib).set_acked_by_peer(peer, 50);
        hsync::replica(lib).set_acked_by_peer(peer, 20);  // older: ignored
        hsync::replica(lib).set_acked_by_peer(other, 30);
        hsync::replica(lib).set_received_through(peer, 70);
        hsync::replica(lib).set_received_through(peer, 60);
        hsync::replica(lib).set_checkpoint(peer, "shared", 5);
        hsync::replica(lib).set_checkpoint(peer, "entry", 9);
        hsync::replica(lib).set_checkpoint(peer, "entry", 11);
    }
    seed_library lib(dir / "lib.db", me);
    REQUIRE(hsync::replica(lib).paired_peers().size() == 2);
    REQUIRE(hsync::replica(lib).peer(peer).paired);
    REQUIRE(hsync::replica(lib).peer(peer).acked_by_peer == 50);
    REQUIRE(hsync::replica(lib).peer(peer).received_through == 70);
    REQUIRE(hsync::replica(lib).min_acked_by_paired() == 30u);
    REQUIRE(hsync::replica(lib).checkpoint(peer, "shared") == 5u);
    REQUIRE(hsync::replica(lib).checkpoint(peer, "entry") == 11u);
    hsync::replica(lib).clear_checkpoints(peer);
    REQUIRE_FALSE(hsync::replica(lib).checkpoint(peer, "entry"));
    hsync::replica(lib).unpair(other);
    REQUIRE(hsync::replica(lib).paired_peers() == std::vector<hsync::uuid>{peer});
    REQUIRE(hsync::replica(lib).min_acked_by_paired() == 50u);
}
