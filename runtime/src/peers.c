// peers.c: the connections of sessions (peers) indexed by fd, and the lease's suspects in stages. Each fd
// number the server has read a peer on gets a record, kept for the server's life (fds are small integers
// the kernel reuses, so the records are as many as the most connections open at once): the ring of peers
// last seen on it and how many times a connection on it dropped. A suspect waits in the list of the probe it
// is due for; marking times only grow, so each list is in the order its members fall due, and a sweep takes
// only the heads that are due (lease.c).
#include "rom_private.h"
#include "romi_peers.h"

#include <stdlib.h>
#include <string.h>

struct romi_fd {
    romi_link_t peers; // a ring of romi_peer_t.on_fd
    uint64_t drops;    // connections on this fd number that dropped
};

void
romi_peers_init (romi_peers_t *self)
{
    memset (self, 0, sizeof *self);
    romi_ring_init (&self->unknown);
    for (size_t i = 0; i < ROMI_SUSPECT_STAGES; i++)
        romi_list_init (&self->stages[i]);
}

void
romi_peers_fini (romi_peers_t *self)
{
    for (size_t i = 0; i < self->n_fds; i++)
        free (self->fds[i]);
    free (self->fds);
    self->fds = NULL;
    self->n_fds = 0;
}

// The record of `fd`, made when `make` (NULL when it has none, or out of memory).
static struct romi_fd *
s_fd (romi_peers_t *self, int fd, bool make)
{
    if (fd < 0)
        return NULL;
    size_t i = (size_t) fd;
    if (i >= self->n_fds) {
        if (!make)
            return NULL;
        size_t n = self->n_fds ? self->n_fds : 64;
        while (n <= i)
            n *= 2;
        struct romi_fd **grown = realloc (self->fds, n * sizeof *grown);
        if (!grown)
            return NULL;
        memset (grown + self->n_fds, 0, (n - self->n_fds) * sizeof *grown);
        self->fds = grown;
        self->n_fds = n;
    }
    if (!self->fds[i] && make) {
        // Records are allocated one by one: their rings' sentinels must not move when the table grows.
        struct romi_fd *record = calloc (1, sizeof *record);
        if (!record)
            return NULL;
        romi_ring_init (&record->peers);
        self->fds[i] = record;
    }
    return self->fds[i];
}

static void
s_unstage (romi_peers_t *self, romi_peer_t *peer)
{
    if (peer->suspicion != ROMI_SUSPECT_NONE)
        romi_list_unlink (&self->stages[peer->stage], &peer->on_stage);
    peer->suspicion = ROMI_SUSPECT_NONE;
}

// Put `peer` on `fd` (unknown when the fd is, or its record cannot be made); returns that fd's record.
static struct romi_fd *
s_place (romi_peers_t *self, romi_peer_t *peer, int fd)
{
    romi_ring_remove (&peer->on_fd);
    struct romi_fd *record = s_fd (self, fd, true);
    peer->fd = record ? fd : -1;
    romi_ring_add (record ? &record->peers : &self->unknown, &peer->on_fd);
    return record;
}

void
romi_peer_suspect (romi_peers_t *self, romi_peer_t *peer, romi_suspicion_t why, uint64_t now)
{
    // Marked again, it starts over: a later drop on its fd has a later termination to wait for. A peer
    // suspected for a drop stays so even if its fd was also reused (the stronger doubt wins).
    if (peer->suspicion == ROMI_SUSPECT_DROPPED)
        why = ROMI_SUSPECT_DROPPED;
    s_unstage (self, peer);
    peer->suspicion = (uint8_t) why;
    peer->stage = 0;
    peer->since_ms = now;
    romi_list_append (&self->stages[0], &peer->on_stage);
}

romi_peer_t *
romi_peer_new (romi_peers_t *self, struct romi_session *session, const void *id, size_t size, int fd,
               uint64_t now)
{
    romi_peer_t *peer = calloc (1, sizeof *peer + (size ? size : 1));
    if (!peer)
        return NULL;
    peer->session = session;
    peer->size = size;
    if (size)
        memcpy (peer->id, id, size);
    romi_peer_move (self, peer, fd, now);
    return peer;
}

void
romi_peer_destroy (romi_peers_t *self, romi_peer_t **peer_p)
{
    if (!peer_p || !*peer_p)
        return;
    romi_peer_t *peer = *peer_p;
    s_unstage (self, peer);
    romi_ring_remove (&peer->on_fd);
    free (peer);
    *peer_p = NULL;
}

void
romi_peer_move (romi_peers_t *self, romi_peer_t *peer, int fd, uint64_t now)
{
    struct romi_fd *record = s_place (self, peer, fd);
    if (record && record->drops)
        romi_peer_suspect (self, peer, ROMI_SUSPECT_REUSED, now);
}

void
romi_peers_dropped (romi_peers_t *self, int fd, uint64_t now)
{
    struct romi_fd *record = s_fd (self, fd, true);
    if (record) {
        record->drops++;
        for (romi_link_t *l = record->peers.next; l != &record->peers; l = l->next)
            romi_peer_suspect (self, romi_container_of (l, romi_peer_t, on_fd), ROMI_SUSPECT_DROPPED, now);
    }
    for (romi_link_t *l = self->unknown.next; l != &self->unknown; l = l->next)
        romi_peer_suspect (self, romi_container_of (l, romi_peer_t, on_fd), ROMI_SUSPECT_DROPPED, now);
}

romi_peer_t *
romi_peers_next_suspect (const romi_peers_t *self, unsigned stage)
{
    romi_link_t *first = stage < ROMI_SUSPECT_STAGES ? romi_list_first (&self->stages[stage]) : NULL;
    return first ? romi_container_of (first, romi_peer_t, on_stage) : NULL;
}

void
romi_peer_passed (romi_peers_t *self, romi_peer_t *peer)
{
    if (peer->suspicion == ROMI_SUSPECT_NONE)
        return;
    romi_list_unlink (&self->stages[peer->stage], &peer->on_stage);
    if (peer->stage + 1u < ROMI_SUSPECT_STAGES) {
        peer->stage++;
        romi_list_append (&self->stages[peer->stage], &peer->on_stage);
        return;
    }
    // Alive after every probe. One whose own fd dropped is on another connection now (it came back and its
    // routing id was handed over), which fd unknown until its next message says; one that came on a reused
    // fd number is the new connection on it.
    if (peer->suspicion == ROMI_SUSPECT_DROPPED)
        s_place (self, peer, -1);
    peer->suspicion = ROMI_SUSPECT_NONE;
}
