#pragma once
// The schema a library shows a peer in the handshake (docs/protocol.md, "Hello"): for
// every model its sync name, strategy and synced fields in declaration order with their
// wire types, derived from the model list by reflection. Two devices sync when their
// schemas are equal; the hash makes the common case one comparison. When they differ,
// first_difference says where, in words a person can act on.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/hana/unpack.hpp>

#include <hsync/detail/printable.hpp>
#include <hsync/model/field_codec.hpp>
#include <hsync/model/traits.hpp>

namespace hsync::sync {

struct field_schema {
    std::string name;
    std::string type;  // field_codec<T>::wire_type(): "i64", "text", "opt(ref(location))"...
    friend bool operator==(const field_schema&, const field_schema&) = default;
};

struct model_schema {
    std::string name;
    std::string strategy;  // "shared", "device_owned" or "mixed"
    std::vector<field_schema> fields;
    friend bool operator==(const model_schema&, const model_schema&) = default;
};

struct library_schema {
    std::vector<model_schema> models;  // by name: the order the models are listed in does not matter
    friend bool operator==(const library_schema&, const library_schema&) = default;
};

// The canonical text of a schema, one line per model: what the hash is computed over.
inline std::string canonical_text(const library_schema& s) {
    std::string out;
    for (const auto& m : s.models) {
        out += m.name + " " + m.strategy + ":";
        for (const auto& f : m.fields) out += " " + f.name + " " + f.type + ";";
        out += "\n";
    }
    return out;
}

// 64-bit FNV-1a of the canonical text: equal schemas have equal hashes on every device.
inline std::uint64_t schema_hash(const library_schema& s) {
    std::uint64_t h = 14695981039346656037ull;
    for (const char c : canonical_text(s)) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace hsync::sync

namespace hsync::detail {

template <class M, std::size_t... I>
std::vector<sync::field_schema> synced_field_schemas(std::index_sequence<I...>) {
    using traits = model_traits<M>;
    return {sync::field_schema{std::string(traits::synced_field_names[I]),
                               field_codec<typename traits::template field_type<traits::synced_indices[I]>>::wire_type()}...};
}

template <class M>
sync::model_schema model_schema_of() {
    using traits = model_traits<M>;
    return sync::model_schema{std::string(traits::name), std::string(to_string(traits::strategy)),
                              synced_field_schemas<M>(std::make_index_sequence<traits::synced_count>{})};
}

}  // namespace hsync::detail

namespace hsync::sync {

// The schema of the models Ms, from their traits.
template <class... Ms>
library_schema schema_of() {
    library_schema s{{hsync::detail::model_schema_of<Ms>()...}};
    std::sort(s.models.begin(), s.models.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return s;
}

// The schema of a library type (hsync::library<Ms...>): what its engine sends in Hello.
template <class Library>
library_schema library_schema_of() {
    return boost::hana::unpack(Library::model_types(), [](auto... t) { return schema_of<typename decltype(t)::type...>(); });
}

// The first place where `theirs` (a peer's, from the network) differs from `mine`, said
// from this device's side; nullopt when they are equal.
inline std::optional<std::string> first_difference(const library_schema& mine, const library_schema& theirs) {
    const auto find = [](const std::vector<model_schema>& list, std::string_view name) -> const model_schema* {
        for (const auto& m : list) {
            if (m.name == name) return &m;
        }
        return nullptr;
    };
    const auto q = [](std::string_view text) { return "'" + hsync::detail::printable(text) + "'"; };
    for (const auto& m : mine.models) {
        const model_schema* t = find(theirs.models, m.name);
        if (!t) return "model " + q(m.name) + " is missing on the peer";
        if (t->strategy != m.strategy) {
            return "model " + q(m.name) + " is " + m.strategy + " here and " + q(t->strategy) + " on the peer";
        }
        for (std::size_t i = 0; i < m.fields.size() || i < t->fields.size(); ++i) {
            if (i >= t->fields.size()) return "model " + q(m.name) + ": field " + q(m.fields[i].name) + " is missing on the peer";
            if (i >= m.fields.size()) {
                return "model " + q(m.name) + ": the peer has a field " + q(t->fields[i].name) + " this device lacks";
            }
            const auto& a = m.fields[i];
            const auto& b = t->fields[i];
            if (a.name != b.name) {
                return "model " + q(m.name) + ": field " + std::to_string(i) + " is " + q(a.name) + " here and " +
                       q(b.name) + " on the peer";
            }
            if (a.type != b.type) {
                return "model " + q(m.name) + ": field " + q(a.name) + " is " + a.type + " here and " + q(b.type) +
                       " on the peer";
            }
        }
    }
    for (const auto& t : theirs.models) {
        if (!find(mine.models, t.name)) return "the peer has a model " + q(t.name) + " this device lacks";
    }
    if (mine != theirs) return "the peer lists a model twice";
    return std::nullopt;
}

}  // namespace hsync::sync
