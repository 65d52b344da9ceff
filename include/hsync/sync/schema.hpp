#pragma once
// The schema a library shows a peer in the handshake (docs/protocol.md, "Hello"): for
// every model its sync name, strategy and synced fields in declaration order with their
// wire types, derived from the model list by reflection. What two devices whose schemas
// differ can sync is sync/detail/peer_schema.hpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/hana/unpack.hpp>

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

}  // namespace hsync::sync
