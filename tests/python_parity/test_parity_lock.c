// test_parity_lock.c: CPython's _TestLock (Lib/test/_test_multiprocessing.py, 3.11), ported to rom's Lock
// and RLock over a forked server: one test per CPython test method, each quoting the assertions it mirrors.
// Python's True/False of acquire are ROM_OK/ROM_TIMEOUT; its None of release is ROM_OK; the exceptions of a
// wrong release (ValueError/ThreadError for a Lock, AssertionError/RuntimeError for an RLock; a manager's
// proxies raise RuntimeError for both) are ROM_APP_ERROR. docs/python-parity.md has the table.
#include "parity.h"

// _TestLock.test_lock:
//     lock = self.Lock()
//     self.assertEqual(lock.acquire(), True)
//     self.assertEqual(lock.acquire(False), False)
//     self.assertEqual(lock.release(), None)
//     self.assertRaises((ValueError, threading.ThreadError), lock.release)
static void
test_lock (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    assert_int_equal (rom_lock_acquire (lock, ROM_FOREVER), ROM_OK);
    // The holder acquiring again without blocking: Python's False, not an error (a Lock has no owner).
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_TIMEOUT);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_APP_ERROR);
    assert_non_null (strstr (rom_client_errmsg (client), "unlocked"));
    rom_lock_destroy (&lock);
    rom_client_destroy (&client);
}

// _TestLock.test_rlock:
//     lock = self.RLock()
//     self.assertEqual(lock.acquire(), True)      (three times)
//     self.assertEqual(lock.release(), None)      (three times)
//     self.assertRaises((AssertionError, RuntimeError), lock.release)
static void
test_rlock (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_rlock_new (client, &lock), ROM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal (rom_lock_acquire (lock, ROM_FOREVER), ROM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal (rom_lock_release (lock), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_APP_ERROR);
    bool locked = true;
    assert_int_equal (rom_lock_locked (lock, &locked, NULL), ROM_OK);
    assert_false (locked); // the failed release changed nothing
    rom_lock_destroy (&lock);
    rom_client_destroy (&client);
}

static int
s_try_lock (void *arg)
{
    // Another process (its own session) must find the lock free, take it and give it back.
    rom_lock_t *lock = arg;
    PARITY_CHECK (rom_lock_acquire (lock, ROM_NOWAIT) == ROM_OK);
    PARITY_CHECK (rom_lock_release (lock) == ROM_OK);
    return 0;
}

// _TestLock.test_lock_context:
//     with self.Lock():
//         pass
// C has no `with`: the block is an acquire and a release. What the test shows is that the lock is free
// again after the block, which a child process checks (a proxy used as a context manager left it free).
static void
test_lock_context (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    assert_int_equal (rom_lock_acquire (lock, ROM_FOREVER), ROM_OK); // __enter__
    assert_int_equal (rom_lock_release (lock), ROM_OK);              // __exit__
    assert_int_equal (rom_test_join (parity_fork (s_try_lock, lock)), 0);
    rom_lock_destroy (&lock);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lock),
        cmocka_unit_test (test_rlock),
        cmocka_unit_test (test_lock_context),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
