#pragma once
// One write and one read per message (docs/protocol.md, "Messages"): message_wire<T>
// knows the `items` of T's body after its type number, in order; codec.hpp writes the
// body's array header and type number, and checks the count before read() (but for Hello,
// whose version comes first).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <hsync/detail/printable.hpp>
#include <hsync/sync/detail/wire_io.hpp>
#include <hsync/sync/messages.hpp>
#include <hsync/sync/schema.hpp>

namespace hsync::sync::detail {

template <class T>
struct message_wire;

// Checks that a body has the items its message has.
inline void expect_items(std::uint32_t got, std::uint32_t want, std::string_view name) {
    if (got != want) {
        wire_in::fail(decode_error::wrong_type, std::string(name) + " has " + std::to_string(got) + " items, expected " +
                                                    std::to_string(want));
    }
}

inline void check_request_limit(std::uint32_t limit, std::uint32_t max, std::string_view name) {
    if (limit > max) {
        wire_in::fail(decode_error::too_many, std::string(name) + " asks for " + std::to_string(limit) +
                                                  " items, more than the limit of " + std::to_string(max));
    }
}

// Pages in flight a request or a MorePages asks for: at least one, at most the limit.
inline std::uint32_t read_pages(wire_in& in, std::string_view name) {
    const std::uint32_t pages = in.u32(std::string(name) + " pages");
    if (pages == 0) wire_in::fail(decode_error::wrong_type, std::string(name) + " asks for 0 pages");
    if (pages > in.lim().max_pages) {
        wire_in::fail(decode_error::too_many, std::string(name) + " asks for " + std::to_string(pages) +
                                                  " pages in flight, more than the limit of " +
                                                  std::to_string(in.lim().max_pages));
    }
    return pages;
}

// Hello: [protocol, version, library, device, seq, received_from_you, schema_hash, schema,
// compression]; schema: [[name, strategy, [[field, type], ...]], ...]; compression:
// [codec name, ...].
template <>
struct message_wire<hello> {
    static constexpr std::uint32_t items = 9;
    static void write(mp_writer& w, const hello& h) {
        w.str(h.protocol);
        w.uint(h.version);
        write_id(w, h.library);
        write_id(w, h.device);
        w.uint(h.seq);
        w.uint(h.received_from_you);
        w.uint(h.schema_hash);
        w.array(static_cast<std::uint32_t>(h.schema.models.size()));
        for (const auto& m : h.schema.models) {
            w.array(3);
            w.str(m.name);
            w.str(m.strategy);
            w.array(static_cast<std::uint32_t>(m.fields.size()));
            for (const auto& f : m.fields) {
                w.array(2);
                w.str(f.name);
                w.str(f.type);
            }
        }
        w.array(static_cast<std::uint32_t>(h.compression.size()));
        for (const auto& c : h.compression) w.str(c);
    }
    static hello read(wire_in& in, std::uint32_t count) {
        hello h;
        // Protocol and version first, whatever else the body holds: a peer of another
        // version is refused for its version, not for a shape this device does not know.
        if (count < 2) expect_items(count, items, "Hello");
        h.protocol = in.str("Hello protocol");
        h.version = in.u32("Hello version");
        if (h.protocol != protocol_id || h.version != protocol_version) {
            wire_in::fail(decode_error::unsupported_version,
                          "protocol '" + hsync::detail::printable(h.protocol) + "' version " + std::to_string(h.version) +
                              "; this device speaks '" + std::string(protocol_id) + "' version " +
                              std::to_string(protocol_version));
        }
        expect_items(count, items, "Hello");
        h.library = in.id("Hello library");
        h.device = in.id("Hello device");
        h.seq = in.u64("Hello seq");
        h.received_from_you = in.u64("Hello received_from_you");
        h.schema_hash = in.u64("Hello schema_hash");
        for (std::uint32_t n = in.list("Hello schema", in.lim().max_models); n > 0; --n) {
            in.array_of(3, "schema model");
            model_schema m;
            m.name = in.str("schema model name");
            m.strategy = in.str("schema model strategy");
            if (m.strategy != "shared" && m.strategy != "device_owned" && m.strategy != "mixed") {
                wire_in::fail(decode_error::wrong_type, "schema model strategy is not shared, device_owned or mixed");
            }
            for (std::uint32_t f = in.list("schema model fields", max_schema_fields); f > 0; --f) {
                in.array_of(2, "schema field");
                field_schema field;
                field.name = in.str("schema field name");
                field.type = in.str("schema field type");
                m.fields.push_back(std::move(field));
            }
            h.schema.models.push_back(std::move(m));
        }
        for (std::uint32_t n = in.list("Hello compression", max_codecs); n > 0; --n) {
            h.compression.push_back(in.str("Hello compression codec"));
        }
        if (schema_hash(h.schema) != h.schema_hash) {
            wire_in::fail(decode_error::wrong_type, "Hello schema_hash does not match the schema sent with it");
        }
        return h;
    }
};

// StateChange: [states (one), push]
template <>
struct message_wire<state_change> {
    static constexpr std::uint32_t items = 2;
    static void write(mp_writer& w, const state_change& c) {
        write_states(w, std::vector<state_record>{c.record});
        write_push(w, c.push);
    }
    static state_change read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "StateChange");
        auto records = read_states(in);
        if (records.size() != 1) wire_in::fail(decode_error::wrong_type, "a StateChange holds other than one state");
        return state_change{std::move(records.front()), in.push()};
    }
};

// StateBatch: [model, owner, states, push]
template <>
struct message_wire<state_batch> {
    static constexpr std::uint32_t items = 4;
    static void write(mp_writer& w, const state_batch& b) {
        w.str(b.model);
        write_id(w, b.owner);
        write_states(w, b.records);
        write_push(w, b.push);
    }
    static state_batch read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "StateBatch");
        state_batch b;
        b.model = in.str("StateBatch model");
        b.owner = in.id("StateBatch owner");
        b.records = read_states(in);
        b.push = in.push();
        return b;
    }
};

// StateRequest: [[model, ...], owner or nil, since, limit]
template <>
struct message_wire<state_request> {
    static constexpr std::uint32_t items = 5;
    static void write(mp_writer& w, const state_request& q) {
        w.array(static_cast<std::uint32_t>(q.models.size()));
        for (const auto& m : q.models) w.str(m);
        if (q.owner) {
            write_id(w, *q.owner);
        } else {
            w.nil();
        }
        w.uint(q.since);
        w.uint(q.limit);
        w.uint(q.pages);
    }
    static state_request read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "StateRequest");
        state_request q;
        for (std::uint32_t n = in.list("StateRequest models", in.lim().max_models); n > 0; --n) {
            q.models.push_back(in.str("StateRequest model"));
        }
        q.owner = in.optional_id("StateRequest owner");
        q.since = in.u64("StateRequest since");
        q.limit = in.u32("StateRequest limit");
        check_request_limit(q.limit, in.lim().max_request_limit, "StateRequest");
        q.pages = read_pages(in, "StateRequest");
        return q;
    }
};

// StateResponse: [model, states, [[model, record, owner, version], ...], has_more, checkpoint]
template <>
struct message_wire<state_response> {
    static constexpr std::uint32_t items = 6;
    static void write(mp_writer& w, const state_response& s) {
        w.str(s.model);
        write_states(w, s.records);
        w.array(static_cast<std::uint32_t>(s.deleted.size()));
        for (const auto& d : s.deleted) {
            w.array(4);
            w.str(d.model);
            write_id(w, d.record);
            write_id(w, d.owner);
            write_stamp(w, d.version);
        }
        w.boolean(s.has_more);
        w.uint(s.checkpoint);
        w.uint(s.since);
    }
    static state_response read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "StateResponse");
        state_response s;
        s.model = in.str("StateResponse model");
        s.records = read_states(in);
        for (std::uint32_t n = in.list("StateResponse deleted", in.lim().max_batch); n > 0; --n) {
            in.array_of(4, "deleted state");
            deleted_state d;
            d.model = in.str("deleted state model");
            d.record = in.id("deleted state record");
            d.owner = in.id("deleted state owner");
            d.version = in.stamp("deleted state version");
            s.deleted.push_back(std::move(d));
        }
        s.has_more = in.boolean("StateResponse has_more");
        s.checkpoint = in.u64("StateResponse checkpoint");
        s.since = in.u64("StateResponse since");
        return s;
    }
};

// SharedChange: [entries (one), push]
template <>
struct message_wire<shared_change> {
    static constexpr std::uint32_t items = 2;
    static void write(mp_writer& w, const shared_change& c) {
        write_entries(w, std::vector<shared_entry>{c.entry});
        write_push(w, c.push);
    }
    static shared_change read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "SharedChange");
        auto entries = read_entries(in);
        if (entries.size() != 1) wire_in::fail(decode_error::wrong_type, "a SharedChange holds other than one change");
        return shared_change{std::move(entries.front()), in.push()};
    }
};

// SharedChangeBatch: [entries, push]
template <>
struct message_wire<shared_change_batch> {
    static constexpr std::uint32_t items = 2;
    static void write(mp_writer& w, const shared_change_batch& b) {
        write_entries(w, b.entries);
        write_push(w, b.push);
    }
    static shared_change_batch read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "SharedChangeBatch");
        shared_change_batch b;
        b.entries = read_entries(in);
        b.push = in.push();
        return b;
    }
};

// SharedChangeRequest: [since, limit, snapshot, model]
template <>
struct message_wire<shared_change_request> {
    static constexpr std::uint32_t items = 5;
    static void write(mp_writer& w, const shared_change_request& q) {
        w.uint(q.since);
        w.uint(q.limit);
        w.boolean(q.snapshot);
        w.str(q.model);
        w.uint(q.pages);
    }
    static shared_change_request read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "SharedChangeRequest");
        shared_change_request q;
        q.since = in.u64("SharedChangeRequest since");
        q.limit = in.u32("SharedChangeRequest limit");
        q.snapshot = in.boolean("SharedChangeRequest snapshot");
        q.model = in.str("SharedChangeRequest model");
        check_request_limit(q.limit, in.lim().max_request_limit, "SharedChangeRequest");
        q.pages = read_pages(in, "SharedChangeRequest");
        return q;
    }
};

// SharedChangeResponse: [entries, snapshots, snapshot_mode, has_more, checkpoint, since, model];
// snapshot: [model, record, removed, removed_at or nil, fields, [clock, ...], values...]
template <>
struct message_wire<shared_change_response> {
    static constexpr std::uint32_t items = 7;
    static void write(mp_writer& w, const shared_change_response& s) {
        write_entries(w, s.entries);
        w.array(static_cast<std::uint32_t>(s.snapshot.size()));
        for (const auto& r : s.snapshot) {
            w.array(static_cast<std::uint32_t>(6 + r.values.count()));
            w.str(r.model);
            write_id(w, r.record);
            w.boolean(r.removed);
            if (r.removed) {
                write_stamp(w, r.removed_at);
            } else {
                w.nil();
            }
            w.uint(r.values.fields);
            w.array(static_cast<std::uint32_t>(r.clocks.size()));
            for (const auto& c : r.clocks) write_stamp(w, c);
            w.raw(r.values.packed);
        }
        w.boolean(s.snapshot_mode);
        w.boolean(s.has_more);
        w.uint(s.checkpoint);
        w.uint(s.since);
        w.str(s.model);
    }
    static shared_change_response read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "SharedChangeResponse");
        shared_change_response s;
        s.entries = read_entries(in);
        for (std::uint32_t n = in.list("snapshots", in.lim().max_batch); n > 0; --n) {
            const std::uint32_t held = in.array_at_least(6, "snapshot");
            shared_snapshot r;
            r.model = in.str("snapshot model");
            r.record = in.id("snapshot record");
            r.removed = in.boolean("snapshot removed");
            if (r.removed) {
                r.removed_at = in.stamp("snapshot removed_at");
            } else if (!in.reader().read_nil()) {
                in.failed("snapshot removed_at (nil unless removed)");
            }
            const std::uint64_t fields = in.field_word(held, 6, "snapshot");
            for (std::uint32_t c = in.list("snapshot clocks", 64); c > 0; --c) r.clocks.push_back(in.stamp("snapshot clock"));
            r.values = in.values(fields, "snapshot");
            s.snapshot.push_back(std::move(r));
        }
        s.snapshot_mode = in.boolean("SharedChangeResponse snapshot_mode");
        s.has_more = in.boolean("SharedChangeResponse has_more");
        s.checkpoint = in.u64("SharedChangeResponse checkpoint");
        s.since = in.u64("SharedChangeResponse since");
        s.model = in.str("SharedChangeResponse model");
        return s;
    }
};

// AckSharedChanges: [from_device, up_to]
template <>
struct message_wire<ack_shared_changes> {
    static constexpr std::uint32_t items = 2;
    static void write(mp_writer& w, const ack_shared_changes& a) {
        write_id(w, a.from_device);
        w.uint(a.up_to);
    }
    static ack_shared_changes read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "AckSharedChanges");
        ack_shared_changes a;
        a.from_device = in.id("AckSharedChanges from_device");
        a.up_to = in.u64("AckSharedChanges up_to");
        return a;
    }
};

// Heartbeat: [seq]
template <>
struct message_wire<heartbeat> {
    static constexpr std::uint32_t items = 1;
    static void write(mp_writer& w, const heartbeat& h) {
        w.uint(h.seq);
    }
    static heartbeat read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "Heartbeat");
        return heartbeat{in.u64("Heartbeat seq")};
    }
};

// Error: [code, message]
template <>
struct message_wire<error_message> {
    static constexpr std::uint32_t items = 2;
    static void write(mp_writer& w, const error_message& e) {
        w.uint(static_cast<std::uint64_t>(e.code));
        w.str(e.message);
    }
    static error_message read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "Error");
        error_message e;
        const std::uint64_t code = in.u64("Error code");
        if (code < 1 || code > 10) wire_in::fail(decode_error::wrong_type, "Error code is not a known error code");
        e.code = static_cast<error_code>(code);
        e.message = in.str("Error message");
        return e;
    }
};

// MorePages: [pages]
template <>
struct message_wire<more_pages> {
    static constexpr std::uint32_t items = 1;
    static void write(mp_writer& w, const more_pages& m) { w.uint(m.pages); }
    static more_pages read(wire_in& in, std::uint32_t count) {
        expect_items(count, items, "MorePages");
        return more_pages{read_pages(in, "MorePages")};
    }
};

}  // namespace hsync::sync::detail
