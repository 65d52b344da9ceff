#pragma once
// How a library is opened: the device it runs on and the knobs of its database.

#include <chrono>
#include <cstddef>
#include <optional>

#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>

namespace hsync {

// The device a library runs on. Its id is the owner_id of every record this device owns;
// a library file belongs to one device for good.
struct identity {
    uuid device_id;
};

enum class durability {
    // synchronous=FULL: a commit that returned survives power loss. The default.
    full,
    // synchronous=NORMAL: a commit that returned survives a crash of the process, but
    // the last transactions may be lost on power loss. Faster on slow disks.
    normal,
};

// Who copies the write-ahead log into the database file (docs/storage.md, "Checkpoints").
enum class checkpoints {
    // A thread of the library, with its own connection, when the log holds 1,000 pages or
    // commits pause: a commit never waits for a checkpoint (unless the log grew 4 times
    // past that, when the thread cannot keep up). The default.
    background,
    // The commit that takes the log past 1,000 pages, as SQLite does by default: no
    // thread, and that commit takes longer.
    on_commit,
};

struct library_options {
    durability sync = durability::full;
    hsync::checkpoints checkpoints = hsync::checkpoints::background;
    std::chrono::milliseconds busy_timeout = std::chrono::seconds(5);
    hlc_clock_options clock{};
    physical_clock physical = system_clock_millis;  // the simulator injects virtual time
    // The library's id for a new database file; a random one when not given. An
    // existing file keeps the id it was created with.
    std::optional<uuid> library_id;
    // Open to look, not to write: no lock is taken, so this works while the application
    // that owns the file runs; every write throws errc::read_only. The file must exist.
    bool read_only = false;
    // How many bytes of replaced record versions the library keeps, so that a commit from
    // a copy read before a newer write changes only what the application changed
    // (docs/storage.md, "Editing a copy"). A commit from a copy older than what is kept
    // throws errc::stale_copy. 0 keeps none.
    std::size_t read_version_memory = 4u << 20;
};

}  // namespace hsync
