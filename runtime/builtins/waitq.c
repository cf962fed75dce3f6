// waitq.c: the FIFO of deferred calls every blocking built-in type keeps (waitq.h), on the runtime's one
// intrusive list: a waiter is unlinked in O(1) when its call is cancelled, wherever it stands.
#include "waitq.h"

#include <stdlib.h>

romi_sync_waiter_t *
romi_sync_waitq_push (romi_sync_waitq_t *self, rom_call_t *call, uint64_t thread)
{
    romi_sync_waiter_t *waiter = calloc (1, sizeof *waiter);
    if (!waiter)
        return NULL;
    waiter->call = call;
    waiter->session = rom_call_session (call);
    waiter->thread = thread;
    romi_sync_waitq_append (self, waiter);
    return waiter;
}

rom_status_t
romi_sync_waitq_defer (romi_sync_waitq_t *self, rom_call_t *call, uint64_t thread, rom_cancel_fn on_cancel,
                       romi_sync_waiter_t **waiter_p)
{
    romi_sync_waiter_t *waiter = romi_sync_waitq_push (self, call, thread);
    if (!waiter)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for a waiter");
    rom_call_on_cancel (call, on_cancel);
    if (waiter_p)
        *waiter_p = waiter;
    return ROM_DEFERRED;
}

void
romi_sync_waitq_append (romi_sync_waitq_t *self, romi_sync_waiter_t *waiter)
{
    romi_list_append (&self->list, &waiter->link);
    waiter->queue = self;
    if (waiter->call)
        rom_call_set_data (waiter->call, waiter);
}

romi_sync_waiter_t *
romi_sync_waitq_find (const romi_sync_waitq_t *self, const rom_call_t *call)
{
    romi_sync_waiter_t *waiter = rom_call_data (call);
    return waiter && waiter->call == call && waiter->queue == self ? waiter : NULL;
}

void
romi_sync_waitq_unlink (romi_sync_waitq_t *self, romi_sync_waiter_t *waiter)
{
    romi_list_unlink (&self->list, &waiter->link);
    waiter->queue = NULL;
    if (waiter->call && rom_call_data (waiter->call) == waiter)
        rom_call_set_data (waiter->call, NULL); // the waiter may be freed next: the call must not point at it
}

rom_call_t *
romi_sync_waitq_pop_call (romi_sync_waitq_t *self)
{
    romi_sync_waiter_t *waiter = romi_sync_waitq_first (self);
    if (!waiter)
        return NULL;
    romi_sync_waitq_unlink (self, waiter);
    rom_call_t *call = waiter->call;
    free (waiter);
    return call;
}

bool
romi_sync_waitq_forget (romi_sync_waitq_t *self, const rom_call_t *call)
{
    romi_sync_waiter_t *waiter = romi_sync_waitq_find (self, call);
    if (!waiter)
        return false;
    romi_sync_waitq_unlink (self, waiter);
    free (waiter);
    return true;
}

void
romi_sync_waitq_fail_all (romi_sync_waitq_t *self, rom_status_t status, const char *why)
{
    rom_call_t *call;
    while ((call = romi_sync_waitq_pop_call (self))) {
        if (status != ROM_OK)
            rom_call_fail (call, status, "%s", why);
        rom_call_complete (call, status);
    }
}

void
romi_sync_waitq_drop_gone (romi_sync_waitq_t *self)
{
    romi_sync_waiter_t *first;
    while ((first = romi_sync_waitq_first (self)) && rom_call_peer_gone (first->call)) {
        rom_call_t *call = romi_sync_waitq_pop_call (self);
        rom_call_fail (call, ROM_CLOSED, "the caller is gone");
        rom_call_complete (call, ROM_CLOSED); // to nobody: its connection is closed
    }
}

bool
romi_sync_deadline_passed (const rom_call_t *call)
{
    return rom_call_remaining_ms (call) == 0;
}
