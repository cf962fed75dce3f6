// deferred.c: calls answered later. A method that must wait (a queue's get, a lock's acquire) returns
// ROM_DEFERRED and keeps its rom_call_t; the call then waits in its object's list (the object's extension,
// object.c), where a later call completes it (rom_call_complete ()), its session's end or its object's death
// cancels it, and, when its caller set a deadline, in a min-heap on deadline_ms whose top sets the loop's
// poll timeout and is answered TIMEOUT once past. DESIGN decision 4: 1000 blocked clients cost memory, not
// threads.
#include "rom_private.h"
#include "romi_deferred.h"

#include <stdio.h>
#include <stdlib.h>

void
romi_deferred_init (romi_deferred_t *self, romi_replies_t *replies, romi_hosting_t *hosting)
{
    self->heap = NULL;
    self->size = self->capacity = 0;
    self->replies = replies;
    self->hosting = hosting;
}

void
romi_deferred_fini (romi_deferred_t *self)
{
    free (self->heap);
    self->heap = NULL;
    self->size = self->capacity = 0;
}

// --- the heap of deadlines ---------------------------------------------------------------------------------

static void
s_heap_swap (romi_deferred_t *self, size_t a, size_t b)
{
    rom_call_t *t = self->heap[a];
    self->heap[a] = self->heap[b];
    self->heap[b] = t;
    self->heap[a]->heap_index = a;
    self->heap[b]->heap_index = b;
}

static void
s_heap_up (romi_deferred_t *self, size_t i)
{
    while (i > 0 && self->heap[(i - 1) / 2]->deadline_ms > self->heap[i]->deadline_ms) {
        s_heap_swap (self, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void
s_heap_down (romi_deferred_t *self, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < self->size && self->heap[l]->deadline_ms < self->heap[m]->deadline_ms)
            m = l;
        if (r < self->size && self->heap[r]->deadline_ms < self->heap[m]->deadline_ms)
            m = r;
        if (m == i)
            return;
        s_heap_swap (self, i, m);
        i = m;
    }
}

static int
s_heap_push (romi_deferred_t *self, rom_call_t *call)
{
    if (self->size == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 64;
        rom_call_t **heap = realloc (self->heap, capacity * sizeof *heap);
        if (!heap)
            return -1;
        self->heap = heap;
        self->capacity = capacity;
    }
    call->heap_index = self->size;
    self->heap[self->size++] = call;
    s_heap_up (self, call->heap_index);
    return 0;
}

static void
s_heap_remove (romi_deferred_t *self, rom_call_t *call)
{
    size_t i = call->heap_index;
    if (i == SIZE_MAX)
        return;
    call->heap_index = SIZE_MAX;
    self->size--;
    if (i == self->size)
        return;
    self->heap[i] = self->heap[self->size];
    self->heap[i]->heap_index = i;
    s_heap_up (self, i);
    s_heap_down (self, self->heap[i]->heap_index);
}

// --- parking, completing, cancelling -----------------------------------------------------------------------

void
romi_deferred_park (romi_deferred_t *self, rom_call_t *call)
{
    romi_hosting_t *hosting = self->hosting;
    romi_object_ext_t *ext = romi_objects_ext_make (&hosting->objects, call->object);
    if (!ext) { // the servant forgets it
        romi_deferred_cancel (self, call, ROM_NOMEM, "server out of memory for a waiting call");
        return;
    }
    romi_list_prepend (&ext->deferred, &call->link);
    // Also in its session's list, so that the session's end cancels what it parked without looking at
    // anything else (issue 18).
    romi_session_t *session = romi_sessions_find (&hosting->sessions, call->session);
    if (session)
        romi_list_append (&session->parked, &call->session_link);
    // Waiting costs the server memory: a session, or an object, may keep only so many (the servant forgets
    // the call, and the caller learns which limit).
    char why[160];
    if (session && session->parked.count > hosting->limits.pending_per_session) {
        snprintf (why, sizeof why, "this session has %u calls waiting, its limit (max_pending_per_session)",
                  hosting->limits.pending_per_session);
        romi_deferred_cancel (self, call, ROM_LIMIT, why);
    } else if (ext->deferred.count > hosting->limits.waiters_per_object) {
        snprintf (why, sizeof why, "%u calls wait on this object, its limit (max_waiters_per_object)",
                  hosting->limits.waiters_per_object);
        romi_deferred_cancel (self, call, ROM_LIMIT, why);
    } else if (call->deadline_ms && s_heap_push (self, call) != 0)
        romi_deferred_cancel (self, call, ROM_NOMEM, "server out of memory for the call's deadline");
}

void
romi_deferred_unlink (romi_deferred_t *self, rom_call_t *call)
{
    s_heap_remove (self, call);
    if (romi_link_linked (&call->session_link)) {
        romi_session_t *session = romi_sessions_find (&self->hosting->sessions, call->session);
        if (session)
            romi_list_unlink (&session->parked, &call->session_link);
        else
            romi_ring_remove (&call->session_link); // unreachable: a session's end empties its list first
    }
    if (call->object && romi_link_linked (&call->link)) {
        romi_object_ext_t *ext = romi_objects_ext (&self->hosting->objects, call->object);
        if (ext)
            romi_list_unlink (&ext->deferred, &call->link);
    }
}

void
romi_deferred_cancel (romi_deferred_t *self, rom_call_t *call, rom_status_t status, const char *why)
{
    romi_deferred_unlink (self, call);
    call->errmsg = NULL;
    if (call->on_cancel && call->object)
        call->on_cancel (call->object->self, call);
    if (!call->errmsg)
        rom_call_fail (call, status, "%s", why);
    romi_reply (self->replies, call, call->fail_status);
}

void
romi_deferred_cancel_object (romi_deferred_t *self, romi_object_t *object, rom_status_t status,
                             const char *why)
{
    romi_object_ext_t *ext = romi_objects_ext (&self->hosting->objects, object);
    for (romi_link_t *l; ext && (l = romi_list_first (&ext->deferred));)
        romi_deferred_cancel (self, romi_call_of (l), status, why);
}

void
romi_deferred_cancel_session (romi_deferred_t *self, romi_session_t *session)
{
    // Always the first: on_cancel may complete others of the list.
    for (romi_link_t *l; (l = romi_list_first (&session->parked));)
        romi_deferred_cancel (self, romi_container_of (l, rom_call_t, session_link), ROM_CLOSED,
                              "the caller's session ended while the call waited");
}

void
romi_deferred_expire (romi_deferred_t *self, uint64_t now)
{
    while (self->size > 0 && self->heap[0]->deadline_ms <= now)
        romi_deferred_cancel (self, self->heap[0], ROM_TIMEOUT,
                              "timed out waiting (the caller's deadline passed)");
}

void
rom_call_complete (rom_call_t *call, rom_status_t status)
{
    if (!call)
        return;
    romi_deferred_unlink (call->deferred, call);
    romi_reply (call->deferred->replies, call, status);
}
