// romi_lease.h: lease.c, session liveness: a client that died has its session ended (lease.c's opening
// comment has the design).
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_LEASE_H
#define ROMI_LEASE_H

#include "romi_io.h"
#include "romi_session_end.h"

#define ROM_LEASE_DROPPED_MAX 64 // fds remembered per series of sweeps; past that, every peer is probed

// Owned by the server, used from its loop thread only.
typedef struct {
    uint32_t timeout_ms;       // a silently gone tcp peer is dropped within about this (keepalives)
    uint64_t event_ms;         // when the last connection dropped: sweeps are timed from it
    uint64_t sweep_at_ms;      // when to probe the suspects; 0: nothing to do
    unsigned sweeps_done;      // of the schedule after an event (lease.c)
    uint64_t sessions_dropped; // sessions ended because their client died
    // The fds whose connections dropped during the current series of sweeps: each sweep makes their peers
    // suspects again, so a hello that was read after its connection's drop event is probed too (lease.c).
    int dropped[ROM_LEASE_DROPPED_MAX];
    size_t n_dropped;
    bool dropped_overflow; // more than ROM_LEASE_DROPPED_MAX: every peer is a suspect
} romi_lease_t;

// The session timeout to use for `requested_ms` (0: the default; too small ones are raised).
uint32_t romi_lease_timeout (uint32_t requested_ms);
// No connection dropped yet; `timeout_ms` from romi_lease_timeout ().
void romi_lease_init (romi_lease_t *self, uint32_t timeout_ms);
// The poll timeout (ms, -1 forever) shortened to the next sweep.
long romi_lease_poll_timeout (const romi_lease_t *self, uint64_t now, long timeout);
// Read the dropped connections; each makes the peers on its fd suspects.
void romi_lease_on_drops (romi_lease_t *self, romi_io_t *io, romi_sessions_t *sessions, uint64_t now);
// When due, probe the suspects and end the sessions left without a connection.
void romi_lease_sweep (romi_lease_t *self, romi_io_t *io, romi_deferred_t *deferred, uint64_t now);

#endif
