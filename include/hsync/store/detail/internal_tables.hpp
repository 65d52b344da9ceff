#pragma once
// hsync's own tables, in the library's one database file. HLCs are stored as the
// 24-byte big-endian encoding of hlc::to_bytes (core/hlc.hpp), so that SQLite orders them as HLCs.
// `seq` columns hold this device's sequence numbers (see hsync_meta 'seq').

#include <cstdint>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <hsync/core/error.hpp>

namespace hsync::detail {

// The on-disk schema of hsync's tables; docs/storage.md describes this version.
// Version 2 added hsync_peers.device_key (pairing kept in one table); version 3 stores a
// log entry's values packed by field position (`fields`, `data`: store/change.hpp).
inline constexpr std::int64_t storage_schema_version = 4;

inline constexpr const char* internal_tables_sql = R"sql(
CREATE TABLE IF NOT EXISTS hsync_meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_shared_log (
    seq         INTEGER PRIMARY KEY,
    hlc         BLOB NOT NULL UNIQUE,
    model       TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    change_type INTEGER NOT NULL,
    data        BLOB NOT NULL,
    fields      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS hsync_tombstones (
    model     TEXT NOT NULL,
    record_id BLOB NOT NULL,
    hlc       BLOB NOT NULL,
    owner     BLOB,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (model, record_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hsync_tombstones_seq ON hsync_tombstones (seq);
CREATE TABLE IF NOT EXISTS hsync_peers (
    peer             BLOB NOT NULL PRIMARY KEY,
    paired           INTEGER NOT NULL DEFAULT 1,
    received_through INTEGER NOT NULL DEFAULT 0,
    acked_by_peer    INTEGER NOT NULL DEFAULT 0,
    device_key       TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_carried (
    model     TEXT NOT NULL,
    record_id BLOB NOT NULL,
    field     TEXT NOT NULL,
    value     BLOB NOT NULL,
    hlc       BLOB NOT NULL,
    PRIMARY KEY (model, record_id, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_backfill_checkpoints (
    peer  BLOB NOT NULL,
    phase TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (peer, phase)
) WITHOUT ROWID;
)sql";

}  // namespace hsync::detail
