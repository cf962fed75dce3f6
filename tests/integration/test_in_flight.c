// test_in_flight.c: the bound rom_proxy.h documents for calls in flight on one thread, proven over real
// processes: that many calls whose replies the caller does not read for a while all get their replies, none
// dropped by a full pipe on the way. The server never blocks on one client's socket (server_io.c): a reply
// that finds its pipe full is dropped, so the bound is what the way between server and caller holds: the
// server's ROUTER pipe (libzmq's high-water mark, 1000, which its writer may count as full from 501 on),
// the kernel's socket buffers, and the client's own I/O thread and its pipe (which go on reading while the
// caller sleeps). Two shapes: replies that leave together (pipelined calls, batched into few messages), and
// the hard one, replies that leave one message each (gets parked on an empty queue, answered one by one by
// another process's puts) while the caller sleeps.
#include "rom_test_fixture.h"
#include "rom/builtins/queue.rom.h"
#include "rom/builtins/value.rom.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_IN_FLIGHT 1000 // rom_proxy.h: "fewer than ~1000 calls in flight per thread"

// How many to keep in flight: S_IN_FLIGHT, or ROM_TEST_IN_FLIGHT to find where the way runs out.
static int
s_in_flight (void)
{
    const char *n = getenv ("ROM_TEST_IN_FLIGHT");
    return n && atoi (n) > 0 ? atoi (n) : S_IN_FLIGHT;
}

static void
test_batched_replies_wait_while_the_caller_sleeps (void **state)
{
    (void) state;
    rom_test_fixture_t *fx = rom_test_fixture_start ("ipc", "in-flight-batched");
    int n = s_in_flight ();
    rom_value_t *value = NULL;
    assert_int_equal (rom_value_new (fx->client, 'q', ROM_INT (0), &value), ROM_OK);
    rom_future_t **futures = calloc ((size_t) n, sizeof *futures);
    Rom__Builtins__Variant one = ROM__BUILTINS__VARIANT__INIT;
    one.kind_case = ROM__BUILTINS__VARIANT__KIND_INT_VALUE;
    one.int_value = 1;
    for (int i = 0; i < n; i++)
        assert_int_equal (rom_proxy_call_async (rom_value_proxy (value), ROM__BUILTINS__VALUE_METHOD__ADD,
                                                &one.base, &futures[i]),
                          ROM_OK);
    usleep (500 * 1000); // nobody reads meanwhile
    for (int i = 0; i < n; i++) {
        ProtobufCMessage *out = NULL;
        rom_status_t status = rom_future_wait (&futures[i], &out);
        if (status != ROM_OK)
            fail_msg ("call %d of %d: %s (%s)", i + 1, n, rom_strerror (status),
                      rom_client_errmsg (fx->client));
        assert_int_equal (((Rom__Builtins__Variant *) out)->int_value, i + 1); // in order, none lost
        protobuf_c_message_free_unpacked (out, NULL);
    }
    free (futures);
    rom_value_destroy (&value);
    rom_test_fixture_stop (fx);
}

static void
test_replies_one_by_one_wait_while_the_caller_sleeps (void **state)
{
    (void) state;
    rom_test_fixture_t *fx = rom_test_fixture_start ("ipc", "in-flight-parked");
    int n = s_in_flight ();
    rom_queue_t *queue = NULL;
    assert_int_equal (rom_queue_new (fx->client, 0, &queue), ROM_OK);
    rom_future_t **futures = calloc ((size_t) n, sizeof *futures);
    Rom__Builtins__GetRequest get = ROM__BUILTINS__GET_REQUEST__INIT;
    for (int i = 0; i < n; i++)
        assert_int_equal (rom_proxy_call_async_timeout (rom_queue_proxy (queue),
                                                        ROM__BUILTINS__QUEUE_METHOD__GET, &get.base, 60000,
                                                        &futures[i]),
                          ROM_OK);
    // Every get parked on the server before the puts begin: a sync call after them runs after them.
    int64_t size = 0;
    assert_int_equal (rom_queue_qsize (queue, &size), ROM_OK);
    assert_int_equal (size, 0);
    // Another process puts the items one call at a time: each wakes one get, whose reply leaves as a message
    // of its own (the server flushes a reply before it reads another peer's call). This one sleeps.
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        for (int i = 0; i < n; i++)
            if (rom_queue_put_int (queue, i, ROM_FOREVER) != ROM_OK)
                _exit (1);
        _exit (0);
    }
    int wstatus = 0;
    assert_true (rom_test_wait_gone (child, 60000, &wstatus));
    assert_true (rom_test_exited_ok (wstatus));
    usleep (300 * 1000); // the last replies on their way; nobody reads meanwhile
    for (int i = 0; i < n; i++) {
        ProtobufCMessage *out = NULL;
        rom_status_t status = rom_future_wait (&futures[i], &out);
        if (status != ROM_OK)
            fail_msg ("get %d of %d: %s (%s)", i + 1, n, rom_strerror (status),
                      rom_client_errmsg (fx->client));
        const Rom__Builtins__SyncItem *item = (const Rom__Builtins__SyncItem *) out;
        assert_int_equal (item->value->int_value, i); // getters are served in arrival order
        protobuf_c_message_free_unpacked (out, NULL);
    }
    free (futures);
    assert_int_equal (rom_queue_qsize (queue, &size), ROM_OK);
    assert_int_equal (size, 0);
    rom_queue_destroy (&queue);
    rom_test_fixture_stop (fx);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_batched_replies_wait_while_the_caller_sleeps),
        cmocka_unit_test (test_replies_one_by_one_wait_while_the_caller_sleeps),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
