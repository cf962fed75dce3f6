// object.c: the server's object table: ids, unique names, and reference counts per session.
//
// An object is counted once per reference a session holds; the session's own count per object lets its end
// (goodbye, or a dead client) drop exactly its references, as Python's manager does with its per-ident
// refcounts. Servant state is created and destroyed by the server, not here.
//
// Memory is what bounds a server with millions of idle objects (issue 6: at most 128 bytes each at 1 M,
// servant state included), so an object costs three things and no more:
// - A 56-byte record (a 64-byte malloc chunk): id, type, state, counts, flags, and the link of its owner's
//   ring. What only some objects use
//   (a name, deferred calls, a session-end hook, references they keep) is a romi_object_ext_t found through
//   a side map by id, flagged ROM_OBJECT_EXT; the old record carried those five fields inline (72 bytes, an
//   80-byte chunk) in every object. The lookups it costs fall on deferred calls, names and session ends.
// - An 8-byte slot in the id index: open addressing whose slots hold only the object pointer (the key is
//   object->id), grown at 3/4 load. A generic 16-byte romi_map_t slot grown at 2/3 cost 33 bytes per object
//   at 1 M. A probe reads the object it compares, but Fibonacci hashing spreads the sequential ids so well
//   that a lookup reads about one.
// - No slot in the creating session's refs map. The first session to take a reference becomes the object's
//   owner and counts its references in the object (owner, owner_refs); other sessions use their maps. A
//   session never has both: it becomes owner only if its map has no entry, and uses the map only while
//   another session owns. The owner keeps its objects on a ring through the object's `owned` link (16
//   bytes), so that its end costs what it held, not what the server holds (issue 18: a walk over all
//   objects cost every goodbye 88-133 ms at 2.5 M objects). The per-session map used to cost another 33
//   bytes per object at 1 M. Sessions are known here by a 32-bit owner_key the
//   server numbers them with (their ids are random 63-bit values); past four billion sessions in one
//   server's life, new ones get 0 and use maps only, so a key never names two sessions.
#include "rom_private.h"
#include "romi_object.h"

#include <stdlib.h>
#include <string.h>

#define ROM_OBJECTS_MIN_CAPACITY 16u

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

// --- the id index: romi_object_t * slots keyed by object->id (linear probing, backward-shift deletion) -----

static inline size_t
s_slot_of (size_t capacity, uint64_t id)
{
    // Fibonacci hashing, as map.c: sequential ids spread evenly.
    return (size_t) ((id * 0x9E3779B97F4A7C15ull) >> 32) & (capacity - 1);
}

static int
s_grow (romi_objects_t *self)
{
    size_t capacity = self->capacity ? self->capacity * 2 : ROM_OBJECTS_MIN_CAPACITY;
    romi_object_t **slots = calloc (capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < self->capacity; i++) {
        romi_object_t *object = self->slots[i];
        if (!object)
            continue;
        size_t j = s_slot_of (capacity, object->id);
        while (slots[j])
            j = (j + 1) & (capacity - 1);
        slots[j] = object;
    }
    free (self->slots);
    self->slots = slots;
    self->capacity = capacity;
    return 0;
}

static int
s_index_put (romi_objects_t *self, romi_object_t *object)
{
    if ((self->count + 1) * 4 > self->capacity * 3 && s_grow (self) != 0)
        return -1;
    size_t i = s_slot_of (self->capacity, object->id);
    while (self->slots[i])
        i = (i + 1) & (self->capacity - 1);
    self->slots[i] = object;
    self->count++;
    return 0;
}

static void
s_index_remove (romi_objects_t *self, const romi_object_t *object)
{
    if (self->count == 0)
        return;
    size_t mask = self->capacity - 1;
    size_t i = s_slot_of (self->capacity, object->id);
    while (self->slots[i] != object) {
        if (!self->slots[i])
            return;
        i = (i + 1) & mask;
    }
    // Backward shift (map.c): pull later members of the probe run into the hole.
    for (size_t j = (i + 1) & mask; self->slots[j]; j = (j + 1) & mask) {
        size_t home = s_slot_of (self->capacity, self->slots[j]->id);
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            self->slots[i] = self->slots[j];
            i = j;
        }
    }
    self->slots[i] = NULL;
    self->count--;
    if (self->count == 0) {
        // An emptied table gives its memory back.
        free (self->slots);
        self->slots = NULL;
        self->capacity = 0;
    }
}

// --- the table ---------------------------------------------------------------------------------------------

void
romi_objects_init (romi_objects_t *self)
{
    memset (self, 0, sizeof *self);
    romi_map_init (&self->by_name);
    romi_map_init (&self->ext);
    self->next_id = 1;
}

// The next id at random: 63 bits (ids travel as int64 in some clients), not 0, not an object's already.
static void
s_draw_id (romi_objects_t *self)
{
    do
        self->next_id = romi_random64 () & INT64_MAX;
    while (self->next_id == 0 || romi_objects_find (self, self->next_id));
}

void
romi_objects_use_random_ids (romi_objects_t *self)
{
    self->random_ids = true;
    s_draw_id (self);
}

void
romi_objects_fini (romi_objects_t *self)
{
    free (self->slots);
    self->slots = NULL;
    self->capacity = self->count = 0;
    romi_map_clear (&self->by_name);
    romi_map_clear (&self->ext);
}

romi_object_ext_t *
romi_objects_ext (const romi_objects_t *self, const romi_object_t *object)
{
    return (object->flags & ROM_OBJECT_EXT) ? romi_map_get (&self->ext, object->id) : NULL;
}

romi_object_ext_t *
romi_objects_ext_make (romi_objects_t *self, romi_object_t *object)
{
    romi_object_ext_t *ext = romi_objects_ext (self, object);
    if (ext)
        return ext;
    ext = calloc (1, sizeof *ext);
    if (!ext)
        return NULL;
    romi_list_init (&ext->deferred);
    romi_map_init (&ext->held);
    if (romi_map_put (&self->ext, object->id, ext) != 0) {
        free (ext);
        return NULL;
    }
    object->flags |= ROM_OBJECT_EXT;
    return ext;
}

const char *
romi_objects_name (const romi_objects_t *self, const romi_object_t *object)
{
    if (!(object->flags & ROM_OBJECT_NAMED))
        return NULL;
    return ((romi_object_ext_t *) romi_map_get (&self->ext, object->id))->name;
}

uint64_t
romi_objects_next_id (const romi_objects_t *self)
{
    return self->next_id;
}

romi_object_t *
romi_objects_add (romi_objects_t *self, const romi_type_entry_t *entry, void *servant_self, const char *name)
{
    romi_object_t *object = calloc (1, sizeof *object);
    if (!object)
        return NULL;
    object->id = self->next_id;
    object->entry = entry;
    object->self = servant_self;
    if (s_index_put (self, object) != 0) {
        free (object);
        return NULL;
    }
    if (name && *name) {
        romi_object_ext_t *ext = romi_objects_ext_make (self, object);
        uint64_t hash = s_name_hash (name);
        if (!ext || !(ext->name = strdup (name))) {
            romi_objects_remove (self, &object);
            return NULL;
        }
        ext->name_next = romi_map_get (&self->by_name, hash);
        if (romi_map_put (&self->by_name, hash, object) != 0) {
            romi_objects_remove (self, &object); // not named yet: nothing to unlink from by_name
            return NULL;
        }
        object->flags |= ROM_OBJECT_NAMED;
    }
    if (self->random_ids)
        s_draw_id (self);
    else
        self->next_id++;
    return object;
}

romi_object_t *
romi_objects_find (const romi_objects_t *self, uint64_t id)
{
    if (self->count == 0)
        return NULL;
    size_t mask = self->capacity - 1;
    for (size_t i = s_slot_of (self->capacity, id); self->slots[i]; i = (i + 1) & mask)
        if (self->slots[i]->id == id)
            return self->slots[i];
    return NULL;
}

romi_object_t *
romi_objects_find_name (const romi_objects_t *self, const char *name)
{
    for (romi_object_t *o = romi_map_get (&self->by_name, s_name_hash (name)); o;) {
        romi_object_ext_t *ext = romi_map_get (&self->ext, o->id);
        if (strcmp (ext->name, name) == 0)
            return o;
        o = ext->name_next;
    }
    return NULL;
}

void
romi_objects_remove (romi_objects_t *self, romi_object_t **object_p)
{
    romi_object_t *object = *object_p;
    if (!object)
        return;
    s_index_remove (self, object);
    romi_ring_remove (&object->owned); // still owned only when the server itself ends
    romi_object_ext_t *ext = romi_objects_ext (self, object);
    if (ext && (object->flags & ROM_OBJECT_NAMED)) {
        uint64_t hash = s_name_hash (ext->name);
        romi_object_t *head = romi_map_get (&self->by_name, hash);
        if (head == object) {
            if (ext->name_next)
                romi_map_put (&self->by_name, hash, ext->name_next); // replaces: cannot fail
            else
                romi_map_remove (&self->by_name, hash);
        } else {
            for (romi_object_t *o = head; o;) {
                romi_object_ext_t *o_ext = romi_map_get (&self->ext, o->id);
                if (o_ext->name_next == object) {
                    o_ext->name_next = ext->name_next;
                    break;
                }
                o = o_ext->name_next;
            }
        }
    }
    if (ext) {
        romi_map_remove (&self->ext, object->id);
        romi_map_clear (&ext->held); // emptied by romi_refs_drop_held () when it held anything
        free (ext->name);
        free (ext);
    }
    free (object);
    *object_p = NULL;
}

size_t
romi_objects_count (const romi_objects_t *self)
{
    return self->count;
}

bool
romi_objects_next (const romi_objects_t *self, size_t *cursor, romi_object_t **object)
{
    for (size_t i = *cursor; i < self->capacity; i++) {
        if (self->slots[i]) {
            *object = self->slots[i];
            *cursor = i + 1;
            return true;
        }
    }
    *cursor = self->capacity;
    return false;
}

// --- references --------------------------------------------------------------------------------------------

int
romi_objects_retain (romi_session_t *session, romi_object_t *object)
{
    if (object->refs == UINT32_MAX)
        return -1;
    if (session) {
        uint32_t me = session->owner_key;
        if (me && object->owner == me)
            object->owner_refs++;
        else if (me && object->owner == 0 && !romi_map_get (&session->refs, object->id)) {
            object->owner = me;
            object->owner_refs = 1;
            romi_ring_add (&session->owned, &object->owned);
            session->n_held++;
        } else {
            uintptr_t count = (uintptr_t) romi_map_get (&session->refs, object->id);
            if (romi_map_put (&session->refs, object->id, (void *) (count + 1)) != 0)
                return -1;
            session->n_held += count == 0;
        }
    }
    object->refs++;
    return 0;
}

rom_status_t
romi_objects_release (romi_session_t *session, romi_object_t *object, bool *dead_p)
{
    *dead_p = false;
    if (session) {
        uint32_t me = session->owner_key;
        if (me && object->owner == me) {
            if (--object->owner_refs == 0) {
                object->owner = 0;
                romi_ring_remove (&object->owned);
                session->n_held--;
            }
        } else {
            uintptr_t count = (uintptr_t) romi_map_get (&session->refs, object->id);
            if (count == 0)
                return ROM_DENIED;
            if (count == 1) {
                romi_map_remove (&session->refs, object->id);
                session->n_held--;
            } else
                romi_map_put (&session->refs, object->id, (void *) (count - 1)); // replaces: cannot fail
        }
    } else if (object->refs == 0)
        return ROM_DENIED;
    object->refs--;
    *dead_p = romi_object_unheld (object);
    return ROM_OK;
}

uint32_t
romi_objects_session_refs (const romi_session_t *session, const romi_object_t *object)
{
    uint32_t me = session->owner_key;
    if (me && object->owner == me)
        return object->owner_refs;
    return (uint32_t) (uintptr_t) romi_map_get (&session->refs, object->id);
}

bool
romi_objects_disown (romi_object_t *object, uint32_t owner_key)
{
    if (object->owner == 0 || object->owner != owner_key)
        return false;
    object->refs -= object->owner_refs < object->refs ? object->owner_refs : object->refs;
    object->owner = 0;
    object->owner_refs = 0;
    romi_ring_remove (&object->owned);
    return romi_object_unheld (object) && !(object->flags & ROM_OBJECT_DYING);
}
