// romi_peers.h: peers.c, the connections sessions were opened or joined on (peers), indexed by the fd the
// server reads them on, and the suspects among them waiting for the lease's probes (lease.c has the design).
// The index is what keeps a dropped connection's cost to the peers that were on it: without it, every drop
// walked every session, and 10 000 clients killed at once cost the server 10^8 steps.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_PEERS_H
#define ROMI_PEERS_H

#include "../util/romi_list.h" // relative: the tests see runtime/src only

#define ROMI_SUSPECT_STAGES 5 // probes of a suspect, at the lease's schedule (lease.c)

struct romi_session;

// Why a peer is probed.
typedef enum {
    ROMI_SUSPECT_NONE,    // it is not
    ROMI_SUSPECT_DROPPED, // a connection on its fd dropped (or its fd is unknown): is it still there?
    ROMI_SUSPECT_REUSED,  // its message came on an fd whose connection had dropped before: is it the new
                          // connection on that fd number, or a dead one whose message was read late?
} romi_suspicion_t;

// One connection of a session: a client thread's DEALER, known by its ROUTER routing id.
typedef struct romi_peer {
    struct romi_session *session;
    romi_link_t on_fd;    // in the ring of its fd (of unknown fds when fd < 0)
    romi_link_t on_stage; // in romi_peers_t.stages[stage] while a suspect
    uint64_t since_ms;    // when it became a suspect: its probes are timed from then
    int fd;               // its socket in the server (ZMQ_SRCFD); -1 when unknown
    uint8_t suspicion;    // romi_suspicion_t
    uint8_t stage;        // the probe it waits for, while a suspect
    size_t size;
    uint8_t id[]; // the routing id (clients set a random, stable one per socket)
} romi_peer_t;

// Every peer of a server's sessions. Used from its loop thread only.
typedef struct {
    struct romi_fd **fds; // by fd number: the peers on it and how often a connection on it dropped
    size_t n_fds;
    romi_link_t unknown;                     // a ring of the peers whose fd is unknown
    romi_list_t stages[ROMI_SUSPECT_STAGES]; // the suspects by the probe they wait for, oldest first
} romi_peers_t;

void romi_peers_init (romi_peers_t *self);
// Free the index; every peer was freed before (romi_peer_destroy ()).
void romi_peers_fini (romi_peers_t *self);

// A new peer of `session` with routing id `id` (`size` bytes) on `fd`, indexed; a suspect (REUSED) at once
// when a connection on that fd number dropped before. NULL when out of memory.
romi_peer_t *romi_peer_new (romi_peers_t *self, struct romi_session *session, const void *id, size_t size,
                            int fd, uint64_t now);
// Unindex and free *peer_p and set it NULL; accepts NULL.
void romi_peer_destroy (romi_peers_t *self, romi_peer_t **peer_p);
// The peer's messages now come on `fd` (it reconnected): re-indexed, and a suspect (REUSED) when a
// connection on that fd number dropped before.
void romi_peer_move (romi_peers_t *self, romi_peer_t *peer, int fd, uint64_t now);

// The connection on `fd` dropped: its peers and those of unknown fd become suspects (DROPPED).
void romi_peers_dropped (romi_peers_t *self, int fd, uint64_t now);
// Make `peer` a suspect for `why`, its probes starting over from `now`.
void romi_peer_suspect (romi_peers_t *self, romi_peer_t *peer, romi_suspicion_t why, uint64_t now);
// The oldest suspect waiting for probe `stage`, or NULL.
romi_peer_t *romi_peers_next_suspect (const romi_peers_t *self, unsigned stage);
// `peer` answered its probe: on to the next stage, or, after the last one, no longer a suspect (and, if it
// was one because its fd dropped, of unknown fd from now on: lease.c says why).
void romi_peer_passed (romi_peers_t *self, romi_peer_t *peer);

#endif
