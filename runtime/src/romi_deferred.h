// romi_deferred.h: deferred.c, calls answered later (ROM_DEFERRED): each in its object's list, those with
// a deadline in a heap that sets the loop's poll timeout; completed, cancelled or timed out from here.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_DEFERRED_H
#define ROMI_DEFERRED_H

#include "romi_reply.h"

struct romi_deferred {
    rom_call_t **heap; // deferred calls with a deadline, a min-heap on deadline_ms
    size_t size, capacity;
    romi_replies_t *replies;
    romi_hosting_t *hosting;
};

// No deferred call yet; replies go through `replies`, objects are found in `hosting`.
void romi_deferred_init (romi_deferred_t *self, romi_replies_t *replies, romi_hosting_t *hosting);
// Free the heap (the calls were answered before: their objects are gone).
void romi_deferred_fini (romi_deferred_t *self);
// `call`'s method returned ROM_DEFERRED: keep it in its object's list, its session's list and, with a
// deadline, in the heap. Without memory for that it is cancelled (NOMEM) at once, and over a limit
// (max_pending_per_session, max_waiters_per_object) with ROM_LIMIT.
void romi_deferred_park (romi_deferred_t *self, rom_call_t *call);
// Forget a deferred call: its deadline, its object's list.
void romi_deferred_unlink (romi_deferred_t *self, rom_call_t *call);
// End a deferred call that will not complete: the servant forgets it (on_cancel may set the status with
// rom_call_fail (): a queue answers EMPTY rather than TIMEOUT), then its caller is told `status`, `why`.
void romi_deferred_cancel (romi_deferred_t *self, rom_call_t *call, rom_status_t status, const char *why);
// Cancel every call waiting on `object`.
void romi_deferred_cancel_object (romi_deferred_t *self, romi_object_t *object, rom_status_t status,
                                  const char *why);
// Cancel every call `session` has waiting (CLOSED: its session ended): O(its calls).
void romi_deferred_cancel_session (romi_deferred_t *self, romi_session_t *session);
// Answer TIMEOUT to the calls whose deadline is past.
void romi_deferred_expire (romi_deferred_t *self, uint64_t now);
// The poll timeout (ms, -1 forever) until the next deadline. Inline: the loop asks it every pass.
static inline long
romi_deferred_timeout (const romi_deferred_t *self, uint64_t now)
{
    if (self->size == 0)
        return -1;
    uint64_t deadline = self->heap[0]->deadline_ms;
    return deadline > now ? (long) (deadline - now) : 0;
}

#endif
