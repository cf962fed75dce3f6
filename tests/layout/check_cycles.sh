#!/bin/sh
# check_cycles.sh LIBROM: the files of librom call each other without a circle. An edge a -> b means a.o uses
# a global symbol b.o defines (nm); tsort fails on any loop of that graph. A circle means two files that can
# be neither understood nor changed alone (docs/design.md, "Layers"): a lower layer that must reach up does
# it through a function pointer the upper one registers.
set -eu
lib=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
ar x "$lib"
for o in *.o; do
    nm --defined-only -g "$o" | awk -v o="$o" 'NF == 3 && $2 ~ /[TDBRCV]/ { print o, $3 }'
done >defs
for o in *.o; do
    nm -u "$o" | awk -v o="$o" '{ print o, $2 }'
done >uses
awk 'NR == FNR { def[$2] = $1; next } ($2 in def) && def[$2] != $1 { print $1, def[$2] }' defs uses | sort -u >edges
# tsort wants "before after" pairs; a node with no edge is listed as "a a".
for o in *.o; do echo "$o $o"; done >>edges
if ! tsort edges >order 2>loops; then
    echo "librom's files call each other in a circle (tsort lists the files of each loop):"
    cat loops
    echo "edges (user -> definer):"
    awk '$1 != $2' edges
    exit 1
fi
echo "ok: $(ls *.o | wc -l) object files, $(awk '$1 != $2' edges | wc -l) edges, no cycle"
