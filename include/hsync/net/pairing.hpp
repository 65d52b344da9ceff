#pragma once
// Pairing: the devices a library syncs with, by device id. The full 256-bit ids are kept
// in the library's file (table hsync_paired_devices), beside the library's own peer
// bookkeeping keyed by each device's uuid, and written in one transaction with it. TLS
// accepts a peer only when the hash of its certificate's public key is listed here.

#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <hsync/net/device_id.hpp>
#include <hsync/store/replica.hpp>

namespace hsync::net {

namespace detail {

inline void ensure_pairing_table(SQLite::Database& db) {
    db.exec("CREATE TABLE IF NOT EXISTS hsync_paired_devices (device_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID");
}

template <class Library>
void ensure_pairing_table(Library& lib) {
    lib.with_tx([&](auto& tx) { ensure_pairing_table(tx.database()); });
}

}  // namespace detail

// Adds `peer` to the library's paired devices; its connections are accepted from then on.
template <class Library>
void pair(Library& lib, const device_id& peer) {
    if (peer.as_uuid() == lib.device_id()) {
        throw error(errc::invalid_device_id, "hsync: " + peer.to_string() + " is this device's own id; pair the other device's id");
    }
    lib.with_tx([&](auto& tx) {
        detail::ensure_pairing_table(tx.database());
        SQLite::Statement insert(tx.database(), "INSERT OR IGNORE INTO hsync_paired_devices (device_id) VALUES (?)");
        insert.bind(1, peer.to_string());
        insert.exec();
        replica(lib).pair(peer.as_uuid());
    });
}

// Removes `peer`: its connections are refused from the next handshake on, and it no
// longer holds back the pruning of the log.
template <class Library>
void unpair(Library& lib, const device_id& peer) {
    lib.with_tx([&](auto& tx) {
        detail::ensure_pairing_table(tx.database());
        SQLite::Statement erase(tx.database(), "DELETE FROM hsync_paired_devices WHERE device_id = ?");
        erase.bind(1, peer.to_string());
        erase.exec();
        replica(lib).unpair(peer.as_uuid());
    });
}

template <class Library>
std::vector<device_id> paired_devices(Library& lib) {
    return lib.with_tx([&](auto& tx) {
        if (lib.read_only()) {
            if (!tx.database().tableExists("hsync_paired_devices")) return std::vector<device_id>{};
        } else {
            detail::ensure_pairing_table(tx.database());
        }
        SQLite::Statement select(tx.database(), "SELECT device_id FROM hsync_paired_devices ORDER BY device_id");
        std::vector<device_id> out;
        while (select.executeStep()) {
            if (auto id = device_id::try_parse(select.getColumn(0).getString())) out.push_back(*id);
        }
        return out;
    });
}

// Whether a device presenting `peer`'s certificate may connect: its full id is paired,
// and the library still counts its uuid as a paired peer. The table must exist
// (pair(), paired_devices() or a node create it).
template <class Library>
bool is_paired(Library& lib, const device_id& peer) {
    return lib.with_tx([&](auto& tx) {
        SQLite::Statement find(tx.database(), "SELECT 1 FROM hsync_paired_devices WHERE device_id = ?");
        find.bind(1, peer.to_string());
        return find.executeStep() && replica(lib).peer(peer.as_uuid()).paired;
    });
}

}  // namespace hsync::net
