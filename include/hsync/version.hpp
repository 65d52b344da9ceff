#pragma once
// The version of hsync these headers are. Kept in step with CMakeLists.txt's project().

#define HSYNC_VERSION_MAJOR 0
#define HSYNC_VERSION_MINOR 1
#define HSYNC_VERSION_PATCH 0

namespace hsync {
inline constexpr int version_major = HSYNC_VERSION_MAJOR;
inline constexpr int version_minor = HSYNC_VERSION_MINOR;
inline constexpr int version_patch = HSYNC_VERSION_PATCH;
}  // namespace hsync
