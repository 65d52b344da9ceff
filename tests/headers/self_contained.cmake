# Every public header compiles on its own: one translation unit per header whose first
# line includes it. Built as part of `all`, so a header that leans on an include it does
# not make breaks the build.
file(GLOB_RECURSE _hsync_headers RELATIVE "${PROJECT_SOURCE_DIR}/include"
     CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/include/hsync/*.hpp")
set(_sources)
foreach(header IN LISTS _hsync_headers)
    string(MAKE_C_IDENTIFIER "${header}" _id)
    set(_tu "${CMAKE_CURRENT_BINARY_DIR}/self_contained/${_id}.cpp")
    file(CONFIGURE OUTPUT "${_tu}" CONTENT "#include <${header}>\n#include <${header}>  // and guarded\n")
    list(APPEND _sources "${_tu}")
endforeach()
add_library(hsync_headers_self_contained OBJECT ${_sources})
target_link_libraries(hsync_headers_self_contained PRIVATE hsync_multi_header)
target_compile_options(hsync_headers_self_contained PRIVATE ${HSYNC_WARNINGS})
