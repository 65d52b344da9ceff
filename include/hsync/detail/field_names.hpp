#pragma once
// Field names of an aggregate, at compile time, without macros.
//
// Boost.PFR gained boost::pfr::get_name in 1.84; Debian 12 has 1.81. This is the same
// "fake object" technique: take the address of each field of an object that is declared
// but never defined, pass it as a template argument, and read the field's name out of
// __PRETTY_FUNCTION__. The address is never dereferenced, so nothing is odr-used at
// run time. clang 14 refuses a pointer to a subobject as a template argument of pointer
// type, so the pointer travels inside a class-type template argument.

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <utility>

#include <boost/pfr/core.hpp>
#include <boost/version.hpp>

namespace hsync::detail {

#if BOOST_VERSION >= 108400
#define HSYNC_DETAIL_PFR_HAS_GET_NAME 1
#endif

#ifndef HSYNC_DETAIL_PFR_HAS_GET_NAME

template <class T>
struct fake_object_wrapper {
    const T value;
};

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wundefined-var-template"
#pragma clang diagnostic ignored "-Wundefined-internal"
#endif
// Declared, never defined: only the addresses of its fields are taken.
template <class T>
extern const fake_object_wrapper<T> fake_object;
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

template <class P>
struct field_pointer {
    P pointer;
};
template <class P>
field_pointer(P) -> field_pointer<P>;

template <field_pointer Field>
consteval std::string_view pretty_function_of() {
    return __PRETTY_FUNCTION__;
}

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wundefined-var-template"
#endif
template <class T, std::size_t I>
consteval std::string_view raw_field_signature() {
    return pretty_function_of<field_pointer{
        &std::get<I>(boost::pfr::structure_tie(fake_object<T>.value))}>();
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

// Calibrate once on a known field: what follows the name in the signature is the same
// for every field (g++: "))}; std::string_view = ...]", clang: "}]").
struct field_name_probe {
    int hsync_probe_field_name;
};
inline constexpr std::string_view probe_name = "hsync_probe_field_name";

consteval std::size_t signature_suffix_size() {
    constexpr std::string_view sig = raw_field_signature<field_name_probe, 0>();
    const std::size_t at = sig.rfind(probe_name);
    return at == std::string_view::npos ? 0 : sig.size() - at - probe_name.size();
}

consteval bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

consteval std::string_view field_name_from_signature(std::string_view sig) {
    const std::size_t end = sig.size() - signature_suffix_size();
    std::size_t begin = end;
    while (begin > 0 && is_identifier_char(sig[begin - 1])) --begin;
    return sig.substr(begin, end - begin);
}

template <class T, std::size_t I>
consteval std::string_view field_name() {
    return field_name_from_signature(raw_field_signature<T, I>());
}

// Self-test of the parser on this compiler: fails the build here, not in a user's model.
struct field_name_self_test {
    int plain;
    double with_digits_2;
    std::array<int, 3> _leading_underscore;
};
static_assert(field_name<field_name_probe, 0>() == probe_name,
              "hsync: the field-name parser does not understand this compiler's "
              "__PRETTY_FUNCTION__; please report the compiler and version");
static_assert(field_name<field_name_self_test, 0>() == "plain" &&
                  field_name<field_name_self_test, 1>() == "with_digits_2" &&
                  field_name<field_name_self_test, 2>() == "_leading_underscore",
              "hsync: the field-name parser does not understand this compiler's "
              "__PRETTY_FUNCTION__; please report the compiler and version");

#else

template <class T, std::size_t I>
consteval std::string_view field_name() {
    return boost::pfr::get_name<I, T>();
}

#endif

template <class T, std::size_t... I>
consteval std::array<std::string_view, sizeof...(I)> aggregate_field_names(std::index_sequence<I...>) {
    return {field_name<T, I>()...};
}

template <class T>
consteval auto aggregate_field_names() {
    return aggregate_field_names<T>(std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
}

}  // namespace hsync::detail
