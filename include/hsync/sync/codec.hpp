#pragma once
// Encoding and decoding of sync messages, and their framing: a 4-byte big-endian length,
// then the body, MessagePack by default or JSON. Decoding treats every byte as hostile:
// sizes, depth, duplicate keys, types, counts and model names are checked, and a failure
// is a typed decode_failure, never an exception or a partial message.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/sync/detail/bounded_sax.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/wire_limits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/sync/decode_result.hpp>
#include <hsync/sync/messages.hpp>

namespace hsync::sync {

namespace detail {

using json = nlohmann::json;

// uuids and HLCs are binary in MessagePack (16 and 24 bytes) and text in JSON.
inline json write_uuid(const uuid& u, encoding e) {
    if (e == encoding::json) return u.to_string();
    return json::binary(json::binary_t::container_type(u.bytes().begin(), u.bytes().end()));
}
inline json write_hlc(const hlc& h, encoding e) {
    if (e == encoding::json) return h.to_string();
    const auto b = h.to_bytes();
    return json::binary(json::binary_t::container_type(b.begin(), b.end()));
}

struct bad_field {
    decode_error code;
    std::string detail;
};

// Reads the fields of one JSON object, rejecting missing, mistyped and (at the end)
// unexpected keys.
class object_reader {
public:
    object_reader(const json& j, std::string_view what) : j_(j), what_(what) {
        if (!j.is_object()) throw bad_field{decode_error::wrong_type, std::string(what) + " is not an object"};
    }

    const json& at(std::string_view key) {
        const auto it = j_.find(key);
        if (it == j_.end()) fail("is missing", key);
        ++used_;
        return *it;
    }
    const json* find(std::string_view key) {
        const auto it = j_.find(key);
        if (it == j_.end()) return nullptr;
        ++used_;
        return &*it;
    }

    std::string string(std::string_view key) {
        const json& v = at(key);
        if (!v.is_string()) fail("is not a string", key);
        return v.get<std::string>();
    }
    std::uint64_t u64(std::string_view key) {
        const json& v = at(key);
        if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
            fail("is not a non-negative integer", key);
        }
        return v.get<std::uint64_t>();
    }
    std::uint32_t u32(std::string_view key) {
        const std::uint64_t v = u64(key);
        if (v > 0xffffffffu) fail("is out of range", key);
        return static_cast<std::uint32_t>(v);
    }
    bool boolean(std::string_view key) {
        const json& v = at(key);
        if (!v.is_boolean()) fail("is not a boolean", key);
        return v.get<bool>();
    }
    uuid id(std::string_view key) { return read_uuid(at(key), key); }
    hlc stamp(std::string_view key) { return read_hlc(at(key), key); }
    const json& array(std::string_view key, std::size_t max) {
        const json& v = at(key);
        if (!v.is_array()) fail("is not an array", key);
        if (v.size() > max) throw bad_field{decode_error::too_many, field(key) + " holds " + std::to_string(v.size()) + " items, more than the limit of " + std::to_string(max)};
        return v;
    }
    const json& object(std::string_view key) {
        const json& v = at(key);
        if (!v.is_object()) fail("is not an object", key);
        return v;
    }

    uuid read_uuid(const json& v, std::string_view key) {
        if (v.is_binary() && v.get_binary().size() == 16) {
            uuid::bytes_type b{};
            std::copy(v.get_binary().begin(), v.get_binary().end(), b.begin());
            return uuid{b};
        }
        if (v.is_string()) {
            if (auto u = uuid::try_parse(v.get_ref<const std::string&>())) return *u;
        }
        fail("is not a uuid", key);
    }
    hlc read_hlc(const json& v, std::string_view key) {
        if (v.is_binary()) {
            const auto& b = v.get_binary();
            if (auto h = hlc::from_bytes(b)) return *h;
        }
        if (v.is_string()) {
            if (auto h = hlc::try_parse(v.get_ref<const std::string&>())) return *h;
        }
        fail("is not an hlc", key);
    }

    // Every key must have been read.
    void done() {
        if (used_ != j_.size()) {
            throw bad_field{decode_error::wrong_type, std::string(what_) + " has unexpected fields"};
        }
    }

    [[noreturn]] void fail(const char* problem, std::string_view key) {
        throw bad_field{decode_error::wrong_type, field(key) + " " + problem};
    }

private:
    std::string field(std::string_view key) const {
        return std::string(what_) + " field '" + hsync::detail::printable(key) + "'";
    }

    const json& j_;
    std::string_view what_;
    std::size_t used_ = 0;
};

inline json write_push(const push_position& p) {
    return json{{"prev_seq", p.prev_seq}, {"seq", p.seq}, {"part", p.part}, {"parts", p.parts}};
}
inline constexpr std::uint32_t max_push_parts = 1u << 16;

inline push_position read_push(const json& j) {
    object_reader r(j, "push");
    push_position p{r.u64("prev_seq"), r.u64("seq"), r.u32("part"), r.u32("parts")};
    r.done();
    if (p.parts == 0 || p.part >= p.parts) throw bad_field{decode_error::wrong_type, "push part out of range"};
    // A push is split into batches: more parts than that would only be a way to make
    // the receiver allocate.
    if (p.parts > max_push_parts) throw bad_field{decode_error::too_many, "a push in more than 65536 parts"};
    return p;
}

// The schema in a Hello: [{"name", "strategy", "fields": [[name, type], ...]}, ...].
inline constexpr std::size_t max_schema_fields = 1024;  // synced fields of one model

inline json write_schema(const library_schema& s) {
    json models = json::array();
    for (const auto& m : s.models) {
        json fields = json::array();
        for (const auto& f : m.fields) fields.push_back(json::array({f.name, f.type}));
        models.push_back(json{{"name", m.name}, {"strategy", m.strategy}, {"fields", std::move(fields)}});
    }
    return models;
}

inline library_schema read_schema(const json& models) {
    library_schema s;
    for (const auto& item : models) {
        object_reader r(item, "schema model");
        model_schema m;
        m.name = r.string("name");
        m.strategy = r.string("strategy");
        if (m.strategy != "shared" && m.strategy != "device_owned" && m.strategy != "mixed") {
            r.fail("is not shared, device_owned or mixed", "strategy");
        }
        for (const auto& f : r.array("fields", max_schema_fields)) {
            if (!f.is_array() || f.size() != 2 || !f[0].is_string() || !f[1].is_string()) {
                r.fail("holds a field that is not [name, type]", "fields");
            }
            m.fields.push_back(field_schema{f[0].get<std::string>(), f[1].get<std::string>()});
        }
        r.done();
        s.models.push_back(std::move(m));
    }
    return s;
}

inline json write_entry(const shared_entry& e, encoding enc) {
    return json{{"hlc", write_hlc(e.stamp, enc)}, {"model", e.model}, {"record", write_uuid(e.record, enc)},
                {"change", static_cast<int>(e.type)}, {"data", e.data}};
}
inline shared_entry read_entry(const json& j) {
    object_reader r(j, "shared change");
    shared_entry e;
    e.stamp = r.stamp("hlc");
    e.model = r.string("model");
    e.record = r.id("record");
    const std::uint64_t type = r.u64("change");
    if (type < 1 || type > 3) r.fail("is not 1, 2 or 3", "change");
    e.type = static_cast<change_type>(type);
    e.data = r.object("data");
    r.done();
    return e;
}

inline json write_state(const state_record& s, encoding enc) {
    return json{{"model", s.model}, {"record", write_uuid(s.record, enc)}, {"owner", write_uuid(s.owner, enc)},
                {"version", write_hlc(s.version, enc)}, {"removed", s.removed}, {"data", s.data}};
}
inline state_record read_state(const json& j) {
    object_reader r(j, "state");
    state_record s;
    s.model = r.string("model");
    s.record = r.id("record");
    s.owner = r.id("owner");
    s.version = r.stamp("version");
    s.removed = r.boolean("removed");
    s.data = r.object("data");
    r.done();
    return s;
}

template <class Item, class Write>
json write_list(const std::vector<Item>& items, Write&& write) {
    json out = json::array();
    for (const auto& item : items) out.push_back(write(item));
    return out;
}

template <class Read>
auto read_list(const json& array, Read&& read) {
    std::vector<decltype(read(array[0]))> out;
    out.reserve(array.size());
    for (const auto& item : array) out.push_back(read(item));
    return out;
}

inline json to_json(const message& m, encoding enc) {
    json body = std::visit(
        [&](const auto& msg) -> json {
            using T = std::decay_t<decltype(msg)>;
            if constexpr (std::is_same_v<T, hello>) {
                return {{"protocol", msg.protocol},   {"version", msg.version},
                        {"library", write_uuid(msg.library, enc)}, {"device", write_uuid(msg.device, enc)},
                        {"seq", msg.seq},             {"received_from_you", msg.received_from_you},
                        {"schema_hash", msg.schema_hash}, {"schema", write_schema(msg.schema)}};
            } else if constexpr (std::is_same_v<T, state_change>) {
                return {{"record", write_state(msg.record, enc)}, {"push", write_push(msg.push)}};
            } else if constexpr (std::is_same_v<T, state_batch>) {
                return {{"model", msg.model}, {"owner", write_uuid(msg.owner, enc)},
                        {"records", write_list(msg.records, [&](const auto& s) { return write_state(s, enc); })},
                        {"push", write_push(msg.push)}};
            } else if constexpr (std::is_same_v<T, state_request>) {
                json j{{"models", msg.models}, {"since", msg.since}, {"limit", msg.limit}};
                j["owner"] = msg.owner ? write_uuid(*msg.owner, enc) : json(nullptr);
                return j;
            } else if constexpr (std::is_same_v<T, state_response>) {
                return {{"model", msg.model},
                        {"records", write_list(msg.records, [&](const auto& s) { return write_state(s, enc); })},
                        {"deleted", write_list(msg.deleted,
                                               [&](const deleted_state& d) {
                                                   return json{{"model", d.model},
                                                               {"record", write_uuid(d.record, enc)},
                                                               {"owner", write_uuid(d.owner, enc)},
                                                               {"version", write_hlc(d.version, enc)}};
                                               })},
                        {"has_more", msg.has_more}, {"checkpoint", msg.checkpoint}};
            } else if constexpr (std::is_same_v<T, shared_change>) {
                return {{"entry", write_entry(msg.entry, enc)}, {"push", write_push(msg.push)}};
            } else if constexpr (std::is_same_v<T, shared_change_batch>) {
                return {{"entries", write_list(msg.entries, [&](const auto& e) { return write_entry(e, enc); })},
                        {"push", write_push(msg.push)}};
            } else if constexpr (std::is_same_v<T, shared_change_request>) {
                return {{"since", msg.since}, {"limit", msg.limit}, {"snapshot", msg.snapshot}, {"model", msg.model}};
            } else if constexpr (std::is_same_v<T, shared_change_response>) {
                return {{"entries", write_list(msg.entries, [&](const auto& e) { return write_entry(e, enc); })},
                        {"snapshot", write_list(msg.snapshot,
                                                [&](const shared_snapshot& s) {
                                                    json clocks = json::array();
                                                    for (const auto& [field, stamp] : s.clocks) {
                                                        clocks.push_back(json::array({field, write_hlc(stamp, enc)}));
                                                    }
                                                    return json{{"model", s.model},
                                                                {"record", write_uuid(s.record, enc)},
                                                                {"removed", s.removed},
                                                                {"removed_at", write_hlc(s.removed_at, enc)},
                                                                {"data", s.data},
                                                                {"clocks", clocks}};
                                                })},
                        {"snapshot_mode", msg.snapshot_mode}, {"has_more", msg.has_more}, {"checkpoint", msg.checkpoint}};
            } else if constexpr (std::is_same_v<T, ack_shared_changes>) {
                return {{"from_device", write_uuid(msg.from_device, enc)}, {"up_to", msg.up_to}};
            } else if constexpr (std::is_same_v<T, heartbeat>) {
                return {{"seq", msg.seq}};
            } else {
                return {{"code", static_cast<int>(msg.code)}, {"message", msg.message}};
            }
        },
        m);
    return json{{"type", name_of(m)}, {"body", std::move(body)}};
}

inline message read_body(std::size_t kind, const json& j, const limits& lim) {
    switch (kind) {
        case 0: {
            object_reader r(j, "Hello");
            hello h;
            h.protocol = r.string("protocol");
            h.version = r.u32("version");
            // Before anything else: a peer of another version may send another Hello.
            if (h.protocol != protocol_id || h.version != protocol_version) {
                throw bad_field{decode_error::unsupported_version,
                                "protocol '" + hsync::detail::printable(h.protocol) + "' version " +
                                    std::to_string(h.version) + "; this device speaks '" + std::string(protocol_id) +
                                    "' version " + std::to_string(protocol_version)};
            }
            h.library = r.id("library");
            h.device = r.id("device");
            h.seq = r.u64("seq");
            h.received_from_you = r.u64("received_from_you");
            h.schema_hash = r.u64("schema_hash");
            h.schema = read_schema(r.array("schema", lim.max_models));
            if (schema_hash(h.schema) != h.schema_hash) r.fail("does not match the schema sent with it", "schema_hash");
            r.done();
            return h;
        }
        case 1: {
            object_reader r(j, "StateChange");
            state_change c{read_state(r.at("record")), read_push(r.at("push"))};
            r.done();
            return c;
        }
        case 2: {
            object_reader r(j, "StateBatch");
            state_batch b;
            b.model = r.string("model");
            b.owner = r.id("owner");
            b.records = read_list(r.array("records", lim.max_batch), read_state);
            b.push = read_push(r.at("push"));
            r.done();
            return b;
        }
        case 3: {
            object_reader r(j, "StateRequest");
            state_request q;
            const json& models = r.array("models", lim.max_models);
            for (const auto& m : models) {
                if (!m.is_string()) r.fail("holds a non-string", "models");
                q.models.push_back(m.get<std::string>());
            }
            const json& owner = r.at("owner");
            if (!owner.is_null()) q.owner = r.read_uuid(owner, "owner");
            q.since = r.u64("since");
            q.limit = r.u32("limit");
            if (q.limit > lim.max_request_limit) {
                throw bad_field{decode_error::too_many, "StateRequest asks for " + std::to_string(q.limit) +
                                                            " records, more than the limit of " +
                                                            std::to_string(lim.max_request_limit)};
            }
            r.done();
            return q;
        }
        case 4: {
            object_reader r(j, "StateResponse");
            state_response s;
            s.model = r.string("model");
            s.records = read_list(r.array("records", lim.max_batch), read_state);
            s.deleted = read_list(r.array("deleted", lim.max_batch), [&](const json& d) {
                object_reader dr(d, "deleted record");
                deleted_state out{dr.string("model"), dr.id("record"), dr.id("owner"), dr.stamp("version")};
                dr.done();
                return out;
            });
            s.has_more = r.boolean("has_more");
            s.checkpoint = r.u64("checkpoint");
            r.done();
            return s;
        }
        case 5: {
            object_reader r(j, "SharedChange");
            shared_change c{read_entry(r.at("entry")), read_push(r.at("push"))};
            r.done();
            return c;
        }
        case 6: {
            object_reader r(j, "SharedChangeBatch");
            shared_change_batch b;
            b.entries = read_list(r.array("entries", lim.max_batch), read_entry);
            b.push = read_push(r.at("push"));
            r.done();
            return b;
        }
        case 7: {
            object_reader r(j, "SharedChangeRequest");
            shared_change_request q{r.u64("since"), r.u32("limit"), r.boolean("snapshot"), r.string("model")};
            if (q.limit > lim.max_request_limit) {
                throw bad_field{decode_error::too_many, "SharedChangeRequest asks for " + std::to_string(q.limit) +
                                                            " entries, more than the limit of " +
                                                            std::to_string(lim.max_request_limit)};
            }
            r.done();
            return q;
        }
        case 8: {
            object_reader r(j, "SharedChangeResponse");
            shared_change_response s;
            s.entries = read_list(r.array("entries", lim.max_batch), read_entry);
            s.snapshot = read_list(r.array("snapshot", lim.max_batch), [&](const json& item) {
                object_reader sr(item, "snapshot record");
                shared_snapshot out;
                out.model = sr.string("model");
                out.record = sr.id("record");
                out.removed = sr.boolean("removed");
                out.removed_at = sr.stamp("removed_at");
                out.data = sr.object("data");
                const json& clocks = sr.array("clocks", 4096);
                for (const auto& c : clocks) {
                    if (!c.is_array() || c.size() != 2 || !c[0].is_string()) sr.fail("holds a malformed clock", "clocks");
                    out.clocks.emplace_back(c[0].get<std::string>(), sr.read_hlc(c[1], "clocks"));
                }
                sr.done();
                return out;
            });
            s.snapshot_mode = r.boolean("snapshot_mode");
            s.has_more = r.boolean("has_more");
            s.checkpoint = r.u64("checkpoint");
            r.done();
            return s;
        }
        case 9: {
            object_reader r(j, "AckSharedChanges");
            ack_shared_changes a{r.id("from_device"), r.u64("up_to")};
            r.done();
            return a;
        }
        case 10: {
            object_reader r(j, "Heartbeat");
            heartbeat h{r.u64("seq")};
            r.done();
            return h;
        }
        default: {
            object_reader r(j, "Error");
            error_message e;
            const std::uint64_t code = r.u64("code");
            if (code < 1 || code > 10) r.fail("is not a known error code", "code");
            e.code = static_cast<error_code>(code);
            e.message = r.string("message");
            r.done();
            return e;
        }
    }
}

// Model names a message carries, for the check against the library's models.
inline std::vector<std::string_view> models_named(const message& m) {
    std::vector<std::string_view> out;
    std::visit(
        [&](const auto& msg) {
            using T = std::decay_t<decltype(msg)>;
            if constexpr (std::is_same_v<T, state_change>) out.push_back(msg.record.model);
            if constexpr (std::is_same_v<T, state_batch>) {
                out.push_back(msg.model);
                for (const auto& r : msg.records) out.push_back(r.model);
            }
            if constexpr (std::is_same_v<T, state_request>) {
                for (const auto& n : msg.models) out.push_back(n);
            }
            if constexpr (std::is_same_v<T, state_response>) {
                out.push_back(msg.model);
                for (const auto& r : msg.records) out.push_back(r.model);
                for (const auto& d : msg.deleted) out.push_back(d.model);
            }
            if constexpr (std::is_same_v<T, shared_change>) out.push_back(msg.entry.model);
            if constexpr (std::is_same_v<T, shared_change_request>) {
                if (!msg.model.empty()) out.push_back(msg.model);
            }
            if constexpr (std::is_same_v<T, shared_change_batch> || std::is_same_v<T, shared_change_response>) {
                for (const auto& e : msg.entries) out.push_back(e.model);
            }
            if constexpr (std::is_same_v<T, shared_change_response>) {
                for (const auto& s : msg.snapshot) out.push_back(s.model);
            }
        },
        m);
    return out;
}

}  // namespace detail

// The frame body of a message.
inline std::vector<std::uint8_t> encode(const message& m, encoding enc = encoding::msgpack) {
    const nlohmann::json j = detail::to_json(m, enc);
    if (enc == encoding::json) {
        const std::string text = j.dump();
        return std::vector<std::uint8_t>(text.begin(), text.end());
    }
    return nlohmann::json::to_msgpack(j);
}

// Decodes one frame body. `known_models`, when given, are the only model names a message
// may carry.
inline decode_result decode(std::span<const std::uint8_t> body, encoding enc = encoding::msgpack,
                            const limits& lim = {}, std::span<const std::string_view> known_models = {}) {
    if (body.size() > lim.max_frame) {
        return decode_failure{decode_error::frame_too_large,
                              "a frame of " + std::to_string(body.size()) + " bytes is over the limit of " +
                                  std::to_string(lim.max_frame)};
    }
    nlohmann::json j;
    hsync::detail::bounded_sax sax(j, hsync::detail::sax_limits{lim.max_depth, lim.max_string, lim.max_frame});
    const bool parsed = enc == encoding::json
                            ? nlohmann::json::sax_parse(body.begin(), body.end(), &sax)
                            : nlohmann::json::sax_parse(body.begin(), body.end(), &sax,
                                                        nlohmann::json::input_format_t::msgpack);
    if (!parsed) {
        switch (sax.failure()) {
            case hsync::detail::sax_failure::too_deep:
                return decode_failure{decode_error::too_deep, "nesting deeper than " + std::to_string(lim.max_depth)};
            case hsync::detail::sax_failure::duplicate_key:
                return decode_failure{decode_error::duplicate_key, "an object repeats a key"};
            case hsync::detail::sax_failure::too_long:
                return decode_failure{decode_error::too_long, "a string or blob over " + std::to_string(lim.max_string) + " bytes"};
            case hsync::detail::sax_failure::truncated:
                return decode_failure{decode_error::truncated, "the body ends in the middle of a value"};
            case hsync::detail::sax_failure::too_many:
                return decode_failure{decode_error::too_many, "too many values"};
            default:
                return decode_failure{decode_error::malformed, "the body is not valid " +
                                                                   std::string(enc == encoding::json ? "JSON" : "MessagePack")};
        }
    }
    try {
        detail::object_reader envelope(j, "message");
        const nlohmann::json& type = envelope.at("type");
        if (!type.is_string()) return decode_failure{decode_error::wrong_type, "message type is not a string"};
        const auto& name = type.get_ref<const std::string&>();
        const auto* found = std::find(std::begin(message_names), std::end(message_names), name);
        if (found == std::end(message_names)) {
            return decode_failure{decode_error::unknown_message, "unknown message type '" + hsync::detail::printable(name) + "'"};
        }
        message m = detail::read_body(static_cast<std::size_t>(found - std::begin(message_names)), envelope.at("body"), lim);
        envelope.done();
        if (!known_models.empty()) {
            for (std::string_view model : detail::models_named(m)) {
                if (std::find(known_models.begin(), known_models.end(), model) == known_models.end()) {
                    return decode_failure{decode_error::unknown_model,
                                          "unknown model '" + hsync::detail::printable(model) + "'"};
                }
            }
        }
        return m;
    } catch (const detail::bad_field& f) {
        return decode_failure{f.code, f.detail};
    } catch (const nlohmann::json::exception& e) {
        return decode_failure{decode_error::wrong_type, e.what()};
    }
}

}  // namespace hsync::sync
