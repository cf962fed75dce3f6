# Run an example and check its exit code and output: cmake -DCMD=<exe;args> -DEXPECT=<regex;regex...> -P
# Every regex (separated by <@> in EXPECT) must match somewhere in stdout; the example must exit 0.
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 100)
message("${out}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CMD} exited with ${rc}\n${err}")
endif()
string(REPLACE "<@>" ";" expect "${EXPECT}")
foreach(re IN LISTS expect)
    if(NOT out MATCHES "${re}")
        message(FATAL_ERROR "output of ${CMD} does not match '${re}'\nstderr:\n${err}")
    endif()
endforeach()
