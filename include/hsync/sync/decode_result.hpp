#pragma once
// What decoding a sync message takes and gives: the encoding, the limits a peer's bytes
// are held to, and the result, a message or a typed failure (sync/codec.hpp decodes).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <hsync/detail/wire_limits.hpp>
#include <hsync/sync/messages.hpp>

namespace hsync::sync {

enum class encoding { msgpack, json };

// Every count, size and depth a peer controls, capped (docs/protocol.md lists them).
struct limits {
    std::size_t max_frame = hsync::detail::wire_max_frame;  // bytes in one frame body
    std::size_t max_depth = 16;              // nesting of a message
    std::size_t max_string = hsync::detail::wire_max_string;  // bytes in one string or blob
    std::size_t max_batch = 10'000;          // records or entries in one message
    std::uint32_t max_request_limit = 10'000;  // page size a peer may ask for
    std::size_t max_models = 256;            // models named in one request
    std::uint32_t max_pages = 16;            // catch-up pages a peer may ask to have in flight
};

enum class decode_error {
    frame_too_large,
    truncated,
    malformed,       // not MessagePack / JSON
    too_deep,
    duplicate_key,
    too_long,        // a string or blob beyond max_string
    too_many,        // a batch, page or model list beyond its cap
    wrong_type,      // a field of the wrong type, a missing or an unexpected field
    unknown_message,
    unknown_model,
    unsupported_version,
    bad_compression,  // a compressed frame that does not decompress to what it says, or of an unknown codec
};

constexpr std::string_view to_string(decode_error e) noexcept {
    switch (e) {
        case decode_error::frame_too_large: return "frame_too_large";
        case decode_error::truncated: return "truncated";
        case decode_error::malformed: return "malformed";
        case decode_error::too_deep: return "too_deep";
        case decode_error::duplicate_key: return "duplicate_key";
        case decode_error::too_long: return "too_long";
        case decode_error::too_many: return "too_many";
        case decode_error::wrong_type: return "wrong_type";
        case decode_error::unknown_message: return "unknown_message";
        case decode_error::unknown_model: return "unknown_model";
        case decode_error::unsupported_version: return "unsupported_version";
        case decode_error::bad_compression: return "bad_compression";
    }
    return "unknown";
}

struct decode_failure {
    decode_error code;
    std::string detail;
};

// A decoded message or why there is none. Asking a failure for its message, or a message
// for its failure, is a mistake in the caller and throws std::logic_error saying so.
class decode_result {
public:
    decode_result(message m) : result_(std::move(m)) {}         // NOLINT: implicit on purpose
    decode_result(decode_failure f) : result_(std::move(f)) {}  // NOLINT: implicit on purpose
    bool ok() const noexcept { return std::holds_alternative<message>(result_); }
    explicit operator bool() const noexcept { return ok(); }
    const message& value() const { return checked_value(); }
    message& value() { return const_cast<message&>(checked_value()); }
    const decode_failure& failure() const {
        if (ok()) throw std::logic_error("hsync: decode_result::failure() of a message that decoded; check ok() first");
        return std::get<decode_failure>(result_);
    }

private:
    const message& checked_value() const {
        if (const auto* f = std::get_if<decode_failure>(&result_)) {
            throw std::logic_error("hsync: decode_result::value() of a failed decode (" + std::string(to_string(f->code)) +
                                   ": " + f->detail + "); check ok() first");
        }
        return std::get<message>(result_);
    }

    std::variant<message, decode_failure> result_;
};

}  // namespace hsync::sync
