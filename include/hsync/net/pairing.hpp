#pragma once
// Pairing: the devices a library syncs with, by device id. Each paired device's full
// 256-bit id is kept in the library's peer table (hsync_peers.device_key) beside the
// bookkeeping keyed by its uuid, so one write pairs both. TLS accepts a peer only when
// the hash of its certificate's public key is paired here.

#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <hsync/core/error.hpp>
#include <hsync/net/device_id.hpp>
#include <hsync/store/replica.hpp>

namespace hsync::net {

namespace detail {

// Files written before storage schema 2 kept the full ids in a table of their own,
// hsync_paired_devices: move them into hsync_peers and drop it, in one transaction.
template <class Library>
void adopt_legacy_pairings(Library& lib) {
    if (lib.read_only()) return;
    // Most files never had the table: find out with a read, not a write transaction.
    if (!lib.read([](SQLite::Database& db) { return db.tableExists("hsync_paired_devices"); })) return;
    lib.with_tx([&](auto& tx) {
        if (!tx.database().tableExists("hsync_paired_devices")) return;
        SQLite::Statement select(tx.database(), "SELECT device_id FROM hsync_paired_devices");
        std::vector<device_id> ids;
        while (select.executeStep()) {
            if (auto id = device_id::try_parse(select.getColumn(0).getString())) ids.push_back(*id);
        }
        select.reset();
        for (const auto& id : ids) {
            // Only devices still paired by uuid keep their pairing.
            if (replica(lib).peer(id.as_uuid()).paired) replica(lib).pair(id.as_uuid(), id.to_string());
        }
        tx.exec("DROP TABLE hsync_paired_devices");
    });
}

}  // namespace detail

// Adds `peer` to the library's paired devices; its connections are accepted from then on.
template <class Library>
void pair(Library& lib, const device_id& peer) {
    if (peer.as_uuid() == lib.device_id()) {
        throw error(errc::invalid_device_id, "hsync: " + peer.to_string() + " is this device's own id; pair the other device's id");
    }
    detail::adopt_legacy_pairings(lib);
    replica(lib).pair(peer.as_uuid(), peer.to_string());
}

// Removes `peer`: its connections are refused from the next handshake on, and it no
// longer holds back the pruning of the log.
template <class Library>
void unpair(Library& lib, const device_id& peer) {
    detail::adopt_legacy_pairings(lib);
    replica(lib).unpair(peer.as_uuid());
}

template <class Library>
std::vector<device_id> paired_devices(Library& lib) {
    detail::adopt_legacy_pairings(lib);
    std::vector<device_id> out;
    for (const auto& key : replica(lib).paired_device_keys()) {
        if (auto id = device_id::try_parse(key)) out.push_back(*id);
    }
    return out;
}

// Whether a device presenting `peer`'s certificate may connect. A read: the TLS verify
// calls it on every handshake.
template <class Library>
bool is_paired(Library& lib, const device_id& peer) {
    return replica(lib).is_paired(peer.as_uuid(), peer.to_string());
}

}  // namespace hsync::net
