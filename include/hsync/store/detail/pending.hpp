#pragma once
// What an open transaction will announce once it commits: the application's events and
// the changes the sync engine pushes to peers. A savepoint that rolls back takes its
// part of both back with it.

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include <hsync/store/change.hpp>

namespace hsync::detail {

struct pending_changes {
    std::vector<std::function<void()>> events;
    outgoing_changes outgoing;

    // What the lists held at a savepoint (sizes, not a copy: savepoints nest in loops).
    struct mark {
        std::size_t events = 0;
        std::vector<std::size_t> states, shared;
    };

    mark here() const {
        mark m{events.size(), {}, {}};
        for (const auto& b : outgoing.states) m.states.push_back(b.records.size());
        for (const auto& b : outgoing.shared) m.shared.push_back(b.entries.size());
        return m;
    }

    // Back to a savepoint. Batches only grow at the end, so that is a truncation. Once
    // too_many, a transaction stays so: it is not pushed, and peers fetch it in pages,
    // which is always correct.
    void roll_back_to(const mark& m) {
        events.resize(m.events);
        if (outgoing.too_many) return;
        auto& o = outgoing;
        o.states.erase(o.states.begin() + static_cast<std::ptrdiff_t>(m.states.size()), o.states.end());
        o.shared.erase(o.shared.begin() + static_cast<std::ptrdiff_t>(m.shared.size()), o.shared.end());
        for (std::size_t i = 0; i < m.states.size(); ++i) {
            auto& r = o.states[i].records;
            r.erase(r.begin() + static_cast<std::ptrdiff_t>(m.states[i]), r.end());
        }
        for (std::size_t i = 0; i < m.shared.size(); ++i) {
            auto& e = o.shared[i].entries;
            e.erase(e.begin() + static_cast<std::ptrdiff_t>(m.shared[i]), e.end());
        }
    }

    // Whether one more change is collected for the engine to push: not past
    // max_pushed_changes (then the lists are dropped and peers fetch the changes in pages).
    bool room_for_one_more() {
        if (outgoing.too_many) return false;
        std::size_t count = 0;
        for (const auto& b : outgoing.states) count += b.records.size();
        for (const auto& b : outgoing.shared) count += b.entries.size();
        if (count < max_pushed_changes) return true;
        outgoing.states.clear();
        outgoing.shared.clear();
        outgoing.too_many = true;
        return false;
    }

    void push_state(state_record r) {
        auto& batch = batch_for(outgoing.states, r.model);
        batch.owner = r.owner;
        batch.records.push_back(std::move(r));
    }

    void push_shared(shared_entry e) { batch_for(outgoing.shared, e.model).entries.push_back(std::move(e)); }

private:
    template <class Batch>
    static Batch& batch_for(std::vector<Batch>& batches, std::string_view model) {
        for (auto& b : batches) {
            if (b.model == model) return b;
        }
        batches.emplace_back();
        batches.back().model = std::string(model);
        return batches.back();
    }
};

}  // namespace hsync::detail
