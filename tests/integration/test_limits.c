// test_limits.c: the server's limits (rom_server_opts_t's max_*) over real processes. Each limit is refused
// with a clear status and a text naming it; the refused caller, and every other client, go on being served;
// what the refusal would have handed out (references) is not leaked. Also peer-given numbers that would
// overflow a count (Semaphore.release) are refused instead of wrapping.
#include "rom_test_fixture.h"
#include "rom/builtins/queue.rom.h"
#include "rom/builtins/sync.rom.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_SMALL_MESSAGE (64u << 10) // the server's max_message in the size tests

static void
s_expect_text (rom_client_t *client, const char *part)
{
    const char *text = rom_client_errmsg (client);
    if (!text || !strstr (text, part))
        fail_msg ("error text \"%s\" lacks \"%s\"", text ? text : "(null)", part);
}

// --- message size, both ways ------------------------------------------------------------------------------

static void
test_reply_over_max_message_is_the_callers_error (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_message = S_SMALL_MESSAGE};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-reply", &opts);
    rom_list_t *list = NULL;
    assert_int_equal (rom_list_new (fx->client, &list), ROM_OK);
    // Each append fits a message; together they do not fit one reply.
    char *chunk = malloc (S_SMALL_MESSAGE / 4);
    memset (chunk, 'x', S_SMALL_MESSAGE / 4 - 1);
    chunk[S_SMALL_MESSAGE / 4 - 1] = '\0';
    for (int i = 0; i < 6; i++)
        assert_int_equal (rom_list_append_str (list, chunk), ROM_OK);
    rom_variant_t *items = NULL;
    size_t n = 0;
    assert_int_equal (rom_list_slice (list, 0, ROM_SLICE_END, &items, &n), ROM_TOO_LARGE);
    assert_null (items);
    s_expect_text (fx->client, "over the server's limit");
    s_expect_text (fx->client, "rom.builtins.List#");
    // A part that fits still comes, on the same connection.
    assert_int_equal (rom_list_slice (list, 0, 2, &items, &n), ROM_OK);
    assert_int_equal (n, 2);
    assert_string_equal (items[1].str, chunk);
    rom_variants_free (&items, n);
    size_t len = 0;
    assert_int_equal (rom_list_len (list, &len), ROM_OK);
    assert_int_equal (len, 6);
    free (chunk);
    rom_list_destroy (&list);
    rom_test_fixture_stop (fx); // the server exits clean: nothing leaked
}

static void
test_refused_reply_hands_out_no_reference (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_message = S_SMALL_MESSAGE};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-refs", &opts);
    rom_list_t *list = NULL;
    rom_event_t *event = NULL;
    assert_int_equal (rom_list_new (fx->client, &list), ROM_OK);
    assert_int_equal (rom_event_new (fx->client, &event), ROM_OK);
    assert_int_equal (rom_list_append_proxy (list, rom_event_proxy (event)), ROM_OK);
    char *chunk = malloc (S_SMALL_MESSAGE / 2);
    memset (chunk, 'y', S_SMALL_MESSAGE / 2 - 1);
    chunk[S_SMALL_MESSAGE / 2 - 1] = '\0';
    for (int i = 0; i < 3; i++)
        assert_int_equal (rom_list_append_str (list, chunk), ROM_OK);
    free (chunk);
    rom_object_info_t *infos = NULL;
    size_t n_infos = 0;
    assert_int_equal (rom_client_objects (fx->client, "rom.builtins.Event", &infos, &n_infos), ROM_OK);
    assert_int_equal (n_infos, 1);
    uint32_t refs_before = infos[0].refs;
    rom_object_infos_free (&infos);
    for (int i = 0; i < 3; i++) {
        rom_variant_t *items = NULL;
        size_t n = 0;
        assert_int_equal (rom_list_slice (list, 0, ROM_SLICE_END, &items, &n), ROM_TOO_LARGE);
    }
    assert_int_equal (rom_client_objects (fx->client, "rom.builtins.Event", &infos, &n_infos), ROM_OK);
    assert_int_equal (n_infos, 1);
    assert_int_equal (infos[0].refs, refs_before);
    rom_object_infos_free (&infos);
    // Both go when their holders do: the list's reference to the event was all that was left.
    rom_event_destroy (&event);
    rom_list_destroy (&list);
    assert_int_equal (rom_client_objects (fx->client, NULL, &infos, &n_infos), ROM_OK);
    assert_int_equal (n_infos, 0);
    rom_test_fixture_stop (fx);
}

static void
test_array_length_and_slices_are_bounded (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_message = S_SMALL_MESSAGE};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-array", &opts);
    rom_array_t *array = NULL;
    // Array ('b', 2**32) is refused at once, allocating nothing.
    assert_int_equal (rom_array_new (fx->client, 'b', (size_t) 1 << 32, &array), ROM_TOO_LARGE);
    assert_null (array);
    s_expect_text (fx->client, "max_message");
    assert_int_equal (rom_array_new (fx->client, 'd', S_SMALL_MESSAGE / 8 + 1, &array), ROM_TOO_LARGE);
    // The largest array of bytes there is: its whole slice would need 8 bytes an item, so it comes in parts.
    assert_int_equal (rom_array_new (fx->client, 'b', S_SMALL_MESSAGE, &array), ROM_OK);
    int64_t *ints = NULL;
    size_t n = 0;
    assert_int_equal (rom_array_get_ints (array, 0, INT64_MAX, &ints, &n), ROM_TOO_LARGE);
    assert_null (ints);
    s_expect_text (fx->client, "read it in parts");
    assert_int_equal (rom_array_get_ints (array, 0, 1024, &ints, &n), ROM_OK);
    assert_int_equal (n, 1024);
    free (ints);
    rom_array_destroy (&array);
    rom_test_fixture_stop (fx);
}

// A container's whole content is refused before the server builds it when it could not come back in one
// reply; parts and iteration still work.
static void
test_container_reads_are_bounded (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_message = S_SMALL_MESSAGE};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-containers", &opts);
    enum { N = 4096 }; // 4096 small items: far under 64 KiB on the wire, over it in the server's memory
    rom_variant_t ints[N];
    for (int i = 0; i < N; i++)
        ints[i] = ROM_INT (i);
    rom_list_t *list = NULL;
    assert_int_equal (rom_list_new_from (fx->client, ints, N, &list), ROM_OK);
    rom_variant_t *items = NULL;
    size_t n = 0;
    assert_int_equal (rom_list_slice (list, 0, ROM_SLICE_END, &items, &n), ROM_TOO_LARGE);
    s_expect_text (fx->client, "read them in parts");
    assert_int_equal (rom_list_slice (list, 100, 300, &items, &n), ROM_OK);
    assert_int_equal (n, 200);
    assert_int_equal (items[0].i, 100);
    rom_variants_free (&items, n);
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    size_t seen = 0;
    do {
        assert_int_equal (rom_list_iter (list, &cursor, 256, &items, &n), ROM_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal (items[i].i, (int64_t) (seen + i));
        seen += n;
        rom_variants_free (&items, n);
    } while (n);
    assert_int_equal (seen, N);
    rom_dict_t *dict = NULL;
    assert_int_equal (rom_dict_new (fx->client, &dict), ROM_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal (rom_dict_set (dict, ROM_INT (i), ROM_INT (i)), ROM_OK);
    rom_variant_t *keys = NULL, *values = NULL;
    assert_int_equal (rom_dict_items (dict, &keys, &values, &n), ROM_TOO_LARGE);
    assert_null (keys);
    size_t len = 0;
    assert_int_equal (rom_dict_len (dict, &len), ROM_OK);
    assert_int_equal (len, N);
    rom_dict_destroy (&dict);
    rom_list_destroy (&list);
    rom_test_fixture_stop (fx);
}

// --- objects, sessions, names -----------------------------------------------------------------------------

static void
test_objects_per_session (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_objects_per_session = 3};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-per-session", &opts);
    rom_event_t *events[4] = {NULL};
    for (int i = 0; i < 3; i++)
        assert_int_equal (rom_event_new (fx->client, &events[i]), ROM_OK);
    assert_int_equal (rom_event_new (fx->client, &events[3]), ROM_LIMIT);
    assert_null (events[3]);
    s_expect_text (fx->client, "max_objects_per_session");
    // Another session has a quota of its own.
    rom_client_t *other = rom_test_connect (fx->endpoint);
    rom_event_t *theirs = NULL;
    assert_int_equal (rom_event_new (other, &theirs), ROM_OK);
    // One given back makes room again.
    rom_event_destroy (&events[0]);
    assert_int_equal (rom_event_new (fx->client, &events[3]), ROM_OK);
    assert_int_equal (rom_event_set (events[3]), ROM_OK);
    for (int i = 0; i < 4; i++)
        rom_event_destroy (&events[i]);
    rom_event_destroy (&theirs);
    rom_client_destroy (&other);
    rom_test_fixture_stop (fx);
}

static void
test_objects_in_all (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_objects = 2};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-objects", &opts);
    rom_client_t *other = rom_test_connect (fx->endpoint);
    rom_event_t *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal (rom_event_new (fx->client, &a), ROM_OK);
    assert_int_equal (rom_event_new (other, &b), ROM_OK);
    assert_int_equal (rom_event_new (other, &c), ROM_LIMIT);
    s_expect_text (other, "max_objects");
    // Calls on what exists go on.
    assert_int_equal (rom_event_set (b), ROM_OK);
    rom_event_destroy (&a);
    // A proxy's release goes out without waiting for its answer; a ping on the same connection comes back
    // after it was handled, before the other client's create is sent.
    assert_int_equal (rom_client_ping (fx->client), ROM_OK);
    assert_int_equal (rom_event_new (other, &c), ROM_OK);
    rom_event_destroy (&b);
    rom_event_destroy (&c);
    rom_client_destroy (&other);
    rom_test_fixture_stop (fx);
}

static void
test_sessions (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_sessions = 2};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-sessions", &opts);
    rom_client_t *second = rom_test_connect (fx->endpoint);
    rom_client_t *third = NULL;
    const char *why = NULL;
    assert_int_equal (rom_client_connect (fx->endpoint, NULL, &third, &why), ROM_LIMIT);
    assert_null (third);
    assert_non_null (why);
    assert_non_null (strstr (why, "max_sessions"));
    // A session that ends makes room.
    rom_client_destroy (&second);
    assert_int_equal (rom_client_connect (fx->endpoint, NULL, &third, &why), ROM_OK);
    assert_int_equal (rom_client_ping (fx->client), ROM_OK);
    rom_client_destroy (&third);
    rom_test_fixture_stop (fx);
}

static void
test_name_length (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_name = 8};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-name", &opts);
    rom_proxy_t *p = NULL;
    assert_int_equal (rom_proxy_create (fx->client, &rom__builtins__event__rom_type, "123456789", NULL, 0,
                                        &p),
                      ROM_LIMIT);
    s_expect_text (fx->client, "max_name");
    assert_int_equal (rom_proxy_create (fx->client, &rom__builtins__event__rom_type, "12345678", NULL, 0, &p),
                      ROM_OK);
    rom_proxy_destroy (&p);
    rom_test_fixture_stop (fx);
}

// --- waiting calls --------------------------------------------------------------------------------------

// `n` Queue.gets in flight without a deadline (they wait on the server), their futures into `futures`.
static void
s_park_gets (rom_queue_t *queue, rom_future_t **futures, size_t n)
{
    Rom__Builtins__GetRequest in = ROM__BUILTINS__GET_REQUEST__INIT;
    for (size_t i = 0; i < n; i++)
        assert_int_equal (rom_proxy_call_async_timeout (rom_queue_proxy (queue),
                                                        ROM__BUILTINS__QUEUE_METHOD__GET, &in.base,
                                                        ROM_FOREVER, &futures[i]),
                          ROM_OK);
}

static void
test_pending_calls_per_session (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_pending_per_session = 3};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-pending", &opts);
    rom_queue_t *queue = NULL;
    assert_int_equal (rom_queue_new (fx->client, 0, &queue), ROM_OK);
    rom_future_t *futures[4] = {NULL};
    s_park_gets (queue, futures, 4);
    // The fourth is refused once it would wait; the three before it still wait, and get the items.
    assert_int_equal (rom_future_wait (&futures[3], NULL), ROM_LIMIT);
    s_expect_text (fx->client, "max_pending_per_session");
    rom_client_t *other = rom_test_connect (fx->endpoint);
    rom_queue_t *theirs = NULL;
    char *token = rom_proxy_to_token (rom_queue_proxy (queue));
    assert_int_equal (rom_queue_from_token (other, token, &theirs), ROM_OK);
    free (token);
    for (int i = 0; i < 3; i++)
        assert_int_equal (rom_queue_put_int (theirs, 10 + i, ROM_FOREVER), ROM_OK);
    for (int i = 0; i < 3; i++) {
        ProtobufCMessage *out = NULL;
        assert_int_equal (rom_future_wait (&futures[i], &out), ROM_OK);
        protobuf_c_message_free_unpacked (out, NULL);
    }
    rom_queue_destroy (&theirs);
    rom_client_destroy (&other);
    rom_queue_destroy (&queue);
    rom_test_fixture_stop (fx);
}

static void
test_waiters_per_object (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.max_waiters_per_object = 2};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "limits-waiters", &opts);
    rom_queue_t *queue = NULL, *second = NULL;
    assert_int_equal (rom_queue_new (fx->client, 0, &queue), ROM_OK);
    assert_int_equal (rom_queue_new (fx->client, 0, &second), ROM_OK);
    rom_future_t *futures[3] = {NULL}, *elsewhere = NULL;
    s_park_gets (queue, futures, 3);
    assert_int_equal (rom_future_wait (&futures[2], NULL), ROM_LIMIT);
    s_expect_text (fx->client, "max_waiters_per_object");
    s_park_gets (second, &elsewhere, 1); // another object has room of its own
    assert_int_equal (rom_queue_put_int (second, 1, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_future_wait (&elsewhere, NULL), ROM_OK);
    for (int i = 0; i < 2; i++)
        rom_future_destroy (&futures[i]);
    rom_queue_destroy (&second);
    rom_queue_destroy (&queue);
    rom_test_fixture_stop (fx);
}

// A client process that dies with 20 000 calls waiting: its session's end cancels them all (the servant
// forgets each in O(1)), and an item put afterwards goes to a live getter, none to the dead one.
static void
test_session_end_with_many_parked_calls (void **state)
{
    (void) state;
    rom_test_fixture_t *fx = rom_test_fixture_start ("ipc", "limits-parked");
    rom_queue_t *queue = NULL;
    assert_int_equal (rom_queue_new (fx->client, 0, &queue), ROM_OK);
    char *token = rom_proxy_to_token (rom_queue_proxy (queue));
    enum { PARKED = 20000 };
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    fflush (NULL);
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        rom_client_t *client = rom_test_connect (fx->endpoint);
        rom_queue_t *q = NULL;
        if (rom_queue_from_token (client, token, &q) != ROM_OK)
            _exit (1);
        static rom_future_t *futures[PARKED];
        s_park_gets (q, futures, PARKED);
        rom_client_ping (client); // after the gets: all of them reached the server, in order
        (void) !write (ready[1], "x", 1);
        pause ();
        _exit (0);
    }
    char byte;
    assert_int_equal (read (ready[0], &byte, 1), 1);
    kill (child, SIGKILL);
    assert_int_equal (waitpid (child, NULL, 0), child);
    // The server has ended the dead session (its calls cancelled) before this client's put is served, or
    // the put reaches a dead getter that the queue skips (rom_call_peer_gone ()); either way it stays.
    assert_int_equal (rom_queue_put_int (queue, 7, ROM_FOREVER), ROM_OK);
    int64_t got = 0;
    assert_int_equal (rom_queue_get_int (queue, 5000, &got), ROM_OK);
    assert_int_equal (got, 7);
    assert_int_equal (rom_client_ping (fx->client), ROM_OK);
    close (ready[0]);
    close (ready[1]);
    free (token);
    rom_queue_destroy (&queue);
    rom_test_fixture_stop (fx);
}

// --- numbers from peers -----------------------------------------------------------------------------------

static rom_status_t
s_release_n (rom_semaphore_t *sem, uint32_t n)
{
    Rom__Builtins__ReleaseRequest in = ROM__BUILTINS__RELEASE_REQUEST__INIT;
    in.n = n;
    return rom_proxy_call (rom_semaphore_proxy (sem), ROM__BUILTINS__SEMAPHORE_METHOD__RELEASE, &in.base,
                           NULL);
}

static void
test_semaphore_counts_do_not_overflow (void **state)
{
    (void) state;
    rom_test_fixture_t *fx = rom_test_fixture_start ("ipc", "limits-semaphore");
    rom_semaphore_t *sem = NULL, *bounded = NULL;
    assert_int_equal (rom_semaphore_new (fx->client, INT64_MAX - 1, &sem), ROM_OK);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK); // INT64_MAX: still a count
    assert_int_equal (rom_semaphore_release (sem), ROM_OUT_OF_RANGE);
    s_expect_text (fx->client, "overflow");
    assert_int_equal (rom_semaphore_new (fx->client, 0, &bounded), ROM_OK);
    rom_semaphore_destroy (&bounded);
    assert_int_equal (rom_bounded_semaphore_new (fx->client, INT64_MAX - 5, &bounded), ROM_OK);
    assert_int_equal (rom_semaphore_acquire (bounded, ROM_NOWAIT), ROM_OK);
    assert_int_equal (s_release_n (bounded, UINT32_MAX),
                      ROM_APP_ERROR); // over the bound, not wrapped under it
    s_expect_text (fx->client, "released too many times");
    assert_int_equal (s_release_n (bounded, 1), ROM_OK);
    rom_semaphore_destroy (&sem);
    rom_semaphore_destroy (&bounded);
    rom_test_fixture_stop (fx);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_reply_over_max_message_is_the_callers_error),
        cmocka_unit_test (test_refused_reply_hands_out_no_reference),
        cmocka_unit_test (test_array_length_and_slices_are_bounded),
        cmocka_unit_test (test_container_reads_are_bounded),
        cmocka_unit_test (test_objects_per_session),
        cmocka_unit_test (test_objects_in_all),
        cmocka_unit_test (test_sessions),
        cmocka_unit_test (test_name_length),
        cmocka_unit_test (test_pending_calls_per_session),
        cmocka_unit_test (test_waiters_per_object),
        cmocka_unit_test (test_session_end_with_many_parked_calls),
        cmocka_unit_test (test_semaphore_counts_do_not_overflow),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
