# check_refusal.cmake: protoc with protoc-gen-rom must refuse PROTO (under ROOT), print a message matching
# EXPECT, and write no file into OUT. Run by ctest: cmake -DPROTOC=... -DPLUGIN=... -P check_refusal.cmake
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
set(import_args "-I${ROOT}")
foreach(dir IN LISTS IMPORTS)
    list(APPEND import_args "-I${dir}")
endforeach()
execute_process(COMMAND "${PROTOC}" "--plugin=protoc-gen-c=${PROTOC_GEN_C}" "--plugin=protoc-gen-rom=${PLUGIN}"
                        ${import_args} "--c_out=${OUT}" "--rom_out=${OUT}" "${ROOT}/${PROTO}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 20)
message(STATUS "protoc said:\n${err}")
if(rc EQUAL 0)
    message(FATAL_ERROR "protoc accepted ${PROTO}; expected a refusal matching: ${EXPECT}")
endif()
if(NOT err MATCHES "${EXPECT}")
    message(FATAL_ERROR "the refusal does not say what it should.\nexpected (regex): ${EXPECT}\ngot:\n${err}")
endif()
file(GLOB_RECURSE written "${OUT}/*")
if(written)
    message(FATAL_ERROR "protoc wrote files although it failed: ${written}")
endif()
