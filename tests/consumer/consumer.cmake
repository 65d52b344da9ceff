# Consumer projects, built and run as tests: one finds an installed hsync with
# find_package(hsync), the other adds the source tree with add_subdirectory(), once with
# the multi-header and once with the single-header form.

set(_consumer_bin "${PROJECT_BINARY_DIR}/consumer")
set(_prefix "${_consumer_bin}/prefix")
set(_common_options
    "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}"
    "-DCMAKE_BUILD_TYPE=Debug")

add_test(NAME consumer.install
    COMMAND "${CMAKE_COMMAND}" --install "${PROJECT_BINARY_DIR}" --prefix "${_prefix}")
set_tests_properties(consumer.install PROPERTIES
    LABELS consumer FIXTURES_SETUP hsync_installed)

add_test(NAME consumer.find_package
    COMMAND "${CMAKE_CTEST_COMMAND}"
        --build-and-test "${CMAKE_CURRENT_LIST_DIR}/find_package" "${_consumer_bin}/find_package"
        --build-generator "${CMAKE_GENERATOR}"
        --build-options ${_common_options} "-DCMAKE_PREFIX_PATH=${_prefix}"
        --test-command consumer_find_package)
set_tests_properties(consumer.find_package PROPERTIES
    LABELS consumer FIXTURES_REQUIRED hsync_installed)

foreach(single OFF ON)
    add_test(NAME consumer.add_subdirectory.single_header_${single}
        COMMAND "${CMAKE_CTEST_COMMAND}"
            --build-and-test "${CMAKE_CURRENT_LIST_DIR}/add_subdirectory"
                             "${_consumer_bin}/add_subdirectory_${single}"
            --build-generator "${CMAKE_GENERATOR}"
            --build-options ${_common_options}
                "-DHSYNC_SOURCE_DIR=${PROJECT_SOURCE_DIR}" "-DHSYNC_SINGLE_HEADER=${single}"
            --test-command consumer_add_subdirectory)
    set_tests_properties(consumer.add_subdirectory.single_header_${single} PROPERTIES LABELS consumer)
endforeach()
