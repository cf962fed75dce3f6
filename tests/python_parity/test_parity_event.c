// test_parity_event.c: CPython's _TestEvent (Lib/test/_test_multiprocessing.py, 3.11), ported to rom's Event
// over a forked server. Python's wait () returning True/False is ROM_OK/ROM_TIMEOUT. docs/python-parity.md
// has the table (test_repr is not applicable: a proxy's repr is Python's).
#include "parity.h"

static int
s_set (void *arg)
{
    // Python's _test_event sleeps TIMEOUT2 first so that the parent is likely to be waiting already; the
    // parent's wait () answers True either way, which is what is checked, so no sleep here.
    PARITY_CHECK (rom_event_set (arg) == ROM_OK);
    return 0;
}

// _TestEvent.test_event:
//     self.assertEqual(event.is_set(), False)
//     self.assertEqual(wait(0.0), False)          elapsed 0.0
//     self.assertEqual(wait(TIMEOUT1), False)     elapsed TIMEOUT1
//     event.set()
//     self.assertEqual(event.is_set(), True)
//     self.assertEqual(wait(), True)              elapsed 0.0
//     self.assertEqual(wait(TIMEOUT1), True)      elapsed 0.0
//     event.clear()
//     p = self.Process(target=self._test_event, args=(event,)); p.start()
//     self.assertEqual(wait(), True)
// The last part is also checked with the parent's wait parked first: a child set the event while the
// parent waits on it (the parent's Wait is sent before the child is told to go).
static void
test_event (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_event_t *event;
    assert_int_equal (rom_event_new (client, &event), ROM_OK);
    bool set = true;
    assert_int_equal (rom_event_is_set (event, &set), ROM_OK);
    assert_false (set);
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_event_wait (event, ROM_NOWAIT), ROM_TIMEOUT);
    parity_assert_took (romi_now_ms () - start, 0);
    start = romi_now_ms ();
    assert_int_equal (rom_event_wait (event, PARITY_TIMEOUT1), ROM_TIMEOUT);
    parity_assert_took (romi_now_ms () - start, PARITY_TIMEOUT1);

    assert_int_equal (rom_event_set (event), ROM_OK);
    assert_int_equal (rom_event_is_set (event, &set), ROM_OK);
    assert_true (set);
    start = romi_now_ms ();
    assert_int_equal (rom_event_wait (event, ROM_FOREVER), ROM_OK);
    parity_assert_took (romi_now_ms () - start, 0);
    start = romi_now_ms ();
    assert_int_equal (rom_event_wait (event, PARITY_TIMEOUT1), ROM_OK);
    parity_assert_took (romi_now_ms () - start, 0);

    assert_int_equal (rom_event_clear (event), ROM_OK);
    pid_t child = parity_fork (s_set, event);
    assert_int_equal (rom_event_wait (event, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_test_join (child), 0);

    // The same with the wait surely parked before the set: a waiter is woken, not only a late caller.
    assert_int_equal (rom_event_clear (event), ROM_OK);
    int go[2];
    assert_int_equal (pipe (go), 0);
    child = fork ();
    if (child == 0) {
        char line[8];
        _exit (rom_test_recv_line (go[0], line, sizeof line, PARITY_LONG) ? s_set (event) : 2);
    }
    rom_future_t *future;
    Rom__Builtins__WaitRequest in = ROM__BUILTINS__WAIT_REQUEST__INIT;
    assert_int_equal (rom_proxy_call_async_timeout (rom_event_proxy (event),
                                                    ROM__BUILTINS__EVENT_METHOD__WAIT, &in.base, PARITY_LONG,
                                                    &future),
                      ROM_OK);
    assert_int_equal (rom_event_is_set (event, &set), ROM_OK); // ordered after the Wait on this client
    assert_false (set);
    rom_test_send_line (go[1], "go");
    assert_int_equal (rom_future_wait (&future, NULL), ROM_OK);
    assert_int_equal (rom_test_join (child), 0);
    close (go[0]), close (go[1]);
    rom_event_destroy (&event);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_event),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
