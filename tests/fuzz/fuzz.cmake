# Fuzz targets. Each is built twice:
#  - hsync_fuzz_replay_<t>: with any compiler, replays the target's seed inputs and its
#    regression corpus (tests/fuzz/regressions/<t>/) as an ordinary test (label fuzz);
#  - hsync_fuzz_<t>: with clang, a libFuzzer binary with ASan and UBSan; CTest runs it for
#    HSYNC_FUZZ_SECONDS (0 turns that off), ./tools/fuzz.sh for longer.
set(HSYNC_FUZZ_SECONDS 10 CACHE STRING "Seconds each fuzz target runs under CTest (clang only; 0: not at all)")
set(HSYNC_FUZZ_RUNS 0 CACHE STRING "Executions after which each fuzz target stops under CTest (0: only the time limit)")
set(HSYNC_FUZZ_TARGETS frames message handshake apply)

math(EXPR fuzz_timeout "${HSYNC_FUZZ_SECONDS} + 600")

foreach(target ${HSYNC_FUZZ_TARGETS})
    add_executable(hsync_fuzz_replay_${target} fuzz/fuzz_${target}.cpp fuzz/replay_main.cpp)
    target_link_libraries(hsync_fuzz_replay_${target} PRIVATE hsync_multi_header)
    target_include_directories(hsync_fuzz_replay_${target} PRIVATE "${PROJECT_SOURCE_DIR}/examples" "${CMAKE_CURRENT_SOURCE_DIR}")
    target_compile_options(hsync_fuzz_replay_${target} PRIVATE ${HSYNC_WARNINGS})
    add_test(NAME fuzz.${target}.replay
        COMMAND hsync_fuzz_replay_${target} "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions/${target}")
    set_tests_properties(fuzz.${target}.replay PROPERTIES LABELS fuzz)

    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        set(sanitizers -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
        add_executable(hsync_fuzz_${target} fuzz/fuzz_${target}.cpp)
        target_link_libraries(hsync_fuzz_${target} PRIVATE hsync_multi_header)
        target_include_directories(hsync_fuzz_${target} PRIVATE "${PROJECT_SOURCE_DIR}/examples" "${CMAKE_CURRENT_SOURCE_DIR}")
        target_compile_options(hsync_fuzz_${target} PRIVATE ${sanitizers} -O1 -g)
        target_link_options(hsync_fuzz_${target} PRIVATE ${sanitizers})
        if(HSYNC_FUZZ_SECONDS GREATER 0)
            add_test(NAME fuzz.${target}.run
                COMMAND ${CMAKE_COMMAND}
                    -DFUZZER=$<TARGET_FILE:hsync_fuzz_${target}>
                    -DREPLAY=$<TARGET_FILE:hsync_fuzz_replay_${target}>
                    -DREGRESSIONS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions/${target}
                    -DWORK=${CMAKE_CURRENT_BINARY_DIR}/fuzz-work/${target}
                    -DSECONDS=${HSYNC_FUZZ_SECONDS}
                    -DRUNS=${HSYNC_FUZZ_RUNS}
                    -P "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzzer.cmake")
            set_tests_properties(fuzz.${target}.run PROPERTIES LABELS fuzz TIMEOUT ${fuzz_timeout})
        endif()
    endif()
endforeach()
