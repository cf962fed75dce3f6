// rom_sync.h: one-line C calls on the built-in synchronization types, reading like Python's
// multiprocessing: Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, Queue,
// JoinableQueue, Pipe. Every server hosts these types (rom.builtins.*, idl/rom/builtins/); these helpers
// wrap their generated proxies (rom/builtins/sync.rom.h, queue.rom.h, pipe.rom.h) for the common calls.
//
//     rom_lock_t *lock;                          // lock = manager.Lock ()
//     rom_lock_new (client, &lock);
//     rom_lock_acquire (lock, ROM_FOREVER);      // with lock: ...
//     rom_lock_release (lock);
//     rom_queue_put_int (q, 5, ROM_FOREVER);     // q.put (5)
//     rom_queue_get_int (q, 1000, &v);           // v = q.get (timeout=1)  -> ROM_EMPTY after 1 s
//
// Timeouts are milliseconds: ROM_NOWAIT answers at once (Python's block=False), ROM_FOREVER waits as long
// as it takes. A wait never blocks the server: it is a deferred reply, answered when its condition comes
// true or its timeout passes (ROM_TIMEOUT, or ROM_EMPTY / ROM_FULL for queues), whichever is first.
//
// Handles are proxies: each holds one reference to its object (destroy it when done) and works in forked
// children as is. rom_*_proxy () gives the generic proxy (tokens, dup). Failures leave their text in
// rom_client_errmsg (client), and in rom_client_errmsg (NULL).
//
// Typed handles from references: a token read from a Queue or Pipe item (ROM_ITEM_REF) or a Dict
// (ROM_KIND_REF) becomes a handle with rom_<type>_from_token (client, item.str, &h), one per handle type
// below. Each checks the token's type (a Lock handle accepts a Lock's or an RLock's token, a Semaphore handle
// a BoundedSemaphore's, a Queue handle a JoinableQueue's): ROM_WRONG_TYPE otherwise ("token names a
// rom.builtins.List, not a rom.builtins.Lock or rom.builtins.RLock"); ROM_INVALID for a NULL client, token or
// handle pointer; ROM_NO_OBJECT when the object is gone. On ROM_OK the new handle holds a reference of its
// own: caller owns it and must destroy it when done.
//
// Misuse returns a status, never a crash. Every helper given NULL for its handle (or its client), NULL for
// a pointer it must fill in or read (a get's `value`, a recv's `data`, a put's item or message, a
// wait_for's predicate; pointers documented "may be NULL" excepted), or a handle of another kind (a Queue
// handle given to a Lock helper, a client cast to a handle) returns ROM_INVALID without following it, and
// rom_client_errmsg (NULL) names the helper and why; a get refused so consumes no item. A Lock handle may
// be a Lock or an RLock, a Semaphore handle a BoundedSemaphore, a Queue handle a JoinableQueue. A handle
// whose client (or manager) was destroyed answers ROM_UNAVAILABLE ("its client was destroyed") and may still
// be destroyed. Every rom_*_destroy () (and rom_pipe_close ()) accepts NULL and a pointer to NULL, and leaves
// a handle of another kind alone; rom_*_proxy () returns NULL for a handle that is not one of its kind.
//
// Owners: a lock is owned by the calling thread of the calling process (its client session, plus a tag the
// helpers send for the thread). Only the owner releases it; when the owner's session ends
// (rom_client_destroy (), or its process died: its connection closed), the server releases it at once. A
// stopped owner keeps it. A waiter whose process died is never granted it: it goes to the next one.
#ifndef ROM_SYNC_H
#define ROM_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "rom_client.h"
#include "rom_proxy.h"
#include "rom_status.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

#define ROM_NOWAIT 0u // a timeout: answer at once (ROM_FOREVER, in rom_proxy.h, waits without end)

typedef struct _rom_lock_t rom_lock_t;           // Lock or RLock
typedef struct _rom_semaphore_t rom_semaphore_t; // Semaphore or BoundedSemaphore
typedef struct _rom_event_t rom_event_t;
typedef struct _rom_condition_t rom_condition_t;
typedef struct _rom_barrier_t rom_barrier_t;
typedef struct _rom_queue_t rom_queue_t; // Queue or JoinableQueue
typedef struct _rom_pipe_t rom_pipe_t;   // one end of a Pipe

// The calling thread's owner tag (what the helpers send as `thread`), for raw generated calls.
uint64_t rom_sync_thread_tag (void);

// --- Lock, RLock ------------------------------------------------------------------------------------------

// A new Lock (not re-entrant, no owner: Python's threading.Lock, which any process may release) or RLock
// (re-entrant per owner, released only by its owner) on the server behind `client`. On ROM_OK *lock_p is a
// new handle: caller owns it and must destroy it when done.
rom_status_t rom_lock_new (rom_client_t *client, rom_lock_t **lock_p);
rom_status_t rom_rlock_new (rom_client_t *client, rom_lock_t **lock_p);
// Acquire within `timeout_ms`: ROM_OK (held), ROM_TIMEOUT (not acquired in time: a status, not an error).
// A Lock's holder that acquires it again waits like anyone else (ROM_NOWAIT: ROM_TIMEOUT at once).
rom_status_t rom_lock_acquire (rom_lock_t *lock, uint32_t timeout_ms);
// ROM_OK, or ROM_APP_ERROR when it is not held (and, for an RLock, when the caller does not hold it).
rom_status_t rom_lock_release (rom_lock_t *lock);
// Whether anyone holds it, and whether the caller does (either pointer may be NULL).
rom_status_t rom_lock_locked (rom_lock_t *lock, bool *locked, bool *mine);
rom_proxy_t *rom_lock_proxy (rom_lock_t *lock);
// Drop the handle (the lock stays held if the caller holds it). Accepts NULL and a pointer to NULL; sets
// *lock_p to NULL.
void rom_lock_destroy (rom_lock_t **lock_p);
// A new handle from a token (see "Typed handles from references" above).
rom_status_t rom_lock_from_token (rom_client_t *client, const char *token, rom_lock_t **lock_p);

// --- Semaphore, BoundedSemaphore --------------------------------------------------------------------------

// A new semaphore of `value` free units; a bounded one refuses releases beyond `value` (ROM_APP_ERROR).
// Caller owns *sem_p and must destroy it when done.
rom_status_t rom_semaphore_new (rom_client_t *client, int64_t value, rom_semaphore_t **sem_p);
rom_status_t rom_bounded_semaphore_new (rom_client_t *client, int64_t value, rom_semaphore_t **sem_p);
// Take one unit within `timeout_ms`: ROM_OK or ROM_TIMEOUT.
rom_status_t rom_semaphore_acquire (rom_semaphore_t *sem, uint32_t timeout_ms);
// Give one unit back: ROM_OK, or ROM_APP_ERROR for a bounded semaphore at its bound.
rom_status_t rom_semaphore_release (rom_semaphore_t *sem);
rom_status_t rom_semaphore_value (rom_semaphore_t *sem, int64_t *value);
rom_proxy_t *rom_semaphore_proxy (rom_semaphore_t *sem);
void rom_semaphore_destroy (rom_semaphore_t **sem_p);
// A new handle from a token (see "Typed handles from references" above).
rom_status_t rom_semaphore_from_token (rom_client_t *client, const char *token, rom_semaphore_t **sem_p);

// --- Event ------------------------------------------------------------------------------------------------

rom_status_t rom_event_new (rom_client_t *client, rom_event_t **event_p); // caller owns *event_p
rom_status_t rom_event_set (rom_event_t *event);
rom_status_t rom_event_clear (rom_event_t *event);
rom_status_t rom_event_is_set (rom_event_t *event, bool *set);
// Wait until the flag is set: ROM_OK, or ROM_TIMEOUT when `timeout_ms` passed first (Python's False).
rom_status_t rom_event_wait (rom_event_t *event, uint32_t timeout_ms);
rom_proxy_t *rom_event_proxy (rom_event_t *event);
void rom_event_destroy (rom_event_t **event_p);
// A new handle from a token (see "Typed handles from references" above).
rom_status_t rom_event_from_token (rom_client_t *client, const char *token, rom_event_t **event_p);

// --- Condition --------------------------------------------------------------------------------------------

// A condition variable with its own re-entrant lock. Caller owns *cond_p.
rom_status_t rom_condition_new (rom_client_t *client, rom_condition_t **cond_p);
rom_status_t rom_condition_acquire (rom_condition_t *cond, uint32_t timeout_ms); // as rom_lock_acquire
rom_status_t rom_condition_release (rom_condition_t *cond);
// Release the lock, wait for a notify, take the lock back. ROM_OK (notified) or ROM_TIMEOUT; either way the
// caller holds the lock again on return, as in Python (unless the server is gone). ROM_APP_ERROR when the
// caller does not hold the lock.
rom_status_t rom_condition_wait (rom_condition_t *cond, uint32_t timeout_ms);
// Python's wait_for: wait (notified or not) until `predicate (arg)` is true, within `timeout_ms` in all.
// ROM_OK when it holds, ROM_TIMEOUT when time ran out first; the lock is held on return.
rom_status_t rom_condition_wait_for (rom_condition_t *cond, bool (*predicate) (void *arg), void *arg,
                                     uint32_t timeout_ms);
// Wake up to `n` waiters (rom_condition_notify_all: all). Needs the lock (ROM_APP_ERROR). `woken` may be
// NULL.
rom_status_t rom_condition_notify (rom_condition_t *cond, uint32_t n, int64_t *woken);
rom_status_t rom_condition_notify_all (rom_condition_t *cond, int64_t *woken);
rom_proxy_t *rom_condition_proxy (rom_condition_t *cond);
void rom_condition_destroy (rom_condition_t **cond_p);
// A new handle from a token (see "Typed handles from references" above).
rom_status_t rom_condition_from_token (rom_client_t *client, const char *token, rom_condition_t **cond_p);

// --- Barrier ----------------------------------------------------------------------------------------------

// A timeout for rom_barrier_wait (): use the barrier's default (rom_barrier_new_timeout ()), or wait without
// end if it has none: Python's barrier.wait () / wait (timeout=None).
#define ROM_BARRIER_DEFAULT (UINT32_MAX - 1u)

// A new barrier for `parties` callers (>= 1, else ROM_APP_ERROR). On ROM_OK *barrier_p is a new handle:
// caller owns it and must destroy it when done. rom_barrier_new_timeout () gives it a default timeout, as
// Python's Barrier (parties, timeout=): the one a wait given ROM_BARRIER_DEFAULT waits with, in any process
// holding the barrier (ROM_FOREVER, or 0: none; ROM_BARRIER_DEFAULT itself: ROM_INVALID). rom_barrier_new ()
// is rom_barrier_new_timeout (..., ROM_FOREVER, ...). A default of 0 cannot be had (0 is "none" on the wire):
// give ROM_NOWAIT to the wait instead.
//
// Python's `action` callable cannot cross processes (nothing is pickled, and the server runs no user code
// for a built-in). The same effect: the party whose wait answers index 0 runs the action and then waits on
// the barrier once more, so nobody goes on before it is done:
//
//     int64_t index;
//     if (rom_barrier_wait (b, ROM_BARRIER_DEFAULT, &index) == ROM_OK && index == 0)
//         action ();                                   // exactly one party runs it
//     rom_barrier_wait (b, ROM_BARRIER_DEFAULT, NULL);   // all parties go on once it ran
rom_status_t rom_barrier_new (rom_client_t *client, uint32_t parties, rom_barrier_t **barrier_p);
rom_status_t rom_barrier_new_timeout (rom_client_t *client, uint32_t parties, uint32_t default_timeout_ms,
                                      rom_barrier_t **barrier_p);
// Wait for all parties: ROM_OK with the caller's arrival index (0 .. parties - 1; `index` may be NULL),
// ROM_BROKEN when the barrier is or becomes broken (abort, or another party timed out), ROM_TIMEOUT when
// `timeout_ms` passed (which breaks the barrier for the others). `timeout_ms` ROM_BARRIER_DEFAULT: the
// barrier's default (one more round trip to read it); ROM_FOREVER waits without end even when the barrier
// has a default (Python has no way to say that). ROM_NOWAIT breaks the barrier unless the caller is last.
rom_status_t rom_barrier_wait (rom_barrier_t *barrier, uint32_t timeout_ms, int64_t *index);
rom_status_t rom_barrier_abort (rom_barrier_t *barrier);
rom_status_t rom_barrier_reset (rom_barrier_t *barrier);
// Any pointer may be NULL.
rom_status_t rom_barrier_state (rom_barrier_t *barrier, uint32_t *parties, uint32_t *waiting, bool *broken);
// The barrier's default timeout (ROM_FOREVER when it has none), as given to rom_barrier_new_timeout ().
rom_status_t rom_barrier_timeout (rom_barrier_t *barrier, uint32_t *timeout_ms);
rom_proxy_t *rom_barrier_proxy (rom_barrier_t *barrier);
void rom_barrier_destroy (rom_barrier_t **barrier_p);
// A new handle from a token (see "Typed handles from references" above).
rom_status_t rom_barrier_from_token (rom_client_t *client, const char *token, rom_barrier_t **barrier_p);

// --- items of queues and pipes ----------------------------------------------------------------------------

// What a queue or pipe carries: a number, text, bytes, a protobuf message, a reference to another shared
// object, or none. Items a rom_*_get_item / recv_item returns own their text, data, message and reference:
// free them with rom_item_clear (). Text must be valid UTF-8 (ROM_INVALID otherwise, as for a Dict's).
//
// References (Python puts proxies in queues): while an item waits in a Queue or a Pipe end's inbox, it keeps
// its object alive, as a Dict value does; the getter's item then holds the object's reference (for its
// client's session) until rom_item_clear (). A reference read from a Dict (ROM_KIND_REF) or a Queue
// (ROM_ITEM_REF) becomes a typed handle with rom_<type>_from_token (client, item.str, &h) (or a proxy of any
// type with rom_proxy_from_token ()), which takes a reference of its own: make it before clearing the item.
// The object dies when the last handle, item and container let go of it; a queue or pipe end destroyed (or
// whose owner's session ended) with references in it lets them go.
typedef enum {
    ROM_ITEM_NONE,
    ROM_ITEM_INT,     // .i
    ROM_ITEM_UINT,    // .u
    ROM_ITEM_DOUBLE,  // .d
    ROM_ITEM_BOOL,    // .b
    ROM_ITEM_STRING,  // .str (NUL-terminated)
    ROM_ITEM_BYTES,   // .data, .size
    ROM_ITEM_MESSAGE, // .data, .size: a packed message of full type name .type
    ROM_ITEM_REF,     // .str: a proxy token (endpoint#id#type), as a ROM_KIND_REF value carries
} rom_item_kind_t;

typedef struct rom_item {
    rom_item_kind_t kind;
    int64_t i;
    uint64_t u;
    double d;
    bool b;
    char *str;
    uint8_t *data;
    size_t size;
    char *type;
    // A received ROM_ITEM_REF: the client whose session holds the item's reference (given back by
    // rom_item_clear (), which must come before rom_client_destroy ()). NULL in items a caller builds to put
    // or send (`= {...}` initializers leave it so).
    rom_client_t *client;
} rom_item_t;

// Free what a received item owns (text, data, type name; a ROM_ITEM_REF's token, and the reference it held
// is given back to the server: one round trip) and make it ROM_ITEM_NONE. Accepts NULL. Clear a received
// item once only (a copy of the struct shares what it owns), and before destroying its client (after, its
// reference goes when the session ends).
void rom_item_clear (rom_item_t *item);

// --- Queue, JoinableQueue ---------------------------------------------------------------------------------

// A new queue holding at most `maxsize` items (<= 0: unbounded). Caller owns *queue_p.
rom_status_t rom_queue_new (rom_client_t *client, int64_t maxsize, rom_queue_t **queue_p);
rom_status_t rom_joinable_queue_new (rom_client_t *client, int64_t maxsize, rom_queue_t **queue_p);
// Put an item, waiting up to `timeout_ms` for room: ROM_OK, or ROM_FULL (Python's queue.Full).
rom_status_t rom_queue_put_int (rom_queue_t *queue, int64_t value, uint32_t timeout_ms);
rom_status_t rom_queue_put_double (rom_queue_t *queue, double value, uint32_t timeout_ms);
rom_status_t rom_queue_put_str (rom_queue_t *queue, const char *value, uint32_t timeout_ms);
rom_status_t rom_queue_put_bytes (rom_queue_t *queue, const void *data, size_t size, uint32_t timeout_ms);
rom_status_t rom_queue_put_message (rom_queue_t *queue, const ProtobufCMessage *message, uint32_t timeout_ms);
rom_status_t rom_queue_put_item (rom_queue_t *queue, const rom_item_t *item, uint32_t timeout_ms);
// q.put (proxy): put a reference to another shared object (any type). While queued it keeps the object alive;
// the getter receives a ROM_ITEM_REF item (see "items" above). ROM_INVALID for a NULL or foreign proxy,
// ROM_UNAVAILABLE when its client was destroyed, ROM_FULL as for any item.
rom_status_t rom_queue_put_proxy (rom_queue_t *queue, const rom_proxy_t *proxy, uint32_t timeout_ms);
// Take the first item, waiting up to `timeout_ms` for one: ROM_OK, or ROM_EMPTY (Python's queue.Empty).
// A reference comes as a ROM_ITEM_REF item (rom_queue_from_token (), rom_dict_from_token (), ... on its
// .str). The typed forms answer ROM_WRONG_TYPE when the item is of another kind (it is taken all the same:
// use rom_queue_get_item to accept any kind). *value of get_str is caller-owned (free ()); the message of
// get_message is caller-owned (protobuf_c_message_free_unpacked (m, NULL)).
rom_status_t rom_queue_get_int (rom_queue_t *queue, uint32_t timeout_ms, int64_t *value);
rom_status_t rom_queue_get_double (rom_queue_t *queue, uint32_t timeout_ms, double *value);
rom_status_t rom_queue_get_str (rom_queue_t *queue, uint32_t timeout_ms, char **value);
rom_status_t rom_queue_get_message (rom_queue_t *queue, uint32_t timeout_ms,
                                    const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **message);
rom_status_t rom_queue_get_item (rom_queue_t *queue, uint32_t timeout_ms, rom_item_t *item);
rom_status_t rom_queue_qsize (rom_queue_t *queue, int64_t *size);
rom_status_t rom_queue_empty (rom_queue_t *queue, bool *empty);
rom_status_t rom_queue_full (rom_queue_t *queue, bool *full);
// JoinableQueue only: one item is finished (ROM_APP_ERROR if none is unfinished); wait until all are.
rom_status_t rom_queue_task_done (rom_queue_t *queue);
rom_status_t rom_queue_join (rom_queue_t *queue, uint32_t timeout_ms);
rom_proxy_t *rom_queue_proxy (rom_queue_t *queue);
void rom_queue_destroy (rom_queue_t **queue_p);
// A new handle from a token (see "Typed handles from references" above).
rom_status_t rom_queue_from_token (rom_client_t *client, const char *token, rom_queue_t **queue_p);

// --- Pipe -------------------------------------------------------------------------------------------------

// A new pipe: two ends, each an object of its own. With `duplex` both send and receive; without, *a only
// receives and *b only sends (Python's Pipe (duplex=False)). Caller owns both ends. Hand an end to a child
// process and destroy the parent's handle of it: the peer sees ROM_CLOSED once every handle of an end is
// gone (or it is closed), as Python's EOFError needs every copy of a connection closed.
rom_status_t rom_pipe_new (rom_client_t *client, bool duplex, rom_pipe_t **a_p, rom_pipe_t **b_p);
// Send to the other end: ROM_OK, ROM_CLOSED (the other end is closed or gone), ROM_APP_ERROR (a receive-only
// end).
rom_status_t rom_pipe_send_int (rom_pipe_t *end, int64_t value);
rom_status_t rom_pipe_send_str (rom_pipe_t *end, const char *value);
rom_status_t rom_pipe_send_bytes (rom_pipe_t *end, const void *data, size_t size);
rom_status_t rom_pipe_send_message (rom_pipe_t *end, const ProtobufCMessage *message);
rom_status_t rom_pipe_send_item (rom_pipe_t *end, const rom_item_t *item);
// conn.send (proxy): send a reference to another shared object. While it waits in the other end's inbox it
// keeps the object alive (the sender may drop its proxy and close at once); the receiver gets a ROM_ITEM_REF
// item. ROM_INVALID for a NULL or foreign proxy, ROM_UNAVAILABLE when its client was destroyed.
rom_status_t rom_pipe_send_proxy (rom_pipe_t *end, const rom_proxy_t *proxy);
// Receive the next item within `timeout_ms`: ROM_OK, ROM_TIMEOUT, ROM_CLOSED (the other end is gone and
// everything it sent was received: Python's EOFError), ROM_WRONG_TYPE for the typed forms (the item is
// consumed). Returned strings, bytes and messages are caller-owned (free (), or
// protobuf_c_message_free_unpacked ()).
rom_status_t rom_pipe_recv_int (rom_pipe_t *end, uint32_t timeout_ms, int64_t *value);
rom_status_t rom_pipe_recv_str (rom_pipe_t *end, uint32_t timeout_ms, char **value);
rom_status_t rom_pipe_recv_bytes (rom_pipe_t *end, uint32_t timeout_ms, uint8_t **data, size_t *size);
rom_status_t rom_pipe_recv_message (rom_pipe_t *end, uint32_t timeout_ms,
                                    const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **message);
rom_status_t rom_pipe_recv_item (rom_pipe_t *end, uint32_t timeout_ms, rom_item_t *item);
// Whether Recv would answer at once (an item waits, or the other end is gone).
rom_status_t rom_pipe_poll (rom_pipe_t *end, bool *ready);
// Close this end for everyone (the peer's Recv gets ROM_CLOSED once drained), then destroy the handle.
// Accepts NULL and a pointer to NULL.
void rom_pipe_close (rom_pipe_t **end_p);
rom_proxy_t *rom_pipe_proxy (rom_pipe_t *end);
// Drop this handle only (the end lives on in other processes holding it). Accepts NULL and a pointer to NULL.
void rom_pipe_destroy (rom_pipe_t **end_p);
// A new handle from a token (see "Typed handles from references" above).
rom_status_t rom_pipe_from_token (rom_client_t *client, const char *token, rom_pipe_t **end_p);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
