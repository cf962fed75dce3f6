// session.c: a server's sessions as records. A session (Manager.Hello) has a random id and secret, so no peer
// can name another's by counting from its own; the connections it was opened or joined on (routing ids and
// their fds: only those may act in its name, and it ends when none is left, lease.c); the references it
// counts in its map for objects another session owns (object.c). Sessions lost while their client may live
// (its tcp connection was cut) are remembered in a ring, so a client that comes back learns when and why
// (ROM_SESSION_LOST) instead of a bare "unknown session".
#include "rom_private.h"
#include "romi_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROM_LOST_KEEP 4096u // lost sessions remembered for their clients' ROM_SESSION_LOST (16 B each)

void
romi_sessions_init (romi_sessions_t *self, uint32_t timeout_ms)
{
    memset (self, 0, sizeof *self);
    romi_map_init (&self->by_id);
    romi_map_init (&self->lost);
    romi_peers_init (&self->peers);
    self->timeout_ms = timeout_ms;
}

static void
s_session_free (romi_sessions_t *self, romi_session_t *session)
{
    romi_map_clear (&session->refs);
    romi_map_clear (&session->hooked);
    // Objects still on its ring (the server itself ends) forget it: their link must not outlive the ring.
    while (session->owned.next != &session->owned)
        romi_ring_remove (session->owned.next);
    for (size_t i = 0; i < session->n_peers; i++)
        romi_peer_destroy (&self->peers, &session->peers[i]);
    free (session->peers);
    free (session);
}

void
romi_sessions_fini (romi_sessions_t *self)
{
    uint64_t key;
    void *value;
    size_t cursor = 0;
    while (romi_map_next (&self->by_id, &cursor, &key, &value))
        s_session_free (self, value);
    romi_map_clear (&self->by_id);
    romi_peers_fini (&self->peers);
    romi_map_clear (&self->lost);
    free (self->lost_ring);
    self->lost_ring = NULL;
}

romi_session_t *
romi_sessions_new (romi_sessions_t *self)
{
    romi_session_t *session = calloc (1, sizeof *session);
    if (!session)
        return NULL;
    // Random ids: a peer cannot name another's session by counting from its own.
    do
        session->id = romi_random64 ();
    while (romi_map_get (&self->by_id, session->id) || romi_map_get (&self->lost, session->id));
    session->secret = romi_random64 ();
    session->owner_key = self->next_owner_key < UINT32_MAX ? ++self->next_owner_key : 0; // object.c
    session->last_seen_ms = romi_now_ms ();
    romi_map_init (&session->refs);
    romi_map_init (&session->hooked);
    romi_ring_init (&session->owned);
    romi_list_init (&session->parked);
    if (romi_map_put (&self->by_id, session->id, session) != 0) {
        free (session);
        return NULL;
    }
    return session;
}

// Remember that `id` was lost now; the oldest memory goes when the ring is full.
static void
s_remember (romi_sessions_t *self, uint64_t id)
{
    if (!self->lost_ring && !(self->lost_ring = calloc (ROM_LOST_KEEP, sizeof *self->lost_ring)))
        return; // then its client is told DENIED instead: its session is unknown
    uint64_t *slot = &self->lost_ring[self->lost_next++ % ROM_LOST_KEEP];
    if (*slot)
        romi_map_remove (&self->lost, *slot);
    if (romi_map_put (&self->lost, id, (void *) (uintptr_t) (romi_now_ms () | 1)) == 0)
        *slot = id;
    else
        *slot = 0;
}

void
romi_sessions_remove (romi_sessions_t *self, romi_session_t *session, bool lost)
{
    if (lost)
        s_remember (self, session->id);
    romi_map_remove (&self->by_id, session->id);
    s_session_free (self, session);
}

bool
romi_sessions_lost (const romi_sessions_t *self, uint64_t id, char *buf, size_t size)
{
    uintptr_t when = (uintptr_t) romi_map_get (&self->lost, id);
    if (!when)
        return false;
    uint64_t ago = romi_now_ms () - (uint64_t) when;
    snprintf (buf, size,
              "session %016llx ended %llu.%llu s ago, when its last connection closed or was silent "
              "past the session timeout of %u ms",
              (unsigned long long) id, (unsigned long long) (ago / 1000),
              (unsigned long long) (ago % 1000 / 100), self->timeout_ms);
    return true;
}

bool
romi_session_touch (romi_sessions_t *self, romi_session_t *session, const void *id, size_t size, int fd,
                    bool add)
{
    // Newest first: a client's threads are few, and the one calling now is usually the last one seen.
    for (size_t i = session->n_peers; i-- > 0;) {
        romi_peer_t *known = session->peers[i];
        if (known->size == size && memcmp (known->id, id, size) == 0) {
            if (known->fd != fd)
                romi_peer_move (&self->peers, known, fd, romi_now_ms ());
            return true;
        }
    }
    if (!add)
        return false;
    if (session->n_peers == session->peers_capacity) {
        size_t capacity = session->peers_capacity ? session->peers_capacity * 2 : 2;
        romi_peer_t **peers = realloc (session->peers, capacity * sizeof *peers);
        if (!peers)
            return false;
        session->peers = peers;
        session->peers_capacity = capacity;
    }
    romi_peer_t *added = romi_peer_new (&self->peers, session, id, size, fd, romi_now_ms ());
    if (!added)
        return false;
    session->peers[session->n_peers++] = added;
    return true;
}

size_t
romi_session_drop_peer (romi_sessions_t *self, romi_peer_t *peer)
{
    romi_session_t *session = peer->session;
    for (size_t i = 0; i < session->n_peers; i++)
        if (session->peers[i] == peer) {
            session->peers[i] = session->peers[--session->n_peers];
            break;
        }
    romi_peer_destroy (&self->peers, &peer);
    return session->n_peers;
}
