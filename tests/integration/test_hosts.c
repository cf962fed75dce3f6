// test_hosts.c: tcp:// across hosts (issue 5, point 7). The test makes two network namespaces joined by a
// veth pair, with addresses of TEST-NET-1 (192.0.2.0/24, reserved for documentation: nothing real uses it,
// and the traffic never leaves the two namespaces), runs the server in one and clients in the other, with an
// authkey (CURVE across the "network"). Skipped, saying why, where namespaces cannot be made (not root, no
// `ip`, a container without the right). The namespaces are always deleted.
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

static int
s_run (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

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
        || s_run ("ip -n %s link set lo up", s_ns_server) != 0 || s_run ("ip -n %s link set lo up", s_ns_client) != 0) {
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
        rom_context_term ();
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
        Rom__RefRequest init = ROM__REF_REQUEST__INIT, one = ROM__REF_REQUEST__INIT;
        one.id = 1;
        rom_proxy_t *tally = NULL;
        int failures = rom_proxy_create (client, &rom_test_tally_type, "hosts", &init.base, ROM_CREATE_EXIST_OK,
                                         &tally)
                       != ROM_OK;
        for (int i = 0; i < n && !failures; i++)
            failures += rom_proxy_call (tally, TALLY_ADD, &one.base, NULL) != ROM_OK;
        if (!failures && expect >= 0)
            failures += rom_test_tally_query (tally, TALLY_GET) != (uint64_t) expect;
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_tcp_across_namespaces, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
