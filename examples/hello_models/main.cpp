// hello_models: declare models as plain structs and see what hsync derives from them.
#include <hsync/hsync.hpp>

#include <cstdio>
#include <string>

#include "seed_models.hpp"

template <class M>
void describe() {
    using traits = hsync::model_traits<M>;
    std::string synced, local;
    for (auto name : traits::synced_field_names) synced += std::string(name) + " ";
    for (auto name : traits::local_field_names) local += std::string(name) + " ";
    std::printf("%-14s %-13s synced: %-70s local: %s\n", std::string(traits::name).c_str(),
                std::string(hsync::to_string(traits::strategy)).c_str(), synced.c_str(), local.c_str());
}

int main() {
    describe<photos::Tag>();
    describe<photos::Album>();
    describe<photos::Location>();
    describe<photos::Entry>();
    describe<photos::UserMetadata>();

    // Every device issues timestamps that order all changes, with no leader.
    hsync::hlc_clock clock(hsync::uuid::v4());
    const hsync::hlc first = clock.next();
    const hsync::hlc second = clock.next();
    std::printf("\nhlc %s < %s\n", first.to_string().c_str(), second.to_string().c_str());

    // What travels: the synced fields, never the local ones.
    photos::Location home{hsync::record_id::generate(), hsync::owner_id{clock.device()}};
    home.path = "/home/me/Pictures";
    home.scan_state = "done";
    const auto payload = hsync::to_json(home);
    std::printf("payload %s\n", payload.dump().c_str());
    const auto received = hsync::from_json<photos::Location>(payload);
    const bool ok = received.uuid == home.uuid && received.path == home.path && *received.scan_state == "pending";
    std::printf("round trip: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
