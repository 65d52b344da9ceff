#pragma once
// The unqualified name of a type at compile time, and its snake_case form, which is a
// model's default sync name (UserMetadata -> "user_metadata").

#include <array>
#include <cstddef>
#include <string_view>

namespace hsync::detail {

template <class T>
consteval std::string_view raw_type_signature() {
    return __PRETTY_FUNCTION__;
}

struct type_name_probe {};

// The signature is "<prefix><type name><suffix>" with a prefix and suffix that depend
// only on the compiler; measure them on a known type. (g++ leaves out the namespaces the
// function shares with the type, so look for the probe's own name and walk back over
// its qualification.)
consteval std::array<std::size_t, 2> type_signature_frame() {
    constexpr std::string_view sig = raw_type_signature<type_name_probe>();
    constexpr std::string_view name = "type_name_probe";
    const std::size_t at = sig.rfind(name);
    if (at == std::string_view::npos) return {0, 0};
    std::size_t begin = at;
    while (begin > 0) {
        const char c = sig[begin - 1];
        const bool qualifier = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               (c >= '0' && c <= '9') || c == '_' || c == ':';
        if (!qualifier) break;
        --begin;
    }
    return {begin, sig.size() - at - name.size()};
}

template <class T>
consteval std::string_view qualified_type_name() {
    constexpr std::string_view sig = raw_type_signature<T>();
    constexpr auto frame = type_signature_frame();
    return sig.substr(frame[0], sig.size() - frame[0] - frame[1]);
}

// "ns::Outer<int>::Inner<x::Y>" -> "Inner"; "main()::Local" -> "Local".
consteval std::string_view unqualified(std::string_view name) {
    // Drop template arguments of the last component, then everything up to the last "::"
    // outside of template arguments.
    std::size_t end = name.size();
    if (end > 0 && name[end - 1] == '>') {
        int depth = 0;
        for (std::size_t i = end; i-- > 0;) {
            if (name[i] == '>') ++depth;
            else if (name[i] == '<' && --depth == 0) {
                end = i;
                break;
            }
        }
    }
    name = name.substr(0, end);
    const std::size_t colons = name.rfind("::");
    return colons == std::string_view::npos ? name : name.substr(colons + 2);
}

template <class T>
consteval std::string_view type_name() {
    return unqualified(qualified_type_name<T>());
}

consteval bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
consteval bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Writes the snake_case of `name` to out (when given) and returns its length.
// An underscore goes before an upper-case letter that follows a lower-case letter or
// digit, or that starts a new word after an acronym ("HTTPServer" -> "http_server").
consteval std::size_t snake_case(std::string_view name, char* out) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (is_upper(c)) {
            const bool after_word = i > 0 && is_lower_or_digit(name[i - 1]);
            const bool ends_acronym = i > 0 && is_upper(name[i - 1]) && i + 1 < name.size() &&
                                      name[i + 1] >= 'a' && name[i + 1] <= 'z';
            if (after_word || ends_acronym) {
                if (out) out[n] = '_';
                ++n;
            }
            if (out) out[n] = static_cast<char>(c - 'A' + 'a');
        } else if (out) {
            out[n] = c;
        }
        ++n;
    }
    return n;
}

template <std::size_t N>
struct fixed_string {
    std::array<char, N + 1> chars{};
    constexpr std::string_view view() const { return {chars.data(), N}; }
};

template <class T>
consteval auto make_snake_name() {
    constexpr std::string_view name = type_name<T>();
    constexpr std::size_t n = snake_case(name, nullptr);
    fixed_string<n> s;
    snake_case(name, s.chars.data());
    return s;
}

template <class T>
inline constexpr auto snake_name_storage = make_snake_name<T>();

template <class T>
consteval std::string_view snake_type_name() {
    return snake_name_storage<T>.view();
}



static_assert(type_name<type_name_probe>() == "type_name_probe" &&
                  unqualified("a::b<c::d<e>>::Model<x::y>") == "Model" &&
                  unqualified("main()::Local") == "Local",
              "hsync: the type-name parser does not understand this compiler's "
              "__PRETTY_FUNCTION__; please report the compiler and version");

}  // namespace hsync::detail
