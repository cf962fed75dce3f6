#!/bin/sh
# check_layers.sh RUNTIME_DIR: every quoted #include of runtime/ stays within its layer (docs/design.md,
# "Layers"). From the bottom:
#   util/      header-only helpers: no quoted include at all
#   src/       the core: its own headers, util/, the public and generated rom/ headers, never a built-in's
#              (rom/builtins/...) nor a header of builtins/ or host/
#   builtins/  the built-in types, servants like any user's: public and generated rom/ headers, util/, their
#              own headers; never a header of the core (src/)
#   state/     the declared-state engine (issue 16), like builtins/: public and generated rom/ headers, util/,
#              its own headers; never a header of the core (src/) nor of builtins/
#   host/      rom_server_new () and the manager process: may include all of the above
set -eu
root=$1
status=0
s_check () {
    layer=$1
    allowed_local=$2 # directories (under root) whose headers the layer may include by bare name
    forbidden=$3     # extended regex of rom/... paths the layer may not include
    for file in "$root/$layer"/*.c "$root/$layer"/*.h; do
        [ -e "$file" ] || continue
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" | while IFS= read -r line; do
            header=$(printf '%s\n' "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
            where=$(printf '%s\n' "$line" | cut -d: -f1)
            case $header in
            rom/*)
                if [ -n "$forbidden" ] && printf '%s\n' "$header" | grep -Eq "$forbidden"; then
                    echo "$layer/$(basename "$file"):$where: includes \"$header\", outside its layer"
                fi
                continue ;;
            esac
            found=0
            for dir in $allowed_local; do
                [ -e "$root/$dir/$header" ] && found=1
            done
            if [ $found = 0 ]; then
                echo "$layer/$(basename "$file"):$where: includes \"$header\", not a header of its layer or below"
            fi
        done
    done
}
out=$(
    s_check util "" "."
    s_check src "src util" "^rom/builtins/"
    s_check builtins "builtins util" ""
    s_check state "state util" ""
    s_check host "host src builtins util" ""
)
if [ -n "$out" ]; then
    echo "$out"
    echo "layering broken: see docs/design.md, \"Layers\""
    exit 1
fi
echo "ok: every include of runtime/ stays within its layer"
