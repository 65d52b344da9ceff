#include <hsync/hsync.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using hsync::detail::mp_error;
using hsync::detail::mp_limits;
using hsync::detail::mp_reader;
using hsync::detail::mp_type;
using hsync::detail::mp_writer;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace {

template <class F>
std::string encode(F&& write) {
    mp_writer w;
    write(w);
    return w.take();
}

// The input in a heap block of exactly its size, so that AddressSanitizer sees any
// read past its end (a std::string's small buffer would hide one).
struct exact_copy {
    explicit exact_copy(std::string_view s) : bytes(s.begin(), s.end()) {}
    std::string_view view() const { return {bytes.data(), bytes.size()}; }
    std::vector<char> bytes;
};

std::string filled(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

}  // namespace

TEST_CASE("msgpack: unsigned integers take the smallest form", "[msgpack]") {
    const std::vector<std::pair<std::uint64_t, std::string>> cases = {
        {0, "\x00"s},
        {127, "\x7f"s},
        {128, "\xcc\x80"s},
        {255, "\xcc\xff"s},
        {256, "\xcd\x01\x00"s},
        {65535, "\xcd\xff\xff"s},
        {65536, "\xce\x00\x01\x00\x00"s},
        {0xffffffffu, "\xce\xff\xff\xff\xff"s},
        {0x100000000u, "\xcf\x00\x00\x00\x01\x00\x00\x00\x00"s},
        {UINT64_MAX, "\xcf\xff\xff\xff\xff\xff\xff\xff\xff"s},
    };
    for (const auto& c : cases) {
        INFO(c.first);
        const std::uint64_t v = c.first;
        const std::string b = encode([&](mp_writer& w) { w.uint(v); });
        REQUIRE(b == c.second);
        if (v <= static_cast<std::uint64_t>(INT64_MAX)) {
            REQUIRE(encode([&](mp_writer& w) { w.sint(static_cast<std::int64_t>(v)); }) == b);
            mp_reader ri(b);
            std::int64_t i = -1;
            REQUIRE(ri.read_int(i));
            REQUIRE(i == static_cast<std::int64_t>(v));
        }
        mp_reader r(b);
        REQUIRE(r.peek() == mp_type::uint);
        std::uint64_t out = 1;
        REQUIRE(r.read_uint(out));
        REQUIRE(out == v);
        REQUIRE(r.at_end());
        REQUIRE(r.offset() == b.size());
        REQUIRE(r.peek() == mp_type::end);
    }
}

TEST_CASE("msgpack: negative integers take the smallest form", "[msgpack]") {
    const std::vector<std::pair<std::int64_t, std::string>> cases = {
        {-1, "\xff"s},
        {-32, "\xe0"s},
        {-33, "\xd0\xdf"s},
        {-128, "\xd0\x80"s},
        {-129, "\xd1\xff\x7f"s},
        {-32768, "\xd1\x80\x00"s},
        {-32769, "\xd2\xff\xff\x7f\xff"s},
        {INT32_MIN, "\xd2\x80\x00\x00\x00"s},
        {std::int64_t{INT32_MIN} - 1, "\xd3\xff\xff\xff\xff\x7f\xff\xff\xff"s},
        {INT64_MIN, "\xd3\x80\x00\x00\x00\x00\x00\x00\x00"s},
    };
    for (const auto& c : cases) {
        INFO(c.first);
        const std::int64_t v = c.first;
        const std::string b = encode([&](mp_writer& w) { w.sint(v); });
        REQUIRE(b == c.second);
        mp_reader r(b);
        REQUIRE(r.peek() == mp_type::sint);
        std::int64_t out = 0;
        REQUIRE(r.read_int(out));
        REQUIRE(out == v);
        REQUIRE(r.at_end());

        mp_reader ru(b);
        std::uint64_t u = 7;
        REQUIRE_FALSE(ru.read_uint(u));
        REQUIRE(ru.error() == mp_error::wrong_type);
        REQUIRE(u == 7);
        REQUIRE(ru.offset() == 0);
    }
}

TEST_CASE("msgpack: any integer encoding is read by value", "[msgpack]") {
    for (const std::string& b : {"\xd0\x05"s, "\xd1\x00\x05"s, "\xd2\x00\x00\x00\x05"s, "\xd3\0\0\0\0\0\0\0\x05"s,
                                 "\xcc\x05"s, "\xcd\x00\x05"s, "\xce\0\0\0\x05"s, "\xcf\0\0\0\0\0\0\0\x05"s}) {
        mp_reader r(b);
        REQUIRE(r.peek() == mp_type::uint);
        std::uint64_t u = 0;
        REQUIRE(r.read_uint(u));
        REQUIRE(u == 5);
        mp_reader ri(b);
        std::int64_t i = 0;
        REQUIRE(ri.read_int(i));
        REQUIRE(i == 5);
    }
    mp_reader neg("\xd0\xff"sv);
    std::uint64_t u = 0;
    REQUIRE_FALSE(neg.read_uint(u));
    REQUIRE(neg.error() == mp_error::wrong_type);
    REQUIRE(neg.error_detail() == "expected unsigned integer, found negative integer at byte 0");

    const std::string max_int = "\xcf\x7f\xff\xff\xff\xff\xff\xff\xff"s;
    std::int64_t i = 0;
    mp_reader ok(max_int);
    REQUIRE(ok.read_int(i));
    REQUIRE(i == INT64_MAX);
    const std::string too_big = encode([](mp_writer& w) { w.uint(std::uint64_t{1} << 63); });
    mp_reader big(too_big);
    REQUIRE_FALSE(big.read_int(i));
    REQUIRE(big.error() == mp_error::wrong_type);
    REQUIRE(big.offset() == 0);
    REQUIRE(i == INT64_MAX);
}

TEST_CASE("msgpack: nil, booleans and floats", "[msgpack]") {
    const std::string b = encode([](mp_writer& w) {
        w.nil();
        w.boolean(true);
        w.boolean(false);
        w.f32(1.5f);
        w.f64(-2.25);
        w.f32(std::numeric_limits<float>::infinity());
        w.f64(std::numeric_limits<double>::quiet_NaN());
        w.f32(0.1f);
    });
    REQUIRE(b.substr(0, 18) == "\xc0\xc3\xc2\xca\x3f\xc0\x00\x00\xcb\xc0\x02\x00\x00\x00\x00\x00\x00"s.append(1, '\xca'));
    mp_reader r(b);
    bool t = false, f = true;
    float x = 0;
    double y = 0, z = 0, nan = 0, widened = 0;
    REQUIRE(r.peek() == mp_type::nil);
    REQUIRE(r.read_nil());
    REQUIRE(r.peek() == mp_type::boolean);
    REQUIRE((r.read_bool(t) && r.read_bool(f)));
    REQUIRE((t && !f));
    REQUIRE(r.peek() == mp_type::f32);
    REQUIRE(r.read_f32(x));
    REQUIRE(x == 1.5f);
    REQUIRE(r.peek() == mp_type::f64);
    REQUIRE(r.read_f64(y));
    REQUIRE(y == -2.25);
    REQUIRE(r.read_f64(z));  // float32 widened
    REQUIRE(std::isinf(z));
    REQUIRE(r.read_f64(nan));
    REQUIRE(std::isnan(nan));
    REQUIRE(r.read_f64(widened));
    REQUIRE(widened == static_cast<double>(0.1f));
    REQUIRE(r.at_end());

    const std::string f64_bytes = encode([](mp_writer& w) { w.f64(1.0); });
    mp_reader only32(f64_bytes);
    REQUIRE_FALSE(only32.read_f32(x));
    REQUIRE(only32.error() == mp_error::wrong_type);
    REQUIRE(only32.error_detail() == "expected float32, found float64 at byte 0");
}

TEST_CASE("msgpack: strings at each length boundary", "[msgpack]") {
    const std::vector<std::pair<std::size_t, std::string>> cases = {
        {0, "\xa0"s},         {31, "\xbf"s},          {32, "\xd9\x20"s},
        {255, "\xd9\xff"s},   {256, "\xda\x01\x00"s}, {65535, "\xda\xff\xff"s},
        {65536, "\xdb\x00\x01\x00\x00"s},
    };
    for (const auto& c : cases) {
        INFO(c.first);
        const std::string s = filled(c.first);
        const std::string b = encode([&](mp_writer& w) { w.str(s); });
        REQUIRE(b.size() == c.second.size() + s.size());
        REQUIRE(b.substr(0, c.second.size()) == c.second);
        mp_reader r(b);
        REQUIRE(r.peek() == mp_type::str);
        std::string_view out;
        REQUIRE(r.read_str(out));
        REQUIRE(out == s);
        REQUIRE(out.data() == b.data() + c.second.size());  // a view into the input
        REQUIRE(r.at_end());
    }
}

TEST_CASE("msgpack: binary at each length boundary", "[msgpack]") {
    const std::vector<std::pair<std::size_t, std::string>> cases = {
        {0, "\xc4\x00"s}, {255, "\xc4\xff"s}, {256, "\xc5\x01\x00"s}, {65536, "\xc6\x00\x01\x00\x00"s}};
    for (const auto& c : cases) {
        INFO(c.first);
        const std::string s = filled(c.first);
        const std::vector<std::uint8_t> v(s.begin(), s.end());
        const std::string b = encode([&](mp_writer& w) { w.bin(s); });
        REQUIRE(encode([&](mp_writer& w) { w.bin(v.data(), v.size()); }) == b);
        REQUIRE(b.substr(0, c.second.size()) == c.second);
        mp_reader r(b);
        REQUIRE(r.peek() == mp_type::bin);
        std::string_view out;
        REQUIRE(r.read_bin(out));
        REQUIRE(out == s);
        REQUIRE(r.at_end());
    }
    const std::string bin_bytes = encode([](mp_writer& w) { w.bin("x"); });
    mp_reader r(bin_bytes);
    std::string_view out;
    REQUIRE_FALSE(r.read_str(out));
    REQUIRE(r.error_detail() == "expected string, found binary at byte 0");
}

TEST_CASE("msgpack: arrays and maps at each count boundary", "[msgpack]") {
    const std::vector<std::pair<std::uint32_t, std::string>> arrays = {
        {0, "\x90"s}, {15, "\x9f"s}, {16, "\xdc\x00\x10"s}, {65535, "\xdc\xff\xff"s}, {65536, "\xdd\x00\x01\x00\x00"s}};
    for (const auto& c : arrays) {
        INFO(c.first);
        const std::uint32_t n = c.first;
        REQUIRE(encode([&](mp_writer& w) { w.array(n); }) == c.second);
        std::string m = c.second;
        m[0] = static_cast<char>(m[0] == '\xdc' ? '\xde' : m[0] == '\xdd' ? '\xdf' : m[0] - 0x10);
        REQUIRE(encode([&](mp_writer& w) { w.map(n); }) == m);
        if (n > 16) continue;  // the big ones: header bytes only
        const std::string b = encode([&](mp_writer& w) {
            w.array(n);
            for (std::uint32_t i = 0; i < n; ++i) w.uint(i);
            w.map(n);
            for (std::uint32_t i = 0; i < n; ++i) {
                w.str(std::to_string(i));
                w.sint(-static_cast<std::int64_t>(i) - 1);
            }
        });
        mp_reader r(b);
        std::uint32_t count = 99;
        REQUIRE(r.peek() == mp_type::array);
        REQUIRE(r.read_array(count));
        REQUIRE(count == n);
        for (std::uint32_t i = 0; i < n; ++i) {
            std::uint64_t v = 0;
            REQUIRE(r.read_uint(v));
            REQUIRE(v == i);
        }
        REQUIRE(r.peek() == mp_type::map);
        REQUIRE(r.read_map(count));
        REQUIRE(count == n);
        for (std::uint32_t i = 0; i < n; ++i) {
            std::string_view k;
            std::int64_t v = 0;
            REQUIRE((r.read_str(k) && r.read_int(v)));
            REQUIRE(k == std::to_string(i));
            REQUIRE(v == -static_cast<std::int64_t>(i) - 1);
        }
        REQUIRE(r.at_end());
        mp_reader s(b);
        REQUIRE((s.skip() && s.skip() && s.at_end()));
    }
}

TEST_CASE("msgpack: every prefix of a message is truncated, never read past", "[msgpack]") {
    const std::string s40 = filled(40);
    auto flat = [&](mp_writer& w) {
        w.nil();
        w.boolean(true);
        w.uint(300);
        w.sint(-70000);
        w.f32(0.5f);
        w.f64(1e300);
        w.str(s40);
        w.bin("\x01\x02\x03");
        w.uint(UINT64_MAX);
        w.sint(INT64_MIN);
    };
    auto nested = [&](mp_writer& w) {
        w.array(3);
        w.uint(1);
        w.str("ab");
        w.map(1);
        w.str("k");
        w.array(2);
        w.sint(-1);
        w.f64(2.5);
    };
    // Reads the message with typed reads, checking each value it gets.
    auto read_flat = [&](mp_reader& r) {
        std::uint64_t u = 0;
        std::int64_t i = 0;
        bool b = false;
        float f = 0;
        double d = 0;
        std::string_view s;
        if (!r.read_nil() || !r.read_bool(b)) return false;
        CHECK(b);
        if (!r.read_uint(u)) return false;
        CHECK(u == 300);
        if (!r.read_int(i)) return false;
        CHECK(i == -70000);
        if (!r.read_f32(f)) return false;
        CHECK(f == 0.5f);
        if (!r.read_f64(d)) return false;
        CHECK(d == 1e300);
        if (!r.read_str(s)) return false;
        CHECK(s == s40);
        if (!r.read_bin(s)) return false;
        CHECK(s == "\x01\x02\x03");
        if (!r.read_uint(u)) return false;
        CHECK(u == UINT64_MAX);
        if (!r.read_int(i)) return false;
        CHECK(i == INT64_MIN);
        return true;
    };
    auto read_nested = [&](mp_reader& r) {
        std::uint32_t n = 0;
        std::uint64_t u = 0;
        std::int64_t i = 0;
        double d = 0;
        std::string_view s;
        return r.read_array(n) && r.read_uint(u) && r.read_str(s) && r.read_map(n) && r.read_str(s) &&
               r.read_array(n) && r.read_int(i) && r.read_f64(d);
    };

    const std::string flat_bytes = encode(flat);
    const std::string all_bytes = encode([&](mp_writer& w) {
        flat(w);
        nested(w);
    });
    {
        mp_reader r(all_bytes);
        REQUIRE((read_flat(r) && read_nested(r) && r.at_end() && r.ok()));
    }
    for (std::size_t len = 0; len < all_bytes.size(); ++len) {
        INFO("prefix of " << len << " bytes");
        const exact_copy in(std::string_view(all_bytes).substr(0, len));
        // Inside a container a cut may show first as a count the bytes left cannot hold.
        const bool in_flat = len < flat_bytes.size();
        auto expected = [&](mp_error e) {
            return e == mp_error::truncated || (!in_flat && e == mp_error::count_too_large);
        };

        mp_reader typed(in.view());
        REQUIRE_FALSE((read_flat(typed) && read_nested(typed)));
        REQUIRE(expected(typed.error()));
        REQUIRE(typed.offset() <= len);
        REQUIRE_FALSE(typed.error_detail().empty());

        mp_reader skipping(in.view());
        std::size_t items = 0;
        while (skipping.skip()) ++items;
        REQUIRE(items < 12);
        REQUIRE(expected(skipping.error()));

        mp_reader raw(in.view());
        std::string_view item;
        std::size_t consumed = 0;
        while (raw.read_raw(item)) consumed += item.size();
        REQUIRE(consumed == raw.offset());
        REQUIRE(expected(raw.error()));
    }
    mp_reader whole(all_bytes);
    std::size_t items = 0;
    while (!whole.at_end() && whole.skip()) ++items;
    REQUIRE(whole.ok());
    REQUIRE(items == 11);
}

TEST_CASE("msgpack: counts larger than the bytes left are refused", "[msgpack]") {
    std::uint32_t n = 0;
    mp_reader a("\xdc\x00\x05\xc0\xc0"sv);
    REQUIRE_FALSE(a.read_array(n));
    REQUIRE(a.error() == mp_error::count_too_large);
    REQUIRE(a.offset() == 0);
    REQUIRE(n == 0);

    mp_reader huge("\xdd\xff\xff\xff\xff\xc0"sv);
    REQUIRE_FALSE(huge.skip());
    REQUIRE(huge.error() == mp_error::count_too_large);

    mp_reader m("\x82\xc0\xc0\xc0"sv);  // two pairs need four bytes
    REQUIRE_FALSE(m.read_map(n));
    REQUIRE(m.error() == mp_error::count_too_large);
    mp_reader hm("\xdf\x80\x00\x00\x00\xc0\xc0"sv);
    REQUIRE_FALSE(hm.read_map(n));
    REQUIRE(hm.error() == mp_error::count_too_large);

    mp_reader fits("\x82\xc0\xc0\xc0\xc0"sv);
    REQUIRE(fits.read_map(n));
    REQUIRE(n == 2);
}

TEST_CASE("msgpack: nesting deeper than max_depth is refused by skip", "[msgpack]") {
    auto nest = [](std::size_t depth) {
        return encode([&](mp_writer& w) {
            for (std::size_t i = 0; i < depth; ++i) w.array(1);
            w.nil();
        });
    };
    const std::string deep_enough = nest(32);
    mp_reader ok(deep_enough);
    REQUIRE(ok.skip());
    REQUIRE(ok.at_end());

    const std::string deep = nest(33);
    mp_reader r(deep);
    REQUIRE_FALSE(r.skip());
    REQUIRE(r.error() == mp_error::too_deep);
    REQUIRE(r.offset() == 0);  // a failed skip consumes nothing
    std::string_view raw;
    mp_reader rr(deep);
    REQUIRE_FALSE(rr.read_raw(raw));
    REQUIRE(rr.error() == mp_error::too_deep);

    mp_reader shallow("\x81\xa1k\x91\x91\xc0"sv, mp_limits{.max_depth = 2});  // {"k": [[nil]]}
    REQUIRE_FALSE(shallow.skip());
    REQUIRE(shallow.error() == mp_error::too_deep);

    // A million levels fail fast at the limit instead of exhausting the stack.
    const std::string levels(1000000, '\x91');
    mp_reader evil(levels);
    REQUIRE_FALSE(evil.skip());
    REQUIRE(evil.error() == mp_error::too_deep);
}

TEST_CASE("msgpack: strings over max_string are refused", "[msgpack]") {
    const mp_limits small{.max_string = 10};
    std::string_view out;
    const std::string ten = encode([](mp_writer& w) { w.str("0123456789"); });
    mp_reader fits(ten, small);
    REQUIRE(fits.read_str(out));
    const std::string long_str = encode([](mp_writer& w) { w.str("0123456789a"); });
    mp_reader r(long_str, small);
    REQUIRE_FALSE(r.read_str(out));
    REQUIRE(r.error() == mp_error::too_long);
    REQUIRE(r.offset() == 0);
    const std::string bin300 = encode([](mp_writer& w) { w.bin(filled(300)); });
    mp_reader rb(bin300, small);
    REQUIRE_FALSE(rb.skip());
    REQUIRE(rb.error() == mp_error::too_long);

    // A 4 GiB length over a few bytes: too long by default, truncated without a limit.
    const std::string claim = "\xdb\xff\xff\xff\xff" "abc"s;
    const exact_copy in(claim);
    mp_reader d(in.view());
    REQUIRE_FALSE(d.read_str(out));
    REQUIRE(d.error() == mp_error::too_long);
    mp_reader u(in.view(), mp_limits{.max_string = SIZE_MAX});
    REQUIRE_FALSE(u.read_str(out));
    REQUIRE(u.error() == mp_error::truncated);
    mp_reader ub("\xc6\xff\xff\xff\xff"sv, mp_limits{.max_string = SIZE_MAX});
    REQUIRE_FALSE(ub.skip());
    REQUIRE(ub.error() == mp_error::truncated);
}

TEST_CASE("msgpack: 0xc1 and extensions are malformed", "[msgpack]") {
    const std::vector<std::string> inputs = {
        "\xc1"s,
        "\xd4\x01\x02"s,
        "\xd5\x01\x02\x03"s,
        "\xd6\x01\x00\x00\x00\x00"s,
        "\xd7\x01\0\0\0\0\0\0\0\0"s,
        "\xd8\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"s,
        "\xc7\x01\x05\x00"s,
        "\xc8\x00\x01\x05\x00"s,
        "\xc9\x00\x00\x00\x01\x05\x00"s,
    };
    for (const std::string& b : inputs) {
        INFO(static_cast<int>(static_cast<unsigned char>(b[0])));
        mp_reader p(b);
        REQUIRE(p.peek() == (b[0] == '\xc1' ? mp_type::invalid : mp_type::ext));
        mp_reader s(b);
        REQUIRE_FALSE(s.skip());
        REQUIRE(s.error() == mp_error::malformed);
        REQUIRE(s.offset() == 0);
        std::string_view raw;
        mp_reader rr(b);
        REQUIRE_FALSE(rr.read_raw(raw));
        REQUIRE(rr.error() == mp_error::malformed);
        std::uint64_t u = 0;
        mp_reader t(b);
        REQUIRE_FALSE(t.read_uint(u));
        REQUIRE(t.error() == mp_error::malformed);
        const std::string in_array = "\x92\xc0"s + b;
    mp_reader nested(in_array);
        REQUIRE_FALSE(nested.skip());
        REQUIRE(nested.error() == mp_error::malformed);
        REQUIRE(nested.error_detail().find("at byte 2") != std::string::npos);
    }
}

TEST_CASE("msgpack: the first error is kept and stops the reader", "[msgpack]") {
    const std::string b = encode([](mp_writer& w) {
        w.str("hello");
        w.uint(12);
        w.uint(13);
    });
    mp_reader r(b);
    std::string_view s;
    REQUIRE(r.read_str(s));
    REQUIRE_FALSE(r.read_str(s));
    REQUIRE(r.error() == mp_error::wrong_type);
    REQUIRE(r.error_detail() == "expected string, found unsigned integer at byte 6");
    REQUIRE(r.offset() == 6);
    std::uint64_t u = 0;
    REQUIRE_FALSE(r.read_uint(u));  // would have succeeded before the failure
    REQUIRE_FALSE(r.skip());
    r.fail(mp_error::malformed, "semantic");
    REQUIRE(r.error() == mp_error::wrong_type);
    REQUIRE(r.error_detail() == "expected string, found unsigned integer at byte 6");
    REQUIRE(r.offset() == 6);
    REQUIRE(r.peek() == mp_type::end);
    REQUIRE(r.at_end());

    mp_reader c(b);
    REQUIRE(c.read_str(s));
    c.fail(mp_error::malformed, "field x: not a name");
    REQUIRE_FALSE(c.read_uint(u));
    REQUIRE(c.error() == mp_error::malformed);
    REQUIRE(c.error_detail() == "field x: not a name");

    mp_reader e("");
    REQUIRE_FALSE(e.read_nil());
    REQUIRE(e.error() == mp_error::truncated);
    REQUIRE(e.error_detail() == "expected nil, found end of input at byte 0");
}

TEST_CASE("msgpack: read_raw returns the exact bytes of a nested item", "[msgpack]") {
    const std::string inner = encode([](mp_writer& w) {
        w.map(2);
        w.str("a");
        w.array(3);
        w.boolean(true);
        w.nil();
        w.bin(filled(300));
        w.str("b");
        w.map(0);
    });
    const std::string b = encode([&](mp_writer& w) {
        w.array(3);
        w.uint(1);
        w.raw(inner);
        w.str("x");
    });
    mp_reader r(b);
    std::uint32_t n = 0;
    std::uint64_t u = 0;
    std::string_view raw, x;
    REQUIRE((r.read_array(n) && r.read_uint(u)));
    REQUIRE(r.read_raw(raw));
    REQUIRE(raw == inner);
    REQUIRE(r.read_str(x));
    REQUIRE(x == "x");
    REQUIRE(r.at_end());
}

TEST_CASE("msgpack: writer buffers, raw items and patched array16 counts", "[msgpack]") {
    mp_writer w("\x93"s);  // continue after existing bytes
    w.reserve(64);
    w.uint(7);
    const std::size_t at = w.reserve_array16();
    REQUIRE(w.bytes().substr(at) == "\xdc\x00\x00"s);
    for (int i = 0; i < 300; ++i) w.nil();
    w.patch_array16(at, 300);
    w.raw("\xa1z");
    REQUIRE(w.size() == 1 + 1 + 3 + 300 + 2);
    REQUIRE(w.bytes().substr(at, 3) == "\xdc\x01\x2c"s);
    const std::string b = w.take();
    mp_reader r(b);
    std::uint32_t n = 0;
    std::uint64_t u = 0;
    REQUIRE((r.read_array(n) && n == 3));
    REQUIRE((r.read_uint(u) && u == 7));
    REQUIRE((r.read_array(n) && n == 300));
    for (std::uint32_t i = 0; i < n; ++i) REQUIRE(r.read_nil());
    std::string_view z;
    REQUIRE((r.read_str(z) && z == "z"));
    REQUIRE(r.at_end());

    mp_writer empty;
    empty.patch_array16(empty.reserve_array16(), 0);
    mp_reader e(empty.bytes());
    REQUIRE((e.read_array(n) && n == 0 && e.at_end()));
}

TEST_CASE("msgpack: random bytes never crash the reader", "[msgpack]") {
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> byte(0, 255), len(0, 40);
    for (int round = 0; round < 20000; ++round) {
        std::string s(static_cast<std::size_t>(len(rng)), '\0');
        for (char& c : s) c = static_cast<char>(byte(rng));
        const exact_copy in(s);
        mp_reader r(in.view(), mp_limits{.max_string = 64, .max_depth = 8});
        while (r.skip()) {
        }
        REQUIRE((r.ok() ? r.at_end() : !r.error_detail().empty()));
        mp_reader t(in.view());
        std::uint64_t u = 0;
        std::int64_t i = 0;
        double d = 0;
        std::string_view sv;
        std::uint32_t n = 0;
        for (int k = 0; k < 8 && t.ok(); ++k) {
            switch (t.peek()) {
                case mp_type::uint: t.read_uint(u); break;
                case mp_type::sint: t.read_int(i); break;
                case mp_type::f32: case mp_type::f64: t.read_f64(d); break;
                case mp_type::str: t.read_str(sv); break;
                case mp_type::bin: t.read_bin(sv); break;
                case mp_type::array: t.read_array(n); break;
                case mp_type::map: t.read_map(n); break;
                default: t.skip(); break;
            }
        }
        REQUIRE(t.offset() <= s.size());
    }
}

TEST_CASE("msgpack: names of types and errors", "[msgpack]") {
    using hsync::detail::to_string;
    STATIC_REQUIRE(to_string(mp_type::uint) == "unsigned integer");
    STATIC_REQUIRE(to_string(mp_type::sint) == "negative integer");
    STATIC_REQUIRE(to_string(mp_type::end) == "end of input");
    STATIC_REQUIRE(to_string(mp_type::invalid) == "reserved byte 0xc1");
    for (auto e : {mp_error::none, mp_error::truncated, mp_error::wrong_type, mp_error::too_long, mp_error::too_deep,
                   mp_error::count_too_large, mp_error::malformed})
        REQUIRE_FALSE(to_string(e).empty());
}
