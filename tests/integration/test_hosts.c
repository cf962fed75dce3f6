// test_hosts.c: tcp:// across hosts (issue 5, point 7). The test makes two network namespaces joined by a
// veth pair, with addresses of TEST-NET-1 (192.0.2.0/24, reserved for documentation: nothing real uses it,
// and the traffic never leaves the two namespaces), runs the server in one and clients in the other, with an
// authkey (CURVE across the "network"). Skipped, saying why, where namespaces cannot be made (not root, no
// `ip`, a container without the right). The namespaces are always deleted. test_network_cut takes the
// client's link down under a live session (issue 12: a cut network is found by TCP keepalives).
#include "rom_test_proc.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define AUTHKEY "two hosts, one secret"
#define SERVER_ADDR "192.0.2.1"
#define CLIENT_ADDR "192.0.2.2"

static char s_ns_server[32], s_ns_client[32];
static bool s_made;

static int s_run (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static int
s_run (const char *fmt, ...)
{
    char command[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (command, sizeof command, fmt, ap);
    va_end (ap);
    char quiet[600];
    snprintf (quiet, sizeof quiet, "%s >/dev/null 2>&1", command);
    int status = system (quiet);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
s_delete (void)
{
    if (!s_made)
        return;
    s_run ("ip netns del %s", s_ns_server); // takes its end of the veth pair, and with it the other end
    s_run ("ip netns del %s", s_ns_client);
    s_made = false;
}

static int
s_setup (void **state)
{
    (void) state;
    int id = (int) getpid () % 100000;
    snprintf (s_ns_server, sizeof s_ns_server, "rom-srv-%d", id);
    snprintf (s_ns_client, sizeof s_ns_client, "rom-cli-%d", id);
    if (geteuid () != 0 || s_run ("ip -V") != 0)
        return 0;
    s_made = true; // from here on, whatever was made is deleted
    if (s_run ("ip netns add %s", s_ns_server) != 0 || s_run ("ip netns add %s", s_ns_client) != 0
        || s_run ("ip link add rva%d type veth peer name rvb%d", id, id) != 0
        || s_run ("ip link set rva%d netns %s", id, s_ns_server) != 0
        || s_run ("ip link set rvb%d netns %s", id, s_ns_client) != 0
        || s_run ("ip -n %s addr add " SERVER_ADDR "/24 dev rva%d", s_ns_server, id) != 0
        || s_run ("ip -n %s addr add " CLIENT_ADDR "/24 dev rvb%d", s_ns_client, id) != 0
        || s_run ("ip -n %s link set rva%d up", s_ns_server, id) != 0
        || s_run ("ip -n %s link set rvb%d up", s_ns_client, id) != 0
        || s_run ("ip -n %s link set lo up", s_ns_server) != 0
        || s_run ("ip -n %s link set lo up", s_ns_client) != 0) {
        s_run ("ip link del rva%d", id); // if it never moved
        s_delete ();
    }
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    s_delete ();
    return 0;
}

// Move the calling process into namespace `name`: before any socket, so ZMQ's I/O threads (made with the
// first socket) are born there too.
static bool
s_enter (const char *name)
{
    char path[128];
    snprintf (path, sizeof path, "/var/run/netns/%s", name);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && setns (fd, CLONE_NEWNET) == 0;
    if (fd >= 0)
        close (fd);
    return ok;
}

static pid_t
s_server_in_namespace (char *endpoint)
{
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (ready[0]);
        prctl (PR_SET_PDEATHSIG, SIGTERM); // never outlive a test that failed half-way
        rom_server_opts_t opts = {.authkey = AUTHKEY, .session_timeout_ms = 1000};
        rom_server_t *server = s_enter (s_ns_server) ? rom_server_new (&opts) : NULL;
        bool ok = server && rom_test_register (server, NULL) == ROM_OK
                  && rom_server_bind (server, "tcp://" SERVER_ADDR ":*") == ROM_OK;
        rom_test_send_line (ready[1], ok ? rom_server_endpoint (server) : "");
        close (ready[1]);
        if (!ok)
            _exit (1);
        rom_status_t status = rom_server_serve_forever (server);
        rom_server_destroy (&server);
        romi_context_term ();
        _exit (status == ROM_OK ? 0 : 1);
    }
    close (ready[1]);
    assert_true (rom_test_recv_line (ready[0], endpoint, ROM_PATH_MAX, 10000));
    close (ready[0]);
    assert_true (endpoint[0] != '\0');
    return pid;
}

// A client process in the other namespace: adds `n` to the named tally "hosts", checks that the total is
// then `expect` (unless negative), and exits 0 on success.
static pid_t
s_client_in_namespace (const char *endpoint, int n, int expect)
{
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        if (!s_enter (s_ns_client))
            _exit (2);
        rom_client_opts_t opts = {.connect_timeout_ms = 5000, .call_timeout_ms = 5000, .authkey = AUTHKEY};
        rom_client_t *client = NULL;
        const char *why = NULL;
        if (rom_client_connect (endpoint, &opts, &client, &why) != ROM_OK) {
            fprintf (stderr, "client in %s: %s\n", s_ns_client, why);
            _exit (3);
        }
        Test__TallyInit init = TEST__TALLY_INIT__INIT;
        Test__Number one = TEST__NUMBER__INIT;
        one.value = 1;
        rom_proxy_t *tally = NULL;
        int failures = rom_proxy_create (client, &test__tally__rom_type, "hosts", &init.base,
                                         ROM_CREATE_EXIST_OK, &tally)
                       != ROM_OK;
        for (int i = 0; i < n && !failures; i++)
            failures += rom_proxy_call (tally, TEST__TALLY_METHOD__ADD, &one.base, NULL) != ROM_OK;
        if (!failures && expect >= 0)
            failures += rom_test_tally_query (tally, TEST__TALLY_METHOD__GET) != expect;
        rom_proxy_destroy (&tally);
        rom_client_destroy (&client);
        _exit (failures ? 4 : 0);
    }
    return pid;
}

static void
test_tcp_across_namespaces (void **state)
{
    (void) state;
    if (!s_made) {
        printf ("# SKIP: cannot make network namespaces here (needs root, iproute2's `ip`, and the right to "
                "create namespaces); tcp across hosts not tested\n");
        skip ();
    }
    char endpoint[ROM_PATH_MAX];
    pid_t server = s_server_in_namespace (endpoint);
    printf ("# server in %s at %s, clients in %s (" CLIENT_ADDR ")\n", s_ns_server, endpoint, s_ns_client);
    enum { CLIENTS = 3, EACH = 200 };
    pid_t clients[CLIENTS];
    for (int c = 0; c < CLIENTS; c++)
        clients[c] = s_client_in_namespace (endpoint, EACH, -1);
    int failures = 0;
    for (int c = 0; c < CLIENTS; c++) {
        int status = 0;
        assert_true (rom_test_wait_gone (clients[c], 20000, &status));
        failures += !rom_test_exited_ok (status);
    }
    assert_int_equal (failures, 0);
    // A last client checks the total (the named tally outlived the others' proxies).
    pid_t check = s_client_in_namespace (endpoint, 0, CLIENTS * EACH);
    int status = 0;
    assert_true (rom_test_wait_gone (check, 20000, &status));
    assert_true (rom_test_exited_ok (status));
    // From the test's own namespace the server's address is not even reachable: the traffic went between
    // the two namespaces only.
    rom_client_opts_t opts = {.connect_timeout_ms = 300, .authkey = AUTHKEY};
    rom_client_t *outside = NULL;
    assert_int_not_equal (rom_client_connect (endpoint, &opts, &outside, NULL), ROM_OK);
    kill (server, SIGTERM);
    assert_true (rom_test_wait_gone (server, 10000, &status));
    assert_true (rom_test_exited_ok (status));
}

// Run `fn (endpoint, in_fd, out_fd)` in a child process inside namespace `ns`; returns its pid. The child
// reads lines from the parent on in_fd and writes lines to it on out_fd.
static pid_t
s_child_in (const char *ns, void (*fn) (const char *, int, int), const char *endpoint, int *to_fd,
            int *from_fd)
{
    int to[2], from[2];
    assert_int_equal (pipe (to), 0);
    assert_int_equal (pipe (from), 0);
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (to[1]);
        close (from[0]);
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        if (!s_enter (ns))
            _exit (2);
        fn (endpoint, to[0], from[1]);
        _exit (0);
    }
    close (to[0]);
    close (from[1]);
    *to_fd = to[1];
    *from_fd = from[0];
    return pid;
}

static rom_client_t *
s_connect_or_exit (const char *endpoint)
{
    rom_client_opts_t opts = {.connect_timeout_ms = 5000, .call_timeout_ms = 60000, .authkey = AUTHKEY};
    rom_client_t *client = NULL;
    const char *why = NULL;
    if (rom_client_connect (endpoint, &opts, &client, &why) != ROM_OK) {
        fprintf (stderr, "connect %s: %s\n", endpoint, why);
        _exit (3);
    }
    return client;
}

// The client whose network is cut: it parks a Wait on the named tally "cut" (its session's trace on the
// server), says "ready", and once the network is back ("go") makes calls: the first must say its session
// was lost, the next must work under a new one.
static void
s_cut_client (const char *endpoint, int in_fd, int out_fd)
{
    rom_client_t *client = s_connect_or_exit (endpoint);
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    Test__Number until = TEST__NUMBER__INIT;
    until.value = 1000000;
    rom_proxy_t *tally = NULL;
    rom_future_t *parked = NULL;
    if (rom_proxy_create (client, &test__tally__rom_type, "cut", &init.base, ROM_CREATE_EXIST_OK, &tally)
            != ROM_OK
        || rom_proxy_call_async (tally, TEST__TALLY_METHOD__WAIT, &until.base, &parked) != ROM_OK)
        _exit (4);
    rom_test_tally_query (tally,
                          TEST__TALLY_METHOD__GET); // the Wait is parked: calls on one socket run in order
    rom_test_send_line (out_fd, "ready");
    char line[16];
    if (!rom_test_recv_line (in_fd, line, sizeof line, 60000))
        _exit (5);
    rom_future_destroy (&parked); // its connection went: the wait was answered UNAVAILABLE (or is dropped)
    // The network is back; ZMQ reconnects within its 100 ms interval: until then, UNAVAILABLE.
    rom_status_t status = ROM_UNAVAILABLE;
    for (int i = 0; i < 100 && status == ROM_UNAVAILABLE; i++) {
        status = rom_client_ping (client);
        if (status == ROM_UNAVAILABLE)
            usleep (50 * 1000);
    }
    char report[ROM_ERRMSG_MAX + 64];
    snprintf (report, sizeof report, "%d %s", (int) status, rom_client_errmsg (client));
    rom_test_send_line (out_fd, report);
    bool ok = status == ROM_SESSION_LOST && rom_client_ping (client) == ROM_OK
              && rom_test_tally_query (tally, TEST__TALLY_METHOD__GET) == 0;
    rom_proxy_destroy (&tally);
    rom_client_destroy (&client);
    _exit (ok ? 0 : 6);
}

// The observer, on the server's side of the cut: reports when the cut client's parked Wait is gone (its
// session ended), in ms after "cut".
static void
s_observer (const char *endpoint, int in_fd, int out_fd)
{
    rom_client_t *client = s_connect_or_exit (endpoint);
    rom_proxy_t *tally = NULL;
    if (rom_proxy_lookup (client, &test__tally__rom_type, "cut", &tally) != ROM_OK
        || rom_test_tally_query (tally, TEST__TALLY_METHOD__WAITERS) != 1)
        _exit (4);
    rom_test_send_line (out_fd, "armed");
    char line[16];
    if (!rom_test_recv_line (in_fd, line, sizeof line, 30000))
        _exit (5);
    uint64_t cut = romi_now_ms ();
    while (rom_test_tally_query (tally, TEST__TALLY_METHOD__WAITERS) != 0 && romi_now_ms () - cut < 30000)
        usleep (20 * 1000);
    snprintf (line, sizeof line, "%llu", (unsigned long long) (romi_now_ms () - cut));
    rom_test_send_line (out_fd, line);
    rom_proxy_destroy (&tally);
    rom_client_destroy (&client);
    _exit (0);
}

// A network cut between a live client and its server (the client's link goes down: nothing is closed, no
// packet comes back): the server ends the session within about its session timeout (TCP keepalives; not at
// once: a silent connection may be a stopped process, which must keep its session), and once the network is
// back the client's next call says ROM_SESSION_LOST, then it goes on with a new session.
static void
test_network_cut (void **state)
{
    (void) state;
    if (!s_made) {
        printf ("# SKIP: cannot make network namespaces here; a network cut not tested\n");
        skip ();
    }
    char endpoint[ROM_PATH_MAX];
    pid_t server = s_server_in_namespace (endpoint);
    int id = (int) getpid () % 100000;
    int to_cut, from_cut, to_obs, from_obs;
    char line[ROM_ERRMSG_MAX + 64];
    pid_t victim = s_child_in (s_ns_client, s_cut_client, endpoint, &to_cut, &from_cut);
    assert_true (rom_test_recv_line (from_cut, line, sizeof line, 10000));
    pid_t observer = s_child_in (s_ns_server, s_observer, endpoint, &to_obs, &from_obs);
    assert_true (rom_test_recv_line (from_obs, line, sizeof line, 10000));
    assert_int_equal (s_run ("ip -n %s link set rvb%d down", s_ns_client, id), 0);
    rom_test_send_line (to_obs, "cut");
    assert_true (rom_test_recv_line (from_obs, line, sizeof line, 40000));
    long ended_ms = atol (line);
    printf ("# session of the cut-off client ended %ld ms after the cut (session timeout 1000 ms, keepalives "
            "in whole seconds)\n",
            ended_ms);
    assert_true (ended_ms >= 500 && ended_ms <= 10000);
    assert_int_equal (s_run ("ip -n %s link set rvb%d up", s_ns_client, id), 0);
    rom_test_send_line (to_cut, "go");
    assert_true (rom_test_recv_line (from_cut, line, sizeof line, 20000));
    printf ("# its first call after the network came back: %s\n", line);
    int status = 0;
    assert_true (rom_test_wait_gone (victim, 20000, &status));
    assert_true (rom_test_exited_ok (status));
    assert_true (rom_test_wait_gone (observer, 10000, &status));
    assert_true (rom_test_exited_ok (status));
    close (to_cut);
    close (from_cut);
    close (to_obs);
    close (from_obs);
    kill (server, SIGTERM);
    assert_true (rom_test_wait_gone (server, 10000, &status));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_tcp_across_namespaces, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_network_cut, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
