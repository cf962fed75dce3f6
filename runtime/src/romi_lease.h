// romi_lease.h: lease.c, session liveness: a client that died has its session ended (lease.c's opening
// comment has the design).
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_LEASE_H
#define ROMI_LEASE_H

#include "romi_io.h"
#include "romi_session_end.h"

// Owned by the server, used from its loop thread only. The suspects themselves are in the sessions' peer
// index (peers.c).
typedef struct {
    uint32_t timeout_ms;       // a silently gone tcp peer is dropped within about this (keepalives)
    uint64_t sessions_dropped; // sessions ended because their client died
} romi_lease_t;

// The session timeout to use for `requested_ms` (0: the default; too small ones are raised).
uint32_t romi_lease_timeout (uint32_t requested_ms);
// No connection dropped yet; `timeout_ms` from romi_lease_timeout ().
void romi_lease_init (romi_lease_t *self, uint32_t timeout_ms);
// The poll timeout (ms, -1 forever) shortened to the next probe due.
long romi_lease_poll_timeout (const romi_sessions_t *sessions, uint64_t now, long timeout);
// Read the dropped connections; each makes the peers on its fd suspects (O(those peers)).
void romi_lease_on_drops (romi_io_t *io, romi_sessions_t *sessions, uint64_t now);
// Probe the suspects that are due and end the sessions left without a connection.
void romi_lease_sweep (romi_lease_t *self, romi_io_t *io, romi_deferred_t *deferred, uint64_t now);

#endif
