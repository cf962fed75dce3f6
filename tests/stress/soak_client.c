// soak_client.c: one client of scripts/soak (issue 18, point 3). It runs mixed calls in rounds (Dict
// set/get/incr, List append, Queue put/get pairs, Lock acquire/release, Value add, objects created and
// destroyed, batches of asynchronous creations) for its lifetime, then exits so that the script starts its
// successor; it times every call and writes each window's p99 to its log.
//
// Acknowledged mutations. Each counter is kept twice: on the server (its own unnamed Dict, Value and List,
// and its slot's key in the shared named Dict "soak.shared") and here, counting calls that returned ROM_OK
// (and, apart, those that failed "may or may not have run"). A segment (one server run, within this
// client's life) ends with a read-back: every acknowledged mutation must be there. A server restart empties
// the server, so the script announces it (the file `restart` in the control dir): the client checks its
// segment, says so (ack.<slot>), keeps pinging (those calls see the server die: ROM_UNAVAILABLE), and once
// the file is gone opens a new segment on the new server through the same client (rom_client.h: it takes a
// new session by itself; old proxies answer ROM_NO_OBJECT, "restarted").
//
// Log lines: "W <window> <calls> <p99 us> <max us> <errors>" per complete window, "V <slot> <gen> <seg>
// OK|FAIL <detail>" per segment, "R ..." per restart seen (pings that failed while the server was down, how
// long the new segment took), "E <text>" per unexpected failure (at most 20). Exit 0 when every segment
// checked out and nothing failed unexpectedly. Usage: soak_client ENDPOINT SLOT GEN LIFE_S CTL_DIR LOG T0_MS
// WINDOW_S
#define _GNU_SOURCE // usleep, clock_gettime under -std=c11
#include <rom/rom.h>
#include "rom/builtins/dict.rom.h"
#include "rom/builtins/list.rom.h"
#include "rom/builtins/sync.rom.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int64_t acked, uncertain;
} counter_t;

static struct {
    rom_client_t *client;
    int slot, gen, seg;
    char ctl[1024];
    FILE *log;
    int64_t t0_ms, window_ms;
    // this segment's objects
    rom_dict_t *dict, *shared;
    rom_value_t *value;
    rom_list_t *list;
    rom_queue_t *queue;
    rom_lock_t *lock;
    char key[32];            // the slot's key in the shared Dict
    int64_t base;            // its value when the segment began
    counter_t n, v, l, p, s; // own Dict "n", own Value, own List's appends and pops, shared key
    // this window's latencies
    uint32_t *lat;
    size_t n_lat, lat_size;
    int64_t window;
    uint64_t errors, unexpected;
    int64_t popped; // the next value a pop of the own List must give (FIFO)
    bool failed;
} s;

static int64_t
s_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool
s_ctl (const char *name)
{
    char path[1200];
    snprintf (path, sizeof path, "%s/%s", s.ctl, name);
    return access (path, F_OK) == 0;
}

static void __attribute__ ((format (printf, 1, 2))) s_unexpected (const char *fmt, ...)
{
    s.unexpected++;
    if (s.unexpected > 20)
        return;
    va_list ap;
    va_start (ap, fmt);
    fprintf (s.log, "E slot %d gen %d: ", s.slot, s.gen);
    vfprintf (s.log, fmt, ap);
    fprintf (s.log, "\n");
    fflush (s.log);
    va_end (ap);
}

static int
s_cmp (const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return x < y ? -1 : x > y;
}

// Close the window if time moved past it: its p99 goes to the log.
static void
s_window (bool final)
{
    int64_t window = (s_now_us () / 1000 - s.t0_ms) / s.window_ms;
    if (window == s.window && !final)
        return;
    if (s.n_lat) {
        qsort (s.lat, s.n_lat, sizeof *s.lat, s_cmp);
        fprintf (s.log, "%s %lld %zu %u %u %llu\n", final ? "P" : "W", (long long) s.window, s.n_lat,
                 s.lat[(s.n_lat * 99) / 100], s.lat[s.n_lat - 1], (unsigned long long) s.errors);
        fflush (s.log);
    }
    s.n_lat = 0;
    s.errors = 0;
    s.window = window;
}

// Time a call; count it towards `counter` (may be NULL) when it mutates.
static rom_status_t
s_timed (rom_status_t status, int64_t start_us, counter_t *counter, const char *what)
{
    int64_t us = s_now_us () - start_us;
    if (s.n_lat == s.lat_size) {
        s.lat_size = s.lat_size ? s.lat_size * 2 : 4096;
        s.lat = realloc (s.lat, s.lat_size * sizeof *s.lat);
        if (!s.lat)
            abort ();
    }
    s.lat[s.n_lat++] = (uint32_t) (us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : us);
    if (counter && status == ROM_OK)
        counter->acked++;
    else if (counter && status == ROM_UNAVAILABLE)
        counter->uncertain++; // "may or may not have run"
    if (status != ROM_OK) {
        s.errors++;
        s_unexpected ("%s: %s: %s", what, rom_strerror (status), rom_client_errmsg (s.client));
    }
    return status;
}

#define TIMED(call, counter) s_timed ((call), s_now_us (), (counter), #call)

static void
s_drop_segment (void)
{
    rom_dict_destroy (&s.dict);
    rom_dict_destroy (&s.shared);
    rom_value_destroy (&s.value);
    rom_list_destroy (&s.list);
    rom_queue_destroy (&s.queue);
    rom_lock_destroy (&s.lock);
}

// Make this segment's objects (own unnamed ones, the shared named ones). False if the server is not there.
static bool
s_open_segment (void)
{
    s_drop_segment ();
    memset (&s.n, 0, sizeof s.n), memset (&s.v, 0, sizeof s.v), memset (&s.l, 0, sizeof s.l);
    memset (&s.s, 0, sizeof s.s), memset (&s.p, 0, sizeof s.p);
    s.popped = 0;
    rom_proxy_t *shared = NULL, *lock = NULL;
    bool ok = rom_dict_new (s.client, &s.dict) == ROM_OK
              && rom_value_new (s.client, 'q', ROM_INT (0), &s.value) == ROM_OK
              && rom_list_new (s.client, &s.list) == ROM_OK && rom_queue_new (s.client, 0, &s.queue) == ROM_OK
              && rom_proxy_create (s.client, &rom__builtins__dict__rom_type, "soak.shared", NULL,
                                   ROM_CREATE_EXIST_OK, &shared)
                     == ROM_OK
              && rom_proxy_create (s.client, &rom__builtins__lock__rom_type, "soak.lock", NULL,
                                   ROM_CREATE_EXIST_OK, &lock)
                     == ROM_OK;
    s.shared = (rom_dict_t *) shared;
    s.lock = (rom_lock_t *) lock;
    // The slot's previous process finished before this one started: nobody else changes this key now.
    ok = ok && rom_dict_get_int_or (s.shared, s.key, 0, &s.base) == ROM_OK;
    if (ok)
        s.seg++;
    return ok;
}

static bool
s_check (const char *what, int64_t got, const counter_t *c, char *detail, size_t size)
{
    size_t used = strlen (detail);
    snprintf (detail + used, size - used, " %s=%lld/%lld(+%lld)", what, (long long) got, (long long) c->acked,
              (long long) c->uncertain);
    return got >= c->acked && got <= c->acked + c->uncertain;
}

// Read back every counter of the segment: each acknowledged mutation must be on the server.
static void
s_verify (void)
{
    int64_t n = -1, v = -1, sh = -1;
    size_t len = 0;
    char detail[512] = "";
    bool read = rom_dict_get_int_or (s.dict, "n", 0, &n) == ROM_OK
                && rom_value_get_int (s.value, &v) == ROM_OK && rom_list_len (s.list, &len) == ROM_OK
                && rom_dict_get_int_or (s.shared, s.key, 0, &sh) == ROM_OK;
    bool ok = read;
    ok &= s_check ("dict", n, &s.n, detail, sizeof detail);
    ok &= s_check ("value", v, &s.v, detail, sizeof detail);
    // Appends less pops: an uncertain append may add one, an uncertain pop may take one.
    counter_t list = {.acked = s.l.acked - s.p.acked - s.p.uncertain,
                      .uncertain = s.l.uncertain + s.p.uncertain};
    ok &= s_check ("list", (int64_t) len, &list, detail, sizeof detail);
    ok &= s_check ("shared", sh - s.base, &s.s, detail, sizeof detail);
    fprintf (s.log, "V %d %d %d %s%s%s\n", s.slot, s.gen, s.seg, ok ? "OK" : "FAIL",
             read ? "" : " (read failed)", detail);
    fflush (s.log);
    s.failed |= !ok;
}

// One round of mixed calls.
static void
s_round (uint64_t i)
{
    char key[16];
    snprintf (key, sizeof key, "k%u", (unsigned) (i % 16));
    TIMED (rom_dict_incr_int (s.dict, "n", 1, NULL), &s.n);
    int64_t got = -1;
    if (TIMED (rom_dict_set_int (s.dict, key, (int64_t) i), NULL) == ROM_OK
        && TIMED (rom_dict_get_int (s.dict, key, &got), NULL) == ROM_OK && got != (int64_t) i)
        s_unexpected ("dict %s: read %lld after setting %llu", key, (long long) got, (unsigned long long) i);
    TIMED (rom_value_add_int (s.value, 1, NULL), &s.v);
    // Appends, and pops from the front once 64 items are there: the list stays short, so the server's memory
    // measures rom, not this workload's data, and the pops check the order.
    TIMED (rom_list_append_int (s.list, s.l.acked + s.l.uncertain), &s.l);
    if (s.l.acked + s.l.uncertain > 64) {
        rom_variant_t out = {0};
        if (TIMED (rom_list_pop (s.list, 0, &out), &s.p) == ROM_OK) {
            if (out.kind != ROM_KIND_INT || out.i != s.popped)
                s_unexpected ("list pop: got %lld, want %lld", (long long) out.i, (long long) s.popped);
            s.popped = out.i + 1;
            rom_variant_clear (&out);
        }
    }
    if (TIMED (rom_queue_put_int (s.queue, (int64_t) i, 1000), NULL) == ROM_OK
        && TIMED (rom_queue_get_int (s.queue, 1000, &got), NULL) == ROM_OK && got != (int64_t) i)
        s_unexpected ("queue: got %lld after putting %llu", (long long) got, (unsigned long long) i);
    if (TIMED (rom_lock_acquire (s.lock, 5000), NULL) == ROM_OK)
        TIMED (rom_lock_release (s.lock), NULL);
    TIMED (rom_dict_incr_int (s.shared, s.key, 1, NULL), &s.s);
    if (i % 4 == 0) { // an object made and destroyed
        rom_dict_t *tmp = NULL;
        if (TIMED (rom_dict_new (s.client, &tmp), NULL) == ROM_OK)
            rom_dict_destroy (&tmp);
    }
    if (i % 8 == 0) { // a batch of asynchronous creations, in flight together
        rom_future_t *futures[8] = {NULL};
        int64_t start = s_now_us ();
        for (int j = 0; j < 8; j++)
            rom_proxy_create_async (s.client, &rom__builtins__list__rom_type, NULL, NULL, 0, &futures[j]);
        for (int j = 0; j < 8; j++) {
            rom_proxy_t *p = NULL;
            rom_status_t status = futures[j] ? rom_future_wait_proxy (&futures[j],
                                                                      &rom__builtins__list__rom_type, &p)
                                             : ROM_INVALID;
            rom_proxy_destroy (&p);
            if (status != ROM_OK)
                s_timed (status, start, NULL, "rom_future_wait_proxy (create_async)");
        }
        s_timed (ROM_OK, start, NULL, "batch");
    }
}

int
main (int argc, char **argv)
{
    if (argc != 9) {
        fprintf (stderr, "usage: %s ENDPOINT SLOT GEN LIFE_S CTL_DIR LOG T0_MS WINDOW_S\n", argv[0]);
        return 2;
    }
    const char *endpoint = argv[1];
    s.slot = atoi (argv[2]);
    s.gen = atoi (argv[3]);
    int64_t end_us = s_now_us () + (int64_t) (atof (argv[4]) * 1e6);
    snprintf (s.ctl, sizeof s.ctl, "%s", argv[5]);
    s.log = fopen (argv[6], "a");
    s.t0_ms = atoll (argv[7]);
    s.window_ms = (int64_t) (atof (argv[8]) * 1000);
    if (!s.log || s.window_ms <= 0)
        return 2;
    snprintf (s.key, sizeof s.key, "c%d", s.slot);
    s.window = (s_now_us () / 1000 - s.t0_ms) / s.window_ms;
    rom_client_opts_t opts = {.connect_timeout_ms = 10000, .call_timeout_ms = 10000};
    const char *why = NULL;
    if (rom_client_connect (endpoint, &opts, &s.client, &why) != ROM_OK) {
        fprintf (s.log, "E slot %d gen %d: connect %s: %s\n", s.slot, s.gen, endpoint, why ? why : "");
        return 1;
    }
    // A restart may be under way when this process starts: wait for the new server first.
    while (s_ctl ("restart") && !s_ctl ("stop"))
        usleep (20000);
    if (!s_open_segment ()) {
        s_unexpected ("cannot make the segment's objects: %s", rom_client_errmsg (s.client));
        return 1;
    }
    uint64_t round = 0;
    while (s_now_us () < end_us && !s_ctl ("stop")) {
        if (s_ctl ("restart")) {
            // Check this server run's mutations before it is killed, say so, then wait for the new one.
            s_verify ();
            char ack[1200];
            snprintf (ack, sizeof ack, "%s/ack.%d", s.ctl, s.slot);
            FILE *f = fopen (ack, "w");
            if (f)
                fclose (f);
            unsigned failed = 0, pings = 0;
            rom_status_t last = ROM_OK;
            while (s_ctl ("restart") && !s_ctl ("stop")) {
                // Calls in flight when the server dies: they fail at once (ROM_UNAVAILABLE), as expected
                // here.
                int64_t start = s_now_us ();
                rom_status_t status = rom_client_ping (s.client);
                s_timed (ROM_OK, start, NULL, "ping");
                pings++;
                if (status != ROM_OK)
                    failed++, last = status;
                usleep (10000);
                s_window (false);
            }
            // The new server: this client takes a new session by itself; the old proxies are of a dead run.
            int64_t start = s_now_us ();
            int tries = 0;
            while (!s_open_segment () && tries++ < 500)
                usleep (20000);
            if (tries > 500) {
                s_unexpected ("no segment on the restarted server: %s", rom_client_errmsg (s.client));
                break;
            }
            fprintf (s.log, "R %d %d pings %u failed %u (last: %s), new segment after %.1f ms, %d retries\n",
                     s.slot, s.gen, pings, failed, failed ? rom_strerror (last) : "-",
                     (s_now_us () - start) / 1000.0, tries);
            fflush (s.log);
            continue;
        }
        s_round (round++);
        s_window (false);
    }
    s_verify ();
    s_window (true);
    s_drop_segment ();
    rom_client_destroy (&s.client);
    free (s.lat);
    fclose (s.log);
    return s.failed || s.unexpected ? 1 : 0;
}
