// rom_counter: rom's side of every workload in bench/, through the public and generated API as a user would
// call it: sync calls over ipc and tcp, 1/2/4 client processes, async pipelines, one-way calls, the Counter
// job, a payload sweep, object creation and memory per idle object, inline vs pool, ZMQ_IO_THREADS, affinity,
// and what a heavy (1 ms) method costs other objects' calls, inline and pooled.
//
// usage: rom_counter [--quick] [--runs N] [--secs S] [WORKLOAD ...]
//        WORKLOAD: sync|pipelined|job|payload|pool|levers|heavy|objects (default: all), or async128
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "counter.rom.h"

// --- the servants (run in the manager's server process) ----------------------------------------------------

typedef struct {
    int64_t value;
} counter_t;

static rom_status_t
s_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    (void) call;
    counter_t *self = calloc (1, sizeof *self);
    if (!self)
        return ROM_NOMEM;
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    free (self);
}

static rom_status_t
s_increment (void *self, const Bench__Delta *in, Bench__Count *out, rom_call_t *call)
{
    (void) call;
    counter_t *counter = self;
    counter->value += in->by;
    out->value = counter->value;
    return ROM_OK;
}

// Work: 1 ms of server time, a busy-wait on CLOCK_MONOTONIC (not a sleep: the thread keeps its CPU, as a
// real computation would), then an increment.
enum { WORK_NS = 1000000 };

static rom_status_t
s_work (void *self, const Bench__Delta *in, Bench__Count *out, rom_call_t *call)
{
    uint64_t until = bench_now_ns () + WORK_NS;
    while (bench_now_ns () < until)
        ;
    return s_increment (self, in, out, call);
}

static rom_status_t
s_get (void *self, const Bench__Nothing *in, Bench__Count *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((counter_t *) self)->value;
    return ROM_OK;
}

static rom_status_t
s_echo (void *self, const Bench__Blob *in, Bench__Blob *out, rom_call_t *call)
{
    (void) self;
    (void) call;
    // Borrowed: the input lives in the call's arena until the reply is packed, so no copy is needed.
    out->data = in->data;
    return ROM_OK;
}

static rom_status_t
s_increment_many (void *self, const Bench__Deltas *in, Bench__Counts *out, rom_call_t *call)
{
    counter_t *counter = self;
    out->values = rom_call_alloc (call, (in->n_by ? in->n_by : 1) * sizeof *out->values);
    if (!out->values)
        return rom_call_fail (call, ROM_NOMEM, "no memory for %zu results", in->n_by);
    for (size_t i = 0; i < in->n_by; i++)
        out->values[i] = counter->value += in->by[i];
    out->n_values = in->n_by;
    return ROM_OK;
}

static const Bench__Counter_Servant s_counter_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .increment = s_increment,
    .get = s_get,
    .echo = s_echo,
    .increment_many = s_increment_many,
    .work = s_work,
};

static const Bench__PoolCounter_Servant s_pool_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .increment = s_increment,
    .get = s_get,
    .work = s_work,
};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    rom_status_t rc = bench__counter__rom_register (server, &s_counter_servant, NULL);
    return rc == ROM_OK ? bench__pool_counter__rom_register (server, &s_pool_servant, NULL) : rc;
}

// --- one object of either type, through its generated proxy ------------------------------------------------

typedef struct {
    int pool; // a PoolCounter, else a Counter
    Bench__Counter_Proxy *counter;
    Bench__PoolCounter_Proxy *pool_counter;
} object_t;

static rom_status_t
s_object_create (rom_client_t *client, int pool, object_t *object)
{
    memset (object, 0, sizeof *object);
    object->pool = pool;
    return pool ? bench__pool_counter__rom_create (client, &object->pool_counter)
                : bench__counter__rom_create (client, &object->counter);
}

static rom_status_t
s_object_from_token (rom_client_t *client, int pool, const char *token, object_t *object)
{
    memset (object, 0, sizeof *object);
    object->pool = pool;
    return pool ? bench__pool_counter__rom_from_token (client, token, &object->pool_counter)
                : bench__counter__rom_from_token (client, token, &object->counter);
}

static rom_proxy_t *
s_object_base (object_t *object)
{
    return object->pool ? bench__pool_counter__rom_base (object->pool_counter)
                        : bench__counter__rom_base (object->counter);
}

static void
s_object_destroy (object_t *object)
{
    if (object->pool)
        bench__pool_counter__rom_destroy (&object->pool_counter);
    else
        bench__counter__rom_destroy (&object->counter);
}

static const Bench__Delta s_one = {PROTOBUF_C_MESSAGE_INIT (&bench__delta__descriptor), 1};

static rom_status_t
s_increment_sync (object_t *object)
{
    Bench__Count *out = NULL;
    rom_status_t rc = object->pool ? bench__pool_counter_proxy__increment (object->pool_counter, &s_one, &out)
                                   : bench__counter_proxy__increment (object->counter, &s_one, &out);
    if (out)
        bench__count__free_unpacked (out, NULL);
    return rc;
}

static rom_status_t
s_work_sync (object_t *object)
{
    Bench__Count *out = NULL;
    rom_status_t rc = object->pool ? bench__pool_counter_proxy__work (object->pool_counter, &s_one, &out)
                                   : bench__counter_proxy__work (object->counter, &s_one, &out);
    if (out)
        bench__count__free_unpacked (out, NULL);
    return rc;
}

static rom_status_t
s_increment_async (object_t *object, rom_future_t **future_p)
{
    return object->pool ? bench__pool_counter_proxy__increment_async (object->pool_counter, &s_one, future_p)
                        : bench__counter_proxy__increment_async (object->counter, &s_one, future_p);
}

static rom_status_t
s_increment_oneway (object_t *object)
{
    return object->pool ? bench__pool_counter_proxy__increment_oneway (object->pool_counter, &s_one)
                        : bench__counter_proxy__increment_oneway (object->counter, &s_one);
}

static rom_status_t
s_get_value (object_t *object, int64_t *value)
{
    Bench__Count *out = NULL;
    rom_status_t rc = object->pool ? bench__pool_counter_proxy__get (object->pool_counter, NULL, &out)
                                   : bench__counter_proxy__get (object->counter, NULL, &out);
    if (rc == ROM_OK)
        *value = out->value;
    if (out)
        bench__count__free_unpacked (out, NULL);
    return rc;
}

// Wait for a future and drop its reply.
static rom_status_t
s_future_done (rom_future_t **future_p)
{
    ProtobufCMessage *out = NULL;
    rom_status_t rc = rom_future_wait (future_p, &out);
    if (out)
        protobuf_c_message_free_unpacked (out, NULL);
    return rc;
}

// --- client processes (bench_fanout) -----------------------------------------------------------------------

typedef enum { MODE_SYNC, MODE_ASYNC, MODE_ONEWAY, MODE_ECHO, MODE_BATCH } workload_t;

typedef struct {
    const char *endpoint;
    const char *token; // the shared object; NULL: each client creates its own
    int pool;
    workload_t mode;
    int depth;      // MODE_ASYNC: calls kept in flight; MODE_ONEWAY: one-way calls per synchronous Get;
                    // MODE_BATCH: increments per IncrementMany
    size_t payload; // MODE_ECHO: bytes each way
} client_args_t;

typedef struct {
    const client_args_t *args;
    rom_client_t *client;
    object_t object;
    rom_future_t **futures; // MODE_ASYNC: a ring of `depth` calls in flight
    int head;
    Bench__Blob blob;
    Bench__Deltas deltas; // MODE_BATCH
    uint64_t rng;         // s_client_pause's random gaps (xorshift64; 0: not seeded yet)
} client_t;

static void *
s_client_setup (int child, void *arg)
{
    (void) child;
    const client_args_t *args = arg;
    client_t *self = calloc (1, sizeof *self);
    self->args = args;
    const char *why = NULL;
    if (rom_client_connect (args->endpoint, NULL, &self->client, &why) != ROM_OK) {
        fprintf (stderr, "rom_counter: connect %s: %s\n", args->endpoint, why);
        return NULL;
    }
    rom_status_t rc = args->token ? s_object_from_token (self->client, args->pool, args->token, &self->object)
                                  : s_object_create (self->client, args->pool, &self->object);
    if (rc != ROM_OK) {
        fprintf (stderr, "rom_counter: object: %s\n", rom_client_errmsg (self->client));
        return NULL;
    }
    if (args->mode == MODE_ASYNC) {
        self->futures = calloc ((size_t) args->depth, sizeof *self->futures);
        for (int i = 0; i < args->depth; i++)
            if (s_increment_async (&self->object, &self->futures[i]) != ROM_OK)
                return NULL;
    }
    if (args->mode == MODE_BATCH) {
        bench__deltas__init (&self->deltas);
        self->deltas.n_by = (size_t) args->depth;
        self->deltas.by = malloc ((size_t) args->depth * sizeof *self->deltas.by);
        for (int i = 0; i < args->depth; i++)
            self->deltas.by[i] = 1;
    }
    if (args->mode == MODE_ECHO) {
        bench__blob__init (&self->blob);
        self->blob.data.len = args->payload;
        self->blob.data.data = malloc (args->payload ? args->payload : 1);
        memset (self->blob.data.data, 0x5a, args->payload);
    }
    return self;
}

static int
s_client_call (void *state)
{
    client_t *self = state;
    const client_args_t *args = self->args;
    switch (args->mode) {
    case MODE_SYNC: return s_increment_sync (&self->object) == ROM_OK ? 1 : -1;
    case MODE_ASYNC:
        // The pipeline stays full: collect the oldest call, send a new one in its place.
        if (s_future_done (&self->futures[self->head]) != ROM_OK
            || s_increment_async (&self->object, &self->futures[self->head]) != ROM_OK)
            return -1;
        self->head = (self->head + 1) % args->depth;
        return 1;
    case MODE_ONEWAY: {
        // One-way calls are only counted once a synchronous call behind them proves the server ran them.
        for (int i = 0; i < args->depth; i++)
            if (s_increment_oneway (&self->object) != ROM_OK)
                return -1;
        int64_t value;
        return s_get_value (&self->object, &value) == ROM_OK ? args->depth : -1;
    }
    case MODE_BATCH: {
        // A batch like a Redis pipeline: N increments go out in one message, N results come back.
        Bench__Counts *out = NULL;
        rom_status_t rc = bench__counter_proxy__increment_many (self->object.counter, &self->deltas, &out);
        int ok = rc == ROM_OK && out && out->n_values == (size_t) args->depth;
        if (out)
            bench__counts__free_unpacked (out, NULL);
        return ok ? args->depth : -1;
    }
    case MODE_ECHO: {
        Bench__Blob *out = NULL;
        rom_status_t rc = bench__counter_proxy__echo (self->object.counter, &self->blob, &out);
        int ok = rc == ROM_OK && out && out->data.len == args->payload;
        if (out)
            bench__blob__free_unpacked (out, NULL);
        return ok ? 1 : -1;
    }
    }
    return -1;
}

static void
s_client_teardown (void *state)
{
    client_t *self = state;
    for (int i = 0; self->futures && i < self->args->depth; i++)
        s_future_done (&self->futures[i]);
    free (self->futures);
    free (self->blob.data.data);
    free (self->deltas.by);
    s_object_destroy (&self->object);
    rom_client_destroy (&self->client);
    free (self);
}

// Between two calls of a paced client: a random gap of 0 to 2 ms (uniform), so that its calls arrive at
// moments unrelated to what the server is doing, as the calls of independent clients do.
static void
s_client_pause (void *state)
{
    client_t *self = state;
    if (!self->rng)
        self->rng = bench_now_ns () ^ ((uint64_t) getpid () << 32) ^ 0x9e3779b97f4a7c15ull;
    self->rng ^= self->rng << 13;
    self->rng ^= self->rng >> 7;
    self->rng ^= self->rng << 17;
    struct timespec gap = {0, (long) (self->rng % 2000000)};
    nanosleep (&gap, NULL);
}

static const bench_client_ops_t s_ops = {s_client_setup, s_client_call, s_client_teardown, NULL};
static const bench_client_ops_t s_paced_ops = {s_client_setup, s_client_call, s_client_teardown,
                                               s_client_pause};

// --- managers ----------------------------------------------------------------------------------------------

typedef struct {
    rom_manager_t *manager;
    object_t shared;  // a Counter every client may use
    object_t pooled;  // a PoolCounter likewise
    char *token;      // of `shared`
    char *pool_token; // of `pooled`
} server_t;

static int
s_server_start (server_t *self, const char *endpoint, unsigned io_threads, uint32_t spin_us)
{
    memset (self, 0, sizeof *self);
    rom_manager_opts_t opts = {.endpoint = endpoint, .register_types = s_register};
    opts.server.io_threads = io_threads;
    opts.server.spin_us = spin_us;
    const char *why = NULL;
    if (rom_manager_start (&opts, &self->manager, &why) != ROM_OK) {
        fprintf (stderr, "rom_counter: cannot start a manager on %s: %s\n", endpoint ? endpoint : "ipc", why);
        return -1;
    }
    rom_client_t *client = rom_manager_client (self->manager);
    if (s_object_create (client, 0, &self->shared) != ROM_OK
        || s_object_create (client, 1, &self->pooled) != ROM_OK) {
        fprintf (stderr, "rom_counter: create: %s\n", rom_client_errmsg (client));
        return -1;
    }
    self->token = rom_proxy_to_token (s_object_base (&self->shared));
    self->pool_token = rom_proxy_to_token (s_object_base (&self->pooled));
    return 0;
}

static void
s_server_stop (server_t *self)
{
    s_object_destroy (&self->shared);
    s_object_destroy (&self->pooled);
    free (self->token);
    free (self->pool_token);
    rom_manager_destroy (&self->manager);
}

// The manager whose server process the next measurements run against (its threads' sleeps are counted).
static void
s_watch (server_t *server)
{
    bench_watch_server ((pid_t) rom_manager_pid (server->manager));
}

static int
s_measure (const char *prefix, int nprocs, const bench_opts_t *opts, const client_args_t *args,
           bench_result_t *result)
{
    bench_result_t local;
    if (!result)
        result = &local;
    if (bench_fanout (nprocs, opts, &s_ops, (void *) args, result) != 0) {
        fprintf (stderr, "rom_counter: %s failed\n", prefix);
        return -1;
    }
    if (args->mode == MODE_SYNC || args->mode == MODE_ECHO)
        bench_report (prefix, result);
    else {
        // A pipelined "call" collects one reply and sends one call: its time is no call's latency.
        bench_metricf (result->ops_per_s, "%s_calls_per_s", prefix);
        if (result->wakeups_per_op >= 0)
            bench_metricf (result->wakeups_per_op, "%s_wakeups_per_call", prefix);
        fprintf (stderr, "  %-40s %10.0f calls/s  %5.2f wake-ups/call\n", prefix, result->ops_per_s,
                 result->wakeups_per_op);
    }
    return 0;
}

// --- workloads ---------------------------------------------------------------------------------------------

static void
s_sync (server_t *ipc, server_t *tcp, const bench_opts_t *opts)
{
    const char *endpoint = rom_manager_endpoint (ipc->manager);
    client_args_t args = {endpoint, ipc->token, 0, MODE_SYNC, 1, 0};
    s_watch (ipc);
    s_measure ("rom_sync_ipc", 1, opts, &args, NULL);
    if (tcp) {
        client_args_t targs = {rom_manager_endpoint (tcp->manager), tcp->token, 0, MODE_SYNC, 1, 0};
        s_watch (tcp);
        s_measure ("rom_sync_tcp", 1, opts, &targs, NULL);
        s_watch (ipc);
    }
    char prefix[64];
    for (int procs = 1; procs <= 4; procs *= 2) {
        snprintf (prefix, sizeof prefix, "rom_sync_ipc_%dp_shared", procs);
        s_measure (prefix, procs, opts, &args, NULL);
        client_args_t each = {endpoint, NULL, 0, MODE_SYNC, 1, 0};
        snprintf (prefix, sizeof prefix, "rom_sync_ipc_%dp_each", procs);
        s_measure (prefix, procs, opts, &each, NULL);
    }
}

static void
s_pipelined (server_t *ipc, const bench_opts_t *opts)
{
    const char *endpoint = rom_manager_endpoint (ipc->manager);
    int depths[] = {1, 16, 128};
    s_watch (ipc);
    for (int i = 0; i < 3; i++) {
        client_args_t args = {endpoint, ipc->token, 0, MODE_ASYNC, depths[i], 0};
        char prefix[64];
        snprintf (prefix, sizeof prefix, "rom_async_ipc_d%d", depths[i]);
        s_measure (prefix, 1, opts, &args, NULL);
    }
    client_args_t oneway = {endpoint, ipc->token, 0, MODE_ONEWAY, 1024, 0};
    s_measure ("rom_oneway_ipc", 1, opts, &oneway, NULL);
    // Calls batched into one message, at the same depths as Redis's pipelines (servant level: IncrementMany).
    for (int i = 0; i < 3; i++) {
        client_args_t batch = {endpoint, ipc->token, 0, MODE_BATCH, depths[i], 0};
        char prefix[64];
        snprintf (prefix, sizeof prefix, "rom_batched_ipc_d%d", depths[i]);
        s_measure (prefix, 1, opts, &batch, NULL);
    }
}

// The Counter job: 4 processes x M increments of one counter, the fastest way rom offers; the final value
// must be exact. `mode` is MODE_ASYNC (depth 128) or MODE_ONEWAY (then one Get per process).
static double
s_job (server_t *ipc, workload_t mode, long increments, int *exact)
{
    const int procs = 4;
    rom_client_t *owner = rom_manager_client (ipc->manager);
    int64_t before = 0, after = 0;
    if (s_get_value (&ipc->shared, &before) != ROM_OK)
        return 0;
    int ready[2], go[2];
    if (pipe (ready) || pipe (go))
        return 0;
    pid_t pids[4];
    fflush (NULL);
    for (int p = 0; p < procs; p++) {
        pids[p] = fork ();
        if (pids[p] != 0)
            continue;
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        client_args_t args = {rom_manager_endpoint (ipc->manager), ipc->token, 0, mode, 128, 0};
        client_t *self = s_client_setup (p, &args);
        char byte = self ? 'r' : 'F';
        if (write (ready[1], &byte, 1) != 1 || !self || read (go[0], &byte, 1) != 1)
            _exit (1);
        int rc = 0;
        long done = 0;
        if (mode == MODE_ASYNC) {
            // The ring was filled by setup: collect each call and refill until M were sent, then drain.
            long sent = args.depth;
            while (rc == 0 && done < increments) {
                if (s_future_done (&self->futures[self->head]) != ROM_OK)
                    rc = -1;
                done++;
                if (sent < increments) {
                    if (s_increment_async (&self->object, &self->futures[self->head]) != ROM_OK)
                        rc = -1;
                    sent++;
                }
                self->head = (self->head + 1) % args.depth;
            }
            // Calls sent beyond M by setup (M < depth) are not possible: M is always larger.
        } else {
            for (long i = 0; rc == 0 && i < increments; i++)
                rc = s_increment_oneway (&self->object) == ROM_OK ? 0 : -1;
            int64_t value;
            if (rc == 0 && s_get_value (&self->object, &value) != ROM_OK)
                rc = -1;
        }
        free (self->futures);
        self->futures = NULL;
        s_client_teardown (self);
        _exit (rc == 0 ? 0 : 1);
    }
    close (ready[1]);
    close (go[0]);
    int ok = 1;
    for (int p = 0; p < procs; p++) {
        char byte = 'F';
        if (read (ready[0], &byte, 1) != 1 || byte != 'r')
            ok = 0;
    }
    uint64_t t0 = bench_now_ns ();
    if (write (go[1], "gggg", (size_t) procs) != procs)
        ok = 0;
    for (int p = 0; p < procs; p++) {
        int status = 0;
        waitpid (pids[p], &status, 0);
        if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
            ok = 0;
    }
    uint64_t t1 = bench_now_ns ();
    close (ready[0]);
    close (go[1]);
    (void) owner;
    if (!ok || s_get_value (&ipc->shared, &after) != ROM_OK)
        return 0;
    *exact = after - before == (int64_t) procs * increments;
    return (double) procs * (double) increments / ((double) (t1 - t0) / 1e9);
}

static void
s_jobs (server_t *ipc, const bench_opts_t *opts)
{
    long increments = opts->quick ? 50000 : 250000;
    int exact_async = 0, exact_oneway = 0;
    double async_rate = s_job (ipc, MODE_ASYNC, increments, &exact_async);
    double oneway_rate = s_job (ipc, MODE_ONEWAY, increments, &exact_oneway);
    bench_metric ("rom_job_4p_async_calls_per_s", async_rate);
    bench_metric ("rom_job_4p_oneway_calls_per_s", oneway_rate);
    bench_metric ("rom_job_4p_calls_per_s", async_rate > oneway_rate ? async_rate : oneway_rate);
    bench_metric ("rom_job_4p_exact", exact_async && exact_oneway);
    fprintf (stderr, "  rom_job 4 x %ld: async %.0f/s (exact %d), oneway %.0f/s (exact %d)\n", increments,
             async_rate, exact_async, oneway_rate, exact_oneway);
}

static void
s_payloads (server_t *ipc, const bench_opts_t *opts)
{
    static const size_t quick_sizes[] = {16, 1024, 65536, 1048576};
    static const size_t full_sizes[] = {16, 256, 4096, 65536, 262144, 1048576};
    const size_t *sizes = opts->quick ? quick_sizes : full_sizes;
    size_t n = opts->quick ? 4 : 6;
    s_watch (ipc);
    for (size_t i = 0; i < n; i++) {
        client_args_t args = {rom_manager_endpoint (ipc->manager), ipc->token, 0, MODE_ECHO, 1, sizes[i]};
        bench_result_t result;
        char prefix[64];
        snprintf (prefix, sizeof prefix, "rom_payload_ipc_%zu", sizes[i]);
        if (s_measure (prefix, 1, opts, &args, &result) != 0)
            return;
        bench_metricf (result.ops_per_s * (double) sizes[i], "rom_payload_ipc_%zu_bytes_per_s", sizes[i]);
    }
}

static void
s_pool (server_t *ipc, const bench_opts_t *opts)
{
    const char *endpoint = rom_manager_endpoint (ipc->manager);
    s_watch (ipc);
    client_args_t args = {endpoint, ipc->pool_token, 1, MODE_SYNC, 1, 0};
    s_measure ("rom_pool_sync_ipc", 1, opts, &args, NULL);
    client_args_t each = {endpoint, NULL, 1, MODE_SYNC, 1, 0};
    s_measure ("rom_pool_sync_ipc_4p_each", 4, opts, &each, NULL);
    client_args_t async = {endpoint, ipc->pool_token, 1, MODE_ASYNC, 128, 0};
    s_measure ("rom_pool_async_ipc_d128", 1, opts, &async, NULL);
    // Whether this runtime has a worker pool at all: the server's threads beyond its main thread and ZMQ's.
    pid_t pid = (pid_t) rom_manager_pid (ipc->manager);
    int all = bench_count_threads (pid, ""), zmq = bench_count_threads (pid, "ZMQbg/");
    if (all > 0 && zmq >= 0)
        bench_metric ("rom_pool_worker_threads", all - zmq - 1);
}

// --- heavy: what a 1 ms method on one object costs the calls of others -------------------------------------

// A client process calling Work in a loop on an object of its own (object A: a Counter, inline, or a
// PoolCounter, on the worker pool) while another process measures calls to another object.
typedef struct {
    pid_t pid;
    int stop_fd;   // a byte written here stops the loop
    int result_fd; // then the process writes its calls and nanoseconds here
} heavy_worker_t;

static int
s_heavy_worker_start (const char *endpoint, int pool, heavy_worker_t *worker)
{
    int stop[2], result[2];
    if (pipe (stop))
        return -1;
    if (pipe (result)) {
        close (stop[0]);
        close (stop[1]);
        return -1;
    }
    fflush (NULL);
    worker->pid = fork ();
    if (worker->pid < 0) {
        close (stop[0]);
        close (stop[1]);
        close (result[0]);
        close (result[1]);
        return -1;
    }
    if (worker->pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        close (stop[1]);
        close (result[0]);
        client_args_t args = {endpoint, NULL, pool, MODE_SYNC, 1, 0};
        client_t *self = s_client_setup (0, &args);
        // Ready once a first Work call has come back: the loop is under way when the measurement starts.
        uint64_t report[2] = {0, 0};
        int ok = self && s_work_sync (&self->object) == ROM_OK;
        if (write (result[1], ok ? "r" : "F", 1) != 1 || !ok)
            _exit (1);
        uint64_t t0 = bench_now_ns ();
        struct pollfd pfd = {.fd = stop[0], .events = POLLIN};
        while (ok && poll (&pfd, 1, 0) == 0) {
            ok = s_work_sync (&self->object) == ROM_OK;
            report[0] += ok;
        }
        report[1] = bench_now_ns () - t0;
        if (!ok)
            fprintf (stderr, "rom_counter: heavy: Work: %s\n", rom_client_errmsg (self->client));
        s_client_teardown (self);
        _exit (write (result[1], report, sizeof report) == (ssize_t) sizeof report && ok ? 0 : 1);
    }
    close (stop[0]);
    close (result[1]);
    worker->stop_fd = stop[1];
    worker->result_fd = result[0];
    char byte = 'F';
    if (read (worker->result_fd, &byte, 1) != 1 || byte != 'r') {
        fprintf (stderr, "rom_counter: heavy: the %s worker did not start\n", pool ? "pool" : "inline");
        close (worker->stop_fd);
        close (worker->result_fd);
        waitpid (worker->pid, NULL, 0);
        return -1;
    }
    return 0;
}

// Stop the loop; returns its Work calls per second, or -1.
static double
s_heavy_worker_stop (heavy_worker_t *worker)
{
    uint64_t report[2] = {0, 0};
    int ok = write (worker->stop_fd, "s", 1) == 1
             && read (worker->result_fd, report, sizeof report) == (ssize_t) sizeof report;
    close (worker->stop_fd);
    close (worker->result_fd);
    int status = 0;
    waitpid (worker->pid, &status, 0);
    ok = ok && WIFEXITED (status) && WEXITSTATUS (status) == 0 && report[1] > 0;
    return ok ? (double) report[0] / ((double) report[1] / 1e9) : -1;
}

// One client process times sync Increment on object B (a Counter, inline) while nobody works, while another
// process calls Work (1 ms of server time) in a loop on object A, a Counter (inline: on the server thread
// that also runs B's calls), then while it does so on a PoolCounter (on the worker pool, default size). A
// server of its own with the default options, so that nothing else ran on it.
// B's calls are timed twice in each case: back to back (`others`: p50, p99, calls/s), and paced, a random
// 0-2 ms apart (`paced`). Back to back, B's loop falls into step with A's: it makes one or several fast calls
// in the gap between two Work calls and one that waits behind a Work, so its p50 jumps between the two from
// run to run. Paced calls arrive at random moments of A's cycle, like the calls of independent clients.
// The three cases take turns, one run each per round, so that a change in the machine's load hits them all
// alike; each figure is the median over the rounds.
static void
s_heavy (const bench_opts_t *opts)
{
    enum { CASES = 3, HOWS = 2, MAX_RUNS = 64 };
    static const char *cases[CASES] = {"idle", "inline", "pool"};
    static const char *hows[HOWS] = {"others", "paced"};
    server_t server;
    if (s_server_start (&server, NULL, 0, 0) != 0)
        return;
    const char *endpoint = rom_manager_endpoint (server.manager);
    client_args_t others = {endpoint, server.token, 0, MODE_SYNC, 1, 0};
    bench_opts_t one = *opts;
    one.runs = 1;
    int rounds = opts->runs < MAX_RUNS ? opts->runs : MAX_RUNS;
    static bench_result_t got[CASES][HOWS][MAX_RUNS];
    static double work[CASES][MAX_RUNS];
    int n[CASES][HOWS] = {{0}}, nwork[CASES] = {0};
    s_watch (&server);
    for (int r = 0; r < rounds; r++)
        for (int c = 0; c < CASES; c++) {
            heavy_worker_t worker;
            if (c > 0 && s_heavy_worker_start (endpoint, c == 2, &worker) != 0)
                continue;
            for (int h = 0; h < HOWS; h++)
                if (bench_fanout (1, &one, h ? &s_paced_ops : &s_ops, &others, &got[c][h][n[c][h]]) == 0)
                    n[c][h]++;
                else
                    fprintf (stderr, "rom_counter: heavy %s %s failed\n", cases[c], hows[h]);
            if (c == 0)
                continue;
            if (c == 2 && r == 0) {
                // The pool's threads, as in the pool workload (0: this runtime ran PoolCounter inline).
                pid_t pid = (pid_t) rom_manager_pid (server.manager);
                int all = bench_count_threads (pid, ""), zmq = bench_count_threads (pid, "ZMQbg/");
                if (all > 0 && zmq >= 0)
                    bench_metric ("rom_heavy_pool_worker_threads", all - zmq - 1);
            }
            double rate = s_heavy_worker_stop (&worker);
            if (rate >= 0)
                work[c][nwork[c]++] = rate;
            else
                fprintf (stderr, "rom_counter: heavy: the %s worker failed\n", cases[c]);
        }
    for (int c = 0; c < CASES; c++) {
        for (int h = 0; h < HOWS; h++) {
            if (!n[c][h])
                continue;
            double p50[MAX_RUNS], p99[MAX_RUNS], rate[MAX_RUNS], wakeups[MAX_RUNS];
            int known = 1;
            for (int i = 0; i < n[c][h]; i++) {
                p50[i] = got[c][h][i].p50_us;
                p99[i] = got[c][h][i].p99_us;
                rate[i] = got[c][h][i].ops_per_s;
                wakeups[i] = got[c][h][i].wakeups_per_op;
                known = known && wakeups[i] >= 0;
            }
            size_t k = (size_t) n[c][h];
            bench_result_t result = {bench_median (p50, k), bench_median (p99, k), bench_median (rate, k), 0,
                                     known ? bench_median (wakeups, k) : -1};
            char prefix[64];
            snprintf (prefix, sizeof prefix, "rom_heavy_%s_%s", cases[c], hows[h]);
            bench_report (prefix, &result);
        }
        if (nwork[c]) {
            double rate = bench_median (work[c], (size_t) nwork[c]);
            bench_metricf (rate, "rom_heavy_%s_work_calls_per_s", cases[c]);
            fprintf (stderr, "  %-40s %10.0f Work calls/s (1 ms each) on object A\n", cases[c], rate);
        }
    }
    s_server_stop (&server);
}

// Pin every thread of a process (its ZMQ I/O thread too) to one CPU.
static void
s_pin_process (pid_t pid, int cpu)
{
    char path[64];
    snprintf (path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *dir = opendir (path);
    if (!dir)
        return;
    cpu_set_t set;
    CPU_ZERO (&set);
    CPU_SET (cpu, &set);
    struct dirent *entry;
    while ((entry = readdir (dir)))
        if (entry->d_name[0] != '.')
            sched_setaffinity (atoi (entry->d_name), sizeof set, &set);
    closedir (dir);
}

static void
s_levers (server_t *ipc, const bench_opts_t *opts)
{
    // ZMQ_IO_THREADS = 2 on the server: one more thread that may take the socket work off the I/O thread.
    server_t io2;
    if (s_server_start (&io2, NULL, 2, 0) == 0) {
        client_args_t args = {rom_manager_endpoint (io2.manager), io2.token, 0, MODE_SYNC, 1, 0};
        s_watch (&io2);
        // Whether the server honoured the option: its ZMQ I/O threads, counted by name.
        bench_metric ("rom_io2_server_io_threads",
                      bench_count_threads (rom_manager_pid (io2.manager), "ZMQbg/IO"));
        s_measure ("rom_sync_ipc_io2", 1, opts, &args, NULL);
        s_server_stop (&io2);
    }
    // The server's spin after calls (rom_server_opts.spin_us), off: every call then finds it asleep.
    server_t nospin;
    if (s_server_start (&nospin, NULL, 0, ROM_SERVER_NO_SPIN) == 0) {
        client_args_t args = {rom_manager_endpoint (nospin.manager), nospin.token, 0, MODE_SYNC, 1, 0};
        s_watch (&nospin);
        s_measure ("rom_sync_ipc_nospin", 1, opts, &args, NULL);
        s_measure ("rom_sync_ipc_nospin_4p_shared", 4, opts, &args, NULL);
        s_server_stop (&nospin);
    }
    // CPU affinity: the server on one core and the clients (forked from here, inheriting it) on the other,
    // then everything on one core, where a wake-up needs no inter-processor interrupt.
    long ncpu = sysconf (_SC_NPROCESSORS_ONLN);
    if (ncpu < 2)
        return;
    cpu_set_t all;
    sched_getaffinity (0, sizeof all, &all);
    client_args_t args = {rom_manager_endpoint (ipc->manager), ipc->token, 0, MODE_SYNC, 1, 0};
    s_watch (ipc);
    s_pin_process (rom_manager_pid (ipc->manager), 0);
    s_pin_process (getpid (), 1);
    s_measure ("rom_sync_ipc_pinned_split", 1, opts, &args, NULL);
    s_pin_process (getpid (), 0);
    s_measure ("rom_sync_ipc_pinned_same", 1, opts, &args, NULL);
    pid_t pids[2] = {rom_manager_pid (ipc->manager), getpid ()};
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf (path, sizeof path, "/proc/%d/task", (int) pids[i]);
        DIR *dir = opendir (path);
        struct dirent *entry;
        while (dir && (entry = readdir (dir)))
            if (entry->d_name[0] != '.')
                sched_setaffinity (atoi (entry->d_name), sizeof all, &all);
        if (dir)
            closedir (dir);
    }
}

// Create objects [from, to) through one client keeping `depth` creations in flight (a ring of futures:
// collect the oldest, send a new one), so the server makes the next object while replies travel. Returns the
// seconds it took, or -1.
static double
s_fill_pipelined (rom_client_t *client, object_t *objects, long from, long to, int depth)
{
    rom_future_t **ring = calloc ((size_t) depth, sizeof *ring);
    if (!ring)
        return -1;
    uint64_t t0 = bench_now_ns ();
    int failed = 0;
    for (long i = from; i < to + depth && !failed; i++) {
        long oldest = i - depth; // the creation sent `depth` sends ago: collect it before reusing its slot
        rom_future_t **slot = &ring[i % depth];
        if (oldest >= from) {
            memset (&objects[oldest], 0, sizeof objects[oldest]);
            failed = bench__counter__rom_create_wait (slot, &objects[oldest].counter) != ROM_OK;
        }
        if (!failed && i < to)
            failed = bench__counter__rom_create_async (client, slot) != ROM_OK;
    }
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    for (int k = 0; k < depth; k++)
        rom_future_destroy (&ring[k]);
    free (ring);
    return failed ? -1 : secs;
}

// Creation rate (one by one, then pipelined), then memory and call time with 10k, 100k and 1M live idle
// objects in one server.
static void
s_objects (server_t *ipc, const bench_opts_t *opts)
{
    enum { DEPTH = 128 };
    rom_client_t *client = rom_manager_client (ipc->manager);
    pid_t pid = rom_manager_pid (ipc->manager);
    long long rss0 = bench_rss_bytes (pid);
    static const long steps[] = {10000, 100000, 1000000};
    object_t *objects = calloc (1000000, sizeof *objects);
    uint32_t *lat = malloc (10000 * sizeof *lat);
    long live = 0;
    double create_per_s = 0;
    for (int s = 0; s < 3; s++) {
        if (s == 2 && opts->quick && create_per_s < 20000) {
            // A quick run makes a million objects only if that takes under a minute here.
            fprintf (stderr, "  rom_objects: 1M skipped in --quick (%.0f creations/s)\n", create_per_s);
            break;
        }
        if (s == 0) {
            // The first 10k one by one, each a synchronous round trip, timed.
            for (; live < steps[s]; live++) {
                uint64_t t0 = bench_now_ns ();
                if (s_object_create (client, 0, &objects[live]) != ROM_OK) {
                    fprintf (stderr, "rom_counter: create #%ld: %s\n", live, rom_client_errmsg (client));
                    return;
                }
                lat[live] = (uint32_t) (bench_now_ns () - t0);
            }
            double total = 0;
            for (int i = 0; i < 10000; i++)
                total += lat[i];
            bench_metric ("rom_create_sync_per_s", 10000 / (total / 1e9));
            bench_metric ("rom_create_p50_us", bench_percentile_ns (lat, 10000, 50) / 1e3);
        } else {
            // Then pipelined: `DEPTH` creations in flight from one client (rom_create_async).
            double secs = s_fill_pipelined (client, objects, live, steps[s], DEPTH);
            if (secs < 0) {
                fprintf (stderr, "rom_counter: create: %s\n", rom_client_errmsg (client));
                return;
            }
            double per_s = (double) (steps[s] - live) / secs;
            if (s == 1)
                bench_metric ("rom_create_per_s", create_per_s = per_s);
            else
                bench_metric ("rom_create_to_1m_per_s", per_s);
            fprintf (stderr, "  rom_objects: %ld created pipelined (depth %d) at %.0f/s\n", steps[s] - live,
                     DEPTH, per_s);
            live = steps[s];
        }
        long long rss = bench_rss_bytes (pid);
        const char *names[] = {"10k", "100k", "1m"};
        bench_metricf ((double) (rss - rss0) / (double) live, "rom_bytes_per_object_%s", names[s]);
        // Call time with that many objects alive: the object table must not slow calls down.
        for (int i = 0; i < 2000; i++) {
            uint64_t t0 = bench_now_ns ();
            if (s_increment_sync (&ipc->shared) != ROM_OK)
                return;
            lat[i] = (uint32_t) (bench_now_ns () - t0);
        }
        double p50 = bench_percentile_ns (lat, 2000, 50) / 1e3;
        bench_metricf (p50, "rom_sync_ipc_%sobj_p50_us", names[s]);
        fprintf (stderr, "  rom_objects %7ld live: %.0f bytes/object, call p50 %.1f us\n", live,
                 (double) (rss - rss0) / (double) live, p50);
    }
    // The proxies are left to the process's exit: releasing a million of them one by one would only
    // measure the release path, and the manager is stopped right after this.
    free (lat);
}

// A loopback endpoint on a port that is free now (bound to port 0, then released).
static int
s_free_tcp_endpoint (char *endpoint, size_t size)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int rc = fd >= 0 && bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
                     && getsockname (fd, (struct sockaddr *) &addr, &len) == 0
                 ? 0
                 : -1;
    if (fd >= 0)
        close (fd);
    if (rc == 0)
        snprintf (endpoint, size, "tcp://127.0.0.1:%d", ntohs (addr.sin_port));
    return rc;
}

int
main (int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_parse (&opts, &argc, argv);
    // "async128" (not in the default set) runs only async depth 128, for a profiler.
    static const char *names[] = {"sync",   "pipelined", "job",     "payload", "pool",
                                  "levers", "heavy",     "objects", "async128"};
    for (int i = 1; i < argc; i++) {
        size_t k = 0;
        while (k < sizeof names / sizeof names[0] && strcmp (argv[i], names[k]) != 0)
            k++;
        if (k == sizeof names / sizeof names[0]) {
            fprintf (
                stderr,
                "usage: %s [--quick] [--runs N] [--secs S] "
                "[sync|pipelined|job|payload|pool|levers|heavy|objects|async128 ...]   (default: all but async128)\n",
                argv[0]);
            return 2;
        }
    }
    fprintf (stderr, "rom_counter: rom %d.%d.%d, %d runs x %.1f s\n", ROM_VERSION_MAJOR, ROM_VERSION_MINOR,
             ROM_VERSION_PATCH, opts.runs, opts.secs);
    server_t ipc;
    if (s_server_start (&ipc, NULL, 0, 0) != 0)
        return 1;
    if (bench_wanted (argc, argv, "sync")) {
        // A port that is free now: rom_manager_start () connects its client to the endpoint as given, so
        // "tcp://127.0.0.1:*" (a port the server picks) does not work with it.
        server_t tcp;
        char endpoint[64];
        int have_tcp = s_free_tcp_endpoint (endpoint, sizeof endpoint) == 0
                       && s_server_start (&tcp, endpoint, 0, 0) == 0;
        s_sync (&ipc, have_tcp ? &tcp : NULL, &opts);
        if (have_tcp)
            s_server_stop (&tcp);
    }
    if (bench_wanted (argc, argv, "pipelined"))
        s_pipelined (&ipc, &opts);
    if (argc > 1 && bench_wanted (argc, argv, "async128")) {
        client_args_t args = {rom_manager_endpoint (ipc.manager), ipc.token, 0, MODE_ASYNC, 128, 0};
        s_watch (&ipc);
        s_measure ("rom_async_ipc_d128", 1, &opts, &args, NULL);
    }
    if (bench_wanted (argc, argv, "job"))
        s_jobs (&ipc, &opts);
    if (bench_wanted (argc, argv, "payload"))
        s_payloads (&ipc, &opts);
    if (bench_wanted (argc, argv, "pool"))
        s_pool (&ipc, &opts);
    if (bench_wanted (argc, argv, "levers"))
        s_levers (&ipc, &opts);
    s_server_stop (&ipc);
    if (bench_wanted (argc, argv, "heavy"))
        s_heavy (&opts);
    if (bench_wanted (argc, argv, "objects")) {
        // Objects last, in a fresh server, so that a million objects slow no other workload.
        server_t objects;
        if (s_server_start (&objects, NULL, 0, 0) != 0)
            return 1;
        s_objects (&objects, &opts);
        rom_manager_destroy (&objects.manager);
    }
    return 0;
}
