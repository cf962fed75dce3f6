// test_parity_semaphore.c: CPython's _TestSemaphore (Lib/test/_test_multiprocessing.py, 3.11), ported to
// rom's Semaphore and BoundedSemaphore over a forked server. Python's get_value (sem) is rom_semaphore_value;
// acquire's True/False are ROM_OK/ROM_TIMEOUT. docs/python-parity.md has the table.
#include "parity.h"

static void
s_assert_value (rom_semaphore_t *sem, int64_t expected)
{
    int64_t value = -1;
    assert_int_equal (rom_semaphore_value (sem, &value), ROM_OK);
    assert_int_equal (value, expected);
}

static int
s_child_round (void *arg)
{
    // The middle of _test_semaphore, done by another process: its acquires count against the same units.
    rom_semaphore_t *sem = arg;
    PARITY_CHECK (rom_semaphore_acquire (sem, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_semaphore_acquire (sem, ROM_NOWAIT) == ROM_TIMEOUT);
    return 0;
}

// _TestSemaphore._test_semaphore (sem), a Semaphore(2) or BoundedSemaphore(2):
//     self.assertReturnsIfImplemented(2, get_value, sem)
//     self.assertEqual(sem.acquire(), True)
//     self.assertReturnsIfImplemented(1, get_value, sem)
//     self.assertEqual(sem.acquire(), True)
//     self.assertReturnsIfImplemented(0, get_value, sem)
//     self.assertEqual(sem.acquire(False), False)
//     self.assertReturnsIfImplemented(0, get_value, sem)
//     self.assertEqual(sem.release(), None)
//     self.assertReturnsIfImplemented(1, get_value, sem)
//     self.assertEqual(sem.release(), None)
//     self.assertReturnsIfImplemented(2, get_value, sem)
// The second acquire is made by a child process (so the units are shared, not per process).
static void
s_test_semaphore (rom_semaphore_t *sem)
{
    s_assert_value (sem, 2);
    assert_int_equal (rom_semaphore_acquire (sem, ROM_FOREVER), ROM_OK);
    s_assert_value (sem, 1);
    assert_int_equal (rom_test_join (parity_fork (s_child_round, sem)), 0);
    s_assert_value (sem, 0);
    assert_int_equal (rom_semaphore_acquire (sem, ROM_NOWAIT), ROM_TIMEOUT);
    s_assert_value (sem, 0);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    s_assert_value (sem, 1);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    s_assert_value (sem, 2);
}

// _TestSemaphore.test_semaphore:
//     sem = self.Semaphore(2)
//     self._test_semaphore(sem)
//     self.assertEqual(sem.release(), None)
//     self.assertReturnsIfImplemented(3, get_value, sem)
//     self.assertEqual(sem.release(), None)
//     self.assertReturnsIfImplemented(4, get_value, sem)
static void
test_semaphore (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_semaphore_t *sem;
    assert_int_equal (rom_semaphore_new (client, 2, &sem), ROM_OK);
    s_test_semaphore (sem);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    s_assert_value (sem, 3);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    s_assert_value (sem, 4);
    rom_semaphore_destroy (&sem);
    rom_client_destroy (&client);
}

// _TestSemaphore.test_bounded_semaphore:
//     sem = self.BoundedSemaphore(2)
//     self._test_semaphore(sem)
//     # Currently fails on OS/X
//     #if HAVE_GETVALUE:
//     #    self.assertRaises(ValueError, sem.release)
//     #    self.assertReturnsIfImplemented(2, get_value, sem)
// The commented-out part holds for a manager's BoundedSemaphore (3.11 raises ValueError "Semaphore released
// too many times"), and for rom's (ROM_APP_ERROR, the same text): tested too.
static void
test_bounded_semaphore (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_semaphore_t *sem;
    assert_int_equal (rom_bounded_semaphore_new (client, 2, &sem), ROM_OK);
    s_test_semaphore (sem);
    assert_int_equal (rom_semaphore_release (sem), ROM_APP_ERROR);
    assert_non_null (strstr (rom_client_errmsg (client), "released too many times"));
    s_assert_value (sem, 2);
    rom_semaphore_destroy (&sem);
    rom_client_destroy (&client);
}

// _TestSemaphore.test_timeout (CPython skips it for managers: "test not appropriate for manager", as a
// manager's threading.Semaphore refuses acquire(False, timeout) with ValueError; rom's timeouts are one
// argument, so the non-blocking forms are all ROM_NOWAIT and the test applies as is):
//     sem = self.Semaphore(0)
//     self.assertEqual(acquire(False), False)            elapsed 0
//     self.assertEqual(acquire(False, None), False)      elapsed 0
//     self.assertEqual(acquire(False, TIMEOUT1), False)  elapsed 0
//     self.assertEqual(acquire(True, TIMEOUT2), False)   elapsed TIMEOUT2
//     self.assertEqual(acquire(timeout=TIMEOUT3), False) elapsed TIMEOUT3
static void
test_timeout (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_semaphore_t *sem;
    assert_int_equal (rom_semaphore_new (client, 0, &sem), ROM_OK);
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_semaphore_acquire (sem, ROM_NOWAIT), ROM_TIMEOUT);
    parity_assert_took (romi_now_ms () - start, 0);
    uint32_t timeouts[] = {PARITY_TIMEOUT2, PARITY_TIMEOUT3};
    for (size_t i = 0; i < 2; i++) {
        start = romi_now_ms ();
        assert_int_equal (rom_semaphore_acquire (sem, timeouts[i]), ROM_TIMEOUT);
        parity_assert_took (romi_now_ms () - start, timeouts[i]);
    }
    s_assert_value (sem, 0); // a timed-out acquire took nothing
    rom_semaphore_destroy (&sem);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_semaphore),
        cmocka_unit_test (test_bounded_semaphore),
        cmocka_unit_test (test_timeout),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
