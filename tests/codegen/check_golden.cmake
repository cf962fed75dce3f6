# check_golden.cmake: generate PROTO with protoc-gen-rom into OUT and compare x.rom.h / x.rom.c with GOLDEN.
# With -DUPDATE=ON the golden files are rewritten instead (after a deliberate template change).
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
set(import_args)
foreach(dir IN LISTS IMPORTS)
    list(APPEND import_args "-I${dir}")
endforeach()
execute_process(COMMAND "${PROTOC}" "--plugin=protoc-gen-rom=${PLUGIN}" ${import_args} "--rom_out=${OUT}" "${PROTO}"
                RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "protoc failed: ${err}")
endif()
get_filename_component(stem "${PROTO}" NAME_WE)
foreach(ext rom.h rom.c)
    if(UPDATE)
        file(COPY_FILE "${OUT}/${stem}.${ext}" "${GOLDEN}/${stem}.${ext}")
        message(STATUS "updated ${GOLDEN}/${stem}.${ext}")
        continue()
    endif()
    execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUT}/${stem}.${ext}" "${GOLDEN}/${stem}.${ext}"
                    RESULT_VARIABLE differ)
    if(differ)
        execute_process(COMMAND diff -u "${GOLDEN}/${stem}.${ext}" "${OUT}/${stem}.${ext}" OUTPUT_VARIABLE diff)
        message(FATAL_ERROR "${stem}.${ext} differs from the golden file (rerun with -DUPDATE=ON if the "
                            "template change is intended):\n${diff}")
    endif()
endforeach()
