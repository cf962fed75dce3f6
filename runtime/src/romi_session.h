// romi_session.h: session.c, the sessions of a server as records: ids and secrets, their connections, the
// references they count in maps, and the memory of sessions lost lately. Ending one (what it leaves behind in
// objects and waiting calls) is session_end.c's, higher up.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_SESSION_H
#define ROMI_SESSION_H

#include "romi_map.h"
#include "romi_peers.h"
#include "../util/romi_list.h" // relative: the tests see runtime/src only

// Why a session ended, for a client that comes back to it (ROM_SESSION_LOST's text).
typedef enum {
    ROM_SESSION_END_GOODBYE, // its client said goodbye (rom_client_destroy ())
    ROM_SESSION_END_LOST,    // its last connection closed or went silent (lease.c)
} romi_session_end_t;

// A client session (Manager.Hello): the references it holds, released together when it ends.
typedef struct romi_session {
    uint64_t id;        // random, never sequential: not guessable from one's own
    uint64_t secret;    // proves the right to join it from another connection (Manager.Hello)
    uint32_t owner_key; // its number in objects' `owner` (object.c); 0: it owns none, maps only
    romi_map_t refs;    // object id -> count (as uintptr_t), for objects another session owns
    uint32_t n_held;    // objects it holds one reference or more to (max_objects_per_session)
    romi_link_t owned;  // a ring of the objects it owns (romi_object_t.owned): its end walks only those
    romi_list_t parked; // its deferred calls (rom_call_t.session_link; deferred.c)
    romi_map_t hooked;  // ids of objects with a session-end hook it called: told of its end (hosting.c)
    uint64_t last_seen_ms;
    romi_peer_t **peers; // its live connections (peers.c); the session ends when none is left
    size_t n_peers, peers_capacity;
} romi_session_t;

// The sessions of one server run. Used from its loop thread only.
typedef struct {
    romi_map_t by_id;    // session id -> romi_session_t
    romi_peers_t peers;  // the connections of them all, by fd (lease.c)
    romi_map_t lost;     // sessions lost (not said goodbye to) lately: id -> when (ms), for their
    uint64_t *lost_ring; // clients' ROM_SESSION_LOST; the ring bounds how many are remembered
    size_t lost_next;
    uint32_t next_owner_key; // the last romi_session_t.owner_key given (object.c)
    uint32_t timeout_ms;     // the lease's session timeout, for the texts of lost sessions
} romi_sessions_t;

// An empty set; `timeout_ms` is only quoted in texts (romi_sessions_lost ()).
void romi_sessions_init (romi_sessions_t *self, uint32_t timeout_ms);
// Free every session record and the memory of lost ones (their references are the caller's concern).
void romi_sessions_fini (romi_sessions_t *self);
// The live session `id`, or NULL. Inline: the dispatch asks it for every call.
static inline romi_session_t *
romi_sessions_find (const romi_sessions_t *self, uint64_t id)
{
    return romi_map_get (&self->by_id, id);
}
// A new session with a random id and secret and the next owner key, in the set. NULL when out of memory.
romi_session_t *romi_sessions_new (romi_sessions_t *self);
// Take `session` out of the set and free its record (its refs map, its connections); with `lost` its id is
// remembered for its client (romi_sessions_lost ()). The caller released its references first.
void romi_sessions_remove (romi_sessions_t *self, romi_session_t *session, bool lost);
// When session `id` was lost on this server run: the text for its client ("ended 3.2 s ago ..."), or false
// when this run never knew it (or forgot it).
bool romi_sessions_lost (const romi_sessions_t *self, uint64_t id, char *buf, size_t size);

// A message for `session` came from the connection with routing id `id` (`size` bytes) on socket `fd`: true
// when that is one of its connections (its fd is updated). With `add`, an unknown one becomes one (a hello);
// false then only when out of memory.
bool romi_session_touch (romi_sessions_t *self, romi_session_t *session, const void *id, size_t size, int fd,
                         bool add);
// Forget `peer`, a connection of its session (its probe found it gone), and free it; returns how many
// connections its session has left.
size_t romi_session_drop_peer (romi_sessions_t *self, romi_peer_t *peer);

// 64 random bits, never 0 (wire.c).
uint64_t romi_random64 (void);

#endif
