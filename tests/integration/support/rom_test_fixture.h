// rom_test_fixture.h: the fixtures the integration tests share, so each test file says only what is its
// own: a forked test server and a client connected to it (per test), or one server for a whole cmocka group
// (the built-ins' tests, whose children and threads connect on their own).
#ifndef ROM_TEST_FIXTURE_H
#define ROM_TEST_FIXTURE_H

#include "rom_test.h"
#include "rom_test_proc.h"

typedef struct {
    pid_t server; // 0 once a test stopped it itself
    char endpoint[ROM_PATH_MAX];
    rom_client_t *client; // NULL in the group fixture
} rom_test_fixture_t;

// Fork a test server (rom_test_server_fork ()) on a fresh `transport` endpoint named `name` and connect a
// client to it (rom_test_connect ()). The fixture is static storage: one test at a time.
rom_test_fixture_t *rom_test_fixture_start (const char *transport, const char *name);
// The same with a server of any options (rom_test_serve_fork (), `opts` may be NULL): `endpoint` is the one
// it bound (a tcp port resolved).
rom_test_fixture_t *rom_test_fixture_serve (const char *transport, const char *name,
                                            const rom_server_opts_t *opts);
// Destroy the client (asserting it is gone) and stop the server unless it was stopped already, asserting it
// exited cleanly (a leak in it fails the test).
void rom_test_fixture_stop (rom_test_fixture_t *self);

// The server of a whole group: cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown).
// The setup forks it on an ipc endpoint named after the test program; the teardown stops it as above.
extern rom_test_fixture_t rom_test_group;
int rom_test_group_setup (void **state);
int rom_test_group_teardown (void **state);

#endif
