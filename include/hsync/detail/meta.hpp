#pragma once
// Small type-level helpers shared by the detail headers.

namespace hsync::detail {

// For static_assert in a branch that must fail only when instantiated.
template <class>
inline constexpr bool dependent_false = false;

}  // namespace hsync::detail
