// waitq.h: private to the built-ins, server side. The FIFO of deferred calls every blocking type keeps
// (lock.c, semaphore.c, event.c, condition.c, barrier.c, queue.c, pipe.c; waitq.c).
//
// Every blocking method of these types is a deferred reply (DESIGN decision 4): it returns ROM_DEFERRED and
// its rom_call_t waits in one of these lists until a later call on the same object completes it, or the
// runtime cancels it (deadline passed, session ended, object destroyed) and its on_cancel hook removes it.
// The servants run inline on the server thread (none is a ROM_TYPE_POOL type), which is also what lets a Pipe
// end complete a call waiting on its peer object.
#ifndef ROMI_BUILTINS_WAITQ_H
#define ROMI_BUILTINS_WAITQ_H

#include "rom/rom.h"
#include "romi_list.h"

typedef struct romi_sync_waitq romi_sync_waitq_t;

typedef struct {
    romi_link_t link;         // first: a waiter is its link
    romi_sync_waitq_t *queue; // the list it is in, NULL when in none
    rom_call_t *call;         // NULL for a record that outlived its call (a Condition's restores)
    uint64_t session;         // the caller's owner key: session and thread tag
    uint64_t thread;
    int64_t n;        // what the waiter waits with: an RLock's saved count, ...
    const void *data; // a deferred Put's item (borrowed from the call's input)
} romi_sync_waiter_t;

// A servant's state is calloc'ed: romi_sync_waitq_init () before the first use, as the list's sentinel
// points at itself.
struct romi_sync_waitq {
    romi_list_t list;
};

#define romi_sync_waiter_of(l) romi_container_of (l, romi_sync_waiter_t, link)
static inline void
romi_sync_waitq_init (romi_sync_waitq_t *self)
{
    romi_list_init (&self->list);
}

static inline size_t
romi_sync_waitq_count (const romi_sync_waitq_t *self)
{
    return self->list.count;
}

// The first waiter, or NULL.
static inline romi_sync_waiter_t *
romi_sync_waitq_first (const romi_sync_waitq_t *self)
{
    romi_link_t *first = romi_list_first (&self->list);
    return first ? romi_sync_waiter_of (first) : NULL;
}

// Append a waiter for `call` (owner taken from the call's session and `thread`). NULL when out of memory.
romi_sync_waiter_t *romi_sync_waitq_push (romi_sync_waitq_t *self, rom_call_t *call, uint64_t thread);
// The same, and the call becomes a deferred reply: `on_cancel` is its hook. ROM_DEFERRED (what the method
// returns), or ROM_NOMEM set on `call`. `waiter_p` (may be NULL) gets the waiter.
rom_status_t romi_sync_waitq_defer (romi_sync_waitq_t *self, rom_call_t *call, uint64_t thread,
                                    rom_cancel_fn on_cancel, romi_sync_waiter_t **waiter_p);
// Append a waiter that is in no list (one moved from another list).
void romi_sync_waitq_append (romi_sync_waitq_t *self, romi_sync_waiter_t *waiter);
// The waiter of `call` in this list, or NULL. O(1): a waiting call carries its waiter (rom_call_data ()), so
// cancelling every call of a session that parked thousands costs no search (issue 18).
romi_sync_waiter_t *romi_sync_waitq_find (const romi_sync_waitq_t *self, const rom_call_t *call);
// Unlink `waiter` (not freed).
void romi_sync_waitq_unlink (romi_sync_waitq_t *self, romi_sync_waiter_t *waiter);
// Unlink and free the first waiter; its call (to complete), or NULL when nobody waits.
rom_call_t *romi_sync_waitq_pop_call (romi_sync_waitq_t *self);
// Unlink and free the waiter of `call`; false if `call` does not wait here.
bool romi_sync_waitq_forget (romi_sync_waitq_t *self, const rom_call_t *call);
// Drop the waiters at the head whose callers are gone (rom_call_peer_gone ()): called before a waiter is
// handed an item, a permit or a lock, so that it goes to a live caller (or stays) instead of being lost with
// a dead one. Their calls are completed ROM_CLOSED, to nobody.
void romi_sync_waitq_drop_gone (romi_sync_waitq_t *self);
// Complete every waiting call with `status` (failing ones with `why`) and empty the list.
void romi_sync_waitq_fail_all (romi_sync_waitq_t *self, rom_status_t status, const char *why);

// The deadline of a cancelled call has passed (as opposed to: its session ended, its object went away).
bool romi_sync_deadline_passed (const rom_call_t *call);

#endif
