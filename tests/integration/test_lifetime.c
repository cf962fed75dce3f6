// test_lifetime.c: a client process that dies without a goodbye (SIGKILL, _exit, abort) has its session
// dropped as soon as its connections close, well within the server's session timeout: its references are
// released, its unnamed objects are destroyed (the servant destructor runs), its waiting calls are dropped;
// named objects and live clients are untouched. A client that is alive but stopped (SIGSTOP) keeps its
// session for as long as it is stopped, on ipc and on tcp (issue 12).
//
// How a test sees the drop without sleeping: the parent parks a Wait call on the dead client's object
// (calls hold no reference); when the object is destroyed that call is answered ROM_CLOSED. Its arrival is
// the event, its deadline the bound.
#include "rom_test_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_MS 400u // the servers' session timeout in these tests
#define SLACK_MS 600u   // scheduling, sanitizers, a loaded CI machine

typedef enum { DIE_SIGKILL, DIE_EXIT, DIE_ABORT, DIE_FREEZE } death_t;

static int
s_setup_with (void **state, const char *transport, uint32_t timeout_ms)
{
    rom_server_opts_t opts = {.session_timeout_ms = timeout_ms};
    *state = rom_test_fixture_serve (transport, "lifetime", &opts);
    return 0;
}

static int
s_setup_ipc (void **state)
{
    return s_setup_with (state, "ipc", TIMEOUT_MS);
}

static int
s_setup_tcp (void **state)
{
    return s_setup_with (state, "tcp", TIMEOUT_MS);
}

static int
s_setup_default (void **state)
{
    return s_setup_with (state, "ipc", 0);
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
    rom_status_t status = rom_proxy_create (client, &test__tally__rom_type, name, &init.base,
                                            ROM_CREATE_EXIST_OK, &proxy);
    if (status != ROM_OK)
        fail_msg ("create: %s: %s", rom_strerror (status), rom_client_errmsg (client));
    return proxy;
}

static rom_future_t *
s_wait_async (rom_proxy_t *tally, uint64_t until)
{
    Test__Number in = TEST__NUMBER__INIT;
    in.value = until;
    rom_future_t *future = NULL;
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__WAIT, &in.base, &future), ROM_OK);
    return future;
}

// The doomed client: an unnamed object of its own (its token goes to the parent), a reference to the named
// "gate", and a call parked on the gate. Then it says so and waits to die: killed by the parent, or told to
// exit or abort once the parent has parked its call on the child's object (dying sooner would race it).
static void
s_doomed_child (const char *endpoint, int out_fd, int in_fd, death_t death)
{
    rom_client_t *client = rom_test_connect (endpoint);
    rom_proxy_t *mine = s_tally (client, NULL);
    rom_proxy_t *gate = s_tally (client, "gate");
    rom_future_t *parked = s_wait_async (gate, 1000000);
    // Calls on one socket run in order: once Get answers, the Wait above is parked for sure.
    rom_test_tally_query (gate, TEST__TALLY_METHOD__GET);
    char *token = rom_proxy_to_token (mine);
    rom_test_send_line (out_fd, token);
    free (token);
    (void) parked;
    char line[16];
    if ((death == DIE_EXIT || death == DIE_ABORT) && !rom_test_recv_line (in_fd, line, sizeof line, 30000))
        _exit (2);
    switch (death) {
    case DIE_EXIT: _exit (0); // no goodbye, no destroy
    case DIE_ABORT: {
        struct rlimit no_core = {0, 0};
        setrlimit (RLIMIT_CORE, &no_core); // a crash, not a core dump to write
        signal (SIGABRT, SIG_DFL);
        abort ();
    }
    default:
        for (;;)
            pause (); // SIGKILLed or SIGSTOPped by the parent
    }
}

// Kill a client in the given way and check that its session is dropped within the bound.
static void
s_client_dies (rom_test_fixture_t *f, death_t death, uint32_t bound_ms)
{
    rom_proxy_t *gate = s_tally (f->client, "gate");
    uint64_t destroyed = rom_test_tally_query (gate, TEST__TALLY_METHOD__DESTROYED);
    int pipe_fd[2], die_fd[2];
    assert_int_equal (pipe (pipe_fd), 0);
    assert_int_equal (pipe (die_fd), 0);
    fflush (NULL);
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        close (pipe_fd[0]);
        close (die_fd[1]);
        s_doomed_child (f->endpoint, pipe_fd[1], die_fd[0], death);
    }
    close (pipe_fd[1]);
    close (die_fd[0]);
    char token[ROM_PATH_MAX];
    assert_true (rom_test_recv_line (pipe_fd[0], token, sizeof token, 10000));
    close (pipe_fd[0]);
    assert_int_equal (rom_test_tally_query (gate, TEST__TALLY_METHOD__WAITERS), 1);

    // Park a call on the child's object, holding no reference to it.
    rom_proxy_t *theirs = NULL;
    assert_int_equal (rom_proxy_from_token (f->client, &test__tally__rom_type, token, &theirs), ROM_OK);
    rom_client_set_timeout (f->client,
                            bound_ms + SLACK_MS + 2000 + (death == DIE_FREEZE ? 5 * TIMEOUT_MS : 0));
    rom_future_t *closed = s_wait_async (theirs, 1000000);
    rom_proxy_destroy (&theirs);
    rom_client_set_timeout (f->client, 5000);
    rom_test_tally_query (gate, TEST__TALLY_METHOD__GET); // the release above has been handled

    if (death == DIE_FREEZE) {
        // Stopped for five session timeouts: alive, its connections up, its ZMQ I/O thread frozen. It keeps
        // its session: a Wait that times out on the server is the clock, and afterwards the child's parked
        // call and its object are still there. Then it dies for real.
        kill (child, SIGSTOP);
        rom_client_set_timeout (f->client, 5 * TIMEOUT_MS);
        Test__Number in = TEST__NUMBER__INIT;
        in.value = 1000000;
        assert_int_equal (rom_proxy_call (gate, TEST__TALLY_METHOD__WAIT, &in.base, NULL), ROM_TIMEOUT);
        rom_client_set_timeout (f->client, 5000);
        assert_int_equal (rom_test_tally_query (gate, TEST__TALLY_METHOD__WAITERS), 1);
        assert_int_equal (rom_test_tally_query (gate, TEST__TALLY_METHOD__DESTROYED), destroyed);
        kill (child, SIGCONT);
    }
    uint64_t start = romi_now_ms ();
    if (death == DIE_SIGKILL || death == DIE_FREEZE)
        kill (child, SIGKILL);
    else
        rom_test_send_line (die_fd[1], "die");
    close (die_fd[1]);
    assert_int_equal (rom_future_wait (&closed, NULL), ROM_CLOSED);
    uint64_t spent = romi_now_ms () - start;
    printf ("# session of a client (death %d) dropped after %llu ms (bound %u ms)\n", (int) death,
            (unsigned long long) spent, bound_ms);
    assert_true (spent <= bound_ms + SLACK_MS);

    // Its object's servant destructor ran, its parked call is gone, the named gate lives on.
    assert_int_equal (rom_test_tally_query (gate, TEST__TALLY_METHOD__DESTROYED), destroyed + 1);
    assert_int_equal (rom_test_tally_query (gate, TEST__TALLY_METHOD__WAITERS), 0);
    assert_int_equal (rom_test_tally_add (gate, 1), 1);
    rom_test_tally_add (gate, -1);
    assert_int_equal (rom_proxy_from_token (f->client, &test__tally__rom_type, token, &theirs),
                      ROM_NO_OBJECT);

    int status = 0;
    assert_true (rom_test_wait_gone (child, 5000, &status));
    rom_proxy_destroy (&gate);
}

static void
test_sigkill (void **state)
{
    s_client_dies (*state, DIE_SIGKILL, TIMEOUT_MS);
}

static void
test_exit_without_destroy (void **state)
{
    s_client_dies (*state, DIE_EXIT, TIMEOUT_MS);
}

static void
test_abort (void **state)
{
    s_client_dies (*state, DIE_ABORT, TIMEOUT_MS);
}

// A process that is alive but silent (a frozen process, a host gone from the network): its connection
// stays open, only the missing heartbeats tell.
// A stopped client is not dead: it keeps its session (and what the session holds) however long it is
// stopped, and loses it at once when it is killed.
static void
test_frozen_client (void **state)
{
    s_client_dies (*state, DIE_FREEZE, TIMEOUT_MS);
}

// The default bound is at most 5 s.
static void
test_default_bound (void **state)
{
    s_client_dies (*state, DIE_SIGKILL, 4000);
}

// Live clients keep their sessions however long they idle and however many others die: a client idle for
// several session timeouts while three others are killed still holds its unnamed object.
static void
test_idle_client_survives (void **state)
{
    rom_test_fixture_t *f = *state;
    int to_child[2], from_child[2];
    assert_int_equal (pipe (to_child), 0);
    assert_int_equal (pipe (from_child), 0);
    fflush (NULL);
    pid_t idle = fork ();
    if (idle == 0) {
        close (to_child[1]);
        close (from_child[0]);
        rom_client_t *client = rom_test_connect (f->endpoint);
        rom_proxy_t *mine = s_tally (client, NULL);
        rom_test_tally_add (mine, 5);
        rom_test_send_line (from_child[1], "ready");
        char line[16];
        // Idle: nothing sent until the parent says go.
        if (!rom_test_recv_line (to_child[0], line, sizeof line, 30000))
            _exit (2);
        int ok = rom_test_tally_add (mine, 1) == 6;
        rom_proxy_destroy (&mine);
        rom_client_destroy (&client);
        _exit (ok ? 0 : 3);
    }
    close (to_child[0]);
    close (from_child[1]);
    char line[16];
    assert_true (rom_test_recv_line (from_child[0], line, sizeof line, 10000));
    for (int i = 0; i < 3; i++)
        s_client_dies (f, DIE_SIGKILL, TIMEOUT_MS);
    // Past every sweep those deaths caused (two grace periods after the last): a Wait that times out on
    // the server is the clock.
    rom_proxy_t *gate = s_tally (f->client, "gate");
    rom_client_set_timeout (f->client, TIMEOUT_MS * 2);
    Test__Number in = TEST__NUMBER__INIT;
    in.value = 1000000;
    assert_int_equal (rom_proxy_call (gate, TEST__TALLY_METHOD__WAIT, &in.base, NULL), ROM_TIMEOUT);
    rom_client_set_timeout (f->client, 5000);
    rom_test_send_line (to_child[1], "go");
    int status = 0;
    assert_true (rom_test_wait_gone (idle, 10000, &status));
    assert_true (rom_test_exited_ok (status));
    close (to_child[1]);
    close (from_child[0]);
    rom_proxy_destroy (&gate);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_sigkill, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_sigkill, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_exit_without_destroy, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_abort, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_frozen_client, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_frozen_client, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_idle_client_survives, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_default_bound, s_setup_default, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
