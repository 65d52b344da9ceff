# install() + export so that find_package(hsync) works after `cmake --install`.

include(CMakePackageConfigHelpers)

set(HSYNC_CONFIG_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/cmake/hsync")

if(HSYNC_SINGLE_HEADER)
    install(FILES "${PROJECT_SOURCE_DIR}/single_include/hsync/hsync.hpp"
            DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/hsync")
else()
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/hsync"
            DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
            FILES_MATCHING PATTERN "*.hpp")
endif()

install(TARGETS hsync EXPORT hsyncTargets)
install(EXPORT hsyncTargets
        NAMESPACE hsync::
        DESTINATION "${HSYNC_CONFIG_INSTALL_DIR}")

configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/hsyncConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/hsyncConfig.cmake"
    INSTALL_DESTINATION "${HSYNC_CONFIG_INSTALL_DIR}")
# A header-only library fits any architecture.
write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/hsyncConfigVersion.cmake"
    COMPATIBILITY SameMinorVersion
    ARCH_INDEPENDENT)

install(FILES
        "${PROJECT_BINARY_DIR}/hsyncConfig.cmake"
        "${PROJECT_BINARY_DIR}/hsyncConfigVersion.cmake"
        "${PROJECT_SOURCE_DIR}/cmake/FindAsio.cmake"
        "${PROJECT_SOURCE_DIR}/cmake/hsyncDependencies.cmake"
        DESTINATION "${HSYNC_CONFIG_INSTALL_DIR}")
