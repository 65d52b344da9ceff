#pragma once
// The field types through which a model tells hsync what its fields mean.
//
//   hsync::record_id  the record's sync identity, the same on every device (exactly one)
//   hsync::owner_id   the device that owns the record: the model is device-owned
//                     (std::optional<hsync::owner_id>: mixed, per record)
//   hsync::local<T>   a T that is stored but never leaves this device
//   hsync::ref<M>     a reference to a record of model M, by its record id

#include <compare>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include <hsync/core/uuid.hpp>

namespace hsync {

namespace detail {
struct read_mark;
}

class record_id {
public:
    uuid value{};

    constexpr record_id() noexcept = default;
    constexpr record_id(const uuid& id) noexcept : value(id) {}  // NOLINT: implicit on purpose

    // A new, time-ordered id.
    static record_id generate() { return record_id{uuid::v7()}; }

    constexpr operator const uuid&() const noexcept { return value; }  // NOLINT: transparent
    // Ids compare by value alone: the read mark below is not part of the identity.
    friend constexpr bool operator==(const record_id& a, const record_id& b) noexcept { return a.value == b.value; }
    friend constexpr auto operator<=>(const record_id& a, const record_id& b) noexcept { return a.value <=> b.value; }

private:
    friend struct detail::read_mark;
    // Which stored version of the record this copy was read from: the library that
    // handed it out and the version's seq there (0: a record the application built).
    // Never stored or sent; commit uses it to write only the fields the application
    // changed since the read (docs/storage.md, "Editing a copy"). Mutable, because a
    // commit that wrote the copy as it is moves the copy on to the version it made.
    mutable std::uint64_t read_from_ = 0;
    mutable std::uint64_t read_version_ = 0;
};

struct owner_id {
    uuid value{};  // the owning device's id

    constexpr operator const uuid&() const noexcept { return value; }  // NOLINT: transparent
    friend constexpr auto operator<=>(const owner_id&, const owner_id&) noexcept = default;
};

// A field that lives only on this device. Use it like the T it holds.
template <class T>
class local {
public:
    using value_type = T;

    constexpr local() = default;
    template <class U = T>
        requires std::constructible_from<T, U&&> && (!std::same_as<std::remove_cvref_t<U>, local>)
    constexpr local(U&& value) : value_(std::forward<U>(value)) {}  // NOLINT: implicit on purpose

    template <class U = T>
        requires std::assignable_from<T&, U&&> && (!std::same_as<std::remove_cvref_t<U>, local>)
    constexpr local& operator=(U&& value) {
        value_ = std::forward<U>(value);
        return *this;
    }

    constexpr T& get() noexcept { return value_; }
    constexpr const T& get() const noexcept { return value_; }
    constexpr operator T&() noexcept { return value_; }              // NOLINT: transparent
    constexpr operator const T&() const noexcept { return value_; }  // NOLINT: transparent
    constexpr T& operator*() noexcept { return value_; }
    constexpr const T& operator*() const noexcept { return value_; }
    constexpr T* operator->() noexcept { return &value_; }
    constexpr const T* operator->() const noexcept { return &value_; }

    friend constexpr bool operator==(const local&, const local&) = default;
    friend constexpr auto operator<=>(const local& a, const local& b)
        requires std::three_way_comparable<T>
    {
        return a.value_ <=> b.value_;
    }

private:
    T value_{};
};

// A reference to a record of model M. M may be incomplete where the ref is declared
// (a model may refer to itself).
template <class M>
struct ref {
    using model_type = M;
    uuid id{};

    constexpr ref() = default;
    constexpr ref(const uuid& target) : id(target) {}             // NOLINT: implicit on purpose
    constexpr ref(const record_id& target) : id(target.value) {}  // NOLINT: implicit on purpose

    friend constexpr auto operator<=>(const ref&, const ref&) noexcept = default;
    friend constexpr bool operator==(const ref&, const ref&) noexcept = default;
};

// Type predicates for the markers, used by reflection and by applications' own checks.
template <class T> inline constexpr bool is_local_v = false;
template <class T> inline constexpr bool is_local_v<local<T>> = true;

template <class T> inline constexpr bool is_ref_v = false;
template <class M> inline constexpr bool is_ref_v<ref<M>> = true;

template <class T> inline constexpr bool is_optional_v = false;
template <class T> inline constexpr bool is_optional_v<std::optional<T>> = true;

}  // namespace hsync

template <>
struct std::hash<hsync::record_id> {
    std::size_t operator()(const hsync::record_id& id) const noexcept {
        return std::hash<hsync::uuid>{}(id.value);
    }
};
template <>
struct std::hash<hsync::owner_id> {
    std::size_t operator()(const hsync::owner_id& id) const noexcept {
        return std::hash<hsync::uuid>{}(id.value);
    }
};
template <class M>
struct std::hash<hsync::ref<M>> {
    std::size_t operator()(const hsync::ref<M>& r) const noexcept { return std::hash<hsync::uuid>{}(r.id); }
};
