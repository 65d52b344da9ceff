# The object of a file with HSYNC_EXTERN_LIBRARY (commits_and_reads.cpp) must refer to the
# library's machinery, hsync::detail::library_impl<...>, without defining any of it: the
# macro is what lets an application compile that machinery in one file. Run by CTest:
#   cmake -DNM=nm -DOBJECTS=<object files> -P extern_library_check.cmake
if(NOT NM OR NOT OBJECTS)
    message(FATAL_ERROR "extern_library_check: pass -DNM=<nm> and -DOBJECTS=<object files>")
endif()
# Mangled names: no spaces, brackets or semicolons to trip CMake's lists. A function of
# hsync::detail::library_impl<...> itself is _ZN5hsync6detail12library_implI...; one that
# only names it in a template argument starts otherwise.
execute_process(COMMAND "${NM}" ${OBJECTS} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "extern_library_check: ${NM} failed on ${OBJECTS}")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(referred 0)
set(defined "")
foreach(line IN LISTS lines)
    if(line MATCHES "^ +U _ZN5hsync6detail12library_implI")
        math(EXPR referred "${referred} + 1")
    elseif(line MATCHES "^[0-9a-f]+ [TtWw] _ZN5hsync6detail12library_implI")
        string(APPEND defined "\n  ${line}")
    endif()
endforeach()
if(NOT defined STREQUAL "")
    message(FATAL_ERROR "extern_library_check: HSYNC_EXTERN_LIBRARY did not keep the library's machinery "
                        "out of this file; it defines:${defined}")
endif()
if(referred EQUAL 0)
    message(FATAL_ERROR "extern_library_check: the object refers to no library_impl function; "
                        "the file no longer calls the library through it")
endif()
message(STATUS "extern_library_check: ${referred} library_impl functions referred to, none defined")
