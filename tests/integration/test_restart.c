// test_restart.c: a server that comes back, and a session that ends under a live client (issue 12).
// A standalone server SIGKILLed and started again at the same endpoint: its clients' next call works by
// itself (new session, never ROM_DENIED), proxies of the previous run get ROM_NO_OBJECT naming the restart
// and never reach an object of the new run, and a call that was in flight is reported, never re-sent. A
// client whose connection was cut (a TCP forwarder between it and the server killed, then started again)
// while its process lived is told once, ROM_SESSION_LOST, then goes on under a new session.
#include "rom_test_fault.h"
#include "rom_test_fixture.h"
#include "rom/builtins/sync.rom.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CALL_TIMEOUT_MS 3000u
#define RECONNECT_MS 2000u // how long a client may take to find the new server (the runtime aims at ~100-500)

typedef struct {
    const char *transport;
    rom_test_fixture_t fx; // the server and its client; rom_test_fixture_stop () ends them
} fixture_t;

static rom_client_t *
s_connect (const char *endpoint)
{
    rom_client_opts_t opts = {.connect_timeout_ms = 2000, .call_timeout_ms = CALL_TIMEOUT_MS};
    rom_client_t *client = NULL;
    const char *why = NULL;
    rom_status_t status = rom_client_connect (endpoint, &opts, &client, &why);
    if (status != ROM_OK)
        fail_msg ("connect %s: %s: %s", endpoint, rom_strerror (status), why ? why : "");
    return client;
}

static int
s_setup (void **state)
{
    fixture_t *f = *state;
    f->fx.server = rom_test_serve_fork (rom_test_endpoint (f->transport, "restart"), NULL, f->fx.endpoint);
    f->fx.client = s_connect (f->fx.endpoint);
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    rom_test_fixture_stop (&f->fx);
    return 0;
}

// SIGKILL the fixture's server and serve again at the same endpoint (the ipc file the killed one left
// behind, or the same tcp port).
static void
s_restart (fixture_t *f)
{
    rom_test_kill_reap (f->fx.server);
    f->fx.server = rom_test_serve_fork (f->fx.endpoint, NULL, NULL);
}

// Run `op` until it answers something other than ROM_UNAVAILABLE (the client finding the new server), for
// at most RECONNECT_MS; any other failure meanwhile fails the test. Returns that answer.
typedef rom_status_t (*op_fn) (void *arg);

static rom_status_t
s_until_reachable (rom_client_t *client, const char *what, op_fn op, void *arg)
{
    uint64_t start = romi_now_ms ();
    int unavailable = 0;
    for (;;) {
        rom_status_t status = op (arg);
        if (status != ROM_UNAVAILABLE) {
            printf ("# %s: %s after %llu ms (%d x unavailable before)\n", what, rom_strerror (status),
                    (unsigned long long) (romi_now_ms () - start), unavailable);
            return status;
        }
        unavailable++;
        if (romi_now_ms () - start >= RECONNECT_MS)
            fail_msg ("%s: still unavailable %u ms after the server came back: %s", what, RECONNECT_MS,
                      rom_client_errmsg (client));
        usleep (20 * 1000);
    }
}

static rom_status_t
s_ping (void *arg)
{
    return rom_client_ping (arg);
}

typedef struct {
    rom_client_t *client;
    rom_proxy_t *made;
} create_t;

static rom_status_t
s_create (void *arg)
{
    create_t *c = arg;
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = 40;
    return rom_proxy_create (c->client, &test__tally__rom_type, NULL, &init.base, 0, &c->made);
}

// --- 4. server restart ------------------------------------------------------------------------------------

// After the restart the client's next call works by itself: on ipc the first call is a ping, on tcp a
// create; either opens a new session (never ROM_DENIED for the old one), and everything after works.
static void
test_restart_next_call_works (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (rom_client_ping (f->fx.client), ROM_OK);
    s_restart (f);
    create_t c = {f->fx.client, NULL};
    rom_status_t status;
    if (strcmp (f->transport, "tcp") == 0)
        status = s_until_reachable (f->fx.client, "first create after the restart", s_create, &c);
    else
        status = s_until_reachable (f->fx.client, "first ping after the restart", s_ping, f->fx.client);
    if (status != ROM_OK)
        fail_msg ("first call after the restart: %s: %s", rom_strerror (status),
                  rom_client_errmsg (f->fx.client));
    if (!c.made && (status = s_create (&c)) != ROM_OK)
        fail_msg ("create after the restart: %s: %s", rom_strerror (status),
                  rom_client_errmsg (f->fx.client));
    assert_int_equal (rom_test_tally_add (c.made, 2), 42);
    assert_int_equal (rom_client_ping (f->fx.client), ROM_OK);
    rom_proxy_destroy (&c.made);
}

// Proxies of the previous run: ROM_NO_OBJECT naming the restart, and never an object of the new run, though
// the new run gives out the same ids. The call in flight at the kill is reported as possibly run, and not
// sent again to the new server.
static void
test_restart_old_proxies_get_no_object (void **state)
{
    fixture_t *f = *state;
    rom_proxy_t *old = rom_test_tally_new (f->fx.client, NULL, 0);
    assert_int_equal (rom_test_tally_add (old, 1), 1);
    Test__Number until = TEST__NUMBER__INIT;
    until.value = 1000000;
    rom_future_t *in_flight = NULL;
    assert_int_equal (rom_proxy_call_async (old, TEST__TALLY_METHOD__WAIT, &until.base, &in_flight), ROM_OK);
    assert_int_equal (rom_test_tally_query (old, TEST__TALLY_METHOD__WAITERS), 1);

    s_restart (f);
    rom_status_t status = rom_future_wait (&in_flight, NULL);
    printf ("# the call in flight: %s: %s\n", rom_strerror (status), rom_client_errmsg (f->fx.client));
    if (status != ROM_UNAVAILABLE)
        fail_msg ("the call in flight when the server was killed: %s, expected unavailable at once",
                  rom_strerror (status));
    if (!strstr (rom_client_errmsg (f->fx.client), "may or may not have run"))
        fail_msg ("\"%s\" does not say the call may or may not have run", rom_client_errmsg (f->fx.client));

    // A fresh client's first object of the new run.
    rom_client_t *fresh = s_connect (f->fx.endpoint);
    rom_proxy_t *theirs = rom_test_tally_new (fresh, NULL, 100);
    printf ("# old object id %llu, the new run's object id %llu\n", (unsigned long long) rom_proxy_id (old),
            (unsigned long long) rom_proxy_id (theirs));

    status = s_until_reachable (f->fx.client, "ping after the restart", s_ping, f->fx.client);
    if (status != ROM_OK)
        fail_msg ("ping after the restart: %s: %s", rom_strerror (status), rom_client_errmsg (f->fx.client));
    Test__Number minus = TEST__NUMBER__INIT;
    minus.value = -58;
    for (int i = 0; i < 2; i++) {
        Test__Number *out = NULL;
        status = rom_proxy_call (old, TEST__TALLY_METHOD__ADD, &minus.base, (ProtobufCMessage **) &out);
        printf ("# old proxy after the restart: %s: %s\n", rom_strerror (status),
                rom_client_errmsg (f->fx.client));
        if (out)
            test__number__free_unpacked (out, NULL);
        if (status != ROM_NO_OBJECT)
            fail_msg ("an old proxy's Add after the restart: %s, expected no such object",
                      rom_strerror (status));
        if (!strstr (rom_client_errmsg (f->fx.client), "restarted"))
            fail_msg ("\"%s\" does not say the server restarted", rom_client_errmsg (f->fx.client));
    }
    // The new run's object was never reached: not by the Add, not by the Wait in flight at the kill.
    assert_int_equal (rom_test_tally_add (theirs, 0), 100);
    assert_int_equal (rom_test_tally_query (theirs, TEST__TALLY_METHOD__WAITERS), 0);
    // The old client makes objects of the new run as any other.
    rom_proxy_t *mine = rom_test_tally_new (f->fx.client, NULL, 7);
    assert_int_equal (rom_test_tally_add (mine, 1), 8);
    assert_int_equal (rom_test_tally_add (theirs, 0), 100);
    rom_proxy_destroy (&mine);
    rom_proxy_destroy (&old);
    rom_proxy_destroy (&theirs);
    rom_client_destroy (&fresh);
}

// --- 6. session lost --------------------------------------------------------------------------------------

// A client connected through a TCP forwarder holds a lock, a named object and an unnamed one. The forwarder
// is killed: the server ends the client's session (a second client, connected directly, gets the lock), the
// client lives on. The forwarder comes back: the client's next call answers ROM_SESSION_LOST once, saying
// its session ended and locks were released; the call after works under a new session, where the named
// object is there again, the unnamed one is gone, and one another client also held is held again.
static void
test_session_lost_then_new_session (void **state)
{
    fixture_t *f = *state;
    int server_port = rom_test_endpoint_port (f->fx.endpoint);
    int port = rom_test_endpoint_port (rom_test_endpoint ("tcp", "forwarder"));
    char via[64];
    snprintf (via, sizeof via, "tcp://127.0.0.1:%d", port);
    pid_t forwarder = rom_test_forwarder_fork (port, server_port);
    rom_client_t *client = s_connect (via);
    // First of the client's proxies: an unnamed object the direct client holds too, so it outlives the
    // session; the client's new session must take its reference again.
    rom_proxy_t *shared = rom_test_tally_new (client, NULL, 9);
    char *shared_token = rom_proxy_to_token (shared);
    rom_proxy_t *direct_shared = NULL;
    assert_int_equal (rom_proxy_from_token (f->fx.client, &test__tally__rom_type, shared_token,
                                            &direct_shared),
                      ROM_OK);
    free (shared_token);
    rom_proxy_t *kept = rom_test_tally_new (client, "kept", 1);
    rom_proxy_t *gone = rom_test_tally_new (client, NULL, 2);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_OK);

    // The direct client, with its own handle of the lock.
    char *token = rom_proxy_to_token (rom_lock_proxy (lock));
    // The token names the forwarder's endpoint; the lock is the same object through either.
    Rom__Builtins__Lock_Proxy *direct_lock = NULL;
    assert_int_equal (rom__builtins__lock__rom_from_token (f->fx.client, token, &direct_lock), ROM_OK);
    free (token);
    assert_int_equal (rom_lock_acquire ((rom_lock_t *) direct_lock, ROM_NOWAIT), ROM_TIMEOUT);

    rom_test_kill_reap (forwarder);
    uint64_t start = romi_now_ms ();
    rom_status_t status = rom_lock_acquire ((rom_lock_t *) direct_lock, CALL_TIMEOUT_MS);
    if (status != ROM_OK)
        fail_msg ("the cut-off client's lock was not released: %s", rom_strerror (status));
    printf ("# the cut-off client's session ended %llu ms after the cut\n",
            (unsigned long long) (romi_now_ms () - start));

    forwarder = rom_test_forwarder_fork (port, server_port);
    Test__Number *out = NULL;
    rom_status_t first = s_until_reachable (client, "first call after the cut", s_ping, client);
    char msg[ROM_ERRMSG_MAX];
    snprintf (msg, sizeof msg, "%s", rom_client_errmsg (client));
    printf ("# first call after the cut: %s: %s\n", rom_strerror (first), msg);
    if (first != ROM_SESSION_LOST)
        fail_msg ("first call after the session ended: %s (\"%s\"), expected session lost",
                  rom_strerror (first), msg);
    if (!strstr (msg, "session") || !strstr (msg, "lock"))
        fail_msg ("\"%s\" does not say the session ended and its locks were released", msg);

    // Told once: from now on a new session.
    assert_int_equal (rom_client_ping (client), ROM_OK);
    status = rom_proxy_call (kept, TEST__TALLY_METHOD__GET, NULL, (ProtobufCMessage **) &out);
    if (status != ROM_OK)
        fail_msg ("the named object after the new session: %s: %s", rom_strerror (status),
                  rom_client_errmsg (client));
    assert_int_equal (out->value, 1);
    test__number__free_unpacked (out, NULL);
    assert_int_equal (rom_proxy_call (gone, TEST__TALLY_METHOD__GET, NULL, NULL), ROM_NO_OBJECT);
    // The shared object now lives on the client's new reference alone (the ping orders the release first).
    rom_proxy_destroy (&direct_shared);
    assert_int_equal (rom_client_ping (f->fx.client), ROM_OK);
    status = rom_proxy_call (shared, TEST__TALLY_METHOD__GET, NULL, (ProtobufCMessage **) &out);
    if (status != ROM_OK)
        fail_msg ("an object the new session should hold: %s: %s", rom_strerror (status),
                  rom_client_errmsg (client));
    assert_int_equal (out->value, 9);
    test__number__free_unpacked (out, NULL);
    // The lock is the direct client's now, not the new session's.
    bool locked = false, mine = true;
    assert_int_equal (rom_lock_locked (lock, &locked, &mine), ROM_OK);
    assert_true (locked && !mine);
    assert_int_equal (rom_lock_release ((rom_lock_t *) direct_lock), ROM_OK);
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_OK);

    rom_lock_destroy (&lock);
    rom__builtins__lock__rom_destroy (&direct_lock);
    rom_proxy_destroy (&gone);
    rom_proxy_destroy (&kept);
    rom_proxy_destroy (&shared);
    rom_client_destroy (&client);
    rom_test_kill_reap (forwarder);
}

int
main (void)
{
    static fixture_t ipc = {.transport = "ipc"}, tcp = {.transport = "tcp"};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown (test_restart_next_call_works, s_setup, s_teardown, &ipc),
        cmocka_unit_test_prestate_setup_teardown (test_restart_next_call_works, s_setup, s_teardown, &tcp),
        cmocka_unit_test_prestate_setup_teardown (test_restart_old_proxies_get_no_object, s_setup, s_teardown,
                                                  &ipc),
        cmocka_unit_test_prestate_setup_teardown (test_session_lost_then_new_session, s_setup, s_teardown,
                                                  &tcp),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
