#pragma once
// What a library reports and exchanges: typed change events for the application, and
// the records of changes the sync engine sends to peers and applies from them.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/model/markers.hpp>

namespace hsync {

enum class change_type : std::uint8_t { insert = 1, update = 2, remove = 3 };

constexpr std::string_view to_string(change_type t) noexcept {
    switch (t) {
        case change_type::insert: return "insert";
        case change_type::update: return "update";
        case change_type::remove: return "remove";
    }
    return "unknown";
}

enum class change_origin : std::uint8_t { local, remote };

// A committed (or applied) change of one record of model M, heard through
// library::on<M>() after its transaction committed.
template <class M>
struct change {
    change_type type;
    change_origin origin;
    hsync::record_id id;
    std::optional<M> value;  // the record as it is now; for a remove, as it was
    hlc stamp;               // the change's HLC (shared) or owner version (device-owned)
};

// The values of some of a record's synced fields other than its id. Bit k of `fields`
// stands for the k-th of those fields in declaration order; `packed` holds one MessagePack
// value per set bit, in that order (docs/protocol.md, "Values"). It is what the change log
// stores and what the wire carries, so a change travels without a name or a JSON object.
struct field_values {
    std::uint64_t fields = 0;
    std::string packed;

    field_values() = default;
    field_values(std::uint64_t set, std::string values) : fields(set), packed(std::move(values)) {}
    int count() const noexcept { return std::popcount(fields); }
    bool empty() const noexcept { return fields == 0; }
    friend bool operator==(const field_values&, const field_values&) = default;
};

// One entry of the shared change log: a change of a shared record. `values` holds the
// fields the change sets (all synced fields but the id for an insert, the changed ones
// for an update, none for a remove).
struct shared_entry {
    hlc stamp;
    std::string model;
    uuid record;
    change_type type = change_type::update;
    field_values values;
};

// The state of one device-owned record as its owner last wrote it. `values` holds every
// synced field but the id; a removed record has `removed` set and no values.
struct state_record {
    std::string model;
    uuid record;
    uuid owner;
    hlc version;
    bool removed = false;
    field_values values;
};

// A deleted device-owned record, as catch-up reports it.
struct deleted_state {
    std::string model;
    uuid record;
    uuid owner;
    hlc version;  // the owner's HLC of the delete
};

// A shared record in full with the HLC of each field (or its tombstone): what catch-up
// sends when the change log no longer reaches back far enough.
struct shared_snapshot {
    std::string model;
    uuid record;
    bool removed = false;
    hlc removed_at{};
    field_values values;       // the fields that have been written
    std::vector<hlc> clocks;   // the HLC of each of them, in the same order
};

// Pages of this device's history after a seq, for a peer catching up.
struct state_page {
    std::vector<state_record> records;
    std::vector<deleted_state> deleted;
    bool has_more = false;
    std::uint64_t checkpoint = 0;  // the seq to continue after
};
struct shared_page {
    std::vector<shared_entry> entries;      // from the change log, or
    std::vector<shared_snapshot> snapshot;  // rows, when the log was pruned past `since`
    bool snapshot_mode = false;             // continue with snapshots until has_more is false
    bool has_more = false;
    std::uint64_t checkpoint = 0;
};

// What one committed local transaction hands to the sync engine: one batch per model.
struct outgoing_state_batch {
    std::string model;
    uuid owner;
    std::vector<state_record> records;
};
struct outgoing_shared_batch {
    std::string model;
    std::vector<shared_entry> entries;
};
// The most changes of one transaction that are held in memory to be pushed to peers; a
// larger transaction (a big import) is announced without them, and peers fetch it from the
// database in pages, so that its memory stays bounded.
inline constexpr std::size_t max_pushed_changes = 10'000;

struct outgoing_changes {
    std::uint64_t prev_seq = 0;  // this device's committed seq before the transaction
    std::uint64_t seq = 0;       // and after it
    std::vector<outgoing_state_batch> states;
    std::vector<outgoing_shared_batch> shared;
    bool too_many = false;       // over max_pushed_changes: the lists are empty, peers fetch the changes
    bool empty() const noexcept { return states.empty() && shared.empty() && !too_many; }
};

// The outcome of applying remote changes.
struct apply_result {
    std::size_t applied = 0;  // changed the database
    std::size_t ignored = 0;  // already known, stale, or for a deleted record
};

}  // namespace hsync
