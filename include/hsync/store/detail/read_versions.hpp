#pragma once
// Versions of records that copies handed out may have been read from, kept after a newer
// write replaced them, so that a commit from an old copy can tell which fields the
// application changed (a three-way merge against the version it read). Bounded in bytes:
// the oldest versions go first. See docs/storage.md, "Editing a copy".

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <tuple>
#include <utility>

#include <hsync/core/uuid.hpp>
#include <hsync/detail/record_size.hpp>
#include <hsync/detail/reflect.hpp>

namespace hsync::detail {

template <class... Ms>
class read_versions {
public:
    explicit read_versions(std::size_t budget_bytes) : budget_(budget_bytes) {}

    // A copy may have been handed out while the library stood at `position` (its seq).
    void note_read(std::uint64_t position) noexcept {
        if (position > last_read_) last_read_ = position;
    }

    // Version `version` of a record is being replaced: keep it if a copy of it may be out
    // (a read happened since it was written).
    template <class M>
    void superseded(const uuid& id, std::uint64_t version, const M& value) {
        if (budget_ == 0 || last_read_ < version) return;
        const std::size_t bytes = size_of(value);
        if (bytes > budget_) return;
        if (versions<M>().insert_or_assign(key{id, version}, value).second) {
            order_.push_back(entry{&erase_from<M>, key{id, version}, bytes});
            bytes_ += bytes;
        }
        while (bytes_ > budget_) evict_oldest();
    }

    template <class M>
    const M* find(const uuid& id, std::uint64_t version) const {
        const auto& map = std::get<std::map<key, M>>(maps_);
        const auto it = map.find(key{id, version});
        return it == map.end() ? nullptr : &it->second;
    }

    // A transaction was rolled back: versions written in it (seq above `committed`) never
    // existed, and their seqs will be handed out again.
    void forget_after(std::uint64_t committed) {
        std::erase_if(order_, [&](const entry& e) {
            if (e.id_version.second <= committed) return false;
            erase(e);
            return true;
        });
    }

    std::size_t bytes() const noexcept { return bytes_; }
    std::size_t size() const noexcept { return order_.size(); }

private:
    using key = std::pair<uuid, std::uint64_t>;
    // A kept version in the order of eviction, with the eraser of its model's map.
    struct entry {
        void (*erase_from)(read_versions&, const key&);
        key id_version;  // (record id, seq of the version)
        std::size_t bytes;
    };

    template <class M>
    std::map<key, M>& versions() {
        return std::get<std::map<key, M>>(maps_);
    }

    template <class M>
    static void erase_from(read_versions& self, const key& k) {
        self.versions<M>().erase(k);
    }

    // What a kept version costs: the object and the heap bytes of its strings and blobs,
    // plus the map node.
    template <class M>
    static std::size_t size_of(const M& m) {
        std::size_t bytes = sizeof(M) + sizeof(key) + 4 * sizeof(void*);
        for_each_field_index<M>([&](auto index) { bytes += variable_bytes(get_field<decltype(index)::value>(m)); });
        return bytes;
    }

    void erase(const entry& e) {
        e.erase_from(*this, e.id_version);
        bytes_ -= e.bytes;
    }

    void evict_oldest() {
        erase(order_.front());
        order_.pop_front();
    }

    std::size_t budget_;
    std::size_t bytes_ = 0;
    std::uint64_t last_read_ = 0;
    std::deque<entry> order_;
    std::tuple<std::map<key, Ms>...> maps_;
};

}  // namespace hsync::detail
