// rom_state: declared state (issue 16) measured. A generated field _add against a hand-written Increment
// method; a batch of 16 operations against 16 sync calls; the d[k] += 1 job from 4 processes with the
// generated map _incr (Python's baseline, a Lock around get and set, is in python/counter_manager.py); the
// latency and the rate of a watch. Ratios are computed by report.py from figures of the same run.
//
// usage: rom_state [--quick] [--runs N] [--secs S] [add|batch|incr|watch ...]
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"
#include "state.rom.h"

#ifndef BATCH // operations per batch; -DBATCH=64 measures the per-operation cost of larger ones
#define BATCH 16
#endif
#define KEYS 8

// --- the server: both types, one manager ------------------------------------------------------------------

static rom_status_t
s_increment (void *self, const Benchstate__Delta *in, Benchstate__Count *out, rom_call_t *call)
{
    (void) call;
    int64_t *value = self;
    *value += in->by;
    out->value = *value;
    return ROM_OK;
}

static rom_status_t
s_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    *self_p = calloc (1, sizeof (int64_t));
    return *self_p ? ROM_OK : rom_call_fail (call, ROM_NOMEM, "out of memory");
}

static const Benchstate__Counter_Servant s_counter = {.rom_create = s_create,
                                                      .rom_destroy = free,
                                                      .increment = s_increment};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    rom_status_t rc = benchstate__counter__rom_register (server, &s_counter, NULL);
    return rc == ROM_OK ? benchstate__stats__rom_register_state (server) : rc;
}

static rom_manager_t *s_manager;

// --- one client's calls ------------------------------------------------------------------------------------

typedef enum { W_METHOD, W_FIELD_ADD, W_SYNC16, W_BATCH16, W_INCR } s_work_t;

typedef struct {
    s_work_t work;
    rom_client_t *client;
    Benchstate__Counter_Proxy *counter;
    Benchstate__Stats_Proxy *stats;
    unsigned next;
    char keys[KEYS][8];
} s_client_t;

static void *
s_setup (int child, void *arg)
{
    s_client_t *c = calloc (1, sizeof *c);
    if (!c)
        return NULL;
    c->work = *(s_work_t *) arg;
    c->next = (unsigned) child;
    for (int k = 0; k < KEYS; k++)
        snprintf (c->keys[k], sizeof c->keys[k], "k%d", k);
    if (rom_client_connect (rom_manager_endpoint (s_manager), NULL, &c->client, NULL) != ROM_OK
        || benchstate__counter__rom_lookup (c->client, "counter", &c->counter) != ROM_OK
        || benchstate__stats__rom_lookup (c->client, "stats", &c->stats) != ROM_OK) {
        fprintf (stderr, "rom_state: client: %s\n", rom_client_errmsg (c->client));
        return NULL;
    }
    return c;
}

static int
s_call (void *state)
{
    s_client_t *c = state;
    Benchstate__Delta one = BENCHSTATE__DELTA__INIT;
    one.by = 1;
    switch (c->work) {
    case W_METHOD: return benchstate__counter_proxy__increment (c->counter, &one, NULL) == ROM_OK ? 1 : -1;
    case W_FIELD_ADD: return benchstate__stats_proxy__value_add (c->stats, 1, NULL) == ROM_OK ? 1 : -1;
    case W_SYNC16:
        for (int i = 0; i < BATCH; i++)
            if (benchstate__stats_proxy__value_add (c->stats, 1, NULL) != ROM_OK)
                return -1;
        return BATCH;
    case W_BATCH16: {
        rom_batch_t *batch = NULL;
        bool applied = false;
        rom_status_t rc = benchstate__stats__rom_batch_new (c->stats, &batch);
        for (int i = 0; rc == ROM_OK && i < BATCH; i++)
            rc = benchstate__stats_batch__value_add (batch, 1, NULL);
        if (rc == ROM_OK)
            rc = rom_batch_exec (batch, &applied);
        rom_batch_destroy (&batch);
        return rc == ROM_OK && applied ? BATCH : -1;
    }
    case W_INCR:
        return benchstate__stats_proxy__per_key_incr (c->stats, c->keys[c->next++ % KEYS], 1, NULL) == ROM_OK
                   ? 1
                   : -1;
    }
    return -1;
}

static void
s_teardown (void *state)
{
    s_client_t *c = state;
    benchstate__counter__rom_destroy (&c->counter);
    benchstate__stats__rom_destroy (&c->stats);
    rom_client_destroy (&c->client);
    free (c);
}

static const bench_client_ops_t s_ops = {.setup = s_setup, .call = s_call, .teardown = s_teardown};

static int
s_measure (const bench_opts_t *opts, int nprocs, s_work_t work, const char *prefix)
{
    bench_result_t result;
    if (bench_fanout (nprocs, opts, &s_ops, &work, &result) != 0)
        return -1;
    bench_report (prefix, &result);
    fprintf (stderr, "  %-34s p50 %8.1f us  %10.0f ops/s\n", prefix, result.p50_us, result.ops_per_s);
    return 0;
}

// --- the d[k] += 1 job: a fixed number of increments, the total checked ------------------------------------

// `increments` map _incr on `mine`: one call each (per_batch 1), or per_batch of them in each batch (the
// generated batch adder: still one atomic _incr each, one round trip per batch).
static int
s_incr_some (Benchstate__Stats_Proxy *mine, int increments, int per_batch)
{
    char key[8];
    int rc = 1;
    for (int i = 0; rc && i < increments;) {
        if (per_batch <= 1) {
            snprintf (key, sizeof key, "k%d", i++ % KEYS);
            rc = benchstate__stats_proxy__per_key_incr (mine, key, 1, NULL) == ROM_OK;
            continue;
        }
        rom_batch_t *batch = NULL;
        bool applied = false;
        rc = benchstate__stats__rom_batch_new (mine, &batch) == ROM_OK;
        for (int k = 0; rc && k < per_batch && i < increments; k++) {
            snprintf (key, sizeof key, "k%d", i++ % KEYS);
            rc = benchstate__stats_batch__per_key_incr (batch, key, 1, NULL) == ROM_OK;
        }
        rc = rc && rom_batch_exec (batch, &applied) == ROM_OK && applied;
        rom_batch_destroy (&batch);
    }
    return rc;
}

static int
s_incr_job (int nprocs, int increments, int per_batch, const char *name)
{
    Benchstate__Stats_Proxy *stats = NULL;
    if (benchstate__stats__rom_create (rom_manager_client (s_manager), NULL, &stats) != ROM_OK)
        return -1;
    char *token = rom_proxy_to_token (benchstate__stats__rom_base (stats));
    int go[2];
    if (!token || pipe (go) != 0)
        return -1;
    pid_t pids[16];
    for (int p = 0; p < nprocs; p++)
        if ((pids[p] = fork ()) == 0) {
            close (go[1]);
            rom_client_t *client = NULL;
            Benchstate__Stats_Proxy *mine = NULL;
            char byte;
            int rc = rom_client_connect (rom_manager_endpoint (s_manager), NULL, &client, NULL) == ROM_OK
                     && benchstate__stats__rom_from_token (client, token, &mine) == ROM_OK
                     && benchstate__stats_proxy__per_key_len (mine, &(size_t) {0}) == ROM_OK; // connected
            if (read (go[0], &byte, 1) != 0) // the parent closes its end: all start together
                rc = 0;
            rc = rc && s_incr_some (mine, increments, per_batch);
            benchstate__stats__rom_destroy (&mine);
            rom_client_destroy (&client);
            _exit (rc ? 0 : 1);
        }
    close (go[0]);
    usleep (200000); // let every child connect
    uint64_t t0 = bench_now_ns ();
    close (go[1]);
    int failed = 0, status;
    for (int p = 0; p < nprocs; p++)
        failed |= waitpid (pids[p], &status, 0) != pids[p] || !WIFEXITED (status) || WEXITSTATUS (status);
    double secs = (double) (bench_now_ns () - t0) / 1e9;
    int64_t total = 0;
    for (int k = 0; k < KEYS; k++) {
        char key[8];
        int64_t v = 0;
        snprintf (key, sizeof key, "k%d", k);
        if (benchstate__stats_proxy__per_key_get (stats, key, &v) == ROM_OK)
            total += v;
    }
    free (token);
    benchstate__stats__rom_destroy (&stats);
    double rate = (double) nprocs * increments / secs;
    bench_metricf (rate, "rom_state_%s_%dp_per_s", name, nprocs);
    bench_metricf (total == (int64_t) nprocs * increments && !failed, "rom_state_%s_%dp_exact", name, nprocs);
    fprintf (stderr, "  %s %d x %d: %.0f increments/s, total %lld (exact: %s)\n", name, nprocs, increments,
             rate, (long long) total, total == (int64_t) nprocs * increments ? "yes" : "NO");
    return failed ? -1 : 0;
}

// --- a watch: how soon a change arrives, and how many a subscriber keeps up with ---------------------------

static int
s_watch (const bench_opts_t *opts)
{
    Benchstate__Stats_Proxy *stats = NULL;
    rom_watch_t *watch = NULL;
    if (benchstate__stats__rom_create (rom_manager_client (s_manager), NULL, &stats) != ROM_OK
        || rom_watch_new (benchstate__stats__rom_base (stats), BENCHSTATE__STATS_PATH__VALUE,
                          BENCHSTATE__STATS_DEPTH__VALUE, 1u << 16, &watch)
               != ROM_OK)
        return -1;
    char *token = rom_proxy_to_token (benchstate__stats__rom_base (stats));
    // The writer, in a process of its own: sets the value to the time of each write, one write at a time
    // (latency), then as fast as it can for the run's length (rate).
    int writes = opts->quick ? 2000 : 10000;
    pid_t writer = fork ();
    if (writer == 0) {
        rom_client_t *client = NULL;
        Benchstate__Stats_Proxy *mine = NULL;
        int ok = rom_client_connect (rom_manager_endpoint (s_manager), NULL, &client, NULL) == ROM_OK
                 && benchstate__stats__rom_from_token (client, token, &mine) == ROM_OK;
        for (int i = 0; ok && i < writes; i++) {
            ok = benchstate__stats_proxy__value_set (mine, (int64_t) bench_now_ns ()) == ROM_OK;
            usleep (100); // paced: the watcher is idle when each change comes
        }
        uint64_t end = bench_now_ns () + (uint64_t) (opts->secs * 1e9);
        while (ok && bench_now_ns () < end)
            ok = benchstate__stats_proxy__value_add (mine, 1, NULL) == ROM_OK;
        benchstate__stats__rom_destroy (&mine);
        rom_client_destroy (&client);
        _exit (ok ? 0 : 1);
    }
    uint32_t *lat = malloc ((size_t) writes * sizeof *lat);
    size_t n_lat = 0;
    uint64_t received = 0, missed = 0, first = 0, last = 0;
    rom_change_t change;
    while (rom_watch_next (watch, 2000, &change) == ROM_OK) {
        uint64_t now = bench_now_ns ();
        if (n_lat < (size_t) writes && lat) {
            lat[n_lat++] = (uint32_t) (now - (uint64_t) change.value.i);
        } else {
            if (!first)
                first = now;
            last = now;
            received++;
            missed += change.missed;
        }
        rom_change_clear (&change);
    }
    int status;
    int failed = waitpid (writer, &status, 0) != writer || !WIFEXITED (status) || WEXITSTATUS (status);
    if (n_lat && lat) {
        bench_metric ("rom_state_watch_latency_p50_us", bench_percentile_ns (lat, n_lat, 50) / 1e3);
        bench_metric ("rom_state_watch_latency_p99_us", bench_percentile_ns (lat, n_lat, 99) / 1e3);
    }
    double rate = last > first ? (double) received / ((double) (last - first) / 1e9) : 0;
    bench_metric ("rom_state_watch_changes_per_s", rate);
    bench_metric ("rom_state_watch_missed", (double) missed);
    fprintf (stderr, "  watch: latency p50 %.1f us; %llu changes at %.0f/s, %llu missed\n",
             n_lat && lat ? bench_percentile_ns (lat, n_lat, 50) / 1e3 : -1.0, (unsigned long long) received,
             rate, (unsigned long long) missed);
    free (lat);
    free (token);
    rom_watch_destroy (&watch);
    benchstate__stats__rom_destroy (&stats);
    return failed ? -1 : 0;
}

int
main (int argc, char **argv)
{
    bench_opts_t opts;
    bench_opts_parse (&opts, &argc, argv);
    rom_manager_opts_t mopts = {.register_types = s_register};
    const char *why = NULL;
    if (rom_manager_start (&mopts, &s_manager, &why) != ROM_OK) {
        fprintf (stderr, "rom_state: manager: %s\n", why);
        return 1;
    }
    rom_client_t *client = rom_manager_client (s_manager);
    Benchstate__Counter_Proxy *counter = NULL;
    Benchstate__Stats_Proxy *stats = NULL;
    if (benchstate__counter__rom_create_named (client, "counter", 0, &counter) != ROM_OK
        || benchstate__stats__rom_create_named (client, "stats", NULL, 0, &stats) != ROM_OK) {
        fprintf (stderr, "rom_state: %s\n", rom_client_errmsg (client));
        return 1;
    }
    bench_watch_server (rom_manager_pid (s_manager));
    int failed = 0;
    if (bench_wanted (argc, argv, "add")) {
        // Alternated, so that both see the same load on this shared machine.
        failed |= s_measure (&opts, 1, W_METHOD, "rom_state_method_incr") != 0;
        failed |= s_measure (&opts, 1, W_FIELD_ADD, "rom_state_field_add") != 0;
    }
    if (bench_wanted (argc, argv, "batch")) {
        failed |= s_measure (&opts, 1, W_SYNC16, "rom_state_sync16") != 0;
        failed |= s_measure (&opts, 1, W_BATCH16, "rom_state_batch16") != 0;
    }
    if (bench_wanted (argc, argv, "incr")) {
        failed |= s_measure (&opts, 4, W_INCR, "rom_state_map_incr_4c") != 0;
        failed |= s_incr_job (4, opts.quick ? 5000 : 20000, 1, "map_incr") != 0;
        failed |= s_incr_job (4, opts.quick ? 20000 : 100000, 64, "map_incr_batched") != 0;
    }
    if (bench_wanted (argc, argv, "watch"))
        failed |= s_watch (&opts) != 0;
    benchstate__counter__rom_destroy (&counter);
    benchstate__stats__rom_destroy (&stats);
    rom_manager_destroy (&s_manager);
    return failed;
}
