// sync_private.h: private to librom. What the servants of the synchronization types (lock.c, semaphore.c,
// event.c, condition.c, barrier.c, queue.c, pipe.c) share: a FIFO of deferred calls, and a lock core with an
// owner, used by Lock, RLock and Condition.
//
// Every blocking method of these types is a deferred reply (DESIGN decision 4): it returns ROM_DEFERRED and
// its rom_call_t waits in one of these lists until a later call on the same object completes it, or the
// runtime cancels it (deadline passed, session ended, object destroyed) and its on_cancel hook removes it.
// The servants run inline on the server thread (none is a ROM_TYPE_POOL type), which is also what lets a Pipe
// end complete a call waiting on its peer object.
#ifndef ROM_SYNC_PRIVATE_H
#define ROM_SYNC_PRIVATE_H

#include "rom_private.h"

#include "rom/builtins/pipe.rom.h"
#include "rom/builtins/queue.rom.h"
#include "rom/builtins/sync.rom.h"

// --- a FIFO of waiting calls ------------------------------------------------------------------------------

typedef struct romi_sync_waiter romi_sync_waiter_t;
struct romi_sync_waiter {
    rom_call_t *call;
    uint64_t session;            // the caller's owner key: session and thread tag
    uint64_t thread;
    int64_t n;                   // what the waiter waits with: an RLock's saved count, ...
    const void *data;            // a deferred Put's item (borrowed from the call's input)
    romi_sync_waiter_t *next, *prev;
};

typedef struct {
    romi_sync_waiter_t *head, *tail;
    size_t count;
} romi_sync_waitq_t;

// Append a waiter for `call` (owner taken from the call's session and `thread`). NULL when out of memory.
romi_sync_waiter_t *romi_sync_waitq_push (romi_sync_waitq_t *self, rom_call_t *call, uint64_t thread);
// The waiter of `call`, or NULL. Linear: wait lists are short, and cancels are rare next to calls.
romi_sync_waiter_t *romi_sync_waitq_find (const romi_sync_waitq_t *self, const rom_call_t *call);
// Unlink `waiter` (not freed).
void romi_sync_waitq_unlink (romi_sync_waitq_t *self, romi_sync_waiter_t *waiter);
// Unlink and free the waiter of `call`; false if `call` does not wait here.
bool romi_sync_waitq_forget (romi_sync_waitq_t *self, const rom_call_t *call);
// Drop the waiters at the head whose callers are gone (rom_call_peer_gone ()): called before a waiter is
// handed an item, a permit or a lock, so that it goes to a live caller (or stays) instead of being lost with
// a dead one. Their calls are completed ROM_CLOSED, to nobody.
void romi_sync_waitq_drop_gone (romi_sync_waitq_t *self);
// Complete every waiting call with `status` (failing ones with `why`) and empty the list.
void romi_sync_waitq_fail_all (romi_sync_waitq_t *self, rom_status_t status, const char *why);

// The reference an item carries (Queue, Pipe), or NULL.
static inline const Rom__ObjectRef *
romi_sync_item_ref (const Rom__Builtins__SyncItem *item)
{
    const Rom__Builtins__Variant *v = item->value;
    return v && v->kind_case == ROM__BUILTINS__VARIANT__KIND_REF_VALUE ? v->ref_value : NULL;
}

// --- a FIFO of items (Queue's contents, a Pipe end's inbox; items.c) ----------------------------------------

typedef struct romi_sync_item romi_sync_item_t;
typedef struct {
    romi_sync_item_t *head, *tail;
    size_t count;
} romi_sync_items_t;

// Append a packed copy of `item`. A reference it carries is kept by `holder` until the item is taken (NULL:
// not kept); the item must then be taken by a call on `holder`. ROM_OK, or the failure set on `call`
// (ROM_NOMEM, ROM_NO_OBJECT for a reference to nothing, ROM_INVALID for a reference to `holder` itself).
rom_status_t romi_sync_items_push (romi_sync_items_t *self, const Rom__Builtins__SyncItem *item, romi_object_t *holder,
                              rom_call_t *call);
// Move the first item (there must be one) into `out`, unpacked in the call's memory; a kept reference is
// dropped once the call's reply is out. ROM_OK, or ROM_NOMEM set on `call` (the item stays).
rom_status_t romi_sync_items_take (romi_sync_items_t *self, Rom__Builtins__SyncItem *out, rom_call_t *call);
// Free every item (their kept references go with their holder).
void romi_sync_items_clear (romi_sync_items_t *self);
// Complete the first call waiting in `waiters` (its output a SyncItem) with `item`, whose values are borrowed:
// they are packed into that reply at once. False when nobody waits.
bool romi_sync_waitq_hand_item (romi_sync_waitq_t *waiters, const Rom__Builtins__SyncItem *item);

// The deadline of a cancelled call has passed (as opposed to: its session ended, its object went away).
bool romi_sync_deadline_passed (const rom_call_t *call);

// --- the lock core: Lock, RLock, and Condition's lock ----------------------------------------------------

typedef struct {
    uint64_t session, thread;    // the owner, while count > 0
    uint32_t count;              // recursion level; 0: free
    bool reentrant;              // RLock (and Condition)
    romi_sync_waitq_t waiters;        // Acquire calls (n: the count to hold when granted)
} romi_sync_lock_t;

void romi_sync_lock_init (romi_sync_lock_t *self, bool reentrant);
// Complete the waiting calls with CLOSED (the object dies) and free them.
void romi_sync_lock_fini (romi_sync_lock_t *self);
bool romi_sync_lock_mine (const romi_sync_lock_t *self, const rom_call_t *call, uint64_t thread);
// ROM_OK (held), ROM_DEFERRED (waits), ROM_TIMEOUT (nowait and held elsewhere), ROM_APP_ERROR (a Lock its
// owner acquires again), ROM_NOMEM.
// `level` is the recursion level to hold when acquired (1, or what a Condition's Wait gave up).
rom_status_t romi_sync_lock_acquire (romi_sync_lock_t *self, rom_call_t *call, bool nowait, uint64_t thread, uint32_t level,
                                rom_cancel_fn on_cancel);
// ROM_OK, or ROM_APP_ERROR when the caller is not the owner.
rom_status_t romi_sync_lock_release (romi_sync_lock_t *self, rom_call_t *call, uint64_t thread);
// Give the free lock to the first waiter, completing its call.
void romi_sync_lock_grant (romi_sync_lock_t *self);
// Queue a waiter that wants the lock back at recursion level `count` (a notified Condition.Wait).
void romi_sync_lock_requeue (romi_sync_lock_t *self, romi_sync_waiter_t *waiter);
// A session ended: a lock it held is released (and granted to the next waiter).
void romi_sync_lock_session_end (romi_sync_lock_t *self, uint64_t session);
void romi_sync_lock_state (const romi_sync_lock_t *self, const rom_call_t *call, uint64_t thread,
                      Rom__Builtins__LockState *out);

#endif
