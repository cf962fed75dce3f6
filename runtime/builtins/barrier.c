// barrier.c: Barrier (rom.builtins.Barrier): `parties` callers wait until all have arrived.
//
// Each Wait that is not the last is a deferred reply in arrival order; the last arrival completes them all,
// each with its arrival index, and answers its own. Broken state (Python's BrokenBarrierError): Abort, or a
// waiter whose deadline passes (s_on_cancel, as Python breaks the barrier on a timeout), answers every waiter
// ROM_BROKEN and every later Wait too, until Reset. A waiter that leaves because its session ended or the
// barrier is destroyed is only removed: the others keep waiting.
//
// Python's Barrier (parties, timeout=): the default timeout is kept here and reported by State, and the
// caller's helper (barrier_api.c, ROM_BARRIER_DEFAULT) makes it its Wait's deadline. Rejected: applying it
// here to a Wait that came without a deadline, as a servant cannot set a call's deadline or a timer of its
// own (deadlines are the caller's: rom_call_remaining_ms () only reads one); the extra State costs one round
// trip (~0.1 ms) per default wait, and keeps a raw Wait meaning what its deadline says.
#include "builtins.h"
#include "waitq.h"

#include <stdlib.h>

#include "rom/builtins/sync.rom.h"

typedef struct {
    uint32_t parties;
    uint32_t timeout_ms; // the default timeout of a Wait (BarrierInit.timeout_ms), 0: none
    bool broken;
    romi_sync_waitq_t waiters;
} barrier_t;

static rom_status_t
s_create (void *ctx, const Rom__Builtins__BarrierInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    if (!args || args->parties == 0)
        return rom_call_fail (call, ROM_APP_ERROR, "a barrier needs at least one party");
    barrier_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    self->parties = args->parties;
    self->timeout_ms = args->timeout_ms;
    romi_sync_waitq_init (&self->waiters);
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    romi_sync_waitq_fail_all (&((barrier_t *) self)->waiters, ROM_CLOSED,
                              "the barrier was destroyed while the call waited");
    free (self);
}

static void
s_break (barrier_t *barrier, const char *why)
{
    barrier->broken = true;
    romi_sync_waitq_fail_all (&barrier->waiters, ROM_BROKEN, why);
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    barrier_t *barrier = self;
    romi_sync_waitq_forget (&barrier->waiters, call);
    if (romi_sync_deadline_passed (call))
        s_break (barrier, "the barrier broke: another party timed out");
}

static rom_status_t
s_wait (void *self, const Rom__Builtins__WaitRequest *in, Rom__Builtins__Count *out, rom_call_t *call)
{
    barrier_t *barrier = self;
    if (barrier->broken)
        return rom_call_fail (call, ROM_BROKEN, "the barrier is broken (aborted, or a party timed out)");
    if (romi_sync_waitq_count (&barrier->waiters) + 1 == barrier->parties) {
        int64_t index = 0;
        rom_call_t *waiting;
        while ((waiting = romi_sync_waitq_pop_call (&barrier->waiters))) {
            ((Rom__Builtins__Count *) rom_call_output (waiting))->value = index++;
            rom_call_complete (waiting, ROM_OK);
        }
        out->value = index;
        return ROM_OK;
    }
    if (in->nowait) {
        s_break (barrier, "the barrier broke: a party would not wait");
        return rom_call_fail (call, ROM_BROKEN, "not all parties are here, and the caller would not wait");
    }
    return romi_sync_waitq_defer (&barrier->waiters, call, 0, s_on_cancel, NULL);
}

static rom_status_t
s_abort (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    (void) call;
    s_break (self, "the barrier was aborted");
    return ROM_OK;
}

static rom_status_t
s_reset (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    (void) call;
    barrier_t *barrier = self;
    romi_sync_waitq_fail_all (&barrier->waiters, ROM_BROKEN, "the barrier was reset while the call waited");
    barrier->broken = false;
    return ROM_OK;
}

static rom_status_t
s_state (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__BarrierState *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    barrier_t *barrier = self;
    out->parties = barrier->parties;
    out->waiting = (uint32_t) romi_sync_waitq_count (&barrier->waiters);
    out->broken = barrier->broken;
    out->timeout_ms = barrier->timeout_ms;
    return ROM_OK;
}

static const Rom__Builtins__Barrier_Servant s_barrier = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .wait = s_wait,
    .abort = s_abort,
    .reset = s_reset,
    .state = s_state,
};

rom_status_t
romi_builtin_barrier_register (rom_server_t *server)
{
    return rom__builtins__barrier__rom_register (server, &s_barrier, NULL);
}
