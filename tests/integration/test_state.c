// test_state.c: declared state (issue 16) end to end, through the generated API of proto/stats.proto only:
// register_state in a manager, four processes adding to one field and one map with exact totals, each
// generated operation kind, a guarded batch with typed adders, a watch on one field by its path constant,
// and a hand-written rpc whose `self` is the state.
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stats.rom.h"

#define WORKERS 4
#define ROUNDS 250

// The hand-written rpc: hits = in->hits, answering the state as it was (a shallow copy: the runtime packs it
// before anything changes it again).
static rom_status_t
s_reset (Sstate__Stats *self, const Sstate__Zero *in, Sstate__Stats *out, rom_call_t *call)
{
    (void) call;
    *out = *self;
    self->hits = in->hits;
    return ROM_OK;
}

static const Sstate__Board_Servant s_servant = {.reset = s_reset};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    return sstate__board__rom_register (server, &s_servant, NULL);
}

typedef struct {
    rom_manager_t *manager;
    rom_client_t *client;
    Sstate__Board_Proxy *board;
} fixture_t;

static int
s_setup (void **state)
{
    static fixture_t f;
    rom_manager_opts_t opts = {.register_types = s_register};
    assert_int_equal (rom_manager_start (&opts, &f.manager, NULL), ROM_OK);
    f.client = rom_manager_client (f.manager);
    Sstate__Stats initial = SSTATE__STATS__INIT;
    initial.hits = 7;
    assert_int_equal (sstate__board__rom_create_named (f.client, "board", &initial, 0, &f.board), ROM_OK);
    *state = &f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    sstate__board__rom_destroy (&f->board);
    rom_manager_destroy (&f->manager);
    return 0;
}

// A worker process: ROUNDS x (hits += 1, per_key["w<n>"] += 1, per_key["all"] += 1).
static int
s_worker (const char *endpoint, int n)
{
    rom_client_t *client = NULL;
    Sstate__Board_Proxy *board = NULL;
    rom_status_t rc = rom_client_connect (endpoint, NULL, &client, NULL);
    if (rc == ROM_OK)
        rc = sstate__board__rom_lookup (client, "board", &board);
    char key[8];
    snprintf (key, sizeof key, "w%d", n);
    for (int i = 0; rc == ROM_OK && i < ROUNDS; i++) {
        rc = sstate__board_proxy__hits_add (board, 1, NULL);
        if (rc == ROM_OK)
            rc = sstate__board_proxy__per_key_incr (board, key, 1, NULL);
        if (rc == ROM_OK)
            rc = sstate__board_proxy__per_key_incr (board, "all", 1, NULL);
    }
    sstate__board__rom_destroy (&board);
    rom_client_destroy (&client);
    return rc == ROM_OK ? 0 : 1;
}

static void
test_processes_exact (void **state)
{
    fixture_t *f = *state;
    pid_t pids[WORKERS];
    for (int n = 0; n < WORKERS; n++) {
        pids[n] = fork ();
        assert_true (pids[n] >= 0);
        if (pids[n] == 0)
            _exit (s_worker (rom_manager_endpoint (f->manager), n));
    }
    for (int n = 0; n < WORKERS; n++) {
        int status = 0;
        assert_int_equal (waitpid (pids[n], &status, 0), pids[n]);
        assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
    int64_t hits = 0, all = 0, mine = 0;
    assert_int_equal (sstate__board_proxy__hits_get (f->board, &hits), ROM_OK);
    assert_int_equal (hits, 7 + WORKERS * ROUNDS);
    assert_int_equal (sstate__board_proxy__per_key_get (f->board, "all", &all), ROM_OK);
    assert_int_equal (all, WORKERS * ROUNDS);
    for (int n = 0; n < WORKERS; n++) {
        char key[8];
        snprintf (key, sizeof key, "w%d", n);
        assert_int_equal (sstate__board_proxy__per_key_get (f->board, key, &mine), ROM_OK);
        assert_int_equal (mine, ROUNDS);
    }
    size_t len = 0;
    assert_int_equal (sstate__board_proxy__per_key_len (f->board, &len), ROM_OK);
    assert_int_equal (len, WORKERS + 1);
}

static void
test_numbers_and_scalars (void **state)
{
    fixture_t *f = *state;
    Sstate__Board_Proxy *b = f->board;
    int64_t v = 0;
    bool swapped = false;
    assert_int_equal (sstate__board_proxy__hits_get (b, &v), ROM_OK);
    assert_int_equal (v, 7); // the initial state given to create
    assert_int_equal (sstate__board_proxy__hits_set (b, 10), ROM_OK);
    assert_int_equal (sstate__board_proxy__hits_add (b, -3, &v), ROM_OK);
    assert_int_equal (v, 7);
    assert_int_equal (sstate__board_proxy__hits_max (b, 20, &v), ROM_OK);
    assert_int_equal (v, 20);
    assert_int_equal (sstate__board_proxy__hits_min (b, 5, &v), ROM_OK);
    assert_int_equal (v, 5);
    assert_int_equal (sstate__board_proxy__hits_cas (b, 4, 40, &swapped), ROM_OK);
    assert_false (swapped);
    assert_int_equal (sstate__board_proxy__hits_cas (b, 5, 50, &swapped), ROM_OK);
    assert_true (swapped);
    double load = 0;
    assert_int_equal (sstate__board_proxy__load_add (b, 0.5, &load), ROM_OK);
    assert_true (load == 0.5);
    bool paused = false;
    assert_int_equal (sstate__board_proxy__paused_toggle (b, &paused), ROM_OK);
    assert_true (paused);
    assert_int_equal (sstate__board_proxy__paused_cas (b, true, false, &swapped), ROM_OK);
    assert_true (swapped);
    uint8_t *raw = NULL;
    size_t raw_size = 0;
    assert_int_equal (sstate__board_proxy__raw_set (b, (const uint8_t *) "ab", 2), ROM_OK);
    assert_int_equal (sstate__board_proxy__raw_append (b, (const uint8_t *) "c", 1), ROM_OK);
    assert_int_equal (sstate__board_proxy__raw_get (b, &raw, &raw_size), ROM_OK);
    assert_int_equal (raw_size, 3);
    assert_memory_equal (raw, "abc", 3);
    free (raw);
    // nested: inner.a and inner.b by their own functions, inner whole
    assert_int_equal (sstate__board_proxy__inner_a_add (b, 2, &v), ROM_OK);
    assert_int_equal (v, 2);
    assert_int_equal (sstate__board_proxy__inner_b_set (b, "x"), ROM_OK);
    assert_int_equal (sstate__board_proxy__inner_b_append (b, "yz"), ROM_OK);
    assert_int_equal (sstate__board_proxy__inner_b_cas (b, "xyz", "done", &swapped), ROM_OK);
    assert_true (swapped);
    size_t len = 0;
    assert_int_equal (sstate__board_proxy__inner_b_len (b, &len), ROM_OK);
    assert_int_equal (len, 4);
    Sstate__Inner *inner = NULL;
    assert_int_equal (sstate__board_proxy__inner_get (b, &inner), ROM_OK);
    assert_int_equal (inner->a, 2);
    assert_string_equal (inner->b, "done");
    inner->a = 9;
    assert_int_equal (sstate__board_proxy__inner_set (b, inner), ROM_OK);
    sstate__inner__free_unpacked (inner, NULL);
    assert_int_equal (sstate__board_proxy__inner_a_get (b, &v), ROM_OK);
    assert_int_equal (v, 9);
    char *text = NULL;
    assert_int_equal (sstate__board_proxy__inner_b_get (b, &text), ROM_OK);
    assert_string_equal (text, "done");
    free (text);
    // the whole state
    Sstate__Stats *all = NULL;
    assert_int_equal (sstate__board_proxy__rom_state_get (b, &all), ROM_OK);
    assert_int_equal (all->hits, 50);
    all->hits = 1;
    assert_int_equal (sstate__board_proxy__rom_state_set (b, all), ROM_OK);
    sstate__stats__free_unpacked (all, NULL);
    assert_int_equal (sstate__board_proxy__hits_get (b, &v), ROM_OK);
    assert_int_equal (v, 1);
    // a NULL or foreign proxy is refused before anything is sent
    assert_int_equal (sstate__board_proxy__hits_get (NULL, &v), ROM_INVALID);
}

static void
test_repeated_and_maps (void **state)
{
    fixture_t *f = *state;
    Sstate__Board_Proxy *b = f->board;
    const char *more[] = {"c", "d"};
    char *s = NULL, **items = NULL;
    size_t n = 0;
    assert_int_equal (sstate__board_proxy__log_append (b, "a"), ROM_OK);
    assert_int_equal (sstate__board_proxy__log_append (b, "b"), ROM_OK);
    assert_int_equal (sstate__board_proxy__log_extend (b, more, 2), ROM_OK);
    assert_int_equal (sstate__board_proxy__log_len (b, &n), ROM_OK);
    assert_int_equal (n, 4);
    assert_int_equal (sstate__board_proxy__log_at (b, -1, &s), ROM_OK);
    assert_string_equal (s, "d");
    free (s);
    assert_int_equal (sstate__board_proxy__log_at (b, 9, &s), ROM_OUT_OF_RANGE);
    assert_int_equal (sstate__board_proxy__log_set_at (b, 0, "A"), ROM_OK);
    assert_int_equal (sstate__board_proxy__log_remove_at (b, 1, &s), ROM_OK); // Python's pop (1)
    assert_string_equal (s, "b");
    free (s);
    assert_int_equal (sstate__board_proxy__log_slice (b, 0, INT64_MAX, &items, &n), ROM_OK);
    assert_int_equal (n, 3);
    assert_string_equal (items[0], "A");
    assert_string_equal (items[1], "c");
    for (size_t i = 0; i < n; i++)
        free (items[i]);
    free (items);
    assert_int_equal (sstate__board_proxy__log_get (b, &items, &n), ROM_OK);
    assert_int_equal (n, 3);
    for (size_t i = 0; i < n; i++)
        free (items[i]);
    free (items);
    // l[:] = items, all or nothing: invalid UTF-8 in one item leaves the field as it was.
    const char *replaced[] = {"x", "y"}, *bad[] = {"ok", "\xff"};
    assert_int_equal (sstate__board_proxy__log_set (b, bad, 2), ROM_INVALID);
    assert_int_equal (sstate__board_proxy__log_len (b, &n), ROM_OK);
    assert_int_equal (n, 3);
    assert_int_equal (sstate__board_proxy__log_set (b, replaced, 2), ROM_OK);
    assert_int_equal (sstate__board_proxy__log_get (b, &items, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_string_equal (items[0], "x");
    assert_string_equal (items[1], "y");
    for (size_t i = 0; i < n; i++)
        free (items[i]);
    free (items);
    assert_int_equal (sstate__board_proxy__log_clear (b), ROM_OK);
    assert_int_equal (sstate__board_proxy__log_len (b, &n), ROM_OK);
    assert_int_equal (n, 0);

    int64_t v = 0;
    bool found = true;
    assert_int_equal (sstate__board_proxy__per_key_get (b, "nope", &v), ROM_NOT_FOUND); // KeyError
    assert_int_equal (sstate__board_proxy__per_key_put (b, "k", 5), ROM_OK);
    assert_int_equal (sstate__board_proxy__per_key_incr (b, "k", 2, &v), ROM_OK);
    assert_int_equal (v, 7);
    assert_int_equal (sstate__board_proxy__per_key_contains (b, "k", &found), ROM_OK);
    assert_true (found);
    assert_int_equal (sstate__board_proxy__per_key_keys (b, &items, &n), ROM_OK);
    assert_int_equal (n, 1);
    assert_string_equal (items[0], "k");
    free (items[0]);
    free (items);
    assert_int_equal (sstate__board_proxy__per_key_del (b, "k"), ROM_OK);
    assert_int_equal (sstate__board_proxy__per_key_contains (b, "k", &found), ROM_OK);
    assert_false (found);
    assert_int_equal (sstate__board_proxy__tags_put (b, 3, "three"), ROM_OK);
    assert_int_equal (sstate__board_proxy__tags_get (b, 3, &s), ROM_OK);
    assert_string_equal (s, "three");
    free (s);
    assert_int_equal (sstate__board_proxy__tags_clear (b), ROM_OK);
    assert_int_equal (sstate__board_proxy__tags_len (b, &n), ROM_OK);
    assert_int_equal (n, 0);
}

static void
test_batch_with_guard (void **state)
{
    fixture_t *f = *state;
    rom_batch_t *batch = NULL;
    size_t add = 0, incr = 0, call = 0;
    bool applied = false;
    assert_int_equal (sstate__board__rom_batch_new (f->board, &batch), ROM_OK);
    assert_int_equal (rom_batch_guard_equals (batch, SSTATE__BOARD_PATH__HITS, SSTATE__BOARD_DEPTH__HITS,
                                              ROM_INT (7)),
                      ROM_OK);
    assert_int_equal (sstate__board_batch__hits_add (batch, 10, &add), ROM_OK);
    assert_int_equal (sstate__board_batch__per_key_incr (batch, "batch", 3, &incr), ROM_OK);
    assert_int_equal (sstate__board_batch__log_append (batch, "batched", NULL), ROM_OK);
    Sstate__Zero zero = SSTATE__ZERO__INIT;
    zero.hits = 100;
    assert_int_equal (sstate__board_batch__reset (batch, &zero, &call), ROM_OK);
    assert_int_equal (rom_batch_exec (batch, &applied), ROM_OK);
    assert_true (applied);
    rom_state_result_t r = {0};
    assert_int_equal (rom_batch_result (batch, add, &r), ROM_OK);
    assert_int_equal (r.value.i, 17);
    rom_state_result_clear (&r);
    assert_int_equal (rom_batch_result (batch, incr, &r), ROM_OK);
    assert_int_equal (r.value.i, 3);
    rom_state_result_clear (&r);
    ProtobufCMessage *reply = NULL;
    assert_int_equal (rom_batch_reply (batch, call, &reply), ROM_OK);
    assert_int_equal (((Sstate__Stats *) reply)->hits, 17); // the rpc saw the steps before it
    protobuf_c_message_free_unpacked (reply, NULL);
    rom_batch_destroy (&batch);
    int64_t v = 0;
    assert_int_equal (sstate__board_proxy__hits_get (f->board, &v), ROM_OK);
    assert_int_equal (v, 100);

    // a guard that fails: nothing runs
    assert_int_equal (sstate__board__rom_batch_new (f->board, &batch), ROM_OK);
    assert_int_equal (rom_batch_guard_equals (batch, SSTATE__BOARD_PATH__HITS, SSTATE__BOARD_DEPTH__HITS,
                                              ROM_INT (7)),
                      ROM_OK);
    assert_int_equal (sstate__board_batch__hits_add (batch, 1, NULL), ROM_OK);
    assert_int_equal (rom_batch_exec (batch, &applied), ROM_OK);
    assert_false (applied);
    rom_batch_destroy (&batch);
    assert_int_equal (sstate__board_proxy__hits_get (f->board, &v), ROM_OK);
    assert_int_equal (v, 100);
}

static void
test_watch_one_field (void **state)
{
    fixture_t *f = *state;
    rom_watch_t *watch = NULL;
    assert_int_equal (rom_watch_new (sstate__board__rom_base (f->board), SSTATE__BOARD_PATH__INNER_A,
                                     SSTATE__BOARD_DEPTH__INNER_A, 0, &watch),
                      ROM_OK);
    assert_int_equal (sstate__board_proxy__hits_add (f->board, 1, NULL), ROM_OK); // another field: not seen
    assert_int_equal (sstate__board_proxy__inner_a_add (f->board, 5, NULL), ROM_OK);
    rom_change_t change;
    memset (&change, 0, sizeof change);
    assert_int_equal (rom_watch_next (watch, 5000, &change), ROM_OK);
    assert_int_equal (change.depth, SSTATE__BOARD_DEPTH__INNER_A);
    assert_memory_equal (change.path, SSTATE__BOARD_PATH__INNER_A, 2 * sizeof (uint32_t));
    assert_int_equal (change.op, ROM_STATE_ADD);
    assert_int_equal (change.value.i, 5);
    rom_change_clear (&change);
    assert_int_equal (rom_watch_next (watch, 200, &change), ROM_TIMEOUT);
    rom_watch_destroy (&watch);
}

static void
test_rpc_beside_state (void **state)
{
    fixture_t *f = *state;
    Sstate__Zero zero = SSTATE__ZERO__INIT;
    zero.hits = 3;
    Sstate__Stats *before = NULL;
    assert_int_equal (sstate__board_proxy__reset (f->board, &zero, &before), ROM_OK);
    assert_int_equal (before->hits, 7);
    sstate__stats__free_unpacked (before, NULL);
    int64_t v = 0;
    assert_int_equal (sstate__board_proxy__hits_get (f->board, &v), ROM_OK);
    assert_int_equal (v, 3);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_processes_exact, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_numbers_and_scalars, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_repeated_and_maps, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_batch_with_guard, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_watch_one_field, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_rpc_beside_state, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
