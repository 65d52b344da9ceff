#pragma once
// What a library reports and exchanges: typed change events for the application, and
// the records of changes the sync engine sends to peers and applies from them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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

// One entry of the shared change log: a change of a shared record. `data` holds the
// fields the change sets (all synced fields but the id for an insert, the changed ones
// for an update, none for a remove).
struct shared_entry {
    hlc stamp;
    std::string model;
    uuid record;
    change_type type = change_type::update;
    nlohmann::json data = nlohmann::json::object();
};

// The state of one device-owned record as its owner last wrote it. `data` holds every
// synced field; a removed record has `removed` set and no data.
struct state_record {
    std::string model;
    uuid record;
    uuid owner;
    hlc version;
    bool removed = false;
    nlohmann::json data = nlohmann::json::object();
};

// What one committed local transaction hands to the sync engine: one batch per model.
struct state_batch {
    std::string model;
    uuid owner;
    std::vector<state_record> records;
};
struct shared_batch {
    std::string model;
    std::vector<shared_entry> entries;
};
struct outgoing_changes {
    std::vector<state_batch> states;
    std::vector<shared_batch> shared;
    bool empty() const noexcept { return states.empty() && shared.empty(); }
};

// The outcome of applying remote changes.
struct apply_result {
    std::size_t applied = 0;  // changed the database
    std::size_t ignored = 0;  // already known, stale, or for a deleted record
};

}  // namespace hsync
