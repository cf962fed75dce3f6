// test_calls.c: objects and calls over real sockets between real processes: create, names, references,
// statuses with their texts, deferred replies, deadlines, a dead server, pipelined and one-way calls.
#include "rom_test_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int
s_setup_ipc (void **state)
{
    *state = rom_test_fixture_start ("ipc", "calls");
    return 0;
}

static int
s_setup_tcp (void **state)
{
    *state = rom_test_fixture_start ("tcp", "calls");
    return 0;
}

static int
s_teardown (void **state)
{
    rom_test_fixture_stop (*state);
    return 0;
}

static rom_proxy_t *
s_tally (rom_client_t *client, const char *name, int64_t start)
{
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = start;
    rom_proxy_t *proxy = NULL;
    rom_status_t status = rom_proxy_create (client, &test__tally__rom_type, name, &init.base, 0, &proxy);
    if (status != ROM_OK)
        fail_msg ("create: %s: %s", rom_strerror (status), rom_client_errmsg (client));
    return proxy;
}

static void
test_create_and_call (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 10);
    assert_true (rom_proxy_id (tally) > 0);
    assert_int_equal (rom_test_tally_add (tally, 5), 15);
    assert_int_equal (rom_test_tally_add (tally, -20), -5);
    Test__Number *out = NULL;
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__GET, NULL, (ProtobufCMessage **) &out),
                      ROM_OK);
    assert_int_equal (out->value, -5);
    test__number__free_unpacked (out, NULL);
    assert_int_equal (rom_client_ping (f->client), ROM_OK);
    rom_proxy_destroy (&tally);
    assert_null (tally);
}

static void
test_names_and_lookup (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *a = s_tally (f->client, "shared", 1);
    rom_client_t *other = rom_test_connect (f->endpoint);
    rom_proxy_t *b = NULL;
    assert_int_equal (rom_proxy_lookup (other, &test__tally__rom_type, "shared", &b), ROM_OK);
    assert_int_equal (rom_proxy_id (a), rom_proxy_id (b));
    rom_test_tally_add (b, 41);
    assert_int_equal (rom_test_tally_add (a, 0), 42);

    // A taken name: EXISTS with the name in the text; exist_ok returns the same object.
    rom_proxy_t *c = NULL;
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    assert_int_equal (rom_proxy_create (other, &test__tally__rom_type, "shared", &init.base, 0, &c),
                      ROM_EXISTS);
    assert_non_null (strstr (rom_client_errmsg (other), "\"shared\""));
    assert_int_equal (rom_proxy_create (other, &test__tally__rom_type, "shared", &init.base,
                                        ROM_CREATE_EXIST_OK, &c),
                      ROM_OK);
    assert_int_equal (rom_proxy_id (c), rom_proxy_id (a));
    rom_proxy_destroy (&c);

    // Unknown names and wrong types.
    assert_int_equal (rom_proxy_lookup (other, &test__tally__rom_type, "nobody", &c), ROM_NO_OBJECT);
    assert_non_null (strstr (rom_client_errmsg (other), "nobody"));
    rom_type_t other_type = test__tally__rom_type;
    other_type.name = "test.Other";
    assert_int_equal (rom_proxy_lookup (other, &other_type, "shared", &c), ROM_WRONG_TYPE);
    assert_int_equal (rom_proxy_create (other, &other_type, NULL, NULL, 0, &c), ROM_NO_TYPE);
    assert_non_null (strstr (rom_client_errmsg (other), "test.Other"));
    assert_null (c);

    // A named object outlives its proxies.
    rom_proxy_destroy (&a);
    rom_proxy_destroy (&b);
    rom_client_destroy (&other);
    assert_int_equal (rom_proxy_lookup (f->client, &test__tally__rom_type, "shared", &a), ROM_OK);
    assert_int_equal (rom_test_tally_add (a, 0), 42);
    rom_proxy_destroy (&a);
}

static void
test_errors_carry_text (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    Test__Number in = TEST__NUMBER__INIT;
    in.value = ROM_APP_ERROR;
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__FAIL, &in.base, NULL), ROM_APP_ERROR);
    const char *text = rom_client_errmsg (f->client);
    assert_non_null (strstr (text, "asked to fail"));
    assert_non_null (strstr (text, "test.Tally#"));
    assert_non_null (strstr (text, ".Fail"));
    in.value = ROM_EMPTY;
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__FAIL, &in.base, NULL), ROM_EMPTY);

    // The constructor's refusal reaches the creator, naming the type.
    rom_proxy_t *bad = NULL;
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = 666;
    assert_int_equal (rom_proxy_create (f->client, &test__tally__rom_type, NULL, &init.base, 0, &bad),
                      ROM_APP_ERROR);
    assert_non_null (strstr (rom_client_errmsg (f->client), "refusing to start at 666"));
    assert_non_null (strstr (rom_client_errmsg (f->client), "test.Tally"));

    // A method index the type does not have is refused before sending.
    assert_int_equal (rom_proxy_call (tally, 99, NULL, NULL), ROM_NO_METHOD);
    rom_proxy_destroy (&tally);
}

static void
test_references_destroy_at_zero (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *a = s_tally (f->client, NULL, 7);
    rom_proxy_t *b = NULL;
    assert_int_equal (rom_proxy_dup (a, &b), ROM_OK);
    char *token = rom_proxy_to_token (a);
    assert_non_null (token);
    rom_proxy_destroy (&a);
    assert_int_equal (rom_test_tally_add (b, 1), 8); // b still holds a reference
    rom_proxy_destroy (&b);
    // No reference left: the object is gone, and a token naming it finds nothing.
    rom_proxy_t *c = NULL;
    assert_int_equal (rom_proxy_from_token (f->client, &test__tally__rom_type, token, &c), ROM_NO_OBJECT);
    free (token);
}

static void
test_token_round_trip (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *a = s_tally (f->client, NULL, 3);
    char *token = rom_proxy_to_token (a);
    rom_proxy_t *b = NULL;
    assert_int_equal (rom_proxy_from_token (NULL, &test__tally__rom_type, token, &b), ROM_OK);
    assert_int_equal (rom_test_tally_add (b, 1), 4);
    rom_type_t other_type = test__tally__rom_type;
    other_type.name = "test.Other";
    rom_proxy_t *c = NULL;
    assert_int_equal (rom_proxy_from_token (f->client, &other_type, token, &c), ROM_WRONG_TYPE);
    assert_int_equal (rom_proxy_from_token (f->client, &test__tally__rom_type, "garbage", &c), ROM_INVALID);
    free (token);
    rom_proxy_destroy (&b);
    rom_proxy_destroy (&a);
}

static void
test_deferred_reply (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, "gate", 0);
    Test__Number until = TEST__NUMBER__INIT;
    until.value = 3;
    rom_future_t *future = NULL;
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__WAIT, &until.base, &future), ROM_OK);
    // Another process completes the waiting call.
    fflush (NULL);
    pid_t child = fork ();
    if (child == 0) {
        rom_client_t *client = rom_test_connect (f->endpoint);
        rom_proxy_t *gate = NULL;
        if (rom_proxy_lookup (client, &test__tally__rom_type, "gate", &gate) != ROM_OK)
            _exit (1);
        rom_test_tally_add (gate, 3);
        rom_proxy_destroy (&gate);
        rom_client_destroy (&client);
        _exit (0);
    }
    Test__Number *out = NULL;
    assert_int_equal (rom_future_wait (&future, (ProtobufCMessage **) &out), ROM_OK);
    assert_null (future);
    assert_int_equal (out->value, 3);
    test__number__free_unpacked (out, NULL);
    int status;
    waitpid (child, &status, 0);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    rom_proxy_destroy (&tally);
}

static void
test_deferred_timeout (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    rom_client_set_timeout (f->client, 600);
    Test__Number until = TEST__NUMBER__INIT;
    until.value = 100;
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__WAIT, &until.base, NULL), ROM_TIMEOUT);
    uint64_t spent = romi_now_ms () - start;
    assert_true (spent >= 300 && spent <= 1500);
    // The timed-out waiter was removed: reaching the total later completes nobody, and calls still work.
    rom_client_set_timeout (f->client, 5000);
    assert_int_equal (rom_test_tally_add (tally, 100), 100);
    assert_int_equal (rom_test_tally_add (tally, 0), 100);
    rom_proxy_destroy (&tally);
}

static void
test_pipelined_and_oneway (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    enum { N = 200 };
    rom_future_t *futures[N];
    Test__Number one = TEST__NUMBER__INIT;
    one.value = 1;
    for (int i = 0; i < N; i++)
        assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__ADD, &one.base, &futures[i]),
                          ROM_OK);
    // Collected out of order: each future gets its own reply (the totals 1..N in send order).
    for (int i = N - 1; i >= 0; i--) {
        Test__Number *out = NULL;
        assert_int_equal (rom_future_wait (&futures[i], (ProtobufCMessage **) &out), ROM_OK);
        assert_int_equal (out->value, (uint64_t) i + 1);
        test__number__free_unpacked (out, NULL);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal (rom_proxy_call_oneway (tally, TEST__TALLY_METHOD__ADD, &one.base), ROM_OK);
    // One-way calls are ordered with the calls that follow them.
    assert_int_equal (rom_test_tally_add (tally, 0), 2 * N);
    // An abandoned future's reply is dropped without disturbing later calls.
    rom_future_t *dropped = NULL;
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__ADD, &one.base, &dropped), ROM_OK);
    rom_future_destroy (&dropped);
    assert_null (dropped);
    assert_int_equal (rom_test_tally_add (tally, 0), 2 * N + 1);
    rom_proxy_destroy (&tally);
}

static void
test_processes_never_lose_updates (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, "hits", 0);
    enum { PROCS = 4, EACH = 300 };
    fflush (NULL);
    pid_t children[PROCS];
    for (int p = 0; p < PROCS; p++) {
        if ((children[p] = fork ()) == 0) {
            rom_client_t *client = rom_test_connect (f->endpoint);
            rom_proxy_t *hits = NULL;
            if (rom_proxy_lookup (client, &test__tally__rom_type, "hits", &hits) != ROM_OK)
                _exit (1);
            for (int i = 0; i < EACH; i++)
                rom_test_tally_add (hits, 1);
            rom_proxy_destroy (&hits);
            rom_client_destroy (&client);
            _exit (0);
        }
    }
    int status, failures = 0;
    for (int p = 0; p < PROCS; p++) {
        waitpid (children[p], &status, 0);
        failures += !(WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
    assert_int_equal (failures, 0);
    assert_int_equal (rom_test_tally_add (tally, 0), PROCS * EACH);
    rom_proxy_destroy (&tally);
}

static void
test_large_payload (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    size_t size = 4u << 20;
    uint8_t *data = malloc (size);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t) (i * 31);
    Test__Blob in = TEST__BLOB__INIT;
    in.data.data = data;
    in.data.len = size;
    in.label = "payload";
    Test__Blob *out = NULL;
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__ECHO, &in.base, (ProtobufCMessage **) &out),
                      ROM_OK);
    assert_int_equal (out->data.len, size);
    assert_memory_equal (out->data.data, data, size);
    assert_string_equal (out->label, "payload");
    test__blob__free_unpacked (out, NULL);
    free (data);
    rom_proxy_destroy (&tally);
}

// The server dies under a client: calls return within their deadline, never hang.
static void
test_dead_server (void **state)
{
    (void) state;
    const char *endpoint = rom_test_endpoint ("ipc", "dead");
    pid_t server = rom_test_server_fork (endpoint, 0);
    rom_client_t *client = rom_test_connect (endpoint);
    rom_proxy_t *tally = s_tally (client, NULL, 0);
    rom_test_kill_reap (server);
    rom_client_set_timeout (client, 700);
    uint64_t start = romi_now_ms ();
    rom_status_t status = rom_proxy_call (tally, TEST__TALLY_METHOD__GET, NULL, NULL);
    assert_true (status == ROM_UNAVAILABLE || status == ROM_TIMEOUT);
    assert_true (romi_now_ms () - start <= 1500);
    assert_non_null (strstr (rom_client_errmsg (client), "Get"));
    rom_proxy_destroy (&tally);
    rom_client_destroy (&client);

    // Nobody listens at all: connect fails within its timeout, saying where it tried.
    rom_client_opts_t opts = {.connect_timeout_ms = 300};
    const char *why = NULL;
    start = romi_now_ms ();
    assert_int_equal (rom_client_connect (endpoint, &opts, &client, &why), ROM_UNAVAILABLE);
    assert_true (romi_now_ms () - start <= 1300);
    assert_null (client);
    assert_non_null (strstr (why, endpoint));
    assert_int_equal (rom_client_connect ("no-scheme", &opts, &client, &why), ROM_INVALID);
    unlink (endpoint + strlen ("ipc://")); // a killed server leaves its socket file behind
}

// A slow method delays only its own callers' replies; calls to a server that answers late time out.
static void
test_call_deadline (void **state)
{
    rom_test_fixture_t *f = *state;
    rom_proxy_t *tally = s_tally (f->client, NULL, 0);
    rom_client_set_timeout (f->client, 300);
    Test__Number ms = TEST__NUMBER__INIT;
    ms.value = 800;
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__SLEEP, &ms.base, NULL), ROM_TIMEOUT);
    assert_true (romi_now_ms () - start < 700);
    rom_client_set_timeout (f->client, 5000);
    // The late reply is dropped; the next call gets its own.
    assert_int_equal (rom_test_tally_add (tally, 2), 2);
    rom_proxy_destroy (&tally);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_create_and_call, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_create_and_call, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_names_and_lookup, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_errors_carry_text, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_references_destroy_at_zero, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_token_round_trip, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_deferred_reply, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_deferred_timeout, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_pipelined_and_oneway, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_pipelined_and_oneway, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_processes_never_lose_updates, s_setup_ipc, s_teardown),
        cmocka_unit_test_setup_teardown (test_processes_never_lose_updates, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_large_payload, s_setup_tcp, s_teardown),
        cmocka_unit_test_setup_teardown (test_call_deadline, s_setup_ipc, s_teardown),
        cmocka_unit_test (test_dead_server),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
