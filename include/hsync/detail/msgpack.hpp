#pragma once
// A small MessagePack writer and pull reader, without a DOM: field values and sync
// messages are written straight into a byte string and read back item by item, so
// nothing is allocated per item. The reader never throws and never reads past its
// input; every failure is recorded as state (the first one wins) and stops the reader,
// so a caller may check ok() once after a run of reads. Lengths and counts are checked
// against the bytes left before use, so hostile input cannot make it allocate, loop
// past the input, or recurse deeper than mp_limits::max_depth.

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace hsync::detail {

class mp_writer {
public:
    mp_writer() = default;
    explicit mp_writer(std::string into) : buf_(std::move(into)) {}

    void nil() { put(0xc0); }
    void boolean(bool v) { put(v ? 0xc3 : 0xc2); }

    void uint(std::uint64_t v) {
        if (v < 0x80) put(static_cast<unsigned char>(v));
        else if (v <= 0xff) head(0xcc, v, 1);
        else if (v <= 0xffff) head(0xcd, v, 2);
        else if (v <= 0xffffffff) head(0xce, v, 4);
        else head(0xcf, v, 8);
    }
    void sint(std::int64_t v) {
        if (v >= 0) return uint(static_cast<std::uint64_t>(v));
        // Two's complement bits; head() keeps the low bytes, which is the narrower form.
        const auto bits = static_cast<std::uint64_t>(v);
        if (v >= -32) put(static_cast<unsigned char>(bits));
        else if (v >= std::numeric_limits<std::int8_t>::min()) head(0xd0, bits, 1);
        else if (v >= std::numeric_limits<std::int16_t>::min()) head(0xd1, bits, 2);
        else if (v >= std::numeric_limits<std::int32_t>::min()) head(0xd2, bits, 4);
        else head(0xd3, bits, 8);
    }
    void f32(float v) { head(0xca, std::bit_cast<std::uint32_t>(v), 4); }
    void f64(double v) { head(0xcb, std::bit_cast<std::uint64_t>(v), 8); }

    void str(std::string_view s) {
        const std::size_t n = s.size();
        if (n < 32) put(static_cast<unsigned char>(0xa0 | n));
        else if (n <= 0xff) head(0xd9, n, 1);
        else length(0xda, n);
        buf_.append(s);
    }
    void bin(std::string_view data) {
        const std::size_t n = data.size();
        if (n <= 0xff) head(0xc4, n, 1);
        else length(0xc5, n);
        buf_.append(data);
    }
    void bin(const std::uint8_t* p, std::size_t n) { bin(std::string_view(reinterpret_cast<const char*>(p), n)); }

    void array(std::uint32_t n) {
        if (n < 16) put(static_cast<unsigned char>(0x90 | n));
        else length(0xdc, n);
    }
    void map(std::uint32_t n) {
        if (n < 16) put(static_cast<unsigned char>(0x80 | n));
        else length(0xde, n);
    }
    void raw(std::string_view encoded) { buf_.append(encoded); }

    // For a list whose length is known only after its items are written.
    std::size_t reserve_array16() {
        const std::size_t at = buf_.size();
        head(0xdc, 0, 2);
        return at;
    }
    void patch_array16(std::size_t at, std::uint16_t n) {
        assert(at + 3 <= buf_.size() && static_cast<unsigned char>(buf_[at]) == 0xdc);
        buf_[at + 1] = static_cast<char>(n >> 8);
        buf_[at + 2] = static_cast<char>(n & 0xff);
    }

    const std::string& bytes() const noexcept { return buf_; }
    std::string take() noexcept { return std::move(buf_); }
    std::size_t size() const noexcept { return buf_.size(); }
    // Room for n more bytes; grows at least geometrically so repeated calls stay cheap.
    void reserve(std::size_t n) {
        if (buf_.capacity() - buf_.size() >= n) return;
        buf_.reserve(std::max(buf_.size() + n, 2 * buf_.capacity()));
    }

private:
    void put(unsigned char b) { buf_.push_back(static_cast<char>(b)); }
    // A tag byte followed by the low n bytes of v, big-endian, in one append.
    void head(unsigned char tag, std::uint64_t v, std::size_t n) {
        char b[9];
        b[0] = static_cast<char>(tag);
        for (std::size_t i = 0; i < n; ++i) b[1 + i] = static_cast<char>(v >> (8 * (n - 1 - i)));
        buf_.append(b, n + 1);
    }
    // The 16- or 32-bit form: the 32-bit tag is always the 16-bit one + 1 (str, bin,
    // array, map). MessagePack cannot say more than 2^32-1; callers bound their sizes.
    void length(unsigned char tag16, std::uint64_t n) {
        assert(n <= 0xffffffff);
        if (n <= 0xffff) head(tag16, n, 2);
        else head(static_cast<unsigned char>(tag16 + 1), n, 4);
    }

    std::string buf_;
};

enum class mp_type : std::uint8_t { nil, boolean, uint, sint, f32, f64, str, bin, array, map, ext, end, invalid };

constexpr std::string_view to_string(mp_type t) noexcept {
    switch (t) {
        case mp_type::nil: return "nil";
        case mp_type::boolean: return "boolean";
        case mp_type::uint: return "unsigned integer";
        case mp_type::sint: return "negative integer";
        case mp_type::f32: return "float32";
        case mp_type::f64: return "float64";
        case mp_type::str: return "string";
        case mp_type::bin: return "binary";
        case mp_type::array: return "array";
        case mp_type::map: return "map";
        case mp_type::ext: return "extension";
        case mp_type::end: return "end of input";
        case mp_type::invalid: return "reserved byte 0xc1";
    }
    return "?";
}

enum class mp_error : std::uint8_t { none, truncated, wrong_type, too_long, too_deep, count_too_large, malformed };

constexpr std::string_view to_string(mp_error e) noexcept {
    switch (e) {
        case mp_error::none: return "no error";
        case mp_error::truncated: return "truncated input";
        case mp_error::wrong_type: return "wrong type";
        case mp_error::too_long: return "string too long";
        case mp_error::too_deep: return "nesting too deep";
        case mp_error::count_too_large: return "count larger than the input";
        case mp_error::malformed: return "malformed input";
    }
    return "?";
}

struct mp_limits {
    std::size_t max_string = 16u << 20;  // longest str or bin, bytes
    std::size_t max_depth = 32;          // nesting skip() follows
};

// The type of each lead byte; int8..int64 say uint here and peek() looks at the sign.
inline constexpr std::array<mp_type, 256> mp_lead_types = [] {
    std::array<mp_type, 256> r{};
    for (unsigned b = 0; b < 256; ++b) {
        mp_type t = mp_type::ext;  // c7-c9, d4-d8
        if (b < 0x80 || (b >= 0xcc && b <= 0xd3)) t = mp_type::uint;
        else if (b >= 0xe0) t = mp_type::sint;
        else if (b < 0x90 || b == 0xde || b == 0xdf) t = mp_type::map;
        else if (b < 0xa0 || b == 0xdc || b == 0xdd) t = mp_type::array;
        else if (b < 0xc0 || (b >= 0xd9 && b <= 0xdb)) t = mp_type::str;
        else if (b == 0xc0) t = mp_type::nil;
        else if (b == 0xc1) t = mp_type::invalid;
        else if (b == 0xc2 || b == 0xc3) t = mp_type::boolean;
        else if (b >= 0xc4 && b <= 0xc6) t = mp_type::bin;
        else if (b == 0xca) t = mp_type::f32;
        else if (b == 0xcb) t = mp_type::f64;
        r[b] = t;
    }
    return r;
}();

class mp_reader {
    using byte = unsigned char;

public:
    explicit mp_reader(std::string_view bytes, mp_limits limits = {}) noexcept
        : begin_(reinterpret_cast<const byte*>(bytes.data())), cur_(begin_), end_(begin_ + bytes.size()),
          limits_(limits) {}
    // The reader keeps a view: a temporary string would dangle before the first read.
    template <class S>
        requires std::same_as<S, std::string>
    mp_reader(S&&, mp_limits = {}) = delete;

    // After a failure the reader reads as empty: peek() is `end`, at_end() is true,
    // remaining() is 0 (so loops over the input stop), and offset() stays put.
    mp_type peek() const noexcept {
        if (cur_ == end_) return mp_type::end;
        const byte b = *cur_;
        if (b >= 0xd0 && b <= 0xd3 && remaining() > 1 && cur_[1] >= 0x80) return mp_type::sint;
        return mp_lead_types[b];
    }

    bool read_nil() noexcept {
        if (cur_ == end_ || *cur_ != 0xc0) return fail_type("nil");
        ++cur_;
        return true;
    }
    bool read_bool(bool& out) noexcept {
        if (cur_ == end_ || (*cur_ != 0xc2 && *cur_ != 0xc3)) return fail_type("boolean");
        out = *cur_++ == 0xc3;
        return true;
    }

    // Hot path: a positive fixint is one compare; every other form goes through integer().
    bool read_uint(std::uint64_t& out) noexcept {
        if (cur_ != end_ && *cur_ < 0x80) {
            out = *cur_++;
            return true;
        }
        std::uint64_t v = 0;
        std::size_t size = 0;
        if (!integer("unsigned integer", v, size)) return false;
        if (peek() == mp_type::sint) return fail_type("unsigned integer");
        out = v;
        cur_ += size;
        return true;
    }
    bool read_int(std::int64_t& out) noexcept {
        if (cur_ != end_ && (*cur_ < 0x80 || *cur_ >= 0xe0)) {
            out = static_cast<std::int8_t>(*cur_++);
            return true;
        }
        std::uint64_t v = 0;
        std::size_t size = 0;
        if (!integer("integer", v, size)) return false;
        if (peek() == mp_type::uint && v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return fail_type("integer in the int64 range");
        out = static_cast<std::int64_t>(v);  // modular: the two's complement bits back
        cur_ += size;
        return true;
    }

    bool read_f64(double& out) noexcept {
        if (cur_ != end_ && *cur_ == 0xcb) {
            if (remaining() < 9) return fail_truncated("float64", 9);
            out = std::bit_cast<double>(be(cur_ + 1, 8));
            cur_ += 9;
            return true;
        }
        float f = 0;
        if (cur_ == end_ || *cur_ != 0xca) return fail_type("float64");
        if (!read_f32(f)) return false;
        out = f;
        return true;
    }
    bool read_f32(float& out) noexcept {
        if (cur_ == end_ || *cur_ != 0xca) return fail_type("float32");
        if (remaining() < 5) return fail_truncated("float32", 5);
        out = std::bit_cast<float>(static_cast<std::uint32_t>(be(cur_ + 1, 4)));
        cur_ += 5;
        return true;
    }

    bool read_str(std::string_view& out) noexcept {
        if (cur_ != end_) {
            const byte b = *cur_;
            if (b >= 0xa0 && b <= 0xbf) return take_bytes(1, b & 0x1fu, "string", out);
            if (b >= 0xd9 && b <= 0xdb) return sized(std::size_t{1} << (b - 0xd9), "string", out);
        }
        return fail_type("string");
    }
    bool read_bin(std::string_view& out) noexcept {
        if (cur_ != end_ && *cur_ >= 0xc4 && *cur_ <= 0xc6)
            return sized(std::size_t{1} << (*cur_ - 0xc4), "binary", out);
        return fail_type("binary");
    }

    // Every item takes at least one byte, so a count beyond the bytes left is a lie
    // that would otherwise make a caller reserve memory or loop for nothing.
    bool read_array(std::uint32_t& count) noexcept { return container(0x90, 0xdc, 1, "array", count); }
    bool read_map(std::uint32_t& count) noexcept { return container(0x80, 0xde, 2, "map", count); }

    bool skip() noexcept {
        const byte* start = cur_;
        if (skip_item(0)) return true;
        cur_ = end_ = start;  // a failed read consumes nothing
        return false;
    }
    bool read_raw(std::string_view& out) noexcept {
        const byte* start = cur_;
        if (!skip()) return false;
        out = view(start, static_cast<std::size_t>(cur_ - start));
        return true;
    }

    bool at_end() const noexcept { return cur_ == end_; }
    std::size_t offset() const noexcept { return static_cast<std::size_t>(cur_ - begin_); }
    std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - cur_); }
    bool ok() const noexcept { return error_ == mp_error::none; }
    mp_error error() const noexcept { return error_; }
    const std::string& error_detail() const { return detail_; }

    // Keeps the first error, and stops the reader by making it look empty.
    void fail(mp_error e, std::string detail) {
        if (e == mp_error::none || error_ != mp_error::none) return;
        error_ = e;
        detail_ = std::move(detail);
        end_ = cur_;
    }

private:
    static std::uint64_t be(const byte* p, std::size_t n) noexcept {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
        return v;
    }
    static std::string_view view(const byte* p, std::size_t n) noexcept {
        return {reinterpret_cast<const char*>(p), n};
    }

    // Any integer form: its two's complement bits and its encoded size. Consumes
    // nothing, so the caller can still reject the value by sign or range.
    bool integer(std::string_view what, std::uint64_t& v, std::size_t& size) noexcept {
        if (cur_ == end_) return fail_type(what);
        const byte b = *cur_;
        if (b < 0x80 || b >= 0xe0) {
            v = static_cast<std::uint64_t>(std::int64_t{static_cast<std::int8_t>(b)});
            size = 1;
            return true;
        }
        if (b < 0xcc || b > 0xd3) return fail_type(what);
        const std::size_t n = std::size_t{1} << ((b - 0xcc) & 3);
        if (remaining() <= n) return fail_truncated(what, 1 + n);
        v = be(cur_ + 1, n);
        if (b >= 0xd0 && n < 8 && (cur_[1] & 0x80)) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
        size = 1 + n;
        return true;
    }

    // str8/16/32 and bin8/16/32: a big-endian length of `len_size` bytes after the tag.
    bool sized(std::size_t len_size, std::string_view what, std::string_view& out) noexcept {
        if (remaining() <= len_size) return fail_truncated(what, 1 + len_size);
        return take_bytes(1 + len_size, be(cur_ + 1, len_size), what, out);
    }
    bool take_bytes(std::size_t header, std::uint64_t len, std::string_view what, std::string_view& out) noexcept {
        if (len > limits_.max_string) return fail_too_long(what, len);
        if (len > remaining() - header) return fail_truncated(what, header + len);
        out = view(cur_ + header, static_cast<std::size_t>(len));
        cur_ += header + len;
        return true;
    }

    bool container(byte fix, byte tag16, std::uint64_t per_item, std::string_view what, std::uint32_t& count) noexcept {
        std::size_t header = 1;
        std::uint64_t n = 0;
        if (cur_ != end_ && (*cur_ & 0xf0) == fix) {
            n = *cur_ & 0x0fu;
        } else if (cur_ != end_ && (*cur_ == tag16 || *cur_ == tag16 + 1)) {
            header += *cur_ == tag16 ? std::size_t{2} : std::size_t{4};
            if (remaining() < header) return fail_truncated(what, header);
            n = be(cur_ + 1, header - 1);
        } else {
            return fail_type(what);
        }
        if (n * per_item > remaining() - header) return fail_count(what, n, header);
        count = static_cast<std::uint32_t>(n);
        cur_ += header;
        return true;
    }

    bool skip_item(std::size_t depth) noexcept {
        std::string_view s;
        std::uint32_t n = 0;
        switch (peek()) {
            case mp_type::nil: case mp_type::boolean: case mp_type::uint: case mp_type::sint:
            case mp_type::f32: case mp_type::f64: {
                // Fixed size: fixints are one byte, c0..d3 say theirs in fixed_size().
                const byte b = *cur_;
                const std::size_t n_bytes = b < 0xc0 || b >= 0xe0 ? 1 : fixed_size(b);
                if (remaining() < n_bytes) return fail_truncated(to_string(peek()), n_bytes);
                cur_ += n_bytes;
                return true;
            }
            case mp_type::str: return read_str(s);
            case mp_type::bin: return read_bin(s);
            case mp_type::array: case mp_type::map: {
                const bool is_map = peek() == mp_type::map;
                if (depth >= limits_.max_depth) return fail_deep();
                if (!(is_map ? read_map(n) : read_array(n))) return false;
                for (std::uint64_t i = 0, items = is_map ? 2 * std::uint64_t{n} : n; i < items; ++i)
                    if (!skip_item(depth + 1)) return false;
                return true;
            }
            case mp_type::end: return fail_type("an item");
            case mp_type::ext: case mp_type::invalid: break;
        }
        return fail_malformed();
    }
    static std::size_t fixed_size(byte b) noexcept {
        if (b <= 0xc3) return 1;  // nil, false, true (0xc1 never gets here)
        if (b == 0xca) return 5;
        if (b == 0xcb) return 9;
        return 1 + (std::size_t{1} << ((b - 0xcc) & 3));  // uint8..64, int8..64
    }

    // Error paths: out of line and cold so the hot paths stay a few branches.
    [[gnu::cold, gnu::noinline]] bool fail_type(std::string_view expected) {
        if (!ok()) return false;
        const mp_type found = peek();
        mp_error e = mp_error::wrong_type;
        if (found == mp_type::end) e = mp_error::truncated;
        if (found == mp_type::ext || found == mp_type::invalid) e = mp_error::malformed;
        fail(e, "expected " + std::string(expected) + ", found " + std::string(to_string(found)) + at());
        return false;
    }
    [[gnu::cold, gnu::noinline]] bool fail_truncated(std::string_view what, std::uint64_t need) {
        if (!ok()) return false;
        fail(mp_error::truncated, "truncated " + std::string(what) + at() + ": needs " + std::to_string(need) +
                                      " bytes, " + std::to_string(remaining()) + " left");
        return false;
    }
    [[gnu::cold, gnu::noinline]] bool fail_too_long(std::string_view what, std::uint64_t len) {
        fail(mp_error::too_long, std::string(what) + " of " + std::to_string(len) + " bytes" + at() +
                                     " is over the limit of " + std::to_string(limits_.max_string));
        return false;
    }
    [[gnu::cold, gnu::noinline]] bool fail_count(std::string_view what, std::uint64_t n, std::size_t header) {
        fail(mp_error::count_too_large, std::string(what) + " of " + std::to_string(n) + " items" + at() +
                                            " cannot fit in the " + std::to_string(remaining() - header) +
                                            " bytes left");
        return false;
    }
    [[gnu::cold, gnu::noinline]] bool fail_deep() {
        fail(mp_error::too_deep, "nesting deeper than " + std::to_string(limits_.max_depth) + at());
        return false;
    }
    [[gnu::cold, gnu::noinline]] bool fail_malformed() {
        fail(mp_error::malformed, std::string(to_string(peek())) + at() + ", which hsync never writes");
        return false;
    }
    std::string at() const { return " at byte " + std::to_string(offset()); }

    const byte* begin_;
    const byte* cur_;
    const byte* end_;
    mp_limits limits_;
    mp_error error_ = mp_error::none;
    std::string detail_;
};

}  // namespace hsync::detail
