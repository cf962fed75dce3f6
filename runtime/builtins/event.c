// event.c: Event (rom.builtins.Event): a flag that callers wait for.
//
// Wait on a clear flag is a deferred reply kept in a list; Set completes every waiting call at once. A waiter
// whose deadline passes is answered ROM_TIMEOUT by the runtime and removed here (s_on_cancel).
#include "builtins.h"
#include "waitq.h"

#include <stdlib.h>

#include "rom/builtins/sync.rom.h"

typedef struct {
    bool flag;
    romi_sync_waitq_t waiters;
} event_t;

static rom_status_t
s_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    event_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    romi_sync_waitq_init (&self->waiters);
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    romi_sync_waitq_fail_all (&((event_t *) self)->waiters, ROM_CLOSED,
                              "the event was destroyed while the call waited");
    free (self);
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    romi_sync_waitq_forget (&((event_t *) self)->waiters, call);
}

static rom_status_t
s_set (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    (void) call;
    event_t *event = self;
    event->flag = true;
    romi_sync_waitq_fail_all (&event->waiters, ROM_OK, NULL);
    return ROM_OK;
}

static rom_status_t
s_clear (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    (void) call;
    ((event_t *) self)->flag = false;
    return ROM_OK;
}

static rom_status_t
s_is_set (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Flag *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((event_t *) self)->flag;
    return ROM_OK;
}

static rom_status_t
s_wait (void *self, const Rom__Builtins__WaitRequest *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    event_t *event = self;
    if (event->flag)
        return ROM_OK;
    if (in->nowait)
        return rom_call_fail (call, ROM_TIMEOUT, "the event is not set");
    return romi_sync_waitq_defer (&event->waiters, call, 0, s_on_cancel, NULL);
}

static const Rom__Builtins__Event_Servant s_event = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .set = s_set,
    .clear = s_clear,
    .is_set = s_is_set,
    .wait = s_wait,
};

rom_status_t
romi_builtin_event_register (rom_server_t *server)
{
    return rom__builtins__event__rom_register (server, &s_event, NULL);
}
