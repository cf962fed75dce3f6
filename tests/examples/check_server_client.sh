#!/bin/sh
# check_server_client.sh SERVER CLIENT: examples/server_client as a user runs it. A standalone server on an
# ipc socket in a fresh temp dir; four client processes increment its Counter at once (1000 each); a fifth
# reads exactly 4000; SIGTERM stops the server cleanly (exit 0) and removes the socket file; a client that
# comes after gets a clear failure, not a hang.
set -u
server=$1
client=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/rom-server-client-XXXXXX")
sock="$dir/counter.sock"
out="$dir/server.out"
"$server" "ipc://$sock" >"$out" 2>&1 &
pid=$!
fail () {
    echo "FAILED: $*"
    echo "---- server output:"; cat "$out"
    for f in "$dir"/client*.out; do [ -e "$f" ] && { echo "---- $f:"; cat "$f"; }; done
    kill "$pid" 2>/dev/null
    rm -rf "$dir"
    exit 1
}
i=0
until grep -q "^serving at" "$out"; do # the server says when it serves
    i=$((i + 1))
    { [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; } && fail "the server did not start"
    sleep 0.1
done
clients=""
for n in 1 2 3 4; do
    "$client" "ipc://$sock" 1000 >"$dir/client$n.out" 2>&1 &
    clients="$clients $!"
done
for c in $clients; do
    wait "$c" || fail "client $c failed"
done
final=$("$client" "ipc://$sock" 0 2>&1)
echo "$final"
[ "$final" = "hits after my 0 increments: 4000" ] || fail "expected 4000"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
cat "$out"
[ "$status" -eq 0 ] || fail "server exit status $status"
grep -q "^stopped cleanly" "$out" || fail "the server did not stop cleanly"
[ ! -e "$sock" ] || fail "the socket file $sock was left behind"
if "$client" "ipc://$sock" 1 >"$dir/late.out" 2>&1; then
    fail "a client succeeded without a server"
fi
cat "$dir/late.out"
rm -rf "$dir"
echo "server_client: ok"
