// lock.h: private to the built-ins. What other types borrow from the Lock: on the server, the lock core with
// an owner (lock.c) that Lock, RLock and Condition share; on the client, the Acquire and owner requests
// (lock_api.c) that the Lock, Semaphore and Condition helpers send alike.
#ifndef ROMI_BUILTINS_LOCK_H
#define ROMI_BUILTINS_LOCK_H

#include "waitq.h"

#include "rom/builtins/sync.rom.h"

// --- server side: the lock core ---------------------------------------------------------------------------

typedef struct {
    uint64_t session, thread;  // the owner, while count > 0
    uint32_t count;            // recursion level; 0: free
    bool reentrant;            // RLock (and Condition)
    romi_sync_waitq_t waiters; // Acquire calls (n: the count to hold when granted)
} romi_sync_lock_t;

void romi_sync_lock_init (romi_sync_lock_t *self, bool reentrant);
// Complete the waiting calls with CLOSED (the object dies) and free them.
void romi_sync_lock_fini (romi_sync_lock_t *self);
bool romi_sync_lock_mine (const romi_sync_lock_t *self, const rom_call_t *call, uint64_t thread);
// ROM_OK (held), ROM_DEFERRED (waits), ROM_TIMEOUT (nowait and held elsewhere), ROM_APP_ERROR (a Lock its
// owner acquires again), ROM_NOMEM.
// `level` is the recursion level to hold when acquired (1, or what a Condition's Wait gave up).
rom_status_t romi_sync_lock_acquire (romi_sync_lock_t *self, rom_call_t *call, bool nowait, uint64_t thread,
                                     uint32_t level, rom_cancel_fn on_cancel);
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

// --- client side: requests that carry the caller's thread tag ----------------------------------------------

// Acquire on a checked handle: `timeout_ms` the call's deadline on the server, ROM_NOWAIT the request's
// nowait.
rom_status_t romi_lock_api_acquire (void *handle, uint32_t timeout_ms);
// A call of `name` whose request is an OwnerRequest (Release, State, NotifyAll, ...).
rom_status_t romi_lock_api_owner_call (void *handle, const char *name, ProtobufCMessage **out);

#endif
