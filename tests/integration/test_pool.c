// test_pool.c: the worker pool of (rom.pool) types (DESIGN decision 3, issue 3 point 5): different objects'
// calls run in parallel, one object's calls one at a time and in order; the server's own thread keeps
// answering while workers are busy; an object released during a call dies after it; what pool types may not
// do (answer later) is a clear error. A forked manager with 2 workers; the servant counts from inside.
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool.rom.h"

// --- the servant (manager process) -----------------------------------------------------------------------

typedef struct {
    int64_t count;
    atomic_uint inside; // calls of this object running right now
} heavy_t;

static atomic_uint s_running;    // Heavy methods running right now, all objects
static atomic_uint s_max_inside; // most calls ever inside one object at once

static void
s_sleep_ms (unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};
    while (nanosleep (&ts, &ts) != 0)
        ;
}

static uint64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void
s_enter (heavy_t *self)
{
    unsigned inside = atomic_fetch_add (&self->inside, 1) + 1;
    unsigned max = atomic_load (&s_max_inside);
    while (inside > max && !atomic_compare_exchange_weak (&s_max_inside, &max, inside))
        ;
    atomic_fetch_add (&s_running, 1);
}

static void
s_leave (heavy_t *self)
{
    atomic_fetch_sub (&s_running, 1);
    atomic_fetch_sub (&self->inside, 1);
}

static rom_status_t
s_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    (void) call;
    *self_p = calloc (1, sizeof (heavy_t));
    return ROM_OK;
}

static rom_status_t
s_bump (void *self_, const Pooltest__Work *in, Pooltest__Done *out, rom_call_t *call)
{
    (void) call;
    heavy_t *self = self_;
    s_enter (self);
    int64_t seen = self->count;
    s_sleep_ms (in->sleep_ms);
    self->count = seen + 1;
    out->value = self->count;
    s_leave (self);
    return ROM_OK;
}

static rom_status_t
s_meet (void *self_, const Pooltest__Work *in, Pooltest__Done *out, rom_call_t *call)
{
    (void) call;
    heavy_t *self = self_;
    s_enter (self);
    uint64_t until = s_now_ms () + in->wait_peers_ms;
    while (!(out->met = atomic_load (&s_running) >= 2) && s_now_ms () < until)
        s_sleep_ms (1);
    s_sleep_ms (in->sleep_ms); // stay inside a little, so the peer sees us too
    s_leave (self);
    return ROM_OK;
}

static rom_status_t
s_stats (void *self, const Google__Protobuf__Empty *in, Pooltest__Done *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    (void) call;
    out->max_inside = atomic_load (&s_max_inside);
    return ROM_OK;
}

static rom_status_t
s_defer (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    (void) out;
    (void) call;
    return ROM_DEFERRED;
}

static const Pooltest__Heavy_Servant s_servant = {.rom_create = s_create,
                                                  .rom_destroy = free,
                                                  .bump = s_bump,
                                                  .meet = s_meet,
                                                  .stats = s_stats,
                                                  .defer = s_defer};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    return pooltest__heavy__rom_register (server, &s_servant, NULL);
}

// --- tests -------------------------------------------------------------------------------------------------

static rom_manager_t *s_manager;
static rom_client_t *s_client;

static int
s_setup (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.register_types = s_register};
    opts.server.workers = 2;
    opts.client.call_timeout_ms = 10000;
    const char *why = NULL;
    if (rom_manager_start (&opts, &s_manager, &why) != ROM_OK) {
        fprintf (stderr, "manager: %s\n", why);
        return -1;
    }
    s_client = rom_manager_client (s_manager);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    rom_manager_destroy (&s_manager);
    return 0;
}

static Pooltest__Heavy_Proxy *
s_new (void)
{
    Pooltest__Heavy_Proxy *heavy = NULL;
    assert_int_equal (pooltest__heavy__rom_create (s_client, &heavy), ROM_OK);
    return heavy;
}

// Two objects' methods meet inside the server: each waits until another Heavy method runs too. Inline
// execution (one thread) could never let them meet.
static void
test_different_objects_run_in_parallel (void **state)
{
    (void) state;
    Pooltest__Heavy_Proxy *a = s_new (), *b = s_new ();
    Pooltest__Work work = POOLTEST__WORK__INIT;
    work.wait_peers_ms = 3000;
    work.sleep_ms = 20;
    rom_future_t *fa = NULL, *fb = NULL;
    assert_int_equal (pooltest__heavy_proxy__meet_async (a, &work, &fa), ROM_OK);
    assert_int_equal (pooltest__heavy_proxy__meet_async (b, &work, &fb), ROM_OK);
    ProtobufCMessage *ra = NULL, *rb = NULL;
    assert_int_equal (rom_future_wait (&fa, &ra), ROM_OK);
    assert_int_equal (rom_future_wait (&fb, &rb), ROM_OK);
    assert_true (((Pooltest__Done *) ra)->met);
    assert_true (((Pooltest__Done *) rb)->met);
    protobuf_c_message_free_unpacked (ra, NULL);
    protobuf_c_message_free_unpacked (rb, NULL);
    pooltest__heavy__rom_destroy (&a);
    pooltest__heavy__rom_destroy (&b);
}

// 40 calls in flight on one object, with two idle workers: none overlaps another (the count is exact and
// no more than one call was ever inside the object), and replies come back in the order sent.
static void
test_one_object_runs_one_call_at_a_time (void **state)
{
    (void) state;
    Pooltest__Heavy_Proxy *heavy = s_new ();
    Pooltest__Work work = POOLTEST__WORK__INIT;
    work.sleep_ms = 2;
    enum { N = 40 };
    rom_future_t *futures[N];
    for (int i = 0; i < N; i++)
        assert_int_equal (pooltest__heavy_proxy__bump_async (heavy, &work, &futures[i]), ROM_OK);
    for (int i = 0; i < N; i++) {
        ProtobufCMessage *reply = NULL;
        assert_int_equal (rom_future_wait (&futures[i], &reply), ROM_OK);
        assert_int_equal (((Pooltest__Done *) reply)->value, i + 1);
        protobuf_c_message_free_unpacked (reply, NULL);
    }
    Pooltest__Done *stats = NULL;
    assert_int_equal (pooltest__heavy_proxy__stats (heavy, NULL, &stats), ROM_OK);
    assert_int_equal (stats->max_inside, 1);
    pooltest__done__free_unpacked (stats, NULL);
    pooltest__heavy__rom_destroy (&heavy);
}

// While both workers are busy for a long time, the server thread still answers at once.
static void
test_server_answers_while_workers_are_busy (void **state)
{
    (void) state;
    Pooltest__Heavy_Proxy *a = s_new (), *b = s_new ();
    Pooltest__Work work = POOLTEST__WORK__INIT;
    work.sleep_ms = 1500;
    rom_future_t *fa = NULL, *fb = NULL;
    assert_int_equal (pooltest__heavy_proxy__bump_async (a, &work, &fa), ROM_OK);
    assert_int_equal (pooltest__heavy_proxy__bump_async (b, &work, &fb), ROM_OK);
    uint64_t start = s_now_ms ();
    for (int i = 0; i < 20; i++)
        assert_int_equal (rom_client_ping (s_client), ROM_OK);
    uint64_t took = s_now_ms () - start;
    assert_true (took < 1000); // 20 pings in far less than one long call
    assert_int_equal (rom_future_wait (&fa, NULL), ROM_OK);
    assert_int_equal (rom_future_wait (&fb, NULL), ROM_OK);
    pooltest__heavy__rom_destroy (&a);
    pooltest__heavy__rom_destroy (&b);
}

// Calls queued behind a long one whose deadline passes in the mailbox are not run: TIMEOUT. The last
// proxy dropped while a call runs: the call still completes, and the object dies after it.
static void
test_mailbox_deadlines_and_release_during_a_call (void **state)
{
    (void) state;
    Pooltest__Heavy_Proxy *heavy = s_new ();
    Pooltest__Work slow = POOLTEST__WORK__INIT;
    slow.sleep_ms = 600;
    Pooltest__Work quick = POOLTEST__WORK__INIT;
    rom_future_t *first = NULL;
    assert_int_equal (pooltest__heavy_proxy__bump_async (heavy, &slow, &first), ROM_OK);
    // A short deadline of its own: it expires while the first call holds the object.
    assert_int_equal (rom_proxy_call_timeout (pooltest__heavy__rom_base (heavy), 0, &quick.base, 150, NULL),
                      ROM_TIMEOUT);
    assert_int_equal (rom_future_wait (&first, NULL), ROM_OK);
    Pooltest__Done *now = NULL;
    assert_int_equal (pooltest__heavy_proxy__bump (heavy, &quick, &now), ROM_OK);
    assert_int_equal (now->value, 2); // the timed-out call never ran
    pooltest__done__free_unpacked (now, NULL);

    Pooltest__Heavy_Proxy *copy = NULL;
    assert_int_equal (pooltest__heavy__rom_dup (heavy, &copy), ROM_OK);
    uint64_t id = rom_proxy_id (pooltest__heavy__rom_base (heavy));
    assert_int_equal (pooltest__heavy_proxy__bump_async (heavy, &slow, &first), ROM_OK);
    pooltest__heavy__rom_destroy (&copy);
    pooltest__heavy__rom_destroy (&heavy); // the last reference goes while the call runs
    ProtobufCMessage *reply = NULL;
    assert_int_equal (rom_future_wait (&first, &reply), ROM_OK);
    assert_int_equal (((Pooltest__Done *) reply)->value, 3);
    protobuf_c_message_free_unpacked (reply, NULL);
    // By now the object is gone: a proxy to its id answers NO_OBJECT.
    char token[256];
    snprintf (token, sizeof token, "%s#%llu#pooltest.Heavy", rom_manager_endpoint (s_manager),
              (unsigned long long) id);
    Pooltest__Heavy_Proxy *ghost = NULL;
    assert_int_not_equal (pooltest__heavy__rom_from_token (s_client, token, &ghost), ROM_OK);
}

static void
test_pool_methods_cannot_defer (void **state)
{
    (void) state;
    Pooltest__Heavy_Proxy *heavy = s_new ();
    assert_int_equal (pooltest__heavy_proxy__defer (heavy, NULL, NULL), ROM_INTERNAL);
    assert_non_null (strstr (rom_client_errmsg (s_client), "cannot answer later"));
    assert_non_null (strstr (rom_client_errmsg (s_client), "Defer"));
    pooltest__heavy__rom_destroy (&heavy);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_different_objects_run_in_parallel),
        cmocka_unit_test (test_one_object_runs_one_call_at_a_time),
        cmocka_unit_test (test_server_answers_while_workers_are_busy),
        cmocka_unit_test (test_mailbox_deadlines_and_release_during_a_call),
        cmocka_unit_test (test_pool_methods_cannot_defer),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
