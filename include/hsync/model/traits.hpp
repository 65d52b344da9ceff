#pragma once
// hsync::model_traits<M>: everything sync needs to know about a model, derived from the
// struct at compile time. A model that cannot be synced stops compilation here with a
// static_assert that starts with "hsync:" and says what to change.

#include <array>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <hsync/detail/meta.hpp>
#include <hsync/detail/reflect.hpp>
#include <hsync/detail/type_name.hpp>
#include <hsync/model/column.hpp>
#include <hsync/model/markers.hpp>
#include <hsync/model/type_list.hpp>

namespace hsync {

enum class strategy {
    device_owned,  // has an owner_id: only the owner writes, its state replicates
    shared,        // no owner field: any device writes, changes go through the HLC log
    mixed,         // std::optional<owner_id>: per record, owned when the owner is set
};

constexpr std::string_view to_string(strategy s) noexcept {
    switch (s) {
        case strategy::device_owned: return "device_owned";
        case strategy::shared: return "shared";
        case strategy::mixed: return "mixed";
    }
    return "shared";
}

// A field known to peers and in the library file by another name than its C++ one, so
// that renaming the C++ field never reaches them (docs/models.md, "Evolving a model"):
//
//   static constexpr std::array sync_fields{hsync::sync_field{"body", "text"}};
struct sync_field {
    std::string_view field;  // the C++ field, as declared
    std::string_view name;   // the name peers and the library file know it by
};

// The index reported for a field a model does not have (owner_index of a shared model).
inline constexpr std::size_t no_field = std::numeric_limits<std::size_t>::max();

namespace detail {

template <class F>
inline constexpr bool is_owner_field = std::is_same_v<F, owner_id> || std::is_same_v<F, std::optional<owner_id>>;

template <class F>
inline constexpr bool is_marker = std::is_same_v<F, record_id> || is_owner_field<F>;

// local<record_id> and the like: an identity that would never leave the device.
template <class F>
inline constexpr bool is_local_marker = false;
template <class T>
inline constexpr bool is_local_marker<local<T>> = is_marker<T>;

// ref<M> or std::optional<ref<M>>, synced: the model it refers to.
template <class F>
struct referenced_model {
    using type = void;
    static constexpr bool required = false;
};
template <class M>
struct referenced_model<ref<M>> {
    using type = M;
    static constexpr bool required = true;
};
template <class M>
struct referenced_model<std::optional<ref<M>>> {
    using type = M;
    static constexpr bool required = false;
};

template <class F>
consteval bool is_supported_field() {
    return column_type<F> && !is_local_marker<F>;
}

// Instantiated once per field, so that a compiler's "required from" note names the
// model, the field's index and its type.
template <class M, std::size_t Index, class Field>
struct check_field {
    static_assert(!is_local_marker<Field>,
                  "hsync: a record_id or owner field cannot be hsync::local<>; the record's "
                  "identity and owner must travel with it, so remove the local<> wrapper");
    static_assert(is_supported_field<Field>() || is_local_marker<Field>,
                  "hsync: a model field has a type with no column mapping (see the 'check_field' "
                  "note for the model, field index and type); use an integer, bool, float or "
                  "double, std::string, std::vector<std::byte> or std::vector<std::uint8_t>, "
                  "hsync::uuid, std::chrono::system_clock::time_point, an enum, std::optional of "
                  "one of those, or a marker (record_id, owner_id, local<T>, ref<M>)");
    static constexpr bool value = is_supported_field<Field>();
};

template <class M>
struct field_census {
    std::size_t ids = 0;
    std::size_t owners = 0;
    std::size_t id_index = no_field;
    std::size_t owner_index = no_field;
    bool owner_optional = false;
    std::size_t locals = 0;
    bool all_supported = true;
};

template <class M>
consteval field_census<M> take_census() {
    field_census<M> c;
    for_each_field_index<M>([&](auto index) {
        constexpr std::size_t i = decltype(index)::value;
        using F = field_type_t<M, i>;
        c.all_supported = c.all_supported && check_field<M, i, F>::value;
        if constexpr (std::is_same_v<F, record_id>) {
            ++c.ids;
            c.id_index = i;
        } else if constexpr (is_owner_field<F>) {
            ++c.owners;
            c.owner_index = i;
            c.owner_optional = is_optional_v<F>;
        } else if constexpr (is_local_v<F>) {
            ++c.locals;
        }
    });
    return c;
}

template <class M>
concept has_sync_name = requires {
    { M::sync_name } -> std::convertible_to<std::string_view>;
};

consteval bool is_snake_identifier(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

template <class M>
consteval std::string_view model_name() {
    if constexpr (has_sync_name<M>) {
        return std::string_view(M::sync_name);
    } else {
        return snake_type_name<M>();
    }
}

template <class M>
concept has_sync_fields = requires { M::sync_fields; };

template <class M>
concept valid_sync_fields = has_sync_fields<M> && requires {
    { *std::begin(M::sync_fields) } -> std::convertible_to<sync_field>;
    std::end(M::sync_fields);
};

// A name a field may be known by: letters, digits and '_', not starting with a digit.
consteval bool is_identifier(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

// The names fields are known by on the wire and in the database: their C++ names, but
// where sync_fields gives another.
template <class M>
consteval auto sync_field_names() {
    constexpr auto declared = field_names<M>();
    auto out = declared;
    if constexpr (valid_sync_fields<M>) {
        for (const sync_field& f : M::sync_fields) {
            for (std::size_t i = 0; i < declared.size(); ++i) {
                if (declared[i] == f.field) out[i] = f.name;
            }
        }
    }
    return out;
}

// Whether each entry of sync_fields renames a field M declares, to an identifier.
template <class M>
consteval bool sync_fields_name_fields() {
    if constexpr (valid_sync_fields<M>) {
        constexpr auto declared = field_names<M>();
        for (const sync_field& f : M::sync_fields) {
            bool found = false;
            for (std::string_view n : declared) found = found || n == f.field;
            if (!found) return false;
        }
    }
    return true;
}

template <class M>
consteval bool sync_names_are_identifiers() {
    for (std::string_view n : sync_field_names<M>()) {
        if (!is_identifier(n)) return false;
    }
    return true;
}

template <class M>
consteval bool sync_names_distinct() {
    constexpr auto names = sync_field_names<M>();
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (std::size_t j = i + 1; j < names.size(); ++j) {
            if (names[i] == names[j]) return false;
        }
    }
    return true;
}

template <class M>
consteval bool has_reserved_field_name() {
    for (std::string_view n : sync_field_names<M>()) {
        if (n.substr(0, 6) == "hsync_") return true;
    }
    return false;
}

// Every check on a model, in the order a user would want to hear about them. Each
// failing check asserts and returns false, so model_traits stays empty instead of
// burying the message under follow-on errors.
// The most synced fields a model may have besides its id: a change names the fields it
// sets in one 64-bit word (store/change.hpp, docs/protocol.md).
inline constexpr std::size_t max_synced_fields = 64;

template <class M>
consteval bool check_model() {
    if constexpr (!std::is_class_v<M>) {
        static_assert(dependent_false<M>, "hsync: a model must be a struct or class type");
        return false;
    } else if constexpr (!is_reflectable<M>) {
        static_assert(dependent_false<M>,
                      "hsync: this model is not an aggregate (it has user-declared constructors, "
                      "private or protected fields, or virtual functions), so its fields cannot be "
                      "reflected; make it a plain struct with public fields, or adapt it with "
                      "BOOST_HANA_ADAPT_STRUCT(Type, field1, field2, ...)");
        return false;
    } else if constexpr (!std::is_default_constructible_v<M>) {
        static_assert(dependent_false<M>,
                      "hsync: a model must be default-constructible, so that records received from "
                      "peers can be built; give it a default constructor (or remove its user-declared "
                      "constructors), and give a default to any field that has none");
        return false;
    } else {
        constexpr field_census<M> c = take_census<M>();
        static_assert(c.ids != 0,
                      "hsync: this model has no hsync::record_id field; add one, e.g. "
                      "`hsync::record_id uuid;`, to identify each record on every device");
        static_assert(c.ids <= 1,
                      "hsync: this model has more than one hsync::record_id field; keep exactly "
                      "one, and refer to other records with hsync::ref<Model>");
        static_assert(c.owners <= 1,
                      "hsync: this model has more than one owner field (hsync::owner_id or "
                      "std::optional<hsync::owner_id>); a record has one owning device, keep one");
        constexpr std::string_view name = model_name<M>();
        static_assert(is_snake_identifier(name),
                      "hsync: a model's sync name must be a non-empty identifier of lower-case "
                      "letters, digits and '_' (it names the model's table); fix sync_name");
        constexpr bool fields_named = valid_sync_fields<M> || !has_sync_fields<M>;
        static_assert(fields_named,
                      "hsync: sync_fields must list hsync::sync_field entries, e.g. `static constexpr "
                      "std::array sync_fields{hsync::sync_field{\"body\", \"text\"}};` (the C++ field, then "
                      "the name peers know it by)");
        constexpr bool renames_fields = fields_named && sync_fields_name_fields<M>();
        static_assert(!fields_named || renames_fields,
                      "hsync: sync_fields names a field this model does not declare; write the C++ "
                      "field's name as declared, then the name peers and the library file know it by");
        constexpr bool names_ok = renames_fields && sync_names_are_identifiers<M>() && sync_names_distinct<M>();
        static_assert(!renames_fields || sync_names_are_identifiers<M>(),
                      "hsync: a field's sync name must be an identifier of letters, digits and '_' (it "
                      "names the field's column); fix sync_fields");
        static_assert(!renames_fields || !sync_names_are_identifiers<M>() || sync_names_distinct<M>(),
                      "hsync: two fields of this model have the same sync name; give each field a name "
                      "of its own in sync_fields");
        static_assert(!names_ok || !has_reserved_field_name<M>(),
                      "hsync: field names starting with 'hsync_' are reserved for hsync's own "
                      "columns; rename the field");
        constexpr bool few_enough = field_names<M>().size() - c.locals <= max_synced_fields + 1;
        static_assert(few_enough,
                      "hsync: a model syncs at most 64 fields besides its record id (a change names the "
                      "fields it sets in one 64-bit word); split the model in two, or mark fields that "
                      "need not sync hsync::local<>");
        return c.all_supported && c.ids == 1 && c.owners <= 1 && is_snake_identifier(name) && names_ok &&
               !has_reserved_field_name<M>() && few_enough;
    }
}

template <class M, class Pred>
consteval auto indices_where(Pred pred) {
    constexpr auto all = field_names<M>();
    std::array<bool, all.size()> keep{};
    std::size_t n = 0;
    for_each_field_index<M>([&](auto index) {
        keep[decltype(index)::value] = pred(index);
        n += keep[decltype(index)::value] ? 1 : 0;
    });
    return std::pair{keep, n};
}

template <std::size_t N, std::size_t All>
consteval std::array<std::size_t, N> compact(const std::array<bool, All>& keep) {
    std::array<std::size_t, N> out{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < All; ++i) {
        if (keep[i]) out[n++] = i;
    }
    return out;
}

template <class M, std::size_t N>
consteval std::array<std::string_view, N> names_at(const std::array<std::size_t, N>& indices) {
    constexpr auto all = sync_field_names<M>();
    std::array<std::string_view, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = all[indices[i]];
    return out;
}

template <class M, class Indices, bool RequiredOnly>
struct collect_references;
template <class M, std::size_t... I, bool RequiredOnly>
struct collect_references<M, std::index_sequence<I...>, RequiredOnly> {
    template <class List, std::size_t J>
    using step = std::conditional_t<
        !std::is_void_v<typename referenced_model<field_type_t<M, J>>::type> &&
            (!RequiredOnly || referenced_model<field_type_t<M, J>>::required),
        typename append_unique<List, typename referenced_model<field_type_t<M, J>>::type>::type, List>;

    template <class List, std::size_t... Js>
    struct fold {
        using type = List;
    };
    template <class List, std::size_t J, std::size_t... Js>
    struct fold<List, J, Js...> {
        using type = typename fold<step<List, J>, Js...>::type;
    };
    using type = typename fold<type_list<>, I...>::type;
};

template <class M, bool Valid = check_model<M>()>
struct model_traits_base {};  // invalid model: the static_assert above has said why

template <class M>
struct model_traits_base<M, true> {
private:
    static constexpr field_census<M> census = take_census<M>();
    static constexpr auto synced_keep = indices_where<M>([](auto index) {
        return !is_local_v<field_type_t<M, decltype(index)::value>>;
    });
    static constexpr auto local_keep = indices_where<M>([](auto index) {
        return is_local_v<field_type_t<M, decltype(index)::value>>;
    });

public:
    using model_type = M;

    // The name models are known by on the wire and in the database.
    static constexpr std::string_view name = model_name<M>();

    static constexpr hsync::strategy strategy =
        census.owners == 0 ? hsync::strategy::shared
                           : (census.owner_optional ? hsync::strategy::mixed : hsync::strategy::device_owned);

    static constexpr std::size_t field_count = detail::field_count<M>();
    // The names fields are known by to peers and in the library file (sync_fields).
    static constexpr std::array<std::string_view, field_count> field_names = detail::sync_field_names<M>();
    template <std::size_t I>
    using field_type = field_type_t<M, I>;

    static constexpr std::size_t id_index = census.id_index;
    static constexpr std::size_t owner_index = census.owner_index;  // no_field when shared
    static constexpr bool has_owner = census.owners != 0;

    // Synced fields: every field but local<> ones, the id and owner included.
    static constexpr std::size_t synced_count = synced_keep.second;
    static constexpr std::array<std::size_t, synced_count> synced_indices =
        compact<synced_count>(synced_keep.first);
    static constexpr std::array<std::string_view, synced_count> synced_field_names =
        names_at<M>(synced_indices);

    // Excluded fields: local<>, stored on this device only.
    static constexpr std::size_t local_count = local_keep.second;
    static constexpr std::array<std::size_t, local_count> local_indices = compact<local_count>(local_keep.first);
    static constexpr std::array<std::string_view, local_count> local_field_names = names_at<M>(local_indices);

    // Models this one refers to through ref<> or std::optional<ref<>> fields, each once,
    // in field order; required_references keeps only the non-optional ones, which decide
    // the order in which a library applies models.
    using references =
        typename collect_references<M, std::make_index_sequence<field_count>, false>::type;
    using required_references =
        typename collect_references<M, std::make_index_sequence<field_count>, true>::type;

    static constexpr bool is_synced(std::size_t index) noexcept {
        for (std::size_t i : synced_indices) {
            if (i == index) return true;
        }
        return false;
    }
};

}  // namespace detail

template <class M>
struct model_traits : detail::model_traits_base<M> {};

// True when M passes every check; for constraints in an application's own templates.
template <class M>
concept model = requires { model_traits<M>::name; };

}  // namespace hsync
