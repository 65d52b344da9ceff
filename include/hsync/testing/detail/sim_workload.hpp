#pragma once
// The simulator's workload: random commits, edits of copies read earlier, updates and
// deletes on every device, each write that returned recorded in the oracle. Member
// definitions of testing::detail::simulator (declared in testing/simulator.hpp).

#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>

#include <hsync/testing/simulator.hpp>

namespace hsync::testing::detail {

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::workload() -> void {
    for (auto& d : devices_) {
        if (!d->alive || !rng_.chance(options_.commit_rate)) continue;
        with_library(*d, [&](auto& lib) {
            using Lib = std::remove_reference_t<decltype(lib)>;
            const std::size_t pick = rng_.below(model_count<Lib>());
            std::size_t i = 0;
            boost::hana::for_each(Lib::model_types(), [&](auto t) {
                if (i++ == pick) write<typename decltype(t)::type>(*d, lib);
            });
        });
    }
}

template <class Library, class Upgraded>
template <class Lib>
auto simulator<Library, Upgraded>::model_count() -> std::size_t {
    std::size_t n = 0;
    boost::hana::for_each(Lib::model_types(), [&](auto) { ++n; });
    return n;
}

template <class Library, class Upgraded>
template <class M>
auto simulator<Library, Upgraded>::owner_in(const M& m) -> std::optional<uuid> {
    using traits = model_traits<M>;
    if constexpr (traits::has_owner) {
        const auto& field = hsync::detail::get_field<traits::owner_index>(const_cast<M&>(m));
        if constexpr (is_optional_v<std::remove_cvref_t<decltype(field)>>) {
            if (!field) return std::nullopt;
            return field->value;
        } else {
            return field.value;
        }
    } else {
        return std::nullopt;
    }
}

template <class Library, class Upgraded>
template <class M>
auto simulator<Library, Upgraded>::set_owner(M& m, const std::optional<uuid>& owner) -> void {
    using traits = model_traits<M>;
    if constexpr (traits::has_owner) {
        auto& field = hsync::detail::get_field<traits::owner_index>(m);
        if constexpr (is_optional_v<std::remove_cvref_t<decltype(field)>>) {
            if (owner) field = owner_id{*owner};
            else field.reset();
        } else {
            field = owner_id{*owner};
        }
    }
}

template <class Library, class Upgraded>
template <class M, class Lib>
auto simulator<Library, Upgraded>::write(device& d, Lib& lib) -> void {
    using traits = model_traits<M>;
    const std::string model(traits::name);
    auto& ids = known_[model];
    const std::uint64_t op = rng_.below(100);
    const known_records lookup = [this](std::string_view m) -> const std::vector<uuid>& { return known(m); };
    // Records this device may write: shared ones, and its own.
    std::vector<uuid> writable;
    for (const auto& id : ids) {
        const auto& o = oracle_[{model, id}];
        if (!o.owner || *o.owner == d.id) writable.push_back(id);
    }
    try {
        if (op < 50 || writable.empty()) {
            M m{};
            hsync::detail::get_field<traits::id_index>(m) = record_id{uuid::v4(rng_)};
            if constexpr (traits::has_owner) {
                using field_type = std::remove_cvref_t<decltype(hsync::detail::get_field<traits::owner_index>(m))>;
                const bool owned = !is_optional_v<field_type> || rng_.chance(0.5);
                set_owner(m, owned ? std::optional<uuid>(d.id) : std::nullopt);
            }
            randomize_fields(m, rng_, lookup);
            commit(d, lib, m, std::optional<M>());
        } else if (op < 75 && d.held.count(model)) {
            auto copy = std::static_pointer_cast<M>(d.held.find(model)->second);
            d.held.erase(model);
            commit_edit_of(d, lib, *copy);
        } else if (op < 75) {
            const uuid id = writable[static_cast<std::size_t>(rng_.below(writable.size()))];
            if (auto copy = lib.template get<M>(id)) {
                d.held[model] = std::make_shared<M>(std::move(*copy));
                note(d.name + " reads " + model + " " + id.to_string() + " into a form");
            }
        } else if (op < 85) {
            const uuid id = writable[static_cast<std::size_t>(rng_.below(writable.size()))];
            std::optional<M> before = lib.template get<M>(id);
            M m{};
            if (before) {
                m = *before;
            } else {
                hsync::detail::get_field<traits::id_index>(m) = record_id{id};
                set_owner(m, oracle_[{model, id}].owner);
            }
            randomize_fields(m, rng_, lookup, 1 + rng_.below(2));
            commit(d, lib, m, before);
        } else {
            const uuid id = writable[static_cast<std::size_t>(rng_.below(writable.size()))];
            lib.template remove<M>(id);
            after_commit(d, "remove " + model + " " + id.to_string());
            auto& o = oracle_[{model, id}];
            o.deleted = true;
        }
    } catch (const error& e) {
        ++result_.refused_commits;  // a record deleted here meanwhile: refused, and nothing written
        note(d.name + " write refused: " + std::string(to_string(e.code())));
    }
}

template <class Library, class Upgraded>
template <class M, class Lib>
auto simulator<Library, Upgraded>::commit(device& d, Lib& lib, const M& m, const std::optional<M>& before) -> void {
    using traits = model_traits<M>;
    const std::string model(traits::name);
    const uuid id = hsync::detail::get_field<traits::id_index>(const_cast<M&>(m)).value;
    const std::optional<uuid> owner = owner_in(m);
    lib.commit(m);
    const hlc stamp = lib.status().clock;
    after_commit(d, "commit " + model + " " + id.to_string());
    auto& o = oracle_[{model, id}];
    if (!o.known) {
        o.known = true;
        o.owner = owner;
        known_[model].push_back(id);
    }
    const nlohmann::json now = hsync::to_json(m);
    if (owner) {
        o.state = now;  // the owner's last write is the record's state
        return;
    }
    // Shared: the fields that differ from this device's row took this commit's HLC.
    const nlohmann::json old = before ? hsync::to_json(*before) : nlohmann::json::object();
    for (const auto& [field, value] : now.items()) {
        if (before && old.contains(field) && old[field] == value) continue;
        o.wrote(field, value, stamp);
    }
}

template <class Library, class Upgraded>
template <class M, class Lib>
auto simulator<Library, Upgraded>::commit_edit_of(device& d, Lib& lib, const M& read) -> void {
    using traits = model_traits<M>;
    const std::string model(traits::name);
    const uuid id = hsync::detail::get_field<traits::id_index>(const_cast<M&>(read)).value;
    const known_records lookup = [this](std::string_view m) -> const std::vector<uuid>& { return known(m); };
    M edited = read;  // a copy keeps the mark of the version it was read from
    if (options_.broken == broken_rule::copies_forget_their_read) {
        hsync::detail::get_field<traits::id_index>(edited) = record_id{id};
    }
    randomize_fields(edited, rng_, lookup, 1 + rng_.below(2));
    const std::optional<M> current = lib.template get<M>(id);
    lib.commit(edited);
    const hlc stamp = lib.status().clock;
    after_commit(d, "commit an edit of an earlier copy of " + model + " " + id.to_string());
    ++result_.copy_edits;
    if (!current) {
        fail(model + " " + id.to_string() + ": a commit of a deleted record returned");
        return;
    }
    auto& o = oracle_[{model, id}];
    const nlohmann::json base = hsync::to_json(read), mine = hsync::to_json(edited), row = hsync::to_json(*current);
    if (o.owner) {
        nlohmann::json state = row;
        for (const auto& [field, value] : mine.items()) {
            if (base[field] != value) state[field] = value;
        }
        o.state = state;
        return;
    }
    for (const auto& [field, value] : mine.items()) {
        if (base[field] == value || row[field] == value) continue;
        o.wrote(field, value, stamp);
    }
}

template <class Library, class Upgraded>
auto simulator<Library, Upgraded>::after_commit(device& d, const std::string& what) -> void {
    ++result_.commits;
    note(d.name + " " + what);
}

}  // namespace hsync::testing::detail
