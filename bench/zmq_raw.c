// zmq_raw: the raw libzmq baselines rom is measured against: REQ/REP round trips of the bytes a
// Counter.increment call sends (ipc and tcp, 1/2/4 client processes), DEALER/ROUTER echo with a window of
// in-flight messages, and a payload sweep. The server always runs in a process of its own, as rom's does.
//
// usage: zmq_raw [--quick] [--runs N] [--secs S] [rt|window|payload ...]   (default: all)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_common.h"

// What a rom Counter.increment sends: a ~20-byte CallHeader frame and a 2-byte Delta{by=1}; the reply is a
// ~10-byte ReplyHeader and a 2-byte Count. Two frames each way, like rom, so the baseline pays the same
// per-frame costs.
#define CALL_HEADER_SIZE 20
#define REPLY_HEADER_SIZE 10
#define COUNTER_PAYLOAD_SIZE 2

typedef struct {
    int type;              // ZMQ_REP or ZMQ_ROUTER
    const char *transport; // "ipc" or "tcp"
} server_args_t;

static void
s_set_linger (void *socket)
{
    // Exit must never hang on unsent messages.
    int zero = 0;
    zmq_setsockopt (socket, ZMQ_LINGER, &zero, sizeof zero);
}

// The echo server: answers each call with a short reply header and the call's payload, moved (not copied)
// from the received message into the reply.
static int
s_serve (void *arg, int ready_fd)
{
    const server_args_t *args = arg;
    void *ctx = zmq_ctx_new ();
    void *socket = zmq_socket (ctx, args->type);
    s_set_linger (socket);
    char endpoint[256];
    static int counter;
    if (strcmp (args->transport, "ipc") == 0)
        snprintf (endpoint, sizeof endpoint, "ipc://%s/raw-%d-%d.sock", bench_tmpdir (), (int) getpid (),
                  counter++);
    else
        snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:*");
    if (zmq_bind (socket, endpoint) != 0) {
        fprintf (stderr, "zmq_raw: bind %s: %s\n", endpoint, zmq_strerror (errno));
        return 1;
    }
    size_t len = sizeof endpoint;
    zmq_getsockopt (socket, ZMQ_LAST_ENDPOINT, endpoint, &len);
    if (write (ready_fd, endpoint, strlen (endpoint) + 1) < 0)
        return 1;
    close (ready_fd);

    char reply_header[REPLY_HEADER_SIZE];
    memset (reply_header, 0x11, sizeof reply_header);
    zmq_msg_t identity, header, payload;
    zmq_msg_init (&identity);
    zmq_msg_init (&header);
    zmq_msg_init (&payload);
    for (;;) {
        if (args->type == ZMQ_ROUTER && zmq_msg_recv (&identity, socket, 0) < 0)
            break;
        if (zmq_msg_recv (&header, socket, 0) < 0 || zmq_msg_recv (&payload, socket, 0) < 0)
            break;
        if (args->type == ZMQ_ROUTER && zmq_msg_send (&identity, socket, ZMQ_SNDMORE) < 0)
            break;
        if (zmq_send (socket, reply_header, sizeof reply_header, ZMQ_SNDMORE) < 0
            || zmq_msg_send (&payload, socket, 0) < 0)
            break;
    }
    zmq_close (socket);
    zmq_ctx_term (ctx);
    return 0;
}

// --- clients -----------------------------------------------------------------------------------------------

typedef struct {
    const char *endpoint;
    int type;       // ZMQ_REQ or ZMQ_DEALER
    size_t payload; // bytes of the call's payload frame
    int window;     // DEALER: messages kept in flight
} client_args_t;

typedef struct {
    void *ctx, *socket;
    const client_args_t *args;
    char header[CALL_HEADER_SIZE];
    char *payload;
} client_t;

static void
s_no_free (void *data, void *hint)
{
    (void) data;
    (void) hint;
}

static int
s_send_call (client_t *self)
{
    if (zmq_send (self->socket, self->header, sizeof self->header, ZMQ_SNDMORE) < 0)
        return -1;
    // Large payloads go zero-copy from a buffer that never changes: the fastest libzmq can send them, which
    // is the bar rom's zero-copy frames are held to.
    zmq_msg_t msg;
    if (self->args->payload >= 4096)
        zmq_msg_init_data (&msg, self->payload, self->args->payload, s_no_free, NULL);
    else {
        zmq_msg_init_size (&msg, self->args->payload);
        memcpy (zmq_msg_data (&msg), self->payload, self->args->payload);
    }
    if (zmq_msg_send (&msg, self->socket, 0) < 0) {
        zmq_msg_close (&msg);
        return -1;
    }
    return 0;
}

static int
s_recv_reply (client_t *self)
{
    char header[64];
    if (zmq_recv (self->socket, header, sizeof header, 0) < 0)
        return -1;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    int n = zmq_msg_recv (&msg, self->socket, 0);
    zmq_msg_close (&msg);
    return n < 0 || (size_t) n != self->args->payload ? -1 : 0;
}

static void *
s_client_setup (int child, void *arg)
{
    (void) child;
    const client_args_t *args = arg;
    client_t *self = calloc (1, sizeof *self);
    self->args = args;
    memset (self->header, 0x22, sizeof self->header);
    self->payload = malloc (args->payload ? args->payload : 1);
    memset (self->payload, 0x08, args->payload);
    self->ctx = zmq_ctx_new ();
    self->socket = zmq_socket (self->ctx, args->type);
    s_set_linger (self->socket);
    if (zmq_connect (self->socket, args->endpoint) != 0) {
        fprintf (stderr, "zmq_raw: connect %s: %s\n", args->endpoint, zmq_strerror (errno));
        return NULL;
    }
    for (int i = 0; args->type == ZMQ_DEALER && i < args->window; i++)
        if (s_send_call (self) < 0)
            return NULL;
    return self;
}

// REQ/REP: one round trip.
static int
s_call_rt (void *state)
{
    client_t *self = state;
    return s_send_call (self) < 0 || s_recv_reply (self) < 0 ? -1 : 1;
}

// DEALER: the window stays full: each reply that arrives makes room for one more call.
static int
s_call_window (void *state)
{
    client_t *self = state;
    return s_recv_reply (self) < 0 || s_send_call (self) < 0 ? -1 : 1;
}

static void
s_client_teardown (void *state)
{
    client_t *self = state;
    zmq_close (self->socket);
    zmq_ctx_term (self->ctx);
    free (self->payload);
    free (self);
}

static const bench_client_ops_t s_rt_ops = {s_client_setup, s_call_rt, s_client_teardown, NULL};
static const bench_client_ops_t s_window_ops = {s_client_setup, s_call_window, s_client_teardown, NULL};

// --- workloads ---------------------------------------------------------------------------------------------

static pid_t
s_start (int type, const char *transport, char *endpoint)
{
    server_args_t args = {type, transport};
    bench_tmpdir (); // made here, so the parent knows it and removes it
    pid_t pid = bench_server_spawn (s_serve, &args, endpoint, 256);
    bench_watch_server (pid);
    return pid;
}

static int
s_round_trips (const bench_opts_t *opts)
{
    const char *transports[] = {"ipc", "tcp"};
    for (int t = 0; t < 2; t++) {
        char endpoint[256];
        pid_t server = s_start (ZMQ_REP, transports[t], endpoint);
        if (server < 0)
            return -1;
        client_args_t args = {endpoint, ZMQ_REQ, COUNTER_PAYLOAD_SIZE, 1};
        bench_result_t result;
        char prefix[64];
        snprintf (prefix, sizeof prefix, "raw_zmq_reqrep_%s", transports[t]);
        int rc = bench_fanout (1, opts, &s_rt_ops, &args, &result);
        if (rc == 0)
            bench_report (prefix, &result);
        // Several client processes on one REP server: it answers one call at a time, as rom's I/O thread
        // does.
        for (int procs = 2; rc == 0 && procs <= 4 && t == 0; procs *= 2) {
            snprintf (prefix, sizeof prefix, "raw_zmq_reqrep_%s_%dp", transports[t], procs);
            rc = bench_fanout (procs, opts, &s_rt_ops, &args, &result);
            if (rc == 0)
                bench_report (prefix, &result);
        }
        bench_server_stop (server);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int
s_windows (const bench_opts_t *opts)
{
    char endpoint[256];
    pid_t server = s_start (ZMQ_ROUTER, "ipc", endpoint);
    if (server < 0)
        return -1;
    int windows[] = {1, 16, 128};
    int rc = 0;
    for (int i = 0; rc == 0 && i < 3; i++) {
        client_args_t args = {endpoint, ZMQ_DEALER, COUNTER_PAYLOAD_SIZE, windows[i]};
        bench_result_t result;
        rc = bench_fanout (1, opts, &s_window_ops, &args, &result);
        if (rc == 0) {
            bench_metricf (result.ops_per_s, "raw_zmq_dealer_ipc_w%d_calls_per_s", windows[i]);
            bench_metricf (result.wakeups_per_op, "raw_zmq_dealer_ipc_w%d_wakeups_per_call", windows[i]);
            fprintf (stderr, "  raw_zmq_dealer_ipc_w%-3d %10.0f calls/s  %5.2f wake-ups/call\n", windows[i],
                     result.ops_per_s, result.wakeups_per_op);
        }
    }
    bench_server_stop (server);
    return rc;
}

static int
s_payloads (const bench_opts_t *opts)
{
    static const size_t quick_sizes[] = {16, 1024, 65536, 1048576};
    static const size_t full_sizes[] = {16, 256, 4096, 65536, 262144, 1048576};
    const size_t *sizes = opts->quick ? quick_sizes : full_sizes;
    size_t n = opts->quick ? 4 : 6;
    char endpoint[256];
    pid_t server = s_start (ZMQ_REP, "ipc", endpoint);
    if (server < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        client_args_t args = {endpoint, ZMQ_REQ, sizes[i], 1};
        bench_result_t result;
        rc = bench_fanout (1, opts, &s_rt_ops, &args, &result);
        if (rc == 0) {
            // Payload bytes carried per second, one way (each call sends them and gets them back).
            double bytes = result.ops_per_s * (double) sizes[i];
            bench_metricf (bytes, "raw_zmq_payload_ipc_%zu_bytes_per_s", sizes[i]);
            bench_metricf (result.p50_us, "raw_zmq_payload_ipc_%zu_p50_us", sizes[i]);
            fprintf (stderr, "  raw_zmq_payload_ipc %8zu B  %8.1f MB/s  p50 %8.1f us\n", sizes[i],
                     bytes / 1e6, result.p50_us);
        }
    }
    bench_server_stop (server);
    return rc;
}

int
main (int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_parse (&opts, &argc, argv);
    int all = argc == 1, rc = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "rt") && strcmp (argv[i], "window") && strcmp (argv[i], "payload")) {
            fprintf (stderr, "usage: %s [--quick] [--runs N] [--secs S] [rt|window|payload ...]\n", argv[0]);
            return 2;
        }
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    fprintf (stderr, "zmq_raw: libzmq %d.%d.%d, %d runs x %.1f s\n", major, minor, patch, opts.runs,
             opts.secs);
    for (int i = all ? 0 : 1; rc == 0 && i < (all ? 1 : argc); i++) {
        const char *what = all ? NULL : argv[i];
        if (rc == 0 && (!what || strcmp (what, "rt") == 0))
            rc = s_round_trips (&opts);
        if (rc == 0 && (!what || strcmp (what, "window") == 0))
            rc = s_windows (&opts);
        if (rc == 0 && (!what || strcmp (what, "payload") == 0))
            rc = s_payloads (&opts);
    }
    bench_tmpdir_remove ();
    return rc == 0 ? 0 : 1;
}
