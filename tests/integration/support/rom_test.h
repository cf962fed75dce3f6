// rom_test.h: what the integration tests share: the test types (generated from proto/test.proto), a server
// in a forked process, endpoints in the test's temp dir.
#ifndef ROM_TEST_H
#define ROM_TEST_H

#include "rom_private.h"                 // first: it selects the feature level (_GNU_SOURCE)
#include "google/protobuf/struct.pb-c.h" // compiled into librom
#include "test.rom.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/types.h>

// test.Tally (proto/test.proto, generated: test__tally__rom_type, TEST__TALLY_METHOD__*): a number that Add
// changes, hosted by rom_test_register with the servant of rom_test.c. Every message is test.Number but
// Echo's (test.Blob) and Nest's (google.protobuf.Value).

// test.Tally objects destroyed so far in this process (servant destructor calls).
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
// A call returning a Number (Get, Destroyed, Waiters) with an empty input: its value (asserts success).
int64_t rom_test_tally_query (rom_proxy_t *tally, Test__Tally_Method method);

#endif
