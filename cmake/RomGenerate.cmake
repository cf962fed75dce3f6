# RomGenerate.cmake: rom_generate (), the one CMake call a user needs to turn .proto shared classes into C.
#
#   rom_generate(TARGET <target> PROTOS <x.proto>... [PROTO_ROOT <dir>] [IMPORT_DIRS <dir>...] [OUT_DIR <dir>]
#                [NO_LINK])
#
# For each x.proto runs protoc once with protoc-c (--c_out: x.pb-c.[ch], the messages) and protoc-gen-rom
# (--rom_out: x.rom.[ch], proxies and servant skeletons), adds the four files to <target>, puts their folder
# on its include path and links it to rom. PROTOS are paths relative to PROTO_ROOT (default: the current
# source dir), which is the first import path, so "sub/y.proto" imported as `import "sub/y.proto";` and
# generated as sub/y.pb-c.h keep the same names everywhere. rom's IDL (rom/options.proto) and the system's
# google/protobuf/*.proto are always importable; their code is in librom, never generated here. Every
# user .proto that another imports must be in some rom_generate () PROTOS of the same program. NO_LINK leaves
# the include path and linking to the caller (rom's own library uses it for its built-in types).
#
# Not CMake's protobuf_generate (): it puts the source dir first on the import path, which breaks imports
# from sub-folders. protoc's --dependency_out feeds DEPFILE, so editing an imported .proto regenerates its
# dependants, and the plugin itself is a dependency, so a new protoc-gen-rom regenerates everything.
#
# Works in rom's own build (targets rom, protoc-gen-rom) and after find_package(rom CONFIG) (imported
# rom::rom, rom::protoc-gen-rom); ROM_PROTOC, ROM_PROTOC_GEN_C, ROM_IDL_DIR and ROM_PROTOBUF_INCLUDE come
# from the caller's scope (rom's CMakeLists.txt or romConfig.cmake).
include_guard(GLOBAL)

function(rom_generate)
    cmake_parse_arguments(ARG "NO_LINK" "TARGET;PROTO_ROOT;OUT_DIR" "PROTOS;IMPORT_DIRS" ${ARGN})
    if(NOT ARG_TARGET OR NOT ARG_PROTOS)
        message(FATAL_ERROR "rom_generate: TARGET <target> and PROTOS <file.proto>... are required")
    endif()
    if(NOT TARGET ${ARG_TARGET})
        message(FATAL_ERROR "rom_generate: ${ARG_TARGET} is not a target; add_executable/add_library it first")
    endif()
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "rom_generate: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    if(TARGET protoc-gen-rom)
        set(plugin protoc-gen-rom)
        set(runtime rom)
    elseif(TARGET rom::protoc-gen-rom)
        set(plugin rom::protoc-gen-rom)
        set(runtime rom::rom)
    else()
        message(FATAL_ERROR "rom_generate: no protoc-gen-rom target; use find_package(rom CONFIG REQUIRED)")
    endif()

    set(root "${ARG_PROTO_ROOT}")
    if(NOT root)
        set(root "${CMAKE_CURRENT_SOURCE_DIR}")
    endif()
    get_filename_component(root "${root}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(out "${ARG_OUT_DIR}")
    if(NOT out)
        # One folder per target: two targets may generate the same .proto without clashing outputs.
        set(out "${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}.rom-gen")
    endif()
    get_filename_component(out "${out}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

    set(import_args "-I${root}")
    foreach(dir IN LISTS ARG_IMPORT_DIRS)
        get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
        list(APPEND import_args "-I${dir}")
    endforeach()
    list(APPEND import_args "-I${ROM_IDL_DIR}" "-I${ROM_PROTOBUF_INCLUDE}")

    set(sources)
    foreach(proto IN LISTS ARG_PROTOS)
        get_filename_component(abs "${proto}" ABSOLUTE BASE_DIR "${root}")
        file(RELATIVE_PATH rel "${root}" "${abs}")
        if(rel MATCHES "^\\.\\./")
            message(FATAL_ERROR "rom_generate: ${proto} is outside PROTO_ROOT ${root}")
        endif()
        string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
        set(outputs "${out}/${stem}.pb-c.c" "${out}/${stem}.pb-c.h" "${out}/${stem}.rom.c" "${out}/${stem}.rom.h")
        add_custom_command(
            OUTPUT ${outputs}
            COMMAND "${CMAKE_COMMAND}" -E make_directory "${out}"
            COMMAND "${ROM_PROTOC}" "--plugin=protoc-gen-c=${ROM_PROTOC_GEN_C}"
                    "--plugin=protoc-gen-rom=$<TARGET_FILE:${plugin}>"
                    ${import_args} "--c_out=${out}" "--rom_out=${out}"
                    "--dependency_out=${out}/${stem}.d" "${abs}"
            DEPENDS "${abs}" ${plugin} "${ROM_PROTOC_GEN_C}"
            DEPFILE "${out}/${stem}.d"
            COMMENT "rom_generate ${rel} (protoc-c + protoc-gen-rom)"
            VERBATIM)
        list(APPEND sources ${outputs})
    endforeach()

    target_sources(${ARG_TARGET} PRIVATE ${sources})
    if(ARG_NO_LINK)
        return()
    endif()
    # A library's own headers may include the generated ones: its users need the folder too.
    get_target_property(type ${ARG_TARGET} TYPE)
    if(type STREQUAL "EXECUTABLE")
        target_include_directories(${ARG_TARGET} PRIVATE "${out}")
        target_link_libraries(${ARG_TARGET} PRIVATE ${runtime})
    else()
        target_include_directories(${ARG_TARGET} PUBLIC "$<BUILD_INTERFACE:${out}>")
        target_link_libraries(${ARG_TARGET} PUBLIC ${runtime})
    endif()
endfunction()
