#pragma once
// A model's *field layout*: the names of its clocked fields (every synced field but the
// id) in slot order, which is what bit k of a field_values word refers to. Layouts change
// when a model gains or loses a field (an application update), and differ between
// devices on different versions of the models; values written in one layout are moved
// into another by field name (docs/models.md, "Evolving a model").

#include <bit>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hsync/core/error.hpp>
#include <hsync/detail/msgpack.hpp>
#include <hsync/model/traits.hpp>
#include <hsync/store/change.hpp>
#include <hsync/store/schema.hpp>

namespace hsync::detail {

using field_layout = std::vector<std::string>;

// This build's layout of M.
template <class M>
field_layout layout_of() {
    field_layout out;
    for (std::size_t i : clocked_indices<M>()) out.emplace_back(model_traits<M>::field_names[i]);
    return out;
}

// Where each slot of a source layout goes in a target layout: its slot there, or `none`
// for a field the target lacks.
class field_remap {
public:
    static constexpr std::size_t none = static_cast<std::size_t>(-1);

    field_remap() = default;
    field_remap(const field_layout& from, const field_layout& to) {
        identity_ = from == to;
        std::map<std::string_view, std::size_t> slot_of;  // a peer's layout may have 1,024 fields
        for (std::size_t j = 0; j < to.size(); ++j) slot_of.emplace(to[j], j);
        to_.reserve(from.size());
        for (const auto& name : from) {
            const auto it = slot_of.find(name);
            to_.push_back(it == slot_of.end() ? none : it->second);
        }
    }

    bool identity() const noexcept { return identity_; }
    std::size_t source_size() const noexcept { return to_.size(); }

    // The values moved into the target layout, in its slot order. `kept`, when given,
    // receives for each target value the position of its source value among the source's
    // values (so that a snapshot's per-field clocks can follow). Values of fields the
    // target lacks are left out. Throws errc::invalid_change for a bit beyond the source
    // layout or a value that is not one MessagePack item.
    field_values apply(const field_values& v, std::vector<std::size_t>* kept = nullptr) const {
        if (identity_ && !kept) return v;
        if (to_.size() < 64 && (v.fields >> to_.size()) != 0) {
            throw error(errc::invalid_change, "hsync: a change sets field number " +
                                                  std::to_string(static_cast<std::size_t>(std::countr_zero(v.fields >> to_.size())) + to_.size()) +
                                                  ", but its model has " + std::to_string(to_.size()) +
                                                  " synced fields besides its id");
        }
        struct moved {
            std::size_t slot;
            std::size_t source_position;
            std::string_view bytes;
        };
        std::vector<moved> out;
        mp_reader r(v.packed);
        std::size_t position = 0;
        for (std::size_t k = 0; k < to_.size() && k < 64; ++k) {
            if ((v.fields >> k & 1u) == 0) continue;
            std::string_view bytes;
            if (!r.read_raw(bytes)) {
                throw error(errc::invalid_change, "hsync: a change names more fields than it holds values");
            }
            if (to_[k] != none) out.push_back(moved{to_[k], position, bytes});
            ++position;
        }
        if (!r.at_end()) throw error(errc::invalid_change, "hsync: a change holds more values than the fields it names");
        // Insertion sort: a handful of fields, nearly always in order already.
        for (std::size_t i = 1; i < out.size(); ++i) {
            for (std::size_t j = i; j > 0 && out[j - 1].slot > out[j].slot; --j) std::swap(out[j - 1], out[j]);
        }
        field_values result;
        if (kept) kept->clear();
        for (const auto& m : out) {
            result.fields |= std::uint64_t{1} << m.slot;
            result.packed.append(m.bytes);
            if (kept) kept->push_back(m.source_position);
        }
        return result;
    }

private:
    std::vector<std::size_t> to_;
    bool identity_ = true;
};

// Whether `fuller` holds every value of `held` (the same fields with the same bytes) and
// perhaps more: the same change as `held`, with fields a device on an older version of the
// models left out when it relayed it.
inline bool extends(const field_values& fuller, const field_values& held) {
    if ((held.fields & ~fuller.fields) != 0) return false;
    mp_reader a(fuller.packed);
    mp_reader b(held.packed);
    for (std::uint64_t rest = fuller.fields; rest != 0; rest &= rest - 1) {
        const std::uint64_t bit = rest & (~rest + 1);
        std::string_view mine;
        if (!a.read_raw(mine)) return false;
        if ((held.fields & bit) == 0) continue;
        std::string_view theirs;
        if (!b.read_raw(theirs) || mine != theirs) return false;
    }
    return a.at_end() && b.at_end();
}

// A layout as stored in hsync_meta: the names, one per line.
inline std::string layout_text(const field_layout& layout) {
    std::string out;
    for (const auto& name : layout) out += name + "\n";
    return out;
}

inline field_layout layout_from_text(std::string_view text) {
    field_layout out;
    while (!text.empty()) {
        const auto end = text.find('\n');
        out.emplace_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return out;
}

// A field of another version of a model that this build lacks, kept for peers: its name
// and wire type as that version's Hello gave them (sync/schema.hpp).
struct carried_field {
    std::string name;
    std::string type;
    friend bool operator==(const carried_field&, const carried_field&) = default;
};

// Whether a peer's field can be carried: a name and a type of the characters models and
// wire types are made of (they are stored one per line), of reasonable length.
inline bool carriable(std::string_view name, std::string_view type) {
    const auto made_of = [](std::string_view text, std::string_view extra) {
        if (text.empty() || text.size() > 128) return false;
        for (const char c : text) {
            const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            if (!word && extra.find(c) == std::string_view::npos) return false;
        }
        return true;
    };
    return made_of(name, "") && made_of(type, "()");
}

inline std::string carried_text(const std::vector<carried_field>& fields) {
    std::string out;
    for (const auto& f : fields) out += f.name + " " + f.type + "\n";
    return out;
}

inline std::vector<carried_field> carried_from_text(std::string_view text) {
    std::vector<carried_field> out;
    for (const auto& line : layout_from_text(text)) {
        const auto space = line.find(' ');
        if (space == std::string::npos || !carriable(line.substr(0, space), line.substr(space + 1))) continue;
        out.push_back(carried_field{line.substr(0, space), line.substr(space + 1)});
    }
    return out;
}

}  // namespace hsync::detail
