// romi_hosting.h: hosting.c, what a server hosts: its types, its objects and the sessions holding them, and
// how an object dies (its servant's destructor, the references it kept). The state every call may touch;
// the socket, replies and deadlines are not here but above.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_HOSTING_H
#define ROMI_HOSTING_H

#include "romi_call.h"
#include "romi_object.h"
#include "romi_registry.h"
#include "romi_session.h"

// Told that `object` is about to be destroyed (flagged ROM_OBJECT_DYING): answer what waits on it. False:
// not now (a worker still runs one of its calls; the server destroys it when the call is back). A function
// pointer because those answers are sent by the layers above this one (deferred.c, reply.c), which in turn
// destroy objects through this one.
typedef bool (*romi_dying_fn) (void *arg, romi_object_t *object);

// What one server lets its clients take (rom_server_opts_t's max_*, defaults applied).
typedef struct {
    uint32_t objects;
    uint32_t objects_per_session;
    uint32_t sessions;
    uint32_t name;
    uint32_t pending_per_session;
    uint32_t waiters_per_object;
} romi_limits_t;

struct romi_hosting {
    romi_registry_t types;
    romi_objects_t objects;
    romi_sessions_t sessions;
    romi_map_t ref_types; // output descriptor -> whether it can carry ObjectRefs (ref.c's cache)
    const char *endpoint; // where the server is bound, for ObjectRefs ("" before a bind)
    uint64_t incarnation; // this run's random id: calls meant for another run are refused
    size_t max_message;   // the largest payload the server accepts
    romi_limits_t limits;
    bool private_objects; // rom_server_opts_t.private_objects: random ids, listings of one's own only
    uint64_t calls;       // calls that reached a servant since the start (Manager.Stats)
    uint64_t started_ms;  // romi_now_ms () at init, for Manager.Stats' uptime
    romi_dying_fn dying;  // set by the server (server.c)
    void *dying_arg;
};

// Empty tables; object 0 is `manager` served by `servant` (server_ops.c), with this hosting as its state.
void romi_hosting_init (romi_hosting_t *self, const rom_type_t *manager, const void *servant,
                        size_t max_message, uint32_t session_timeout_ms);
// A call of `session` reaches `object`: if the object has a session-end hook, the session's end will tell it
// (romi_session_t.hooked). So a session's end tells the objects it called, not every object there is.
void romi_hosting_note_caller (romi_hosting_t *self, romi_object_t *object, uint64_t session);
// ROM_OK when the server may make one more object of `type` for `session` (NULL: for no session), else a
// ROM_LIMIT failure of `call` naming the limit reached (max_objects, max_objects_per_session).
rom_status_t romi_hosting_may_create (const romi_hosting_t *self, const romi_session_t *session,
                                      rom_call_t *call, const char *type);
// Destroy every object (their waiting calls are answered through `dying`), then free sessions and tables.
void romi_hosting_fini (romi_hosting_t *self);
// Destroy `object`, whose last reference is gone: `dying` first, then its servant's destructor, then the
// references it kept (which may destroy others).
void romi_hosting_destroy (romi_hosting_t *self, romi_object_t *object);
// Drop `count` references of a holder object or of a call to object `id`; it dies when nothing holds it.
void romi_hosting_drop (romi_hosting_t *self, uint64_t id, uint32_t count);
// Give back the references `object` keeps (rom_call_keep_ref ()): it is dying, or a creation failed.
void romi_hosting_drop_held (romi_hosting_t *self, romi_object_t *object);
// Drop `session`'s references counted in its refs map; objects left unheld die.
void romi_hosting_drop_session_refs (romi_hosting_t *self, romi_session_t *session);
// Destroy the objects an ending session left unheld (flagged ROM_OBJECT_ORPHAN): those of `ids` when
// `listed`, else every flagged one (no memory was left for the list).
void romi_hosting_destroy_orphans (romi_hosting_t *self, const uint64_t *ids, size_t n_ids, bool listed);

#endif
