// test_parity_barrier.c: CPython's _TestBarrier (Lib/test/_test_multiprocessing.py, 3.11; itself adapted
// from test/lock_tests.py), ported to rom's Barrier over a forked server. As in CPython's run_threads, N - 1
// forked children and the test process itself run the same function, and a manager's list (CPython's
// DummyList for managers) is a rom List counting what happened. setUp's Barrier (N, timeout=defaultTimeout)
// is rom_barrier_new_timeout (), and every wait () without a timeout is ROM_BARRIER_DEFAULT, so the default
// timeout crosses into the children with the barrier. Python's BrokenBarrierError is ROM_BROKEN. The action
// callable is the index-0 pattern of rom_sync.h (test_action). docs/python-parity.md has the table.
#include "parity.h"

#define N 5                    // CPython's _TestBarrier.N
#define DEFAULT_TIMEOUT 30000u // CPython's defaultTimeout (30 s)
#define LATE_TIMEOUT 200u      // CPython's wait(0.5) and Barrier(timeout=0.5), shortened

// What every party gets: CPython's args of run_threads.
typedef struct {
    rom_barrier_t *barrier;
    rom_barrier_t *barrier2; // test_abort_and_reset's second barrier
    rom_list_t *results[3];
    rom_queue_t *queue; // test_wait_return
    int passes;         // test_barrier
} args_t;

static size_t
s_len (rom_list_t *list)
{
    size_t n = SIZE_MAX;
    return rom_list_len (list, &n) == ROM_OK ? n : SIZE_MAX;
}

// CPython's run_threads (f, args): Bunch (f, args, N - 1) processes, f (*args) here, wait for all.
static void
s_run_parties (int (*f) (void *), args_t *args)
{
    pid_t children[N - 1];
    for (int i = 0; i < N - 1; i++)
        children[i] = parity_fork (f, args);
    assert_int_equal (f (args), 0);
    for (int i = 0; i < N - 1; i++)
        assert_int_equal (rom_test_join (children[i]), 0);
}

static rom_client_t *
s_setup (args_t *args)
{
    // CPython's setUp: self.barrier = self.Barrier(self.N, timeout=self.defaultTimeout)
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    *args = (args_t) {.passes = 1};
    assert_int_equal (rom_barrier_new_timeout (client, N, DEFAULT_TIMEOUT, &args->barrier), ROM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal (rom_list_new (client, &args->results[i]), ROM_OK);
    return client;
}

static void
s_teardown (rom_client_t *client, args_t *args)
{
    // CPython's tearDown: self.barrier.abort()
    assert_int_equal (rom_barrier_abort (args->barrier), ROM_OK);
    rom_barrier_destroy (&args->barrier);
    rom_barrier_destroy (&args->barrier2);
    for (int i = 0; i < 3; i++)
        rom_list_destroy (&args->results[i]);
    rom_queue_destroy (&args->queue);
    rom_client_destroy (&client);
}

// _TestBarrier.multipass (barrier, results, n):
//     m = barrier.parties; assert m == cls.N
//     for i in range(n):
//         results[0].append(True); assert len(results[1]) == i * m; barrier.wait()
//         results[1].append(True); assert len(results[0]) == (i + 1) * m; barrier.wait()
//     assert barrier.n_waiting == 0
//     assert not barrier.broken
static int
s_multipass (void *arg)
{
    args_t *a = arg;
    uint32_t m = 0, waiting = 1;
    bool broken = true;
    PARITY_CHECK (rom_barrier_state (a->barrier, &m, NULL, NULL) == ROM_OK && m == N);
    for (int i = 0; i < a->passes; i++) {
        PARITY_CHECK (rom_list_append_int (a->results[0], 1) == ROM_OK);
        PARITY_CHECK (s_len (a->results[1]) == (size_t) i * m);
        PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, NULL) == ROM_OK);
        PARITY_CHECK (rom_list_append_int (a->results[1], 1) == ROM_OK);
        PARITY_CHECK (s_len (a->results[0]) == (size_t) (i + 1) * m);
        PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, NULL) == ROM_OK);
    }
    // After the last pass nobody waits again: 0 whichever party looks first.
    PARITY_CHECK (rom_barrier_state (a->barrier, NULL, &waiting, &broken) == ROM_OK);
    PARITY_CHECK (waiting == 0 && !broken);
    return 0;
}

// _TestBarrier.test_barrier (passes=1): "Test that a barrier is passed in lockstep"
//     results = [self.DummyList(), self.DummyList()]
//     self.run_threads(self.multipass, (self.barrier, results, passes))
static void
test_barrier (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    s_run_parties (s_multipass, &args);
    s_teardown (client, &args);
}

// _TestBarrier.test_barrier_10: "Test that a barrier works for 10 consecutive runs": test_barrier(10)
static void
test_barrier_10 (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    args.passes = 10;
    s_run_parties (s_multipass, &args);
    s_teardown (client, &args);
}

// _TestBarrier._test_wait_return_f: res = barrier.wait(); queue.put(res)
static int
s_wait_return_f (void *arg)
{
    args_t *a = arg;
    int64_t index = -1;
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, &index) == ROM_OK);
    PARITY_CHECK (rom_queue_put_int (a->queue, index, ROM_FOREVER) == ROM_OK);
    return 0;
}

// _TestBarrier.test_wait_return: "test the return value from barrier.wait"
//     results = [queue.get() for i in range(self.N)]
//     self.assertEqual(results.count(0), 1)
// rom also says more than Python promises: the indexes are 0 .. N - 1, once each.
static void
test_wait_return (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    assert_int_equal (rom_queue_new (client, 0, &args.queue), ROM_OK);
    s_run_parties (s_wait_return_f, &args);
    int zeros = 0, seen = 0;
    for (int i = 0; i < N; i++) {
        int64_t index = -1;
        assert_int_equal (rom_queue_get_int (args.queue, ROM_NOWAIT, &index), ROM_OK);
        assert_true (index >= 0 && index < N);
        zeros += index == 0;
        seen |= 1 << index;
    }
    assert_int_equal (zeros, 1);
    assert_int_equal (seen, (1 << N) - 1);
    s_teardown (client, &args);
}

// _TestBarrier._test_action_f: barrier.wait(); if len(results) != 1: raise RuntimeError
// with Barrier(N, action=AppendTrue(results)). The action cannot cross processes: the party answered
// index 0 runs it, and a second wait keeps everyone until it has run (rom_sync.h).
static int
s_action_f (void *arg)
{
    args_t *a = arg;
    int64_t index = -1;
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, &index) == ROM_OK);
    if (index == 0)
        PARITY_CHECK (rom_list_append_int (a->results[0], 1) == ROM_OK); // AppendTrue(results)()
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, NULL) == ROM_OK);
    PARITY_CHECK (s_len (a->results[0]) == 1);
    return 0;
}

// _TestBarrier.test_action: "Test the 'action' callback"
//     barrier = self.Barrier(self.N, action=AppendTrue(results))
//     self.run_threads(self._test_action_f, (barrier, results))
//     self.assertEqual(len(results), 1)
static void
test_action (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    s_run_parties (s_action_f, &args);
    assert_int_equal (s_len (args.results[0]), 1);
    s_teardown (client, &args);
}

// _TestBarrier._test_abort_f:
//     try:
//         i = barrier.wait()
//         if i == cls.N//2: raise RuntimeError
//         barrier.wait()
//         results1.append(True)
//     except threading.BrokenBarrierError: results2.append(True)
//     except RuntimeError: barrier.abort()
static int
s_abort_f (void *arg)
{
    args_t *a = arg;
    int64_t index = -1;
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, &index) == ROM_OK);
    if (index == N / 2) {
        PARITY_CHECK (rom_barrier_abort (a->barrier) == ROM_OK);
        return 0;
    }
    rom_status_t status = rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, NULL);
    PARITY_CHECK (status == ROM_OK || status == ROM_BROKEN);
    PARITY_CHECK (rom_list_append_int (a->results[status == ROM_OK ? 0 : 1], 1) == ROM_OK);
    return 0;
}

// _TestBarrier.test_abort: "Test that an abort will put the barrier in a broken state"
//     self.assertEqual(len(results1), 0)
//     self.assertEqual(len(results2), self.N-1)
//     self.assertTrue(self.barrier.broken)
static void
test_abort (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    s_run_parties (s_abort_f, &args);
    assert_int_equal (s_len (args.results[0]), 0);
    assert_int_equal (s_len (args.results[1]), N - 1);
    bool broken = false;
    assert_int_equal (rom_barrier_state (args.barrier, NULL, NULL, &broken), ROM_OK);
    assert_true (broken);
    s_teardown (client, &args);
}

// _TestBarrier._test_reset_f:
//     i = barrier.wait()
//     if i == cls.N//2:
//         while barrier.n_waiting < cls.N-1: time.sleep(0.001)    # the others are all in the barrier
//         barrier.reset()
//     else:
//         try: barrier.wait(); results1.append(True)
//         except threading.BrokenBarrierError: results2.append(True)
//     barrier.wait()                                              # pass the barrier again
//     results3.append(True)
static int
s_reset_f (void *arg)
{
    args_t *a = arg;
    int64_t index = -1;
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, &index) == ROM_OK);
    if (index == N / 2) {
        uint64_t deadline = romi_now_ms () + PARITY_LONG;
        uint32_t waiting = 0;
        do {
            PARITY_CHECK (rom_barrier_state (a->barrier, NULL, &waiting, NULL) == ROM_OK);
            PARITY_CHECK (romi_now_ms () < deadline);
        } while (waiting < N - 1);
        PARITY_CHECK (rom_barrier_reset (a->barrier) == ROM_OK);
    } else {
        rom_status_t status = rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, NULL);
        PARITY_CHECK (status == ROM_OK || status == ROM_BROKEN);
        PARITY_CHECK (rom_list_append_int (a->results[status == ROM_OK ? 0 : 1], 1) == ROM_OK);
    }
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, NULL) == ROM_OK);
    PARITY_CHECK (rom_list_append_int (a->results[2], 1) == ROM_OK);
    return 0;
}

// _TestBarrier.test_reset: "Test that a 'reset' on a barrier frees the waiting threads"
//     self.assertEqual(len(results1), 0)
//     self.assertEqual(len(results2), self.N-1)
//     self.assertEqual(len(results3), self.N)
static void
test_reset (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    s_run_parties (s_reset_f, &args);
    assert_int_equal (s_len (args.results[0]), 0);
    assert_int_equal (s_len (args.results[1]), N - 1);
    assert_int_equal (s_len (args.results[2]), N);
    s_teardown (client, &args);
}

// _TestBarrier._test_abort_and_reset_f:
//     (as _test_abort_f, then)
//     if barrier2.wait() == cls.N//2: barrier.reset()
//     barrier2.wait()
//     barrier.wait()
//     results3.append(True)
static int
s_abort_and_reset_f (void *arg)
{
    args_t *a = arg;
    int64_t index = -1;
    PARITY_CHECK (s_abort_f (arg) == 0);
    PARITY_CHECK (rom_barrier_wait (a->barrier2, ROM_BARRIER_DEFAULT, &index) == ROM_OK);
    if (index == N / 2)
        PARITY_CHECK (rom_barrier_reset (a->barrier) == ROM_OK);
    PARITY_CHECK (rom_barrier_wait (a->barrier2, ROM_BARRIER_DEFAULT, NULL) == ROM_OK);
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, NULL) == ROM_OK);
    PARITY_CHECK (rom_list_append_int (a->results[2], 1) == ROM_OK);
    return 0;
}

// _TestBarrier.test_abort_and_reset: "Test that a barrier can be reset after being broken."
//     barrier2 = self.Barrier(self.N)
//     self.assertEqual(len(results1), 0)
//     self.assertEqual(len(results2), self.N-1)
//     self.assertEqual(len(results3), self.N)
static void
test_abort_and_reset (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    assert_int_equal (rom_barrier_new (client, N, &args.barrier2), ROM_OK);
    s_run_parties (s_abort_and_reset_f, &args);
    assert_int_equal (s_len (args.results[0]), 0);
    assert_int_equal (s_len (args.results[1]), N - 1);
    assert_int_equal (s_len (args.results[2]), N);
    s_teardown (client, &args);
}

// The late party of the timeout tests: CPython sleeps 1.0 s to come after the others' timeouts (0.5 s);
// here it comes once the barrier reports itself broken (their timeout passed), which is what the sleep is
// for, without depending on how slow the machine is.
static int
s_until_broken (rom_barrier_t *barrier)
{
    uint64_t deadline = romi_now_ms () + PARITY_LONG;
    bool broken = false;
    do {
        PARITY_CHECK (rom_barrier_state (barrier, NULL, NULL, &broken) == ROM_OK);
        PARITY_CHECK (romi_now_ms () < deadline);
    } while (!broken);
    return 0;
}

// A party's second wait in the timeout tests. Python raises BrokenBarrierError in every party, the one
// whose timeout passed included; rom answers that one ROM_TIMEOUT (it is told why) and the others
// ROM_BROKEN. results[0] counts both (CPython's results), results[1] the timeouts.
static int
s_count_broken (args_t *a, rom_barrier_t *barrier, uint32_t timeout_ms)
{
    rom_status_t status = rom_barrier_wait (barrier, timeout_ms, NULL);
    PARITY_CHECK (status == ROM_BROKEN || status == ROM_TIMEOUT);
    PARITY_CHECK (rom_list_append_int (a->results[0], 1) == ROM_OK);
    if (status == ROM_TIMEOUT)
        PARITY_CHECK (rom_list_append_int (a->results[1], 1) == ROM_OK);
    return 0;
}

// _TestBarrier._test_timeout_f:
//     i = barrier.wait()
//     if i == cls.N//2: time.sleep(1.0)                   # One thread is late!
//     try: barrier.wait(0.5)
//     except threading.BrokenBarrierError: results.append(True)
static int
s_timeout_f (void *arg)
{
    args_t *a = arg;
    int64_t index = -1;
    PARITY_CHECK (rom_barrier_wait (a->barrier, ROM_BARRIER_DEFAULT, &index) == ROM_OK);
    if (index == N / 2)
        PARITY_CHECK (s_until_broken (a->barrier) == 0);
    return s_count_broken (a, a->barrier, LATE_TIMEOUT);
}

// _TestBarrier.test_timeout: "Test wait(timeout)"
//     self.run_threads(self._test_timeout_f, (self.barrier, results))
//     self.assertEqual(len(results), self.barrier.parties)
static void
test_timeout (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    s_run_parties (s_timeout_f, &args);
    assert_int_equal (s_len (args.results[0]), N);
    assert_true (s_len (args.results[1]) >= 1); // someone's timeout is what broke it
    s_teardown (client, &args);
}

// _TestBarrier._test_default_timeout_f:
//     i = barrier.wait(cls.defaultTimeout)
//     if i == cls.N//2: time.sleep(1.0)                   # later than the default timeout
//     try: barrier.wait()
//     except threading.BrokenBarrierError: results.append(True)
static int
s_default_timeout_f (void *arg)
{
    args_t *a = arg;
    int64_t index = -1;
    uint32_t timeout = 0;
    // The default crossed into this process with the barrier.
    PARITY_CHECK (rom_barrier_timeout (a->barrier2, &timeout) == ROM_OK && timeout == LATE_TIMEOUT);
    PARITY_CHECK (rom_barrier_wait (a->barrier2, DEFAULT_TIMEOUT, &index) == ROM_OK);
    if (index == N / 2)
        PARITY_CHECK (s_until_broken (a->barrier2) == 0);
    return s_count_broken (a, a->barrier2, ROM_BARRIER_DEFAULT);
}

static int
s_wait_forever (void *arg)
{
    PARITY_CHECK (rom_barrier_wait (arg, ROM_FOREVER, NULL) == ROM_OK);
    return 0;
}

// A wait given ROM_FOREVER on a barrier with a default waits past that default (C can say "forever" where
// Python's wait (None) means the default): a child waits so; once it is parked, the parent lets more than
// the default pass (a timed wait on an Event nobody sets: the time itself is what is tested), finds the
// barrier whole, and arrives.
static void
s_forever_ignores_default (rom_client_t *client)
{
    rom_barrier_t *b;
    rom_event_t *never;
    assert_int_equal (rom_barrier_new_timeout (client, 2, 50, &b), ROM_OK);
    assert_int_equal (rom_event_new (client, &never), ROM_OK);
    pid_t child = parity_fork (s_wait_forever, b);
    uint64_t deadline = romi_now_ms () + PARITY_LONG;
    uint32_t waiting = 0;
    bool broken = true;
    do {
        assert_int_equal (rom_barrier_state (b, NULL, &waiting, NULL), ROM_OK);
        assert_true (romi_now_ms () < deadline);
    } while (waiting < 1);
    assert_int_equal (rom_event_wait (never, 150), ROM_TIMEOUT);
    assert_int_equal (rom_barrier_state (b, NULL, &waiting, &broken), ROM_OK);
    assert_int_equal (waiting, 1);
    assert_false (broken);
    assert_int_equal (rom_barrier_wait (b, ROM_BARRIER_DEFAULT, NULL), ROM_OK);
    assert_int_equal (rom_test_join (child), 0);
    rom_event_destroy (&never);
    rom_barrier_destroy (&b);
}

// _TestBarrier.test_default_timeout: "Test the barrier's default timeout"
//     barrier = self.Barrier(self.N, timeout=0.5)
//     self.run_threads(self._test_default_timeout_f, (barrier, results))
//     self.assertEqual(len(results), barrier.parties)
// Also timed: the parties that timed out waited the default, not the setUp barrier's 30 s or forever.
static void
test_default_timeout (void **state)
{
    (void) state;
    args_t args;
    rom_client_t *client = s_setup (&args);
    assert_int_equal (rom_barrier_new_timeout (client, N, LATE_TIMEOUT, &args.barrier2), ROM_OK);
    uint64_t start = romi_now_ms ();
    s_run_parties (s_default_timeout_f, &args);
    assert_true (romi_now_ms () - start < DEFAULT_TIMEOUT / 2);
    assert_int_equal (s_len (args.results[0]), N);
    assert_true (s_len (args.results[1]) >= 1);
    // A barrier without a default reports ROM_FOREVER and its ROM_BARRIER_DEFAULT wait does not time out;
    // ROM_BARRIER_DEFAULT is no default; misuse of the new helpers is refused, as every helper's.
    uint32_t timeout = 0;
    assert_int_equal (rom_barrier_timeout (args.barrier, &timeout), ROM_OK);
    assert_int_equal (timeout, DEFAULT_TIMEOUT);
    rom_barrier_t *none;
    assert_int_equal (rom_barrier_new (client, 1, &none), ROM_OK);
    assert_int_equal (rom_barrier_timeout (none, &timeout), ROM_OK);
    assert_int_equal (timeout, ROM_FOREVER);
    assert_int_equal (rom_barrier_wait (none, ROM_BARRIER_DEFAULT, NULL), ROM_OK);
    rom_barrier_destroy (&none);
    assert_int_equal (rom_barrier_new_timeout (client, 1, ROM_BARRIER_DEFAULT, &none), ROM_INVALID);
    assert_null (none);
    assert_non_null (strstr (rom_client_errmsg (NULL), "rom_barrier_new_timeout"));
    s_forever_ignores_default (client);
    assert_int_equal (rom_barrier_new_timeout (NULL, 1, 100, &none), ROM_INVALID);
    assert_int_equal (rom_barrier_timeout (NULL, &timeout), ROM_INVALID);
    assert_int_equal (rom_barrier_timeout (args.barrier, NULL), ROM_INVALID);
    assert_int_equal (rom_barrier_wait (NULL, ROM_BARRIER_DEFAULT, NULL), ROM_INVALID);
    s_teardown (client, &args);
}

// _TestBarrier.test_single_thread:
//     b = self.Barrier(1)
//     b.wait()
//     b.wait()
static void
test_single_thread (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_barrier_t *b;
    assert_int_equal (rom_barrier_new (client, 1, &b), ROM_OK);
    for (int i = 0; i < 2; i++) {
        int64_t index = -1;
        assert_int_equal (rom_barrier_wait (b, ROM_BARRIER_DEFAULT, &index), ROM_OK);
        assert_int_equal (index, 0);
    }
    rom_barrier_destroy (&b);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_barrier),         cmocka_unit_test (test_barrier_10),
        cmocka_unit_test (test_wait_return),     cmocka_unit_test (test_action),
        cmocka_unit_test (test_abort),           cmocka_unit_test (test_reset),
        cmocka_unit_test (test_abort_and_reset), cmocka_unit_test (test_timeout),
        cmocka_unit_test (test_default_timeout), cmocka_unit_test (test_single_thread),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
