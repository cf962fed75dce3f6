// rom_test.h: what the integration tests share: a hand-written test type (no generator needed, so the
// runtime is tested on its own), a server in a forked process, endpoints in the test's temp dir.
#ifndef ROM_TEST_H
#define ROM_TEST_H

#include "rom_private.h" // first: it selects the feature level (_GNU_SOURCE)
#include "google/protobuf/struct.pb-c.h" // compiled into librom

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/types.h>

// test.Tally: a number that Add changes. Messages come from wire.proto so no generated code is needed:
// creation args and Add/Get/Fail/Wait/Sleep all use rom.RefRequest (its `id` is the number).
//   0 Add(RefRequest) -> RefRequest    adds id, returns the new total
//   1 Get(Empty) -> RefRequest         the total
//   2 Fail(RefRequest) -> Empty        fails with status `id` and text "asked to fail with <id>"
//   3 Wait(RefRequest) -> RefRequest   deferred until the total reaches id (answered by a later Add)
//   4 Sleep(RefRequest) -> Empty       blocks the server for id milliseconds (a slow method)
//   5 Echo(CreateRequest) -> CreateRequest   returns its input (payload tests)
//   6 Destroyed(Empty) -> RefRequest   test.Tally destructor calls so far in the server process
//   7 Waiters(Empty) -> RefRequest     Wait calls parked on this object
//   8 Nest(google.protobuf.Value) -> Empty   accepts a recursive message (nesting-depth tests)
enum {
    TALLY_ADD,
    TALLY_GET,
    TALLY_FAIL,
    TALLY_WAIT,
    TALLY_SLEEP,
    TALLY_ECHO,
    TALLY_DESTROYED,
    TALLY_WAITERS,
    TALLY_NEST,
    TALLY_N_METHODS
};
extern const rom_type_t rom_test_tally_type;
// Objects destroyed so far in this process (servant destructor calls).
extern int rom_test_tally_destroyed;

// Register test.Tally (and anything else tests need) on a server.
rom_status_t rom_test_register (rom_server_t *server, void *arg);

// A fresh endpoint: "ipc://<ROM_TEST_TMPDIR>/<name>-<pid>.sock" or "tcp://127.0.0.1:<free port>" when
// `transport` is "tcp". Returns a static buffer per call slot (4 slots).
const char *rom_test_endpoint (const char *transport, const char *name);

// Fork a server process bound to `endpoint` serving rom_test_register types (max_message 0: default).
// Returns its pid once it accepts connections.
pid_t rom_test_server_fork (const char *endpoint, size_t max_message);
// SIGTERM the server and wait for it; returns its exit status (0 on a clean stop).
int rom_test_server_stop (pid_t pid);
// SIGKILL child `pid` (a server or any other) and reap it, so the kernel has closed every socket it had
// when this returns.
void rom_test_kill_reap (pid_t pid);
// Wait for child `pid` (asserting it is ours) and return its exit code, or 128 + the signal that ended it.
int rom_test_join (pid_t pid);

// Connect with short timeouts (connect 2000 ms, calls 5000 ms), asserting success.
rom_client_t *rom_test_connect (const char *endpoint);

// A one-shot call to test.Tally: Add `n` and return the total (asserts success).
int64_t rom_test_tally_add (rom_proxy_t *tally, int64_t n);
// A call returning a RefRequest (Get, Destroyed, Waiters) with an empty input: its id (asserts success).
uint64_t rom_test_tally_query (rom_proxy_t *tally, unsigned method);

#endif
