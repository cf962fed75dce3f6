// object.c: the server's object table: ids, unique names, and reference counts per session.
//
// An object is counted once per reference a session holds; the session keeps its own count per object so
// that when it ends (goodbye, or a dead client) exactly its references are dropped, as Python's manager
// does with its per-ident refcounts. Servant state is created and destroyed by the server, not here.
#include "rom_private.h"

#include <stdlib.h>
#include <string.h>

static uint64_t
s_name_hash (const char *name)
{
    // FNV-1a 64; 0 is reserved by the map as the empty key.
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        hash ^= *p;
        hash *= 0x100000001b3ull;
    }
    return hash ? hash : 1;
}

void
rom_objects_init (rom_objects_t *self)
{
    rom_map_init (&self->by_id);
    rom_map_init (&self->by_name);
    self->next_id = 1;
}

void
rom_objects_fini (rom_objects_t *self)
{
    rom_map_clear (&self->by_id);
    rom_map_clear (&self->by_name);
}

rom_object_t *
rom_objects_add (rom_objects_t *self, const rom_type_entry_t *entry, void *servant_self, const char *name)
{
    rom_object_t *object = calloc (1, sizeof *object);
    if (!object)
        return NULL;
    object->id = self->next_id;
    object->entry = entry;
    object->self = servant_self;
    if (name && *name) {
        object->name = strdup (name);
        if (!object->name)
            goto fail;
    }
    if (rom_map_put (&self->by_id, object->id, object) != 0)
        goto fail;
    if (object->name) {
        uint64_t hash = s_name_hash (object->name);
        object->name_next = rom_map_get (&self->by_name, hash);
        if (rom_map_put (&self->by_name, hash, object) != 0) {
            rom_map_remove (&self->by_id, object->id);
            goto fail;
        }
    }
    self->next_id++;
    return object;
fail:
    free (object->name);
    free (object);
    return NULL;
}

rom_object_t *
rom_objects_find (const rom_objects_t *self, uint64_t id)
{
    return rom_map_get (&self->by_id, id);
}

rom_object_t *
rom_objects_find_name (const rom_objects_t *self, const char *name)
{
    for (rom_object_t *o = rom_map_get (&self->by_name, s_name_hash (name)); o; o = o->name_next)
        if (strcmp (o->name, name) == 0)
            return o;
    return NULL;
}

void
rom_objects_remove (rom_objects_t *self, rom_object_t **object_p)
{
    rom_object_t *object = *object_p;
    if (!object)
        return;
    rom_map_remove (&self->by_id, object->id);
    if (object->name) {
        uint64_t hash = s_name_hash (object->name);
        rom_object_t *head = rom_map_get (&self->by_name, hash);
        if (head == object) {
            if (object->name_next)
                rom_map_put (&self->by_name, hash, object->name_next); // replaces: cannot fail
            else
                rom_map_remove (&self->by_name, hash);
        } else {
            for (rom_object_t *o = head; o; o = o->name_next)
                if (o->name_next == object) {
                    o->name_next = object->name_next;
                    break;
                }
        }
    }
    free (object->name);
    free (object);
    *object_p = NULL;
}

size_t
rom_objects_count (const rom_objects_t *self)
{
    return self->by_id.count;
}

bool
rom_objects_next (const rom_objects_t *self, size_t *cursor, rom_object_t **object)
{
    uint64_t key;
    void *value;
    if (!rom_map_next (&self->by_id, cursor, &key, &value))
        return false;
    *object = value;
    return true;
}

int
rom_objects_retain (rom_session_t *session, rom_object_t *object)
{
    if (object->refs == UINT32_MAX)
        return -1;
    if (session) {
        uintptr_t count = (uintptr_t) rom_map_get (&session->refs, object->id);
        if (rom_map_put (&session->refs, object->id, (void *) (count + 1)) != 0)
            return -1;
    }
    object->refs++;
    return 0;
}

rom_status_t
rom_objects_release (rom_session_t *session, rom_object_t *object, bool *dead_p)
{
    *dead_p = false;
    if (session) {
        uintptr_t count = (uintptr_t) rom_map_get (&session->refs, object->id);
        if (count == 0)
            return ROM_DENIED;
        if (count == 1)
            rom_map_remove (&session->refs, object->id);
        else
            rom_map_put (&session->refs, object->id, (void *) (count - 1)); // replaces: cannot fail
    } else if (object->refs == 0)
        return ROM_DENIED;
    object->refs--;
    *dead_p = object->refs == 0 && !object->name;
    return ROM_OK;
}
