# Compile-fail tests: each misuse_*.cpp must fail to compile, and the compiler's first
# error must contain the message named on its `// expect:` line (first_error.cmake), so
# that a typo, a broken harness or a misuse buried under follow-on errors cannot pass.
# The misuse_library_*.cpp cases misuse hsync::library<...> rather than a model.
# control.cpp is the positive control: it must compile.
#
# Each test builds an EXCLUDE_FROM_ALL target through `cmake --build`, so it gets exactly
# the flags of the real build; a resource lock keeps two builds off the tree at once.

file(GLOB _cases CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/misuse_*.cpp")

foreach(variant multi single)
    if(variant STREQUAL "multi")
        set(_headers hsync_multi_header)
        set(_suffix "")
        set(_labels compile_fail)
    else()
        set(_headers hsync_single_header)
        set(_suffix ".single_header")
        set(_labels "compile_fail;single_header")
    endif()

    set(_control hsync_cf_control_${variant})
    add_library(${_control} OBJECT EXCLUDE_FROM_ALL "${CMAKE_CURRENT_LIST_DIR}/control.cpp")
    target_link_libraries(${_control} PRIVATE ${_headers})
    target_include_directories(${_control} PRIVATE "${PROJECT_SOURCE_DIR}/examples")
    add_test(NAME compile_fail.control${_suffix}
        COMMAND "${CMAKE_COMMAND}" --build "${PROJECT_BINARY_DIR}" --target ${_control})
    set_tests_properties(compile_fail.control${_suffix} PROPERTIES
        LABELS "${_labels}" RESOURCE_LOCK hsync_build_tree)

    foreach(case IN LISTS _cases)
        get_filename_component(_name "${case}" NAME_WE)
        file(STRINGS "${case}" _expect REGEX "^// expect: " LIMIT_COUNT 1)
        if(NOT _expect)
            message(FATAL_ERROR "${case} has no `// expect: <message>` line")
        endif()
        string(REGEX REPLACE "^// expect: " "" _expect "${_expect}")

        set(_target hsync_cf_${_name}_${variant})
        add_library(${_target} OBJECT EXCLUDE_FROM_ALL "${case}")
        target_link_libraries(${_target} PRIVATE ${_headers})
        add_test(NAME compile_fail.${_name}${_suffix}
            COMMAND "${CMAKE_COMMAND}" "-DBUILD_DIR=${PROJECT_BINARY_DIR}" "-DTARGET=${_target}"
                "-DEXPECT=${_expect}" -P "${CMAKE_CURRENT_LIST_DIR}/first_error.cmake")
        set_tests_properties(compile_fail.${_name}${_suffix} PROPERTIES
            LABELS "${_labels}"
            RESOURCE_LOCK hsync_build_tree)
    endforeach()
endforeach()
