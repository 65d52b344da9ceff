#pragma once
// The default limits of the wire, shared by the decoder that enforces them
// (sync::limits, detail::sax_limits) and the commit path that keeps every record within
// them (detail::check_record_size), so that the two cannot drift apart.

#include <cstddef>

namespace hsync::detail {

inline constexpr std::size_t wire_max_frame = std::size_t{16} << 20;   // bytes in one frame body
inline constexpr std::size_t wire_max_string = std::size_t{4} << 20;   // bytes in one string or blob

}  // namespace hsync::detail
