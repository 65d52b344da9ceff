#pragma once
// hsync::replica: what sync reads and writes of a library. The sync engine reaches the
// library only through it; tests and tools that stand in for a peer use it too. An
// application that only commits and reads never needs it.
//
//     hsync::replica r(lib);   // a view: cheap, holds a reference to lib
//     r.apply_shared_changes(entries);
//
// Every member may be called from any thread (the library's mutex serializes them). Each
// write is one transaction of its own, or a savepoint inside one already open.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hsync/core/error.hpp>
#include <hsync/core/uuid.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/detail/history.hpp>
#include <hsync/store/detail/library_state.hpp>
#include <hsync/store/detail/remote_apply.hpp>
#include <hsync/store/detail/transactions.hpp>
#include <hsync/store/library.hpp>

namespace hsync {

template <class... Ms>
class replica {
    using models = detail::model_list<Ms...>;
    using state = detail::library_state<Ms...>;

public:
    explicit replica(library<Ms...>& lib) noexcept : s_(*lib.state_) {}

    // ---- who this is ------------------------------------------------------------------

    const uuid& device_id() const noexcept { return s_.device_id(); }
    const uuid& library_id() const noexcept { return s_.file.library_id(); }
    const std::filesystem::path& path() const noexcept { return s_.file.path(); }
    // The thread that checkpoints the WAL (library_options::checkpoints), if it runs.
    const detail::wal_checkpointer* checkpointer() const noexcept { return s_.file.checkpointer(); }
    bool read_only() const noexcept { return s_.options.read_only; }

    // ---- the model list ---------------------------------------------------------------

    static constexpr auto model_types() { return models::types; }

    // Model names in the order a batch applies them (required references first).
    static std::vector<std::string_view> apply_order_names() {
        std::vector<std::pair<std::size_t, std::string_view>> ranked{{models::template rank<Ms>(), model_traits<Ms>::name}...};
        std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<std::string_view> out;
        for (const auto& r : ranked) out.push_back(r.second);
        return out;
    }

    // Whether the named model has shared records (a shared or a mixed model).
    static bool is_shared_model(std::string_view name) {
        const auto s = models::strategy_of(name);
        return s && *s != strategy::device_owned;
    }

    // Whether records of the named model can be device-owned (device-owned or mixed).
    static bool is_owned_model(std::string_view name) {
        const auto s = models::strategy_of(name);
        return s && *s != strategy::shared;
    }

    // ---- what this device commits -----------------------------------------------------

    // The engine's subscription: called after each committed local transaction with what
    // it sends to peers. One library has one engine: attaching a second is an error.
    void attach(std::function<void(const outgoing_changes&)> listener) {
        std::lock_guard lock(s_.mutex);
        if (s_.listener) {
            throw error(errc::library_in_use, "hsync: " + s_.file.path().string() +
                                                  " already has a sync engine attached; run one engine (one "
                                                  "net::node) per library object");
        }
        s_.listener = std::make_shared<typename state::outgoing_listener>(std::move(listener));
    }
    void detach() noexcept {
        std::lock_guard lock(s_.mutex);
        s_.listener = nullptr;
    }

    // ---- applying what peers send (all or nothing per call) ----------------------------

    // Shared log entries. A malformed change, an unknown model or a timestamp beyond the
    // allowed drift throws hsync::error and nothing of the batch is written.
    apply_result apply_shared_changes(std::span<const shared_entry> entries) {
        return write([&] { return detail::remote_apply<Ms...>(s_).shared_changes(entries); });
    }
    apply_result apply_shared_changes(const shared_entry& e) { return apply_shared_changes(std::span(&e, 1)); }

    // Device-owned states, with the same rule.
    apply_result apply_states(std::span<const state_record> records) {
        return write([&] { return detail::remote_apply<Ms...>(s_).states(records); });
    }
    apply_result apply_states(const state_record& r) { return apply_states(std::span(&r, 1)); }

    // Snapshots of shared records, with the same rule.
    apply_result apply_snapshots(std::span<const shared_snapshot> records) {
        return write([&] { return detail::remote_apply<Ms...>(s_).snapshots(records); });
    }

    // ---- serving this device's history --------------------------------------------------

    // The seq of the last committed change: every row write, delete and log entry this
    // device stores (its own or applied from peers) takes the next one.
    std::uint64_t current_seq() const {
        std::lock_guard lock(s_.mutex);
        return s_.committed_seq;
    }

    state_page state_changes(std::string_view model, std::uint64_t since, std::size_t limit) const {
        std::lock_guard lock(s_.mutex);
        return detail::history<Ms...>(s_).state_changes(model, since, limit);
    }

    // Of one model when `model` is given, else of every model with shared records.
    shared_page shared_changes(std::uint64_t since, std::size_t limit, bool snapshot = false,
                               std::string_view model = {}) const {
        std::lock_guard lock(s_.mutex);
        return detail::history<Ms...>(s_).shared_changes(since, limit, snapshot, model);
    }

    // ---- the shared change log ----------------------------------------------------------

    std::size_t log_size() const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->log.size();
    }
    // The seq up to which the log was pruned: history at or below it is served as snapshots.
    std::uint64_t log_floor() const {
        std::lock_guard lock(s_.mutex);
        return s_.log_floor;
    }
    // The seq of the (n+1)-th oldest log entry, if the log holds that many.
    std::optional<std::uint64_t> nth_oldest_log_seq(std::size_t n) const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->log.nth_oldest_seq(n);
    }
    // Removes the log entries this device stored up to `through` (its seq). Peers that
    // still need older history get a snapshot of the shared tables instead.
    std::size_t prune_log_through(std::uint64_t through) {
        return write([&] {
            const std::size_t removed = s_.tables->log.prune_through_seq(through);
            s_.raise_log_floor(through);
            return removed;
        });
    }

    // ---- peers ----------------------------------------------------------------------------

    // Pairs `peer`; `device_key` is its full device id (net::device_id as text), which TLS
    // checks its certificate against. Pairing by uuid alone keeps a key given before.
    void pair(const uuid& peer, std::optional<std::string> device_key = std::nullopt) {
        write([&] { s_.tables->peers.pair(peer, device_key); });
    }
    // The full device ids of the paired peers.
    std::vector<std::string> paired_device_keys() const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->peers.paired_keys();
    }
    // Whether `peer` is paired under this full device id: a read, no write lock, so that a
    // TLS handshake never waits for a writer.
    bool is_paired(const uuid& peer, std::string_view device_key) const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->peers.paired_with_key(peer, device_key);
    }
    void unpair(const uuid& peer) {
        write([&] { s_.tables->peers.unpair(peer); });
    }
    std::vector<uuid> paired_peers() const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->peers.paired();
    }
    detail::peer_book::peer_record peer(const uuid& id) const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->peers.get(id);
    }
    // How far this device holds the peer's history (the peer's seq); only moves forward.
    void set_received_through(const uuid& peer, std::uint64_t seq) {
        write([&] { s_.tables->peers.set_received_through(peer, seq); });
    }
    // How far the peer acknowledged this device's history (this device's seq).
    void set_acked_by_peer(const uuid& peer, std::uint64_t seq) {
        write([&] { s_.tables->peers.set_acked_by_peer(peer, seq); });
    }
    std::optional<std::uint64_t> min_acked_by_paired() const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->peers.min_acked_by_paired();
    }
    // Where a backfill from `peer` resumes, per phase; cleared once it completed.
    void set_checkpoint(const uuid& peer, std::string_view phase, std::uint64_t seq) {
        write([&] { s_.tables->peers.set_checkpoint(peer, phase, seq); });
    }
    std::optional<std::uint64_t> checkpoint(const uuid& peer, std::string_view phase) const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->peers.checkpoint(peer, phase);
    }
    void clear_checkpoints(const uuid& peer) {
        write([&] { s_.tables->peers.clear_checkpoints(peer); });
    }
    // The fields each model carries for peers on another version of the models
    // (store/detail/layout_migration.hpp); a Hello lists them.
    std::map<std::string, std::vector<detail::carried_field>, std::less<>> carried_fields() const {
        std::lock_guard lock(s_.mutex);
        return s_.carried;
    }
    // Starts carrying the fields of `model` a peer has and this device neither declares
    // nor carries; from now on their values are kept and served on. Fields that cannot be
    // kept (odd names, or more than fit in a field word) are left out. Whether any was
    // added.
    bool carry(std::string_view model, const std::vector<detail::carried_field>& fields) {
        std::lock_guard lock(s_.mutex);
        auto before = s_.carried;
        try {
            return write([&] { return s_.carry(model, fields); });
        } catch (...) {
            s_.carried = std::move(before);  // the transaction wrote nothing
            throw;
        }
    }

    // Why the last handshake with `peer` was refused (peer_status::refused_because), kept in
    // the file for `hsync status`; cleared by a handshake that succeeds.
    void set_refusal(const uuid& peer, std::string_view why) {
        write([&] { s_.tables->peers.set_refusal(peer, why); });
    }
    void clear_refusal(const uuid& peer) {
        if (refusal(peer)) write([&] { s_.tables->peers.clear_refusal(peer); });
    }
    std::optional<std::string> refusal(const uuid& peer) const {
        std::lock_guard lock(s_.mutex);
        return s_.tables->peers.refusal(peer);
    }

    // Runs fn in one transaction (a savepoint inside an open one): several of the writes
    // above, all or nothing.
    template <class F>
    decltype(auto) with_tx(F&& fn) {
        return write(fn);
    }

    // The same for changes a peer can send again (a catch-up page with its checkpoint):
    // the commit does not wait for the disk, even in a library of durability::full. A
    // power loss may undo such a transaction, never tear it, and the next catch-up round
    // fetches the page again; the round's end (received_through, then the Ack) is a
    // transaction that waits, and makes every page before it durable. Saves an fsync per
    // page of a backfill. Local commits keep the library's durability.
    template <class F>
    decltype(auto) with_refetchable_tx(F&& fn) {
        return write(fn, detail::commit_wait::none);
    }

private:
    struct handle {};

    template <class F>
    decltype(auto) write(F&& fn, detail::commit_wait wait = detail::commit_wait::disk) {
        auto body = [&](handle&) { return fn(); };
        handle h;
        return detail::run_transaction(s_, h, body, wait);
    }

    state& s_;
};

template <class... Ms>
replica(library<Ms...>&) -> replica<Ms...>;

}  // namespace hsync
