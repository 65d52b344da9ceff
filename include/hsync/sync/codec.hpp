#pragma once
// Encoding and decoding of sync message bodies (docs/protocol.md, "Encoding"): a
// MessagePack array [type, items...] written straight from the message and read straight
// into it, without a document in between; JSON, for diagnostics, carries the same items.
// Decoding treats every byte as hostile: sizes, depth, counts, types and model names are
// checked, and a failure is a typed decode_failure, never an exception or a partial message.

#include <algorithm>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <hsync/detail/msgpack.hpp>
#include <hsync/detail/msgpack_json.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/store/change.hpp>
#include <hsync/sync/decode_result.hpp>
#include <hsync/sync/detail/bounded_sax.hpp>
#include <hsync/sync/detail/compression.hpp>
#include <hsync/sync/detail/message_wire.hpp>
#include <hsync/sync/messages.hpp>

namespace hsync::sync {

namespace detail {

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
                if (!msg.model.empty()) out.push_back(msg.model);
                for (const auto& s : msg.snapshot) out.push_back(s.model);
            }
        },
        m);
    return out;
}

// A body that is a map is a message of protocol 1 (or of a draft of 2), which named every
// field: it is refused for its version, which its Hello names.
inline bad_field map_encoded(hsync::detail::mp_reader& r) {
    std::string version = "an older version";
    std::uint32_t n = 0;
    if (r.read_map(n)) {
        for (; n > 0 && r.ok(); --n) {
            std::string_view key;
            if (!r.read_str(key)) break;
            std::uint32_t inner = 0;
            if (key != "body" || r.peek() != mp_type::map || !r.read_map(inner)) {
                r.skip();
                continue;
            }
            for (; inner > 0 && r.ok(); --inner) {
                std::string_view name;
                std::uint64_t v = 0;
                if (r.read_str(name) && name == "version" && r.peek() == mp_type::uint && r.read_uint(v)) {
                    version = "version " + std::to_string(v);
                } else {
                    r.skip();
                }
            }
        }
    }
    return bad_field{decode_error::unsupported_version,
                     "a message in the map encoding of '" + std::string(protocol_id) + "' " + version +
                         "; this device speaks version " + std::to_string(protocol_version) +
                         ", whose messages are arrays"};
}

template <std::size_t I>
message read_message(wire_in& in, std::uint32_t count) {
    using T = std::variant_alternative_t<I, message>;
    return message(std::in_place_index<I>, message_wire<T>::read(in, count));
}

inline message read_body(wire_in& in) {
    mp_reader& r = in.reader();
    if (r.peek() == mp_type::map) throw map_encoded(r);
    const std::uint32_t n = in.array("message");
    if (n == 0) wire_in::fail(decode_error::wrong_type, "a message is an empty array; its first item is its type");
    const std::uint64_t type = in.u64("message type");
    static constexpr auto readers = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<message (*)(wire_in&, std::uint32_t), sizeof...(I)>{&read_message<I>...};
    }(std::make_index_sequence<std::variant_size_v<message>>{});
    if (type >= readers.size()) {
        wire_in::fail(decode_error::unknown_message, "unknown message type " + std::to_string(type));
    }
    message m = readers[type](in, n - 1);
    in.done();
    return m;
}

}  // namespace detail

// The frame body of a message.
inline std::vector<std::uint8_t> encode(const message& m, encoding enc = encoding::msgpack) {
    hsync::detail::mp_writer w;
    std::visit(
        [&](const auto& msg) {
            using wire = detail::message_wire<std::decay_t<decltype(msg)>>;
            w.array(1 + wire::items);
            w.uint(m.index());
            wire::write(w, msg);
        },
        m);
    const std::string body = enc == encoding::json ? hsync::detail::msgpack_to_json(w.bytes()) : w.take();
    return std::vector<std::uint8_t>(body.begin(), body.end());
}

// A body compressed with zstd at `level`, in its envelope [13, 1, size, bin]
// (docs/protocol.md, "Compression"); the body itself when compressing does not make it
// smaller or this build has no zstd.
inline std::vector<std::uint8_t> compress(std::vector<std::uint8_t> body, int level = 1) {
    const std::string_view in(reinterpret_cast<const char*>(body.data()), body.size());
    const std::string packed = detail::zstd_compress(in, level);
    if (packed.empty() || packed.size() > hsync::detail::wire_max_string) return body;
    hsync::detail::mp_writer w;
    w.array(4);
    w.uint(detail::compressed_frame_type);
    w.uint(detail::zstd_codec);
    w.uint(body.size());
    w.bin(packed);
    if (w.bytes().size() >= body.size()) return body;
    const std::string out = w.take();
    return std::vector<std::uint8_t>(out.begin(), out.end());
}

namespace detail {

// JSON bodies become the MessagePack they stand for; `translated` holds the bytes.
inline std::optional<decode_failure> as_msgpack(std::string_view& bytes, encoding enc, const limits& lim,
                                                std::string& translated) {
    if (enc != encoding::json) return std::nullopt;
    nlohmann::json j;
    hsync::detail::bounded_sax sax(j, hsync::detail::sax_limits{lim.max_depth, lim.max_string, lim.max_frame});
    if (!nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &sax)) {
        switch (sax.failure()) {
            case hsync::detail::sax_failure::too_deep:
                return decode_failure{decode_error::too_deep, "nesting deeper than " + std::to_string(lim.max_depth)};
            case hsync::detail::sax_failure::duplicate_key:
                return decode_failure{decode_error::duplicate_key, "an object repeats a key"};
            case hsync::detail::sax_failure::too_long:
                return decode_failure{decode_error::too_long, "a string over " + std::to_string(lim.max_string) + " bytes"};
            case hsync::detail::sax_failure::truncated:
                return decode_failure{decode_error::truncated, "the body ends in the middle of a value"};
            default: return decode_failure{decode_error::malformed, "the body is not valid JSON"};
        }
    }
    hsync::detail::mp_writer w;
    std::string why;
    if (!hsync::detail::json_to_msgpack(j, w, why)) return decode_failure{decode_error::wrong_type, "the body holds " + why};
    translated = w.take();
    bytes = translated;
    return std::nullopt;
}

// A compressed frame's envelope, [13, codec, size, bin]: false when `bytes` is not one.
// When it is, `inner` receives the body it holds (in the connection's encoding), checked
// against the frame limit before anything is allocated for it.
inline bool unwrap_compressed(std::string_view bytes, const limits& lim, std::string& inner) {
    using hsync::detail::mp_reader;
    mp_reader peek(bytes, hsync::detail::mp_limits{lim.max_frame, lim.max_depth});
    std::uint32_t n = 0;
    std::uint64_t type = 0;
    if (peek.peek() != mp_type::array || !peek.read_array(n) || n == 0 || peek.peek() != mp_type::uint ||
        !peek.read_uint(type) || type != compressed_frame_type) {
        return false;
    }
    if (n != 4) wire_in::fail(decode_error::wrong_type, "a compressed frame has " + std::to_string(n - 1) + " items, expected 3");
    std::uint64_t codec = 0;
    std::uint64_t size = 0;
    std::string_view packed;
    if (!peek.read_uint(codec) || !peek.read_uint(size) || !peek.read_bin(packed)) {
        wire_in::fail(peek.error() == hsync::detail::mp_error::truncated ? decode_error::truncated : decode_error::wrong_type,
                      "a compressed frame: " + peek.error_detail());
    }
    if (!peek.at_end()) wire_in::fail(decode_error::malformed, "bytes after a compressed frame");
    if (codec != zstd_codec) {
        wire_in::fail(decode_error::bad_compression, "a frame compressed with codec " + std::to_string(codec) +
                                                         "; this device knows 1 (zstd)");
    }
    if (size > lim.max_frame) {
        wire_in::fail(decode_error::frame_too_large, "a compressed frame of " + std::to_string(size) +
                                                         " bytes is over the limit of " + std::to_string(lim.max_frame));
    }
    std::string why;
    if (!zstd_decompress(packed, static_cast<std::size_t>(size), inner, why)) {
        wire_in::fail(decode_error::bad_compression, why);
    }
    return true;
}

}  // namespace detail

// Decodes one frame body (without its length prefix), compressed or not. `known_models`,
// when given, are the only model names a message may carry.
inline decode_result decode(std::span<const std::uint8_t> body, encoding enc = encoding::msgpack,
                            const limits& lim = {}, std::span<const std::string_view> known_models = {}) {
    if (body.size() > lim.max_frame) {
        return decode_failure{decode_error::frame_too_large,
                              "a frame of " + std::to_string(body.size()) + " bytes is over the limit of " +
                                  std::to_string(lim.max_frame)};
    }
    std::string_view bytes(reinterpret_cast<const char*>(body.data()), body.size());
    std::string translated;
    std::string inflated;
    try {
        if (auto failed = detail::as_msgpack(bytes, enc, lim, translated)) return std::move(*failed);
        if (detail::unwrap_compressed(bytes, lim, inflated)) {
            bytes = inflated;
            if (auto failed = detail::as_msgpack(bytes, enc, lim, translated)) return std::move(*failed);
            std::string nested;
            if (detail::unwrap_compressed(bytes, lim, nested)) {
                return decode_failure{decode_error::bad_compression, "a compressed frame inside a compressed frame"};
            }
        }
        detail::wire_in in(bytes, lim);
        message m = detail::read_body(in);
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
    }
}

}  // namespace hsync::sync
