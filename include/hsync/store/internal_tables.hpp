#pragma once
// hsync's own tables, in the library's one database file. HLCs are stored as the
// 24-byte big-endian encoding of detail::encode_hlc, so that SQLite orders them as HLCs.

#include <cstdint>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <hsync/core/error.hpp>

namespace hsync::detail {

// The on-disk schema of hsync's tables; docs/storage.md describes this version.
inline constexpr std::int64_t storage_schema_version = 1;

inline constexpr const char* internal_tables_sql = R"sql(
CREATE TABLE IF NOT EXISTS hsync_meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_shared_log (
    hlc         BLOB NOT NULL PRIMARY KEY,
    model       TEXT NOT NULL,
    record_id   BLOB NOT NULL,
    change_type INTEGER NOT NULL,
    data        BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_tombstones (
    model     TEXT NOT NULL,
    record_id BLOB NOT NULL,
    hlc       BLOB NOT NULL,
    PRIMARY KEY (model, record_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_peer_acks (
    peer      BLOB NOT NULL PRIMARY KEY,
    acked_hlc BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_state_watermarks (
    peer  BLOB NOT NULL,
    owner BLOB NOT NULL,
    model TEXT NOT NULL,
    hlc   BLOB NOT NULL,
    PRIMARY KEY (peer, owner, model)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hsync_backfill_checkpoints (
    peer       BLOB NOT NULL,
    model      TEXT NOT NULL,
    checkpoint BLOB NOT NULL,
    PRIMARY KEY (peer, model)
) WITHOUT ROWID;
)sql";

}  // namespace hsync::detail
