#!/bin/sh
# check_readme.sh: run the README's install and build recipes as written, so the README cannot drift from
# what works. The blocks to run are marked in README.md by a line `<!-- readme-test: NAME -->` before their
# fence; this script extracts them by name:
#   counter.proto   step 1's class, used as the project's .proto
#   install.sh      `cmake --install build --prefix /usr/local`, run beside a `build` link to this build, with
#                   /usr/local replaced by a scratch prefix (the one substitution made)
#   CMakeLists.txt  the find_package project, built against that prefix (CMAKE_PREFIX_PATH) and run
#   pkg-config.sh   the protoc + cc recipe, run as a shell script with PKG_CONFIG_PATH at that prefix
#   rom-server.c    the Python section's server, seeds.py its program (the installed Python client), seeds.sh
#                   builds and runs them (/usr/local and /tmp/app.sock replaced by the scratch prefix and a
#                   scratch socket); its output must be seeds.out exactly. Skipped, saying why, when
#                   /usr/bin/python3 lacks python3-zmq or python3-protobuf.
# The projects' C sources are the flagship example's (examples/counter), the .proto and the build files the
# README's. Each built program must print the exact total. With SANITIZE=ON (librom built with ASan+UBSan),
# `cc` and CMake get the same flags, as a user's build must.
#
# usage: check_readme.sh README SOURCE_DIR BUILD_DIR WORK_DIR C_COMPILER SANITIZE
set -eu
readme=$1
src=$2
build=$3
work=$4
c_compiler=$5
sanitize=$6

flags=""
case "$sanitize" in
    ON | on | 1 | TRUE | true) flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" ;;
esac

# extract NAME: the fenced block after the marker, without its fences; fails if there is none.
extract () {
    awk -v marker="<!-- readme-test: $1 -->" '
        $0 == marker { state = 1; next }
        state == 1 && /^```/ { state = 2; next }
        state == 2 && /^```/ { found = 1; exit }
        state == 2 { print }
        END { exit found ? 0 : 1 }' "$readme" || {
        echo "check_readme: README.md has no complete block marked 'readme-test: $1'" >&2
        exit 1
    }
}

# expect_total OUTPUT N: the counter example's last line says N.
expect_total () {
    printf '%s\n' "$1"
    case "$1" in
        *"shared Counter after "*": $2 (expected $2)"*) ;;
        *) echo "check_readme: the counter did not reach $2" >&2; exit 1 ;;
    esac
}

project () {
    mkdir -p "$1"
    cp "$src/examples/counter/main.c" "$src/examples/counter/counter_servant.c" \
        "$src/examples/counter/counter_servant.h" "$1/"
    extract counter.proto >"$1/counter.proto"
}

rm -rf "$work"
mkdir -p "$work/install"
prefix="$work/prefix"

echo "== README install.sh"
ln -s "$build" "$work/install/build"
extract install.sh | sed "s#/usr/local#$prefix#g" >"$work/install/install.sh"
cat "$work/install/install.sh"
(cd "$work/install" && sh -eu ./install.sh >install.log) || { cat "$work/install/install.log"; exit 1; }

echo "== README CMakeLists.txt (find_package)"
project "$work/cmake"
extract CMakeLists.txt >"$work/cmake/CMakeLists.txt"
CFLAGS="$flags" LDFLAGS="$flags" cmake -S "$work/cmake" -B "$work/cmake/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$c_compiler" >"$work/cmake/configure.log" 2>&1 || { cat "$work/cmake/configure.log"; exit 1; }
cmake --build "$work/cmake/build" -j 2 >"$work/cmake/build.log" 2>&1 || { cat "$work/cmake/build.log"; exit 1; }
expect_total "$("$work/cmake/build/counter" 4 100)" 400

echo "== README pkg-config.sh"
project "$work/pc"
pc_file=$(find "$prefix" -name rom.pc | head -n 1)
[ -n "$pc_file" ] || { echo "check_readme: no rom.pc under $prefix" >&2; exit 1; }
{
    # The one addition: `cc` is the compiler rom was built with, and with its sanitizer flags if any.
    echo "cc () { command \"$c_compiler\" $flags \"\$@\"; }"
    extract pkg-config.sh
} >"$work/pc/recipe.sh"
cat "$work/pc/recipe.sh"
out=$(cd "$work/pc" && PKG_CONFIG_PATH=$(dirname "$pc_file") sh -eu ./recipe.sh)
expect_total "$out" 4000

echo "== README rom-server.c, seeds.py, seeds.sh (the Python client, installed)"
if /usr/bin/python3 -c 'import zmq, google.protobuf' 2>/dev/null; then
    mkdir -p "$work/py"
    extract rom-server.c >"$work/py/rom-server.c"
    extract seeds.py >"$work/py/seeds.py"
    extract seeds.out >"$work/py/expected.out"
    {
        # The additions: `cc` as above, and the server stopped however the recipe ends.
        echo "cc () { command \"$c_compiler\" $flags \"\$@\"; }"
        echo "trap 'kill \$! 2>/dev/null || true' EXIT"
        extract seeds.sh | sed -e "s#/usr/local#$prefix#g" -e "s#/tmp/app.sock#$work/py/app.sock#g"
    } >"$work/py/recipe.sh"
    cat "$work/py/recipe.sh"
    (cd "$work/py" && PKG_CONFIG_PATH=$(dirname "$pc_file") sh -eu ./recipe.sh >actual.out)
    cat "$work/py/actual.out"
    diff -u "$work/py/expected.out" "$work/py/actual.out" || { echo "check_readme: seeds.py printed otherwise" >&2; exit 1; }
else
    echo "check_readme: skipped the Python recipe: /usr/bin/python3 has no python3-zmq or python3-protobuf"
fi
echo "check_readme: every README recipe ran as written"
