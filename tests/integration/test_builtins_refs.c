// test_builtins_refs.c: references to shared objects inside the built-ins (issue 14), over a real server
// process and forked client processes: a proxy put in a Queue or sent through a Pipe by one process and used,
// typed, by another (rom_<type>_from_token (), no cast); List and Namespace holding references; what keeps an
// object alive and what lets it go (taken and cleared, a queue destroyed, the queue owner's process gone);
// tokens of the wrong type; misuse. Then the texts of errors ("type#id.Method: ..." also for what the
// helpers find themselves, and after the server forgot the object), and UTF-8: the helpers refuse invalid
// text early (ROM_INVALID), the server refuses it from anyone (ROM_BAD_REQUEST) and keeps serving.
#include "rom_test_fault.h"
#include "rom_test_fixture.h"
#include "rom/builtins/dict.rom.h"
#include "rom/builtins/list.rom.h"
#include "rom/builtins/namespace.rom.h"
#include "rom/builtins/queue.rom.h"
#include "rom/builtins/sync.rom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define assert_errmsg(client, part)                                                                          \
    do {                                                                                                     \
        if (!strstr (rom_client_errmsg (client), (part)))                                                    \
            fail_msg ("errmsg \"%s\" lacks \"%s\"", rom_client_errmsg (client), (part));                     \
    } while (0)

// Whether the object a token names still exists (a probe takes and drops a reference of its own).
static bool
s_alive (rom_client_t *client, const rom_type_t *type, const char *token)
{
    rom_proxy_t *probe = NULL;
    rom_status_t status = rom_proxy_from_token (client, type, token, &probe);
    rom_proxy_destroy (&probe);
    assert_true (status == ROM_OK || status == ROM_NO_OBJECT);
    return status == ROM_OK;
}

// Wait up to 5 s for the object to be gone (a dead process's session ends within milliseconds).
static bool
s_gone_within (rom_client_t *client, const rom_type_t *type, const char *token)
{
    uint64_t deadline = romi_now_ms () + 5000;
    while (s_alive (client, type, token))
        if (romi_now_ms () > deadline)
            return false;
        else
            usleep (10000);
    return true;
}

static char *
s_token (const void *handle)
{
    char *token = rom_proxy_to_token ((const rom_proxy_t *) handle);
    assert_non_null (token);
    return token;
}

// --- Queue: a proxy put by one process, used typed by another ----------------------------------------------

// The child: take the List the parent queued, append to it through a typed handle, then queue a Dict of its
// own and exit (its session ends: only the queue holds the Dict then).
static int
s_queue_child (const char *queue_token)
{
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *q = NULL;
    int ok = rom_queue_from_token (client, queue_token, &q) == ROM_OK;
    rom_item_t item;
    ok = ok && rom_queue_get_item (q, 5000, &item) == ROM_OK && item.kind == ROM_ITEM_REF;
    rom_list_t *l = NULL;
    ok = ok && rom_list_from_token (client, item.str, &l) == ROM_OK;
    rom_item_clear (&item);
    ok = ok && rom_list_append_str (l, "from the child") == ROM_OK;
    rom_list_destroy (&l);
    rom_dict_t *d = NULL;
    ok = ok && rom_dict_new (client, &d) == ROM_OK && rom_dict_set_int (d, "k", 5) == ROM_OK;
    ok = ok && rom_queue_put_proxy (q, rom_dict_proxy (d), ROM_FOREVER) == ROM_OK;
    rom_dict_destroy (&d);
    rom_queue_destroy (&q);
    rom_client_destroy (&client);
    return ok ? 0 : 1;
}

static void
test_queue_carries_proxies_between_processes (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *q = NULL;
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    rom_list_t *l = NULL;
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_queue_put_proxy (q, rom_list_proxy (l), ROM_FOREVER), ROM_OK);
    char *queue_token = s_token (q);
    pid_t child = fork ();
    if (child == 0)
        _exit (s_queue_child (queue_token));
    assert_int_equal (rom_test_join (child), 0);
    char *text = NULL;
    assert_int_equal (rom_list_get_str (l, 0, &text), ROM_OK);
    assert_string_equal (text, "from the child");
    free (text);

    // The child's Dict outlived the child's session: the queue held it.
    rom_item_t item;
    assert_int_equal (rom_queue_get_item (q, 5000, &item), ROM_OK);
    assert_int_equal (item.kind, ROM_ITEM_REF);
    rom_dict_t *d = NULL;
    assert_int_equal (rom_dict_from_token (client, item.str, &d), ROM_OK);
    char *dict_token = strdup (item.str);
    rom_item_clear (&item);
    assert_int_equal (item.kind, ROM_ITEM_NONE);
    int64_t k = 0;
    assert_int_equal (rom_dict_get_int (d, "k", &k), ROM_OK);
    assert_int_equal (k, 5);
    // Our handle is the last reference: the Dict dies with it.
    rom_dict_destroy (&d);
    assert_false (s_alive (client, &rom__builtins__dict__rom_type, dict_token));
    free (dict_token);
    free (queue_token);
    rom_list_destroy (&l);
    rom_queue_destroy (&q);
    rom_client_destroy (&client);
}

// Before issue 14 a reference item came back as ROM_ITEM_NONE and its reference stayed with the getter's
// session until that ended: an item taken and cleared must let its object go at once.
static void
test_queue_item_cleared_releases_its_object (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *q = NULL;
    assert_int_equal (rom_joinable_queue_new (client, 0, &q), ROM_OK);
    rom_dict_t *d = NULL;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    char *token = s_token (d);
    assert_int_equal (rom_queue_put_proxy (q, rom_dict_proxy (d), ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_queue_put_proxy (q, rom_dict_proxy (d), ROM_FOREVER), ROM_OK);
    rom_dict_destroy (&d);
    assert_true (s_alive (client, &rom__builtins__dict__rom_type, token)); // the queue holds it, twice
    rom_item_t item;
    assert_int_equal (rom_queue_get_item (q, ROM_NOWAIT, &item), ROM_OK);
    assert_int_equal (item.kind, ROM_ITEM_REF);
    assert_string_equal (item.str, token);
    rom_item_clear (&item);
    assert_true (s_alive (client, &rom__builtins__dict__rom_type, token)); // the second item
    // A typed get of a reference is refused, with the queue's prefix, and the reference is let go too.
    int64_t v = 0;
    assert_int_equal (rom_queue_get_int (q, ROM_NOWAIT, &v), ROM_WRONG_TYPE);
    char want[128];
    snprintf (want, sizeof want,
              "rom.builtins.JoinableQueue#%llu.Get: the item is an object reference, not an int",
              (unsigned long long) rom_proxy_id (rom_queue_proxy (q)));
    assert_errmsg (client, want);
    assert_false (s_alive (client, &rom__builtins__dict__rom_type, token));
    free (token);
    rom_queue_destroy (&q);
    rom_client_destroy (&client);
}

// A queue destroyed with references in it lets them go; so does a queue whose owner's process died.
static int
s_owner_child (const char *dict_token, int out_fd)
{
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *q = NULL;
    rom_dict_t *d = NULL;
    int ok = rom_queue_new (client, 0, &q) == ROM_OK && rom_dict_from_token (client, dict_token, &d) == ROM_OK
             && rom_queue_put_proxy (q, rom_dict_proxy (d), ROM_FOREVER) == ROM_OK;
    rom_dict_destroy (&d);
    char *token = rom_proxy_to_token (rom_queue_proxy (q));
    rom_test_send_line (out_fd, ok && token ? token : "failed");
    free (token);
    _exit (0); // no goodbye: the session ends with the process's connections
}

static void
test_queue_let_go_of_its_references_when_it_dies (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_queue_t *q = NULL;
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    rom_list_t *l = NULL;
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    char *token = s_token (l);
    assert_int_equal (rom_queue_put_proxy (q, rom_list_proxy (l), ROM_FOREVER), ROM_OK);
    rom_list_destroy (&l);
    assert_true (s_alive (client, &rom__builtins__list__rom_type, token));
    rom_queue_destroy (&q); // its last handle: the queue dies, and what it held with it
    assert_false (s_alive (client, &rom__builtins__list__rom_type, token));
    free (token);

    // The owner of the queue is a process that dies without a word.
    rom_dict_t *d = NULL;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    token = s_token (d);
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    pid_t child = fork ();
    if (child == 0) {
        close (fds[0]);
        s_owner_child (token, fds[1]);
    }
    close (fds[1]);
    char queue_token[512];
    assert_true (rom_test_recv_line (fds[0], queue_token, sizeof queue_token, 10000));
    close (fds[0]);
    assert_int_equal (rom_test_join (child), 0);
    assert_string_not_equal (queue_token, "failed");
    assert_true (s_gone_within (client, &rom__builtins__queue__rom_type, queue_token));
    rom_dict_destroy (&d);
    assert_false (s_alive (client, &rom__builtins__dict__rom_type, token));
    free (token);
    rom_client_destroy (&client);
}

// --- Pipe --------------------------------------------------------------------------------------------------

static int
s_pipe_child (const char *end_token)
{
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_pipe_t *b = NULL;
    int ok = rom_pipe_from_token (client, end_token, &b) == ROM_OK;
    rom_item_t item;
    ok = ok && rom_pipe_recv_item (b, 5000, &item) == ROM_OK && item.kind == ROM_ITEM_REF;
    rom_namespace_t *ns = NULL;
    ok = ok && rom_namespace_from_token (client, item.str, &ns) == ROM_OK;
    rom_item_clear (&item);
    ok = ok && rom_namespace_set_int (ns, "seen", 1) == ROM_OK;
    rom_namespace_destroy (&ns);
    // And one back: a Lock, used typed by the parent.
    rom_lock_t *lock = NULL;
    ok = ok && rom_lock_new (client, &lock) == ROM_OK && rom_lock_acquire (lock, ROM_NOWAIT) == ROM_OK;
    ok = ok && rom_pipe_send_proxy (b, rom_lock_proxy (lock)) == ROM_OK;
    rom_lock_destroy (&lock);
    rom_pipe_destroy (&b);
    rom_client_destroy (&client);
    return ok ? 0 : 1;
}

static void
test_pipe_carries_proxies_both_ways (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_pipe_t *a = NULL, *b = NULL;
    assert_int_equal (rom_pipe_new (client, true, &a, &b), ROM_OK);
    rom_namespace_t *ns = NULL;
    assert_int_equal (rom_namespace_new (client, &ns), ROM_OK);
    assert_int_equal (rom_pipe_send_proxy (a, rom_namespace_proxy (ns)), ROM_OK);
    char *end_token = s_token (b);
    pid_t child = fork ();
    if (child == 0)
        _exit (s_pipe_child (end_token));
    assert_int_equal (rom_test_join (child), 0);
    int64_t seen = 0;
    assert_int_equal (rom_namespace_get_int (ns, "seen", &seen), ROM_OK);
    assert_int_equal (seen, 1);
    // The child's Lock waited in our inbox after the child was gone; it is held (by the child's session,
    // which ended: released), and it is a Lock, usable through a typed handle.
    rom_item_t item;
    assert_int_equal (rom_pipe_recv_item (a, 5000, &item), ROM_OK);
    assert_int_equal (item.kind, ROM_ITEM_REF);
    rom_lock_t *lock = NULL;
    assert_int_equal (rom_lock_from_token (client, item.str, &lock), ROM_OK);
    char *lock_token = strdup (item.str);
    rom_item_clear (&item);
    assert_int_equal (rom_lock_acquire (lock, 5000), ROM_OK);
    assert_int_equal (rom_lock_release (lock), ROM_OK);
    rom_lock_destroy (&lock);
    assert_false (s_alive (client, &rom__builtins__lock__rom_type, lock_token));
    free (lock_token);
    free (end_token);
    rom_namespace_destroy (&ns);
    rom_pipe_destroy (&a);
    rom_pipe_destroy (&b);
    rom_client_destroy (&client);
}

// --- List, Namespace ---------------------------------------------------------------------------------------

static void
test_list_and_namespace_hold_references (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l = NULL;
    rom_namespace_t *ns = NULL;
    rom_dict_t *d = NULL;
    rom_lock_t *rlock = NULL;
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_namespace_new (client, &ns), ROM_OK);
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_rlock_new (client, &rlock), ROM_OK);
    assert_int_equal (rom_dict_set_int (d, "x", 7), ROM_OK);
    char *dict_token = s_token (d), *rlock_token = s_token (rlock);
    assert_int_equal (rom_list_append_proxy (l, rom_dict_proxy (d)), ROM_OK);
    assert_int_equal (rom_namespace_set_proxy (ns, "lock", rom_lock_proxy (rlock)), ROM_OK);
    rom_dict_destroy (&d);
    rom_lock_destroy (&rlock);

    rom_variant_t v;
    assert_int_equal (rom_list_get (l, 0, &v), ROM_OK);
    assert_int_equal (v.kind, ROM_KIND_REF);
    assert_int_equal (rom_dict_from_token (client, v.str, &d), ROM_OK);
    rom_variant_clear (&v);
    int64_t x = 0;
    assert_int_equal (rom_dict_get_int (d, "x", &x), ROM_OK);
    assert_int_equal (x, 7);
    rom_dict_destroy (&d);
    assert_true (s_alive (client, &rom__builtins__dict__rom_type, dict_token)); // the list holds it
    assert_int_equal (rom_list_delete (l, 0), ROM_OK);
    assert_false (s_alive (client, &rom__builtins__dict__rom_type, dict_token));

    // A Lock handle takes an RLock's token.
    assert_int_equal (rom_namespace_get (ns, "lock", &v), ROM_OK);
    assert_int_equal (v.kind, ROM_KIND_REF);
    assert_int_equal (rom_lock_from_token (client, v.str, &rlock), ROM_OK);
    rom_variant_clear (&v);
    assert_int_equal (rom_lock_acquire (rlock, ROM_NOWAIT), ROM_OK);
    assert_int_equal (rom_lock_acquire (rlock, ROM_NOWAIT), ROM_OK); // re-entrant: an RLock indeed
    assert_int_equal (rom_lock_release (rlock), ROM_OK);
    assert_int_equal (rom_lock_release (rlock), ROM_OK);
    rom_lock_destroy (&rlock);
    assert_true (s_alive (client, &rom__builtins__rlock__rom_type, rlock_token));
    rom_namespace_destroy (&ns); // the namespace dies, and the reference it held
    assert_false (s_alive (client, &rom__builtins__rlock__rom_type, rlock_token));
    free (dict_token);
    free (rlock_token);
    rom_list_destroy (&l);
    rom_client_destroy (&client);
}

// x = d.pop (k) in Python is a live proxy even when the Dict held the only reference: the popped value holds
// it until rom_variant_clear (); a pop whose value is not wanted lets it go at once (it used to stay with
// the session, and a popped token named an object already gone).
static void
test_popped_reference_lives_until_cleared (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d = NULL, *inner = NULL;
    rom_list_t *l = NULL;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_dict_new (client, &inner), ROM_OK);
    assert_int_equal (rom_dict_set_int (inner, "x", 3), ROM_OK);
    char *token = s_token (inner);
    assert_int_equal (rom_dict_set_proxy (d, ROM_STR ("k"), rom_dict_proxy (inner)), ROM_OK);
    assert_int_equal (rom_list_append_proxy (l, rom_dict_proxy (inner)), ROM_OK);
    assert_int_equal (rom_list_append_proxy (l, rom_dict_proxy (inner)), ROM_OK);
    rom_dict_destroy (&inner);

    rom_variant_t v;
    assert_int_equal (rom_dict_pop (d, ROM_STR ("k"), &v), ROM_OK);
    assert_int_equal (v.kind, ROM_KIND_REF);
    assert_int_equal (rom_list_pop (l, -1, NULL), ROM_OK); // not wanted: its count goes back now
    assert_int_equal (rom_list_delete (l, 0), ROM_OK);     // no container holds it any more
    assert_true (s_alive (client, &rom__builtins__dict__rom_type, token));
    assert_int_equal (rom_dict_from_token (client, v.str, &inner), ROM_OK);
    rom_variant_clear (&v);
    int64_t x = 0;
    assert_int_equal (rom_dict_get_int (inner, "x", &x), ROM_OK);
    assert_int_equal (x, 3);
    rom_dict_destroy (&inner);
    assert_false (s_alive (client, &rom__builtins__dict__rom_type, token));

    // The same through List.pop, and a popped value cleared unused.
    assert_int_equal (rom_dict_new (client, &inner), ROM_OK);
    free (token);
    token = s_token (inner);
    assert_int_equal (rom_list_append_proxy (l, rom_dict_proxy (inner)), ROM_OK);
    rom_dict_destroy (&inner);
    assert_int_equal (rom_list_pop (l, 0, &v), ROM_OK);
    assert_int_equal (v.kind, ROM_KIND_REF);
    assert_true (s_alive (client, &rom__builtins__dict__rom_type, token));
    rom_variant_clear (&v);
    assert_false (s_alive (client, &rom__builtins__dict__rom_type, token));
    free (token);
    rom_list_destroy (&l);
    rom_dict_destroy (&d);
    rom_client_destroy (&client);
}

// CPython's _TestContainers.test_nested_queue: a Queue inside a List and inside a Dict, used through them.
static void
test_nested_queue (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *a = NULL;
    rom_dict_t *b = NULL;
    rom_queue_t *q = NULL, *inner = NULL;
    assert_int_equal (rom_list_new (client, &a), ROM_OK); // a = self.list (); a.append (self.Queue ())
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    assert_int_equal (rom_list_append_proxy (a, rom_queue_proxy (q)), ROM_OK);
    rom_queue_destroy (&q);
    rom_variant_t v;
    assert_int_equal (rom_list_get (a, 0, &v), ROM_OK); // a[0].put (123)
    assert_int_equal (rom_queue_from_token (client, v.str, &inner), ROM_OK);
    rom_variant_clear (&v);
    assert_int_equal (rom_queue_put_int (inner, 123, ROM_FOREVER), ROM_OK);
    rom_queue_destroy (&inner);
    assert_int_equal (rom_list_get (a, 0, &v), ROM_OK); // a[0].get () == 123
    assert_int_equal (rom_queue_from_token (client, v.str, &inner), ROM_OK);
    rom_variant_clear (&v);
    int64_t got = 0;
    assert_int_equal (rom_queue_get_int (inner, 5000, &got), ROM_OK);
    assert_int_equal (got, 123);
    rom_queue_destroy (&inner);

    assert_int_equal (rom_dict_new (client, &b), ROM_OK); // b = self.dict (); b[0] = self.Queue ()
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    assert_int_equal (rom_dict_set_proxy (b, ROM_INT (0), rom_queue_proxy (q)), ROM_OK);
    rom_queue_destroy (&q);
    assert_int_equal (rom_dict_get (b, ROM_INT (0), &v), ROM_OK);
    assert_int_equal (rom_queue_from_token (client, v.str, &inner), ROM_OK);
    rom_variant_clear (&v);
    assert_int_equal (rom_queue_put_int (inner, 456, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_queue_get_int (inner, 5000, &got), ROM_OK);
    assert_int_equal (got, 456);
    rom_queue_destroy (&inner);
    rom_list_destroy (&a);
    rom_dict_destroy (&b);
    rom_client_destroy (&client);
}

// A List handle from the reference at a[i] (caller destroys it).
static rom_list_t *
s_item_list (rom_client_t *client, rom_list_t *a, int64_t i)
{
    rom_variant_t v;
    assert_int_equal (rom_list_get (a, i, &v), ROM_OK);
    rom_list_t *inner = NULL;
    assert_int_equal (rom_list_from_token (client, v.str, &inner), ROM_OK);
    rom_variant_clear (&v);
    return inner;
}

// CPython's _TestContainers.test_list_proxy_in_list: lists inside a list, changed through it; they live as
// long as the outer list (del a lets them go). A list cannot hold itself here (b.append (b)): a holder keeps
// no reference to itself, where Python's manager keeps the cycle until it ends.
static void
test_list_proxy_in_list (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *a = NULL;
    assert_int_equal (rom_list_new (client, &a), ROM_OK);
    char *tokens[3];
    for (int i = 0; i < 3; i++) {
        rom_list_t *inner = NULL;
        rom_variant_t range[] = {ROM_INT (0), ROM_INT (1), ROM_INT (2)};
        assert_int_equal (rom_list_new_from (client, range, 3, &inner), ROM_OK);
        assert_int_equal (rom_list_append_proxy (a, rom_list_proxy (inner)), ROM_OK);
        tokens[i] = s_token (inner);
        rom_list_destroy (&inner);
    }
    rom_list_t *inner = s_item_list (client, a, 0); // a[0][-1] = 55
    assert_int_equal (rom_list_set (inner, -1, ROM_INT (55)), ROM_OK);
    rom_list_destroy (&inner);
    char *text = NULL;
    for (int i = 0; i < 3; i++) {
        inner = s_item_list (client, a, i);
        assert_int_equal (rom_list_repr (inner, &text), ROM_OK);
        assert_string_equal (text, i == 0 ? "[0, 1, 55]" : "[0, 1, 2]");
        free (text);
        rom_list_destroy (&inner);
    }
    inner = s_item_list (client, a, 1); // a[1].pop () == 2
    rom_variant_t v;
    assert_int_equal (rom_list_pop (inner, -1, &v), ROM_OK);
    assert_int_equal (v.i, 2);
    size_t n = 0;
    assert_int_equal (rom_list_len (inner, &n), ROM_OK);
    assert_int_equal (n, 2);
    rom_list_destroy (&inner);
    rom_list_destroy (&a); // del a
    for (int i = 0; i < 3; i++) {
        assert_false (s_alive (client, &rom__builtins__list__rom_type, tokens[i]));
        free (tokens[i]);
    }
    rom_list_t *b = NULL;
    assert_int_equal (rom_list_new (client, &b), ROM_OK);
    assert_int_equal (rom_list_append_proxy (b, rom_list_proxy (b)), ROM_INVALID);
    assert_int_equal (rom_list_len (b, &n), ROM_OK);
    assert_int_equal (n, 0);
    rom_list_destroy (&b);
    rom_client_destroy (&client);
}

// --- tokens of another type, misuse ------------------------------------------------------------------------

static void
test_from_token_checks_the_type_and_its_arguments (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_list_t *l = NULL;
    rom_queue_t *jq = NULL;
    rom_semaphore_t *bsem = NULL;
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_joinable_queue_new (client, 0, &jq), ROM_OK);
    assert_int_equal (rom_bounded_semaphore_new (client, 2, &bsem), ROM_OK);
    char *list_token = s_token (l), *jq_token = s_token (jq), *sem_token = s_token (bsem);

    rom_dict_t *d = (rom_dict_t *) 0x1;
    assert_int_equal (rom_dict_from_token (client, list_token, &d), ROM_WRONG_TYPE);
    assert_null (d);
    assert_errmsg (client, "rom_dict_from_token: token names a rom.builtins.List, not a rom.builtins.Dict");
    rom_lock_t *lock = NULL;
    assert_int_equal (rom_lock_from_token (client, list_token, &lock), ROM_WRONG_TYPE);
    assert_errmsg (client, "not a rom.builtins.Lock or rom.builtins.RLock");
    rom_value_t *value = NULL;
    rom_array_t *array = NULL;
    rom_event_t *event = NULL;
    rom_condition_t *cond = NULL;
    rom_barrier_t *barrier = NULL;
    rom_pipe_t *end = NULL;
    rom_namespace_t *ns = NULL;
    assert_int_equal (rom_value_from_token (client, list_token, &value), ROM_WRONG_TYPE);
    assert_int_equal (rom_array_from_token (client, list_token, &array), ROM_WRONG_TYPE);
    assert_int_equal (rom_event_from_token (client, list_token, &event), ROM_WRONG_TYPE);
    assert_int_equal (rom_condition_from_token (client, list_token, &cond), ROM_WRONG_TYPE);
    assert_int_equal (rom_barrier_from_token (client, list_token, &barrier), ROM_WRONG_TYPE);
    assert_int_equal (rom_pipe_from_token (client, list_token, &end), ROM_WRONG_TYPE);
    assert_int_equal (rom_namespace_from_token (client, list_token, &ns), ROM_WRONG_TYPE);
    // The handle types that cover two types take both.
    rom_queue_t *q = NULL;
    assert_int_equal (rom_queue_from_token (client, jq_token, &q), ROM_OK);
    assert_int_equal (rom_queue_put_int (q, 1, ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_queue_task_done (q), ROM_OK); // a JoinableQueue's method
    rom_queue_destroy (&q);
    rom_semaphore_t *sem = NULL;
    assert_int_equal (rom_semaphore_from_token (client, sem_token, &sem), ROM_OK);
    assert_int_equal (rom_semaphore_release (sem), ROM_APP_ERROR); // bounded
    rom_semaphore_destroy (&sem);
    rom_list_t *l2 = NULL;
    assert_int_equal (rom_list_from_token (client, list_token, &l2), ROM_OK);
    assert_int_equal (rom_proxy_id (rom_list_proxy (l2)), rom_proxy_id (rom_list_proxy (l)));
    rom_list_destroy (&l2);

    // NULLs and things that are no tokens.
    assert_int_equal (rom_list_from_token (NULL, list_token, &l2), ROM_INVALID);
    assert_int_equal (rom_list_from_token ((rom_client_t *) l, list_token, &l2), ROM_INVALID);
    assert_int_equal (rom_list_from_token (client, NULL, &l2), ROM_INVALID);
    assert_int_equal (rom_list_from_token (client, list_token, NULL), ROM_INVALID);
    assert_int_equal (rom_list_from_token (client, "no token", &l2), ROM_INVALID);
    assert_null (l2);
    // A token of the right type whose object is gone.
    rom_list_destroy (&l);
    assert_int_equal (rom_list_from_token (client, list_token, &l2), ROM_NO_OBJECT);
    assert_null (l2);

    // The helpers that store a proxy refuse what is none.
    rom_queue_t *plain = NULL;
    rom_pipe_t *a = NULL, *b = NULL;
    assert_int_equal (rom_queue_new (client, 0, &plain), ROM_OK);
    assert_int_equal (rom_pipe_new (client, true, &a, &b), ROM_OK);
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_namespace_new (client, &ns), ROM_OK);
    assert_int_equal (rom_queue_put_proxy (plain, NULL, ROM_FOREVER), ROM_INVALID);
    assert_int_equal (rom_queue_put_proxy (NULL, rom_list_proxy (l), ROM_FOREVER), ROM_INVALID);
    assert_int_equal (rom_queue_put_proxy (plain, (const rom_proxy_t *) client, ROM_FOREVER), ROM_INVALID);
    assert_int_equal (rom_pipe_send_proxy (a, NULL), ROM_INVALID);
    assert_int_equal (rom_pipe_send_proxy (NULL, rom_list_proxy (l)), ROM_INVALID);
    assert_int_equal (rom_list_append_proxy (l, NULL), ROM_INVALID);
    assert_int_equal (rom_list_append_proxy ((rom_list_t *) ns, rom_list_proxy (l)), ROM_INVALID);
    assert_int_equal (rom_namespace_set_proxy (ns, NULL, rom_list_proxy (l)), ROM_INVALID);
    assert_int_equal (rom_namespace_set_proxy (ns, "x", NULL), ROM_INVALID);
    // A raw item whose token is none.
    assert_int_equal (rom_queue_put_item (plain, &(rom_item_t) {.kind = ROM_ITEM_REF, .str = "x#y"},
                                          ROM_FOREVER),
                      ROM_INVALID);
    int64_t n = -1;
    assert_int_equal (rom_queue_qsize (plain, &n), ROM_OK);
    assert_int_equal (n, 0);
    free (list_token);
    free (jq_token);
    free (sem_token);
    rom_namespace_destroy (&ns);
    rom_list_destroy (&l);
    rom_pipe_destroy (&a);
    rom_pipe_destroy (&b);
    rom_queue_destroy (&plain);
    rom_queue_destroy (&jq);
    rom_semaphore_destroy (&bsem);
    rom_client_destroy (&client);
}

// --- error texts -------------------------------------------------------------------------------------------

// "type#id.Method" for a handle.
static const char *
s_what (const void *handle, const char *method)
{
    static char buf[160];
    const rom_type_t *type = rom_proxy_type ((const rom_proxy_t *) handle);
    snprintf (buf, sizeof buf, "%s#%llu.%s: ", type->name,
              (unsigned long long) rom_proxy_id ((const rom_proxy_t *) handle), method);
    return buf;
}

static void
s_says (rom_client_t *client, const char *prefix, const char *rest)
{
    char want[512];
    snprintf (want, sizeof want, "%s%s", prefix, rest);
    assert_errmsg (client, want);
}

static void
test_typed_reads_say_type_id_and_method (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d = NULL;
    rom_list_t *l = NULL;
    rom_namespace_t *ns = NULL;
    rom_value_t *v = NULL;
    rom_queue_t *q = NULL;
    rom_pipe_t *a = NULL, *b = NULL;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_namespace_new (client, &ns), ROM_OK);
    assert_int_equal (rom_value_new (client, 's', ROM_STR ("text"), &v), ROM_OK);
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    assert_int_equal (rom_pipe_new (client, true, &a, &b), ROM_OK);
    int64_t i = 0;
    double dbl = 0;
    char *s = NULL;

    assert_int_equal (rom_dict_set_str (d, "k", "text"), ROM_OK);
    assert_int_equal (rom_dict_get_int (d, "k", &i), ROM_WRONG_TYPE);
    s_says (client, s_what (d, "Get"), "value of 'k' is a string, not an int");
    assert_int_equal (rom_dict_get_double (d, "k", &dbl), ROM_WRONG_TYPE);
    s_says (client, s_what (d, "Get"), "value of 'k' is a string, not a number");
    assert_int_equal (rom_dict_set_int (d, "n", 1), ROM_OK);
    assert_int_equal (rom_dict_get_str (d, "n", &s), ROM_WRONG_TYPE);
    s_says (client, s_what (d, "Get"), "value of 'n' is an int, not a string");
    assert_int_equal (rom_list_append_str (l, "x"), ROM_OK);
    assert_int_equal (rom_list_get_int (l, 0, &i), ROM_WRONG_TYPE);
    s_says (client, s_what (l, "Get"), "the item is a string, not an int");
    assert_int_equal (rom_namespace_set_str (ns, "name", "x"), ROM_OK);
    assert_int_equal (rom_namespace_get_int (ns, "name", &i), ROM_WRONG_TYPE);
    s_says (client, s_what (ns, "GetAttr"), "attribute 'name' is a string, not an int");
    assert_int_equal (rom_value_get_int (v, &i), ROM_WRONG_TYPE);
    s_says (client, s_what (v, "Get"), "the value is a string, not an int");
    assert_int_equal (rom_queue_put_str (q, "x", ROM_FOREVER), ROM_OK);
    assert_int_equal (rom_queue_get_int (q, ROM_NOWAIT, &i), ROM_WRONG_TYPE);
    s_says (client, s_what (q, "Get"), "the item is a string, not an int");
    assert_int_equal (rom_pipe_send_int (a, 3), ROM_OK);
    assert_int_equal (rom_pipe_recv_str (b, 5000, &s), ROM_WRONG_TYPE);
    s_says (client, s_what (b, "Recv"), "the item is an int, not a string");
    assert_null (s);

    rom_dict_destroy (&d);
    rom_list_destroy (&l);
    rom_namespace_destroy (&ns);
    rom_value_destroy (&v);
    rom_queue_destroy (&q);
    rom_pipe_destroy (&a);
    rom_pipe_destroy (&b);
    rom_client_destroy (&client);
}

// A proxy whose object the server no longer knows (destroyed under it: here adopted from a made-up ref,
// as after a lost session whose references went): the server can only say "object N (method M)"; the
// client, which knows the type and the method, says "rom.builtins.Dict#N.Len".
static void
test_errors_name_the_type_after_the_object_is_gone (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d = NULL;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    uint64_t id = rom_proxy_id (rom_dict_proxy (d));
    rom_dict_destroy (&d);
    Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
    ref.id = id;
    ref.type = (char *) rom__builtins__dict__rom_type.name;
    rom_proxy_t *ghost = NULL;
    assert_int_equal (rom_proxy_from_ref (client, &rom__builtins__dict__rom_type, &ref, &ghost), ROM_OK);
    size_t n = 0;
    assert_int_equal (rom_dict_len ((rom_dict_t *) ghost, &n), ROM_NO_OBJECT);
    char want[128];
    snprintf (want, sizeof want, "rom.builtins.Dict#%llu.Len: no such object", (unsigned long long) id);
    assert_errmsg (client, want);
    assert_null (strstr (rom_client_errmsg (client), "(method"));
    rom_proxy_destroy (&ghost);
    rom_client_destroy (&client);
}

// --- UTF-8 -------------------------------------------------------------------------------------------------

static void
test_helpers_refuse_invalid_utf8 (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    rom_dict_t *d = NULL;
    rom_list_t *l = NULL;
    rom_namespace_t *ns = NULL;
    rom_value_t *v = NULL;
    rom_queue_t *q = NULL;
    rom_pipe_t *a = NULL, *b = NULL;
    assert_int_equal (rom_dict_new (client, &d), ROM_OK);
    assert_int_equal (rom_list_new (client, &l), ROM_OK);
    assert_int_equal (rom_namespace_new (client, &ns), ROM_OK);
    assert_int_equal (rom_value_new (client, 's', ROM_STR (""), &v), ROM_OK);
    assert_int_equal (rom_queue_new (client, 0, &q), ROM_OK);
    assert_int_equal (rom_pipe_new (client, true, &a, &b), ROM_OK);
    const char *overlong = "\xc0\xaf", *surrogate = "\xed\xa0\x80", *beyond = "\xf4\x90\x80\x80";

    assert_int_equal (rom_dict_set_str (d, overlong, "v"), ROM_INVALID);
    assert_errmsg (client, "not valid UTF-8");
    assert_int_equal (rom_dict_set_str (d, "k", surrogate), ROM_INVALID);
    assert_int_equal (rom_dict_set (d, ROM_STR ("k"), ROM_STR (beyond)), ROM_INVALID);
    assert_int_equal (rom_list_append_str (l, "\xff"), ROM_INVALID);
    assert_int_equal (rom_namespace_set_int (ns, overlong, 1), ROM_INVALID);
    assert_errmsg (NULL, "rom_namespace_set_int: `name` is not valid UTF-8");
    assert_int_equal (rom_namespace_get (ns, overlong, &(rom_variant_t) {0}), ROM_INVALID);
    assert_int_equal (rom_value_set_str (v, surrogate), ROM_INVALID);
    assert_int_equal (rom_queue_put_str (q, beyond, ROM_FOREVER), ROM_INVALID);
    assert_errmsg (client, "rom_queue_put_item: ");
    assert_int_equal (rom_pipe_send_str (a, "abc\x80"), ROM_INVALID);
    // Nothing reached the server; valid text still goes.
    size_t n = 9;
    assert_int_equal (rom_dict_len (d, &n), ROM_OK);
    assert_int_equal (n, 0);
    int64_t size = 9;
    assert_int_equal (rom_queue_qsize (q, &size), ROM_OK);
    assert_int_equal (size, 0);
    assert_int_equal (rom_dict_set_str (d, "caf\xc3\xa9", "\xf0\x9f\x98\x80"), ROM_OK);
    char *text = NULL;
    assert_int_equal (rom_dict_get_str (d, "caf\xc3\xa9", &text), ROM_OK);
    assert_string_equal (text, "\xf0\x9f\x98\x80");
    free (text);

    rom_dict_destroy (&d);
    rom_list_destroy (&l);
    rom_namespace_destroy (&ns);
    rom_value_destroy (&v);
    rom_queue_destroy (&q);
    rom_pipe_destroy (&a);
    rom_pipe_destroy (&b);
    rom_client_destroy (&client);
}

// Raw bytes through the generated API (no helper in the way): the server refuses the call, names the field,
// and keeps serving, for the built-ins and for a user's type alike.
static void
test_server_refuses_invalid_utf8 (void **state)
{
    (void) state;
    rom_client_t *client = rom_test_connect (rom_test_group.endpoint);
    Rom__Builtins__Dict_Proxy *d = NULL;
    assert_int_equal (rom__builtins__dict__rom_create (client, NULL, &d), ROM_OK);
    Rom__Builtins__Variant key = ROM__BUILTINS__VARIANT__INIT, value = ROM__BUILTINS__VARIANT__INIT;
    key.kind_case = value.kind_case = ROM__BUILTINS__VARIANT__KIND_STRING_VALUE;
    key.string_value = "\xe0\x80\xaf";
    value.string_value = "fine";
    Rom__Builtins__DictItem item = ROM__BUILTINS__DICT_ITEM__INIT;
    item.key = &key;
    item.value = &value;
    assert_int_equal (rom__builtins__dict_proxy__set (d, &item, NULL), ROM_BAD_REQUEST);
    s_says (client, s_what (d, "Set"), "field key.string_value is not valid UTF-8");
    key.string_value = "k";
    value.string_value = "\xed\xbf\xbf";
    assert_int_equal (rom__builtins__dict_proxy__set (d, &item, NULL), ROM_BAD_REQUEST);
    s_says (client, s_what (d, "Set"), "field value.string_value is not valid UTF-8");
    value.string_value = "v";
    assert_int_equal (rom__builtins__dict_proxy__set (d, &item, NULL), ROM_OK);
    assert_int_equal (rom_dict_len ((rom_dict_t *) d, &(size_t) {0}), ROM_OK);

    Rom__Builtins__Namespace_Proxy *ns = NULL;
    assert_int_equal (rom__builtins__namespace__rom_create (client, NULL, &ns), ROM_OK);
    Rom__Builtins__Attribute attr = ROM__BUILTINS__ATTRIBUTE__INIT;
    attr.name = "\xff";
    attr.value = &value;
    assert_int_equal (rom__builtins__namespace_proxy__set_attr (ns, &attr, NULL), ROM_BAD_REQUEST);
    s_says (client, s_what (ns, "SetAttr"), "field name is not valid UTF-8");

    // A user's type: test.Tally's Echo takes a Blob whose label is a string.
    rom_proxy_t *tally = rom_test_tally_new (client, NULL, 0);
    Test__Blob blob = TEST__BLOB__INIT;
    blob.label = "\xf8\x88\x80\x80\x80";
    ProtobufCMessage *out = NULL;
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__ECHO, &blob.base, &out), ROM_BAD_REQUEST);
    s_says (client, s_what (tally, "Echo"), "field label is not valid UTF-8");
    blob.label = "ok";
    blob.data.data = (uint8_t *) "\xff\xfe"; // bytes are not text: anything goes
    blob.data.len = 2;
    assert_int_equal (rom_proxy_call (tally, TEST__TALLY_METHOD__ECHO, &blob.base, &out), ROM_OK);
    protobuf_c_message_free_unpacked (out, NULL);
    assert_int_equal (rom_test_tally_add (tally, 3), 3); // still serving
    rom_proxy_destroy (&tally);
    rom__builtins__namespace__rom_destroy (&ns);
    rom__builtins__dict__rom_destroy (&d);
    rom_client_destroy (&client);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_queue_carries_proxies_between_processes),
        cmocka_unit_test (test_queue_item_cleared_releases_its_object),
        cmocka_unit_test (test_queue_let_go_of_its_references_when_it_dies),
        cmocka_unit_test (test_pipe_carries_proxies_both_ways),
        cmocka_unit_test (test_list_and_namespace_hold_references),
        cmocka_unit_test (test_popped_reference_lives_until_cleared),
        cmocka_unit_test (test_nested_queue),
        cmocka_unit_test (test_list_proxy_in_list),
        cmocka_unit_test (test_from_token_checks_the_type_and_its_arguments),
        cmocka_unit_test (test_typed_reads_say_type_id_and_method),
        cmocka_unit_test (test_errors_name_the_type_after_the_object_is_gone),
        cmocka_unit_test (test_helpers_refuse_invalid_utf8),
        cmocka_unit_test (test_server_refuses_invalid_utf8),
    };
    return cmocka_run_group_tests (tests, rom_test_group_setup, rom_test_group_teardown);
}
