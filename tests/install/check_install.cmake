# check_install.cmake: the install tests' driver, run by ctest as `cmake -DSTEP=<step> ... -P check_install.cmake`.
#   STEP=install       cmake --install BUILD_DIR into STAGE/prefix (fresh), then check the installed layout
#   STEP=find_package  configure, build and run OUTSIDE_SOURCE against STAGE/prefix via CMAKE_PREFIX_PATH
#   STEP=pkg_config    compile PKGCONFIG_SOURCE with `pkg-config --cflags --libs rom` alone, and run it
# SANITIZE=ON (an ASan+UBSan build of rom) builds the users' programs with the same flags, as they must be.
cmake_minimum_required(VERSION 3.25)
foreach(var STEP BUILD_DIR STAGE C_COMPILER GENERATOR)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "check_install.cmake: -D${var}=... is required")
    endif()
endforeach()
set(prefix "${STAGE}/prefix")
set(sanitize_flags "")
if(SANITIZE)
    set(sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
endif()

# Run a command; stop with its output if it fails or times out. Its stdout lands in `out_var` if given.
function(run what)
    cmake_parse_arguments(ARG "" "OUTPUT;TIMEOUT" "COMMAND" ${ARGN})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 240)
    endif()
    string(REPLACE ";" " " shown "${ARG_COMMAND}")
    message(STATUS "${what}: ${shown}")
    execute_process(COMMAND ${ARG_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                    TIMEOUT ${ARG_TIMEOUT})
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${what} failed (${rc}):\n${shown}\n--- stdout\n${out}\n--- stderr\n${err}")
    endif()
    if(ARG_OUTPUT)
        set(${ARG_OUTPUT} "${out}" PARENT_SCOPE)
    endif()
endfunction()

if(STEP STREQUAL "install")
    file(REMOVE_RECURSE "${STAGE}")
    run("install" COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
    # What a user relies on; lib may be lib/<multiarch>, so the library and package files are globbed.
    set(missing "")
    foreach(path include/rom/rom.h include/rom/rom_proxy.h include/rom/proto/rom/wire.pb-c.h
                 include/rom/proto/rom/options.pb-c.h include/rom/proto/rom/state.pb-c.h
                 include/rom/proto/google/protobuf/empty.pb-c.h
                 include/rom/proto/google/protobuf/descriptor.pb-c.h
                 share/rom/idl/rom/options.proto share/rom/idl/rom/state.proto share/rom/idl/rom/wire.proto
                 bin/protoc-gen-rom)
        if(NOT EXISTS "${prefix}/${path}")
            list(APPEND missing "${path}")
        endif()
    endforeach()
    foreach(pattern lib*/librom.a lib*/cmake/rom/romConfig.cmake lib*/cmake/rom/romConfigVersion.cmake
                    lib*/cmake/rom/romTargets.cmake lib*/cmake/rom/RomGenerate.cmake lib*/pkgconfig/rom.pc)
        file(GLOB_RECURSE found "${prefix}/${pattern}")
        if(NOT found)
            list(APPEND missing "${pattern}")
        endif()
    endforeach()
    if(missing)
        file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
        string(REPLACE ";" "\n  " installed "${installed}")
        message(FATAL_ERROR "not installed: ${missing}\ninstalled:\n  ${installed}")
    endif()
    # The export must carry rom's link dependencies (librom is static: libzmq has to reach the user's link).
    file(GLOB_RECURSE targets_file "${prefix}/lib*/cmake/rom/romTargets.cmake")
    file(READ "${targets_file}" targets)
    foreach(needed "add_library(rom::rom" "add_executable(rom::protoc-gen-rom" "PkgConfig::ZMQ" "PkgConfig::PROTOBUFC")
        string(FIND "${targets}" "${needed}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "${targets_file} lacks ${needed}")
        endif()
    endforeach()
    message(STATUS "installed into ${prefix}")

elseif(STEP STREQUAL "find_package")
    # A copy of the project, so that the rebuild check below can touch its sources.
    set(source "${STAGE}/outside-src")
    set(build "${STAGE}/outside-build")
    file(REMOVE_RECURSE "${build}" "${source}")
    file(COPY "${OUTSIDE_SOURCE}/" DESTINATION "${source}")
    set(OUTSIDE_SOURCE "${source}")
    string(REPLACE ";" " " flags "${sanitize_flags}")
    run("configure outside project"
        COMMAND "${CMAKE_COMMAND}" -S "${OUTSIDE_SOURCE}" -B "${build}" -G "${GENERATOR}"
                "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Debug
                "-DCMAKE_C_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${flags}")
    run("build outside project" COMMAND "${CMAKE_COMMAND}" --build "${build}" -j 2)
    run("run outside project" COMMAND "${build}/greeter" OUTPUT out TIMEOUT 60)
    message(STATUS "greeter printed: ${out}")
    if(NOT out MATCHES "outside: Hello, installed rom! \\(calls: 1\\)")
        message(FATAL_ERROR "unexpected output of greeter:\n${out}")
    endif()
    # Editing an imported .proto must regenerate its importers (protoc's --dependency_out as DEPFILE).
    file(GLOB_RECURSE generated "${build}/*/greeter.rom.c")
    set(marker "${STAGE}/before-touch")
    file(TOUCH "${marker}")
    execute_process(COMMAND "${CMAKE_COMMAND}" -E sleep 1.1)
    file(TOUCH "${source}/common/stamp.proto")
    run("rebuild after touching common/stamp.proto" COMMAND "${CMAKE_COMMAND}" --build "${build}" -j 2)
    if(NOT generated OR "${marker}" IS_NEWER_THAN "${generated}")
        message(FATAL_ERROR "greeter.rom.c (${generated}) was not regenerated after its import changed")
    endif()

elseif(STEP STREQUAL "pkg_config")
    find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf REQUIRED)
    file(GLOB_RECURSE pc_file "${prefix}/lib*/pkgconfig/rom.pc")
    get_filename_component(pc_dir "${pc_file}" DIRECTORY)
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
    run("pkg-config" COMMAND "${PKG_CONFIG_EXECUTABLE}" --cflags --libs rom OUTPUT flags)
    string(STRIP "${flags}" flags)
    separate_arguments(flags UNIX_COMMAND "${flags}")
    set(exe "${STAGE}/pkgconfig_main")
    run("compile with pkg-config"
        COMMAND "${C_COMPILER}" -std=c11 -Wall -Wextra -Werror ${sanitize_flags} "${PKGCONFIG_SOURCE}"
                -o "${exe}" ${flags})
    run("run pkg-config program" COMMAND "${exe}" OUTPUT out TIMEOUT 60)
    message(STATUS "pkgconfig_main printed: ${out}")
    if(NOT out MATCHES "pkgconfig: PKG-CONFIG WORKS \\(rom [0-9]+\\.[0-9]+\\.[0-9]+\\)")
        message(FATAL_ERROR "unexpected output of pkgconfig_main:\n${out}")
    endif()

else()
    message(FATAL_ERROR "check_install.cmake: unknown STEP '${STEP}'")
endif()
