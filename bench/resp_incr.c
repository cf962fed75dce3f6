// resp_incr: the Redis baseline. A minimal RESP client over a loopback TCP socket sends INCR at pipeline
// depths 1, 16 and 128 (all commands of a batch in one write, then all replies read), from 1 and 4 processes.
// bench/run starts and stops the redis-server it talks to.
//
// usage: resp_incr --port P [--server-pid PID] [--quick] [--runs N] [--secs S]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

static const char s_incr[] = "*2\r\n$4\r\nINCR\r\n$11\r\nbench:count\r\n";

typedef struct {
    int port;
    int depth;
} client_args_t;

typedef struct {
    int fd, depth;
    char *commands; // `depth` INCR commands back to back
    size_t size;
    char reply[65536];
} client_t;

static void *
s_setup (int child, void *arg)
{
    (void) child;
    const client_args_t *args = arg;
    client_t *self = calloc (1, sizeof *self);
    self->depth = args->depth;
    self->fd = socket (AF_INET, SOCK_STREAM, 0);
    // Like every Redis client: a pipeline is flushed as one write, a single command must not wait on Nagle.
    int one = 1;
    setsockopt (self->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) args->port)};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (connect (self->fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        perror ("resp_incr: connect");
        return NULL;
    }
    self->size = (sizeof s_incr - 1) * (size_t) args->depth;
    self->commands = malloc (self->size);
    for (int i = 0; i < args->depth; i++)
        memcpy (self->commands + i * (sizeof s_incr - 1), s_incr, sizeof s_incr - 1);
    return self;
}

// One batch: `depth` INCRs written at once, then their `depth` integer replies (":<n>\r\n" each) read.
static int
s_call (void *state)
{
    client_t *self = state;
    for (size_t sent = 0; sent < self->size;) {
        ssize_t n = write (self->fd, self->commands + sent, self->size - sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        sent += (size_t) n;
    }
    int lines = 0, line_start = 1;
    while (lines < self->depth) {
        ssize_t n = read (self->fd, self->reply, sizeof self->reply);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        for (ssize_t i = 0; i < n; i++) {
            if (line_start && self->reply[i] != ':') {
                fprintf (stderr, "resp_incr: unexpected reply '%c'\n", self->reply[i]);
                return -1;
            }
            line_start = self->reply[i] == '\n';
            lines += line_start;
        }
    }
    return self->depth;
}

static void
s_teardown (void *state)
{
    client_t *self = state;
    close (self->fd);
    free (self->commands);
    free (self);
}

static const bench_client_ops_t s_ops = {s_setup, s_call, s_teardown, NULL};

int
main (int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_parse (&opts, &argc, argv);
    int port = 0;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp (argv[i], "--port") == 0)
            port = atoi (argv[i + 1]);
        if (strcmp (argv[i], "--server-pid") == 0)
            bench_watch_server ((pid_t) atoi (argv[i + 1]));
    }
    if (port <= 0) {
        fprintf (stderr, "usage: %s --port P [--server-pid PID] [--quick] [--runs N] [--secs S]\n", argv[0]);
        return 2;
    }
    int depths[] = {1, 16, 128};
    for (int procs = 1; procs <= 4; procs *= 4)
        for (int i = 0; i < 3; i++) {
            client_args_t args = {port, depths[i]};
            bench_result_t result;
            if (bench_fanout (procs, &opts, &s_ops, &args, &result) != 0)
                return 1;
            // Per INCR, not per batch: the rate counts commands, the latency is that of one batch.
            bench_metricf (result.ops_per_s, "redis_incr_p%d_%dc_calls_per_s", depths[i], procs);
            bench_metricf (result.wakeups_per_op, "redis_incr_p%d_%dc_wakeups_per_call", depths[i], procs);
            if (depths[i] == 1) {
                bench_metricf (result.p50_us, "redis_incr_p1_%dc_p50_us", procs);
                bench_metricf (result.p99_us, "redis_incr_p1_%dc_p99_us", procs);
            }
            fprintf (stderr, "  redis INCR depth %-3d x %d clients %10.0f calls/s  (batch p50 %.1f us)\n",
                     depths[i], procs, result.ops_per_s, result.p50_us);
        }
    return 0;
}
