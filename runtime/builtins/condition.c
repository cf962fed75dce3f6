// condition.c: Condition (rom.builtins.Condition): a condition variable with its own re-entrant lock.
//
// Wait (which needs the lock) saves the caller's recursion level, releases the lock (granting it to the next
// Acquire), and parks the call in `sleepers` as a deferred reply. Notify moves up to n sleepers, call and
// all, to the lock's waiters: each is completed when the lock is granted to it, at its saved level, so a
// notified Wait answers ROM_OK holding the lock, exactly as Python's. When a Wait's deadline passes first,
// the runtime answers ROM_TIMEOUT and s_on_cancel removes it from whichever list holds it: that caller does
// not hold the lock, and rom_condition_wait () takes it back with Acquire before returning (a call cannot
// outlive its deadline, so the server cannot finish the re-acquire itself). So that this Acquire restores
// the recursion level the Wait gave up, the level is kept in `restores` for that owner until its next
// Acquire (or its session's end).
#include "builtins.h"
#include "lock.h"

#include <stdlib.h>

typedef struct {
    romi_sync_lock_t lock;      // first: the lock core's helpers take the object's state as a lock
    romi_sync_waitq_t sleepers; // Wait calls not yet notified (n: saved recursion level)
    romi_sync_waitq_t restores; // owners whose Wait timed out (no call; n: the level their Acquire restores)
} condition_t;

// Drop the restore records of `session` (0: all).
static void
s_forget_restores (condition_t *cond, uint64_t session)
{
    romi_list_each_safe (&cond->restores.list, l)
    {
        romi_sync_waiter_t *record = romi_sync_waiter_of (l);
        if (!session || record->session == session) {
            romi_sync_waitq_unlink (&cond->restores, record);
            free (record);
        }
    }
}

static rom_status_t
s_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    condition_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    romi_sync_lock_init (&self->lock, true);
    romi_sync_waitq_init (&self->sleepers);
    romi_sync_waitq_init (&self->restores);
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    condition_t *cond = self;
    romi_sync_waitq_fail_all (&cond->sleepers, ROM_CLOSED,
                              "the condition was destroyed while the call waited");
    romi_sync_lock_fini (&cond->lock);
    s_forget_restores (cond, 0);
    free (cond);
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    condition_t *cond = self;
    romi_sync_waiter_t *waiter = romi_sync_waitq_find (&cond->sleepers, call);
    romi_sync_waitq_t *list = &cond->sleepers;
    if (!waiter) {
        waiter = romi_sync_waitq_find (&cond->lock.waiters, call);
        list = &cond->lock.waiters;
    }
    if (!waiter)
        return;
    romi_sync_waitq_unlink (list, waiter);
    if (list == &cond->sleepers || waiter->n > 1) {
        // A Wait that gave the lock up: keep its level for the owner's next Acquire. A plain Acquire
        // (level 1) needs no record.
        waiter->call = NULL;
        romi_sync_waitq_append (&cond->restores, waiter);
    } else
        free (waiter);
}

static void
s_on_session_end (void *self, uint64_t session)
{
    condition_t *cond = self;
    s_forget_restores (cond, session);
    romi_sync_lock_session_end (&cond->lock, session);
}

static rom_status_t
s_acquire (void *self, const Rom__Builtins__AcquireRequest *in, Google__Protobuf__Empty *out,
           rom_call_t *call)
{
    (void) out;
    condition_t *cond = self;
    rom_call_on_session_end (call, s_on_session_end);
    uint32_t level = 1;
    uint64_t session = rom_call_session (call);
    romi_list_each (&cond->restores.list, l)
    {
        romi_sync_waiter_t *record = romi_sync_waiter_of (l);
        if (record->session == session && record->thread == in->thread) {
            level = (uint32_t) record->n;
            romi_sync_waitq_unlink (&cond->restores, record);
            free (record);
            break;
        }
    }
    return romi_sync_lock_acquire (&cond->lock, call, in->nowait, in->thread, level, s_on_cancel);
}

static rom_status_t
s_release (void *self, const Rom__Builtins__OwnerRequest *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    return romi_sync_lock_release (&((condition_t *) self)->lock, call, in->thread);
}

static rom_status_t
s_wait (void *self, const Rom__Builtins__OwnerRequest *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    condition_t *cond = self;
    if (!romi_sync_lock_mine (&cond->lock, call, in->thread))
        return rom_call_fail (call, ROM_APP_ERROR,
                              "wait on an un-acquired lock (acquire the condition first)");
    romi_sync_waiter_t *waiter = NULL;
    rom_status_t status = romi_sync_waitq_defer (&cond->sleepers, call, in->thread, s_on_cancel, &waiter);
    if (!waiter)
        return status;
    waiter->n = cond->lock.count;
    cond->lock.count = 0;
    romi_sync_lock_grant (&cond->lock);
    return status;
}

static uint32_t
s_wake (condition_t *cond, uint32_t n)
{
    uint32_t woken = 0;
    romi_sync_waiter_t *waiter;
    while (woken < n && (waiter = romi_sync_waitq_first (&cond->sleepers))) {
        romi_sync_waitq_unlink (&cond->sleepers, waiter);
        romi_sync_lock_requeue (&cond->lock, waiter); // the notifier holds the lock: nothing is granted yet
        woken++;
    }
    return woken;
}

static rom_status_t
s_notify (void *self, const Rom__Builtins__NotifyRequest *in, Rom__Builtins__Count *out, rom_call_t *call)
{
    condition_t *cond = self;
    if (!romi_sync_lock_mine (&cond->lock, call, in->thread))
        return rom_call_fail (call, ROM_APP_ERROR,
                              "notify on an un-acquired lock (acquire the condition first)");
    out->value = in->n ? s_wake (cond, in->n) : 0; // Python's notify (0) wakes nobody
    return ROM_OK;
}

static rom_status_t
s_notify_all (void *self, const Rom__Builtins__OwnerRequest *in, Rom__Builtins__Count *out, rom_call_t *call)
{
    condition_t *cond = self;
    if (!romi_sync_lock_mine (&cond->lock, call, in->thread))
        return rom_call_fail (call, ROM_APP_ERROR,
                              "notify on an un-acquired lock (acquire the condition first)");
    out->value = s_wake (cond, UINT32_MAX);
    return ROM_OK;
}

static rom_status_t
s_state (void *self, const Rom__Builtins__OwnerRequest *in, Rom__Builtins__LockState *out, rom_call_t *call)
{
    condition_t *cond = self;
    romi_sync_lock_state (&cond->lock, call, in->thread, out);
    out->waiting += (uint32_t) romi_sync_waitq_count (&cond->sleepers);
    return ROM_OK;
}

static const Rom__Builtins__Condition_Servant s_condition = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .acquire = s_acquire,
    .release = s_release,
    .wait = s_wait,
    .notify = s_notify,
    .notify_all = s_notify_all,
    .state = s_state,
};

rom_status_t
romi_builtin_condition_register (rom_server_t *server)
{
    return rom__builtins__condition__rom_register (server, &s_condition, NULL);
}
