// lease.c: session liveness. A client process that dies (exit without goodbye, crash, SIGKILL) has its
// session ended as soon as the server sees its connections close, within milliseconds: its references are
// released, its locks and permits go to the next waiter, its waiting calls are dropped. A client that is
// alive keeps its session for as long as one of its connections stays up, however long it is stopped
// (SIGSTOP, a debugger): only a connection that is silently gone (its host vanished, the network was cut)
// is dropped, by TCP keepalives within about the session timeout (romi_socket_keepalive ()).
//
// How. Debian's libzmq 4.3.4 has no draft API, so a ROUTER is never told which peer went away. What it does
// have, and what this builds on:
//   - a socket monitor: ZMQ_EVENT_DISCONNECTED carries the fd of the connection that dropped;
//   - ZMQ_SRCFD: every received message says which fd it came in on, so a session's peers know their fd;
//   - ZMQ_ROUTER_MANDATORY: a send to a routing id whose connection is gone fails with EHOSTUNREACH, a cheap
//     and certain "is it still there?" (a probe: an empty reply with call id 0, which clients drop);
//   - TCP keepalives answered by the peer's kernel (not ZMTP heartbeats, which its ZMQ I/O thread answers,
//     and a stopped process does not): a peer whose host died or whose network was cut is disconnected too,
//     so it also shows up as a DISCONNECTED event. On ipc a connection cannot go silently away.
// Each session keeps the routing ids of its connections (one per client thread). A DISCONNECTED event marks
// the peers on that fd (and those whose fd is unknown) as suspects and schedules sweeps: the first one
// millisecond later, then a few more, further apart (ROM_SWEEPS). A sweep probes the suspects, forgets those
// that are gone, and ends each session left with none. The repeats are there because the monitor event
// overtakes the pipe's termination inside libzmq (the ROUTER forgets the routing id only once the I/O thread
// and this thread have exchanged their termination commands): an early probe may still find the pipe.
// Measured here: the first or second sweep finds a killed client's pipe gone (~1-5 ms after its death).
// Every sweep of a series marks again the peers on the fds dropped since it began: a client killed right
// after sending its hello has that hello read (and its session opened) after its connection's drop event may
// have been handled, so its peer was not there to be marked then; without the re-marking, such a session
// lived for ever on a dead connection (the kill storm, tests/stress, left one in about three runs of 1250
// killed clients).
// Clients give each socket a random, stable routing id and the server sets ZMQ_ROUTER_HANDOVER, so a client
// whose TCP connection broke and came back (ZMQ reconnects by itself) is the same peer; it says hello again
// to join its session, if that still exists.
//
// The socket side of all this is the ZMQ transport's (transport_zmq.c: options, the monitor), reached through
// server_io.c (the probes' sends, the dropped connections); this file decides whom to probe and when, and
// ends the sessions left without a connection (session_end.c).
//
// Rejected: ZMTP heartbeats (a stopped process would lose its session and its locks after the heartbeat
// timeout, as it did before issue 12); client pings while idle (a client would need a thread of its own);
// the draft API's ZMQ_ROUTER_NOTIFY (not in Debian's build); probing every session periodically (traffic to
// every idle client forever; here live clients are probed only when a connection on their fd dropped).
#include "rom_private.h"
#include "romi_lease.h"

#include <stdlib.h>
#include <string.h>

#define ROM_MIN_SESSION_TIMEOUT_MS 40u
// When to sweep after a DISCONNECTED event, in ms after it (see the opening comment).
static const unsigned s_sweeps[] = {1, 4, 16, 64, 250};
#define ROM_SWEEPS (sizeof s_sweeps / sizeof s_sweeps[0])

uint32_t
romi_lease_timeout (uint32_t requested_ms)
{
    uint32_t timeout_ms = requested_ms ? requested_ms : ROM_DEFAULT_SESSION_TIMEOUT_MS;
    return timeout_ms < ROM_MIN_SESSION_TIMEOUT_MS ? ROM_MIN_SESSION_TIMEOUT_MS : timeout_ms;
}

void
romi_lease_init (romi_lease_t *self, uint32_t timeout_ms)
{
    memset (self, 0, sizeof *self);
    self->timeout_ms = timeout_ms;
}

long
romi_lease_poll_timeout (const romi_lease_t *self, uint64_t now, long timeout)
{
    if (!self->sweep_at_ms)
        return timeout;
    long until = self->sweep_at_ms > now ? (long) (self->sweep_at_ms - now) : 0;
    return timeout < 0 || until < timeout ? until : timeout;
}

// Mark the peers that may have been on `fd`; returns how many.
static size_t
s_mark (romi_sessions_t *sessions, int fd)
{
    uint64_t key;
    void *value;
    size_t cursor = 0, marked = 0;
    while (romi_map_next (&sessions->by_id, &cursor, &key, &value)) {
        romi_session_t *session = value;
        for (size_t i = 0; i < session->n_peers; i++)
            if (session->peers[i].fd == fd || session->peers[i].fd < 0) {
                session->peers[i].suspect = true;
                marked++;
            }
    }
    return marked;
}

// Remember `fd` as dropped for the rest of the series of sweeps.
static void
s_remember (romi_lease_t *self, int fd)
{
    if (!self->sweep_at_ms) { // a new series
        self->n_dropped = 0;
        self->dropped_overflow = false;
    }
    for (size_t i = 0; i < self->n_dropped; i++)
        if (self->dropped[i] == fd)
            return;
    if (self->n_dropped < ROM_LEASE_DROPPED_MAX)
        self->dropped[self->n_dropped++] = fd;
    else
        self->dropped_overflow = true;
}

// Make suspects of the peers on the fds dropped in this series, those that joined since included.
static void
s_remark (const romi_lease_t *self, romi_sessions_t *sessions)
{
    uint64_t key;
    void *value;
    size_t cursor = 0;
    while (romi_map_next (&sessions->by_id, &cursor, &key, &value)) {
        romi_session_t *session = value;
        for (size_t i = 0; i < session->n_peers; i++) {
            romi_peer_t *peer = &session->peers[i];
            bool dropped = self->dropped_overflow || peer->fd < 0;
            for (size_t j = 0; !dropped && j < self->n_dropped; j++)
                dropped = peer->fd == self->dropped[j];
            peer->suspect |= dropped;
        }
    }
}

void
romi_lease_on_drops (romi_lease_t *self, romi_io_t *io, romi_sessions_t *sessions, uint64_t now)
{
    int fd;
    while (romi_io_next_drop (io, &fd)) {
        s_remember (self, fd);
        // A drop that names no session's peer needs no series of sweeps: every sweep walks all sessions, and
        // drops of connections that never said hello are common (an ipc client's connect opens and closes one
        // to test the path first; a peer refused at its handshake). One sweep soon is still due, unless one
        // is already: a hello read after its own connection's drop makes a peer on that fd (a kill storm
        // finding), which that sweep marks again (s_remark ()) and probes.
        bool marked = s_mark (sessions, fd) > 0;
        if (!marked && self->sweep_at_ms)
            continue;
        self->event_ms = now;
        // Unmarked: the last sweep of a series only (it confirms nothing), with room for the hellos queued
        // behind the drop.
        self->sweeps_done = marked ? 0 : ROM_SWEEPS - 1;
        self->sweep_at_ms = now + s_sweeps[marked ? 0 : 2];
    }
}

void
romi_lease_sweep (romi_lease_t *self, romi_io_t *io, romi_deferred_t *deferred, uint64_t now)
{
    if (!self->sweep_at_ms || now < self->sweep_at_ms)
        return;
    romi_sessions_t *sessions = &deferred->hosting->sessions;
    s_remark (self, sessions);
    bool confirm = self->sweeps_done + 1 < ROM_SWEEPS, retry = false;
    uint64_t *dead = NULL;
    size_t n_dead = 0, dead_capacity = 0;
    uint64_t key;
    void *value;
    size_t cursor = 0;
    while (romi_map_next (&sessions->by_id, &cursor, &key, &value)) {
        romi_session_t *session = value;
        bool probed = false;
        for (size_t i = 0; i < session->n_peers;) {
            romi_peer_t *peer = &session->peers[i];
            if (!peer->suspect) {
                i++;
                continue;
            }
            probed = true;
            if (romi_io_probe (io, peer->id, peer->size)) {
                // Alive, but its fd may have been reused: unknown until its next message says.
                peer->fd = -1;
                peer->suspect = confirm;
                i++;
            } else
                romi_session_drop_peer (session, i);
        }
        if (probed && session->n_peers == 0) {
            if (n_dead == dead_capacity) {
                size_t capacity = dead_capacity ? dead_capacity * 2 : 16;
                uint64_t *grown = realloc (dead, capacity * sizeof *grown);
                if (!grown) {
                    retry = true; // the rest waits for the next sweep
                    break;
                }
                dead = grown;
                dead_capacity = capacity;
            }
            dead[n_dead++] = session->id;
        }
    }
    // Ended outside the iteration: ending a session changes the map.
    for (size_t i = 0; i < n_dead; i++) {
        romi_session_t *session = romi_sessions_find (sessions, dead[i]);
        if (session) {
            romi_session_end (deferred, session, ROM_SESSION_END_LOST);
            self->sessions_dropped++;
        }
    }
    free (dead);
    if (!retry || self->sweeps_done + 1 < ROM_SWEEPS)
        self->sweeps_done++;
    self->sweep_at_ms = self->sweeps_done < ROM_SWEEPS ? self->event_ms + s_sweeps[self->sweeps_done] : 0;
    if (self->sweep_at_ms && self->sweep_at_ms <= now)
        self->sweep_at_ms = now + 1;
}
