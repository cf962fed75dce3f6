// session_end.c: what a session leaves behind when it ends (its client said goodbye, or died: lease.c).
//
// Its waiting calls are cancelled (their servants forget them), then each object with a session-end hook
// that it called is told (rom_call_on_session_end ()), so a lock it held is released, and the references it
// holds as an object's owner are dropped (object.c); the objects that leaves unheld die after the walk (a
// destructor would change the table under it). Then the references in its map go, and its record. Every
// step walks only what the session itself has (its parked calls, its hooked objects, its ring of owned
// objects, its map): the end of one session costs what it held, never what the others hold (issue 18: a
// walk over every object cost each goodbye 88-133 ms at 2.5 M objects, and cancelling 40 000 parked calls
// was quadratic).
#include "rom_private.h"
#include "romi_session_end.h"

#include <stdlib.h>

// Tell the objects with a hook that `session` called of its end.
static void
s_hooks (romi_hosting_t *hosting, romi_session_t *session)
{
    uint64_t id;
    void *unused;
    size_t cursor = 0;
    // A hook may complete calls (a lock passes on): replies go out, objects may die, but nothing here adds
    // to or removes from this session's map, so the walk is stable.
    while (romi_map_next (&session->hooked, &cursor, &id, &unused)) {
        romi_object_t *object = romi_objects_find (&hosting->objects, id);
        if (!object || (object->flags & ROM_OBJECT_DYING))
            continue; // gone since (ids are never reused)
        romi_object_ext_t *ext = romi_objects_ext (&hosting->objects, object);
        if (ext && ext->on_session_end)
            ext->on_session_end (object->self, session->id);
    }
}

// Give up the references `session` holds as owner; destroy the objects that leaves unheld.
static void
s_disown (romi_hosting_t *hosting, romi_session_t *session)
{
    uint64_t *orphans = NULL;
    size_t n_orphans = 0, orphans_capacity = 0;
    bool listed = true;
    while (session->owned.next != &session->owned) {
        romi_object_t *object = romi_object_of_owned (session->owned.next);
        romi_ring_remove (&object->owned); // disown does too; here first, so the loop always advances
        if (!romi_objects_disown (object, session->owner_key))
            continue;
        object->flags |= ROM_OBJECT_ORPHAN;
        if (n_orphans == orphans_capacity && listed) {
            size_t capacity = orphans_capacity ? orphans_capacity * 2 : 64;
            uint64_t *grown = realloc (orphans, capacity * sizeof *grown);
            if (grown) {
                orphans = grown;
                orphans_capacity = capacity;
            } else
                listed = false; // romi_hosting_destroy_orphans () finds the rest by their flag
        }
        if (listed)
            orphans[n_orphans++] = object->id;
    }
    if (n_orphans || !listed)
        romi_hosting_destroy_orphans (hosting, orphans, n_orphans, listed);
    free (orphans);
}

void
romi_session_end (romi_deferred_t *deferred, romi_session_t *session, romi_session_end_t why)
{
    romi_hosting_t *hosting = deferred->hosting;
    romi_deferred_cancel_session (deferred, session);
    s_hooks (hosting, session);
    s_disown (hosting, session);
    // Then the references in its map; objects left with none (and no name) die now.
    romi_hosting_drop_session_refs (hosting, session);
    romi_sessions_remove (&hosting->sessions, session, why == ROM_SESSION_END_LOST);
}
