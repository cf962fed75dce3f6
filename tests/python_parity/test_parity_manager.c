// test_parity_manager.c: CPython's manager classes (Lib/test/_test_multiprocessing.py, 3.11) ported to
// rom_manager_start (): _TestMyManager (a user-registered type: test.Tally of the integration tests, served
// by a manager process), _TestRemoteManager (a manager over tcp with an authkey, reached by other clients),
// _TestManagerRestart (a new manager on the address of one that stopped) and TestSyncManagerTypes (every
// built-in type made in the parent, used by one child process, checked again in the parent: one fresh
// manager per test, as CPython's setUp). Python's registered callable get_queue is a named object here
// (rom's way to hand one object to clients that only know the address). docs/python-parity.md has the table.
#include "parity.h"

#include <errno.h>
#include <signal.h>
#include <zmq.h>

#include "rom/builtins/queue.rom.h" // a named queue: CPython's get_queue

#define AUTHKEY "parity-authkey-0123456789abcdef" // CPython uses os.urandom(32); any shared secret does

static rom_manager_t *
s_start (const rom_manager_opts_t *opts)
{
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    rom_status_t status = rom_manager_start (opts, &manager, &why);
    if (status != ROM_OK)
        fail_msg ("rom_manager_start: %s: %s", rom_strerror (status), why ? why : "");
    return manager;
}

// rom_manager_destroy () stops and reaps the server process: afterwards no process has its pid (CPython
// checks manager._process.exitcode in (0, -SIGTERM)).
static void
s_shutdown (rom_manager_t **manager_p)
{
    pid_t pid = rom_manager_pid (*manager_p);
    rom_manager_destroy (manager_p);
    assert_null (*manager_p);
    assert_int_equal (kill (pid, 0), -1);
    assert_int_equal (errno, ESRCH);
}

// --- _TestMyManager ----------------------------------------------------------------------------------------

// _TestMyManager.common (manager), for the parts that apply (foo = manager.Foo()):
//     self.assertEqual(foo.f(), 'f()')
//     self.assertRaises(ValueError, foo.g)
//     self.assertEqual(foo._callmethod('f'), 'f()')
//     self.assertRaises(RemoteError, foo._callmethod, '_h')
// Foo is test.Tally: f is Add (its answer is the total), g is Fail (the servant refuses: ROM_APP_ERROR with
// its text, as the ValueError crosses in Python), _callmethod is the generic rom_proxy_call, and a method
// the type does not expose is refused (ROM_NO_METHOD). Bar's exposed= and baz's iterator do not apply
// (docs/python-parity.md: rom exposes what the IDL declares; iterators are the containers' cursors).
static void
s_common (rom_manager_t *manager)
{
    rom_client_t *client = rom_manager_client (manager);
    Test__Tally_Proxy *foo = NULL;
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    assert_int_equal (test__tally__rom_create (client, &init, &foo), ROM_OK);
    assert_int_equal (rom_test_tally_add ((rom_proxy_t *) foo, 5), 5);

    Test__Number n = TEST__NUMBER__INIT;
    n.value = ROM_APP_ERROR;
    Google__Protobuf__Empty *nothing = NULL;
    assert_int_equal (test__tally_proxy__fail (foo, &n, &nothing), ROM_APP_ERROR);
    assert_null (nothing);
    assert_non_null (strstr (rom_client_errmsg (client), "asked to fail"));

    n.value = 2;
    Test__Number *out = NULL;
    assert_int_equal (rom_proxy_call ((rom_proxy_t *) foo, TEST__TALLY_METHOD__ADD, &n.base,
                                      (ProtobufCMessage **) &out),
                      ROM_OK);
    assert_int_equal (out->value, 7);
    test__number__free_unpacked (out, NULL);
    assert_int_equal (rom_proxy_call ((rom_proxy_t *) foo, TEST__TALLY_N_METHODS, NULL, NULL), ROM_NO_METHOD);
    test__tally__rom_destroy (&foo);
}

// _TestMyManager.test_mymanager:
//     manager = MyManager(shutdown_timeout=SHUTDOWN_TIMEOUT)
//     manager.start()
//     self.common(manager)
//     manager.shutdown()
//     self.assertIn(manager._process.exitcode, (0, -signal.SIGTERM))
static void
test_mymanager (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.register_types = rom_test_register};
    rom_manager_t *manager = s_start (&opts);
    s_common (manager);
    s_shutdown (&manager);
}

// --- _TestRemoteManager ------------------------------------------------------------------------------------

// _TestRemoteManager.values, as rom items: a tuple is no item (rom's items are single values), so the
// putter puts them one by one, in order.
static const uint8_t s_latin1[] = {'h', 'a', 'l', 'l', 0xe5, ' ', 'v', 0xe4, 'r', 'l', 'd', 'e', 'n'};

static void
s_values (rom_item_t items[7])
{
    items[0] = (rom_item_t) {.kind = ROM_ITEM_STRING, .str = (char *) "hello world"};
    items[1] = (rom_item_t) {.kind = ROM_ITEM_NONE};
    items[2] = (rom_item_t) {.kind = ROM_ITEM_BOOL, .b = true};
    items[3] = (rom_item_t) {.kind = ROM_ITEM_DOUBLE, .d = 2.25};
    items[4] = (rom_item_t) {.kind = ROM_ITEM_STRING, .str = (char *) "hall\xc3\xa5 v\xc3\xa4rlden"};
    items[5] = (rom_item_t) {.kind = ROM_ITEM_STRING,
                             .str = (char *) "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd1\x96\xd1\x82 "
                                             "\xd1\x81\xd0\xb2\xd1\x96\xd1\x82"};
    items[6] = (rom_item_t) {.kind = ROM_ITEM_BYTES, .data = (uint8_t *) s_latin1, .size = sizeof s_latin1};
}

// A client of `endpoint` with the authkey: CPython's QueueManager2 (address=..., authkey=...).connect ().
static rom_client_t *
s_connect_with_key (const char *endpoint, const char *authkey, rom_status_t *status)
{
    rom_client_opts_t opts = {.connect_timeout_ms = 3000, .call_timeout_ms = 5000, .authkey = authkey};
    rom_client_t *client = NULL;
    *status = rom_client_connect (endpoint, &opts, &client, NULL);
    return client;
}

// CPython's get_queue (): the one queue of the server, found by name.
static rom_queue_t *
s_get_queue (rom_client_t *client)
{
    Rom__Builtins__Queue_Proxy *queue = NULL;
    rom_status_t status = rom__builtins__queue__rom_lookup (client, "get_queue", &queue);
    return status == ROM_OK ? (rom_queue_t *) queue : NULL;
}

// _TestRemoteManager._putter (address, authkey):
//     manager = QueueManager2(address=address, authkey=authkey, serializer=SERIALIZER); manager.connect()
//     queue = manager.get_queue()
//     queue.put(tuple(cls.values))
static int
s_putter (void *arg)
{
    rom_status_t status;
    rom_client_t *client = s_connect_with_key (arg, AUTHKEY, &status);
    PARITY_CHECK (status == ROM_OK);
    rom_queue_t *queue = s_get_queue (client);
    PARITY_CHECK (queue);
    rom_item_t values[7];
    s_values (values);
    for (int i = 0; i < 7; i++)
        PARITY_CHECK (rom_queue_put_item (queue, &values[i], ROM_FOREVER) == ROM_OK);
    rom_queue_destroy (&queue);
    rom_client_destroy (&client);
    return 0;
}

static void
s_assert_same_item (const rom_item_t *got, const rom_item_t *want)
{
    assert_int_equal (got->kind, want->kind);
    switch (want->kind) {
    case ROM_ITEM_STRING: assert_string_equal (got->str, want->str); break;
    case ROM_ITEM_BOOL: assert_int_equal (got->b, want->b); break;
    case ROM_ITEM_DOUBLE: assert_true (got->d == want->d); break;
    case ROM_ITEM_BYTES:
        assert_int_equal (got->size, want->size);
        assert_memory_equal (got->data, want->data, want->size);
        break;
    default: break;
    }
}

// _TestRemoteManager.test_remote:
//     manager = QueueManager(address=(socket_helper.HOST, 0), authkey=authkey, serializer=SERIALIZER)
//     manager.start()
//     p = self.Process(target=self._putter, args=(manager.address, authkey)); p.start()
//     manager2 = QueueManager2(address=manager.address, authkey=authkey, serializer=SERIALIZER)
//     manager2.connect()
//     queue = manager2.get_queue()
//     self.assertEqual(queue.get(), self.result)
//     self.assertRaises(Exception, queue.put, time.sleep)     # cannot be serialized
// A client without the key is refused too (what the authkey is for). What cannot be put: an item of no kind
// rom knows (a C function cannot even be named as an item) is refused before anything is sent.
static void
test_remote (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.endpoint = "tcp://127.0.0.1:*", .authkey = AUTHKEY};
    rom_manager_t *manager = s_start (&opts);
    Rom__Builtins__QueueInit init = ROM__BUILTINS__QUEUE_INIT__INIT;
    Rom__Builtins__Queue_Proxy *owned = NULL;
    assert_int_equal (rom__builtins__queue__rom_create_named (rom_manager_client (manager), "get_queue",
                                                              &init, 0, &owned),
                      ROM_OK);
    char endpoint[ROM_PATH_MAX];
    snprintf (endpoint, sizeof endpoint, "%s", rom_manager_endpoint (manager));
    assert_null (strstr (endpoint, ":*")); // the port the system chose: CPython's manager.address
    pid_t child = parity_fork (s_putter, endpoint);

    rom_status_t status;
    rom_client_t *intruder = s_connect_with_key (endpoint, NULL, &status);
    assert_int_equal (status, ROM_DENIED);
    assert_null (intruder);
    rom_client_t *client = s_connect_with_key (endpoint, AUTHKEY, &status);
    assert_int_equal (status, ROM_OK);
    rom_queue_t *queue = s_get_queue (client);
    assert_non_null (queue);
    rom_item_t values[7];
    s_values (values);
    for (int i = 0; i < 7; i++) {
        rom_item_t got = {0};
        assert_int_equal (rom_queue_get_item (queue, PARITY_LONG, &got), ROM_OK);
        s_assert_same_item (&got, &values[i]);
        rom_item_clear (&got);
    }
    assert_int_equal (rom_test_join (child), 0);
    rom_item_t bad = {.kind = (rom_item_kind_t) 99};
    assert_int_equal (rom_queue_put_item (queue, &bad, ROM_NOWAIT), ROM_INVALID);
    int64_t size = -1;
    assert_int_equal (rom_queue_qsize (queue, &size), ROM_OK);
    assert_int_equal (size, 0);
    rom_queue_destroy (&queue);
    rom_client_destroy (&client);
    rom__builtins__queue__rom_destroy (&owned);
    s_shutdown (&manager);
}

// --- _TestManagerRestart -----------------------------------------------------------------------------------

// _TestManagerRestart._putter: manager.connect(); queue = manager.get_queue(); queue.put('hello world')
static int
s_restart_putter (void *arg)
{
    rom_status_t status;
    rom_client_t *client = s_connect_with_key (arg, AUTHKEY, &status);
    PARITY_CHECK (status == ROM_OK);
    rom_queue_t *queue = s_get_queue (client);
    PARITY_CHECK (queue);
    PARITY_CHECK (rom_queue_put_str (queue, "hello world", ROM_FOREVER) == ROM_OK);
    rom_queue_destroy (&queue);
    rom_client_destroy (&client);
    return 0;
}

// _TestManagerRestart.test_rapid_restart:
//     manager = QueueManager(address=(socket_helper.HOST, 0), authkey=authkey, serializer=SERIALIZER)
//     srvr = manager.get_server(); addr = srvr.address; srvr.listener.close()
//     manager.start()
//     p = self.Process(target=self._putter, args=(manager.address, authkey)); p.start(); p.join()
//     queue = manager.get_queue()
//     self.assertEqual(queue.get(), 'hello world')
//     manager.shutdown()
//     manager = QueueManager(address=addr, authkey=authkey, serializer=SERIALIZER)
//     manager.start()      # (CPython retries once after 1 s on EADDRINUSE, "sporadic failure on buildbots")
// rom's second start must succeed at once on the same tcp address: no retry here, so a lingering socket
// fails the test. The new server is a new one: the first one's named queue is not there.
static void
test_rapid_restart (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.endpoint = "tcp://127.0.0.1:*", .authkey = AUTHKEY};
    rom_manager_t *manager = s_start (&opts);
    char addr[ROM_PATH_MAX];
    snprintf (addr, sizeof addr, "%s", rom_manager_endpoint (manager));
    Rom__Builtins__QueueInit init = ROM__BUILTINS__QUEUE_INIT__INIT;
    Rom__Builtins__Queue_Proxy *queue = NULL;
    assert_int_equal (rom__builtins__queue__rom_create_named (rom_manager_client (manager), "get_queue",
                                                              &init, 0, &queue),
                      ROM_OK);
    assert_int_equal (rom_test_join (parity_fork (s_restart_putter, addr)), 0);
    char *text = NULL;
    assert_int_equal (rom_queue_get_str ((rom_queue_t *) queue, ROM_NOWAIT, &text), ROM_OK);
    assert_string_equal (text, "hello world");
    free (text);
    rom__builtins__queue__rom_destroy (&queue);
    s_shutdown (&manager);

    opts.endpoint = addr;
    manager = s_start (&opts);
    assert_string_equal (rom_manager_endpoint (manager), addr);
    rom_status_t status;
    rom_client_t *client = s_connect_with_key (addr, AUTHKEY, &status);
    assert_int_equal (status, ROM_OK);
    assert_null (s_get_queue (client));
    rom_client_destroy (&client);
    s_shutdown (&manager);
}

// --- TestSyncManagerTypes ----------------------------------------------------------------------------------
//
// setUp: self.manager = self.manager_class(); self.manager.start()
// run_worker (worker, obj): a Process running worker (obj); self.assertEqual(self.proc.exitcode, 0)
// tearDown: self.manager.shutdown()

static rom_manager_t *
s_sync_manager (void)
{
    rom_manager_opts_t opts = {0};
    return s_start (&opts);
}

static void
s_run_worker (int (*worker) (void *), void *obj)
{
    assert_int_equal (rom_test_join (parity_fork (worker, obj)), 0);
}

// _test_event (obj): assert obj.is_set(); obj.wait(); obj.clear(); obj.wait(0.001)
static int
s_event_worker (void *obj)
{
    bool set = false;
    PARITY_CHECK (rom_event_is_set (obj, &set) == ROM_OK && set);
    PARITY_CHECK (rom_event_wait (obj, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_event_clear (obj) == ROM_OK);
    PARITY_CHECK (rom_event_wait (obj, 1) == ROM_TIMEOUT);
    return 0;
}

// TestSyncManagerTypes.test_event:
//     o = self.manager.Event(); o.set()
//     self.run_worker(self._test_event, o)
//     assert not o.is_set()
//     o.wait(0.001)
static void
test_sync_event (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_event_t *o;
    assert_int_equal (rom_event_new (rom_manager_client (manager), &o), ROM_OK);
    assert_int_equal (rom_event_set (o), ROM_OK);
    s_run_worker (s_event_worker, o);
    bool set = true;
    assert_int_equal (rom_event_is_set (o, &set), ROM_OK);
    assert_false (set);
    assert_int_equal (rom_event_wait (o, 1), ROM_TIMEOUT);
    rom_event_destroy (&o);
    s_shutdown (&manager);
}

// _test_lock (obj): obj.acquire()
// The worker also says when it holds the lock and stays until told to go: a rom lock whose process ended
// is released by the end of its session (Python's manager keeps it locked), so the parent's release must
// come while the worker lives for the test to be Python's, and not a race with that release.
typedef struct {
    rom_lock_t *lock;
    int held[2]; // worker -> parent: "held"
    int go[2];   // parent -> worker: "go"
} lock_worker_t;

static int
s_lock_worker (void *arg)
{
    lock_worker_t *w = arg;
    char line[8];
    PARITY_CHECK (rom_lock_acquire (w->lock, ROM_FOREVER) == ROM_OK);
    rom_test_send_line (w->held[1], "held");
    PARITY_CHECK (rom_test_recv_line (w->go[0], line, sizeof line, PARITY_LONG));
    return 0;
}

// TestSyncManagerTypes.test_lock:
//     o = self.manager.Lock()
//     self.run_worker(self._test_lock, o)
//     o.release()
//     self.assertRaises(RuntimeError, o.release)  # already released
static void
test_sync_lock (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    lock_worker_t w;
    assert_int_equal (rom_lock_new (rom_manager_client (manager), &w.lock), ROM_OK);
    assert_int_equal (pipe (w.held), 0);
    assert_int_equal (pipe (w.go), 0);
    pid_t child = parity_fork (s_lock_worker, &w);
    char line[8];
    assert_true (rom_test_recv_line (w.held[0], line, sizeof line, PARITY_LONG));
    assert_int_equal (rom_lock_release (w.lock), ROM_OK); // taken by the worker, released by the parent
    assert_int_equal (rom_lock_release (w.lock), ROM_APP_ERROR);
    rom_test_send_line (w.go[1], "go");
    assert_int_equal (rom_test_join (child), 0);
    close (w.held[0]), close (w.held[1]), close (w.go[0]), close (w.go[1]);
    rom_lock_destroy (&w.lock);
    s_shutdown (&manager);
}

// _test_rlock (obj): obj.acquire(); obj.release()
static int
s_rlock_worker (void *obj)
{
    PARITY_CHECK (rom_lock_acquire (obj, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_lock_release (obj) == ROM_OK);
    return 0;
}

// TestSyncManagerTypes.test_rlock (lname="Lock": CPython's test makes a Lock; an RLock is checked too):
//     o = getattr(self.manager, lname)()
//     self.run_worker(self._test_rlock, o)
static void
test_sync_rlock (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_lock_t *o;
    assert_int_equal (rom_lock_new (rom_manager_client (manager), &o), ROM_OK);
    s_run_worker (s_rlock_worker, o);
    rom_lock_destroy (&o);
    assert_int_equal (rom_rlock_new (rom_manager_client (manager), &o), ROM_OK);
    s_run_worker (s_rlock_worker, o);
    bool locked = true;
    assert_int_equal (rom_lock_locked (o, &locked, NULL), ROM_OK);
    assert_false (locked);
    rom_lock_destroy (&o);
    s_shutdown (&manager);
}

// _test_semaphore (obj): obj.acquire()
static int
s_semaphore_worker (void *obj)
{
    PARITY_CHECK (rom_semaphore_acquire (obj, ROM_FOREVER) == ROM_OK);
    return 0;
}

// TestSyncManagerTypes.test_semaphore (sname="Semaphore") and test_bounded_semaphore:
//     o = getattr(self.manager, sname)()          # value 1
//     self.run_worker(self._test_semaphore, o)
//     o.release()
// The unit the child took stays taken (a semaphore has no owner), and the parent's release gives it back.
static void
s_sync_semaphore (bool bounded)
{
    rom_manager_t *manager = s_sync_manager ();
    rom_semaphore_t *o;
    rom_client_t *client = rom_manager_client (manager);
    assert_int_equal (bounded ? rom_bounded_semaphore_new (client, 1, &o) : rom_semaphore_new (client, 1, &o),
                      ROM_OK);
    s_run_worker (s_semaphore_worker, o);
    int64_t value = -1;
    assert_int_equal (rom_semaphore_value (o, &value), ROM_OK);
    assert_int_equal (value, 0);
    assert_int_equal (rom_semaphore_release (o), ROM_OK);
    assert_int_equal (rom_semaphore_value (o, &value), ROM_OK);
    assert_int_equal (value, 1);
    rom_semaphore_destroy (&o);
    s_shutdown (&manager);
}

static void
test_sync_semaphore (void **state)
{
    (void) state;
    s_sync_semaphore (false);
}

static void
test_sync_bounded_semaphore (void **state)
{
    (void) state;
    s_sync_semaphore (true);
}

// _test_condition (obj): obj.acquire(); obj.release()
static int
s_condition_worker (void *obj)
{
    PARITY_CHECK (rom_condition_acquire (obj, ROM_FOREVER) == ROM_OK);
    PARITY_CHECK (rom_condition_release (obj) == ROM_OK);
    return 0;
}

// TestSyncManagerTypes.test_condition:
//     o = self.manager.Condition()
//     self.run_worker(self._test_condition, o)
static void
test_sync_condition (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_condition_t *o;
    assert_int_equal (rom_condition_new (rom_manager_client (manager), &o), ROM_OK);
    s_run_worker (s_condition_worker, o);
    assert_int_equal (rom_condition_acquire (o, ROM_NOWAIT), ROM_OK); // the child left it free
    assert_int_equal (rom_condition_release (o), ROM_OK);
    rom_condition_destroy (&o);
    s_shutdown (&manager);
}

// _test_barrier (obj): assert obj.parties == 5; obj.reset()
static int
s_barrier_worker (void *obj)
{
    uint32_t parties = 0;
    PARITY_CHECK (rom_barrier_state (obj, &parties, NULL, NULL) == ROM_OK && parties == 5);
    PARITY_CHECK (rom_barrier_reset (obj) == ROM_OK);
    return 0;
}

// TestSyncManagerTypes.test_barrier:
//     o = self.manager.Barrier(5)
//     self.run_worker(self._test_barrier, o)
static void
test_sync_barrier (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_barrier_t *o;
    assert_int_equal (rom_barrier_new (rom_manager_client (manager), 5, &o), ROM_OK);
    s_run_worker (s_barrier_worker, o);
    bool broken = true;
    assert_int_equal (rom_barrier_state (o, NULL, NULL, &broken), ROM_OK);
    assert_false (broken);
    rom_barrier_destroy (&o);
    s_shutdown (&manager);
}

// _test_queue (obj):
//     assert obj.qsize() == 2; assert obj.full(); assert not obj.empty()
//     assert obj.get() == 5; assert not obj.empty()
//     assert obj.get() == 6; assert obj.empty()
static int
s_queue_worker (void *obj)
{
    int64_t size = -1, v = 0;
    bool full = false, empty = true;
    PARITY_CHECK (rom_queue_qsize (obj, &size) == ROM_OK && size == 2);
    PARITY_CHECK (rom_queue_full (obj, &full) == ROM_OK && full);
    PARITY_CHECK (rom_queue_empty (obj, &empty) == ROM_OK && !empty);
    PARITY_CHECK (rom_queue_get_int (obj, ROM_FOREVER, &v) == ROM_OK && v == 5);
    PARITY_CHECK (rom_queue_empty (obj, &empty) == ROM_OK && !empty);
    PARITY_CHECK (rom_queue_get_int (obj, ROM_FOREVER, &v) == ROM_OK && v == 6);
    PARITY_CHECK (rom_queue_empty (obj, &empty) == ROM_OK && empty);
    return 0;
}

// TestSyncManagerTypes.test_queue (qname="Queue") and test_joinable_queue:
//     o = getattr(self.manager, qname)(2)
//     o.put(5); o.put(6)
//     self.run_worker(self._test_queue, o)
//     assert o.empty()
//     assert not o.full()
static void
s_sync_queue (bool joinable)
{
    rom_manager_t *manager = s_sync_manager ();
    rom_queue_t *o;
    rom_client_t *client = rom_manager_client (manager);
    assert_int_equal (joinable ? rom_joinable_queue_new (client, 2, &o) : rom_queue_new (client, 2, &o),
                      ROM_OK);
    assert_int_equal (rom_queue_put_int (o, 5, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_queue_put_int (o, 6, ROM_FOREVER), ROM_OK);
    s_run_worker (s_queue_worker, o);
    bool empty = false, full = true;
    assert_int_equal (rom_queue_empty (o, &empty), ROM_OK);
    assert_true (empty);
    assert_int_equal (rom_queue_full (o, &full), ROM_OK);
    assert_false (full);
    rom_queue_destroy (&o);
    s_shutdown (&manager);
}

static void
test_sync_queue (void **state)
{
    (void) state;
    s_sync_queue (false);
}

static void
test_sync_joinable_queue (void **state)
{
    (void) state;
    s_sync_queue (true);
}

// _test_list (obj):
//     assert obj[0] == 5
//     assert obj.count(5) == 1
//     assert obj.index(5) == 0
//     obj.sort()
//     obj.reverse()
//     for x in obj: pass                    (here: rom_list_iter to the end)
//     assert len(obj) == 1
//     assert obj.pop(0) == 5
static int
s_list_worker (void *obj)
{
    int64_t v = 0;
    size_t pos = 1, n = 0;
    PARITY_CHECK (rom_list_get_int (obj, 0, &v) == ROM_OK && v == 5);
    PARITY_CHECK (rom_list_count (obj, ROM_INT (5), &n) == ROM_OK && n == 1);
    PARITY_CHECK (rom_list_index (obj, ROM_INT (5), &pos) == ROM_OK && pos == 0);
    PARITY_CHECK (rom_list_sort (obj, false) == ROM_OK);
    PARITY_CHECK (rom_list_reverse (obj) == ROM_OK);
    rom_cursor_t cursor = ROM_CURSOR_INIT;
    rom_variant_t *items = NULL;
    PARITY_CHECK (rom_list_iter (obj, &cursor, 0, &items, &n) == ROM_OK && n == 1);
    PARITY_CHECK (items[0].kind == ROM_KIND_INT && items[0].i == 5);
    rom_variants_free (&items, n);
    PARITY_CHECK (rom_list_iter (obj, &cursor, 0, &items, &n) == ROM_OK && n == 0); // the end
    PARITY_CHECK (rom_list_len (obj, &n) == ROM_OK && n == 1);
    rom_variant_t popped = ROM_NONE;
    PARITY_CHECK (rom_list_pop (obj, 0, &popped) == ROM_OK && popped.kind == ROM_KIND_INT && popped.i == 5);
    return 0;
}

// TestSyncManagerTypes.test_list:
//     o = self.manager.list(); o.append(5)
//     self.run_worker(self._test_list, o)
//     assert not o
//     self.assertEqual(len(o), 0)
static void
test_sync_list (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_list_t *o;
    assert_int_equal (rom_list_new (rom_manager_client (manager), &o), ROM_OK);
    assert_int_equal (rom_list_append_int (o, 5), ROM_OK);
    s_run_worker (s_list_worker, o);
    size_t n = 1;
    assert_int_equal (rom_list_len (o, &n), ROM_OK);
    assert_int_equal (n, 0);
    rom_list_destroy (&o);
    s_shutdown (&manager);
}

// _test_dict (obj):
//     assert len(obj) == 1
//     assert obj['foo'] == 5
//     assert obj.get('foo') == 5
//     assert list(obj.items()) == [('foo', 5)]
//     assert list(obj.keys()) == ['foo']
//     assert list(obj.values()) == [5]
//     assert obj.copy() == {'foo': 5}
//     assert obj.popitem() == ('foo', 5)
static int
s_dict_worker (void *obj)
{
    size_t n = 0;
    int64_t v = 0;
    PARITY_CHECK (rom_dict_len (obj, &n) == ROM_OK && n == 1);
    PARITY_CHECK (rom_dict_get_int (obj, "foo", &v) == ROM_OK && v == 5);
    rom_variant_t got = ROM_NONE;
    PARITY_CHECK (rom_dict_get_or (obj, ROM_STR ("foo"), ROM_NONE, &got) == ROM_OK);
    PARITY_CHECK (got.kind == ROM_KIND_INT && got.i == 5);
    rom_variant_t *keys = NULL, *values = NULL;
    PARITY_CHECK (rom_dict_items (obj, &keys, &values, &n) == ROM_OK && n == 1);
    PARITY_CHECK (keys[0].kind == ROM_KIND_STR && strcmp (keys[0].str, "foo") == 0);
    PARITY_CHECK (values[0].kind == ROM_KIND_INT && values[0].i == 5);
    rom_variants_free (&keys, n);
    rom_variants_free (&values, n);
    PARITY_CHECK (rom_dict_keys (obj, &keys, &n) == ROM_OK && n == 1 && strcmp (keys[0].str, "foo") == 0);
    rom_variants_free (&keys, n);
    PARITY_CHECK (rom_dict_values (obj, &values, &n) == ROM_OK && n == 1 && values[0].i == 5);
    rom_variants_free (&values, n);
    PARITY_CHECK (rom_dict_copy (obj, &keys, &values, &n) == ROM_OK && n == 1);
    PARITY_CHECK (strcmp (keys[0].str, "foo") == 0 && values[0].kind == ROM_KIND_INT && values[0].i == 5);
    rom_variants_free (&keys, n);
    rom_variants_free (&values, n);
    rom_variant_t key = ROM_NONE;
    PARITY_CHECK (rom_dict_popitem (obj, &key, &got) == ROM_OK);
    PARITY_CHECK (key.kind == ROM_KIND_STR && strcmp (key.str, "foo") == 0);
    PARITY_CHECK (got.kind == ROM_KIND_INT && got.i == 5);
    rom_variant_clear (&key);
    rom_variant_clear (&got);
    return 0;
}

// TestSyncManagerTypes.test_dict:
//     o = self.manager.dict(); o['foo'] = 5
//     self.run_worker(self._test_dict, o)
//     assert not o
//     self.assertEqual(len(o), 0)
static void
test_sync_dict (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_dict_t *o;
    assert_int_equal (rom_dict_new (rom_manager_client (manager), &o), ROM_OK);
    assert_int_equal (rom_dict_set_int (o, "foo", 5), ROM_OK);
    s_run_worker (s_dict_worker, o);
    size_t n = 1;
    assert_int_equal (rom_dict_len (o, &n), ROM_OK);
    assert_int_equal (n, 0);
    rom_dict_destroy (&o);
    s_shutdown (&manager);
}

// _test_value (obj): assert obj.value == 1; assert obj.get() == 1; obj.set(2)
static int
s_value_worker (void *obj)
{
    int64_t v = 0;
    PARITY_CHECK (rom_value_get_int (obj, &v) == ROM_OK && v == 1);
    PARITY_CHECK (rom_value_set_int (obj, 2) == ROM_OK);
    return 0;
}

// TestSyncManagerTypes.test_value (obj.value and obj.get () are one call in C):
//     o = self.manager.Value('i', 1)
//     self.run_worker(self._test_value, o)
//     self.assertEqual(o.value, 2)
//     self.assertEqual(o.get(), 2)
static void
test_sync_value (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_value_t *o;
    assert_int_equal (rom_value_new (rom_manager_client (manager), 'i', ROM_INT (1), &o), ROM_OK);
    s_run_worker (s_value_worker, o);
    int64_t v = 0;
    assert_int_equal (rom_value_get_int (o, &v), ROM_OK);
    assert_int_equal (v, 2);
    rom_value_destroy (&o);
    s_shutdown (&manager);
}

// _test_array (obj): assert obj[0] == 0; assert obj[1] == 1; assert len(obj) == 2; assert list(obj) == [0, 1]
static int
s_array_worker (void *obj)
{
    int64_t v = -1;
    size_t n = 0;
    PARITY_CHECK (rom_array_get_int (obj, 0, &v) == ROM_OK && v == 0);
    PARITY_CHECK (rom_array_get_int (obj, 1, &v) == ROM_OK && v == 1);
    PARITY_CHECK (rom_array_len (obj, &n) == ROM_OK && n == 2);
    int64_t *items = NULL;
    PARITY_CHECK (rom_array_get_ints (obj, 0, ROM_SLICE_END, &items, &n) == ROM_OK && n == 2);
    int ok = items[0] == 0 && items[1] == 1;
    free (items);
    PARITY_CHECK (ok);
    return 0;
}

// TestSyncManagerTypes.test_array:
//     o = self.manager.Array('i', [0, 1])
//     self.run_worker(self._test_array, o)
static void
test_sync_array (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_array_t *o;
    int64_t items[] = {0, 1};
    assert_int_equal (rom_array_new_ints (rom_manager_client (manager), 'i', items, 2, &o), ROM_OK);
    s_run_worker (s_array_worker, o);
    rom_array_destroy (&o);
    s_shutdown (&manager);
}

// _test_namespace (obj): assert obj.x == 0; assert obj.y == 1
static int
s_namespace_worker (void *obj)
{
    int64_t v = -1;
    PARITY_CHECK (rom_namespace_get_int (obj, "x", &v) == ROM_OK && v == 0);
    PARITY_CHECK (rom_namespace_get_int (obj, "y", &v) == ROM_OK && v == 1);
    return 0;
}

// TestSyncManagerTypes.test_namespace:
//     o = self.manager.Namespace(); o.x = 0; o.y = 1
//     self.run_worker(self._test_namespace, o)
static void
test_sync_namespace (void **state)
{
    (void) state;
    rom_manager_t *manager = s_sync_manager ();
    rom_namespace_t *o;
    assert_int_equal (rom_namespace_new (rom_manager_client (manager), &o), ROM_OK);
    assert_int_equal (rom_namespace_set_int (o, "x", 0), ROM_OK);
    assert_int_equal (rom_namespace_set_int (o, "y", 1), ROM_OK);
    s_run_worker (s_namespace_worker, o);
    rom_namespace_destroy (&o);
    s_shutdown (&manager);
}

int
main (void)
{
    const struct CMUnitTest with_curve[] = {
        cmocka_unit_test (test_remote),
        cmocka_unit_test (test_rapid_restart),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_mymanager),      cmocka_unit_test (test_sync_event),
        cmocka_unit_test (test_sync_lock),      cmocka_unit_test (test_sync_rlock),
        cmocka_unit_test (test_sync_semaphore), cmocka_unit_test (test_sync_bounded_semaphore),
        cmocka_unit_test (test_sync_condition), cmocka_unit_test (test_sync_barrier),
        cmocka_unit_test (test_sync_queue),     cmocka_unit_test (test_sync_joinable_queue),
        cmocka_unit_test (test_sync_list),      cmocka_unit_test (test_sync_dict),
        cmocka_unit_test (test_sync_value),     cmocka_unit_test (test_sync_array),
        cmocka_unit_test (test_sync_namespace),
    };
    int failed = cmocka_run_group_tests (tests, NULL, NULL);
    // An authkey over tcp needs CURVE (test_auth.c skips the same way).
    if (!zmq_has ("curve"))
        printf ("# SKIP test_remote, test_rapid_restart: this libzmq is built without CURVE\n");
    else
        failed += cmocka_run_group_tests (with_curve, NULL, NULL);
    return failed;
}
