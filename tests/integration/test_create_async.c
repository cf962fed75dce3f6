// test_create_async.c: creations kept in flight (rom_proxy_create_async () / rom_future_wait_proxy ()) over
// a forked server: many at once, errors reported through the future without disturbing the others, and
// futures given up on (rom_future_destroy ()) whose references are given back, not leaked on the server.
#include "rom_test_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    rom_test_fixture_t *base; // server, endpoint, client
    rom_proxy_t
        *probe; // a test.Tally to ask the server how many objects died (TEST__TALLY_METHOD__DESTROYED)
} fixture_t;

static rom_status_t
s_create_async (rom_client_t *client, const char *name, uint64_t start, rom_future_t **future_p)
{
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = start;
    return rom_proxy_create_async (client, &test__tally__rom_type, name, &init.base, 0, future_p);
}

static int
s_setup (void **state, const char *transport)
{
    static fixture_t f;
    f.base = rom_test_fixture_start (transport, "create-async");
    rom_future_t *future = NULL;
    assert_int_equal (s_create_async (f.base->client, NULL, 0, &future), ROM_OK);
    assert_int_equal (rom_future_wait_proxy (&future, &test__tally__rom_type, &f.probe), ROM_OK);
    *state = &f;
    return 0;
}

static int
s_setup_ipc (void **state)
{
    return s_setup (state, "ipc");
}

static int
s_setup_tcp (void **state)
{
    return s_setup (state, "tcp");
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    rom_proxy_destroy (&f->probe);
    rom_test_fixture_stop (f->base);
    return 0;
}

// Objects destroyed so far in the server. The query is a round trip on the same socket as every call and
// one-way release sent before it, so those have been served when it answers.
static uint64_t
s_destroyed (fixture_t *f)
{
    return rom_test_tally_query (f->probe, TEST__TALLY_METHOD__DESTROYED);
}

static void
test_many_creations_in_flight (void **state)
{
    fixture_t *f = *state;
    // Under ZMQ's high-water mark (1000 messages queued towards a client that does not read): past it the
    // server drops replies rather than stall (server.c), and their callers time out.
    enum { N = 800 };
    rom_future_t **futures = calloc (N, sizeof *futures);
    rom_proxy_t **proxies = calloc (N, sizeof *proxies);
    assert_non_null (futures);
    assert_non_null (proxies);
    // All sent before any reply is read: each creation's arguments reach its own object (from 1000: the
    // test type refuses 666).
    for (int i = 0; i < N; i++)
        if (s_create_async (f->base->client, NULL, 1000 + (uint64_t) i, &futures[i]) != ROM_OK)
            fail_msg ("create #%d: %s", i, rom_client_errmsg (f->base->client));
    for (int i = 0; i < N; i++) {
        assert_int_equal (rom_future_wait_proxy (&futures[i], &test__tally__rom_type, &proxies[i]), ROM_OK);
        assert_null (futures[i]);
        assert_non_null (proxies[i]);
        if (i > 0) // created in the order sent
            assert_true (rom_proxy_id (proxies[i]) > rom_proxy_id (proxies[i - 1]));
    }
    for (int i = 0; i < N; i += 97)
        assert_int_equal (rom_test_tally_add (proxies[i], 1), 1000 + i + 1);
    uint64_t destroyed = s_destroyed (f);
    for (int i = 0; i < N; i++)
        rom_proxy_destroy (&proxies[i]);
    assert_int_equal (s_destroyed (f), destroyed + N); // each proxy held the only reference
    free (futures);
    free (proxies);
}

static void
test_errors_come_through_the_future (void **state)
{
    fixture_t *f = *state;
    rom_client_t *client = f->base->client;
    static const rom_type_t unknown = {.name = "test.NotHere"};
    rom_future_t *futures[6] = {NULL};
    assert_int_equal (s_create_async (client, "taken", 1, &futures[0]), ROM_OK);
    assert_int_equal (rom_proxy_create_async (client, &unknown, NULL, NULL, 0, &futures[1]), ROM_OK);
    assert_int_equal (s_create_async (client, NULL, 666, &futures[2]), ROM_OK);  // the constructor refuses
    assert_int_equal (s_create_async (client, "taken", 2, &futures[3]), ROM_OK); // the name is taken by then
    assert_int_equal (s_create_async (client, NULL, 5, &futures[4]), ROM_OK);
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = 7;
    assert_int_equal (rom_proxy_create_async (client, &test__tally__rom_type, "taken", &init.base,
                                              ROM_CREATE_EXIST_OK, &futures[5]),
                      ROM_OK);

    rom_proxy_t *named = NULL, *proxy = (rom_proxy_t *) 1;
    assert_int_equal (rom_future_wait_proxy (&futures[0], &test__tally__rom_type, &named), ROM_OK);
    assert_int_equal (rom_future_wait_proxy (&futures[1], &unknown, &proxy), ROM_NO_TYPE);
    assert_null (proxy);
    assert_null (futures[1]);
    assert_non_null (strstr (rom_client_errmsg (client), "test.NotHere"));
    assert_int_equal (rom_future_wait_proxy (&futures[2], &test__tally__rom_type, &proxy), ROM_APP_ERROR);
    assert_non_null (strstr (rom_client_errmsg (client), "refusing to start at 666"));
    assert_int_equal (rom_future_wait_proxy (&futures[3], &test__tally__rom_type, &proxy), ROM_EXISTS);
    assert_non_null (strstr (rom_client_errmsg (client), "\"taken\""));
    assert_null (proxy);
    // The calls around the failures went through.
    assert_int_equal (rom_future_wait_proxy (&futures[4], &test__tally__rom_type, &proxy), ROM_OK);
    assert_int_equal (rom_test_tally_add (proxy, 1), 6);
    rom_proxy_t *again = NULL;
    assert_int_equal (rom_future_wait_proxy (&futures[5], &test__tally__rom_type, &again), ROM_OK);
    assert_int_equal (rom_proxy_id (again), rom_proxy_id (named));
    rom_proxy_destroy (&again);
    rom_proxy_destroy (&proxy);
    rom_proxy_destroy (&named);

    // A future of another kind of call cannot become a proxy: refused, and consumed.
    rom_future_t *call = NULL;
    assert_int_equal (rom_proxy_call_async (f->probe, TEST__TALLY_METHOD__GET, NULL, &call), ROM_OK);
    assert_int_equal (rom_future_wait_proxy (&call, &test__tally__rom_type, &proxy), ROM_INVALID);
    assert_null (call);
    assert_null (proxy);
    // The object named "taken" outlives its proxies; creations of a wrong type are refused by the client.
    static const rom_type_t other = {.name = "test.Other"};
    rom_proxy_t *lookup = NULL;
    assert_int_equal (rom_proxy_lookup (client, &test__tally__rom_type, "taken", &lookup), ROM_OK);
    rom_proxy_destroy (&lookup);
    rom_future_t *wrong = NULL;
    assert_int_equal (rom_proxy_create_async (client, &test__tally__rom_type, NULL, NULL, 0, &wrong), ROM_OK);
    uint64_t destroyed = s_destroyed (f);
    assert_int_equal (rom_future_wait_proxy (&wrong, &other, &proxy), ROM_WRONG_TYPE);
    assert_null (proxy);
    assert_int_equal (s_destroyed (f), destroyed + 1); // its reference was given back
}

// Futures given up on before their replies arrived, and after: every reference their replies carry is
// given back, so the objects die.
static void
test_abandoned_futures_release_their_references (void **state)
{
    fixture_t *f = *state;
    enum { N = 300 };
    uint64_t destroyed = s_destroyed (f);
    rom_future_t *futures[N];
    for (int i = 0; i < N; i++)
        assert_int_equal (s_create_async (f->base->client, NULL, 1, &futures[i]), ROM_OK);
    for (int i = 0; i < N; i++) {
        rom_future_destroy (&futures[i]);
        assert_null (futures[i]);
    }
    rom_future_destroy (&futures[0]); // accepts NULL
    // The next round trip reads their replies, which send the releases (one-way, behind it); the query after
    // it is served after the releases.
    assert_int_equal (rom_client_ping (f->base->client), ROM_OK);
    assert_int_equal (s_destroyed (f), destroyed + N);

    // Given up on after its reply was read (while another call waited): released at once.
    rom_future_t *early = NULL, *late = NULL;
    assert_int_equal (s_create_async (f->base->client, NULL, 1, &early), ROM_OK);
    assert_int_equal (s_create_async (f->base->client, NULL, 1, &late), ROM_OK);
    rom_proxy_t *proxy = NULL;
    assert_int_equal (rom_future_wait_proxy (&late, &test__tally__rom_type, &proxy), ROM_OK);
    rom_future_destroy (&early);
    assert_int_equal (s_destroyed (f), destroyed + N + 1);
    rom_proxy_destroy (&proxy);
    assert_int_equal (s_destroyed (f), destroyed + N + 2);

    // A failed creation given up on carries nothing to give back.
    rom_future_t *refused = NULL;
    assert_int_equal (s_create_async (f->base->client, NULL, 666, &refused), ROM_OK);
    rom_future_destroy (&refused);
    assert_int_equal (rom_client_ping (f->base->client), ROM_OK);
    assert_int_equal (s_destroyed (f), destroyed + N + 2);
}

// A client destroyed while creations it gave up on are in flight: it frees them, and its session's end
// releases what their replies would have carried.
static void
test_client_destroyed_with_abandoned_futures (void **state)
{
    fixture_t *f = *state;
    uint64_t destroyed = s_destroyed (f);
    rom_client_t *other = rom_test_connect (f->base->endpoint);
    enum { N = 50 };
    for (int i = 0; i < N; i++) {
        rom_future_t *future = NULL;
        assert_int_equal (s_create_async (other, NULL, 1, &future), ROM_OK);
        rom_future_destroy (&future);
    }
    rom_client_destroy (&other);
    assert_int_equal (s_destroyed (f), destroyed + N);
}

// A session's end drops the references it holds as its objects' owner (counted in the object, not in a
// map): what another session also holds survives it, the rest dies with it.
static void
test_session_end_drops_owned_references (void **state)
{
    fixture_t *f = *state;
    uint64_t destroyed = s_destroyed (f);
    rom_client_t *maker = rom_test_connect (f->base->endpoint);
    enum { N = 20 };
    rom_proxy_t *made[N], *shared = NULL;
    rom_future_t *future = NULL;
    for (int i = 0; i < N; i++) {
        assert_int_equal (s_create_async (maker, NULL, 10, &future), ROM_OK);
        assert_int_equal (rom_future_wait_proxy (&future, &test__tally__rom_type, &made[i]), ROM_OK);
    }
    rom_proxy_t *copy = NULL;
    assert_int_equal (rom_proxy_dup (made[0], &copy), ROM_OK); // the maker's second reference, same owner
    rom_proxy_destroy (&copy);
    char *token = rom_proxy_to_token (made[0]);
    assert_non_null (token);
    assert_int_equal (rom_proxy_from_token (f->base->client, &test__tally__rom_type, token, &shared), ROM_OK);
    free (token);
    assert_int_equal (rom_test_tally_add (shared, 1), 11);
    for (int i = 0; i < N; i++)
        rom_proxy_destroy (&made[i]); // one-way releases, then the goodbye on the same socket
    rom_client_destroy (&maker);
    assert_int_equal (s_destroyed (f), destroyed + N - 1);
    assert_int_equal (rom_test_tally_add (shared, 1), 12);

    // Without releases: references taken (the replies' ObjectRefs, never adopted) and only the goodbye to
    // drop them.
    maker = rom_test_connect (f->base->endpoint);
    uint64_t ids[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal (s_create_async (maker, NULL, 10, &future), ROM_OK);
        Rom__ObjectRef *ref = NULL;
        assert_int_equal (rom_future_wait (&future, (ProtobufCMessage **) &ref), ROM_OK);
        ids[i] = ref->id;
        rom__object_ref__free_unpacked (ref, NULL);
    }
    char text[ROM_PATH_MAX + 64];
    snprintf (text, sizeof text, "%s#%llu#%s", f->base->endpoint, (unsigned long long) ids[N - 1],
              test__tally__rom_type.name);
    rom_proxy_t *kept = NULL;
    assert_int_equal (rom_proxy_from_token (f->base->client, &test__tally__rom_type, text, &kept), ROM_OK);
    destroyed = s_destroyed (f);
    rom_client_destroy (&maker);
    assert_int_equal (s_destroyed (f), destroyed + N - 1);
    assert_int_equal (rom_test_tally_add (kept, 1), 11);
    rom_proxy_destroy (&kept);
    rom_proxy_destroy (&shared);
    assert_int_equal (s_destroyed (f), destroyed + N + 1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_many_creations_in_flight, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_many_creations_in_flight, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_errors_come_through_the_future, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_abandoned_futures_release_their_references, s_setup_ipc,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_abandoned_futures_release_their_references, s_setup_tcp,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_client_destroyed_with_abandoned_futures, s_setup_ipc,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_session_end_drops_owned_references, s_setup_ipc, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
