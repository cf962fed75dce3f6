// test_serve.c: how servers start and stop (issue 5, point 1).
//
// A standalone server (rom_server_serve_forever ()) stopped by SIGTERM or SIGINT: the call in flight
// finishes and is answered, calls that arrive meanwhile get ROM_UNAVAILABLE, the ipc socket file is gone.
// A manager (rom_manager_start ()) ends with its owner: owner SIGKILLed, owner exiting without cleanup,
// and not when the thread that started it ends while the owner lives on (PR_SET_PDEATHSIG's trap).
#include "rom_test_proc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static bool
s_file_exists (const char *endpoint)
{
    struct stat st;
    assert_true (strncmp (endpoint, "ipc://", 6) == 0);
    return stat (endpoint + 6, &st) == 0;
}

static rom_proxy_t *
s_tally (rom_client_t *client)
{
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    rom_proxy_t *proxy = NULL;
    assert_int_equal (rom_proxy_create (client, &test__tally__rom_type, NULL, &init.base, 0, &proxy), ROM_OK);
    return proxy;
}

static void
s_stop_cleanly (int signo)
{
    char endpoint[ROM_PATH_MAX];
    pid_t server = rom_test_serve_fork (rom_test_endpoint ("ipc", signo == SIGINT ? "sigint" : "sigterm"),
                                        NULL, endpoint);
    assert_true (s_file_exists (endpoint));
    rom_client_t *busy = rom_test_connect (endpoint), *late = rom_test_connect (endpoint);
    rom_proxy_t *slow = s_tally (busy), *other = s_tally (late);

    // A slow call in flight: the server is inside it once another client's call gets no answer (calls of
    // two clients are fair-queued, so a Get may still overtake the Sleep: then ask again).
    Test__Number ms = TEST__NUMBER__INIT;
    ms.value = 700;
    rom_future_t *in_flight = NULL;
    assert_int_equal (rom_proxy_call_async (slow, TEST__TALLY_METHOD__SLEEP, &ms.base, &in_flight), ROM_OK);
    rom_client_set_timeout (late, 100);
    int tries = 0;
    while (rom_proxy_call (other, TEST__TALLY_METHOD__GET, NULL, NULL) == ROM_OK)
        assert_true (++tries < 5);
    assert_int_equal (rom_proxy_call (other, TEST__TALLY_METHOD__GET, NULL, NULL), ROM_TIMEOUT);

    kill (server, signo);
    // Sent after the signal, while the slow call still runs: refused, not served.
    rom_client_set_timeout (late, 5000);
    rom_future_t *after = NULL;
    assert_int_equal (rom_proxy_call_async (other, TEST__TALLY_METHOD__GET, NULL, &after), ROM_OK);

    assert_int_equal (rom_future_wait (&in_flight, NULL), ROM_OK);
    assert_int_equal (rom_future_wait (&after, NULL), ROM_UNAVAILABLE);
    assert_non_null (strstr (rom_client_errmsg (late), "shutting down"));
    int status = 0;
    assert_true (rom_test_wait_gone (server, 5000, &status));
    assert_true (rom_test_exited_ok (status));
    assert_false (s_file_exists (endpoint));

    // Releases and goodbyes to a server that is gone wait for a connection as long as a call may: keep it
    // short.
    rom_client_set_timeout (busy, 100);
    rom_client_set_timeout (late, 100);
    rom_proxy_destroy (&slow);
    rom_proxy_destroy (&other);
    rom_client_destroy (&busy);
    rom_client_destroy (&late);
}

static void
test_sigterm_stops_cleanly (void **state)
{
    (void) state;
    s_stop_cleanly (SIGTERM);
}

static void
test_sigint_stops_cleanly (void **state)
{
    (void) state;
    s_stop_cleanly (SIGINT);
}

// --- managers and their owners -----------------------------------------------------------------------------

typedef enum { OWNER_SIGKILLED, OWNER_EXITS, OWNER_THREAD_ENDS } owner_fate_t;

static void *
s_start_in_thread (void *arg)
{
    rom_manager_opts_t opts = {.register_types = rom_test_register};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK)
        fprintf (stderr, "manager: %s\n", why);
    *(rom_manager_t **) arg = manager;
    return NULL;
}

// The owner process: starts a manager (from a thread that ends at once, for OWNER_THREAD_ENDS), reports
// "pid endpoint", and waits for the test's verdict on its pipe.
static void
s_owner (int out_fd, int in_fd, owner_fate_t fate)
{
    rom_manager_t *manager = NULL;
    pthread_t thread;
    pthread_create (&thread, NULL, s_start_in_thread, &manager);
    pthread_join (thread, NULL); // that thread is gone now
    if (!manager)
        _exit (2);
    char line[ROM_PATH_MAX + 32];
    snprintf (line, sizeof line, "%d %s", rom_manager_pid (manager), rom_manager_endpoint (manager));
    rom_test_send_line (out_fd, line);
    if (fate == OWNER_EXITS)
        _exit (0); // no rom_manager_destroy ()
    char verdict[16];
    rom_test_recv_line (in_fd, verdict, sizeof verdict, 30000); // SIGKILLed here, or told to check
    // OWNER_THREAD_ENDS: the manager still serves its owner.
    rom_client_t *client = rom_manager_client (manager);
    int ok = rom_client_ping (client) == ROM_OK;
    rom_manager_destroy (&manager);
    _exit (ok ? 0 : 3);
}

static void
s_owner_case (owner_fate_t fate)
{
    // Orphans come to us, not to init: the test can wait for the server and reap it.
    assert_int_equal (prctl (PR_SET_CHILD_SUBREAPER, 1), 0);
    int up[2], down[2];
    assert_int_equal (pipe (up), 0);
    assert_int_equal (pipe (down), 0);
    fflush (NULL);
    pid_t owner = fork ();
    assert_true (owner >= 0);
    if (owner == 0) {
        close (up[0]);
        close (down[1]);
        s_owner (up[1], down[0], fate);
    }
    close (up[1]);
    close (down[0]);
    char line[ROM_PATH_MAX + 32];
    assert_true (rom_test_recv_line (up[0], line, sizeof line, 10000));
    pid_t server = (pid_t) atoi (line);
    const char *endpoint = strchr (line, ' ') + 1;
    assert_true (server > 0);
    int status = 0;

    if (fate == OWNER_THREAD_ENDS) {
        // The starting thread ended long ago; the server must still be there for its owner.
        rom_client_t *client = rom_test_connect (endpoint);
        assert_int_equal (rom_client_ping (client), ROM_OK);
        rom_client_destroy (&client);
        rom_test_send_line (down[1], "check");
        assert_true (rom_test_wait_gone (owner, 10000, &status));
        assert_true (rom_test_exited_ok (status));
        assert_true (rom_test_wait_gone (server, 10000, &status));
    } else {
        if (fate == OWNER_SIGKILLED)
            kill (owner, SIGKILL);
        assert_true (rom_test_wait_gone (owner, 5000, &status));
        uint64_t start = romi_now_ms ();
        assert_true (rom_test_wait_gone (server, 3000, &status));
        printf ("# manager server gone %llu ms after its owner\n",
                (unsigned long long) (romi_now_ms () - start));
        // A clean stop: exit code 0, socket file and temp dir removed.
        assert_true (rom_test_exited_ok (status));
        assert_false (s_file_exists (endpoint));
        char dir[ROM_PATH_MAX];
        snprintf (dir, sizeof dir, "%s", endpoint + 6);
        *strrchr (dir, '/') = '\0';
        struct stat st;
        assert_int_equal (stat (dir, &st), -1);
    }
    close (up[0]);
    close (down[1]);
    prctl (PR_SET_CHILD_SUBREAPER, 0);
}

static void
test_manager_dies_with_killed_owner (void **state)
{
    (void) state;
    s_owner_case (OWNER_SIGKILLED);
}

static void
test_manager_dies_with_exiting_owner (void **state)
{
    (void) state;
    s_owner_case (OWNER_EXITS);
}

static void
test_manager_outlives_starting_thread (void **state)
{
    (void) state;
    s_owner_case (OWNER_THREAD_ENDS);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_sigterm_stops_cleanly),
        cmocka_unit_test (test_sigint_stops_cleanly),
        cmocka_unit_test (test_manager_dies_with_killed_owner),
        cmocka_unit_test (test_manager_dies_with_exiting_owner),
        cmocka_unit_test (test_manager_outlives_starting_thread),
    };
    if (getenv ("ROM_TEST_FILTER"))
        cmocka_set_test_filter (getenv ("ROM_TEST_FILTER"));
    return cmocka_run_group_tests (tests, NULL, NULL);
}
