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
// Clients give each socket a random, stable routing id and the server sets ZMQ_ROUTER_HANDOVER, so a client
// whose TCP connection broke and came back (ZMQ reconnects by itself) is the same peer; it says hello again
// to join its session, if that still exists.
//
// Rejected: ZMTP heartbeats (a stopped process would lose its session and its locks after the heartbeat
// timeout, as it did before issue 12); client pings while idle (a client would need a thread of its own);
// the draft API's ZMQ_ROUTER_NOTIFY (not in Debian's build); probing every session periodically (traffic to
// every idle client forever; here live clients are probed only when a connection on their fd dropped).
#include "rom_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROM_MIN_SESSION_TIMEOUT_MS 40u
// When to sweep after a DISCONNECTED event, in ms after it (see the opening comment).
static const unsigned s_sweeps[] = {1, 4, 16, 64, 250};
#define ROM_SWEEPS (sizeof s_sweeps / sizeof s_sweeps[0])

int
romi_lease_init (romi_lease_t *self, void *router, uint32_t timeout_ms)
{
    memset (self, 0, sizeof *self);
    self->current_fd = -1;
    self->timeout_ms = timeout_ms ? timeout_ms : ROM_DEFAULT_SESSION_TIMEOUT_MS;
    if (self->timeout_ms < ROM_MIN_SESSION_TIMEOUT_MS)
        self->timeout_ms = ROM_MIN_SESSION_TIMEOUT_MS;
    int on = 1;
    if (romi_socket_keepalive (router, self->timeout_ms) != 0
        || zmq_setsockopt (router, ZMQ_ROUTER_HANDOVER, &on, sizeof on) != 0)
        return -1;
    self->monitor = romi_monitor_open (router, ZMQ_EVENT_DISCONNECTED);
    return self->monitor ? 0 : -1;
}

void
romi_lease_fini (romi_lease_t *self, void *router)
{
    romi_monitor_close (router, &self->monitor);
}

long
romi_lease_poll_timeout (const romi_lease_t *self, uint64_t now, long timeout)
{
    if (!self->sweep_at_ms)
        return timeout;
    long until = self->sweep_at_ms > now ? (long) (self->sweep_at_ms - now) : 0;
    return timeout < 0 || until < timeout ? until : timeout;
}

static void
s_mark (romi_map_t *sessions, int fd)
{
    uint64_t key;
    void *value;
    size_t cursor = 0;
    while (romi_map_next (sessions, &cursor, &key, &value)) {
        romi_session_t *session = value;
        for (size_t i = 0; i < session->n_peers; i++)
            if (session->peers[i].fd == fd || session->peers[i].fd < 0)
                session->peers[i].suspect = true;
    }
}

void
romi_lease_on_monitor (romi_lease_t *self, romi_map_t *sessions, uint64_t now)
{
    uint16_t id;
    int32_t fd;
    while (romi_monitor_next (self->monitor, &id, &fd)) {
        if (id != ZMQ_EVENT_DISCONNECTED)
            continue;
        s_mark (sessions, fd);
        self->event_ms = now;
        self->sweeps_done = 0;
        self->sweep_at_ms = now + s_sweeps[0];
    }
}

// Whether the connection with routing id `peer` is still there. A probe that reaches a live client is an
// empty reply with call id 0, which it drops; a full pipe (EAGAIN) is alive too.
static bool
s_probe (void *router, const romi_peer_t *peer)
{
    if (zmq_send (router, peer->id, peer->size, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return errno != EHOSTUNREACH;
    // An empty frame decodes as a ReplyHeader with call id 0, status OK.
    zmq_send (router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (router, "", 0, ZMQ_DONTWAIT);
    return true;
}

void
romi_lease_sweep (romi_lease_t *self, rom_server_t *server, void *router, romi_map_t *sessions, uint64_t now)
{
    if (!self->sweep_at_ms || now < self->sweep_at_ms)
        return;
    bool confirm = self->sweeps_done + 1 < ROM_SWEEPS, retry = false;
    uint64_t *dead = NULL;
    size_t n_dead = 0, dead_capacity = 0;
    uint64_t key;
    void *value;
    size_t cursor = 0;
    while (romi_map_next (sessions, &cursor, &key, &value)) {
        romi_session_t *session = value;
        bool probed = false;
        for (size_t i = 0; i < session->n_peers;) {
            romi_peer_t *peer = &session->peers[i];
            if (!peer->suspect) {
                i++;
                continue;
            }
            probed = true;
            if (s_probe (router, peer)) {
                // Alive, but its fd may have been reused: unknown until its next message says.
                peer->fd = -1;
                peer->suspect = confirm;
                i++;
            } else {
                free (peer->id);
                *peer = session->peers[--session->n_peers];
            }
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
        romi_session_t *session = romi_map_get (sessions, dead[i]);
        if (session) {
            romi_server_session_end (server, session, ROM_SESSION_END_LOST);
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

bool
romi_lease_touch (romi_session_t *session, const zmq_msg_t *peer, int fd, bool add)
{
    const void *id = zmq_msg_data ((zmq_msg_t *) peer);
    size_t size = zmq_msg_size ((zmq_msg_t *) peer);
    // Newest first: a client's threads are few, and the one calling now is usually the last one seen.
    for (size_t i = session->n_peers; i-- > 0;) {
        romi_peer_t *known = &session->peers[i];
        if (known->size == size && memcmp (known->id, id, size) == 0) {
            known->fd = fd;
            return true;
        }
    }
    if (!add)
        return false;
    if (session->n_peers == session->peers_capacity) {
        size_t capacity = session->peers_capacity ? session->peers_capacity * 2 : 2;
        romi_peer_t *peers = realloc (session->peers, capacity * sizeof *peers);
        if (!peers)
            return false;
        session->peers = peers;
        session->peers_capacity = capacity;
    }
    romi_peer_t *added = &session->peers[session->n_peers];
    if (!(added->id = malloc (size ? size : 1)))
        return false;
    memcpy (added->id, id, size);
    added->size = size;
    added->fd = fd;
    added->suspect = false;
    session->n_peers++;
    return true;
}

void
romi_lease_forget (romi_session_t *session)
{
    for (size_t i = 0; i < session->n_peers; i++)
        free (session->peers[i].id);
    free (session->peers);
    session->peers = NULL;
    session->n_peers = session->peers_capacity = 0;
}
