// session_end.c: what a session leaves behind when it ends (its client said goodbye, or died: lease.c).
//
// Its waiting calls are cancelled (their servants forget them), then each object that asked
// (rom_call_on_session_end ()) is told, so a lock it held is released, and the references it holds as an
// object's owner are dropped (object.c); the objects that leaves unheld die after the walk (a destructor
// would change the table under it). One walk over all objects: sessions end far less often than calls
// arrive, and no index of a session's objects has to be kept in step. Then the references in its map go,
// and its record.
#include "rom_private.h"
#include "romi_session_end.h"

#include <stdlib.h>

static void
s_leave (romi_deferred_t *deferred, uint64_t session, uint32_t owner_key)
{
    romi_hosting_t *hosting = deferred->hosting;
    uint64_t *orphans = NULL;
    size_t n_orphans = 0, orphans_capacity = 0;
    bool listed = true;
    romi_object_t *object;
    size_t cursor = 0;
    while (romi_objects_next (&hosting->objects, &cursor, &object)) {
        romi_object_ext_t *ext = romi_objects_ext (&hosting->objects, object);
        if (ext) {
            romi_deferred_cancel_session (deferred, object, session);
            if (ext->on_session_end)
                ext->on_session_end (object->self, session);
        }
        if (!owner_key || !romi_objects_disown (object, owner_key))
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
    // Its waiting calls and hooks, and the references it holds as owner (object.c): one walk.
    s_leave (deferred, session->id, session->owner_key);
    // Then the references in its map; objects left with none (and no name) die now.
    romi_hosting_drop_session_refs (hosting, session);
    romi_sessions_remove (&hosting->sessions, session, why == ROM_SESSION_END_LOST);
}
