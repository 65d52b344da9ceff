# hsync's dependencies, found the same way in hsync's own build and, through
# hsyncConfig.cmake, in a project that uses an installed hsync.


find_package(Boost 1.81 REQUIRED CONFIG)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(Asio 1.22 REQUIRED MODULE)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
# zstd compresses frames for slow links (docs/protocol.md, "Compression"). Optional: without
# it hsync builds, reads and sends no compressed frame, and says so in its handshake.
option(HSYNC_ZSTD "Compress sync frames with zstd when libzstd is found" ON)
if(HSYNC_ZSTD)
    find_package(zstd CONFIG QUIET)
    if(NOT zstd_FOUND)
        message(STATUS "hsync: libzstd not found (Debian: libzstd-dev); frames will not be compressed")
    endif()
endif()

function(hsync_link_dependencies target)
    target_link_libraries(${target} INTERFACE
        Boost::headers nlohmann_json::nlohmann_json SQLiteCpp Asio::Asio OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
    if(HSYNC_ZSTD AND TARGET zstd::libzstd_shared)
        target_link_libraries(${target} INTERFACE zstd::libzstd_shared)
        target_compile_definitions(${target} INTERFACE HSYNC_HAS_ZSTD=1)
    endif()
    # Asio 1.22 does not detect coroutine support on clang 14 with libstdc++.
    target_compile_definitions(${target} INTERFACE
        $<$<CXX_COMPILER_ID:Clang>:ASIO_HAS_CO_AWAIT=1>)
endfunction()
