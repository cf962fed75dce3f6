// rom_test_fault.c: faults for the failure tests (see rom_test_fault.h).
#include "rom_test_fault.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

// --- raw peer -------------------------------------------------------------------------------------------

void
rom_test_raw_open (rom_test_raw_t *raw, const char *endpoint)
{
    // A context of its own: the raw peer must be a connection the runtime knows nothing about.
    raw->context = zmq_ctx_new ();
    assert_non_null (raw->context);
    raw->socket = zmq_socket (raw->context, ZMQ_DEALER);
    assert_non_null (raw->socket);
    int zero = 0;
    zmq_setsockopt (raw->socket, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal (zmq_connect (raw->socket, endpoint), 0);
    raw->next_call = 1;
}

void
rom_test_raw_close (rom_test_raw_t *raw)
{
    if (raw->socket)
        zmq_close (raw->socket);
    if (raw->context)
        zmq_ctx_term (raw->context);
    raw->socket = raw->context = NULL;
}

// Receive one reply (two frames) within what is left of `deadline`; NULL when none came.
static Rom__ReplyHeader *
s_recv_reply (void *socket, uint64_t deadline, zmq_msg_t *payload)
{
    for (;;) {
        uint64_t now = romi_now_ms ();
        if (now >= deadline)
            return NULL;
        zmq_pollitem_t item = {.socket = socket, .events = ZMQ_POLLIN};
        int n = zmq_poll (&item, 1, (long) (deadline - now));
        if (n < 0 && zmq_errno () == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        zmq_msg_t head;
        zmq_msg_init (&head);
        assert_true (zmq_msg_recv (&head, socket, 0) >= 0);
        Rom__ReplyHeader *reply = rom__reply_header__unpack (NULL, zmq_msg_size (&head),
                                                             zmq_msg_data (&head));
        bool more = zmq_msg_more (&head);
        zmq_msg_close (&head);
        assert_non_null (reply);
        zmq_msg_init (payload);
        if (more)
            assert_true (zmq_msg_recv (payload, socket, 0) >= 0);
        return reply;
    }
}

rom_status_t
rom_test_raw_call (rom_test_raw_t *raw, uint64_t session, uint64_t object_id, uint32_t method,
                   const ProtobufCMessage *in, const ProtobufCMessageDescriptor *output,
                   ProtobufCMessage **out, char *error)
{
    uint64_t call_id = raw->next_call++;
    Rom__CallHeader h = ROM__CALL_HEADER__INIT;
    h.version = ROM__VERSION__VERSION_CURRENT;
    h.call_id = call_id;
    h.object_id = object_id;
    h.method = method;
    h.timeout_ms = 3000; // a parked call must not outlive the test
    h.session = session;
    uint8_t head[ROM_HEADER_MAX];
    size_t head_size = rom__call_header__pack (&h, head);
    size_t payload_size = in ? protobuf_c_message_get_packed_size (in) : 0;
    uint8_t *payload = malloc (payload_size + 1);
    assert_non_null (payload);
    if (in)
        protobuf_c_message_pack (in, payload);
    assert_true (zmq_send (raw->socket, head, head_size, ZMQ_SNDMORE) >= 0);
    assert_true (zmq_send (raw->socket, payload, payload_size, 0) >= 0);
    free (payload);

    uint64_t deadline = romi_now_ms () + 3000;
    for (;;) {
        zmq_msg_t body;
        Rom__ReplyHeader *reply = s_recv_reply (raw->socket, deadline, &body);
        if (!reply)
            fail_msg ("raw call %llu (object %llu, method %u): no reply within 3 s",
                      (unsigned long long) call_id, (unsigned long long) object_id, method);
        if (reply->call_id != call_id) {
            // Call id 0 is the server's liveness probe or a notice about an unreadable frame: not ours.
            assert_int_equal (reply->call_id, 0);
            rom__reply_header__free_unpacked (reply, NULL);
            zmq_msg_close (&body);
            continue;
        }
        rom_status_t status = (rom_status_t) reply->status;
        if (error)
            snprintf (error, ROM_ERRMSG_MAX, "%s", reply->error ? reply->error : "");
        if (status == ROM_OK && output && out) {
            *out = protobuf_c_message_unpack (output, NULL, zmq_msg_size (&body), zmq_msg_data (&body));
            assert_non_null (*out);
        }
        rom__reply_header__free_unpacked (reply, NULL);
        zmq_msg_close (&body);
        return status;
    }
}

uint64_t
rom_test_raw_hello (rom_test_raw_t *raw)
{
    Rom__HelloRequest in = ROM__HELLO_REQUEST__INIT;
    in.version = ROM__VERSION__VERSION_CURRENT;
    in.pid = (int32_t) getpid ();
    Rom__HelloReply *reply = NULL;
    char error[ROM_ERRMSG_MAX];
    rom_status_t status = rom_test_raw_call (raw, 0, ROM_MANAGER_ID, ROM__MANAGER_METHOD__HELLO, &in.base,
                                             &rom__hello_reply__descriptor, (ProtobufCMessage **) &reply,
                                             error);
    if (status != ROM_OK)
        fail_msg ("raw Hello: %s: %s", rom_strerror (status), error);
    uint64_t session = reply->session;
    rom__hello_reply__free_unpacked (reply, NULL);
    assert_true (session != 0);
    return session;
}

uint64_t
rom_test_raw_session (void *dealer)
{
    // Call ids far from the small ones the raw tests number their calls with.
    rom_test_raw_t raw = {.socket = dealer, .next_call = 1ull << 40};
    return rom_test_raw_hello (&raw);
}

// --- objects and texts -----------------------------------------------------------------------------------

rom_proxy_t *
rom_test_tally_new (rom_client_t *client, const char *name, int64_t start)
{
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = start;
    rom_proxy_t *proxy = NULL;
    rom_status_t status = rom_proxy_create (client, &test__tally__rom_type, name, &init.base,
                                            ROM_CREATE_EXIST_OK, &proxy);
    if (status != ROM_OK)
        fail_msg ("create test.Tally: %s: %s", rom_strerror (status), rom_client_errmsg (client));
    return proxy;
}

void
rom_test_says (const rom_client_t *client, const char *text)
{
    const char *msg = rom_client_errmsg (client);
    if (!msg || !strstr (msg, text))
        fail_msg ("error \"%s\" does not say \"%s\"", msg ? msg : "(null)", text);
}

// --- processes --------------------------------------------------------------------------------------------

pid_t
rom_test_fork_child (int (*fn) (void *arg, int out_fd), void *arg, int *from_child)
{
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (fds[0]);
        // A test that fails half-way never reaps its children: let them go with the test process.
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        int code = fn (arg, fds[1]);
        close (fds[1]);
        _exit (code);
    }
    close (fds[1]);
    if (from_child)
        *from_child = fds[0];
    else
        close (fds[0]);
    return pid;
}

static char s_watch_what[160];
static unsigned s_watch_seconds;

static void
s_on_alarm (int signo)
{
    (void) signo;
    char text[256];
    int n = snprintf (text, sizeof text, "watchdog: %s still blocked after %u s\n", s_watch_what,
                      s_watch_seconds);
    if (n > 0 && write (STDERR_FILENO, text, (size_t) n) < 0)
        _exit (3);
    _exit (3);
}

void
rom_test_watchdog (unsigned seconds, const char *what)
{
    snprintf (s_watch_what, sizeof s_watch_what, "%s", what ? what : "");
    s_watch_seconds = seconds;
    signal (SIGALRM, s_on_alarm);
    alarm (seconds);
}

int
rom_test_endpoint_port (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    assert_non_null (colon);
    int port = atoi (colon + 1);
    assert_true (port > 0);
    return port;
}

// --- TCP forwarder ----------------------------------------------------------------------------------------

#define FWD_MAX_PAIRS 64

static int
s_listen (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    // The port is re-bound by the next forwarder while the killed one's connections sit in TIME_WAIT.
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons ((uint16_t) port),
                               .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (fd, 16) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

static int
s_dial (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons ((uint16_t) port),
                               .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        close (fd);
        return -1;
    }
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool
s_write_all (int fd, const char *buf, size_t size)
{
    while (size > 0) {
        ssize_t n = write (fd, buf, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        size -= (size_t) n;
    }
    return true;
}

// The forwarder's loop: plain sockets and poll (), no ZMQ and no thread, so it is safe in a child forked
// from a process whose ZMQ threads run.
static void
s_forward (int listener, int upstream_port)
{
    int pairs[FWD_MAX_PAIRS][2];
    int n_pairs = 0;
    static char buf[65536];
    for (;;) {
        struct pollfd items[1 + 2 * FWD_MAX_PAIRS];
        items[0] = (struct pollfd) {.fd = listener, .events = POLLIN};
        for (int i = 0; i < n_pairs; i++)
            for (int side = 0; side < 2; side++)
                items[1 + 2 * i + side] = (struct pollfd) {.fd = pairs[i][side], .events = POLLIN};
        if (poll (items, (nfds_t) (1 + 2 * n_pairs), -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit (2);
        }
        // Relay first, then drop closed pairs: indexes of `items` follow `pairs` until then.
        bool closed[FWD_MAX_PAIRS] = {false};
        for (int i = 0; i < n_pairs; i++)
            for (int side = 0; side < 2; side++) {
                if (!(items[1 + 2 * i + side].revents & (POLLIN | POLLHUP | POLLERR)) || closed[i])
                    continue;
                ssize_t n = read (pairs[i][side], buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0 || !s_write_all (pairs[i][1 - side], buf, (size_t) n))
                    closed[i] = true;
            }
        for (int i = n_pairs - 1; i >= 0; i--)
            if (closed[i]) {
                // One side ended: end the other, as a cut connection would look to it.
                close (pairs[i][0]);
                close (pairs[i][1]);
                memmove (pairs[i], pairs[i + 1], sizeof pairs[0] * (size_t) (n_pairs - i - 1));
                n_pairs--;
            }
        if (items[0].revents & POLLIN) {
            int down = accept (listener, NULL, NULL);
            if (down < 0)
                continue;
            int up = n_pairs < FWD_MAX_PAIRS ? s_dial (upstream_port) : -1;
            if (up < 0) {
                close (down);
                continue;
            }
            int one = 1;
            setsockopt (down, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            pairs[n_pairs][0] = down;
            pairs[n_pairs][1] = up;
            n_pairs++;
        }
    }
}

pid_t
rom_test_forwarder_fork (int listen_port, int upstream_port)
{
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (ready[0]);
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        signal (SIGPIPE, SIG_IGN); // a write to a closed side is an error to handle, not a death
        int listener = s_listen (listen_port);
        char ok = listener >= 0;
        if (write (ready[1], &ok, 1) != 1 || !ok)
            _exit (1);
        close (ready[1]);
        s_forward (listener, upstream_port);
        _exit (0);
    }
    close (ready[1]);
    struct pollfd item = {.fd = ready[0], .events = POLLIN};
    char ok = 0;
    int rc;
    while ((rc = poll (&item, 1, 10000)) < 0 && errno == EINTR)
        ;
    bool got = rc == 1 && read (ready[0], &ok, 1) == 1;
    close (ready[0]);
    if (!got || !ok) {
        rom_test_kill_reap (pid);
        fail_msg ("forwarder on port %d: could not listen", listen_port);
    }
    return pid;
}
