// test_misuse.c: issue 12 point 5, misuse returns a status and never crashes. Every public function of
// runtime/include/rom/*.h (and the generated proxy functions) given NULL for its handle answers ROM_INVALID
// (void and pointer-returning ones: nothing, and no crash); a handle of the wrong kind given to a generated
// proxy function or a built-in helper is refused by its tag; a proxy whose client or manager was destroyed
// answers ROM_UNAVAILABLE ("its client was destroyed") and is destroyed safely, in the parent and in a
// forked child; a manager refuses inproc:// at once and serves on tcp://localhost.
//
// The NULL table runs each call in a forked child, so one crash (or hang) fails that line of the report
// rather than the whole test, and the report lists every function that still misbehaves.
#include "rom_test.h"
#include "rom/builtins/dict.rom.h"
#include "rom/builtins/queue.rom.h"
#include "rom/builtins/sync.rom.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_GONE "its client was destroyed"

// --- NULL for every handle ---------------------------------------------------------------------------------

static bool
s_predicate (void *arg)
{
    (void) arg;
    return true;
}

// Misuse case number `i`: its text in *what (NULL past the last one) and, when `run`, what it returned.
// Status functions must return ROM_INVALID. Void functions only must not crash; pointer, id and count
// functions must return NULL or 0 as well: their line maps that to ROM_INVALID, anything else to
// ROM_INTERNAL.
static rom_status_t
s_null_case (int i, bool run, const char **what)
{
    rom_client_t *client = NULL;
    rom_proxy_t *proxy = NULL, *nproxy = NULL;
    rom_future_t *future = NULL, *nfuture = NULL;
    rom_server_t *nserver = NULL;
    rom_manager_t *nmanager = NULL;
    rom_manager_opts_t mopts = {.endpoint = NULL};
    Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
    rom_variant_t v = ROM_INT (1), *vs = NULL;
    rom_item_t item = {.kind = ROM_ITEM_INT};
    int64_t i64 = 0;
    uint32_t u32 = 0;
    double d = 0;
    char *str = NULL, **strs = NULL, c = 0;
    uint8_t *bytes = NULL;
    size_t n = 0;
    bool b = false;
    rom_value_t *value = NULL;
    rom_array_t *array = NULL;
    rom_dict_t *dict = NULL;
    rom_list_t *list = NULL;
    rom_namespace_t *ns = NULL;
    rom_lock_t *lock = NULL;
    rom_semaphore_t *sem = NULL;
    rom_event_t *event = NULL;
    rom_condition_t *cond = NULL;
    rom_barrier_t *barrier = NULL;
    rom_queue_t *queue = NULL;
    rom_pipe_t *pipe_a = NULL, *pipe_b = NULL;
    Rom__Builtins__Dict_Proxy *dict_proxy = NULL;
    Rom__Builtins__Size *size = NULL;
    int k = 0;
#define S_STATUS(expr)                                                                                       \
    if (i == k++) {                                                                                          \
        *what = #expr;                                                                                       \
        return run ? (expr) : ROM_OK;                                                                        \
    }
#define S_VOID(expr)                                                                                         \
    if (i == k++) {                                                                                          \
        *what = #expr;                                                                                       \
        if (run)                                                                                             \
            expr;                                                                                            \
        return ROM_INVALID;                                                                                  \
    }
#define S_NOTHING(expr)                                                                                      \
    if (i == k++) {                                                                                          \
        *what = #expr;                                                                                       \
        return !run || !(expr) ? ROM_INVALID : ROM_INTERNAL;                                                 \
    }
    // rom_client.h
    S_STATUS (rom_client_connect (NULL, NULL, &client, NULL))
    S_STATUS (rom_client_connect ("ipc:///nonexistent/x.sock", NULL, NULL, NULL))
    S_VOID (rom_client_destroy (NULL))
    S_VOID (rom_client_destroy (&client))
    S_VOID (rom_client_set_timeout (NULL, 5))
    S_NOTHING (rom_client_endpoint (NULL))
    S_STATUS (rom_client_ping (NULL))
    // rom_manager.h
    S_STATUS (rom_manager_start (&mopts, NULL, NULL))
    S_NOTHING (rom_manager_client (NULL))
    S_NOTHING (rom_manager_endpoint (NULL))
    S_VOID (rom_manager_pid (NULL))
    S_VOID (rom_manager_destroy (NULL))
    S_VOID (rom_manager_destroy (&nmanager))
    // rom_server.h
    S_VOID (rom_server_destroy (NULL))
    S_VOID (rom_server_destroy (&nserver))
    S_STATUS (rom_server_bind (NULL, "inproc://misuse"))
    S_NOTHING (rom_server_endpoint (NULL))
    S_STATUS (rom_server_register (NULL, &test__tally__rom_type, &c, NULL))
    S_STATUS (rom_server_run (NULL))
    S_STATUS (rom_server_serve_forever (NULL))
    S_STATUS (rom_server_start (NULL))
    S_VOID (rom_server_stop (NULL))
    S_NOTHING (rom_server_object_count (NULL))
    S_VOID (rom_server_errmsg (NULL))
    // rom_type.h (servant side)
    S_VOID (rom_call_fail (NULL, ROM_APP_ERROR, "no call"))
    S_NOTHING (rom_call_alloc (NULL, 16))
    S_NOTHING (rom_call_strdup (NULL, "x"))
    S_NOTHING (rom_call_object_id (NULL))
    S_NOTHING (rom_call_session (NULL))
    S_STATUS (rom_call_new_object (NULL, &test__tally__rom_type, NULL, &ref))
    S_STATUS (rom_call_keep_ref (NULL, &ref))
    S_STATUS (rom_call_drop_ref (NULL, 1))
    S_VOID (rom_call_on_cancel (NULL, NULL))
    S_NOTHING (rom_call_output (NULL))
    S_VOID (rom_call_complete (NULL, ROM_OK))
    S_NOTHING (rom_call_peer_gone (NULL))
    S_VOID (rom_call_remaining_ms (NULL))
    S_VOID (rom_call_on_session_end (NULL, NULL))
    // rom_proxy.h
    S_STATUS (rom_proxy_create (NULL, &test__tally__rom_type, NULL, NULL, 0, &proxy))
    S_STATUS (rom_proxy_create_async (NULL, &test__tally__rom_type, NULL, NULL, 0, &future))
    S_STATUS (rom_proxy_lookup (NULL, &test__tally__rom_type, "x", &proxy))
    S_STATUS (rom_proxy_dup (NULL, &proxy))
    S_VOID (rom_proxy_destroy (NULL))
    S_VOID (rom_proxy_destroy (&nproxy))
    S_STATUS (rom_proxy_check (NULL, NULL))
    S_NOTHING (rom_proxy_id (NULL))
    S_NOTHING (rom_proxy_type (NULL))
    S_NOTHING (rom_proxy_client (NULL))
    S_STATUS (rom_proxy_call (NULL, 0, NULL, NULL))
    S_STATUS (rom_proxy_call_async (NULL, 0, NULL, &future))
    S_STATUS (rom_proxy_call_timeout (NULL, 0, NULL, 10, NULL))
    S_STATUS (rom_proxy_call_async_timeout (NULL, 0, NULL, 10, &future))
    S_STATUS (rom_proxy_call_oneway (NULL, 0, NULL))
    S_STATUS (rom_future_wait (NULL, NULL))
    S_STATUS (rom_future_wait (&nfuture, NULL))
    S_STATUS (rom_future_wait_proxy (NULL, &test__tally__rom_type, &proxy))
    S_STATUS (rom_future_wait_proxy (&nfuture, &test__tally__rom_type, &proxy))
    S_VOID (rom_future_destroy (NULL))
    S_VOID (rom_future_destroy (&nfuture))
    S_STATUS (rom_proxy_from_ref (NULL, &test__tally__rom_type, &ref, &proxy))
    S_VOID (rom_ref_release (NULL, &ref))
    S_VOID (rom_proxy_ref (NULL, &ref))
    S_NOTHING (rom_proxy_to_token (NULL))
    S_STATUS (rom_proxy_from_token (NULL, &test__tally__rom_type, NULL, &proxy))
    // generated proxy functions (rom/builtins/dict.rom.h, sync.rom.h)
    S_STATUS (rom__builtins__dict__rom_create (NULL, NULL, &dict_proxy))
    S_STATUS (rom__builtins__dict__rom_create_named (NULL, "x", NULL, 0, &dict_proxy))
    S_STATUS (rom__builtins__dict__rom_create_async (NULL, NULL, &future))
    S_STATUS (rom__builtins__dict__rom_create_wait (NULL, &dict_proxy))
    S_STATUS (rom__builtins__dict__rom_lookup (NULL, "x", &dict_proxy))
    S_STATUS (rom__builtins__dict__rom_from_token (NULL, NULL, &dict_proxy))
    S_STATUS (rom__builtins__dict__rom_from_ref (NULL, &ref, &dict_proxy))
    S_STATUS (rom__builtins__dict__rom_dup (NULL, &dict_proxy))
    S_NOTHING (rom__builtins__dict__rom_base (NULL))
    S_VOID (rom__builtins__dict__rom_destroy (NULL))
    S_VOID (rom__builtins__dict__rom_destroy (&dict_proxy))
    S_STATUS (rom__builtins__dict_proxy__len (NULL, NULL, &size))
    S_STATUS (rom__builtins__dict_proxy__len (NULL, NULL, NULL))
    S_STATUS (rom__builtins__dict_proxy__len_async (NULL, NULL, &future))
    S_STATUS (rom__builtins__dict_proxy__len_oneway (NULL, NULL))
    S_STATUS (rom__builtins__lock_proxy__acquire (NULL, NULL, NULL))
    S_STATUS (rom__builtins__lock__rom_create (NULL, NULL))
    // rom_shared.h
    S_VOID (rom_variant_clear (NULL))
    S_VOID (rom_variants_free (NULL, 3))
    S_VOID (rom_variants_free (&vs, 3))
    S_NOTHING (rom_variant_repr (NULL))
    S_STATUS (rom_value_new (NULL, 'i', ROM_INT (1), &value))
    S_STATUS (rom_value_get (NULL, &v))
    S_STATUS (rom_value_set (NULL, ROM_INT (1)))
    S_STATUS (rom_value_get_int (NULL, &i64))
    S_STATUS (rom_value_get_double (NULL, &d))
    S_STATUS (rom_value_get_str (NULL, &str))
    S_STATUS (rom_value_set_int (NULL, 1))
    S_STATUS (rom_value_set_double (NULL, 1))
    S_STATUS (rom_value_set_str (NULL, "x"))
    S_STATUS (rom_value_add_int (NULL, 1, &i64))
    S_STATUS (rom_value_add_double (NULL, 1, &d))
    S_STATUS (rom_value_cas (NULL, ROM_INT (1), ROM_INT (2), &b, &v))
    S_STATUS (rom_value_cas_int (NULL, &i64, 2, &b))
    S_STATUS (rom_value_typecode (NULL, &c))
    S_NOTHING (rom_value_proxy (NULL))
    S_VOID (rom_value_destroy (NULL))
    S_VOID (rom_value_destroy (&value))
    S_STATUS (rom_array_new (NULL, 'i', 3, &array))
    S_STATUS (rom_array_new_ints (NULL, 'i', &i64, 1, &array))
    S_STATUS (rom_array_new_doubles (NULL, 'd', &d, 1, &array))
    S_STATUS (rom_array_len (NULL, &n))
    S_STATUS (rom_array_get (NULL, 0, &v))
    S_STATUS (rom_array_set (NULL, 0, ROM_INT (1)))
    S_STATUS (rom_array_get_int (NULL, 0, &i64))
    S_STATUS (rom_array_get_double (NULL, 0, &d))
    S_STATUS (rom_array_set_int (NULL, 0, 1))
    S_STATUS (rom_array_set_double (NULL, 0, 1))
    S_STATUS (rom_array_get_ints (NULL, 0, 1, (int64_t **) &vs, &n))
    S_STATUS (rom_array_get_doubles (NULL, 0, 1, (double **) &vs, &n))
    S_STATUS (rom_array_set_ints (NULL, 0, 1, &i64, 1))
    S_STATUS (rom_array_set_doubles (NULL, 0, 1, &d, 1))
    S_STATUS (rom_array_typecode (NULL, &c))
    S_STATUS (rom_array_repr (NULL, &str))
    S_NOTHING (rom_array_proxy (NULL))
    S_VOID (rom_array_destroy (NULL))
    S_VOID (rom_array_destroy (&array))
    S_STATUS (rom_dict_new (NULL, &dict))
    S_STATUS (rom_dict_set (NULL, ROM_STR ("k"), ROM_INT (1)))
    S_STATUS (rom_dict_get (NULL, ROM_STR ("k"), &v))
    S_STATUS (rom_dict_get_or (NULL, ROM_STR ("k"), ROM_INT (1), &v))
    S_STATUS (rom_dict_delete (NULL, ROM_STR ("k")))
    S_STATUS (rom_dict_contains (NULL, ROM_STR ("k"), &b))
    S_STATUS (rom_dict_len (NULL, &n))
    S_STATUS (rom_dict_keys (NULL, &vs, &n))
    S_STATUS (rom_dict_values (NULL, &vs, &n))
    S_STATUS (rom_dict_items (NULL, &vs, &vs, &n))
    S_STATUS (rom_dict_update (NULL, &v, &v, 1))
    S_STATUS (rom_dict_pop (NULL, ROM_STR ("k"), &v))
    S_STATUS (rom_dict_pop_or (NULL, ROM_STR ("k"), ROM_INT (1), &v))
    S_STATUS (rom_dict_setdefault (NULL, ROM_STR ("k"), ROM_INT (1), &v))
    S_STATUS (rom_dict_clear (NULL))
    S_STATUS (rom_dict_incr (NULL, ROM_STR ("k"), ROM_INT (1), &v))
    S_STATUS (rom_dict_set_int (NULL, "k", 1))
    S_STATUS (rom_dict_set_double (NULL, "k", 1))
    S_STATUS (rom_dict_set_str (NULL, "k", "v"))
    S_STATUS (rom_dict_get_int (NULL, "k", &i64))
    S_STATUS (rom_dict_get_int_or (NULL, "k", 1, &i64))
    S_STATUS (rom_dict_get_double (NULL, "k", &d))
    S_STATUS (rom_dict_get_str (NULL, "k", &str))
    S_STATUS (rom_dict_incr_int (NULL, "k", 1, &i64))
    S_STATUS (rom_dict_set_proxy (NULL, ROM_STR ("k"), NULL))
    S_STATUS (rom_dict_repr (NULL, &str))
    S_NOTHING (rom_dict_proxy (NULL))
    S_VOID (rom_dict_destroy (NULL))
    S_VOID (rom_dict_destroy (&dict))
    S_STATUS (rom_list_new (NULL, &list))
    S_STATUS (rom_list_new_from (NULL, &v, 1, &list))
    S_STATUS (rom_list_append (NULL, ROM_INT (1)))
    S_STATUS (rom_list_extend (NULL, &v, 1))
    S_STATUS (rom_list_insert (NULL, 0, ROM_INT (1)))
    S_STATUS (rom_list_get (NULL, 0, &v))
    S_STATUS (rom_list_set (NULL, 0, ROM_INT (1)))
    S_STATUS (rom_list_delete (NULL, 0))
    S_STATUS (rom_list_pop (NULL, -1, &v))
    S_STATUS (rom_list_len (NULL, &n))
    S_STATUS (rom_list_slice (NULL, 0, ROM_SLICE_END, &vs, &n))
    S_STATUS (rom_list_index (NULL, ROM_INT (1), &n))
    S_STATUS (rom_list_remove (NULL, ROM_INT (1)))
    S_STATUS (rom_list_clear (NULL))
    S_STATUS (rom_list_append_int (NULL, 1))
    S_STATUS (rom_list_append_double (NULL, 1))
    S_STATUS (rom_list_append_str (NULL, "x"))
    S_STATUS (rom_list_get_int (NULL, 0, &i64))
    S_STATUS (rom_list_get_double (NULL, 0, &d))
    S_STATUS (rom_list_get_str (NULL, 0, &str))
    S_STATUS (rom_list_repr (NULL, &str))
    S_NOTHING (rom_list_proxy (NULL))
    S_VOID (rom_list_destroy (NULL))
    S_VOID (rom_list_destroy (&list))
    S_STATUS (rom_namespace_new (NULL, &ns))
    S_STATUS (rom_namespace_set (NULL, "x", ROM_INT (1)))
    S_STATUS (rom_namespace_get (NULL, "x", &v))
    S_STATUS (rom_namespace_delete (NULL, "x"))
    S_STATUS (rom_namespace_list (NULL, &strs, &vs, &n))
    S_STATUS (rom_namespace_set_int (NULL, "x", 1))
    S_STATUS (rom_namespace_set_double (NULL, "x", 1))
    S_STATUS (rom_namespace_set_str (NULL, "x", "y"))
    S_STATUS (rom_namespace_get_int (NULL, "x", &i64))
    S_STATUS (rom_namespace_get_double (NULL, "x", &d))
    S_STATUS (rom_namespace_get_str (NULL, "x", &str))
    S_STATUS (rom_namespace_repr (NULL, &str))
    S_NOTHING (rom_namespace_proxy (NULL))
    S_VOID (rom_namespace_destroy (NULL))
    S_VOID (rom_namespace_destroy (&ns))
    // rom_sync.h
    S_STATUS (rom_lock_new (NULL, &lock))
    S_STATUS (rom_rlock_new (NULL, &lock))
    S_STATUS (rom_lock_acquire (NULL, ROM_NOWAIT))
    S_STATUS (rom_lock_release (NULL))
    S_STATUS (rom_lock_locked (NULL, &b, &b))
    S_NOTHING (rom_lock_proxy (NULL))
    S_VOID (rom_lock_destroy (NULL))
    S_VOID (rom_lock_destroy (&lock))
    S_STATUS (rom_semaphore_new (NULL, 1, &sem))
    S_STATUS (rom_bounded_semaphore_new (NULL, 1, &sem))
    S_STATUS (rom_semaphore_acquire (NULL, ROM_NOWAIT))
    S_STATUS (rom_semaphore_release (NULL))
    S_STATUS (rom_semaphore_value (NULL, &i64))
    S_NOTHING (rom_semaphore_proxy (NULL))
    S_VOID (rom_semaphore_destroy (NULL))
    S_VOID (rom_semaphore_destroy (&sem))
    S_STATUS (rom_event_new (NULL, &event))
    S_STATUS (rom_event_set (NULL))
    S_STATUS (rom_event_clear (NULL))
    S_STATUS (rom_event_is_set (NULL, &b))
    S_STATUS (rom_event_wait (NULL, ROM_NOWAIT))
    S_NOTHING (rom_event_proxy (NULL))
    S_VOID (rom_event_destroy (NULL))
    S_VOID (rom_event_destroy (&event))
    S_STATUS (rom_condition_new (NULL, &cond))
    S_STATUS (rom_condition_acquire (NULL, ROM_NOWAIT))
    S_STATUS (rom_condition_release (NULL))
    S_STATUS (rom_condition_wait (NULL, 10))
    S_STATUS (rom_condition_wait_for (NULL, s_predicate, NULL, 10))
    S_STATUS (rom_condition_notify (NULL, 1, &i64))
    S_STATUS (rom_condition_notify_all (NULL, &i64))
    S_NOTHING (rom_condition_proxy (NULL))
    S_VOID (rom_condition_destroy (NULL))
    S_VOID (rom_condition_destroy (&cond))
    S_STATUS (rom_barrier_new (NULL, 2, &barrier))
    S_STATUS (rom_barrier_wait (NULL, 10, &i64))
    S_STATUS (rom_barrier_abort (NULL))
    S_STATUS (rom_barrier_reset (NULL))
    S_STATUS (rom_barrier_state (NULL, &u32, &u32, &b))
    S_NOTHING (rom_barrier_proxy (NULL))
    S_VOID (rom_barrier_destroy (NULL))
    S_VOID (rom_barrier_destroy (&barrier))
    S_VOID (rom_item_clear (NULL))
    S_STATUS (rom_queue_new (NULL, 0, &queue))
    S_STATUS (rom_joinable_queue_new (NULL, 0, &queue))
    S_STATUS (rom_queue_put_int (NULL, 1, ROM_NOWAIT))
    S_STATUS (rom_queue_put_double (NULL, 1, ROM_NOWAIT))
    S_STATUS (rom_queue_put_str (NULL, "x", ROM_NOWAIT))
    S_STATUS (rom_queue_put_bytes (NULL, "x", 1, ROM_NOWAIT))
    S_STATUS (rom_queue_put_message (NULL, &ref.base, ROM_NOWAIT))
    S_STATUS (rom_queue_put_item (NULL, &item, ROM_NOWAIT))
    S_STATUS (rom_queue_get_int (NULL, ROM_NOWAIT, &i64))
    S_STATUS (rom_queue_get_double (NULL, ROM_NOWAIT, &d))
    S_STATUS (rom_queue_get_str (NULL, ROM_NOWAIT, &str))
    S_STATUS (
        rom_queue_get_message (NULL, ROM_NOWAIT, &rom__object_ref__descriptor, (ProtobufCMessage **) &vs))
    S_STATUS (rom_queue_get_item (NULL, ROM_NOWAIT, &item))
    S_STATUS (rom_queue_qsize (NULL, &i64))
    S_STATUS (rom_queue_empty (NULL, &b))
    S_STATUS (rom_queue_full (NULL, &b))
    S_STATUS (rom_queue_task_done (NULL))
    S_STATUS (rom_queue_join (NULL, 10))
    S_NOTHING (rom_queue_proxy (NULL))
    S_VOID (rom_queue_destroy (NULL))
    S_VOID (rom_queue_destroy (&queue))
    S_STATUS (rom_pipe_new (NULL, true, &pipe_a, &pipe_b))
    S_STATUS (rom_pipe_send_int (NULL, 1))
    S_STATUS (rom_pipe_send_str (NULL, "x"))
    S_STATUS (rom_pipe_send_bytes (NULL, "x", 1))
    S_STATUS (rom_pipe_send_message (NULL, &ref.base))
    S_STATUS (rom_pipe_send_item (NULL, &item))
    S_STATUS (rom_pipe_recv_int (NULL, ROM_NOWAIT, &i64))
    S_STATUS (rom_pipe_recv_str (NULL, ROM_NOWAIT, &str))
    S_STATUS (rom_pipe_recv_bytes (NULL, ROM_NOWAIT, &bytes, &n))
    S_STATUS (
        rom_pipe_recv_message (NULL, ROM_NOWAIT, &rom__object_ref__descriptor, (ProtobufCMessage **) &vs))
    S_STATUS (rom_pipe_recv_item (NULL, ROM_NOWAIT, &item))
    S_STATUS (rom_pipe_poll (NULL, &b))
    S_VOID (rom_pipe_close (NULL))
    S_VOID (rom_pipe_close (&pipe_a))
    S_NOTHING (rom_pipe_proxy (NULL))
    S_VOID (rom_pipe_destroy (NULL))
    S_VOID (rom_pipe_destroy (&pipe_a))
#undef S_STATUS
#undef S_VOID
#undef S_NOTHING
    *what = NULL;
    return ROM_OK;
}

// Run case `i` in a child: its exit code is 100 + the status, a signal (or a sanitizer's exit code) means it
// crashed, 5 s without an end that it hung. Returns NULL when it behaved, else what went wrong (static).
static const char *
s_run_null_case (int i)
{
    static char verdict[128];
    const char *what;
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        // cmocka's handlers would turn a crash into a failed test and go on with the suite in this child.
        int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS};
        for (size_t s = 0; s < sizeof signals / sizeof *signals; s++)
            signal (signals[s], SIG_DFL);
        _exit (100 + (int) s_null_case (i, true, &what)); // 1..99: a sanitizer's own exit code after a report
    }
    int status = 0;
    uint64_t deadline = romi_now_ms () + 5000;
    pid_t done;
    while ((done = waitpid (pid, &status, WNOHANG)) == 0 && romi_now_ms () < deadline)
        usleep (1000);
    if (done == 0) {
        kill (pid, SIGKILL);
        waitpid (pid, &status, 0);
        return "hung (> 5 s)";
    }
    if (WIFSIGNALED (status)) {
        snprintf (verdict, sizeof verdict, "crashed (signal %d)", WTERMSIG (status));
        return verdict;
    }
    if (WEXITSTATUS (status) < 100) {
        snprintf (verdict, sizeof verdict, "crashed (exit %d: a sanitizer's report)", WEXITSTATUS (status));
        return verdict;
    }
    if (WEXITSTATUS (status) - 100 != ROM_INVALID) {
        snprintf (verdict, sizeof verdict, "returned %s, not ROM_INVALID",
                  rom_strerror ((rom_status_t) (WEXITSTATUS (status) - 100)));
        return verdict;
    }
    return NULL;
}

// First in the file: the process has no ZMQ thread yet, so forking it is what a plain program would do.
static void
test_null_handles (void **state)
{
    (void) state;
    int failures = 0, cases = 0;
    const char *what = "";
    for (int i = 0; s_null_case (i, false, &what), what; i++, cases++) {
        const char *verdict = s_run_null_case (i);
        if (verdict) {
            printf ("misuse: %s %s\n", what, verdict);
            failures++;
        }
    }
    printf ("misuse: %d of %d NULL-handle calls misbehaved\n", failures, cases);
    assert_true (cases > 250);
    assert_int_equal (failures, 0);
}

// The text of a failure with no client names the function that refused.
static void
test_null_handle_text (void **state)
{
    (void) state;
    assert_int_equal (rom_dict_len (NULL, &(size_t) {0}), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "rom_dict_len"));
    assert_int_equal (rom_lock_acquire (NULL, ROM_NOWAIT), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "rom_lock_acquire"));
    assert_int_equal (rom_queue_get_int (NULL, ROM_NOWAIT, &(int64_t) {0}), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "rom_queue_get_int"));
    assert_int_equal (rom_value_new (NULL, 'i', ROM_INT (1), &(rom_value_t *) {NULL}), ROM_INVALID);
    assert_non_null (strstr (rom_client_errmsg (NULL), "rom_value_new"));
}

// --- handles of the wrong kind -----------------------------------------------------------------------------

static rom_manager_t *
s_manager (const char *endpoint)
{
    rom_manager_opts_t opts = {.endpoint = endpoint, .register_types = rom_test_register};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    rom_status_t status = rom_manager_start (&opts, &manager, &why);
    if (status != ROM_OK)
        fail_msg ("rom_manager_start (%s): %s: %s", endpoint ? endpoint : "NULL", rom_strerror (status),
                  why ? why : "");
    return manager;
}

static void
s_assert_text (const char *needle)
{
    const char *text = rom_client_errmsg (NULL);
    if (!strstr (text, needle))
        fail_msg ("rom_client_errmsg (NULL) is \"%s\", expected it to contain \"%s\"", text, needle);
}

static void
test_wrong_kind (void **state)
{
    (void) state;
    rom_manager_t *manager = s_manager (NULL);
    rom_client_t *client = rom_manager_client (manager);
    rom_dict_t *dict;
    rom_lock_t *lock, *rlock;
    rom_semaphore_t *bounded;
    rom_queue_t *queue;
    assert_int_equal (rom_dict_new (client, &dict), ROM_OK);
    assert_int_equal (rom_dict_set_int (dict, "k", 7), ROM_OK);
    assert_int_equal (rom_lock_new (client, &lock), ROM_OK);
    assert_int_equal (rom_rlock_new (client, &rlock), ROM_OK);
    assert_int_equal (rom_bounded_semaphore_new (client, 1, &bounded), ROM_OK);
    assert_int_equal (rom_joinable_queue_new (client, 0, &queue), ROM_OK);

    // Generated proxy functions: a Dict proxy cast to a Lock proxy, and a client cast to one.
    Rom__Builtins__Lock_Proxy *as_lock = (Rom__Builtins__Lock_Proxy *) dict;
    Rom__Builtins__AcquireRequest in = ROM__BUILTINS__ACQUIRE_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    Google__Protobuf__Empty *out = (Google__Protobuf__Empty *) &in; // must become NULL
    assert_int_equal (rom__builtins__lock_proxy__acquire (as_lock, &in, &out), ROM_INVALID);
    assert_null (out);
    s_assert_text ("rom.builtins.Lock");
    rom_future_t *future = (rom_future_t *) &in;
    assert_int_equal (rom__builtins__lock_proxy__acquire_async (as_lock, &in, &future), ROM_INVALID);
    assert_null (future);
    assert_int_equal (rom__builtins__lock_proxy__acquire_oneway (as_lock, &in), ROM_INVALID);
    Rom__Builtins__Lock_Proxy *copy = as_lock;
    assert_int_equal (rom__builtins__lock__rom_dup (as_lock, &copy), ROM_INVALID);
    assert_null (copy);
    assert_null (rom__builtins__lock__rom_base (as_lock));
    rom__builtins__lock__rom_destroy (&as_lock); // refused: left alone, the dict lives on
    assert_ptr_equal (as_lock, (Rom__Builtins__Lock_Proxy *) dict);
    Rom__Builtins__Lock_Proxy *from_client = (Rom__Builtins__Lock_Proxy *) client;
    assert_int_equal (rom__builtins__lock_proxy__acquire (from_client, &in, NULL), ROM_INVALID);
    s_assert_text ("not a live proxy");
    rom__builtins__lock__rom_destroy (&from_client);
    assert_ptr_equal (from_client, (Rom__Builtins__Lock_Proxy *) client);
    Rom__Builtins__Size *size = NULL;
    assert_int_equal (rom__builtins__dict_proxy__len ((Rom__Builtins__Dict_Proxy *) lock, NULL, &size),
                      ROM_INVALID);
    assert_null (size);

    // Helpers: a handle of another built-in is refused, naming the helper; its destroy leaves it alone.
    assert_int_equal (rom_lock_acquire ((rom_lock_t *) dict, ROM_NOWAIT), ROM_INVALID);
    s_assert_text ("rom_lock_acquire");
    assert_int_equal (rom_lock_acquire ((rom_lock_t *) client, ROM_NOWAIT), ROM_INVALID);
    assert_int_equal (rom_dict_set_int ((rom_dict_t *) lock, "k", 1), ROM_INVALID);
    s_assert_text ("rom_dict_set_int");
    assert_int_equal (rom_list_append_int ((rom_list_t *) dict, 1), ROM_INVALID);
    assert_int_equal (rom_queue_put_int ((rom_queue_t *) lock, 1, ROM_NOWAIT), ROM_INVALID);
    assert_int_equal (rom_event_set ((rom_event_t *) queue), ROM_INVALID);
    assert_int_equal (rom_condition_notify_all ((rom_condition_t *) rlock, NULL), ROM_INVALID);
    assert_null (rom_lock_proxy ((rom_lock_t *) dict));
    rom_lock_t *dict_as_lock = (rom_lock_t *) dict;
    rom_lock_destroy (&dict_as_lock);
    assert_ptr_equal (dict_as_lock, (rom_lock_t *) dict);
    rom_queue_t *lock_as_queue = (rom_queue_t *) lock;
    rom_queue_destroy (&lock_as_queue);
    assert_ptr_equal (lock_as_queue, (rom_queue_t *) lock);
    int64_t got = 0;
    assert_int_equal (rom_dict_get_int (dict, "k", &got), ROM_OK); // nothing above touched it
    assert_int_equal (got, 7);

    // The kinds a handle may be: a Lock handle is a Lock or an RLock, a Semaphore one may be bounded, a
    // Queue one joinable.
    assert_int_equal (rom_lock_acquire (lock, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    assert_int_equal (rom_lock_acquire (rlock, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_release (rlock), ROM_OK);
    assert_int_equal (rom_semaphore_acquire (bounded, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_semaphore_release (bounded), ROM_OK);
    assert_int_equal (rom_queue_put_int (queue, 5, ROM_NOWAIT), ROM_OK);

    // NULL out-pointers with a live handle: refused before anything is sent (the item stays queued).
    assert_int_equal (rom_queue_get_int (queue, ROM_NOWAIT, NULL), ROM_INVALID);
    assert_int_equal (rom_queue_get_message (queue, ROM_NOWAIT, NULL, &(ProtobufCMessage *) {NULL}),
                      ROM_INVALID);
    int64_t qsize = 0;
    assert_int_equal (rom_queue_qsize (queue, &qsize), ROM_OK);
    assert_int_equal (qsize, 1);
    assert_int_equal (rom_dict_len (dict, NULL), ROM_INVALID);
    s_assert_text ("rom_dict_len");
    assert_int_equal (rom_dict_get (dict, ROM_STR ("k"), NULL), ROM_INVALID);
    assert_int_equal (rom_lock_new (client, NULL), ROM_INVALID);
    assert_int_equal (rom_pipe_new (client, true, NULL, NULL), ROM_INVALID);
    assert_int_equal (rom__builtins__dict__rom_create (client, NULL, NULL), ROM_INVALID);
    assert_int_equal (rom_dict_set_proxy (dict, ROM_STR ("p"), (const rom_proxy_t *) client), ROM_INVALID);
    assert_int_equal (rom_condition_wait_for (NULL, NULL, NULL, 0), ROM_INVALID);

    rom_dict_destroy (&dict);
    assert_null (dict);
    rom_lock_destroy (&lock);
    rom_lock_destroy (&rlock);
    rom_semaphore_destroy (&bounded);
    rom_queue_destroy (&queue);
    assert_null (lock);
    assert_null (queue);
    rom_manager_destroy (&manager);
}

// --- proxies that outlive their client ---------------------------------------------------------------------

typedef struct {
    rom_dict_t *dict;
    rom_lock_t *lock;
    rom_queue_t *queue;
    rom_proxy_t *tally;
    Rom__Builtins__Event_Proxy *event; // a generated proxy, used through its generated functions
} s_proxies_t;

static void
s_make_proxies (rom_client_t *client, s_proxies_t *p)
{
    assert_int_equal (rom_dict_new (client, &p->dict), ROM_OK);
    assert_int_equal (rom_dict_set_int (p->dict, "k", 1), ROM_OK);
    assert_int_equal (rom_lock_new (client, &p->lock), ROM_OK);
    assert_int_equal (rom_queue_new (client, 0, &p->queue), ROM_OK);
    assert_int_equal (rom_proxy_create (client, &test__tally__rom_type, NULL, NULL, 0, &p->tally), ROM_OK);
    assert_int_equal (rom__builtins__event__rom_create (client, &p->event), ROM_OK);
}

// Every call through proxies whose client is gone: a count of the checks that did not answer
// ROM_UNAVAILABLE with S_GONE (0: all did), so a forked child can report it by its exit code.
static int
s_orphan_failures (s_proxies_t *p)
{
    int bad = 0;
#define S_GONE_STATUS(expr)                                                                                  \
    do {                                                                                                     \
        rom_status_t status_ = (expr);                                                                       \
        if (status_ != ROM_UNAVAILABLE || !strstr (rom_client_errmsg (NULL), S_GONE)) {                      \
            fprintf (stderr, "misuse: %s: %s (%s)\n", #expr, rom_strerror (status_),                         \
                     rom_client_errmsg (NULL));                                                              \
            bad++;                                                                                           \
        }                                                                                                    \
    } while (0)
    int64_t i64;
    size_t n;
    rom_future_t *future = NULL;
    rom_proxy_t *copy = NULL;
    S_GONE_STATUS (rom_dict_set_int (p->dict, "k", 2));
    S_GONE_STATUS (rom_dict_get_int (p->dict, "k", &i64));
    S_GONE_STATUS (rom_dict_len (p->dict, &n));
    S_GONE_STATUS (rom_lock_acquire (p->lock, ROM_NOWAIT));
    S_GONE_STATUS (rom_lock_acquire (p->lock, ROM_FOREVER));
    S_GONE_STATUS (rom_queue_put_int (p->queue, 1, ROM_NOWAIT));
    S_GONE_STATUS (rom_queue_get_int (p->queue, ROM_FOREVER, &i64));
    S_GONE_STATUS (rom_proxy_call (p->tally, TEST__TALLY_METHOD__GET, NULL, NULL));
    S_GONE_STATUS (rom_proxy_call_async (p->tally, TEST__TALLY_METHOD__GET, NULL, &future));
    S_GONE_STATUS (rom_proxy_call_oneway (p->tally, TEST__TALLY_METHOD__GET, NULL));
    S_GONE_STATUS (rom_proxy_dup (p->tally, &copy));
    S_GONE_STATUS (rom__builtins__event_proxy__set (p->event, NULL, NULL));
    S_GONE_STATUS (rom__builtins__event_proxy__set_async (p->event, NULL, &future));
#undef S_GONE_STATUS
    bad += future != NULL;
    bad += copy != NULL;
    bad += rom_proxy_client (p->tally) != NULL;
    bad += rom_proxy_check (p->tally, &test__tally__rom_type) != ROM_OK; // still a live proxy, only orphaned
    // Destroying them is safe, and leaves nothing behind.
    rom_dict_destroy (&p->dict);
    rom_lock_destroy (&p->lock);
    rom_queue_destroy (&p->queue);
    rom_proxy_destroy (&p->tally);
    rom__builtins__event__rom_destroy (&p->event);
    bad += p->dict || p->lock || p->queue || p->tally || p->event;
    return bad;
}

static void
test_proxy_after_client_destroy (void **state)
{
    (void) state;
    const char *endpoint = rom_test_endpoint ("ipc", "misuse-client");
    pid_t server = rom_test_server_fork (endpoint, 0);
    rom_client_t *client = rom_test_connect (endpoint);
    s_proxies_t p;
    s_make_proxies (client, &p);
    rom_client_destroy (&client);
    assert_int_equal (s_orphan_failures (&p), 0);
    assert_int_equal (rom_test_server_stop (server), 0);
}

static void
test_proxy_after_manager_destroy (void **state)
{
    (void) state;
    rom_manager_t *manager = s_manager (NULL);
    s_proxies_t p;
    s_make_proxies (rom_manager_client (manager), &p);
    rom_manager_destroy (&manager);
    assert_null (manager);
    assert_int_equal (s_orphan_failures (&p), 0);
}

// A future whose client was destroyed before it was waited for or destroyed.
static void
test_future_after_client_destroy (void **state)
{
    (void) state;
    rom_manager_t *manager = s_manager (NULL);
    rom_proxy_t *tally;
    assert_int_equal (rom_proxy_create (rom_manager_client (manager), &test__tally__rom_type, NULL, NULL, 0,
                                        &tally),
                      ROM_OK);
    rom_future_t *waited, *dropped;
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__GET, NULL, &waited), ROM_OK);
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__GET, NULL, &dropped), ROM_OK);
    rom_manager_destroy (&manager);
    assert_int_equal (rom_future_wait (&waited, NULL), ROM_UNAVAILABLE);
    assert_null (waited);
    rom_future_destroy (&dropped);
    assert_null (dropped);
    rom_proxy_destroy (&tally);
}

// A forked child destroys the manager (or client) it inherited, then uses and destroys its proxies: the
// child's own copies only; the parent's keep working.
static void
s_fork_orphans (rom_manager_t *manager, rom_client_t *client)
{
    s_proxies_t p;
    s_make_proxies (manager ? rom_manager_client (manager) : client, &p);
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        if (manager)
            rom_manager_destroy (&manager);
        else
            rom_client_destroy (&client);
        int bad = s_orphan_failures (&p);
        _exit (bad > 100 ? 100 : bad);
    }
    assert_int_equal (rom_test_join (child), 0);
    int64_t got = 0;
    assert_int_equal (rom_dict_get_int (p.dict, "k", &got), ROM_OK);
    assert_int_equal (got, 1);
    assert_int_equal (rom_lock_acquire (p.lock, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_release (p.lock), ROM_OK);
    assert_int_equal (rom__builtins__event_proxy__set (p.event, NULL, NULL), ROM_OK);
    rom_dict_destroy (&p.dict);
    rom_lock_destroy (&p.lock);
    rom_queue_destroy (&p.queue);
    rom_proxy_destroy (&p.tally);
    rom__builtins__event__rom_destroy (&p.event);
}

static void
test_fork_child_destroys_manager (void **state)
{
    (void) state;
    rom_manager_t *manager = s_manager (NULL);
    s_fork_orphans (manager, NULL);
    assert_int_equal (rom_client_ping (rom_manager_client (manager)), ROM_OK);
    rom_manager_destroy (&manager);
}

static void
test_fork_child_destroys_client (void **state)
{
    (void) state;
    const char *endpoint = rom_test_endpoint ("ipc", "misuse-fork");
    pid_t server = rom_test_server_fork (endpoint, 0);
    rom_client_t *client = rom_test_connect (endpoint);
    s_fork_orphans (NULL, client);
    assert_int_equal (rom_client_ping (client), ROM_OK);
    rom_client_destroy (&client);
    assert_int_equal (rom_test_server_stop (server), 0);
}

// --- manager endpoints -------------------------------------------------------------------------------------

// inproc:// cannot reach a server in another process: refused before forking, at once.
static void
test_manager_inproc_refused (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.endpoint = "inproc://x"};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    uint64_t start = romi_now_ms ();
    assert_int_equal (rom_manager_start (&opts, &manager, &why), ROM_INVALID);
    uint64_t spent = romi_now_ms () - start;
    assert_true (spent < 100);
    assert_null (manager);
    assert_non_null (why);
    assert_non_null (strstr (why, "inproc"));
    // No server process was forked (every child of earlier tests was reaped).
    errno = 0;
    assert_int_equal (waitpid (-1, NULL, WNOHANG), -1);
    assert_int_equal (errno, ECHILD);
}

// A host name works for tcp (libzmq binds only addresses and interface names: the manager resolves it).
static void
test_manager_tcp_localhost (void **state)
{
    (void) state;
    const char *numeric = rom_test_endpoint ("tcp", "misuse"); // tcp://127.0.0.1:<a free port>
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "tcp://localhost:%s", strrchr (numeric, ':') + 1);
    rom_manager_t *manager = s_manager (endpoint);
    rom_client_t *client = rom_manager_client (manager);
    rom_value_t *value;
    assert_int_equal (rom_value_new (client, 'q', ROM_INT (40), &value), ROM_OK);
    int64_t now = 0;
    assert_int_equal (rom_value_add_int (value, 2, &now), ROM_OK);
    assert_int_equal (now, 42);
    // Another client reaches it through the endpoint the manager reports.
    rom_client_t *other = rom_test_connect (rom_manager_endpoint (manager));
    assert_int_equal (rom_client_ping (other), ROM_OK);
    rom_client_destroy (&other);
    rom_value_destroy (&value);
    rom_manager_destroy (&manager);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_null_handles), // first: see there
        cmocka_unit_test (test_null_handle_text),
        cmocka_unit_test (test_wrong_kind),
        cmocka_unit_test (test_proxy_after_client_destroy),
        cmocka_unit_test (test_proxy_after_manager_destroy),
        cmocka_unit_test (test_fork_child_destroys_manager),
        cmocka_unit_test (test_fork_child_destroys_client),
        cmocka_unit_test (test_manager_inproc_refused),
        cmocka_unit_test (test_manager_tcp_localhost),
        cmocka_unit_test (test_future_after_client_destroy), // last: under ASan a use after free ends the run
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
