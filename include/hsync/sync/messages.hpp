#pragma once
// The sync protocol's messages (docs/protocol.md). Every message is one frame.
//
// Positions in a device's history are *sequence numbers* (seq): each device numbers the
// changes it stores — its own commits and what it applies from peers — in one local,
// increasing sequence. Requests, responses, acknowledgements and checkpoints speak in the
// serving device's seq, which is what makes relaying and resuming exact (an HLC cursor
// would miss an old change that reaches a device late through a third one).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/store/change.hpp>
#include <hsync/sync/schema.hpp>

namespace hsync::sync {

inline constexpr std::string_view protocol_id = "hsync-sync";
inline constexpr std::uint32_t protocol_version = 2;

// Where a live push sits in the sender's history: the receiver may advance its cursor
// for the sender from prev_seq to seq once it holds all `parts` messages of the push.
struct push_position {
    std::uint64_t prev_seq = 0;
    std::uint64_t seq = 0;
    std::uint32_t part = 0;   // 0-based index of this message within the push
    std::uint32_t parts = 1;  // messages the push was sent in
    friend bool operator==(const push_position&, const push_position&) = default;
};

struct hello {
    std::string protocol{protocol_id};
    std::uint32_t version = protocol_version;
    uuid library;
    uuid device;
    std::uint64_t seq = 0;             // the sender's newest committed seq
    std::uint64_t received_from_you = 0;  // what the sender already holds of the receiver's history
    std::uint64_t schema_hash = 0;     // schema_hash(schema)
    library_schema schema;             // the sender's models (sync/schema.hpp)
    std::vector<std::string> compression;  // codecs of compressed frames the sender reads ("zstd")
    friend bool operator==(const hello&, const hello&) = default;
};

struct state_change {
    state_record record;
    push_position push;
};

struct state_batch {
    std::string model;
    uuid owner;
    std::vector<state_record> records;
    push_position push;
};

// Device-owned state of `models` (all owners unless `owner` is given) stored by the
// server after its seq `since`, at most `limit` records and deletes.
struct state_request {
    std::vector<std::string> models;
    std::optional<uuid> owner;
    std::uint64_t since = 0;  // the checkpoint: the requester holds everything up to here
    std::uint32_t limit = 1000;
    std::uint32_t pages = 1;  // pages the server may send before it hears more (MorePages)
};

struct state_response {
    std::string model;
    std::vector<state_record> records;
    std::vector<deleted_state> deleted;
    bool has_more = false;
    std::uint64_t checkpoint = 0;  // resume after this seq
    std::uint64_t since = 0;       // the position this page continues from
};

struct shared_change {
    shared_entry entry;
    push_position push;
};

struct shared_change_batch {
    std::vector<shared_entry> entries;
    push_position push;
};

// Shared changes stored by the server after its seq `since`, at most `limit`, of `model`
// (a catch-up asks for one model at a time, in the library's apply order) or of every
// model when `model` is empty.
struct shared_change_request {
    std::uint64_t since = 0;
    std::uint32_t limit = 1000;
    bool snapshot = false;  // continue a snapshot begun in an earlier page
    std::string model;
    std::uint32_t pages = 1;  // pages the server may send before it hears more (MorePages)
};

struct shared_change_response {
    std::vector<shared_entry> entries;      // from the log, or
    std::vector<shared_snapshot> snapshot;  // rows, when the log was pruned
    bool snapshot_mode = false;
    bool has_more = false;
    std::uint64_t checkpoint = 0;
    std::uint64_t since = 0;  // the position this page continues from
    std::string model;        // of the request (empty: every model)
};

// The requester applied pages of the current catch-up request: the server may send this
// many more of it (a window of pages in flight, docs/protocol.md).
struct more_pages {
    std::uint32_t pages = 1;
};

struct ack_shared_changes {
    uuid from_device;
    std::uint64_t up_to = 0;  // in the receiver's seq: everything up to here is applied
};

struct heartbeat {
    std::uint64_t seq = 0;  // the sender's newest committed seq
};

enum class error_code : std::uint16_t {
    bad_frame = 1,
    bad_message = 2,
    unsupported_version = 3,
    wrong_library = 4,
    unknown_model = 5,
    refused = 6,        // authorization: not the owner, not paired
    invalid_change = 7,
    limit_exceeded = 8,
    internal = 9,
    incompatible_schema = 10,  // the peers' models differ destructively (the message says where)
};

struct error_message {
    error_code code = error_code::internal;
    std::string message;
};

using message = std::variant<hello, state_change, state_batch, state_request, state_response, shared_change,
                             shared_change_batch, shared_change_request, shared_change_response, ack_shared_changes,
                             heartbeat, error_message, more_pages>;

// The names messages carry on the wire, in the variant's order.
inline constexpr std::string_view message_names[] = {
    "Hello",          "StateChange",         "StateBatch",          "StateRequest",
    "StateResponse",  "SharedChange",        "SharedChangeBatch",   "SharedChangeRequest",
    "SharedChangeResponse", "AckSharedChanges", "Heartbeat",        "Error",
    "MorePages",
};
static_assert(std::size(message_names) == std::variant_size_v<message>);

inline std::string_view name_of(const message& m) { return message_names[m.index()]; }

}  // namespace hsync::sync
