// test_runtime.c: issue 3 point 5 over real sockets, what test_calls.c does not cover already: a server on
// inproc:// (in this process), connect timeouts to nobody on each transport, a server killed in the middle
// of a call, the client's default deadline and a call's own, servant destructors at the last reference
// (observed from the server side), deferred calls that time out leaving no waiter behind, and a server that
// spins only after calls, never while idle.
// Time bounds are loose (a deadline plus a second): they catch a hang, not a slow machine.
#include "rom_test_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
s_setup (void **state)
{
    *state = rom_test_fixture_start ("ipc", "runtime");
    return 0;
}

static int
s_teardown (void **state)
{
    rom_test_fixture_stop (*state);
    return 0;
}

static rom_proxy_t *
s_tally (rom_client_t *client, const char *name, int64_t start)
{
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = start;
    rom_proxy_t *proxy = NULL;
    rom_status_t status = rom_proxy_create (client, &test__tally__rom_type, name, &init.base, 0, &proxy);
    if (status != ROM_OK)
        fail_msg ("create: %s: %s", rom_strerror (status), rom_client_errmsg (client));
    return proxy;
}

static rom_status_t
s_call_id (rom_proxy_t *proxy, unsigned method, uint64_t id)
{
    Test__Number in = TEST__NUMBER__INIT;
    in.value = id;
    return rom_proxy_call (proxy, method, &in.base, NULL);
}

// --- transports --------------------------------------------------------------------------------------------

// A server in a thread of this process on inproc://, reached by a client of the same process: the
// runtime's one ZMQ context per process is what makes inproc work at all.
static void
test_inproc_server (void **state)
{
    (void) state;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://rom-test-%d", (int) getpid ());
    rom_server_t *server = rom_server_new (NULL);
    assert_non_null (server);
    assert_int_equal (rom_test_register (server, NULL), ROM_OK);
    assert_int_equal (rom_server_bind (server, endpoint), ROM_OK);
    assert_string_equal (rom_server_endpoint (server), endpoint);
    assert_int_equal (rom_server_start (server), ROM_OK);

    rom_client_t *client = rom_test_connect (endpoint);
    rom_proxy_t *a = s_tally (client, "inproc", 1);
    assert_int_equal (rom_test_tally_add (a, 2), 3);
    rom_client_t *other = rom_test_connect (endpoint);
    rom_proxy_t *b = NULL;
    assert_int_equal (rom_proxy_lookup (other, &test__tally__rom_type, "inproc", &b), ROM_OK);
    assert_int_equal (rom_test_tally_add (b, 4), 7);
    rom_proxy_t *c = s_tally (other, NULL, 0);
    uint64_t destroyed = rom_test_tally_query (b, TEST__TALLY_METHOD__DESTROYED);
    rom_proxy_destroy (&c); // the last reference: the destructor runs in the server thread
    assert_int_equal (rom_test_tally_query (b, TEST__TALLY_METHOD__DESTROYED), destroyed + 1);
    rom_proxy_destroy (&b);
    rom_client_destroy (&other);
    rom_proxy_destroy (&a);
    rom_client_destroy (&client);
    rom_server_destroy (&server); // stops and joins the thread; the named object is destroyed with it
    assert_null (server);
}

// Nobody at the endpoint: connect gives up within its timeout, says where it tried, and leaves nothing.
static void
s_connect_to_nobody (const char *endpoint)
{
    rom_client_opts_t opts = {.connect_timeout_ms = 300};
    rom_client_t *client = NULL;
    const char *why = NULL;
    uint64_t start = romi_now_ms ();
    rom_status_t status = rom_client_connect (endpoint, &opts, &client, &why);
    uint64_t spent = romi_now_ms () - start;
    if (status != ROM_UNAVAILABLE && status != ROM_TIMEOUT)
        fail_msg ("connect %s: %s, expected UNAVAILABLE or TIMEOUT", endpoint, rom_strerror (status));
    if (spent > 300 + 1000)
        fail_msg ("connect %s took %llu ms with a timeout of 300 ms", endpoint, (unsigned long long) spent);
    assert_null (client);
    assert_non_null (why);
    assert_non_null (strstr (why, endpoint));
}

static void
test_connect_timeout_ipc (void **state)
{
    (void) state;
    s_connect_to_nobody (rom_test_endpoint ("ipc", "nobody"));
}

static void
test_connect_timeout_tcp (void **state)
{
    (void) state;
    s_connect_to_nobody (rom_test_endpoint ("tcp", NULL)); // a free port: nobody listens there
}

static void
test_connect_timeout_inproc (void **state)
{
    (void) state;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://nobody-%d", (int) getpid ());
    s_connect_to_nobody (endpoint);
}

// --- a server that dies -----------------------------------------------------------------------------------

// SIGKILL the server while it runs a call: the caller hears at once (its connection closed), later calls
// fail at once, and destroying the client does not wait for the dead server either.
static void
test_server_killed_mid_call (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    rom_client_t *prober = rom_test_connect (f->endpoint);
    rom_client_set_timeout (f->client, 1500);
    Test__Number ms = TEST__NUMBER__INIT;
    ms.value = 10000;
    rom_future_t *future = NULL;
    uint64_t sent = romi_now_ms ();
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__SLEEP, &ms.base, &future), ROM_OK);
    // The server is inside Sleep once it cannot answer a ping (it serves one call at a time). The prober's
    // connection is not ordered with the caller's: a ping may still be answered before Sleep starts.
    rom_client_set_timeout (prober, 300);
    rom_status_t ping = ROM_OK;
    for (int i = 0; i < 20 && ping == ROM_OK; i++)
        ping = rom_client_ping (prober);
    assert_int_equal (ping, ROM_TIMEOUT);
    rom_client_destroy (&prober);

    rom_test_kill_reap (f->server);
    f->server = 0;
    // Known at once from the connection, not from the deadline (issue 12); the call may or may not have run.
    uint64_t killed = romi_now_ms ();
    assert_int_equal (rom_future_wait (&future, NULL), ROM_UNAVAILABLE);
    assert_true (romi_now_ms () - killed < 1000);
    assert_true (romi_now_ms () - sent < 1500 + 1000);
    assert_non_null (strstr (rom_client_errmsg (f->client), "Sleep"));
    assert_non_null (strstr (rom_client_errmsg (f->client), "may or may not have run"));

    rom_client_set_timeout (f->client, 500);
    uint64_t start = romi_now_ms ();
    rom_status_t status = s_call_id (tally, TEST__TALLY_METHOD__ADD, 1);
    assert_true (status == ROM_UNAVAILABLE || status == ROM_TIMEOUT);
    assert_true (romi_now_ms () - start < 500 + 1000);
    assert_non_null (strstr (rom_client_errmsg (f->client), "Add"));

    start = romi_now_ms ();
    rom_proxy_destroy (&tally);
    rom_client_destroy (&f->client);
    assert_true (romi_now_ms () - start < 500 + 1000);
}

// The proxies of a server that died are dropped without waiting out the call timeout each: a release waits
// briefly for a connection, then not at all once the server was found unreachable.
static void
test_proxies_of_a_dead_server_go_quickly (void **state)
{
    rom_test_fixture_t *f = *state;
    enum { N = 20 };
    rom_proxy_t *tallies[N];
    for (int i = 0; i < N; i++)
        tallies[i] = s_tally (f->client, NULL, i);
    rom_test_kill_reap (f->server);
    f->server = 0;
    // A call that fails lets the client notice the connection is gone.
    rom_client_set_timeout (f->client, 300);
    rom_status_t status = s_call_id (tallies[0], TEST__TALLY_METHOD__ADD, 1);
    assert_true (status == ROM_UNAVAILABLE || status == ROM_TIMEOUT);
    rom_client_set_timeout (f->client, 30000);
    uint64_t start = romi_now_ms ();
    for (int i = 0; i < N; i++)
        rom_proxy_destroy (&tallies[i]);
    uint64_t spent = romi_now_ms () - start;
    printf ("# %d proxies of a dead server destroyed in %llu ms\n", N, (unsigned long long) spent);
    assert_true (spent < 2000);
}

// --- deadlines ---------------------------------------------------------------------------------------------

// The default deadline comes from the client's options; a call may carry its own, longer or shorter.
static void
test_default_and_per_call_deadline (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_client_opts_t opts = {.connect_timeout_ms = 2000, .call_timeout_ms = 400};
    rom_client_t *client = NULL;
    assert_int_equal (rom_client_connect (f->endpoint, &opts, &client, NULL), ROM_OK);
    rom_proxy_t *tally = s_tally (client, NULL, 0);

    uint64_t start = romi_now_ms ();
    assert_int_equal (s_call_id (tally, TEST__TALLY_METHOD__SLEEP, 1000), ROM_TIMEOUT);
    uint64_t spent = romi_now_ms () - start;
    assert_true (spent >= 350 && spent < 400 + 1000);
    assert_non_null (strstr (rom_client_errmsg (client), "Sleep"));

    // A call with a longer deadline of its own waits out the rest of that sleep and a sleep of its own.
    Test__Number in = TEST__NUMBER__INIT;
    in.value = 600;
    assert_int_equal (rom_proxy_call_timeout (tally, TEST__TALLY_METHOD__SLEEP, &in.base, 5000, NULL),
                      ROM_OK);
    // A shorter one: the server gives up on the waiting call at its deadline and says so.
    in.value = 1000;
    start = romi_now_ms ();
    assert_int_equal (rom_proxy_call_timeout (tally, TEST__TALLY_METHOD__WAIT, &in.base, 100, NULL),
                      ROM_TIMEOUT);
    spent = romi_now_ms () - start;
    assert_true (spent >= 90 && spent < 100 + 1000);
    assert_non_null (strstr (rom_client_errmsg (client), "timed out waiting"));
    // The client's default is untouched by either.
    start = romi_now_ms ();
    assert_int_equal (s_call_id (tally, TEST__TALLY_METHOD__SLEEP, 1000), ROM_TIMEOUT);
    assert_true (romi_now_ms () - start < 400 + 1000);

    rom_client_set_timeout (client, 5000);
    assert_int_equal (rom_test_tally_add (tally, 1), 1); // the late replies were dropped
    rom_proxy_destroy (&tally);
    rom_client_destroy (&client);
}

// Deferred calls whose deadline passes are answered TIMEOUT by the server, and their waiters are gone from
// the servant: a later Add completes nobody, and a new waiter is served as usual.
static void
test_deferred_timeout_removes_waiters (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    rom_client_set_timeout (f->client, 500);
    enum { N = 20 };
    rom_future_t *futures[N];
    Test__Number until = TEST__NUMBER__INIT;
    until.value = 1000;
    uint64_t start = romi_now_ms ();
    for (int i = 0; i < N; i++)
        assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__WAIT, &until.base, &futures[i]),
                          ROM_OK);
    assert_int_equal (rom_test_tally_query (tally, TEST__TALLY_METHOD__WAITERS), N);
    for (int i = 0; i < N; i++) {
        assert_int_equal (rom_future_wait (&futures[i], NULL), ROM_TIMEOUT);
        // The server's verdict, not the client giving up: it came before the caller's own deadline.
        assert_non_null (strstr (rom_client_errmsg (f->client), "timed out waiting"));
        assert_non_null (strstr (rom_client_errmsg (f->client), ".Wait"));
    }
    assert_true (romi_now_ms () - start < 500 + 1000);
    rom_client_set_timeout (f->client, 5000);
    assert_int_equal (rom_test_tally_query (tally, TEST__TALLY_METHOD__WAITERS), 0);
    assert_int_equal (rom_test_tally_add (tally, 1000), 1000);

    until.value = 1005;
    rom_future_t *future = NULL;
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__WAIT, &until.base, &future), ROM_OK);
    assert_int_equal (rom_test_tally_query (tally, TEST__TALLY_METHOD__WAITERS), 1);
    assert_int_equal (rom_test_tally_add (tally, 5), 1005);
    Test__Number *out = NULL;
    assert_int_equal (rom_future_wait (&future, (ProtobufCMessage **) &out), ROM_OK);
    assert_int_equal (out->value, 1005);
    test__number__free_unpacked (out, NULL);
    assert_int_equal (rom_test_tally_query (tally, TEST__TALLY_METHOD__WAITERS), 0);
    rom_proxy_destroy (&tally);
}

// --- lifetime ----------------------------------------------------------------------------------------------

// The servant's destructor runs when the last reference goes (a proxy, a copy, or a whole session at
// goodbye), and never for a named object. Counted in the server process by test.Tally's destructor.
static void
test_destructor_runs_at_last_reference (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *witness = s_tally (f->client, NULL, 0);
    uint64_t destroyed = rom_test_tally_query (witness, TEST__TALLY_METHOD__DESTROYED);

    rom_proxy_t *a = s_tally (f->client, NULL, 5);
    rom_proxy_t *b = NULL;
    assert_int_equal (rom_proxy_dup (a, &b), ROM_OK);
    rom_proxy_destroy (&a);
    // Releases travel one-way on the same socket as the next call, so the count is read after them.
    assert_int_equal (rom_test_tally_query (witness, TEST__TALLY_METHOD__DESTROYED), destroyed);
    assert_int_equal (rom_test_tally_add (b, 1), 6);
    rom_proxy_destroy (&b);
    assert_int_equal (rom_test_tally_query (witness, TEST__TALLY_METHOD__DESTROYED), destroyed + 1);

    // A named object outlives its last proxy.
    rom_proxy_t *named = s_tally (f->client, "kept", 9);
    rom_proxy_destroy (&named);
    assert_int_equal (rom_test_tally_query (witness, TEST__TALLY_METHOD__DESTROYED), destroyed + 1);
    assert_int_equal (rom_proxy_lookup (f->client, &test__tally__rom_type, "kept", &named), ROM_OK);
    assert_int_equal (rom_test_tally_add (named, 0), 9);
    rom_proxy_destroy (&named);

    // Another process's references (two on one object, one on another) all go with its session when it
    // says goodbye, though it never destroyed its proxies (it ends right after: their memory goes with it).
    fflush (NULL);
    pid_t child = fork ();
    if (child == 0) {
        rom_client_t *other = rom_test_connect (f->endpoint);
        rom_proxy_t *c = s_tally (other, NULL, 0), *d = NULL, *e = s_tally (other, NULL, 0);
        (void) e;
        if (rom_proxy_dup (c, &d) != ROM_OK)
            _exit (1);
        rom_client_destroy (&other);
        _exit (0);
    }
    int status = 0;
    assert_int_equal (waitpid (child, &status, 0), child);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    assert_int_equal (rom_test_tally_query (witness, TEST__TALLY_METHOD__DESTROYED), destroyed + 3);
    rom_proxy_destroy (&witness);
}

// The server spins for a moment after calls (rom_server_opts.spin_us) but never while idle: after a burst of
// calls, a second of silence costs it almost no CPU time (a server that kept spinning would use the second).
static long
s_cpu_ms (pid_t pid)
{
    char path[64];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    unsigned long utime = 0, stime = 0;
    // Fields 14 and 15 (utime, stime), after the command name in parentheses, which may hold spaces.
    int got = fscanf (f, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    fclose (f);
    assert_int_equal (got, 2);
    return (long) ((utime + stime) * 1000 / (unsigned long) sysconf (_SC_CLK_TCK));
}

static void
test_idle_server_does_not_spin (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal (rom_test_tally_add (tally, 1), i + 1);
    long before = s_cpu_ms (f->server);
    struct timespec second = {1, 0};
    while (nanosleep (&second, &second) != 0)
        ;
    long used = s_cpu_ms (f->server) - before;
    printf ("# idle server: %ld ms of CPU in 1 s\n", used);
    assert_true (used < 300);
    rom_proxy_destroy (&tally);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_inproc_server),
        cmocka_unit_test (test_connect_timeout_ipc),
        cmocka_unit_test (test_connect_timeout_tcp),
        cmocka_unit_test (test_connect_timeout_inproc),
        cmocka_unit_test_setup_teardown (test_server_killed_mid_call, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_proxies_of_a_dead_server_go_quickly, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_default_and_per_call_deadline, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_deferred_timeout_removes_waiters, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_destructor_runs_at_last_reference, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_idle_server_does_not_spin, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
