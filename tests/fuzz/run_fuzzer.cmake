# Runs one libFuzzer target for SECONDS (or RUNS executions, whichever ends first; RUNS
# unset or 0: no limit) from its seeds and regression corpus, in WORK.
# A crash leaves its input in WORK (crash-*): copy it to the regression folder.
if(NOT RUNS)
    set(RUNS -1)
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus")
execute_process(COMMAND "${REPLAY}" --write-seeds "${WORK}/seeds" RESULT_VARIABLE seeded)
if(NOT seeded EQUAL 0)
    message(FATAL_ERROR "could not write the seed inputs")
endif()
execute_process(
    COMMAND "${FUZZER}" "${WORK}/corpus" "${WORK}/seeds" "${REGRESSIONS}"
        -max_total_time=${SECONDS} -runs=${RUNS} -max_len=65536 -rss_limit_mb=2048 -timeout=10
        -artifact_prefix=${WORK}/ -print_final_stats=1
    RESULT_VARIABLE result
    ERROR_VARIABLE log)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${log}")
string(REGEX MATCH "DONE +cov: [0-9]+" coverage "${log}")
string(REGEX MATCH "stat::average_exec_per_sec: *[0-9]+" speed "${log}")
message(STATUS "${FUZZER}: ${runs}, ${speed}, ${coverage} (edges, at the end)")
if(NOT result EQUAL 0)
    message("${log}")
    message(FATAL_ERROR "the fuzzer found a failing input; it is in ${WORK} (crash-* or leak-*)")
endif()
