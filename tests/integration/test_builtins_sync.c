// test_builtins_sync.c: the synchronization built-ins (Lock, RLock, Semaphore, BoundedSemaphore, Event,
// Condition, Barrier) over a real server process, through the helpers of rom/rom_sync.h: their results, every
// error status, owners (per thread, per process), and a lock released when its owner's session ends.
#include "rom_test_fixture.h"
#include "rom/builtins/sync.rom.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// --- Lock, RLock -------------------------------------------------------------------------------------------

static void *
s_other_thread_release (void *arg)
{
    // A Lock has no owner (Python's threading.Lock): another thread may release what this one took (a lock
    // used as a signal), and take it in turn.
    rom_lock_t *lock = arg;
    intptr_t result = rom_lock_release (lock) == ROM_OK && rom_lock_acquire (lock, ROM_NOWAIT) == ROM_OK;
    return (void *) result;
}

static void
test_lock_owner_rules (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    bool locked = true, mine = true;
    assert_int_equal (rom_lock_locked (lock, &locked, &mine), ROM_OK);
    assert_false (locked);
    assert_int_equal (rom_lock_release (lock), ROM_APP_ERROR); // releasing a lock nobody holds
    assert_non_null (strstr (rom_client_errmsg (client), "unlocked"));
    assert_int_equal (rom_lock_acquire (lock, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_lock_locked (lock, &locked, &mine), ROM_OK);
    assert_true (locked && mine);
    // A Lock is not re-entrant: its holder acquiring it again is Python's False without blocking, and waits
    // like anyone else with a timeout (another may release it).
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_TIMEOUT);
    assert_int_equal (rom_lock_acquire (lock, 100), ROM_TIMEOUT);
    pthread_t thread;
    void *result = NULL;
    assert_int_equal (pthread_create (&thread, NULL, s_other_thread_release, lock), 0);
    assert_int_equal (pthread_join (thread, &result), 0);
    assert_true ((intptr_t) result);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_APP_ERROR);
    rom_lock_destroy (&lock);
    assert_null (lock);

    // RLock: re-entrant per owner, free after as many releases.
    assert_int_equal (rom_rlock_new (client, &lock), ROM_OK);
    assert_int_equal (rom_lock_acquire (lock, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    assert_int_equal (rom_lock_locked (lock, &locked, NULL), ROM_OK);
    assert_true (locked);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    assert_int_equal (rom_lock_locked (lock, &locked, NULL), ROM_OK);
    assert_false (locked);
    assert_int_equal (rom_lock_release (lock), ROM_APP_ERROR);
    rom_lock_destroy (&lock);
    rom_lock_destroy (&lock); // accepts NULL
    assert_int_equal (rom_lock_acquire (NULL, 0), ROM_INVALID);
    rom_client_destroy (&client);
}

static void
test_lock_timeout_is_a_status (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    int ready[2], done[2];
    assert_int_equal (pipe (ready), 0);
    assert_int_equal (pipe (done), 0);
    pid_t child = fork ();
    if (child == 0) {
        // The proxy made before fork works here, under the child's own session: another owner.
        int ok = rom_lock_acquire (lock, ROM_FOREVER) == ROM_OK;
        char byte = 1;
        ok &= write (ready[1], &byte, 1) == 1;
        ok &= read (done[0], &byte, 1) == 1;
        ok &= rom_lock_release (lock) == ROM_OK;
        _exit (ok ? 0 : 1);
    }
    char byte;
    assert_int_equal (read (ready[0], &byte, 1), 1);
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_TIMEOUT);
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_lock_acquire (lock, 300), ROM_TIMEOUT);
    uint64_t spent = romi_now_ms () - start;
    assert_true (spent >= 290 && spent < 1500);
    // A waiter blocked in acquire gets the lock once the child releases it.
    rom_future_t *future;
    Rom__Builtins__AcquireRequest in = ROM__BUILTINS__ACQUIRE_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    assert_int_equal (rom_proxy_call_async_timeout (rom_lock_proxy (lock), 0, &in.base, 5000, &future),
                      ROM_OK);
    assert_int_equal (write (done[1], &byte, 1), 1);
    assert_int_equal (rom_future_wait (&future, NULL), ROM_OK);
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    rom_lock_destroy (&lock);
    rom_client_destroy (&client);
    close (ready[0]), close (ready[1]), close (done[0]), close (done[1]);
}

// Issue 4 point 10: a lock held by a session that ends is released and passes to the next waiter.
// CPython's test_lock: a Lock taken in one process is released in another (it has no owner), here while
// the process that took it still lives.
static void
test_lock_released_by_another_process (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    int ready[2], done[2];
    assert_int_equal (pipe (ready), 0);
    assert_int_equal (pipe (done), 0);
    pid_t child = fork ();
    if (child == 0) {
        int ok = rom_lock_acquire (lock, ROM_FOREVER) == ROM_OK;
        char byte = (char) ok;
        ok &= write (ready[1], &byte, 1) == 1;
        ok &= read (done[0], &byte, 1) == 1;
        _exit (ok ? 0 : 1);
    }
    char byte = 0;
    assert_int_equal (read (ready[0], &byte, 1), 1);
    assert_true (byte);
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_TIMEOUT); // the child holds it
    assert_int_equal (rom_lock_release (lock), ROM_OK);                  // and we release it
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_OK);
    assert_int_equal (write (done[1], &byte, 1), 1);
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_APP_ERROR); // unlocked: Python's RuntimeError
    rom_lock_destroy (&lock);
    rom_client_destroy (&client);
}

static void
test_lock_released_when_owner_session_ends (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    char *token = rom_proxy_to_token (rom_lock_proxy (lock));
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    pid_t child = fork ();
    if (child == 0) {
        rom_client_t *own = NULL;
        int ok = rom_client_connect (rom_test_group.endpoint, NULL, &own, NULL) == ROM_OK;
        Rom__Builtins__Lock_Proxy *mine = NULL;
        ok = ok && rom__builtins__lock__rom_from_token (own, token, &mine) == ROM_OK;
        ok = ok && rom_lock_acquire ((rom_lock_t *) mine, ROM_FOREVER) == ROM_OK;
        char byte = (char) ok;
        ok &= write (ready[1], &byte, 1) == 1;
        // Leave without releasing: the session's end must release it.
        rom__builtins__lock__rom_destroy (&mine);
        rom_client_destroy (&own);
        _exit (ok ? 0 : 1);
    }
    char byte = 0;
    assert_int_equal (read (ready[0], &byte, 1), 1);
    assert_true (byte);
    assert_int_equal (rom_lock_acquire (lock, 5000), ROM_OK);
    bool mine = false;
    assert_int_equal (rom_lock_locked (lock, NULL, &mine), ROM_OK);
    assert_true (mine);
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    free (token);
    rom_lock_destroy (&lock);
    rom_client_destroy (&client);
    close (ready[0]), close (ready[1]);
}

// The same when the owner's process is killed: its lease runs out (~2 s by default), its session ends, and
// the lock passes to the waiter.
static void
test_lock_released_when_owner_process_is_killed (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_lock_t *lock;
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    pid_t child = fork ();
    if (child == 0) {
        char byte = rom_lock_acquire (lock, ROM_FOREVER) == ROM_OK;
        if (write (ready[1], &byte, 1) != 1)
            _exit (1);
        raise (SIGKILL);
    }
    char byte = 0;
    assert_int_equal (read (ready[0], &byte, 1), 1);
    assert_true (byte);
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_TIMEOUT);
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_lock_acquire (lock, 10000), ROM_OK);
    printf ("# a lock held by a SIGKILLed process passed on after %llu ms\n",
            (unsigned long long) (romi_now_ms () - start));
    assert_int_equal (rom_test_join (child), 128 + SIGKILL);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    rom_lock_destroy (&lock);
    rom_client_destroy (&client);
    close (ready[0]), close (ready[1]);
}

// --- Semaphore ---------------------------------------------------------------------------------------------

static void
test_semaphore (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_semaphore_t *sem;
    assert_int_equal (rom_semaphore_new (client, -1, &sem), ROM_APP_ERROR);
    assert_int_equal (rom_semaphore_new (client, 2, &sem), ROM_OK);
    assert_int_equal (rom_semaphore_acquire (sem, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_semaphore_acquire (sem, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_semaphore_acquire (sem, ROM_NOWAIT), ROM_TIMEOUT);
    assert_int_equal (rom_semaphore_acquire (sem, 100), ROM_TIMEOUT);
    int64_t value = -1;
    assert_int_equal (rom_semaphore_value (sem, &value), ROM_OK);
    assert_int_equal (value, 0);
    pid_t child = fork ();
    if (child == 0)
        _exit (rom_semaphore_acquire (sem, 5000) == ROM_OK ? 0 : 1); // waits for the release below
    assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK); // unbounded: beyond the initial value is fine
    assert_int_equal (rom_semaphore_value (sem, &value), ROM_OK);
    assert_int_equal (value, 2);
    rom_semaphore_destroy (&sem);

    assert_int_equal (rom_bounded_semaphore_new (client, 1, &sem), ROM_OK);
    assert_int_equal (rom_semaphore_release (sem), ROM_APP_ERROR);
    assert_non_null (strstr (rom_client_errmsg (client), "released too many times"));
    assert_int_equal (rom_semaphore_acquire (sem, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_semaphore_release (sem), ROM_OK);
    assert_int_equal (rom_semaphore_value (sem, &value), ROM_OK);
    assert_int_equal (value, 1);
    rom_semaphore_destroy (&sem);
    rom_client_destroy (&client);
}

// --- Event -------------------------------------------------------------------------------------------------

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
    assert_int_equal (rom_event_wait (event, ROM_NOWAIT), ROM_TIMEOUT);
    assert_int_equal (rom_event_wait (event, 100), ROM_TIMEOUT);
    pid_t children[3];
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    for (int i = 0; i < 3; i++)
        if ((children[i] = fork ()) == 0) {
            char byte = 1;
            if (write (ready[1], &byte, 1) != 1)
                _exit (2);
            _exit (rom_event_wait (event, 5000) == ROM_OK ? 0 : 1);
        }
    for (int i = 0; i < 3; i++) {
        char byte;
        assert_int_equal (read (ready[0], &byte, 1), 1);
    }
    assert_int_equal (rom_event_set (event), ROM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal (rom_test_join (children[i]), 0);
    assert_int_equal (rom_event_wait (event, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_event_clear (event), ROM_OK);
    assert_int_equal (rom_event_is_set (event, &set), ROM_OK);
    assert_false (set);
    rom_event_destroy (&event);
    rom_client_destroy (&client);
    close (ready[0]), close (ready[1]);
}

// --- Condition ---------------------------------------------------------------------------------------------

static bool
s_event_is_set (void *arg)
{
    bool set = false;
    return rom_event_is_set (arg, &set) == ROM_OK && set;
}

static void
test_condition (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_condition_t *cond;
    rom_event_t *flag;
    assert_int_equal (rom_condition_new (client, &cond), ROM_OK);
    assert_int_equal (rom_event_new (client, &flag), ROM_OK);
    // Wait and notify need the lock.
    assert_int_equal (rom_condition_wait (cond, 100), ROM_APP_ERROR);
    assert_int_equal (rom_condition_notify (cond, 1, NULL), ROM_APP_ERROR);
    assert_int_equal (rom_condition_notify_all (cond, NULL), ROM_APP_ERROR);
    assert_int_equal (rom_condition_release (cond), ROM_APP_ERROR);
    // A timed-out wait returns holding the lock (at its former recursion level), as Python's does.
    assert_int_equal (rom_condition_acquire (cond, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_condition_acquire (cond, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_condition_wait (cond, 100), ROM_TIMEOUT);
    int64_t woken = -1;
    assert_int_equal (rom_condition_notify (cond, 1, &woken), ROM_OK);
    assert_int_equal (woken, 0);
    assert_int_equal (rom_condition_release (cond), ROM_OK); // still held: the wait restored level 2

    // wait_for: the child makes the predicate true under the lock and notifies.
    pid_t child = fork ();
    if (child == 0) {
        int ok = rom_condition_acquire (cond, 5000) == ROM_OK;
        ok = ok && rom_event_set (flag) == ROM_OK;
        ok = ok && rom_condition_notify_all (cond, NULL) == ROM_OK;
        ok = ok && rom_condition_release (cond) == ROM_OK;
        _exit (ok ? 0 : 1);
    }
    assert_int_equal (rom_condition_wait_for (cond, s_event_is_set, flag, 5000), ROM_OK);
    assert_int_equal (rom_condition_release (cond), ROM_OK); // the level before wait_for (1) is back
    assert_int_equal (rom_condition_release (cond), ROM_APP_ERROR);
    assert_int_equal (rom_test_join (child), 0);

    // notify wakes one waiter of two; notify_all the other.
    int ready[2];
    assert_int_equal (pipe (ready), 0);
    pid_t waiters[2];
    for (int i = 0; i < 2; i++)
        if ((waiters[i] = fork ()) == 0) {
            int ok = rom_condition_acquire (cond, 5000) == ROM_OK;
            char byte = 1;
            ok &= write (ready[1], &byte, 1) == 1; // sent before Wait: the parent checks Wait arrived
            ok = ok && rom_condition_wait (cond, 5000) == ROM_OK;
            ok = ok && rom_condition_release (cond) == ROM_OK;
            _exit (ok ? 0 : 1);
        }
    for (int i = 0; i < 2; i++) {
        char byte;
        assert_int_equal (read (ready[0], &byte, 1), 1);
    }
    // Both are waiting once the lock is free and two callers are parked (State counts them).
    uint64_t deadline = romi_now_ms () + 5000;
    for (;;) {
        Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
        Rom__Builtins__LockState *st = NULL;
        assert_int_equal (rom__builtins__condition_proxy__state ((Rom__Builtins__Condition_Proxy *) cond, &in,
                                                                 &st),
                          ROM_OK);
        bool parked = !st->locked && st->waiting == 2;
        rom__builtins__lock_state__free_unpacked (st, NULL);
        if (parked)
            break;
        assert_true (romi_now_ms () < deadline);
    }
    assert_int_equal (rom_condition_acquire (cond, 5000), ROM_OK);
    assert_int_equal (rom_condition_notify (cond, 0, &woken), ROM_OK); // Python's notify (0) wakes nobody
    assert_int_equal (woken, 0);
    assert_int_equal (rom_condition_notify (cond, 1, &woken), ROM_OK);
    assert_int_equal (woken, 1);
    assert_int_equal (rom_condition_notify_all (cond, &woken), ROM_OK);
    assert_int_equal (woken, 1);
    assert_int_equal (rom_condition_release (cond), ROM_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal (rom_test_join (waiters[i]), 0);
    rom_event_destroy (&flag);
    rom_condition_destroy (&cond);
    rom_client_destroy (&client);
    close (ready[0]), close (ready[1]);
}

// --- Barrier -----------------------------------------------------------------------------------------------

static void
test_barrier (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_barrier_t *barrier;
    assert_int_equal (rom_barrier_new (client, 0, &barrier), ROM_APP_ERROR);
    assert_int_equal (rom_barrier_new (client, 3, &barrier), ROM_OK);
    int results[2];
    assert_int_equal (pipe (results), 0);
    pid_t children[2];
    for (int i = 0; i < 2; i++)
        if ((children[i] = fork ()) == 0) {
            int64_t index = -1;
            int ok = rom_barrier_wait (barrier, 5000, &index) == ROM_OK;
            char byte = (char) index;
            ok &= write (results[1], &byte, 1) == 1;
            _exit (ok ? 0 : 1);
        }
    // Wait until both are parked, then arrive last.
    uint64_t deadline = romi_now_ms () + 5000;
    uint32_t parties = 0, waiting = 0;
    bool broken = true;
    do {
        assert_int_equal (rom_barrier_state (barrier, &parties, &waiting, &broken), ROM_OK);
        assert_true (romi_now_ms () < deadline);
    } while (waiting < 2);
    assert_int_equal (parties, 3);
    assert_false (broken);
    int64_t index = -1;
    assert_int_equal (rom_barrier_wait (barrier, 5000, &index), ROM_OK);
    int seen = 1 << index;
    for (int i = 0; i < 2; i++) {
        char byte;
        assert_int_equal (read (results[0], &byte, 1), 1);
        seen |= 1 << byte;
        assert_int_equal (rom_test_join (children[i]), 0);
    }
    assert_int_equal (seen, 7); // indexes 0, 1 and 2, once each

    // A waiter that times out breaks the barrier for the others (as in Python); Reset repairs it.
    pid_t child = fork ();
    if (child == 0)
        _exit (rom_barrier_wait (barrier, 5000, NULL) == ROM_BROKEN ? 0 : 1);
    deadline = romi_now_ms () + 5000;
    do {
        assert_int_equal (rom_barrier_state (barrier, NULL, &waiting, NULL), ROM_OK);
        assert_true (romi_now_ms () < deadline);
    } while (waiting < 1);
    assert_int_equal (rom_barrier_wait (barrier, 100, NULL), ROM_TIMEOUT);
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_barrier_state (barrier, NULL, NULL, &broken), ROM_OK);
    assert_true (broken);
    assert_int_equal (rom_barrier_wait (barrier, 5000, NULL), ROM_BROKEN);
    assert_int_equal (rom_barrier_reset (barrier), ROM_OK);
    assert_int_equal (rom_barrier_state (barrier, NULL, NULL, &broken), ROM_OK);
    assert_false (broken);

    // Abort answers waiters BROKEN.
    child = fork ();
    if (child == 0)
        _exit (rom_barrier_wait (barrier, 5000, NULL) == ROM_BROKEN ? 0 : 1);
    deadline = romi_now_ms () + 5000;
    do {
        assert_int_equal (rom_barrier_state (barrier, NULL, &waiting, NULL), ROM_OK);
        assert_true (romi_now_ms () < deadline);
    } while (waiting < 1);
    assert_int_equal (rom_barrier_abort (barrier), ROM_OK);
    assert_int_equal (rom_test_join (child), 0);
    assert_int_equal (rom_barrier_wait (barrier, ROM_NOWAIT, NULL), ROM_BROKEN);
    rom_barrier_destroy (&barrier);
    rom_client_destroy (&client);
    close (results[0]), close (results[1]);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lock_owner_rules),
        cmocka_unit_test (test_lock_timeout_is_a_status),
        cmocka_unit_test (test_lock_released_by_another_process),
        cmocka_unit_test (test_lock_released_when_owner_session_ends),
        cmocka_unit_test (test_lock_released_when_owner_process_is_killed),
        cmocka_unit_test (test_semaphore),
        cmocka_unit_test (test_event),
        cmocka_unit_test (test_condition),
        cmocka_unit_test (test_barrier),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
