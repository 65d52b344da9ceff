#pragma once
// The local commit paths, inside an open transaction. A device-owned record is written
// whole, stamped with this device's HLC; a shared record logs the fields that differ
// from the stored row under a new HLC. A copy read earlier is first merged onto the
// stored row, so that it changes only what the application changed.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>


#include <hsync/core/error.hpp>
#include <hsync/core/hlc.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/detail/read_mark.hpp>
#include <hsync/detail/record_size.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/field_changes.hpp>
#include <hsync/store/detail/library_state.hpp>
#include <hsync/store/detail/records.hpp>

namespace hsync::detail {

template <class... Ms>
class local_writes {
public:
    explicit local_writes(library_state<Ms...>& s) noexcept : s_(s) {}

    // Returns the seq of the version the record now has when that version equals m (so
    // that m can be marked as read from it), 0 otherwise.
    template <class M>
    std::uint64_t commit(const M& m) {
        static_assert(library_state<Ms...>::models::template contains<M>,
                      "hsync: commit: M is not a model of this library; add it to hsync::library<...>");
        s_.require_writable("commit");
        const uuid& id = id_of(m);
        if (id.is_nil()) {
            refuse<M>(errc::invalid_change, id, "the record id is nil; set it with hsync::record_id::generate()");
        }
        check_record_size(m, id);
        if (s_.tables->tombs.find(model_traits<M>::name, id)) {
            refuse<M>(errc::record_deleted, id,
                      "this record was deleted, and deletes are final; commit a new record with a new id");
        }
        auto existing = s_.template store<M>().find(id);
        bool whole = true;
        const std::optional<M> merged = existing ? merge_onto_stored(m, *existing, whole) : std::nullopt;
        const M& record = merged ? *merged : m;
        const auto owner = owner_of(record);
        if (existing && owner_of(existing->value) != owner) {
            refuse<M>(errc::not_owner, id,
                      "a record's owner never changes (stored: " + owner_text(owner_of(existing->value)) +
                          ", committed: " + owner_text(owner) + ")");
        }
        const std::uint64_t made = owner ? commit_owned(record, id, *owner, existing) : commit_shared(record, id, existing);
        if (!whole) return 0;
        // The caller may mark its copy as this version once the transaction commits: keep
        // the version from then on if a later write replaces it.
        s_.kept_versions.note_read(made);
        return made;
    }

    // Deletes a record: a tombstone, and a log entry for a shared record.
    template <class M>
    void remove(const uuid& id) {
        static_assert(library_state<Ms...>::models::template contains<M>,
                      "hsync: remove: M is not a model of this library; add it to hsync::library<...>");
        s_.require_writable("remove");
        auto existing = s_.template store<M>().find(id);
        if (!existing) {
            if (s_.tables->tombs.find(model_traits<M>::name, id)) return;  // already deleted
            refuse<M>(errc::not_found, id, "no such record to remove");
        }
        const auto owner = owner_of(existing->value);
        if (owner && *owner != s_.device_id()) {
            refuse<M>(errc::not_owner, id, "owned by device " + owner->to_string() + "; only the owning device removes it");
        }
        const hlc stamp = s_.next_hlc();
        const std::uint64_t seq = s_.next_seq();
        s_.template erase_record<M>(id);
        s_.tables->tombs.put(model_traits<M>::name, id, stamp, owner, seq);
        if (owner) {
            if (s_.wants_outgoing()) {
                s_.pending.push_state(
                    state_record{std::string(model_traits<M>::name), id, *owner, stamp, true, {}});
            }
        } else {
            shared_entry entry{stamp, std::string(model_traits<M>::name), id, change_type::remove, {}};
            s_.tables->log.append(entry, seq);
            if (s_.wants_outgoing()) s_.pending.push_shared(std::move(entry));
        }
        s_.announce(change_type::remove, change_origin::local, id, existing->value, stamp);
    }

    // After a commit that returned: the application's copy is now of the version it made.
    template <class M>
    void remark(const M& m, std::uint64_t made) {
        if (made == 0) return;
        read_mark::set(get_field<model_traits<M>::id_index>(m), s_.serial, made);
    }

private:
    // The edit of a copy read from an older version than the stored one, merged onto the
    // stored record; nullopt when the copy is of the stored version or was not read from
    // this library (then it is written as it is). `whole` tells whether the merge kept
    // every field of the copy.
    template <class M>
    std::optional<M> merge_onto_stored(const M& m, const stored_row<M>& stored, bool& whole) {
        const auto mark = read_mark::of(get_field<model_traits<M>::id_index>(m));
        if (mark.library != s_.serial || mark.version == stored.seq) return std::nullopt;
        const M* base = s_.kept_versions.template find<M>(id_of(m), mark.version);
        if (!base) {
            refuse<M>(errc::stale_copy, id_of(m),
                      "this copy was read from version " + std::to_string(mark.version) +
                          " of the record, which was written since and is no longer kept "
                          "(library_options::read_version_memory), so hsync cannot tell which fields you "
                          "changed. Read the record again and redo the edit, or edit with update<M>()");
        }
        M merged = stored.value;
        whole = merge_edit(*base, m, merged);
        return merged;
    }

    template <class M>
    std::uint64_t commit_owned(const M& m, const uuid& id, const uuid& owner, const std::optional<stored_row<M>>& existing) {
        if (owner != s_.device_id()) {
            refuse<M>(errc::not_owner, id,
                      "owned by device " + owner.to_string() + "; only the owning device commits it (this is " +
                          s_.device_id().to_string() + ")");
        }
        const hlc version = s_.next_hlc();
        stored_row<M> row{m, s_.next_seq(), version, {}, {}};
        if (existing) s_.keep_superseded(*existing);
        s_.template store<M>().write(row);
        const change_type type = existing ? change_type::update : change_type::insert;
        s_.announce(type, change_origin::local, id, m, version);
        if (s_.wants_outgoing()) {
            s_.pending.push_state(state_record{std::string(model_traits<M>::name), id, owner, version, false, pack_all(m)});
        }
        return row.seq;
    }

    template <class M>
    std::uint64_t commit_shared(const M& m, const uuid& id, const std::optional<stored_row<M>>& existing) {
        field_mask<M> changed{};
        if (existing) {
            changed = changed_fields(existing->value, m);
        } else {
            changed.fill(true);
        }
        const bool any_synced = std::find(changed.begin(), changed.end(), true) != changed.end();
        if (!any_synced && existing && !local_fields_differ(existing->value, m)) return existing->seq;  // nothing to do

        stored_row<M> row;
        row.value = m;
        row.seq = s_.next_seq();
        if (existing) {
            row.clocks = existing->clocks;
            s_.keep_superseded(*existing);
        }
        hlc stamp{};
        if (any_synced) {
            stamp = s_.next_hlc();
            for (std::size_t k = 0; k < changed.size(); ++k) {
                if (changed[k]) row.clocks[k] = stamp;
            }
        }
        s_.template store<M>().write(row);
        const change_type type = existing ? change_type::update : change_type::insert;
        if (any_synced) {
            shared_entry entry{stamp, std::string(model_traits<M>::name), id, type, pack_fields(m, changed)};
            s_.tables->log.append(entry, row.seq);
            if (s_.wants_outgoing()) s_.pending.push_shared(std::move(entry));
        }
        s_.announce(type, change_origin::local, id, m, stamp);
        return row.seq;
    }

    library_state<Ms...>& s_;
};

}  // namespace hsync::detail
