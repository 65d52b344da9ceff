#pragma once
// Everything a library<Ms...> holds: its file, clock, tables, sequence numbers, the open
// transaction's pending changes and the subscribers. The user's API (library.hpp), the
// local writes, the apply side and the history pages all work on this one object, and
// the small steps they share (a seq, a timestamp, a tombstone, an event) live here.

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <SQLiteCpp/Transaction.h>

#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/model_list.hpp>
#include <hsync/detail/read_mark.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/carried_values.hpp>
#include <hsync/store/detail/field_changes.hpp>
#include <hsync/store/detail/field_layout.hpp>
#include <hsync/store/detail/change_log.hpp>
#include <hsync/store/detail/library_file.hpp>
#include <hsync/store/detail/layout_migration.hpp>
#include <hsync/store/detail/model_store.hpp>
#include <hsync/store/detail/peer_book.hpp>
#include <hsync/store/detail/pending.hpp>
#include <hsync/store/detail/read_versions.hpp>
#include <hsync/store/detail/records.hpp>
#include <hsync/store/detail/statement.hpp>
#include <hsync/store/detail/tombstones.hpp>
#include <hsync/store/options.hpp>

namespace hsync::detail {

template <class... Ms>
struct library_state {
    using models = model_list<Ms...>;
    // A model's event handlers, each taking a const change<M>* as const void*: one type for
    // every model, so that the event plumbing is compiled once, not once per model. The list
    // is replaced, never changed, so that a delivery in progress keeps the one it started with.
    using callbacks = std::shared_ptr<const std::vector<std::function<void(const void*)>>>;
    using outgoing_listener = std::function<void(const outgoing_changes&)>;

    struct tables_type {
        tables_type(SQLite::Database& db, bool sole_writer)
            : log(db), peers(db), tombs(db, sole_writer), carried(db), models(model_store<Ms>(db)...) {}
        change_log log;
        peer_book peers;
        tombstones tombs;
        carried_values carried;
        std::tuple<model_store<Ms>...> models;
    };

    library_state(const std::filesystem::path& path, const identity& id, library_options opts)
        : options(std::move(opts)),
          file(path, checked_device(id), options),
          clock(id.device_id, options.physical, options.clock, file.resumed().clock.value_or(hlc{})),
          kept_versions(options.read_version_memory),
          begin(file.db(), options.read_only ? "BEGIN" : "BEGIN IMMEDIATE"),
          commit(file.db(), "COMMIT"),
          seq(file.resumed().seq),
          committed_seq(file.resumed().seq),
          log_floor(file.resumed().log_floor) {
        // The models' tables are created (if new) in one transaction with nothing else.
        SQLite::Transaction setup(file.db(), options.read_only ? SQLite::TransactionBehavior::DEFERRED
                                                               : SQLite::TransactionBehavior::IMMEDIATE);
        auto layouts = layout_migration::before_open<Ms...>(file.db(), options.read_only);
        tables.emplace(file.db(), !options.read_only);
        if (!options.read_only) {
            const auto adopted = layouts.adopted();
            (adopt_carried<Ms>(adopted), ...);
        }
        layouts.finish(file.db(), options.read_only);
        carried = layouts.carried();
        setup.commit();
    }

    library_state(const library_state&) = delete;
    library_state& operator=(const library_state&) = delete;

    const uuid& device_id() const noexcept { return clock.device(); }
    SQLite::Database& db() noexcept { return file.db(); }

    template <class M>
    model_store<M>& store() {
        static_assert(models::template contains<M>, "hsync: M is not a model of this library; add it to hsync::library<...>");
        return std::get<model_store<M>>(tables->models);
    }

    std::uint64_t next_seq() noexcept { return ++seq; }

    // The fields a change of M may set: its own synced fields but the id, then the fields
    // it carries for peers on another version of the models (layout_migration.hpp).
    template <class M>
    std::size_t layout_width() const {
        const auto it = carried.find(model_traits<M>::name);
        return model_traits<M>::synced_count - 1 + (it == carried.end() ? 0 : it->second.size());
    }
    std::size_t layout_width(std::string_view model) const {
        std::size_t width = 0;
        models::dispatch(model, [&](auto t) { width = layout_width<typename decltype(t)::type>(); });
        return width;
    }

    // Starts carrying the fields a peer showed for `model` that this build neither declares
    // nor carries yet, as many as fit in a field word: appended to its layout, so that the
    // slots in use keep their meaning and the log needs no move. Inside a write
    // transaction; the caller restores `carried` if it does not commit. Whether any was
    // added.
    bool carry(std::string_view model, const std::vector<carried_field>& fields) {
        const auto it = carried.find(model);
        if (it == carried.end()) return false;
        field_layout layout;
        models::dispatch(model, [&](auto t) { layout = layout_of<typename decltype(t)::type>(); });
        auto list = it->second;
        for (const auto& c : list) layout.push_back(c.name);
        const std::size_t before = list.size();
        for (const auto& f : fields) {
            if (layout.size() >= 64 || !carriable(f.name, f.type)) continue;  // one field word
            if (std::find(layout.begin(), layout.end(), f.name) != layout.end()) continue;
            list.push_back(f);
            layout.push_back(f.name);
        }
        if (list.size() == before) return false;
        layout_migration::record_carried(db(), model, layout, list);
        it->second = std::move(list);
        return true;
    }

    // Deletes a stored record, and the values carried for it.
    template <class M>
    void erase_record(const uuid& record) {
        store<M>().erase(record);
        forget_carried<M>(record);
    }

    // The values carried for a record go (it is deleted, or a device-owned record's newer
    // version replaces them).
    template <class M>
    void forget_carried(const uuid& record) {
        const auto it = carried.find(model_traits<M>::name);
        if (it != carried.end() && !it->second.empty()) tables->carried.erase(model_traits<M>::name, record);
    }

    hlc next_hlc() {
        clock_dirty = true;
        return clock.next();
    }

    // Every write path starts here: not into a read-only file, not inside library::read.
    void require_writable(const char* what) const {
        file.require_writable(what);
        if (reading) {
            throw error(errc::read_only, "hsync: " + std::string(what) +
                                             " inside library::read, which is a read transaction; write with "
                                             "with_tx instead");
        }
    }

    // Refuses a timestamp beyond the allowed drift (errc::clock_drift).
    hlc merge_remote_hlc(const hlc& remote) {
        clock_dirty = true;
        return clock.update(remote);
    }

    // A tombstone, or a later one for the same record; takes a seq only when it writes.
    bool put_tombstone(std::string_view model, const uuid& record, const hlc& stamp, const std::optional<uuid>& owner) {
        if (const auto existing = tables->tombs.find(model, record); existing && !(*existing < stamp)) return false;
        return tables->tombs.put(model, record, stamp, owner, next_seq());
    }

    // History up to `through` is served as snapshots from now on.
    void raise_log_floor(std::uint64_t through) {
        if (through <= log_floor) return;
        log_floor = through;
        file.save_u64("log_floor", log_floor);
    }

    // Queues the event of a change of M, delivered after the transaction commits.
    template <class M>
    void announce(change_type type, change_origin origin, const uuid& id, const M& value, const hlc& stamp) {
        const auto& slot = subscribers[models::template index_of<M>];
        if (!slot || slot->empty()) return;
        change<M> c{type, origin, record_id{id}, value, stamp};
        // The value of an insert or update is the version just written (seq): a handler
        // may keep it and commit an edit of it later.
        if (type != change_type::remove) {
            read_mark::set(get_field<model_traits<M>::id_index>(*c.value), serial, seq);
            kept_versions.note_read(seq);
        }
        pending.events.emplace_back([subscribers = slot, c = std::move(c)] {
            for (const auto& cb : *subscribers) cb(&c);
        });
    }

    // Whether the transaction's changes are collected for the engine to push: not when no
    // engine listens, nor past max_pushed_changes (then peers fetch them in pages).
    bool wants_outgoing() { return listener && pending.room_for_one_more(); }

    // A copy handed out: mark it as read from `version`, unless that version is not
    // committed yet (a read inside a transaction after writing the record), which may
    // never exist.
    template <class M>
    void mark_read(M& m, std::uint64_t version) {
        const auto& id = get_field<model_traits<M>::id_index>(m);
        if (version > committed_seq) {
            read_mark::set(id, 0, 0);
            return;
        }
        read_mark::set(id, serial, version);
        kept_versions.note_read(seq);
    }

    // A stored version about to be overwritten: kept while a copy of it may be out.
    template <class M>
    void keep_superseded(const stored_row<M>& row) {
        kept_versions.superseded(id_of(row.value), row.seq, row.value);
    }

    library_options options;
    library_file file;
    hlc_clock clock;
    const std::uint64_t serial = read_mark::next_library_serial();  // names this object in read marks
    read_versions<Ms...> kept_versions;  // replaced versions a copy may still be read from
    std::optional<tables_type> tables;
    // Per model name, the fields it carries for peers on another version
    // (layout_migration.hpp); only ever appended to while the library is open.
    std::map<std::string, std::vector<carried_field>, std::less<>> carried;
    statement begin;
    statement commit;

    std::recursive_mutex mutex;
    int depth = 0;                 // transaction nesting: 0 none, 1 the transaction, more savepoints
    bool reading = false;          // inside library::read: writes are refused
    bool clock_dirty = false;
    std::uint64_t seq = 0;            // the last seq handed out
    std::uint64_t committed_seq = 0;  // the last seq of a committed transaction
    hlc clock_at_begin{};             // the clock when the open transaction began
    std::uint64_t log_floor = 0;      // the log was pruned up to here
    pending_changes pending;
    std::array<callbacks, sizeof...(Ms)> subscribers;  // by model index
    std::shared_ptr<outgoing_listener> listener;  // the sync engine, when one is attached

private:
    // Values this device carried for fields the models now declare become column values:
    // a shared record's where it is the field's latest write, with its clock; a
    // device-owned record's where it belongs to the version stored. A value that is not of
    // the field's type now is left (layout_migration drops it).
    template <class M>
    void adopt_carried(const std::map<std::string, std::vector<std::string>, std::less<>>& adopted) {
        using traits = model_traits<M>;
        const auto names = adopted.find(traits::name);
        if (names == adopted.end()) return;
        for (const auto& name : names->second) {
            for_each_clocked<M>([&](std::size_t k, auto index) {
                constexpr std::size_t i = decltype(index)::value;
                if (traits::field_names[i] != name) return;
                for (auto& held : tables->carried.of_field(traits::name, name)) {
                    auto row = store<M>().find(held.record);
                    if (!row) continue;
                    M decoded{};
                    try {
                        unpack_fields(field_values(std::uint64_t{1} << k, std::move(held.packed)), decoded);
                    } catch (const error&) {
                        continue;
                    }
                    const bool owned = owner_of(row->value).has_value();
                    if (owned ? row->version != held.stamp : (row->clocks[k] && !(*row->clocks[k] < held.stamp))) continue;
                    get_field<i>(row->value) = std::move(get_field<i>(decoded));
                    if (!owned) row->clocks[k] = held.stamp;
                    store<M>().write(*row);
                }
            });
        }
    }

    static const uuid& checked_device(const identity& id) {
        if (id.device_id.is_nil()) {
            throw error(errc::wrong_device, "hsync: the identity's device id is nil; give each device a unique id");
        }
        return id.device_id;
    }
};

}  // namespace hsync::detail
