#!/bin/sh
# check_server_client.sh SERVER CLIENT: examples/server_client as a user runs it. A standalone server on an
# ipc socket in a fresh temp dir; four client processes increment its Counter at once (1000 each); a fifth
# reads exactly 4000; SIGTERM stops the server cleanly (exit 0) and removes the socket file; a client that
# comes after gets a clear failure, not a hang.
set -eu
server=$1
client=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/rom-server-client-XXXXXX")
sock="$dir/counter.sock"
out="$dir/server.out"
"$server" "ipc://$sock" >"$out" 2>&1 &
pid=$!
cleanup () { kill "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
i=0
until grep -q "^serving at" "$out"; do # the server says when it serves
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "the server did not start:"; cat "$out"; exit 1
    fi
    sleep 0.1
done
for n in 1 2 3 4; do "$client" "ipc://$sock" 1000 >"$dir/client$n.out" & done
wait_clients=0
for job in $(jobs -p); do
    [ "$job" = "$pid" ] && continue
    wait "$job" || wait_clients=1
done
[ "$wait_clients" -eq 0 ] || { echo "a client failed"; cat "$dir"/client*.out; exit 1; }
final=$("$client" "ipc://$sock" 0)
echo "$final"
[ "$final" = "hits after my 0 increments: 4000" ] || { echo "expected 4000"; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
cat "$out"
[ "$status" -eq 0 ] || { echo "server exit status $status"; exit 1; }
grep -q "^stopped cleanly" "$out" || { echo "the server did not stop cleanly"; exit 1; }
[ ! -e "$sock" ] || { echo "the socket file $sock was left behind"; exit 1; }
if "$client" "ipc://$sock" 1 >"$dir/late.out" 2>&1; then
    echo "a client succeeded without a server"; exit 1
fi
cat "$dir/late.out"
echo "server_client: ok"
