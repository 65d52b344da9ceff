#pragma once
// Keeps the change log readable across an application update. A log entry's values are
// packed by field slot (store/detail/field_layout.hpp), so when a model gains a field,
// loses one, or a field moves, the entries written before are moved into the new layout
// by name, in the transaction that opens the library; hsync_meta remembers each model's
// layout ('layout <model>'). And when the models gain a field or a model, the values
// peers sent before this device knew it were not kept: the device fetches its peers'
// history again, so that it ends with them (docs/storage.md, "After an update").
//
// A model's layout is its own synced fields followed by its *carried* fields: fields that
// peers on another version of the models have and this build lacks, appended at the
// handshake that shows them ('carried <model>', one "name type" per line). Their values
// are kept in the log and in hsync_carried and served on, so that a third device receives
// them intact; once an update declares such a field, its values move into the column
// (docs/models.md, "Evolving a model").

#include <algorithm>
#include <cstdint>
#include <map>
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
        (m.models_.push_back(read_model<Ms>(db)), ...);
        if (read_only) {
            for (const auto& model : m.models_) {
                if (model.before.layout && *model.before.layout != model.now) {
                    throw error(errc::schema_mismatch, "hsync: model '" + model.name +
                                                           "' has changed its synced fields since this library was "
                                                           "last written; open it once to write (that moves its log) "
                                                           "before opening it read-only");
                }
            }
        }
        return m;
    }

    // Moves the log into this build's layouts and records them.
    void finish(SQLite::Database& db, bool read_only) {
        if (read_only) return;
        bool learned = false;
        for (const auto& model : models_) learned = migrate(db, model) || learned;
        if (learned) {
            db.exec("UPDATE hsync_peers SET received_through = 0");
            db.exec("DELETE FROM hsync_backfill_checkpoints");
        }
    }

    // Records that `model` now carries `carried`, appended to its layout `layout` (what a
    // peer's handshake added while the library is open: library_state::carry).
    static void record_carried(SQLite::Database& db, std::string_view model, const field_layout& layout,
                               const std::vector<carried_field>& carried) {
        write_meta(db, key_of(model), layout_text(layout));
        write_meta(db, "carried " + std::string(model), carried_text(carried));
    }

    // The fields each model carried until now and declares from this open: their values
    // become column values (library_state::adopt_carried), by model name.
    std::map<std::string, std::vector<std::string>, std::less<>> adopted() const {
        std::map<std::string, std::vector<std::string>, std::less<>> out;
        for (const auto& model : models_) {
            for (const auto& f : model.held) {
                if (std::find(model.own.begin(), model.own.end(), f.name) != model.own.end()) out[model.name].push_back(f.name);
            }
        }
        return out;
    }

    // Each model's carried fields, by model name.
    std::map<std::string, std::vector<carried_field>, std::less<>> carried() const {
        std::map<std::string, std::vector<carried_field>, std::less<>> out;
        for (const auto& model : models_) out.emplace(model.name, model.carried);
        return out;
    }

private:
    struct before {
        std::optional<field_layout> layout;  // nullopt: the model's table is new
        bool recorded = false;               // in hsync_meta (files written before layouts were recorded lack it)
    };

    struct model_plan {
        std::string name;
        struct before before;
        std::vector<carried_field> held;     // what the last open carried
        std::vector<carried_field> carried;  // what this open carries
        field_layout own;                    // this build's fields
        field_layout now;                    // own fields, then carried ones
        bool carried_changed = false;
    };

    // hsync_meta values of this file, read and written once per open (or per new field
    // a peer shows): no statement worth keeping prepared.
    static std::optional<std::string> read_meta(SQLite::Database& db, const std::string& key) {
        SQLite::Statement q(db, "SELECT value FROM hsync_meta WHERE key = ?");
        q.bind(1, key);
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
    }
    static void write_meta(SQLite::Database& db, const std::string& key, const std::string& value) {
        SQLite::Statement q(db, "INSERT INTO hsync_meta (key, value) VALUES (?, ?) "
                                "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        q.bind(1, key);
        q.bind(2, value);
        q.exec();
    }

    template <class M>
    static model_plan read_model(SQLite::Database& db) {
        model_plan plan;
        plan.name = std::string(model_traits<M>::name);
        plan.before = stored_layout<M>(db);
        plan.own = layout_of<M>();
        plan.now = plan.own;
        const auto own = [&](const std::string& field) {
            return std::find(plan.now.begin(), plan.now.end(), field) != plan.now.end();
        };
        // The fields carried so far, less those the models now declare (their values become
        // column values: adopt_carried) and those the field word has no room for any more.
        plan.held = carried_from_text(read_meta(db, "carried " + plan.name).value_or(""));
        for (const auto& f : plan.held) {
            const bool known = own(f.name) || std::any_of(plan.carried.begin(), plan.carried.end(),
                                                          [&](const carried_field& c) { return c.name == f.name; });
            if (!known && plan.now.size() + plan.carried.size() < 64) plan.carried.push_back(f);  // one field word
        }
        plan.carried_changed = plan.carried != plan.held;
        for (const auto& f : plan.carried) plan.now.push_back(f.name);
        return plan;
    }

    static std::string key_of(std::string_view model) { return "layout " + std::string(model); }

    template <class M>
    static before stored_layout(SQLite::Database& db) {
        using traits = model_traits<M>;
        if (const auto text = read_meta(db, key_of(traits::name))) return {layout_from_text(*text), true};
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

    // Returns whether the model gained a field (or is new) since the log was written.
    static bool migrate(SQLite::Database& db, const model_plan& plan) {
        const bool same = plan.before.layout && *plan.before.layout == plan.now;
        if (!same && plan.before.layout) move_log(db, plan.name, field_remap(*plan.before.layout, plan.now));
        if (!same || !plan.before.recorded) write_meta(db, key_of(plan.name), layout_text(plan.now));
        if (plan.carried_changed) {
            // Values of fields no longer carried: the models now declare them (their values
            // were moved into the columns before: library_state's adopt_carried), or the
            // field word has no room left.
            SQLite::Statement gone(db, "DELETE FROM hsync_carried WHERE model = ? AND field = ?");
            for (const auto& f : plan.held) {
                if (std::find(plan.carried.begin(), plan.carried.end(), f) != plan.carried.end()) continue;
                gone.bind(1, plan.name);
                gone.bind(2, f.name);
                gone.exec();
                gone.reset();
            }
            write_meta(db, "carried " + plan.name, carried_text(plan.carried));
        }
        if (!plan.before.layout) return true;
        return std::any_of(plan.now.begin(), plan.now.end(), [&](const std::string& name) {
            return std::find(plan.before.layout->begin(), plan.before.layout->end(), name) == plan.before.layout->end();
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

    std::vector<model_plan> models_;
};

}  // namespace hsync::detail
