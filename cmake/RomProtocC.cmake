# rom_protoc_c(<out-var> IMPORT_DIR <dir> OUT_DIR <dir> PROTOS <rel.proto>...)
# Internal: run protoc's C generator (protobuf-c) on .proto files named relative to IMPORT_DIR, for rom's
# own build (the runtime's wire/options IDL, the generator's descriptor.proto and plugin.proto).
# Appends the generated .pb-c.c files to <out-var>.
function(rom_protoc_c out_var)
    cmake_parse_arguments(ARG "" "IMPORT_DIR;OUT_DIR" "PROTOS;EXTRA_IMPORT_DIRS" ${ARGN})
    set(import_args -I${ARG_IMPORT_DIR})
    foreach(dir IN LISTS ARG_EXTRA_IMPORT_DIRS)
        list(APPEND import_args -I${dir})
    endforeach()
    set(sources ${${out_var}})
    foreach(proto IN LISTS ARG_PROTOS)
        string(REGEX REPLACE "\\.proto$" "" stem "${proto}")
        set(c "${ARG_OUT_DIR}/${stem}.pb-c.c")
        set(h "${ARG_OUT_DIR}/${stem}.pb-c.h")
        add_custom_command(
            OUTPUT "${c}" "${h}"
            COMMAND ${CMAKE_COMMAND} -E make_directory "${ARG_OUT_DIR}"
            COMMAND ${ROM_PROTOC} --plugin=protoc-gen-c=${ROM_PROTOC_GEN_C} ${import_args}
                    --c_out=${ARG_OUT_DIR} "${ARG_IMPORT_DIR}/${proto}"
            DEPENDS "${ARG_IMPORT_DIR}/${proto}"
            COMMENT "protoc-c ${proto}"
            VERBATIM)
        list(APPEND sources "${c}")
    endforeach()
    set(${out_var} ${sources} PARENT_SCOPE)
endfunction()
