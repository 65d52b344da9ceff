#pragma once
// The items sync messages are made of (docs/protocol.md, "Encoding"): ids, clocks, push
// positions, field values and the runs that carry entries and states with their model and
// device once. wire_in reads a body and turns anything unexpected into a bad_field, which
// decode() reports as a typed decode_failure; wire_out is the writer's side.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/msgpack.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/store/change.hpp>
#include <hsync/sync/decode_result.hpp>
#include <hsync/sync/messages.hpp>

namespace hsync::sync::detail {

using hsync::detail::mp_reader;
using hsync::detail::mp_type;
using hsync::detail::mp_writer;

struct bad_field {
    decode_error code;
    std::string detail;
};

inline constexpr std::uint32_t max_push_parts = 1u << 16;
inline constexpr std::size_t max_schema_fields = 1024;  // synced fields of one model in a Hello
inline constexpr std::size_t max_codecs = 16;           // compression codecs a Hello lists

class wire_in {
public:
    wire_in(std::string_view body, const limits& lim)
        : body_(body), r_(body, hsync::detail::mp_limits{lim.max_string, lim.max_depth}), lim_(lim) {}

    const limits& lim() const noexcept { return lim_; }
    mp_reader& reader() noexcept { return r_; }

    [[noreturn]] static void fail(decode_error code, std::string detail) { throw bad_field{code, std::move(detail)}; }

    // The reader stopped: its error, said of `what`.
    [[noreturn]] void failed(std::string_view what) const {
        using hsync::detail::mp_error;
        decode_error code = decode_error::malformed;
        switch (r_.error()) {
            case mp_error::truncated:
            case mp_error::count_too_large: code = decode_error::truncated; break;
            case mp_error::wrong_type: code = decode_error::wrong_type; break;
            case mp_error::too_long: code = decode_error::too_long; break;
            case mp_error::too_deep: code = decode_error::too_deep; break;
            default: break;
        }
        fail(code, std::string(what) + ": " + r_.error_detail());
    }

    // An array of exactly `n` items.
    void array_of(std::size_t n, std::string_view what) {
        const std::uint32_t got = array(what);
        if (got != n) {
            fail(decode_error::wrong_type, std::string(what) + " has " + std::to_string(got) + " items, expected " +
                                               std::to_string(n));
        }
    }
    std::uint32_t array(std::string_view what) {
        std::uint32_t n = 0;
        if (!r_.read_array(n)) failed(what);
        return n;
    }
    // An array of at most `max` items.
    std::uint32_t list(std::string_view what, std::size_t max) {
        const std::uint32_t n = array(what);
        if (n > max) {
            fail(decode_error::too_many, std::string(what) + " holds " + std::to_string(n) + " items, more than the limit of " +
                                             std::to_string(max));
        }
        return n;
    }
    std::uint64_t u64(std::string_view what) {
        std::uint64_t v = 0;
        if (!r_.read_uint(v)) failed(what);
        return v;
    }
    std::uint32_t u32(std::string_view what) {
        const std::uint64_t v = u64(what);
        if (v > 0xffffffffu) fail(decode_error::wrong_type, std::string(what) + " is out of range");
        return static_cast<std::uint32_t>(v);
    }
    std::int64_t i64(std::string_view what) {
        std::int64_t v = 0;
        if (!r_.read_int(v)) failed(what);
        return v;
    }
    bool boolean(std::string_view what) {
        bool v = false;
        if (!r_.read_bool(v)) failed(what);
        return v;
    }
    std::string str(std::string_view what) {
        std::string_view v;
        if (!r_.read_str(v)) failed(what);
        return std::string(v);
    }
    uuid id(std::string_view what) {
        std::string_view v;
        if (!r_.read_bin(v)) failed(what);
        if (v.size() != 16) fail(decode_error::wrong_type, std::string(what) + " is not a uuid (16 bytes)");
        uuid::bytes_type b{};
        for (std::size_t i = 0; i < 16; ++i) b[i] = static_cast<std::uint8_t>(v[i]);
        return uuid{b};
    }
    std::optional<uuid> optional_id(std::string_view what) {
        if (r_.peek() == mp_type::nil) {
            r_.read_nil();
            return std::nullopt;
        }
        return id(what);
    }
    hlc stamp(std::string_view what) {
        std::string_view v;
        if (!r_.read_bin(v)) failed(what);
        auto h = hlc::from_bytes(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()));
        if (!h) fail(decode_error::wrong_type, std::string(what) + " is not an hlc (24 bytes)");
        return *h;
    }

    push_position push() {
        array_of(4, "push");
        push_position p{u64("push prev_seq"), u64("push seq"), u32("push part"), u32("push parts")};
        if (p.parts == 0 || p.part >= p.parts) fail(decode_error::wrong_type, "push part out of range");
        // A push is split into batches: more parts than that would only make the receiver allocate.
        if (p.parts > max_push_parts) fail(decode_error::too_many, "a push in more than 65536 parts");
        return p;
    }

    // The values of the fields a word names: one scalar item per set bit, kept packed.
    field_values values(std::uint64_t fields, std::string_view what) {
        const std::size_t begin = r_.offset();
        for (int i = std::popcount(fields); i > 0; --i) {
            const mp_type t = r_.peek();
            if (t == mp_type::array || t == mp_type::map) {
                fail(decode_error::wrong_type, std::string(what) + " holds a " + std::string(to_string(t)) +
                                                   " as a field value; values are single items");
            }
            if (!r_.skip()) failed(what);
        }
        return field_values(fields, std::string(body_.substr(begin, r_.offset() - begin)));
    }

    // The field word of an item of `held` items, `fixed` of them before its values: one
    // value must follow per set bit.
    std::uint64_t field_word(std::uint32_t held, std::uint32_t fixed, std::string_view what) {
        const std::uint64_t fields = u64(std::string(what) + " fields");
        const auto named = static_cast<unsigned>(std::popcount(fields));
        if (held < fixed || held - fixed != named) {
            fail(decode_error::wrong_type, std::string(what) + " names " + std::to_string(named) + " fields and holds " +
                                               std::to_string(held < fixed ? 0 : held - fixed) + " values");
        }
        return fields;
    }

    // An item of at least `fixed` items.
    std::uint32_t array_at_least(std::uint32_t fixed, std::string_view what) {
        const std::uint32_t held = array(what);
        if (held < fixed) {
            fail(decode_error::wrong_type, std::string(what) + " has " + std::to_string(held) + " items, expected at least " +
                                               std::to_string(fixed));
        }
        return held;
    }

    void done() {
        if (!r_.at_end()) {
            fail(decode_error::malformed, std::to_string(r_.remaining()) + " bytes follow the end of the message");
        }
    }

private:
    std::string_view body_;
    mp_reader r_;
    const limits& lim_;
};

inline void write_id(mp_writer& w, const uuid& u) { w.bin(u.bytes().data(), 16); }
inline void write_stamp(mp_writer& w, const hlc& h) {
    const auto b = h.to_bytes();
    w.bin(b.data(), b.size());
}
inline void write_push(mp_writer& w, const push_position& p) {
    w.array(4);
    w.uint(p.prev_seq);
    w.uint(p.seq);
    w.uint(p.part);
    w.uint(p.parts);
}

// A clock within a run: the difference of its millis-and-counter word from the previous
// one's (the first from 0), as a signed integer; the device is the run's.
inline void write_clock(mp_writer& w, const hlc& h, std::uint64_t& prev) {
    w.sint(static_cast<std::int64_t>(h.packed() - prev));
    prev = h.packed();
}
inline hlc read_clock(wire_in& in, const uuid& device, std::uint64_t& prev) {
    prev += static_cast<std::uint64_t>(in.i64("clock"));
    return hlc::from_packed(prev, device);
}

// Splits items into runs of consecutive ones that share what key(item) returns; calls
// run(first, last) for each and returns how many there are when run is null.
template <class Item, class Key, class Run>
void for_each_run(const std::vector<Item>& items, Key key, Run run) {
    for (std::size_t i = 0; i < items.size();) {
        std::size_t j = i + 1;
        while (j < items.size() && key(items[j]) == key(items[i])) ++j;
        run(i, j);
        i = j;
    }
}
template <class Item, class Key>
std::uint32_t count_runs(const std::vector<Item>& items, Key key) {
    std::uint32_t n = 0;
    for_each_run(items, key, [&](std::size_t, std::size_t) { ++n; });
    return n;
}

// Shared entries: [[model, device, [[record, clock, type, fields, values...], ...]], ...]
inline void write_entries(mp_writer& w, const std::vector<shared_entry>& entries) {
    auto key = [](const shared_entry& e) { return std::pair<const std::string&, const uuid&>(e.model, e.stamp.device); };
    w.array(count_runs(entries, key));
    for_each_run(entries, key, [&](std::size_t first, std::size_t last) {
        w.array(3);
        w.str(entries[first].model);
        write_id(w, entries[first].stamp.device);
        w.array(static_cast<std::uint32_t>(last - first));
        std::uint64_t prev = 0;
        for (std::size_t i = first; i < last; ++i) {
            const shared_entry& e = entries[i];
            w.array(static_cast<std::uint32_t>(4 + e.values.count()));
            write_id(w, e.record);
            write_clock(w, e.stamp, prev);
            w.uint(static_cast<std::uint64_t>(e.type));
            w.uint(e.values.fields);
            w.raw(e.values.packed);
        }
    });
}
inline std::vector<shared_entry> read_entries(wire_in& in) {
    std::vector<shared_entry> out;
    const std::size_t max = in.lim().max_batch;
    for (std::uint32_t runs = in.list("runs of shared changes", max); runs > 0; --runs) {
        in.array_of(3, "a run of shared changes");
        std::string model = in.str("run model");
        const uuid device = in.id("run device");
        std::uint64_t prev = 0;
        for (std::uint32_t n = in.list("shared changes", max - out.size()); n > 0; --n) {
            const std::uint32_t items = in.array_at_least(4, "shared change");
            shared_entry e;
            e.model = model;
            e.record = in.id("shared change record");
            e.stamp = read_clock(in, device, prev);
            const std::uint64_t type = in.u64("shared change type");
            if (type < 1 || type > 3) in.fail(decode_error::wrong_type, "shared change type is not 1, 2 or 3");
            e.type = static_cast<change_type>(type);
            e.values = in.values(in.field_word(items, 4, "shared change"), "shared change");
            out.push_back(std::move(e));
        }
    }
    return out;
}

// Device-owned states: [[model, owner, device, [[record, clock, removed, fields, values...], ...]], ...]
inline void write_states(mp_writer& w, const std::vector<state_record>& records) {
    auto key = [](const state_record& r) { return std::tie(r.model, r.owner, r.version.device); };
    w.array(count_runs(records, key));
    for_each_run(records, key, [&](std::size_t first, std::size_t last) {
        w.array(4);
        w.str(records[first].model);
        write_id(w, records[first].owner);
        write_id(w, records[first].version.device);
        w.array(static_cast<std::uint32_t>(last - first));
        std::uint64_t prev = 0;
        for (std::size_t i = first; i < last; ++i) {
            const state_record& r = records[i];
            w.array(static_cast<std::uint32_t>(4 + r.values.count()));
            write_id(w, r.record);
            write_clock(w, r.version, prev);
            w.boolean(r.removed);
            w.uint(r.values.fields);
            w.raw(r.values.packed);
        }
    });
}
inline std::vector<state_record> read_states(wire_in& in) {
    std::vector<state_record> out;
    const std::size_t max = in.lim().max_batch;
    for (std::uint32_t runs = in.list("runs of states", max); runs > 0; --runs) {
        in.array_of(4, "a run of states");
        std::string model = in.str("run model");
        const uuid owner = in.id("run owner");
        const uuid device = in.id("run device");
        std::uint64_t prev = 0;
        for (std::uint32_t n = in.list("states", max - out.size()); n > 0; --n) {
            const std::uint32_t items = in.array_at_least(4, "state");
            state_record r;
            r.model = model;
            r.owner = owner;
            r.record = in.id("state record");
            r.version = read_clock(in, device, prev);
            r.removed = in.boolean("state removed");
            r.values = in.values(in.field_word(items, 4, "state"), "state");
            out.push_back(std::move(r));
        }
    }
    return out;
}

}  // namespace hsync::sync::detail
