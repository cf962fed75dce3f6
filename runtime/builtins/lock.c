// lock.c: Lock and RLock (rom.builtins.Lock, rom.builtins.RLock), and the lock core Condition shares.
//
// Owner. Python's lock owner is a (process, thread). Ours is (session, thread tag): the session is the
// caller's client session, which the server knows from the call header (a process has one per client, a
// forked child a new one); the thread tag is a number the client sends in the request (rom/rom_sync.h fills
// it with a per-thread counter), so two threads of one process are two owners. Only the owner releases;
// an RLock counts its owner's acquires.
//
// Waiting. A blocked Acquire is a deferred reply kept in a FIFO: Release hands the lock to the first waiter
// and completes its call, so no server thread ever waits. The caller's deadline is the call's: when it
// passes, the runtime cancels the call (ROM_TIMEOUT) and s_on_cancel takes it off the list, so the lock is
// never handed to a caller that left.
//
// Process death. Acquire registers a session-end hook (rom_call_on_session_end ()): when the owner's session
// ends (rom_client_destroy (), or a dead process's lease runs out), the lock is released and passes on.
// Rejected: a registry of held locks on the builtins' side (needs per-server state that nothing frees), and
// a hook in rom_type_t (the generator would have to emit it for every type).
#include "builtins.h"
#include "lock.h"

#include <stdlib.h>

// --- the core ---------------------------------------------------------------------------------------------

void
romi_sync_lock_init (romi_sync_lock_t *self, bool reentrant)
{
    *self = (romi_sync_lock_t) {.reentrant = reentrant};
    romi_sync_waitq_init (&self->waiters);
}

void
romi_sync_lock_fini (romi_sync_lock_t *self)
{
    romi_sync_waitq_fail_all (&self->waiters, ROM_CLOSED, "the lock was destroyed while the call waited");
}

static bool
s_owner_is (const romi_sync_lock_t *self, uint64_t session, uint64_t thread)
{
    return self->count > 0 && self->session == session && self->thread == thread;
}

bool
romi_sync_lock_mine (const romi_sync_lock_t *self, const rom_call_t *call, uint64_t thread)
{
    return s_owner_is (self, rom_call_session (call), thread);
}

rom_status_t
romi_sync_lock_acquire (romi_sync_lock_t *self, rom_call_t *call, bool nowait, uint64_t thread,
                        uint32_t level, rom_cancel_fn on_cancel)
{
    uint64_t session = rom_call_session (call);
    if (self->count == 0) {
        self->session = session;
        self->thread = thread;
        self->count = level;
        return ROM_OK;
    }
    // A Lock has no owner, as in Python: its holder acquiring it again waits like anyone else (another
    // process may release it: a Lock used as a signal), or is refused at once without blocking.
    if (self->reentrant && s_owner_is (self, session, thread)) {
        if (self->count == UINT32_MAX)
            return rom_call_fail (call, ROM_APP_ERROR, "acquired too many times");
        self->count++;
        return ROM_OK;
    }
    if (nowait)
        return rom_call_fail (call, ROM_TIMEOUT, "held by another owner");
    romi_sync_waiter_t *waiter = NULL;
    rom_status_t status = romi_sync_waitq_defer (&self->waiters, call, thread, on_cancel, &waiter);
    if (waiter)
        waiter->n = level;
    return status;
}

void
romi_sync_lock_grant (romi_sync_lock_t *self)
{
    if (self->count > 0)
        return;
    romi_sync_waitq_drop_gone (&self->waiters);
    romi_sync_waiter_t *waiter = romi_sync_waitq_first (&self->waiters);
    if (!waiter)
        return;
    romi_sync_waitq_unlink (&self->waiters, waiter);
    self->session = waiter->session;
    self->thread = waiter->thread;
    self->count = (uint32_t) (waiter->n > 0 ? waiter->n : 1);
    rom_call_t *call = waiter->call;
    free (waiter);
    rom_call_complete (call, ROM_OK);
}

rom_status_t
romi_sync_lock_release (romi_sync_lock_t *self, rom_call_t *call, uint64_t thread)
{
    if (self->count == 0)
        return rom_call_fail (call, ROM_APP_ERROR, "release of an unlocked lock");
    if (self->reentrant && !s_owner_is (self, rom_call_session (call), thread))
        return rom_call_fail (call, ROM_APP_ERROR, "release of a lock held by another owner");
    if (--self->count == 0)
        romi_sync_lock_grant (self);
    return ROM_OK;
}

void
romi_sync_lock_requeue (romi_sync_lock_t *self, romi_sync_waiter_t *waiter)
{
    romi_sync_waitq_append (&self->waiters, waiter);
    romi_sync_lock_grant (self);
}

void
romi_sync_lock_session_end (romi_sync_lock_t *self, uint64_t session)
{
    if (self->count > 0 && self->session == session) {
        self->count = 0;
        romi_sync_lock_grant (self);
    }
}

void
romi_sync_lock_state (const romi_sync_lock_t *self, const rom_call_t *call, uint64_t thread,
                      Rom__Builtins__LockState *out)
{
    out->locked = self->count > 0;
    out->mine = romi_sync_lock_mine (self, call, thread);
    out->count = self->count;
    out->waiting = (uint32_t) romi_sync_waitq_count (&self->waiters);
}

// --- Lock and RLock ----------------------------------------------------------------------------------------

static void
s_on_cancel (void *self, rom_call_t *call)
{
    romi_sync_lock_t *lock = self;
    romi_sync_waitq_forget (&lock->waiters, call);
}

static void
s_on_session_end (void *self, uint64_t session)
{
    romi_sync_lock_session_end (self, session);
}

static romi_sync_lock_t *
s_new (bool reentrant)
{
    romi_sync_lock_t *lock = malloc (sizeof *lock);
    if (lock)
        romi_sync_lock_init (lock, reentrant);
    return lock;
}

static rom_status_t
s_lock_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    return (*self_p = s_new (false)) ? ROM_OK : rom_call_fail (call, ROM_NOMEM, "out of memory");
}

static rom_status_t
s_rlock_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    return (*self_p = s_new (true)) ? ROM_OK : rom_call_fail (call, ROM_NOMEM, "out of memory");
}

static void
s_destroy (void *self)
{
    romi_sync_lock_fini (self);
    free (self);
}

static rom_status_t
s_acquire (void *self, const Rom__Builtins__AcquireRequest *in, Google__Protobuf__Empty *out,
           rom_call_t *call)
{
    (void) out;
    rom_call_on_session_end (call, s_on_session_end);
    return romi_sync_lock_acquire (self, call, in->nowait, in->thread, 1, s_on_cancel);
}

static rom_status_t
s_release (void *self, const Rom__Builtins__OwnerRequest *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    return romi_sync_lock_release (self, call, in->thread);
}

static rom_status_t
s_state (void *self, const Rom__Builtins__OwnerRequest *in, Rom__Builtins__LockState *out, rom_call_t *call)
{
    romi_sync_lock_state (self, call, in->thread, out);
    return ROM_OK;
}

static const Rom__Builtins__Lock_Servant s_lock = {
    .rom_create = s_lock_create,
    .rom_destroy = s_destroy,
    .acquire = s_acquire,
    .release = s_release,
    .state = s_state,
};

static const Rom__Builtins__RLock_Servant s_rlock = {
    .rom_create = s_rlock_create,
    .rom_destroy = s_destroy,
    .acquire = s_acquire,
    .release = s_release,
    .state = s_state,
};

rom_status_t
romi_builtin_lock_register (rom_server_t *server)
{
    rom_status_t status = rom__builtins__lock__rom_register (server, &s_lock, NULL);
    return status == ROM_OK ? rom__builtins__rlock__rom_register (server, &s_rlock, NULL) : status;
}
