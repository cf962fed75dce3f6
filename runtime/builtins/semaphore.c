// semaphore.c: Semaphore and BoundedSemaphore (rom.builtins.Semaphore, rom.builtins.BoundedSemaphore).
//
// A count of free units and a FIFO of deferred Acquire calls. Release adds units and hands them to waiters in
// arrival order, completing their calls; a waiter whose deadline passes is cancelled by the runtime and taken
// off the list (s_on_cancel), so no unit is ever handed to a caller that left. A semaphore has no owner (as
// in Python), so a session that ends gives nothing back.
#include "builtins.h"
#include "waitq.h"

#include <stdlib.h>

#include "rom/builtins/sync.rom.h"

typedef struct {
    int64_t value; // free units
    int64_t bound; // BoundedSemaphore: the most `value` may be; -1: unbounded
    romi_sync_waitq_t waiters;
} semaphore_t;

static rom_status_t
s_create (bool bounded, const Rom__Builtins__SemaphoreInit *args, void **self_p, rom_call_t *call)
{
    int64_t value = args ? args->value : 0;
    if (value < 0)
        return rom_call_fail (call, ROM_APP_ERROR, "initial value %lld is negative", (long long) value);
    semaphore_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    self->value = value;
    self->bound = bounded ? value : -1;
    romi_sync_waitq_init (&self->waiters);
    *self_p = self;
    return ROM_OK;
}

static rom_status_t
s_semaphore_create (void *ctx, const Rom__Builtins__SemaphoreInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    return s_create (false, args, self_p, call);
}

static rom_status_t
s_bounded_create (void *ctx, const Rom__Builtins__SemaphoreInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    return s_create (true, args, self_p, call);
}

static void
s_destroy (void *self)
{
    semaphore_t *sem = self;
    romi_sync_waitq_fail_all (&sem->waiters, ROM_CLOSED, "the semaphore was destroyed while the call waited");
    free (sem);
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    romi_sync_waitq_forget (&((semaphore_t *) self)->waiters, call);
}

static rom_status_t
s_acquire (void *self, const Rom__Builtins__AcquireRequest *in, Google__Protobuf__Empty *out,
           rom_call_t *call)
{
    (void) out;
    semaphore_t *sem = self;
    if (sem->value > 0 && !romi_sync_waitq_count (&sem->waiters)) {
        sem->value--;
        return ROM_OK;
    }
    if (in->nowait)
        return rom_call_fail (call, ROM_TIMEOUT, "no free unit");
    return romi_sync_waitq_defer (&sem->waiters, call, in->thread, s_on_cancel, NULL);
}

static rom_status_t
s_release (void *self, const Rom__Builtins__ReleaseRequest *in, Google__Protobuf__Empty *out,
           rom_call_t *call)
{
    (void) out;
    semaphore_t *sem = self;
    int64_t n = in->n ? in->n : 1;
    // value <= bound always holds, so bound - value cannot overflow where value + n could (a peer's n).
    if (sem->bound >= 0 && n > sem->bound - sem->value)
        return rom_call_fail (call, ROM_APP_ERROR, "released too many times (value %lld + %lld > bound %lld)",
                              (long long) sem->value, (long long) n, (long long) sem->bound);
    if (n > INT64_MAX - sem->value)
        return rom_call_fail (call, ROM_OUT_OF_RANGE, "value %lld + %lld would overflow a 64-bit count",
                              (long long) sem->value, (long long) n);
    sem->value += n;
    while (sem->value > 0) {
        romi_sync_waitq_drop_gone (&sem->waiters);
        rom_call_t *waiting = romi_sync_waitq_pop_call (&sem->waiters);
        if (!waiting)
            break;
        sem->value--;
        rom_call_complete (waiting, ROM_OK);
    }
    return ROM_OK;
}

static rom_status_t
s_value (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Count *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((semaphore_t *) self)->value;
    return ROM_OK;
}

static const Rom__Builtins__Semaphore_Servant s_semaphore = {
    .rom_create = s_semaphore_create,
    .rom_destroy = s_destroy,
    .acquire = s_acquire,
    .release = s_release,
    .value = s_value,
};

static const Rom__Builtins__BoundedSemaphore_Servant s_bounded = {
    .rom_create = s_bounded_create,
    .rom_destroy = s_destroy,
    .acquire = s_acquire,
    .release = s_release,
    .value = s_value,
};

rom_status_t
romi_builtin_semaphore_register (rom_server_t *server)
{
    rom_status_t status = rom__builtins__semaphore__rom_register (server, &s_semaphore, NULL);
    return status == ROM_OK ? rom__builtins__bounded_semaphore__rom_register (server, &s_bounded, NULL)
                            : status;
}
