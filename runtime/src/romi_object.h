// romi_object.h: object.c, the object table: ids, names, the rarely used extension, and reference counts by
// session (an owner's in the object, the others' in their refs maps). Pure data: destroying an object's
// servant state is hosting.c's.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_OBJECT_H
#define ROMI_OBJECT_H

#include "romi_map.h"
#include "../util/romi_list.h" // relative: the tests see runtime/src only
#include "romi_session.h"

// A registered type: the generated table plus the user's servant and context.
typedef struct {
    const rom_type_t *type;
    const void *servant;
    void *ctx;
} romi_type_entry_t;

typedef struct _romi_object_t romi_object_t;
// An object as the server keeps it: 56 bytes (a 64-byte malloc chunk), because a server may hold millions
// that sit idle. What few objects use lives in a romi_object_ext_t of their own (object.c explains).
struct _romi_object_t {
    uint64_t id;
    const romi_type_entry_t *entry;
    void *self;     // the servant's state
    uint32_t refs;  // every reference: sessions', holder objects', made-for-a-reply
    uint32_t owner; // owner_key of the session holding `owner_refs` of them outside its refs
                    // map (0: none)
    uint32_t owner_refs;
    uint32_t flags;    // ROM_OBJECT_*
    romi_link_t owned; // in its owner's ring (romi_session_t.owned) while it has one
};
// The object whose `owned` link is `l`.
#define romi_object_of_owned(l) romi_container_of (l, romi_object_t, owned)
#define ROM_OBJECT_DYING 1u // being destroyed: references dropped on the way do not destroy it again
#define ROM_OBJECT_DESTROY_PENDING 2u // to be destroyed once its calls in the worker pool are back
#define ROM_OBJECT_NAMED 4u           // has a name (in its extension): it outlives its references
#define ROM_OBJECT_EXT 8u             // has an extension (romi_objects_ext ())
#define ROM_OBJECT_ORPHAN                                                                                    \
    16u // left without a reference by an ending session: to be destroyed (session_end.c)

// The rarely used part of an object, allocated when first needed and kept until it dies.
typedef struct {
    char *name;               // NULL when unnamed; a named object outlives its references
    romi_object_t *name_next; // objects whose names share a 64-bit hash (practically never)
    romi_list_t deferred;     // calls this object answers later (through rom_call_t.link; deferred.c)
    rom_session_end_fn on_session_end; // told of sessions that end (rom_call_on_session_end ()), or NULL
    romi_map_t held;                   // objects this one keeps (rom_call_keep_ref): id -> count
} romi_object_ext_t;

typedef struct {
    romi_object_t **slots; // by id: open addressing on object->id (8-byte slots; see object.c)
    size_t capacity;       // a power of two, or 0
    size_t count;
    romi_map_t by_name; // 64-bit hash of the name -> chain of objects
    romi_map_t ext;     // object id -> romi_object_ext_t, for objects that have one
    uint64_t next_id;
    bool random_ids; // ids are drawn at random (rom_server_opts_t.private_objects), not counted from 1
} romi_objects_t;

// The id romi_objects_add () gives next. A constructor runs just before its object is added, with nothing
// added in between unless it makes objects itself, so one that makes none learns here the id it will have.
uint64_t romi_objects_next_id (const romi_objects_t *self);
// An empty table whose first object will be 1 (0 is the manager).
void romi_objects_init (romi_objects_t *self);
// From now on, ids are random 63-bit numbers that no live object has (never 0): nobody can reach an object
// by counting from an id of their own. Call before the first object is added.
void romi_objects_use_random_ids (romi_objects_t *self);
// Frees the table only; the caller destroys the objects first (romi_objects_next + romi_objects_remove).
void romi_objects_fini (romi_objects_t *self);
// A new object with the next id, no references, in the table. `name` is copied (may be NULL; the caller
// checked it is free). NULL when out of memory.
romi_object_t *romi_objects_add (romi_objects_t *self, const romi_type_entry_t *entry, void *servant_self,
                                 const char *name);
// The object with id `id`, or NULL.
romi_object_t *romi_objects_find (const romi_objects_t *self, uint64_t id);
// The object named `name`, or NULL.
romi_object_t *romi_objects_find_name (const romi_objects_t *self, const char *name);
// Unlink from the table and free the object record and its extension (not its servant state: the caller
// destroyed that, and dropped what it held).
void romi_objects_remove (romi_objects_t *self, romi_object_t **object_p);
// How many objects the table holds.
size_t romi_objects_count (const romi_objects_t *self);
// Iterate: size_t cursor = 0; while (romi_objects_next (t, &cursor, &o)) ...  (no adds or removes meanwhile)
bool romi_objects_next (const romi_objects_t *self, size_t *cursor, romi_object_t **object);
// The object's extension, or NULL when it has none.
romi_object_ext_t *romi_objects_ext (const romi_objects_t *self, const romi_object_t *object);
// The object's extension, made (empty) if it has none. NULL when out of memory.
romi_object_ext_t *romi_objects_ext_make (romi_objects_t *self, romi_object_t *object);
// The object's name, or NULL.
const char *romi_objects_name (const romi_objects_t *self, const romi_object_t *object);
// Whether nothing keeps the object alive: no reference, no name.
static inline bool
romi_object_unheld (const romi_object_t *object)
{
    return object->refs == 0 && !(object->flags & ROM_OBJECT_NAMED);
}

// Add one reference of `session` (NULL: a holder object or a reply, counted in `refs` only) to `object`.
// -1 when out of memory.
int romi_objects_retain (romi_session_t *session, romi_object_t *object);
// Drop one reference. ROM_DENIED if the session holds none. *dead_p is set when the object has no
// reference and no name left: the caller destroys it.
rom_status_t romi_objects_release (romi_session_t *session, romi_object_t *object, bool *dead_p);
// How many references `session` holds to `object` (its owner count plus its refs map's).
uint32_t romi_objects_session_refs (const romi_session_t *session, const romi_object_t *object);
// An ending session gives up the references it holds as `object`'s owner (those in its refs map are the
// caller's to drop), and the object leaves its ring. True when that left the object unheld: the caller
// destroys it, once done iterating.
bool romi_objects_disown (romi_object_t *object, uint32_t owner_key);

#endif
