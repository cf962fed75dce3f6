#!/bin/sh
# check_exports.sh: a shared librom exports rom's API and nothing else (docs/design.md, "Layers").
#   - every defined dynamic symbol is public API (rom_*) or generated code of rom's IDL (rom__*,
#     google__protobuf__*), never an internal romi_* or an unprefixed helper;
#   - every function the public headers declare is exported (a missing one would link statically and fail
#     only for users of the shared library).
# usage: check_exports.sh librom.so include-dir
set -eu
lib=$1
include=$2
nm_out=$(mktemp)
trap 'rm -f "$nm_out"' EXIT
nm -D --defined-only "$lib" | awk '{ print $NF }' | sort -u >"$nm_out"

# Linker-made symbols (_init, _end, __bss_start, ...) begin with an underscore.
bad=$(grep -v -E '^(rom_|rom__|google__protobuf__|_)' "$nm_out" || true)
if [ -n "$bad" ]; then
    echo "check_exports: $lib exports symbols that are not rom's API:" >&2
    echo "$bad" | sed 's/^/  /' >&2
    exit 1
fi

# Declarations in the public headers: `rom_status_t rom_x (...)`, `char *rom_y (...)`, `void rom_z (...)`
# (a name followed by " (" at the start of a declaration or after a return type).
declared=$(cat "$include"/rom/*.h | grep -v '^ *//' | grep -v '^#' \
    | grep -o -E '(^|[ *])rom_[a-z0-9_]+ \(' | sed -E 's/^[ *]//; s/ \($//' | grep -v '_t$' | sort -u)
missing=""
count=0
for name in $declared; do
    count=$((count + 1))
    grep -qx "$name" "$nm_out" || missing="$missing $name"
done
if [ -n "$missing" ]; then
    echo "check_exports: declared in $include/rom but not exported by $lib:$missing" >&2
    exit 1
fi
echo "check_exports: $lib exports the $count functions of the public headers and generated code only"
