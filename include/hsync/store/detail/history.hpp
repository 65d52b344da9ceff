#pragma once
// This device's history after a seq, in pages, for a peer catching up: device-owned
// states and deletes per model, and shared changes as log entries or, where the log was
// pruned, as snapshots of the rows with each field's clock.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <boost/hana/for_each.hpp>

#include <hsync/core/error.hpp>
#include <hsync/detail/printable.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/field_changes.hpp>
#include <hsync/store/detail/library_state.hpp>
#include <hsync/store/detail/records.hpp>

namespace hsync::detail {

template <class... Ms>
class history {
    using models = model_list<Ms...>;

public:
    explicit history(library_state<Ms...>& s) noexcept : s_(s) {}

    // Device-owned state of `model` (owned records and deletes) stored after `since`, in
    // seq order. When has_more is false, the checkpoint is the current seq: the page
    // covers everything of that model up to now.
    state_page state_changes(std::string_view model, std::uint64_t since, std::size_t limit) {
        const std::uint64_t until = s_.committed_seq;
        state_page page;
        bool known = models::dispatch(model, [&](auto t) { page = state_changes_of<typename decltype(t)::type>(since, until, limit); });
        if (!known) throw error(errc::unknown_model, "hsync: unknown model '" + printable(model) + "'");
        return page;
    }

    // Shared changes stored after `since`: log entries, or snapshots of the shared rows
    // when the log was pruned past `since` or the caller is in the middle of a snapshot
    // (once a catch-up starts on snapshots it must finish on them: the log no longer
    // holds the inserts behind later updates). Of one model when `model` is given (a
    // catch-up takes the models in their apply order), else of all.
    shared_page shared_changes(std::uint64_t since, std::size_t limit, bool snapshot, std::string_view model = {}) {
        if (!model.empty()) {
            const auto kind = models::strategy_of(model);
            if (!kind) throw error(errc::unknown_model, "hsync: unknown model '" + printable(model) + "'");
            if (*kind == strategy::device_owned) {
                throw error(errc::invalid_change, "hsync: model '" + printable(model) +
                                                      "' is device-owned; its history is served as states");
            }
        }
        const std::uint64_t until = s_.committed_seq;
        if (snapshot || since < s_.log_floor) {
            shared_page page = shared_snapshot_page(since, until, limit, model);
            page.snapshot_mode = true;
            return page;
        }
        return shared_log_page(since, until, limit, model);
    }

private:
    // Items from several seq-ordered lists, each fetched with limit + 1, merged into one
    // page of at most `limit`, such that the page holds every item with seq up to its
    // checkpoint (a list that was cut caps the checkpoint at what it covers).
    template <class Item>
    struct seq_merge {
        std::size_t limit;
        std::uint64_t cap;
        std::vector<std::pair<std::uint64_t, Item>> items;

        template <class Raw, class Seq, class Convert>
        void add(const std::vector<Raw>& raw, Seq seq_of, Convert convert) {
            const std::size_t usable = std::min(raw.size(), limit);
            if (raw.size() > limit) cap = std::min(cap, seq_of(raw[limit - 1]));
            for (std::size_t i = 0; i < usable; ++i) {
                if (auto item = convert(raw[i])) items.emplace_back(seq_of(raw[i]), std::move(*item));
            }
        }

        // Items up to the checkpoint, in seq order; returns (checkpoint, has_more).
        std::pair<std::uint64_t, bool> finish(std::uint64_t until, std::vector<Item>& out) {
            std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            if (items.size() > limit) cap = std::min(cap, items[limit - 1].first);
            for (auto& [seq, item] : items) {
                if (seq <= cap) out.push_back(std::move(item));
            }
            return {cap, cap < until};
        }
    };

    template <class M>
    state_page state_changes_of(std::uint64_t since, std::uint64_t until, std::size_t limit) {
        using traits = model_traits<M>;
        state_page page;
        if constexpr (traits::strategy == strategy::shared) {
            throw error(errc::invalid_change, "hsync: model '" + std::string(traits::name) +
                                                  "' is shared; its history is served as shared changes");
        } else {
            limit = std::max<std::size_t>(limit, 1);
            seq_merge<std::variant<state_record, deleted_state>> merge{limit, until, {}};
            merge.add(
                s_.template store<M>().rows_between(since, until, limit + 1), [](const auto& r) { return r.seq; },
                [&](const auto& r) -> std::optional<std::variant<state_record, deleted_state>> {
                    const auto owner = owner_of(r.value);
                    if (!owner || !r.version) return std::nullopt;  // a shared record of a mixed model
                    state_record state{std::string(traits::name), id_of(r.value), *owner, *r.version, false, pack_all(r.value)};
                    append_carried<M>(state.record, state.values, nullptr);
                    return state;
                });
            merge.add(
                s_.tables->tombs.between(traits::name, since, until, limit + 1), [](const auto& t) { return t.seq; },
                [&](const auto& t) -> std::optional<std::variant<state_record, deleted_state>> {
                    if (!t.owner) return std::nullopt;
                    return deleted_state{std::string(traits::name), t.record, *t.owner, t.stamp};
                });
            std::vector<std::variant<state_record, deleted_state>> items;
            std::tie(page.checkpoint, page.has_more) = merge.finish(until, items);
            for (auto& item : items) {
                if (auto* r = std::get_if<state_record>(&item)) page.records.push_back(std::move(*r));
                else page.deleted.push_back(std::move(std::get<deleted_state>(item)));
            }
        }
        return page;
    }

    shared_page shared_log_page(std::uint64_t since, std::uint64_t until, std::size_t limit, std::string_view model) {
        limit = std::max<std::size_t>(limit, 1);
        auto fetched = model.empty() ? s_.tables->log.fetch_seq_between(since, until, limit + 1)
                                     : s_.tables->log.fetch_model_seq_between(model, since, until, limit + 1);
        shared_page page;
        seq_merge<shared_entry> merge{limit, until, {}};
        std::vector<std::pair<std::uint64_t, shared_entry>> raw;
        for (std::size_t i = 0; i < fetched.entries.size(); ++i) raw.emplace_back(fetched.seqs[i], std::move(fetched.entries[i]));
        merge.add(raw, [](const auto& p) { return p.first; }, [](const auto& p) { return std::optional<shared_entry>(p.second); });
        std::tie(page.checkpoint, page.has_more) = merge.finish(until, page.entries);
        return page;
    }

    // A shared row with the clock of each field, and the values of the fields it carries
    // for peers on another version of the models (after its own, in their slots).
    template <class M>
    shared_snapshot snapshot_of(const stored_row<M>& row) {
        using traits = model_traits<M>;
        field_mask<M> written{};
        std::vector<hlc> clocks;
        for (std::size_t k = 0; k < written.size(); ++k) {
            written[k] = row.clocks[k].has_value();
            if (written[k]) clocks.push_back(*row.clocks[k]);
        }
        shared_snapshot s{std::string(traits::name), id_of(row.value), false, hlc{}, pack_fields(row.value, written), std::move(clocks)};
        append_carried<M>(id_of(row.value), s.values, &s.clocks);
        return s;
    }

    // Adds to a record's values those of the fields it carries for peers on another
    // version of the models, in their slots after its own, and their clocks when asked.
    template <class M>
    void append_carried(const uuid& record, field_values& values, std::vector<hlc>* clocks) {
        const auto carried = s_.carried.find(model_traits<M>::name);
        if (carried == s_.carried.end() || carried->second.empty()) return;
        const auto held = s_.tables->carried.of(model_traits<M>::name, record);
        constexpr std::size_t own = model_traits<M>::synced_count - 1;
        for (std::size_t c = 0; c < carried->second.size(); ++c) {
            for (const auto& v : held) {
                if (v.field != carried->second[c].name) continue;
                values.fields |= std::uint64_t{1} << (own + c);
                values.packed += v.packed;
                if (clocks) clocks->push_back(v.stamp);
            }
        }
    }

    shared_page shared_snapshot_page(std::uint64_t since, std::uint64_t until, std::size_t limit, std::string_view model) {
        limit = std::max<std::size_t>(limit, 1);
        shared_page page;
        seq_merge<shared_snapshot> merge{limit, until, {}};
        boost::hana::for_each(models::types, [&](auto t) {
            using M = typename decltype(t)::type;
            if (!model.empty() && model != model_traits<M>::name) return;
            if constexpr (model_traits<M>::strategy != strategy::device_owned) {
                merge.add(
                    s_.template store<M>().rows_between(since, until, limit + 1), [](const auto& r) { return r.seq; },
                    [self = this](const auto& r) -> std::optional<shared_snapshot> {
                        if (owner_of(r.value)) return std::nullopt;  // an owned record of a mixed model
                        return self->snapshot_of(r);
                    });
                merge.add(
                    s_.tables->tombs.between(model_traits<M>::name, since, until, limit + 1), [](const auto& e) { return e.seq; },
                    [](const auto& e) -> std::optional<shared_snapshot> {
                        if (e.owner) return std::nullopt;
                        return shared_snapshot{std::string(model_traits<M>::name), e.record, true, e.stamp, {}, {}};
                    });
            }
        });
        std::tie(page.checkpoint, page.has_more) = merge.finish(until, page.snapshot);
        return page;
    }

    library_state<Ms...>& s_;
};

}  // namespace hsync::detail
