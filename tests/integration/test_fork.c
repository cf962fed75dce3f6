// test_fork.c: proxies and clients cross fork () and exec () (issue 5, points 2 and 3).
//
// fork: the parent makes proxies, 8 children call them while the parent keeps calling, before, during and
// after; every update counts (DESIGN decision 6: the child's first use opens its own context and session
// and re-takes each inherited proxy's reference). exec: a proxy token handed through argv to a fresh
// program (this binary again, in a helper mode) is turned back into a proxy there.
#include "rom_test_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_MS 400u

static int
s_setup (void **state)
{
    rom_server_opts_t opts = {.session_timeout_ms = TIMEOUT_MS};
    *state = rom_test_fixture_serve ("ipc", "fork", &opts);
    return 0;
}

static int
s_teardown (void **state)
{
    rom_test_fixture_stop (*state);
    return 0;
}

static rom_proxy_t *
s_tally (rom_client_t *client, const char *name)
{
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    rom_proxy_t *proxy = NULL;
    assert_int_equal (rom_proxy_create (client, &test__tally__rom_type, name, &init.base, 0, &proxy), ROM_OK);
    return proxy;
}

static void
test_fork_children_use_parent_proxies (void **state)
{
    rom_test_fixture_t *f = *state;
    enum { CHILDREN = 8, EACH = 100, BEFORE = 10, DURING = 200, AFTER = 10 };
    rom_proxy_t *named = s_tally (f->client, "forked");
    rom_proxy_t *unnamed = s_tally (f->client, NULL);
    rom_proxy_t *both[] = {named, unnamed};
    uint64_t destroyed = rom_test_tally_query (named, TEST__TALLY_METHOD__DESTROYED);
    for (int i = 0; i < BEFORE; i++)
        for (int k = 0; k < 2; k++)
            rom_test_tally_add (both[k], 1);

    int go[2];
    assert_int_equal (pipe (go), 0);
    fflush (NULL);
    pid_t children[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        children[c] = fork ();
        assert_true (children[c] >= 0);
        if (children[c] == 0) {
            close (go[1]);
            char line[8];
            // All children start together, while the parent is calling too.
            if (!rom_test_recv_line (go[0], line, sizeof line, 10000))
                _exit (2);
            for (int i = 0; i < EACH; i++)
                for (int k = 0; k < 2; k++)
                    rom_test_tally_add (both[k], 1);
            if (c % 2 == 0) {
                // Half clean up; the other half just exit and leave it to the session timeout.
                rom_proxy_destroy (&named);
                rom_proxy_destroy (&unnamed);
                rom_client_destroy (&f->client);
                _exit (0); // no leak check: LSan cannot stop the parent's threads it still lists here
            }
            _exit (0);
        }
    }
    close (go[0]);
    for (int c = 0; c < CHILDREN; c++)
        rom_test_send_line (go[1], "go");
    close (go[1]);
    for (int i = 0; i < DURING; i++)
        for (int k = 0; k < 2; k++)
            rom_test_tally_add (both[k], 1);
    int failures = 0;
    for (int c = 0; c < CHILDREN; c++) {
        int status = 0;
        assert_true (rom_test_wait_gone (children[c], 15000, &status));
        failures += !rom_test_exited_ok (status);
    }
    assert_int_equal (failures, 0);
    for (int i = 0; i < AFTER; i++)
        for (int k = 0; k < 2; k++)
            rom_test_tally_add (both[k], 1);
    const int64_t total = BEFORE + CHILDREN * EACH + DURING + AFTER;
    for (int k = 0; k < 2; k++)
        assert_int_equal (rom_test_tally_add (both[k], 0), total);

    // The children's sessions are all gone by now or soon; the parent's reference keeps the unnamed object
    // alive through them. A server-side wait that times out past two session timeouts is the clock.
    rom_client_set_timeout (f->client, 2 * TIMEOUT_MS);
    Test__Number until = TEST__NUMBER__INIT;
    until.value = 1u << 30;
    assert_int_equal (rom_proxy_call (named, TEST__TALLY_METHOD__WAIT, &until.base, NULL), ROM_TIMEOUT);
    rom_client_set_timeout (f->client, 5000);
    assert_int_equal (rom_test_tally_add (unnamed, 0), total);
    assert_int_equal (rom_test_tally_query (named, TEST__TALLY_METHOD__DESTROYED), destroyed);
    rom_proxy_destroy (&unnamed);
    assert_int_equal (rom_test_tally_query (named, TEST__TALLY_METHOD__DESTROYED), destroyed + 1);
    rom_proxy_destroy (&named);
}

// A child that only destroys what it inherited (no call first) must drop its own references, not the
// parent's: the parent's proxy still works after.
static void
test_fork_child_destroys_inherited (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL);
    rom_test_tally_add (tally, 7);
    fflush (NULL);
    pid_t child = fork ();
    if (child == 0) {
        rom_proxy_destroy (&tally);
        rom_client_destroy (&f->client);
        _exit (0);
    }
    int status = 0;
    assert_true (rom_test_wait_gone (child, 10000, &status));
    assert_true (rom_test_exited_ok (status));
    assert_int_equal (rom_test_tally_add (tally, 1), 8);
    rom_proxy_destroy (&tally);
}

// exec: the token travels in argv; the new program makes a proxy of its own from it.
static int
s_token_child (const char *token)
{
    rom_proxy_t *tally = NULL;
    rom_status_t status = rom_proxy_from_token (NULL, &test__tally__rom_type, token, &tally);
    if (status != ROM_OK) {
        fprintf (stderr, "token child: %s\n", rom_strerror (status));
        return 1;
    }
    Test__Number in = TEST__NUMBER__INIT;
    in.value = 5;
    status = rom_proxy_call (tally, TEST__TALLY_METHOD__ADD, &in.base, NULL);
    rom_proxy_destroy (&tally); // also closes the client it made
    return status == ROM_OK ? 0 : 1;
}

static void
test_token_through_exec (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL);
    char *token = rom_proxy_to_token (tally);
    assert_non_null (token);
    fflush (NULL);
    pid_t child = fork ();
    if (child == 0) {
        execl ("/proc/self/exe", "test_fork", "--token-child", token, (char *) NULL);
        _exit (127);
    }
    int status = 0;
    assert_true (rom_test_wait_gone (child, 10000, &status));
    assert_true (rom_test_exited_ok (status));
    assert_int_equal (rom_test_tally_add (tally, 0), 5);
    free (token);
    rom_proxy_destroy (&tally);
}

int
main (int argc, char **argv)
{
    if (argc == 3 && strcmp (argv[1], "--token-child") == 0)
        return s_token_child (argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_fork_children_use_parent_proxies, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_fork_child_destroys_inherited, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_token_through_exec, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
