// waitq.c: the FIFO of deferred calls every blocking built-in type keeps (see sync_private.h).
#include "sync_private.h"

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
    waiter->prev = self->tail;
    if (self->tail)
        self->tail->next = waiter;
    else
        self->head = waiter;
    self->tail = waiter;
    self->count++;
    return waiter;
}

romi_sync_waiter_t *
romi_sync_waitq_find (const romi_sync_waitq_t *self, const rom_call_t *call)
{
    for (romi_sync_waiter_t *waiter = self->head; waiter; waiter = waiter->next)
        if (waiter->call == call)
            return waiter;
    return NULL;
}

void
romi_sync_waitq_unlink (romi_sync_waitq_t *self, romi_sync_waiter_t *waiter)
{
    if (waiter->prev)
        waiter->prev->next = waiter->next;
    else
        self->head = waiter->next;
    if (waiter->next)
        waiter->next->prev = waiter->prev;
    else
        self->tail = waiter->prev;
    waiter->next = waiter->prev = NULL;
    self->count--;
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
    while (self->head) {
        romi_sync_waiter_t *waiter = self->head;
        rom_call_t *call = waiter->call;
        romi_sync_waitq_unlink (self, waiter);
        free (waiter);
        if (status != ROM_OK)
            rom_call_fail (call, status, "%s", why);
        rom_call_complete (call, status);
    }
}

void
romi_sync_waitq_drop_gone (romi_sync_waitq_t *self)
{
    while (self->head && rom_call_peer_gone (self->head->call)) {
        romi_sync_waiter_t *waiter = self->head;
        rom_call_t *call = waiter->call;
        romi_sync_waitq_unlink (self, waiter);
        free (waiter);
        rom_call_fail (call, ROM_CLOSED, "the caller is gone");
        rom_call_complete (call, ROM_CLOSED); // to nobody: its connection is closed
    }
}

bool
romi_sync_deadline_passed (const rom_call_t *call)
{
    return rom_call_remaining_ms (call) == 0;
}
