# RomInstall.cmake: what `cmake --install` puts where, so that other projects can use rom through
# find_package(rom CONFIG) (imported rom::rom and rom::protoc-gen-rom, rom_generate ()) or pkg-config (rom.pc).
#
# Layout under the prefix:
#   lib/librom.a                            the runtime (static by default)
#   bin/protoc-gen-rom                      the protoc plugin (its install rule is in codegen/CMakeLists.txt)
#   include/rom/*.h                         the public API (#include <rom/rom.h>)
#   include/rom/proto/{rom,google/protobuf}/*.pb-c.h
#                                           protobuf-c headers of rom's IDL and of protobuf's well-known types,
#                                           whose code is compiled into librom; include/rom/proto is on the
#                                           include path so generated code finds "google/protobuf/empty.pb-c.h"
#   share/rom/idl/rom/**/*.proto            rom's IDL, the import path of rom_generate () ("rom/options.proto")
#   lib/cmake/rom/                          romConfig.cmake, romConfigVersion.cmake, romTargets*.cmake,
#                                           RomGenerate.cmake
#   lib/pkgconfig/rom.pc
# (lib is CMAKE_INSTALL_LIBDIR: lib/<multiarch> when the prefix is /usr on Debian.)
include(CMakePackageConfigHelpers)

set(ROM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/rom" CACHE STRING
    "Where romConfig.cmake and its companions are installed, relative to the prefix")
set(ROM_INSTALL_IDLDIR "${CMAKE_INSTALL_DATADIR}/rom/idl")
mark_as_advanced(ROM_INSTALL_CMAKEDIR)

# ---- the runtime library and its headers ----------------------------------------------------------------
install(TARGETS rom EXPORT romTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/runtime/include/rom/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/rom"
        FILES_MATCHING PATTERN "*.h")
# Generated at build time by runtime/CMakeLists.txt (rom_protoc_c): rom/*.pb-c.h and google/protobuf/*.pb-c.h.
# The whole tree is taken, so headers the runtime generates later (builtins) are installed too.
install(DIRECTORY "${CMAKE_BINARY_DIR}/runtime/proto/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/rom/proto"
        FILES_MATCHING PATTERN "*.h")

# ---- rom's IDL ------------------------------------------------------------------------------------------
install(DIRECTORY "${PROJECT_SOURCE_DIR}/idl/rom"
        DESTINATION "${ROM_INSTALL_IDLDIR}"
        FILES_MATCHING PATTERN "*.proto")

# ---- CMake package: romConfig.cmake + version + exported targets + rom_generate () ---------------------
# romTargets holds rom (and protoc-gen-rom, added to the same export set in codegen/CMakeLists.txt).
install(EXPORT romTargets NAMESPACE rom:: DESTINATION "${ROM_INSTALL_CMAKEDIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/romConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/romConfig.cmake"
                              INSTALL_DESTINATION "${ROM_INSTALL_CMAKEDIR}"
                              PATH_VARS ROM_INSTALL_IDLDIR CMAKE_INSTALL_BINDIR)
# 0.x: a minor release may break the API, so only the same major.minor is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/romConfigVersion.cmake"
                                 VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/romConfig.cmake" "${PROJECT_BINARY_DIR}/romConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/RomGenerate.cmake"
        DESTINATION "${ROM_INSTALL_CMAKEDIR}")

# ---- pkg-config ----------------------------------------------------------------------------------------
# librom links libzmq privately, but a static library's private dependencies must still be linked by its
# users: with a static librom, libzmq goes to Requires (pkg-config --libs then lists it without --static).
get_target_property(rom_library_type rom TYPE)
if(rom_library_type STREQUAL "STATIC_LIBRARY")
    set(ROM_PC_REQUIRES "libprotobuf-c libzmq")
    set(ROM_PC_REQUIRES_PRIVATE "")
else()
    set(ROM_PC_REQUIRES "libprotobuf-c")
    set(ROM_PC_REQUIRES_PRIVATE "libzmq")
endif()
# Directories as rom.pc spells them: relative ones under ${prefix} (a pkg-config variable reference).
foreach(kind LIBDIR INCLUDEDIR DATADIR BINDIR)
    set(dir "${CMAKE_INSTALL_${kind}}")
    if(NOT IS_ABSOLUTE "${dir}")
        set(dir "\${prefix}/${dir}")
    endif()
    set(ROM_PC_${kind} "${dir}")
endforeach()
# The prefix is only known for sure at install time (cmake --install --prefix overrides the configured one),
# so rom.pc is written then, with the prefix actually used, and installed by the rule that follows.
set(rom_pc_build "${PROJECT_BINARY_DIR}/rom.pc")
set(rom_pc_code "set(ROM_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")\n")
foreach(var PROJECT_VERSION PROJECT_DESCRIPTION ROM_PC_REQUIRES ROM_PC_REQUIRES_PRIVATE
            ROM_PC_LIBDIR ROM_PC_INCLUDEDIR ROM_PC_DATADIR ROM_PC_BINDIR)
    string(REPLACE "$" "\\$" value "${${var}}")
    string(APPEND rom_pc_code "set(${var} \"${value}\")\n")
endforeach()
string(APPEND rom_pc_code "configure_file(\"${PROJECT_SOURCE_DIR}/cmake/rom.pc.in\" \"${rom_pc_build}\" @ONLY)\n")
install(CODE "${rom_pc_code}")
install(FILES "${rom_pc_build}" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
