#pragma once
// Keeps the change log readable across an application update. A log entry's values are
// packed by field slot (store/detail/field_layout.hpp), so when a model gains a field,
// loses one, or a field moves, the entries written before are moved into the new layout
// by name, in the transaction that opens the library; hsync_meta remembers each model's
// layout ('layout <model>'). And when the models gain a field or a model, the values
// peers sent before this device knew it were not kept: the device fetches its peers'
// history again, so that it ends with them (docs/storage.md, "After an update").

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <hsync/core/error.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/detail/field_layout.hpp>
#include <hsync/store/schema.hpp>

namespace hsync::detail {

class layout_migration {
public:
    // Reads the layouts the log was written in; call before the model tables are created
    // or altered. A read-only open of a file whose models changed is an error: moving
    // its log (and adding columns) needs an open to write.
    template <class... Ms>
    static layout_migration before_open(SQLite::Database& db, bool read_only) {
        layout_migration m;
        (m.before_.push_back(stored_layout<Ms>(db)), ...);
        if (read_only) {
            std::size_t i = 0;
            (check_unchanged<Ms>(m.before_[i++]), ...);
        }
        return m;
    }

    // Moves the log into this build's layouts and records them.
    template <class... Ms>
    void finish(SQLite::Database& db, bool read_only) {
        if (read_only) return;
        std::size_t i = 0;
        bool learned = false;
        ((learned = migrate<Ms>(db, before_[i++]) || learned), ...);
        if (learned) {
            db.exec("UPDATE hsync_peers SET received_through = 0");
            db.exec("DELETE FROM hsync_backfill_checkpoints");
        }
    }

private:
    struct before {
        std::optional<field_layout> layout;  // nullopt: the model's table is new
        bool recorded = false;               // in hsync_meta (files written before layouts were recorded lack it)
    };

    static std::string key_of(std::string_view model) { return "layout " + std::string(model); }

    template <class M>
    static before stored_layout(SQLite::Database& db) {
        using traits = model_traits<M>;
        {
            SQLite::Statement q(db, "SELECT value FROM hsync_meta WHERE key = ?");
            q.bind(1, key_of(traits::name));
            if (q.executeStep()) return {layout_from_text(q.getColumn(0).getString()), true};
        }
        if (!db.tableExists(std::string(traits::name))) return {};
        // A file from before layouts were recorded: its log was written in the order of the
        // table's columns (created in declaration order, added ones appended), restricted to
        // the fields this build still syncs.
        const field_layout now = layout_of<M>();
        field_layout derived;
        SQLite::Statement info(db, "PRAGMA table_info(" + quote_identifier(traits::name) + ")");
        while (info.executeStep()) {
            const std::string column = info.getColumn(1).getString();
            if (std::find(now.begin(), now.end(), column) != now.end()) derived.push_back(column);
        }
        return {std::move(derived), false};
    }

    template <class M>
    static void check_unchanged(const before& b) {
        if (b.layout && *b.layout != layout_of<M>()) {
            throw error(errc::schema_mismatch, "hsync: model '" + std::string(model_traits<M>::name) +
                                                   "' has changed its synced fields since this library was last "
                                                   "written; open it once to write (that moves its log) before "
                                                   "opening it read-only");
        }
    }

    // Returns whether M gained a field (or is new) since the log was written.
    template <class M>
    static bool migrate(SQLite::Database& db, const before& b) {
        using traits = model_traits<M>;
        const field_layout now = layout_of<M>();
        const bool same = b.layout && *b.layout == now;
        if (!same && b.layout) move_log(db, traits::name, field_remap(*b.layout, now));
        if (!same || !b.recorded) {
            SQLite::Statement save(db, "INSERT INTO hsync_meta (key, value) VALUES (?, ?) "
                                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
            save.bind(1, key_of(traits::name));
            save.bind(2, layout_text(now));
            save.exec();
        }
        if (!b.layout) return true;
        return std::any_of(now.begin(), now.end(), [&](const std::string& name) {
            return std::find(b.layout->begin(), b.layout->end(), name) == b.layout->end();
        });
    }

    // Rewrites the model's log entries into the new layout. An update left with no field
    // (it changed only fields no longer synced) is removed: it changes nothing a peer knows.
    static void move_log(SQLite::Database& db, std::string_view model, const field_remap& remap) {
        struct moved {
            std::int64_t seq;
            std::optional<field_values> values;
        };
        std::vector<moved> rows;
        {
            SQLite::Statement q(db, "SELECT seq, change_type, fields, data FROM hsync_shared_log WHERE model = ?");
            q.bind(1, std::string(model));
            while (q.executeStep()) {
                const auto type = static_cast<change_type>(q.getColumn(1).getInt());
                const auto col = q.getColumn(3);
                const field_values old(static_cast<std::uint64_t>(q.getColumn(2).getInt64()),
                                       std::string(static_cast<const char*>(col.getBlob()),
                                                   static_cast<std::size_t>(col.getBytes())));
                field_values now = remap.apply(old);
                const bool empty_update = type == change_type::update && now.empty();
                rows.push_back(moved{q.getColumn(0).getInt64(), empty_update ? std::nullopt : std::optional(std::move(now))});
            }
        }
        SQLite::Statement update(db, "UPDATE hsync_shared_log SET fields = ?, data = ? WHERE seq = ?");
        SQLite::Statement remove(db, "DELETE FROM hsync_shared_log WHERE seq = ?");
        for (const auto& r : rows) {
            if (!r.values) {
                remove.bind(1, r.seq);
                remove.exec();
                remove.reset();
                continue;
            }
            update.bind(1, static_cast<std::int64_t>(r.values->fields));
            update.bind(2, r.values->packed.data(), static_cast<int>(r.values->packed.size()));
            update.bind(3, r.seq);
            update.exec();
            update.reset();
        }
    }

    std::vector<before> before_;
};

}  // namespace hsync::detail
