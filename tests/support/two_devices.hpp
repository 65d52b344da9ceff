#pragma once
// Two devices, each with its own library file of the seed models, exchanging what they
// commit by hand (the storage tests' stand-in for the engine).

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "support/seed_library.hpp"
#include "support/temp_dir.hpp"

namespace hsync_test {

struct two_devices {
    temp_dir dir;
    hsync::identity a_id{hsync::uuid::v4()};
    hsync::identity b_id{hsync::uuid::v4()};
    seed_library a{dir / "a.db", a_id};
    seed_library b{dir / "b.db", b_id};
    std::vector<hsync::outgoing_changes> from_a, from_b;

    two_devices() {
        hsync::replica(a).attach([this](const hsync::outgoing_changes& o) { from_a.push_back(o); });
        hsync::replica(b).attach([this](const hsync::outgoing_changes& o) { from_b.push_back(o); });
    }

    // A tag committed on a and delivered to b.
    photos::Tag shared_tag(std::string name) {
        photos::Tag tag = make_tag(std::move(name));
        a.commit(tag);
        deliver(b, from_a);
        return tag;
    }

    static hsync::apply_result deliver(seed_library& to, std::vector<hsync::outgoing_changes>& queue) {
        hsync::apply_result total;
        for (const auto& o : queue) {
            for (const auto& batch : o.states) add(total, hsync::replica(to).apply_states(std::span<const hsync::state_record>(batch.records)));
            for (const auto& batch : o.shared) add(total, hsync::replica(to).apply_shared_changes(std::span<const hsync::shared_entry>(batch.entries)));
        }
        queue.clear();
        return total;
    }
    static void add(hsync::apply_result& total, const hsync::apply_result& r) {
        total.applied += r.applied;
        total.ignored += r.ignored;
    }
};

}  // namespace hsync_test
