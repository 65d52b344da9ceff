# Run by a compile-fail test as `cmake -P`: builds TARGET in BUILD_DIR and passes only if
# the build fails and the compiler's FIRST error line contains EXPECT. A misuse must be
# reported by its own `hsync:` message before anything else, not after a page of
# follow-on errors.
#
#   cmake -DBUILD_DIR=<dir> -DTARGET=<target> -DEXPECT=<text> -P first_error.cmake

execute_process(
    COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
    RESULT_VARIABLE _result
    OUTPUT_VARIABLE _output
    ERROR_VARIABLE _output)

if(_result EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled, but it must not:\n${_output}")
endif()

# g++: "file:line:col: error: static assertion failed: hsync: ..."
# clang: "file:line:col: error: static_assert failed due to requirement '...' \"hsync: ...\""
string(REGEX MATCH "[^\n]*error: [^\n]*" _first "${_output}")
string(FIND "${_first}" "${EXPECT}" _at)
if(_at EQUAL -1)
    message(FATAL_ERROR
        "the first error is not the expected one\n"
        "expected: ${EXPECT}\n"
        "first:    ${_first}\n\n${_output}")
endif()
message(STATUS "first error, as expected: ${_first}")
