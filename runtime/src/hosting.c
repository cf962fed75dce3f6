// hosting.c: what a server hosts, and how an object dies.
//
// The state every call may touch is here, in one struct of tables each owned by its file: the types
// (registry.c), the objects (object.c), the sessions (session.c). An object dies when nothing holds it:
// whatever waits on it is answered first (through the `dying` hook the server sets: answering is done by
// the layers above, which destroy objects through this one), then its servant's destructor runs, then the
// references it kept are given back, which may destroy others in turn (a chain; a cycle is cut by
// ROM_OBJECT_DYING). Also here: the servant-facing calls that only read these tables (rom_call_find_object
// (), rom_call_object_id (), rom_call_on_session_end (), rom_call_peer_gone ()).
#include "rom_private.h"
#include "romi_hosting.h"
#include "romi_io.h"

#include <stdlib.h>

void
romi_hosting_init (romi_hosting_t *self, const rom_type_t *manager, const void *servant, size_t max_message,
                   uint32_t session_timeout_ms)
{
    romi_registry_init (&self->types, manager, servant, self);
    romi_objects_init (&self->objects);
    romi_sessions_init (&self->sessions, session_timeout_ms);
    romi_map_init (&self->ref_types);
    self->endpoint = "";
    // Random, so a restarted server is told from the one before, and an old proxy never reaches an object of
    // the new run that happens to have its id.
    self->incarnation = romi_random64 ();
    self->max_message = max_message;
    self->calls = 0;
    self->started_ms = romi_now_ms ();
    self->dying = NULL;
    self->dying_arg = NULL;
}

void
romi_hosting_fini (romi_hosting_t *self)
{
    romi_object_t *object;
    size_t cursor = 0;
    while (cursor = 0, romi_objects_next (&self->objects, &cursor, &object))
        romi_hosting_destroy (self, object);
    romi_objects_fini (&self->objects);
    romi_map_clear (&self->ref_types);
    romi_sessions_fini (&self->sessions);
    romi_registry_fini (&self->types);
}

void
romi_hosting_destroy (romi_hosting_t *self, romi_object_t *object)
{
    object->flags |= ROM_OBJECT_DYING;
    if (self->dying && !self->dying (self->dying_arg, object)) {
        object->flags &= ~ROM_OBJECT_DYING; // postponed: nothing was done to it yet
        return;
    }
    const romi_type_entry_t *entry = object->entry;
    if (entry->type->destroy)
        entry->type->destroy (entry->servant, object->self);
    romi_hosting_drop_held (self, object);
    romi_objects_remove (&self->objects, &object);
}

void
romi_hosting_drop (romi_hosting_t *self, uint64_t id, uint32_t count)
{
    romi_object_t *object = romi_objects_find (&self->objects, id);
    if (!object)
        return;
    object->refs -= count < object->refs ? count : object->refs;
    // A dying object (a cycle being torn down) is already on its way out.
    if (romi_object_unheld (object) && !(object->flags & ROM_OBJECT_DYING))
        romi_hosting_destroy (self, object);
}

void
romi_hosting_drop_held (romi_hosting_t *self, romi_object_t *object)
{
    romi_object_ext_t *ext = romi_objects_ext (&self->objects, object);
    if (!ext || ext->held.count == 0)
        return;
    romi_map_t held = ext->held; // taken out first: a drop may come back to this object (a cycle)
    romi_map_init (&ext->held);
    uint64_t id;
    void *count;
    size_t cursor = 0;
    while (romi_map_next (&held, &cursor, &id, &count))
        romi_hosting_drop (self, id, (uint32_t) (uintptr_t) count);
    romi_map_clear (&held);
}

void
romi_hosting_drop_session_refs (romi_hosting_t *self, romi_session_t *session)
{
    uint64_t id;
    void *count;
    size_t cursor = 0;
    while (romi_map_next (&session->refs, &cursor, &id, &count)) {
        romi_object_t *object = romi_objects_find (&self->objects, id);
        if (!object)
            continue;
        object->refs -= (uint32_t) (uintptr_t) count < object->refs ? (uint32_t) (uintptr_t) count
                                                                    : object->refs;
        if (romi_object_unheld (object))
            romi_hosting_destroy (self, object);
    }
    romi_map_clear (&session->refs);
}

// Destroy `object` if the ending session left it unheld and nothing took it since (a hook's reply).
static bool
s_destroy_orphan (romi_hosting_t *self, romi_object_t *object)
{
    if (!(object->flags & ROM_OBJECT_ORPHAN))
        return false;
    object->flags &= ~ROM_OBJECT_ORPHAN;
    if (romi_object_unheld (object))
        romi_hosting_destroy (self, object);
    return true;
}

void
romi_hosting_destroy_orphans (romi_hosting_t *self, const uint64_t *ids, size_t n_ids, bool listed)
{
    // By id: a destructor may take others with it.
    for (size_t i = 0; i < n_ids; i++) {
        romi_object_t *object = romi_objects_find (&self->objects, ids[i]);
        if (object)
            s_destroy_orphan (self, object);
    }
    // Without memory for the list of ids, rescan for the flag (from the start: the table changed).
    for (bool found = !listed; found;) {
        found = false;
        romi_object_t *object;
        size_t cursor = 0;
        while (!found && romi_objects_next (&self->objects, &cursor, &object))
            found = s_destroy_orphan (self, object);
    }
}

// --- what servants read of the tables ----------------------------------------------------------------------

uint64_t
rom_call_object_id (const rom_call_t *call)
{
    if (!call)
        return 0;
    if (call->constructing)
        return romi_objects_next_id (&call->hosting->objects);
    return call->object ? call->object->id : 0;
}

void *
rom_call_find_object (rom_call_t *call, uint64_t id, const rom_type_t *type)
{
    if (!call || call->pooled || !type)
        return NULL;
    romi_object_t *object = romi_objects_find (&call->hosting->objects, id);
    return object && object->entry->type == type && !(object->flags & ROM_OBJECT_DYING) ? object->self : NULL;
}

void
rom_call_on_session_end (rom_call_t *call, rom_session_end_fn fn)
{
    // Not for pool types: the hook would run on the I/O thread while a worker may run the object. Without
    // memory for the object's extension the hook is not set (a lock then keeps an owner that left).
    if (call && call->object && !call->pooled) {
        romi_object_ext_t *ext = romi_objects_ext_make (&call->hosting->objects, call->object);
        if (ext)
            ext->on_session_end = fn;
        romi_hosting_note_caller (call->hosting, call->object, call->session);
    }
}

void
romi_hosting_note_caller (romi_hosting_t *self, romi_object_t *object, uint64_t session)
{
    romi_object_ext_t *ext = romi_objects_ext (&self->objects, object);
    if (!ext || !ext->on_session_end)
        return;
    romi_session_t *caller = romi_sessions_find (&self->sessions, session);
    // Without memory for the entry the hook misses this session's end (a lock keeps an owner that left),
    // as it does when the hook itself cannot be set.
    if (caller && !romi_map_get (&caller->hooked, object->id))
        (void) romi_map_put (&caller->hooked, object->id, (void *) 1);
}

bool
rom_call_peer_gone (const rom_call_t *call)
{
    if (!call)
        return false;
    if (call->session && !romi_sessions_find (&call->hosting->sessions, call->session))
        return true;
    // The connection the call came on, as the kernel sees it (server_io.c).
    return call->fd >= 0 && romi_io_fd_closed (call->fd);
}

rom_status_t
romi_hosting_may_create (const romi_hosting_t *self, const romi_session_t *session, rom_call_t *call,
                         const char *type)
{
    // Checked before a constructor runs: a refused creation costs the server nothing.
    if (romi_objects_count (&self->objects) >= self->limits.objects)
        return rom_call_fail (call, ROM_LIMIT,
                              "creating a %s: the server holds %zu objects, its limit (max_objects)", type,
                              romi_objects_count (&self->objects));
    if (session && session->n_held >= self->limits.objects_per_session)
        return rom_call_fail (
            call, ROM_LIMIT,
            "creating a %s: this session holds %u objects, its limit (max_objects_per_session)", type,
            session->n_held);
    return ROM_OK;
}
