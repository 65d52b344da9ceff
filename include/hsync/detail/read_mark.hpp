#pragma once
// The read mark a record_id carries: which library handed the copy out, and which stored
// version of the record (its seq there) the copy was read from. Only the library sets
// and reads it; see record_id in model/markers.hpp.

#include <atomic>
#include <cstdint>

#include <hsync/model/markers.hpp>

namespace hsync::detail {

struct read_mark {
    std::uint64_t library = 0;  // 0: not read from any library
    std::uint64_t version = 0;  // the seq of the version read

    static read_mark of(const record_id& id) noexcept { return {id.read_from_, id.read_version_}; }
    static void set(const record_id& id, std::uint64_t library, std::uint64_t version) noexcept {
        id.read_from_ = library;
        id.read_version_ = version;
    }

    // A number for each library object of the process, never 0 and never reused, so a
    // copy read from one library is not taken for a version of another.
    static std::uint64_t next_library_serial() noexcept {
        static std::atomic<std::uint64_t> serial{0};
        return ++serial;
    }
};

}  // namespace hsync::detail
