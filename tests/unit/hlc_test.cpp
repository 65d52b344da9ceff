#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using hsync::hlc;
using hsync::hlc_clock;
using hsync::uuid;

namespace {

// A physical clock the test moves by hand.
struct manual_clock {
    std::uint64_t now_ms = 1'700'000'000'000ULL;
    hsync::physical_clock source() {
        return [this] { return now_ms; };
    }
};

const uuid device_a = uuid::parse("00000000-0000-7000-8000-00000000000a");
const uuid device_b = uuid::parse("00000000-0000-7000-8000-00000000000b");

}  // namespace

TEST_CASE("next() follows the physical clock and resets the counter when it advances", "[hlc]") {
    manual_clock pt;
    hlc_clock clock(device_a, pt.source());
    const hlc first = clock.next();
    REQUIRE(first.millis == pt.now_ms);
    REQUIRE(first.counter == 0);
    REQUIRE(first.device == device_a);
    const hlc second = clock.next();
    REQUIRE(second.millis == pt.now_ms);
    REQUIRE(second.counter == 1);
    pt.now_ms += 5;
    const hlc third = clock.next();
    REQUIRE(third.millis == pt.now_ms);
    REQUIRE(third.counter == 0);
    REQUIRE(first < second);
    REQUIRE(second < third);
}

TEST_CASE("the clock does not go backwards when the physical clock steps back an hour", "[hlc]") {
    manual_clock pt;
    hlc_clock clock(device_a, pt.source());
    const hlc before = clock.next();
    pt.now_ms -= 3'600'000;
    hlc previous = before;
    for (int i = 0; i < 1000; ++i) {
        const hlc h = clock.next();
        REQUIRE(previous < h);
        REQUIRE(h.millis == before.millis);  // l' = max(l, pt) keeps the old l
        previous = h;
    }
    // When physical time catches up and passes l, the clock follows it again.
    pt.now_ms = before.millis + 1;
    const hlc caught_up = clock.next();
    REQUIRE(caught_up.millis == before.millis + 1);
    REQUIRE(caught_up.counter == 0);
}

TEST_CASE("100,000 next() calls within one millisecond stay strictly increasing", "[hlc]") {
    manual_clock pt;
    hlc_clock clock(device_a, pt.source());
    hlc previous = clock.next();
    for (int i = 0; i < 100000; ++i) {
        const hlc h = clock.next();
        REQUIRE(previous < h);
        REQUIRE(previous.packed() < h.packed());
        previous = h;
    }
    // 100,000 exceeds the 16-bit counter: the millisecond advanced instead of wrapping.
    REQUIRE(previous.millis == pt.now_ms + 1);
    REQUIRE(previous.counter == 100000 - 65536);
}

TEST_CASE("update() follows the HLC paper's receive rule", "[hlc]") {
    manual_clock pt;
    hlc_clock clock(device_a, pt.source());
    const hlc local = clock.next();  // (pt, 0)

    SECTION("remote ahead in the same physical window: take remote l and its counter + 1") {
        const hlc remote{pt.now_ms + 10, 7, device_b};
        const hlc h = clock.update(remote);
        REQUIRE(h.millis == remote.millis);
        REQUIRE(h.counter == 8);
        REQUIRE(remote < h);
    }
    SECTION("same l on both sides: counter is max of both + 1") {
        const hlc remote{local.millis, 41, device_b};
        const hlc h = clock.update(remote);
        REQUIRE(h.millis == local.millis);
        REQUIRE(h.counter == 42);
    }
    SECTION("local l ahead of the remote: local counter + 1") {
        const hlc remote{local.millis - 100, 900, device_b};
        const hlc h = clock.update(remote);
        REQUIRE(h.millis == local.millis);
        REQUIRE(h.counter == local.counter + 1);
    }
    SECTION("physical time ahead of both: counter resets") {
        pt.now_ms += 50;
        const hlc remote{local.millis + 10, 3, device_b};
        const hlc h = clock.update(remote);
        REQUIRE(h.millis == pt.now_ms);
        REQUIRE(h.counter == 0);
    }
    SECTION("every later local timestamp is greater than the remote one") {
        const hlc remote{pt.now_ms + 1000, 65535, device_b};
        clock.update(remote);
        REQUIRE(remote < clock.next());
    }
}

TEST_CASE("a remote HLC more than max_drift ahead is refused and leaves the clock unchanged", "[hlc]") {
    manual_clock pt;
    hlc_clock clock(device_a, pt.source());  // default max_drift: 5 minutes
    const hlc before = clock.next();
    const hlc remote{pt.now_ms + 6 * 60 * 1000, 0, device_b};
    REQUIRE_FALSE(clock.within_drift(remote));
    try {
        clock.update(remote);
        FAIL("update accepted a timestamp 6 minutes ahead");
    } catch (const hsync::error& e) {
        REQUIRE(e.code() == hsync::errc::clock_drift);
        REQUIRE(std::string(e.what()).find("allowed drift") != std::string::npos);
    }
    REQUIRE(clock.last() == before);
    const hlc after = clock.next();
    REQUIRE(after.millis == before.millis);
    REQUIRE(after.counter == before.counter + 1);

    // Exactly at the limit is accepted; the limit is configurable.
    const hlc at_limit{pt.now_ms + 5 * 60 * 1000, 0, device_b};
    REQUIRE(clock.within_drift(at_limit));
    REQUIRE(clock.update(at_limit).millis == at_limit.millis);

    hlc_clock strict(device_a, pt.source(), hsync::hlc_clock_options{std::chrono::seconds(1)});
    REQUIRE_THROWS_AS(strict.update(hlc{pt.now_ms + 1001, 0, device_b}), hsync::error);
    REQUIRE_NOTHROW(strict.update(hlc{pt.now_ms + 1000, 0, device_b}));
}

TEST_CASE("a clock resumed from a persisted HLC continues past it", "[hlc]") {
    manual_clock pt;
    const hlc persisted{pt.now_ms + 60'000, 12, device_a};  // issued before a clock step back
    hlc_clock clock(device_a, pt.source(), {}, persisted);
    REQUIRE(clock.last() == persisted);
    const hlc h = clock.next();
    REQUIRE(persisted < h);
    REQUIRE(h.millis == persisted.millis);
    REQUIRE(h.counter == 13);
}

TEST_CASE("the counter overflows into the millisecond, and the 48-bit limit is an error", "[hlc]") {
    manual_clock pt;
    const hlc at_counter_limit{pt.now_ms, 0xffff, device_a};
    hlc_clock clock(device_a, pt.source(), {}, at_counter_limit);
    const hlc h = clock.next();
    REQUIRE(h.millis == pt.now_ms + 1);
    REQUIRE(h.counter == 0);

    pt.now_ms = hlc::max_millis + 1;
    REQUIRE_THROWS_AS(clock.next(), hsync::error);
    pt.now_ms = 1;
    hlc_clock at_end(device_a, pt.source(), {}, hlc{hlc::max_millis, 0xffff, device_a});
    try {
        at_end.next();
        FAIL("the clock wrapped");
    } catch (const hsync::error& e) {
        REQUIRE(e.code() == hsync::errc::clock_overflow);
    }
}

TEST_CASE("equal millis and counter are ordered by device id", "[hlc]") {
    const hlc a{100, 1, device_a};
    const hlc b{100, 1, device_b};
    REQUIRE(a < b);
    REQUIRE(a != b);
    REQUIRE(hlc{100, 2, device_a} > b);
    REQUIRE(hlc{101, 0, device_a} > hlc{100, 65535, device_b});
}

TEST_CASE("the text form round-trips and sorts like the values", "[hlc]") {
    std::mt19937_64 rng(7);
    std::vector<hlc> values;
    for (int i = 0; i < 5000; ++i) {
        auto gen = [&] { return rng(); };
        // Narrow ranges so that equal millis and counters occur and devices break ties.
        values.push_back(hlc{rng() % 4 + (std::uint64_t{1} << (rng() % 48)),
                             static_cast<std::uint16_t>(rng() % 3 == 0 ? 0xffff : rng() % 3),
                             rng() % 2 ? device_a : uuid::v4(gen)});
    }
    std::vector<std::string> texts;
    for (const auto& h : values) {
        const std::string t = h.to_string();
        REQUIRE(t.size() == hlc::text_size);
        REQUIRE(hlc::parse(t) == h);
        texts.push_back(t);
    }
    std::sort(values.begin(), values.end());
    std::sort(texts.begin(), texts.end());
    for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(values[i].to_string() == texts[i]);
}

TEST_CASE("malformed HLC text is refused", "[hlc]") {
    const hlc h{123456, 7, device_a};
    std::string good = h.to_string();
    REQUIRE(hlc::try_parse(good).has_value());
    std::string upper = good;
    upper[15] = 'A';  // upper-case hex would not sort
    for (const std::string& bad : {std::string(), good.substr(1), good + "0", upper,
                                   good.substr(0, 16) + "_" + good.substr(17),
                                   good.substr(0, 17) + "not-a-uuid-not-a-uuid-not-a-uuid-xxx"}) {
        INFO(bad);
        REQUIRE_FALSE(hlc::try_parse(bad).has_value());
        REQUIRE_THROWS_AS(hlc::parse(bad), hsync::error);
    }
}

TEST_CASE("the 24-byte form round-trips and sorts like the values", "[hlc]") {
    const hlc h{0x0123456789ab, 0xcdef, device_b};
    const hlc::bytes_type b = h.to_bytes();
    // Big-endian millis (48 bits) and counter, then the device's 16 bytes.
    const hlc::bytes_type expected{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 0, 0, 0, 0, 0, 0x70, 0,
                                   0x80, 0, 0, 0, 0, 0, 0, 0x0b};
    REQUIRE(b == expected);
    REQUIRE(hlc::from_bytes(b) == h);
    static_assert(hlc{5, 6, uuid{}}.to_bytes()[7] == 6, "the encoding is usable at compile time");

    std::mt19937_64 rng(11);
    std::vector<hlc> values;
    for (int i = 0; i < 2000; ++i) {
        auto gen = [&] { return rng(); };
        values.push_back(hlc{rng() % 4 + (std::uint64_t{1} << (rng() % 48)),
                             static_cast<std::uint16_t>(rng() % 3 == 0 ? 0xffff : rng() % 3),
                             rng() % 2 ? device_a : uuid::v4(gen)});
    }
    std::vector<hlc::bytes_type> encoded;
    for (const auto& v : values) {
        REQUIRE(hlc::from_bytes(v.to_bytes()) == v);
        encoded.push_back(v.to_bytes());
    }
    std::sort(values.begin(), values.end());
    std::sort(encoded.begin(), encoded.end());
    for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(values[i].to_bytes() == encoded[i]);

    // Any other length is not an hlc.
    const std::vector<std::uint8_t> short_by_one(b.begin(), b.end() - 1);
    std::vector<std::uint8_t> long_by_one(b.begin(), b.end());
    long_by_one.push_back(0);
    REQUIRE_FALSE(hlc::from_bytes(short_by_one).has_value());
    REQUIRE_FALSE(hlc::from_bytes(long_by_one).has_value());
    REQUIRE_FALSE(hlc::from_bytes({}).has_value());
}
