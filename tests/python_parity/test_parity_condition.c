// test_parity_condition.c: CPython's _TestCondition (Lib/test/_test_multiprocessing.py, 3.11), ported to
// rom's Condition over a forked server. CPython's sleepers are processes and threads (f below); so are
// these: forked children and threads of the test process, each thread its own owner (rom tags the thread).
// Where CPython sleeps DELTA and then reads a count, these wait until the server reports the sleepers parked
// (Condition.State) or the count reached, with a deadline: the same checks, without the race. Python's
// get_value (woken) is rom_semaphore_value. docs/python-parity.md has the table.
#include "parity.h"

#include <pthread.h>

// What CPython's f () gets: the condition, the two counting semaphores, and wait's timeout.
typedef struct {
    rom_condition_t *cond;
    rom_semaphore_t *sleeping;
    rom_semaphore_t *woken;
    uint32_t timeout_ms;
} sleeper_t;

// _TestCondition.f:
//     cond.acquire(); sleeping.release(); cond.wait(timeout); woken.release(); cond.release()
static int
s_f (void *arg)
{
    sleeper_t *s = arg;
    PARITY_CHECK (rom_condition_acquire (s->cond, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_semaphore_release (s->sleeping) == ROM_OK);
    rom_status_t status = rom_condition_wait (s->cond, s->timeout_ms);
    PARITY_CHECK (status == ROM_OK || (status == ROM_TIMEOUT && s->timeout_ms != ROM_FOREVER));
    PARITY_CHECK (rom_semaphore_release (s->woken) == ROM_OK);
    PARITY_CHECK (rom_condition_release (s->cond) == ROM_OK);
    return 0;
}

static void *
s_f_thread (void *arg)
{
    return (void *) (intptr_t) s_f (arg);
}

// CPython's `for i in range(n): Process(target=f).start(); Thread(target=f).start()`: `n` children and `n`
// threads of this process.
typedef struct {
    pid_t children[8];
    pthread_t threads[8];
    int n;
} sleepers_t;

static void
s_start (sleepers_t *all, sleeper_t *s, int n)
{
    assert_true (n <= 8);
    all->n = n;
    // Every fork before any thread: a child forked while a thread of ours is inside a call could inherit
    // the client's state half-changed.
    for (int i = 0; i < n; i++)
        all->children[i] = parity_fork (s_f, s);
    for (int i = 0; i < n; i++)
        assert_int_equal (pthread_create (&all->threads[i], NULL, s_f_thread, s), 0);
}

static void
s_join (sleepers_t *all)
{
    for (int i = 0; i < all->n; i++) {
        assert_int_equal (rom_test_join (all->children[i]), 0);
        void *result = (void *) 1;
        assert_int_equal (pthread_join (all->threads[i], &result), 0);
        assert_int_equal ((intptr_t) result, 0);
    }
}

static int64_t
s_value (rom_semaphore_t *sem)
{
    int64_t value = -1;
    assert_int_equal (rom_semaphore_value (sem, &value), ROM_OK);
    return value;
}

// The condition's state: whether its lock is held, and how many wait (for its lock, or in Wait).
static void
s_state (rom_condition_t *cond, bool *locked, uint32_t *waiting)
{
    Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
    Rom__Builtins__LockState *st = NULL;
    assert_int_equal (rom__builtins__condition_proxy__state ((Rom__Builtins__Condition_Proxy *) cond, &in,
                                                             &st),
                      ROM_OK);
    *locked = st->locked;
    *waiting = st->waiting;
    rom__builtins__lock_state__free_unpacked (st, NULL);
}

typedef struct {
    rom_condition_t *cond;
    uint32_t sleepers;
} parked_t;

// Every sleeper is in Wait: the lock is free and `sleepers` wait. CPython's "check no process/thread has
// woken up" after time.sleep(DELTA), made exact.
static bool
s_parked (void *arg)
{
    parked_t *p = arg;
    bool locked;
    uint32_t waiting;
    s_state (p->cond, &locked, &waiting);
    return !locked && waiting == p->sleepers;
}

typedef struct {
    rom_semaphore_t *sem;
    int64_t value;
} count_t;

// CPython's assertReachesEventually (lambda: get_value(woken), value).
static bool
s_reached (void *arg)
{
    count_t *c = arg;
    return s_value (c->sem) == c->value;
}

static void
s_notify (rom_condition_t *cond, uint32_t n, int64_t expect_woken)
{
    int64_t woken = -1;
    assert_int_equal (rom_condition_acquire (cond, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_condition_notify (cond, n, &woken), ROM_OK);
    assert_int_equal (woken, expect_woken);
    assert_int_equal (rom_condition_release (cond), ROM_OK);
}

static void
s_setup (rom_client_t *client, sleeper_t *s, uint32_t timeout_ms)
{
    s->timeout_ms = timeout_ms;
    assert_int_equal (rom_condition_new (client, &s->cond), ROM_OK);
    assert_int_equal (rom_semaphore_new (client, 0, &s->sleeping), ROM_OK);
    assert_int_equal (rom_semaphore_new (client, 0, &s->woken), ROM_OK);
}

static void
s_teardown (sleeper_t *s)
{
    rom_condition_destroy (&s->cond);
    rom_semaphore_destroy (&s->sleeping);
    rom_semaphore_destroy (&s->woken);
}

// _TestCondition.test_notify: one process and one thread run f; then
//     sleeping.acquire(); sleeping.acquire()
//     self.assertReturnsIfImplemented(0, get_value, woken)
//     cond.acquire(); cond.notify(); cond.release()
//     self.assertReturnsIfImplemented(1, get_value, woken)
//     cond.acquire(); cond.notify(); cond.release()
//     self.assertReturnsIfImplemented(2, get_value, woken)
static void
test_notify (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    sleeper_t s;
    s_setup (client, &s, ROM_FOREVER);
    sleepers_t all;
    s_start (&all, &s, 1);
    for (int i = 0; i < 2; i++)
        assert_int_equal (rom_semaphore_acquire (s.sleeping, PARITY_LONG), ROM_OK);
    parity_await (s_parked, &(parked_t) {s.cond, 2});
    assert_int_equal (s_value (s.woken), 0);

    s_notify (s.cond, 1, 1);
    parity_await (s_reached, &(count_t) {s.woken, 1});
    // One woke; the other still sleeps (it is the one left waiting, whatever the first does with the lock).
    bool locked;
    uint32_t waiting;
    s_state (s.cond, &locked, &waiting);
    assert_int_equal (waiting, 1);
    assert_int_equal (s_value (s.woken), 1);

    s_notify (s.cond, 1, 1);
    parity_await (s_reached, &(count_t) {s.woken, 2});
    s_join (&all);
    parity_await (s_parked, &(parked_t) {s.cond, 0}); // CPython's check_invariant: no sleepers left
    s_teardown (&s);
    rom_client_destroy (&client);
}

// _TestCondition.test_notify_all: 3 processes and 3 threads run f with TIMEOUT1; then
//     for i in range(6): sleeping.acquire()
//     for i in range(6): woken.acquire()           # they all timed out
//     self.assertReturnsIfImplemented(0, get_value, woken)
// 3 processes and 3 threads run f without timeout; then
//     for i in range(6): sleeping.acquire()
//     self.assertReturnsIfImplemented(0, get_value, woken)
//     cond.acquire(); cond.notify_all(); cond.release()
//     self.assertReachesEventually(lambda: get_value(woken), 6)
static void
test_notify_all (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    sleeper_t s;
    s_setup (client, &s, PARITY_TIMEOUT1);
    sleepers_t all;
    s_start (&all, &s, 3);
    for (int i = 0; i < 6; i++)
        assert_int_equal (rom_semaphore_acquire (s.sleeping, PARITY_LONG), ROM_OK);
    for (int i = 0; i < 6; i++)
        assert_int_equal (rom_semaphore_acquire (s.woken, PARITY_LONG), ROM_OK);
    assert_int_equal (s_value (s.woken), 0);
    s_join (&all);
    parity_await (s_parked, &(parked_t) {s.cond, 0});

    s.timeout_ms = ROM_FOREVER;
    s_start (&all, &s, 3);
    for (int i = 0; i < 6; i++)
        assert_int_equal (rom_semaphore_acquire (s.sleeping, PARITY_LONG), ROM_OK);
    parity_await (s_parked, &(parked_t) {s.cond, 6});
    assert_int_equal (s_value (s.woken), 0);
    int64_t woken = -1;
    assert_int_equal (rom_condition_acquire (s.cond, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_condition_notify_all (s.cond, &woken), ROM_OK);
    assert_int_equal (woken, 6);
    assert_int_equal (rom_condition_release (s.cond), ROM_OK);
    parity_await (s_reached, &(count_t) {s.woken, 6});
    s_join (&all);
    parity_await (s_parked, &(parked_t) {s.cond, 0});
    s_teardown (&s);
    rom_client_destroy (&client);
}

// _TestCondition.test_notify_n: 3 processes and 3 threads run f; then
//     for i in range(6): sleeping.acquire()
//     self.assertReturnsIfImplemented(0, get_value, woken)
//     cond.acquire(); cond.notify(n=2); cond.release()
//     self.assertReachesEventually(lambda: get_value(woken), 2)
//     cond.acquire(); cond.notify(n=4); cond.release()
//     self.assertReachesEventually(lambda: get_value(woken), 6)
//     cond.acquire(); cond.notify(n=3); cond.release()   # doesn't do anything more
//     self.assertReturnsIfImplemented(6, get_value, woken)
static void
test_notify_n (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    sleeper_t s;
    s_setup (client, &s, ROM_FOREVER);
    sleepers_t all;
    s_start (&all, &s, 3);
    for (int i = 0; i < 6; i++)
        assert_int_equal (rom_semaphore_acquire (s.sleeping, PARITY_LONG), ROM_OK);
    parity_await (s_parked, &(parked_t) {s.cond, 6});
    assert_int_equal (s_value (s.woken), 0);

    s_notify (s.cond, 2, 2);
    parity_await (s_reached, &(count_t) {s.woken, 2});
    parity_await (s_parked, &(parked_t) {s.cond, 4}); // exactly two left Wait: four still sleep
    s_notify (s.cond, 4, 4);
    parity_await (s_reached, &(count_t) {s.woken, 6});
    s_notify (s.cond, 3, 0);
    assert_int_equal (s_value (s.woken), 6);
    s_join (&all);
    s_teardown (&s);
    rom_client_destroy (&client);
}

// _TestCondition.test_timeout:
//     cond.acquire(); res = wait(TIMEOUT1); cond.release()
//     self.assertEqual(res, False)
//     self.assertTimingAlmostEqual(wait.elapsed, TIMEOUT1)
static void
test_timeout (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_condition_t *cond;
    assert_int_equal (rom_condition_new (client, &cond), ROM_OK);
    assert_int_equal (rom_condition_acquire (cond, ROM_FOREVER), ROM_OK);
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_condition_wait (cond, PARITY_TIMEOUT1), ROM_TIMEOUT);
    parity_assert_took (romi_now_ms () - start, PARITY_TIMEOUT1);
    assert_int_equal (rom_condition_release (cond), ROM_OK); // held again after the timed-out wait
    rom_condition_destroy (&cond);
    rom_client_destroy (&client);
}

// What the wait_for tests share: the condition, Python's `state` Value('i'), and the target of the predicate.
typedef struct {
    rom_condition_t *cond;
    rom_value_t *state;
    int64_t target;
} waitfor_t;

static bool
s_state_is (void *arg)
{
    waitfor_t *w = arg;
    int64_t value = -1;
    return rom_value_get_int (w->state, &value) == ROM_OK && value == w->target;
}

// _TestCondition._test_waitfor_f:
//     with cond:
//         state.value = 0
//         cond.notify()
//         result = cond.wait_for(lambda : state.value==4)
//         if not result or state.value != 4:
//             sys.exit(1)
static int
s_waitfor_f (void *arg)
{
    waitfor_t w = *(waitfor_t *) arg;
    w.target = 4;
    PARITY_CHECK (rom_condition_acquire (w.cond, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_value_set_int (w.state, 0) == ROM_OK);
    PARITY_CHECK (rom_condition_notify (w.cond, 1, NULL) == ROM_OK);
    PARITY_CHECK (rom_condition_wait_for (w.cond, s_state_is, &w, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (s_state_is (&w));
    PARITY_CHECK (rom_condition_release (w.cond) == ROM_OK);
    return 0;
}

// _TestCondition.test_waitfor:
//     cond = self.Condition(); state = self.Value('i', -1)
//     p = self.Process(target=self._test_waitfor_f, args=(cond, state)); p.start()
//     with cond:
//         result = cond.wait_for(lambda : state.value==0)
//         self.assertTrue(result)
//         self.assertEqual(state.value, 0)
//     for i in range(4):
//         time.sleep(0.01)
//         with cond:
//             state.value += 1
//             cond.notify()
//     join_process(p)
//     self.assertEqual(p.exitcode, 0)
// (The sleeps only spread the notifies; wait_for checks its predicate under the lock, so none is lost.)
static void
test_waitfor (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    waitfor_t w = {.target = 0};
    assert_int_equal (rom_condition_new (client, &w.cond), ROM_OK);
    assert_int_equal (rom_value_new (client, 'i', ROM_INT (-1), &w.state), ROM_OK);
    pid_t child = parity_fork (s_waitfor_f, &w);
    assert_int_equal (rom_condition_acquire (w.cond, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_condition_wait_for (w.cond, s_state_is, &w, PARITY_LONG), ROM_OK);
    assert_true (s_state_is (&w));
    assert_int_equal (rom_condition_release (w.cond), ROM_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal (rom_condition_acquire (w.cond, ROM_FOREVER), ROM_OK);
        assert_int_equal (rom_value_add_int (w.state, 1, NULL), ROM_OK);
        assert_int_equal (rom_condition_notify (w.cond, 1, NULL), ROM_OK);
        assert_int_equal (rom_condition_release (w.cond), ROM_OK);
    }
    assert_int_equal (rom_test_join (child), 0);
    rom_value_destroy (&w.state);
    rom_condition_destroy (&w.cond);
    rom_client_destroy (&client);
}

typedef struct {
    waitfor_t w;
    rom_value_t *success;
    rom_semaphore_t *sem;
} waitfor_timeout_t;

// _TestCondition._test_waitfor_timeout_f:
//     sem.release()
//     with cond:
//         expected = 0.100
//         dt = time.monotonic()
//         result = cond.wait_for(lambda : state.value==4, timeout=expected)
//         dt = time.monotonic() - dt
//         if not result and (expected - CLOCK_RES) <= dt:
//             success.value = True
static int
s_waitfor_timeout_f (void *arg)
{
    waitfor_timeout_t t = *(waitfor_timeout_t *) arg;
    t.w.target = 4;
    PARITY_CHECK (rom_semaphore_release (t.sem) == ROM_OK);
    PARITY_CHECK (rom_condition_acquire (t.w.cond, ROM_FOREVER) == ROM_OK);
    uint64_t start = romi_now_ms ();
    rom_status_t result = rom_condition_wait_for (t.w.cond, s_state_is, &t.w, 100);
    uint64_t dt = romi_now_ms () - start;
    if (result == ROM_TIMEOUT && dt + 2 >= 100)
        PARITY_CHECK (rom_value_set_int (t.success, 1) == ROM_OK);
    PARITY_CHECK (rom_condition_release (t.w.cond) == ROM_OK);
    return 0;
}

// _TestCondition.test_waitfor_timeout:
//     cond = self.Condition(); state = self.Value('i', 0)
//     success = self.Value('i', False); sem = self.Semaphore(0)
//     p = self.Process(target=self._test_waitfor_timeout_f, args=(cond, state, success, sem)); p.start()
//     self.assertTrue(sem.acquire(timeout=support.LONG_TIMEOUT))
//     # Only increment 3 times, so state == 4 is never reached.
//     for i in range(3):
//         time.sleep(0.010)
//         with cond:
//             state.value += 1
//             cond.notify()
//     join_process(p)
//     self.assertTrue(success.value)
static void
test_waitfor_timeout (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    waitfor_timeout_t t = {.w.target = 4};
    assert_int_equal (rom_condition_new (client, &t.w.cond), ROM_OK);
    assert_int_equal (rom_value_new (client, 'i', ROM_INT (0), &t.w.state), ROM_OK);
    assert_int_equal (rom_value_new (client, 'i', ROM_INT (0), &t.success), ROM_OK);
    assert_int_equal (rom_semaphore_new (client, 0, &t.sem), ROM_OK);
    pid_t child = parity_fork (s_waitfor_timeout_f, &t);
    assert_int_equal (rom_semaphore_acquire (t.sem, PARITY_LONG), ROM_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal (rom_condition_acquire (t.w.cond, ROM_FOREVER), ROM_OK);
        assert_int_equal (rom_value_add_int (t.w.state, 1, NULL), ROM_OK);
        assert_int_equal (rom_condition_notify (t.w.cond, 1, NULL), ROM_OK);
        assert_int_equal (rom_condition_release (t.w.cond), ROM_OK);
    }
    assert_int_equal (rom_test_join (child), 0);
    int64_t success = 0;
    assert_int_equal (rom_value_get_int (t.success, &success), ROM_OK);
    assert_int_equal (success, 1);
    rom_semaphore_destroy (&t.sem);
    rom_value_destroy (&t.success);
    rom_value_destroy (&t.w.state);
    rom_condition_destroy (&t.w.cond);
    rom_client_destroy (&client);
}

// _TestCondition._test_wait_result (c, pid): with c: c.notify()   (a manager's test passes pid None: no
// SIGINT)
static int
s_wait_result_f (void *arg)
{
    rom_condition_t *c = arg;
    PARITY_CHECK (rom_condition_acquire (c, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_condition_notify (c, 1, NULL) == ROM_OK);
    PARITY_CHECK (rom_condition_release (c) == ROM_OK);
    return 0;
}

// _TestCondition.test_wait_result:
//     c = self.Condition()
//     with c:
//         self.assertFalse(c.wait(0))
//         self.assertFalse(c.wait(0.1))
//         p = self.Process(target=self._test_wait_result, args=(c, pid)); p.start()
//         self.assertTrue(c.wait(60))
//         if pid is not None:                  # processes only: KeyboardInterrupt in wait
//             self.assertRaises(KeyboardInterrupt, c.wait, 60)
//         p.join()
// The child can only notify once the parent's wait has released the lock: the notify cannot be missed.
static void
test_wait_result (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_condition_t *c;
    assert_int_equal (rom_condition_new (client, &c), ROM_OK);
    assert_int_equal (rom_condition_acquire (c, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_condition_wait (c, ROM_NOWAIT), ROM_TIMEOUT);
    assert_int_equal (rom_condition_wait (c, 100), ROM_TIMEOUT);
    pid_t child = parity_fork (s_wait_result_f, c);
    assert_int_equal (rom_condition_wait (c, 60000), ROM_OK);
    assert_int_equal (rom_condition_release (c), ROM_OK);
    assert_int_equal (rom_test_join (child), 0);
    rom_condition_destroy (&c);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_notify),      cmocka_unit_test (test_notify_all),
        cmocka_unit_test (test_notify_n),    cmocka_unit_test (test_timeout),
        cmocka_unit_test (test_waitfor),     cmocka_unit_test (test_waitfor_timeout),
        cmocka_unit_test (test_wait_result),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
