#pragma once
// The one exception type hsync throws, with a code a caller can branch on.

#include <stdexcept>
#include <string>
#include <string_view>

namespace hsync {

enum class errc {
    invalid_uuid,        // text that is not a canonical uuid
    invalid_hlc,         // text that is not an hlc
    clock_drift,         // a remote hlc too far ahead of the physical clock
    clock_overflow,      // the 48-bit millisecond field would overflow
    invalid_model_data,  // incoming model data with a missing, extra or mistyped field
    value_out_of_range,  // a value the database cannot hold (std::uint64_t above INT64_MAX)
    unknown_model,       // a model name this library does not declare
    invalid_change,      // a remote change that is malformed or does not fit its model
    not_owner,           // a write to a device-owned record by a device that does not own it
    record_deleted,      // a write to a record that was deleted (deletes are final)
    not_found,           // no record with that id
    schema_mismatch,     // the database's tables do not match the declared models
    schema_too_new,      // the database was written by a newer hsync
    wrong_device,        // the database belongs to another device
    storage,             // SQLite reported an error
    invalid_device_id,   // text that is not a device id
    identity,            // a device key or certificate that cannot be created or read
    record_too_large,    // a record whose synced fields could not travel to peers
    library_in_use,      // another process (or library object) has the library file open to write
    stale_copy,          // a commit from a copy read so long ago that its edits cannot be told apart
    read_only,           // a write to a library opened read-only
};

constexpr std::string_view to_string(errc code) noexcept {
    switch (code) {
        case errc::invalid_uuid: return "invalid_uuid";
        case errc::invalid_hlc: return "invalid_hlc";
        case errc::clock_drift: return "clock_drift";
        case errc::clock_overflow: return "clock_overflow";
        case errc::invalid_model_data: return "invalid_model_data";
        case errc::value_out_of_range: return "value_out_of_range";
        case errc::unknown_model: return "unknown_model";
        case errc::invalid_change: return "invalid_change";
        case errc::not_owner: return "not_owner";
        case errc::record_deleted: return "record_deleted";
        case errc::not_found: return "not_found";
        case errc::schema_mismatch: return "schema_mismatch";
        case errc::schema_too_new: return "schema_too_new";
        case errc::wrong_device: return "wrong_device";
        case errc::storage: return "storage";
        case errc::invalid_device_id: return "invalid_device_id";
        case errc::identity: return "identity";
        case errc::record_too_large: return "record_too_large";
        case errc::library_in_use: return "library_in_use";
        case errc::stale_copy: return "stale_copy";
        case errc::read_only: return "read_only";
    }
    return "unknown";
}

class error : public std::runtime_error {
public:
    error(errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
    errc code() const noexcept { return code_; }

private:
    errc code_;
};

}  // namespace hsync
