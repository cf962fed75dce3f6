// test_parity_queue.c: CPython's _TestQueue (Lib/test/_test_multiprocessing.py, 3.11), ported to rom's Queue
// and JoinableQueue over a forked server. Python's block/timeout pairs are one C timeout: block=False (any
// timeout) and put_nowait/get_nowait are ROM_NOWAIT, block=True without timeout ROM_FOREVER; queue.Full and
// queue.Empty are ROM_FULL and ROM_EMPTY. Python's Process children are forked children; its Events are
// rom Events. docs/python-parity.md has the table (and the tests that do not apply: feeder threads, close).
#include "parity.h"

typedef struct {
    rom_queue_t *queue;
    rom_event_t *child_can_start;
    rom_event_t *parent_can_continue;
} handshake_t;

static void
s_handshake_new (rom_client_t *client, handshake_t *h, int64_t maxsize)
{
    assert_int_equal (rom_queue_new (client, maxsize, &h->queue), ROM_OK);
    assert_int_equal (rom_event_new (client, &h->child_can_start), ROM_OK);
    assert_int_equal (rom_event_new (client, &h->parent_can_continue), ROM_OK);
}

static void
s_handshake_destroy (handshake_t *h)
{
    rom_queue_destroy (&h->queue);
    rom_event_destroy (&h->child_can_start);
    rom_event_destroy (&h->parent_can_continue);
}

static void
s_assert_empty_full (rom_queue_t *queue, bool empty, bool full)
{
    bool is_empty = !empty, is_full = !full;
    assert_int_equal (rom_queue_empty (queue, &is_empty), ROM_OK);
    assert_int_equal (rom_queue_full (queue, &is_full), ROM_OK);
    assert_int_equal (is_empty, empty);
    assert_int_equal (is_full, full);
}

// _TestQueue._test_put: child_can_start.wait(); for i in range(6): queue.get(); parent_can_continue.set()
static int
s_test_put (void *arg)
{
    handshake_t *h = arg;
    PARITY_CHECK (rom_event_wait (h->child_can_start, ROM_FOREVER) == ROM_OK);
    for (int64_t i = 1; i <= 6; i++) {
        int64_t v = 0;
        PARITY_CHECK (rom_queue_get_int (h->queue, ROM_FOREVER, &v) == ROM_OK && v == i);
    }
    PARITY_CHECK (rom_event_set (h->parent_can_continue) == ROM_OK);
    return 0;
}

// Put 7 into a full queue within `timeout_ms`: ROM_FULL after about that long.
static void
s_assert_put_full (rom_queue_t *queue, uint32_t timeout_ms)
{
    uint64_t start = romi_now_ms ();
    rom_status_t status = rom_queue_put_int (queue, 7, timeout_ms);
    uint64_t elapsed = romi_now_ms () - start;
    parity_assert_verdict (status, ROM_FULL, elapsed, timeout_ms);
    if (status == ROM_FULL)
        parity_assert_took (elapsed, timeout_ms);
    int64_t size = -1;
    assert_int_equal (rom_queue_qsize (queue, &size), ROM_OK);
    assert_int_equal (size, 6); // nothing was put
}

// _TestQueue.test_put:
//     queue = self.Queue(maxsize=6)        (a child runs _test_put)
//     self.assertEqual(queue_empty(queue), True); self.assertEqual(queue_full(queue, MAXSIZE), False)
//     queue.put(1); queue.put(2, True); queue.put(3, True, None)
//     queue.put(4, False); queue.put(5, False, None); queue.put_nowait(6)
//     self.assertEqual(queue_empty(queue), False); self.assertEqual(queue_full(queue, MAXSIZE), True)
//     self.assertRaises(pyqueue.Full, put, 7, False)                elapsed 0
//     self.assertRaises(pyqueue.Full, put, 7, False, None)          elapsed 0
//     self.assertRaises(pyqueue.Full, put_nowait, 7)                elapsed 0
//     self.assertRaises(pyqueue.Full, put, 7, True, TIMEOUT1)       elapsed TIMEOUT1
//     self.assertRaises(pyqueue.Full, put, 7, False, TIMEOUT2)      elapsed 0
//     self.assertRaises(pyqueue.Full, put, 7, True, timeout=TIMEOUT3) elapsed TIMEOUT3
//     child_can_start.set(); parent_can_continue.wait()
//     self.assertEqual(queue_empty(queue), True); self.assertEqual(queue_full(queue, MAXSIZE), False)
static void
test_put (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    handshake_t h;
    s_handshake_new (client, &h, 6);
    pid_t child = parity_fork (s_test_put, &h);
    s_assert_empty_full (h.queue, true, false);
    for (int64_t i = 1; i <= 3; i++)
        assert_int_equal (rom_queue_put_int (h.queue, i, ROM_FOREVER), ROM_OK);
    for (int64_t i = 4; i <= 6; i++)
        assert_int_equal (rom_queue_put_int (h.queue, i, ROM_NOWAIT), ROM_OK);
    s_assert_empty_full (h.queue, false, true);
    for (int i = 0; i < 3; i++)
        s_assert_put_full (h.queue, ROM_NOWAIT);
    s_assert_put_full (h.queue, PARITY_TIMEOUT1);
    s_assert_put_full (h.queue, ROM_NOWAIT);
    s_assert_put_full (h.queue, PARITY_TIMEOUT3);
    assert_int_equal (rom_event_set (h.child_can_start), ROM_OK);
    assert_int_equal (rom_event_wait (h.parent_can_continue, ROM_FOREVER), ROM_OK);
    s_assert_empty_full (h.queue, true, false);
    assert_int_equal (rom_test_join (child), 0);
    s_handshake_destroy (&h);
    rom_client_destroy (&client);
}

// _TestQueue._test_get: child_can_start.wait(); queue.put(2); queue.put(3); queue.put(4); queue.put(5);
// parent_can_continue.set()
static int
s_test_get (void *arg)
{
    handshake_t *h = arg;
    PARITY_CHECK (rom_event_wait (h->child_can_start, ROM_FOREVER) == ROM_OK);
    for (int64_t i = 2; i <= 5; i++)
        PARITY_CHECK (rom_queue_put_int (h->queue, i, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_event_set (h->parent_can_continue) == ROM_OK);
    return 0;
}

static void
s_assert_get_empty (rom_queue_t *queue, uint32_t timeout_ms)
{
    uint64_t start = romi_now_ms ();
    int64_t v;
    rom_status_t status = rom_queue_get_int (queue, timeout_ms, &v);
    uint64_t elapsed = romi_now_ms () - start;
    parity_assert_verdict (status, ROM_EMPTY, elapsed, timeout_ms);
    if (status == ROM_EMPTY)
        parity_assert_took (elapsed, timeout_ms);
}

// _TestQueue.test_get:
//     queue = self.Queue()                 (a child runs _test_get)
//     self.assertEqual(queue_empty(queue), True)
//     child_can_start.set(); parent_can_continue.wait()
//     self.assertEqual(queue_empty(queue), False)
//     self.assertEqual(queue.get(True, None), 2); self.assertEqual(queue.get(True), 3)
//     self.assertEqual(queue.get(timeout=1), 4); self.assertEqual(queue.get_nowait(), 5)
//     self.assertEqual(queue_empty(queue), True)
//     self.assertRaises(pyqueue.Empty, get, False)               elapsed 0
//     self.assertRaises(pyqueue.Empty, get, False, None)         elapsed 0
//     self.assertRaises(pyqueue.Empty, get_nowait)               elapsed 0
//     self.assertRaises(pyqueue.Empty, get, True, TIMEOUT1)      elapsed TIMEOUT1
//     self.assertRaises(pyqueue.Empty, get, False, TIMEOUT2)     elapsed 0
//     self.assertRaises(pyqueue.Empty, get, timeout=TIMEOUT3)    elapsed TIMEOUT3
static void
test_get (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    handshake_t h;
    s_handshake_new (client, &h, 0);
    pid_t child = parity_fork (s_test_get, &h);
    s_assert_empty_full (h.queue, true, false);
    assert_int_equal (rom_event_set (h.child_can_start), ROM_OK);
    assert_int_equal (rom_event_wait (h.parent_can_continue, ROM_FOREVER), ROM_OK);
    s_assert_empty_full (h.queue, false, false);
    uint32_t timeouts[] = {ROM_FOREVER, ROM_FOREVER, 1000, ROM_NOWAIT};
    for (int64_t i = 2; i <= 5; i++) {
        int64_t v = 0;
        assert_int_equal (rom_queue_get_int (h.queue, timeouts[i - 2], &v), ROM_OK);
        assert_int_equal (v, i);
    }
    s_assert_empty_full (h.queue, true, false);
    for (int i = 0; i < 3; i++)
        s_assert_get_empty (h.queue, ROM_NOWAIT);
    s_assert_get_empty (h.queue, PARITY_TIMEOUT1);
    s_assert_get_empty (h.queue, ROM_NOWAIT);
    s_assert_get_empty (h.queue, PARITY_TIMEOUT3);
    assert_int_equal (rom_test_join (child), 0);
    s_handshake_destroy (&h);
    rom_client_destroy (&client);
}

// _TestQueue._test_fork: for i in range(10, 20): queue.put(i)
static int
s_test_fork (void *arg)
{
    for (int64_t i = 10; i < 20; i++)
        PARITY_CHECK (rom_queue_put_int (arg, i, ROM_FOREVER) == ROM_OK);
    return 0;
}

// _TestQueue.test_fork (a queue used before fork works in the child, CPython's feeder-thread regression):
//     for i in range(10): queue.put(i)
//     p = self.Process(target=self._test_fork, args=(queue,)); p.start()
//     for i in range(20): self.assertEqual(queue.get(), i)
//     self.assertRaises(pyqueue.Empty, queue.get, False)
static void
test_fork (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *queue;
    assert_int_equal (rom_queue_new (client, 0, &queue), ROM_OK);
    for (int64_t i = 0; i < 10; i++)
        assert_int_equal (rom_queue_put_int (queue, i, ROM_FOREVER), ROM_OK);
    pid_t child = parity_fork (s_test_fork, queue);
    for (int64_t i = 0; i < 20; i++) {
        int64_t v = -1;
        assert_int_equal (rom_queue_get_int (queue, ROM_FOREVER, &v), ROM_OK);
        assert_int_equal (v, i);
    }
    int64_t v;
    assert_int_equal (rom_queue_get_int (queue, ROM_NOWAIT, &v), ROM_EMPTY);
    assert_int_equal (rom_test_join (child), 0);
    rom_queue_destroy (&queue);
    rom_client_destroy (&client);
}

// _TestQueue.test_qsize:
//     self.assertEqual(q.qsize(), 0)
//     q.put(1); self.assertEqual(q.qsize(), 1); q.put(5); self.assertEqual(q.qsize(), 2)
//     q.get(); self.assertEqual(q.qsize(), 1); q.get(); self.assertEqual(q.qsize(), 0)
static void
test_qsize (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *q;
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    int64_t size = -1, v;
    assert_int_equal (rom_queue_qsize (q, &size), ROM_OK);
    assert_int_equal (size, 0);
    assert_int_equal (rom_queue_put_int (q, 1, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_queue_qsize (q, &size), ROM_OK);
    assert_int_equal (size, 1);
    assert_int_equal (rom_queue_put_int (q, 5, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_queue_qsize (q, &size), ROM_OK);
    assert_int_equal (size, 2);
    assert_int_equal (rom_queue_get_int (q, ROM_NOWAIT, &v), ROM_OK);
    assert_int_equal (rom_queue_qsize (q, &size), ROM_OK);
    assert_int_equal (size, 1);
    assert_int_equal (rom_queue_get_int (q, ROM_NOWAIT, &v), ROM_OK);
    assert_int_equal (rom_queue_qsize (q, &size), ROM_OK);
    assert_int_equal (size, 0);
    rom_queue_destroy (&q);
    rom_client_destroy (&client);
}

// _TestQueue._test_task_done: for obj in iter(q.get, None): time.sleep(DELTA); q.task_done()
// (The sleep makes join () wait for the workers; here the count of items done says the same.)
static int
s_test_task_done (void *arg)
{
    rom_queue_t *q = arg;
    for (;;) {
        rom_item_t item = {0};
        PARITY_CHECK (rom_queue_get_item (q, ROM_FOREVER, &item) == ROM_OK);
        if (item.kind == ROM_ITEM_NONE)
            return 0;
        PARITY_CHECK (item.kind == ROM_ITEM_INT);
        PARITY_CHECK (rom_queue_task_done (q) == ROM_OK);
    }
}

// _TestQueue.test_task_done:
//     queue = self.JoinableQueue()
//     workers = [self.Process(target=self._test_task_done, args=(queue,)) for i in range(4)]
//     for i in range(10): queue.put(i)
//     queue.join()
//     for p in workers: queue.put(None)
//     for p in workers: p.join()
// rom's join also answers at once when nothing is unfinished, and task_done beyond the items put is an
// error (Python's ValueError "task_done() called too many times"): checked at the end.
static void
test_task_done (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *queue;
    assert_int_equal (rom_joinable_queue_new (client, 0, &queue), ROM_OK);
    pid_t workers[4];
    for (int i = 0; i < 4; i++)
        workers[i] = parity_fork (s_test_task_done, queue);
    for (int64_t i = 0; i < 10; i++)
        assert_int_equal (rom_queue_put_int (queue, i, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_queue_join (queue, PARITY_LONG), ROM_OK);
    int64_t size = -1;
    assert_int_equal (rom_queue_qsize (queue, &size), ROM_OK);
    assert_int_equal (size, 0); // joined: every item was taken and done
    rom_item_t none = {.kind = ROM_ITEM_NONE};
    for (int i = 0; i < 4; i++)
        assert_int_equal (rom_queue_put_item (queue, &none, ROM_FOREVER), ROM_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal (rom_test_join (workers[i]), 0);
    // The four None were taken but never marked done (as in CPython's worker): join waits for them.
    assert_int_equal (rom_queue_join (queue, ROM_NOWAIT), ROM_TIMEOUT);
    for (int i = 0; i < 4; i++)
        assert_int_equal (rom_queue_task_done (queue), ROM_OK);
    assert_int_equal (rom_queue_join (queue, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_queue_task_done (queue), ROM_APP_ERROR);
    rom_queue_destroy (&queue);
    rom_client_destroy (&client);
}

// _TestQueue.test_timeout (CPython runs it on multiprocessing.Queue () even in the manager class; the same
// on rom's queue):
//     self.assertRaises(pyqueue.Empty, q.get, True, 0.200)
//     self.assertGreaterEqual(delta, 0.100)
static void
test_timeout (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *q;
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    uint64_t start = romi_now_ms ();
    int64_t v;
    rom_status_t status = rom_queue_get_int (q, 200, &v);
    uint64_t elapsed = romi_now_ms () - start;
    parity_assert_verdict (status, ROM_EMPTY, elapsed, 200);
    assert_true (elapsed >= 100);
    rom_queue_destroy (&q);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_put),   cmocka_unit_test (test_get),       cmocka_unit_test (test_fork),
        cmocka_unit_test (test_qsize), cmocka_unit_test (test_task_done), cmocka_unit_test (test_timeout),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
