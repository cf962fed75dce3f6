// test_threads.c: one client used by several threads of one process at once (issue 5, point 6; the
// contract is in rom_client.h): a shared proxy and proxies of each thread's own, blocking and pipelined
// calls, error texts per thread, proxies made and destroyed concurrently. Every update counts.
#include "rom_test_proc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { THREADS = 4, EACH = 300, ASYNC = 50 };

typedef struct {
    rom_client_t *client;
    rom_proxy_t *shared;
    int index;
    int failures;
} worker_t;

static void *
s_worker (void *arg)
{
    worker_t *w = arg;
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    Test__Number one = TEST__NUMBER__INIT;
    Test__Number fail = TEST__NUMBER__INIT;
    one.value = 1;
    rom_proxy_t *own = NULL;
    if (rom_proxy_create (w->client, &test__tally__rom_type, NULL, &init.base, 0, &own) != ROM_OK) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < EACH; i++) {
        w->failures += rom_proxy_call (w->shared, TEST__TALLY_METHOD__ADD, &one.base, NULL) != ROM_OK;
        w->failures += rom_proxy_call (own, TEST__TALLY_METHOD__ADD, &one.base, NULL) != ROM_OK;
        if (i % 50 == 0) {
            // A proxy made and dropped while the other threads call.
            rom_proxy_t *copy = NULL;
            w->failures += rom_proxy_dup (w->shared, &copy) != ROM_OK;
            rom_proxy_destroy (&copy);
            // This thread's error text is its own.
            fail.value = ROM_APP_ERROR;
            w->failures += rom_proxy_call (own, TEST__TALLY_METHOD__FAIL, &fail.base, NULL) != ROM_APP_ERROR;
            w->failures += strstr (rom_client_errmsg (w->client), "asked to fail with 1") == NULL;
        }
    }
    // Pipelined: futures waited by the thread that made them.
    rom_future_t *futures[ASYNC];
    for (int i = 0; i < ASYNC; i++)
        w->failures += rom_proxy_call_async (w->shared, TEST__TALLY_METHOD__ADD, &one.base, &futures[i])
                       != ROM_OK;
    for (int i = 0; i < ASYNC; i++)
        w->failures += rom_future_wait (&futures[i], NULL) != ROM_OK;
    Test__Number *out = NULL;
    w->failures += rom_proxy_call (own, TEST__TALLY_METHOD__GET, NULL, (ProtobufCMessage **) &out) != ROM_OK;
    w->failures += out && out->value != EACH;
    if (out)
        test__number__free_unpacked (out, NULL);
    rom_proxy_destroy (&own);
    // The release above is one-way, on this thread's socket: a call on the same socket is answered after it.
    w->failures += rom_client_ping (w->client) != ROM_OK;
    return NULL;
}

static void
test_four_threads_one_client (void **state)
{
    (void) state;
    char endpoint[ROM_PATH_MAX];
    pid_t server = rom_test_serve_fork (rom_test_endpoint ("ipc", "threads"), NULL, endpoint);
    rom_client_t *client = rom_test_connect (endpoint);
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    rom_proxy_t *shared = NULL;
    assert_int_equal (rom_proxy_create (client, &test__tally__rom_type, NULL, &init.base, 0, &shared),
                      ROM_OK);
    uint64_t destroyed = rom_test_tally_query (shared, TEST__TALLY_METHOD__DESTROYED);

    pthread_t threads[THREADS];
    worker_t workers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (worker_t) {.client = client, .shared = shared, .index = t};
        assert_int_equal (pthread_create (&threads[t], NULL, s_worker, &workers[t]), 0);
    }
    // The main thread calls too, meanwhile.
    for (int i = 0; i < EACH; i++)
        rom_test_tally_add (shared, 1);
    int failures = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join (threads[t], NULL);
        failures += workers[t].failures;
    }
    assert_int_equal (failures, 0);
    assert_int_equal (rom_test_tally_add (shared, 0), (THREADS + 1) * EACH + THREADS * ASYNC);
    // Each thread's own object died with its proxy; the shared one lives.
    assert_int_equal (rom_test_tally_query (shared, TEST__TALLY_METHOD__DESTROYED), destroyed + THREADS);
    rom_proxy_destroy (&shared);
    rom_client_destroy (&client);
    assert_int_equal (rom_test_server_stop (server), 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_four_threads_one_client),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
