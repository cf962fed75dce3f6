// romi_io.h: server_io.c, every byte the server exchanges with the network: its listener (bind, options,
// CURVE), receiving one call's frames, sending replies (alone or batched), the lease's probes and connection
// events, the poll of the loop and the spin before it. It reaches the network only through the transport
// seam (romi_transport.h) and the wire protocol (romi_wire.h), as the client does. A caller's routing id
// (romi_io_peer_t) is kept as the frame it arrived in (rom_call_t.peer: moved, never copied) and handed back
// to send the reply; the other files only move it around by pointer.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_IO_H
#define ROMI_IO_H

#include <stdatomic.h>
#include <sys/types.h>

// A caller's routing id: the frame it came in.
typedef romi_frame_t romi_io_peer_t;

// A socket file to remove at close, if still ours (same inode).
struct romi_ipc_path {
    char *path;
    dev_t dev;
    ino_t ino;
};

typedef struct {
    romi_conn_t *listener;           // every client connects to it; it reports dropped connections
    int wake[2];                     // self-pipe: rom_server_stop () from a signal handler or another thread
    char *endpoint;                  // last bound endpoint, as resolved by the transport
    struct romi_ipc_path *ipc_paths; // socket files to remove at close
    size_t n_ipc_paths;
    char *zap_domain;         // with an authkey: this server's ZAP domain (auth.c); NULL otherwise
    romi_wire_batch_t batch;  // replies to one peer waiting to go out as one message (romi_io_flush)
    bool one_cpu;             // this thread may run on one CPU only: spinning would starve its I/O thread
    bool keyless_tcp_open;    // no authkey and insecure_tcp: tcp may bind any address
    uint64_t cpus_checked_ms; // when one_cpu was last read
    uint64_t dropped;         // messages dropped without a reply (unreadable, or reply not sendable)
} romi_io_t;

// Most messages one pass of the loop handles before it looks at timers; a batch of replies is sent once it
// holds this many.
#define ROM_SERVER_BATCH 256u

// What romi_io_open () sets up.
typedef struct {
    size_t max_message;          // frames far over it are refused by the transport itself
    unsigned io_threads;         // the transport's I/O threads, when it can still take them (0: its default)
    uint32_t session_timeout_ms; // a silently gone tcp peer is dropped within about this (keepalives)
    const char *authkey;         // NULL: no CURVE
    bool insecure_tcp;           // keyless tcp may bind non-loopback addresses (rom_server_opts_t)
} romi_io_opts_t;

// Make the listener (its options, the watch of its connections) and the wake pipe. -1 on failure (the caller
// still calls romi_io_close ()).
int romi_io_open (romi_io_t *self, const romi_io_opts_t *opts);
// Send what is batched, let the last replies out (linger), close everything, remove our socket files.
void romi_io_close (romi_io_t *self);
// Bind `endpoint` (tcp://localhost is 127.0.0.1; an ipc path a live server listens on is ROM_EXISTS; an ipc
// file is made mode 0600 and remembered for removal). On failure the text goes to `err` (ROM_ERRMSG_MAX).
rom_status_t romi_io_bind (romi_io_t *self, const char *endpoint, char *err);
// Remove the ipc socket files this server made, each only if still its own (once).
void romi_io_unlink_ipc (romi_io_t *self);

// One received message, judged as a call (romi_wire.h: its verdict, its decoded header).
typedef romi_wire_call_t romi_io_msg_t;

// Receive one whole message without waiting: false when none is queued.
bool romi_io_recv (romi_io_t *self, romi_io_msg_t *msg);
// Free the header and close the frames romi_io_recv () filled (a peer moved out is an empty frame by then).
void romi_io_msg_close (romi_io_msg_t *msg);
// The sender of `msg`.
static inline romi_io_peer_t *
romi_io_msg_peer (romi_io_msg_t *msg)
{
    return romi_wire_call_peer (msg);
}
// Frame `i` of `msg` (its bytes and size). Inline: read for every call.
static inline const void *
romi_io_frame (romi_io_msg_t *msg, size_t i, size_t *size)
{
    *size = romi_frame_size (&msg->msg.frames[i]);
    return romi_frame_cdata (&msg->msg.frames[i]);
}
// The socket fd `msg` came in on, -1 when unknown: a dead client is found by its connections.
static inline int
romi_io_msg_fd (const romi_io_msg_t *msg)
{
    return msg->msg.fd;
}

// A routing id as kept in a call (rom_call_t.peer). Make it empty:
void romi_io_peer_init (romi_io_peer_t *peer);
// Move the sender of `msg` into it (no copy; `msg` keeps an empty frame):
void romi_io_peer_take (romi_io_peer_t *peer, romi_io_msg_t *msg);
// Release it (the call is recycled):
void romi_io_peer_close (romi_io_peer_t *peer);
// Its bytes and size (inline: read for every call).
static inline const void *
romi_io_peer_id (const romi_io_peer_t *peer, size_t *size)
{
    *size = romi_frame_size (peer);
    return romi_frame_cdata (peer);
}

// Send a reply [peer][header][payload] (`payload` NULL: an empty frame) without waiting: a peer that does
// not read (or is gone) loses it rather than stall the server. With `batch_ok` (its caller reads batches) it
// may wait in the batch until romi_io_flush ().
void romi_io_send (romi_io_t *self, romi_io_peer_t *peer, const Rom__ReplyHeader *header,
                   const ProtobufCMessage *payload, bool batch_ok);
// Send the batched replies: one alone as a plain reply, several as [peer][empty][entries] (wire.c). Before
// the loop can block, so a lone reply is never held back.
void romi_io_flush (romi_io_t *self);
// Before handling a message from `peer`: replies batched for another peer go out now (see server_io.c).
void romi_io_flush_for (romi_io_t *self, const romi_io_peer_t *peer);
// Whether the connection with routing id `id` is still there (a send to a peer that is gone fails).
bool romi_io_probe (romi_io_t *self, const void *id, size_t size);
// The next connection of the listener that dropped (its fd), without waiting: false when there is none.
bool romi_io_next_drop (romi_io_t *self, int *fd);
// Whether the peer of socket `fd` closed its end (the kernel closed a dead process's sockets at its exit).
bool romi_io_fd_closed (int fd);

// Wake a romi_io_poll () from a signal handler or another thread (async-signal-safe).
void romi_io_wake (romi_io_t *self);
// What romi_io_poll () found ready.
#define ROMI_IO_CALLS 1u // messages are queued on the listener
#define ROMI_IO_DROPS 2u // connection events (romi_io_next_drop ())
#define ROMI_IO_POOL 4u  // `pool_fd` is readable
#define ROMI_IO_STOP 8u  // `stop_fd` is readable or hung up
// Wait up to `timeout_ms` (-1 forever, 0 not at all) for any of them; a wake-up is consumed here. Returns the
// ROMI_IO_* found, or -1 with errno (EINTR included).
int romi_io_poll (romi_io_t *self, int pool_fd, int stop_fd, long timeout_ms);
// Wait up to `timeout_ms` for a message on the listener alone (a stopping server's quiet period). True when
// one is queued.
bool romi_io_wait_calls (romi_io_t *self, long timeout_ms);
// The text of a failure of this file's functions (errno as they left it).
const char *romi_io_strerror (const romi_io_t *self, int err);
// After a pass that handled calls, look for the next one for up to `spin_us` before the loop sleeps (see
// server_io.c for why and when not). True when a message is waiting.
bool romi_io_spin (romi_io_t *self, uint32_t spin_us, const atomic_int *stopping);

#endif
