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
// Each session keeps the routing ids of its connections (one per client thread), indexed by fd (peers.c).
// A DISCONNECTED event makes suspects of the peers on that fd (and of those whose fd is unknown): each is
// probed 1 ms after, then a few more times, further apart (s_sweeps), and forgotten at the first probe that
// finds it gone; a session left with no peer ends. The repeats are there because the monitor event overtakes
// the pipe's termination inside libzmq (the ROUTER forgets the routing id only once the I/O thread and this
// thread have exchanged their termination commands): an early probe may still find the pipe. Measured here:
// the first or second probe finds a killed client's pipe gone (~1-5 ms after its death). Each suspect has
// its own schedule, from when it was marked, so a stream of drops (clients coming and going, a flood of
// refused handshakes) probes each suspect at most ROMI_SUSPECT_STAGES times, and the cost of a drop is the
// peers that were on its fd: a server with 10 000 idle clients handles one more drop as fast as with none.
//
// Fd numbers are reused, which the index must not mistake for the same connection:
//   - a client killed right after its hello may have that hello read after its connection's drop was
//     handled: its peer is then on an fd whose connection is already gone, and no later drop will name it
//     (the kill storm, tests/stress, left such a session for ever in about one run in sixteen);
//   - a new client's first connection usually gets the fd number of one that just closed (on ipc always: a
//     client's connect first opens and closes a connection to test the path, ipc.c).
// So a peer first seen on an fd number whose connection dropped before is a suspect too (REUSED): probed
// gone, it was the dead one; alive after every probe, it is the new connection and keeps its fd. One whose
// own fd dropped (DROPPED) and that is alive after every probe came back on another connection (its routing
// id was handed over, below) and has an unknown fd until its next message. Before the two were told apart,
// every new ipc client was probed alive, its fd made unknown, and an idle peer of unknown fd is a suspect at
// every drop: 10 000 idle clients took 106 s to connect instead of 3 and the server 86 KB each.
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
// When to probe a suspect, in ms after it was marked (see the opening comment).
static const unsigned s_sweeps[ROMI_SUSPECT_STAGES] = {1, 4, 16, 64, 250};

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

// When the next probe is due (ms), or 0 when there is no suspect.
static uint64_t
s_next_due (const romi_peers_t *peers)
{
    uint64_t due = 0;
    for (unsigned stage = 0; stage < ROMI_SUSPECT_STAGES; stage++) {
        const romi_peer_t *first = romi_peers_next_suspect (peers, stage);
        if (first && (!due || first->since_ms + s_sweeps[stage] < due))
            due = first->since_ms + s_sweeps[stage];
    }
    return due;
}

long
romi_lease_poll_timeout (const romi_sessions_t *sessions, uint64_t now, long timeout)
{
    uint64_t due = s_next_due (&sessions->peers);
    if (!due)
        return timeout;
    long until = due > now ? (long) (due - now) : 0;
    return timeout < 0 || until < timeout ? until : timeout;
}

void
romi_lease_on_drops (romi_io_t *io, romi_sessions_t *sessions, uint64_t now)
{
    int fd;
    while (romi_io_next_drop (io, &fd))
        romi_peers_dropped (&sessions->peers, fd, now);
}

void
romi_lease_sweep (romi_lease_t *self, romi_io_t *io, romi_deferred_t *deferred, uint64_t now)
{
    romi_sessions_t *sessions = &deferred->hosting->sessions;
    romi_peers_t *peers = &sessions->peers;
    // The latest stage first: a suspect that passes moves to the next stage's tail, not to be probed twice
    // in one sweep.
    for (unsigned stage = ROMI_SUSPECT_STAGES; stage-- > 0;) {
        romi_peer_t *peer;
        while ((peer = romi_peers_next_suspect (peers, stage)) && peer->since_ms + s_sweeps[stage] <= now) {
            if (romi_io_probe (io, peer->id, peer->size)) {
                romi_peer_passed (peers, peer);
                continue;
            }
            romi_session_t *session = peer->session;
            if (romi_session_drop_peer (sessions, peer) == 0) {
                romi_session_end (deferred, session, ROM_SESSION_END_LOST);
                self->sessions_dropped++;
            }
        }
    }
}
