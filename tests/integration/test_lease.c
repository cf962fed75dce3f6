// test_lease.c: session liveness (runtime/src/lease.c) in orderings that the kill storm (tests/stress) only
// hits by chance, forced here. The one so far: a client whose connection closes right after its
// Manager.Hello, with the server's thread busy meanwhile, so that the server handles the connection's drop
// event before it reads the hello (commit 694026f). Nobody was on that connection when the drop was
// handled, so the drop marked nobody; the hello then opened a session whose only peer was on the dead
// connection, and before that fix the session lived for ever. (Checked: with the lease's REUSED probe
// disabled, both cases fail every run.)
//
// How the ordering is forced: the server (forked here, with a Tally servant of this file) runs a call that
// blocks its thread until the test releases it (a gate, rather than a Sleep of a guessed length: the test
// knows when the server is in it, and the server stays in it however slow the machine). Meanwhile libzmq's
// I/O thread, which the gate does not block, accepts the dying peer's connection, reads its hello into the
// ROUTER's pipe, sees the connection close, reports it to the monitor and closes the fd; the pipe keeps the
// unread hello for the server (the test checks that the hello was handled, else it would test nothing). The
// test waits until that fd is gone from /proc/<server>/fd (libzmq reports a disconnection before it closes
// the fd), then opens the gate: the server reads the hello only now, and a hello first reads the pending
// drops (server.c s_dispatch), so the drop is handled before the session opens, every run.
#include "rom_test_fault.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_BOUND_MS 2000    // generous bound for what takes milliseconds: a session ended, an fd closed
#define S_GATE_MAX_MS 8000 // the gate opens by itself after this: a failed test must not leave it shut
#define S_MAX_SOCKETS 256

// --- the gated server -------------------------------------------------------------------------------------

// The server child's ends of the pipes; every Tally of it shares this as its state.
typedef struct {
    int out_fd;     // lines to the test: the endpoint once bound, "gated" once a Sleep blocks the thread
    int release_fd; // a byte from the test opens the gate
} gate_t;

static rom_status_t
s_gate_create (void *ctx, const Test__TallyInit *args, void **self_p, rom_call_t *call)
{
    (void) args;
    (void) call;
    *self_p = ctx;
    return ROM_OK;
}

static void
s_gate_destroy (void *self)
{
    (void) self; // the gate is the process's, not the object's
}

// Tally.Sleep, here: block the server's thread until the test says.
static rom_status_t
s_gate_sleep (void *self, const Test__Number *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    (void) call;
    gate_t *gate = self;
    rom_test_send_line (gate->out_fd, "gated");
    uint64_t until = romi_now_ms () + S_GATE_MAX_MS;
    for (uint64_t now = romi_now_ms (); now < until; now = romi_now_ms ()) {
        struct pollfd pfd = {.fd = gate->release_fd, .events = POLLIN};
        // EINTR: a stopping server's SIGTERM must not open the gate early (the test has not said). EOF (the
        // test is gone) opens it too.
        if (poll (&pfd, 1, (int) (until - now)) > 0) {
            char byte;
            ssize_t got = read (gate->release_fd, &byte, 1);
            (void) got;
            break;
        }
    }
    return ROM_OK;
}

static const Test__Tally_Servant s_gate_servant = {
    .rom_create = s_gate_create,
    .rom_destroy = s_gate_destroy,
    .sleep = s_gate_sleep,
};

typedef struct {
    const char *endpoint;
    int release_fd;
    int test_end; // the test's end of the gate's pipe, closed here so that the test's death opens the gate
} gate_args_t;

// The server process (rom_test_fork_child): serves the gated Tally until SIGTERM; exits 0 when clean.
static int
s_gate_server (void *arg, int out_fd)
{
    const gate_args_t *args = arg;
    close (args->test_end);
    static gate_t gate;
    gate.out_fd = out_fd;
    gate.release_fd = args->release_fd;
    rom_server_t *server = rom_server_new (NULL);
    bool ok = server && test__tally__rom_register (server, &s_gate_servant, &gate) == ROM_OK
              && rom_server_bind (server, args->endpoint) == ROM_OK;
    if (!ok && server)
        fprintf (stderr, "gated server: %s\n", rom_server_errmsg (server));
    rom_test_send_line (out_fd, ok ? rom_server_endpoint (server) : "");
    if (!ok)
        return 1;
    rom_status_t status = rom_server_serve_forever (server);
    rom_server_destroy (&server);
    romi_context_term (); // what exit () would do (the child ends with _exit ())
    return status == ROM_OK ? rom_test_child_leak_check () : 1;
}

typedef struct {
    pid_t server;
    int from_server; // its lines
    int release;     // the gate's other end
    char endpoint[ROM_PATH_MAX];
    rom_client_t *client;
    rom_proxy_t *tally;
} fixture_t;

static void
s_start (fixture_t *f, const char *transport)
{
    memset (f, 0, sizeof *f);
    int gate_pipe[2];
    assert_int_equal (pipe (gate_pipe), 0);
    gate_args_t args = {.endpoint = rom_test_endpoint (transport, "lease"),
                        .release_fd = gate_pipe[0],
                        .test_end = gate_pipe[1]};
    f->server = rom_test_fork_child (s_gate_server, &args, &f->from_server);
    close (gate_pipe[0]);
    f->release = gate_pipe[1];
    assert_true (rom_test_recv_line (f->from_server, f->endpoint, sizeof f->endpoint, 10000));
    assert_true (f->endpoint[0] != '\0');
    f->client = rom_test_connect (f->endpoint);
    f->tally = rom_test_tally_new (f->client, NULL, 0);
}

static void
s_stop (fixture_t *f)
{
    rom_proxy_destroy (&f->tally);
    rom_client_destroy (&f->client);
    assert_int_equal (rom_test_server_stop (f->server), 0); // a clean exit: nothing leaked
    close (f->from_server);
    close (f->release);
}

// --- what the test watches -----------------------------------------------------------------------------

// The inodes of process `pid`'s sockets; returns how many (at most `max`).
static size_t
s_sockets (pid_t pid, unsigned long *inodes, size_t max)
{
    char dir_path[64];
    snprintf (dir_path, sizeof dir_path, "/proc/%d/fd", (int) pid);
    DIR *dir = opendir (dir_path);
    assert_non_null (dir);
    size_t n = 0;
    for (struct dirent *e; (e = readdir (dir));) {
        char path[320], target[64];
        snprintf (path, sizeof path, "%s/%s", dir_path, e->d_name);
        ssize_t len = readlink (path, target, sizeof target - 1);
        if (len <= 0)
            continue; // "." and "..", or an fd closed meanwhile
        target[len] = '\0';
        unsigned long inode;
        if (sscanf (target, "socket:[%lu]", &inode) == 1 && n < max)
            inodes[n++] = inode;
    }
    closedir (dir);
    return n;
}

// Wait until process `pid` has no socket but those in `before`: a connection it accepted since has been
// closed on its side. False after S_BOUND_MS.
static bool
s_wait_sockets_back (pid_t pid, const unsigned long *before, size_t n_before)
{
    for (uint64_t until = romi_now_ms () + S_BOUND_MS; romi_now_ms () < until;) {
        unsigned long now[S_MAX_SOCKETS];
        size_t n = s_sockets (pid, now, S_MAX_SOCKETS), known = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n_before; j++)
                if (now[i] == before[j]) {
                    known++;
                    break;
                }
        if (known == n)
            return true;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep (&ts, NULL);
    }
    return false;
}

static rom_server_stats_t
s_stats (rom_client_t *client)
{
    rom_server_stats_t stats;
    assert_int_equal (rom_client_stats (client, &stats), ROM_OK);
    return stats;
}

// --- the dying peer --------------------------------------------------------------------------------------

// A client that says Manager.Hello and is gone: a DEALER of its own context, with a routing id of its own
// as rom clients have, whose hello is on the wire (the linger waits for it) when its connection closes. To
// the server this is what a client killed right after its hello looks like (the kernel closes a killed
// process's sockets the same way); a SIGKILL could not be timed after the hello's write.
static void
s_hello_and_vanish (const char *endpoint)
{
    void *context = zmq_ctx_new ();
    assert_non_null (context);
    void *dealer = zmq_socket (context, ZMQ_DEALER);
    assert_non_null (dealer);
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    uint64_t id[2] = {(uint64_t) ts.tv_nsec << 20 ^ (uint64_t) ts.tv_sec, (uint64_t) getpid ()};
    ((uint8_t *) id)[0] |= 0x80; // routing ids that start with a zero byte are ZMQ's
    assert_int_equal (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, id, sizeof id), 0);
    int linger = S_BOUND_MS;
    assert_int_equal (zmq_setsockopt (dealer, ZMQ_LINGER, &linger, sizeof linger), 0);
    assert_int_equal (zmq_connect (dealer, endpoint), 0);

    Rom__CallHeader h = ROM__CALL_HEADER__INIT;
    h.version = ROM__VERSION__VERSION_CURRENT;
    h.call_id = 1;
    h.object_id = ROM_MANAGER_ID;
    h.method = ROM__MANAGER_METHOD__HELLO;
    h.timeout_ms = 3000;
    uint8_t head[ROM_HEADER_MAX];
    size_t head_size = rom__call_header__pack (&h, head);
    Rom__HelloRequest hello = ROM__HELLO_REQUEST__INIT;
    hello.version = ROM__VERSION__VERSION_CURRENT;
    hello.pid = (int32_t) getpid ();
    uint8_t payload[64];
    assert_true (rom__hello_request__get_packed_size (&hello) <= sizeof payload);
    size_t payload_size = rom__hello_request__pack (&hello, payload);
    assert_true (zmq_send (dealer, head, head_size, ZMQ_SNDMORE) >= 0);
    assert_true (zmq_send (dealer, payload, payload_size, 0) >= 0);

    zmq_close (dealer);
    zmq_ctx_term (context); // returns once the hello is written and the connection closed
}

// --- tests ------------------------------------------------------------------------------------------------

// The kill storm's finding (commit 694026f), forced: the server reads a hello after it handled its
// connection's drop. The session that hello opened must end (a peer first seen on an fd number whose
// connection dropped before is probed: peers.c, REUSED) within a generous bound.
static void
s_hello_read_after_its_drop (const char *transport)
{
    fixture_t f;
    s_start (&f, transport);
    rom_server_stats_t before = s_stats (f.client);
    assert_int_equal (before.sessions, 1);

    Test__Number in = TEST__NUMBER__INIT;
    rom_future_t *gated = NULL;
    assert_int_equal (rom_proxy_call_async (f.tally, TEST__TALLY_METHOD__SLEEP, &in.base, &gated), ROM_OK);
    char line[16];
    assert_true (rom_test_recv_line (f.from_server, line, sizeof line, 5000));
    assert_string_equal (line, "gated");

    unsigned long sockets[S_MAX_SOCKETS];
    size_t n_sockets = s_sockets (f.server, sockets, S_MAX_SOCKETS);
    assert_true (n_sockets < S_MAX_SOCKETS);
    // The server accepted the peer's connection before the peer could write its hello (ZMTP's handshake
    // comes first): back to the sockets it had, it has closed that connection, and reported its drop.
    s_hello_and_vanish (f.endpoint);
    if (!s_wait_sockets_back (f.server, sockets, n_sockets))
        fail_msg ("the server did not close the dying peer's connection within %d ms", S_BOUND_MS);

    assert_int_equal (write (f.release, "x", 1), 1);
    assert_int_equal (rom_future_wait (&gated, NULL), ROM_OK);

    // Polled: the session ends within milliseconds (the lease's last sweep is 250 ms after the drop).
    rom_server_stats_t after;
    uint64_t polls = 0;
    for (uint64_t until = romi_now_ms () + S_BOUND_MS;;) {
        after = s_stats (f.client);
        polls++;
        if (after.sessions == 1 || romi_now_ms () >= until)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep (&ts, NULL);
    }
    // The ordering really happened: the hello reached the manager (the gated call, the hello and each
    // Stats since `before` were counted), so a pass is not a hello lost with its connection.
    if (after.calls < before.calls + 2 + polls)
        fail_msg (
            "the dying peer's hello was never handled (%llu calls since, expected %llu): nothing tested",
            (unsigned long long) (after.calls - before.calls), (unsigned long long) (2 + polls));
    if (after.sessions != 1)
        fail_msg ("%u sessions %d ms after the only other client's connection closed: its session, opened "
                  "by a hello read after the connection's drop, was never ended",
                  after.sessions, S_BOUND_MS);
    s_stop (&f);
}

static void
test_hello_read_after_its_drop_ipc (void **state)
{
    (void) state;
    s_hello_read_after_its_drop ("ipc");
}

static void
test_hello_read_after_its_drop_tcp (void **state)
{
    (void) state;
    s_hello_read_after_its_drop ("tcp");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_hello_read_after_its_drop_ipc),
        cmocka_unit_test (test_hello_read_after_its_drop_tcp),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
