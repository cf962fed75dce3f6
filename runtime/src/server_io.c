// server_io.c: the server's network I/O, all of it: the listener and its options, CURVE and ZAP, the bind,
// receiving one call's frames, sending replies alone or batched, the lease's probes and connection events,
// the loop's poll and its spin. It reaches the network only through the transport seam (romi_transport.h)
// and the wire protocol's server side (romi_wire.h), as the client does: no transport shows through here.
//
// Nothing a peer does can stall the server here: every send is ROMI_SEND_DONTWAIT, and a reply that cannot
// go at once (a peer that does not read, or is gone) is dropped and counted rather than waited for.
#include "rom_private.h"
#include "romi_io.h"
#include "romi_auth.h"
#include "romi_ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROM_SERVER_BATCH_ENTRY 512u // larger replies go out alone (a copy into the batch would cost more)
#define ROM_SERVER_BATCH_BYTES (16u << 10) // a batch this large goes out at once

// With an authkey: CURVE with the server key pair derived from it (into `keys`), and a ZAP domain of our own
// in which only the derived client key is admitted (auth.c). The listener is made with both, before any
// bind, so every connection is checked.
static int
s_curve_server (romi_io_t *self, const char *authkey, romi_auth_keys_t *keys)
{
    if (romi_auth_derive (authkey, keys) != 0)
        return -1;
    char domain[64];
    snprintf (domain, sizeof domain, "rom-%d-%p", (int) getpid (), (void *) self);
    if (!(self->zap_domain = strdup (domain)) || romi_auth_zap_register (domain, keys) != 0) {
        free (self->zap_domain);
        self->zap_domain = NULL;
        return -1;
    }
    return 0;
}

int
romi_io_open (romi_io_t *self, const romi_io_opts_t *opts)
{
    memset (self, 0, sizeof *self);
    self->wake[0] = self->wake[1] = -1;
    romi_wire_batch_init (&self->batch, ROM_SERVER_BATCH_ENTRY);
    if (pipe2 (self->wake, O_NONBLOCK | O_CLOEXEC) != 0)
        return -1;
    // A frame far over the limit is the attack itself: the transport drops that peer before allocating it.
    // Frames up to the limit plus slack are received and answered TOO_LARGE, so honest oversize calls learn
    // why. A limit too large to double (SIZE_MAX for "no limit") is no limit (-1), never a wrapped one.
    int64_t hard_limit = opts->max_message <= (size_t) (INT64_MAX / 4)
                             ? (int64_t) opts->max_message * 2 + ROM_HEADER_MAX
                             : -1;
    // Session liveness (lease.c): keepalives drop a silently gone tcp peer, and the listener reports which
    // connections dropped.
    romi_listen_opts_t listen = {
        .keepalive_ms = opts->session_timeout_ms,
        .max_frame = hard_limit,
    };
    // Before the ZAP handler's sockets (s_curve_server ()): the context's first socket fixes its I/O
    // threads. With an authkey, more than one: libzmq runs each connection's handshake on an I/O thread
    // of the context, the least loaded at accept, and keeps the connection there. On one thread a flood of
    // wrong-key handshakes (each a Curve25519 operation, ~100-250 us of that thread) shared it with every
    // authenticated client: measured on 2 vCPUs (bench/rom_pressure unauth), the victim's p50 was 8x its
    // alone figure, against 1.0x for the same flood aimed at another server of the same machine. With
    // three, handshakes fall mostly on threads that carry fewer clients: 1.2x. An idle I/O thread costs
    // nothing but its stack.
    romi_context_io_threads (opts->io_threads ? opts->io_threads : opts->authkey ? ROM_AUTH_IO_THREADS : 1);
    self->keyless_tcp_open = !opts->authkey && opts->insecure_tcp;
    romi_auth_keys_t keys;
    if (opts->authkey) {
        if (s_curve_server (self, opts->authkey, &keys) != 0) {
            memset (&keys, 0, sizeof keys);
            return -1;
        }
        listen.secret_key = keys.server_secret;
        listen.zap_domain = self->zap_domain;
    }
    self->listener = romi_listen (NULL, &listen);
    memset (&keys, 0, sizeof keys);
    return self->listener ? 0 : -1;
}

// Remove the ipc socket files (once: another server may bind the same path later), each only if it is
// still the one this server made: a path another server took over since is its, not ours.
void
romi_io_unlink_ipc (romi_io_t *self)
{
    for (size_t i = 0; i < self->n_ipc_paths; i++) {
        struct stat st;
        if (stat (self->ipc_paths[i].path, &st) == 0 && st.st_dev == self->ipc_paths[i].dev
            && st.st_ino == self->ipc_paths[i].ino)
            unlink (self->ipc_paths[i].path);
        free (self->ipc_paths[i].path);
    }
    self->n_ipc_paths = 0;
}

void
romi_io_close (romi_io_t *self)
{
    if (self->listener) {
        romi_io_flush (self);
        // Replies of the calls that finished at the stop are still on their way: let them go out (the
        // context's termination at exit waits up to this long for them).
        romi_conn_set_linger (self->listener, 1000);
    }
    romi_wire_batch_fini (&self->batch);
    romi_conn_close (&self->listener, false);
    if (self->zap_domain) {
        romi_auth_zap_unregister (self->zap_domain);
        free (self->zap_domain);
        self->zap_domain = NULL;
    }
    romi_io_unlink_ipc (self);
    free (self->ipc_paths);
    self->ipc_paths = NULL;
    free (self->endpoint);
    self->endpoint = NULL;
    for (int i = 0; i < 2; i++)
        if (self->wake[i] >= 0) {
            close (self->wake[i]);
            self->wake[i] = -1;
        }
}

static rom_status_t s_fail (char *err, rom_status_t status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static rom_status_t
s_fail (char *err, rom_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    romi_format (err, ROM_ERRMSG_MAX, fmt, ap);
    va_end (ap);
    return status;
}

// An ipc socket file just bound (mode 0600 already: only the owner may connect; Python's manager relies on
// the authkey alone, we do both) is remembered for removal.
static rom_status_t
s_keep_ipc (romi_io_t *self, const char *endpoint, const char *path, char *err)
{
    struct stat st;
    if (stat (path, &st) != 0)
        return s_fail (err, ROM_INTERNAL, "bind %s: %s", endpoint, strerror (errno));
    struct romi_ipc_path *paths = realloc (self->ipc_paths, (self->n_ipc_paths + 1) * sizeof *paths);
    if (!paths)
        return s_fail (err, ROM_NOMEM, "bind %s: out of memory", endpoint);
    self->ipc_paths = paths;
    paths[self->n_ipc_paths] = (struct romi_ipc_path) {.path = strdup (path),
                                                       .dev = st.st_dev,
                                                       .ino = st.st_ino};
    if (!paths[self->n_ipc_paths].path)
        return s_fail (err, ROM_NOMEM, "bind %s: out of memory", endpoint);
    self->n_ipc_paths++;
    return ROM_OK;
}

static int
s_bind_ipc (void *listener, const char *endpoint)
{
    char ignored[ROM_PATH_MAX]; // the private detour's path, not the one clients use
    return romi_bind (listener, endpoint, ignored, sizeof ignored);
}

// Whether tcp endpoint `endpoint` binds a loopback address only: the host part is localhost, 127.x.y.z or
// [::1]. Wildcards (*, 0.0.0.0) and interface names reach the network.
static bool
s_tcp_loopback (const char *endpoint)
{
    const char *host = endpoint + 6;
    const char *colon = strrchr (host, ':');
    size_t len = colon ? (size_t) (colon - host) : strlen (host);
    return (len == 9 && strncmp (host, "localhost", 9) == 0) || strncmp (host, "127.", 4) == 0
           || (len == 5 && strncmp (host, "[::1]", 5) == 0);
}

rom_status_t
romi_io_bind (romi_io_t *self, const char *endpoint, char *err)
{
    if (strncmp (endpoint, "inproc://", 9) != 0 && strncmp (endpoint, "ipc://", 6) != 0
        && strncmp (endpoint, "tcp://", 6) != 0)
        return s_fail (err, ROM_INVALID,
                       "bind %s: not an endpoint (ipc://path, tcp://address:port, inproc://name)", endpoint);
    if (strncmp (endpoint, "tcp://", 6) == 0 && !self->zap_domain && !self->keyless_tcp_open
        && !s_tcp_loopback (endpoint))
        return s_fail (
            err, ROM_INVALID,
            "bind %s: tcp without an authkey on a non-loopback address would let anyone who reaches "
            "it call every object (and replay captured calls): give the server an authkey, bind "
            "127.0.0.1, or set rom_server_opts_t.insecure_tcp",
            endpoint);
    // (tcp://localhost is bound as 127.0.0.1 by the transport.)
    // ZMQ's ipc bind removes whatever file is at its path first: without this check a second server would
    // silently take over the path of a live one (and the first, when it stops, would remove the second's
    // socket). A file nobody listens on (left by a server that was killed) may be replaced. Two servers
    // binding one path at the same instant can still race; a lock file would close that and leave files of
    // its own behind.
    bool ipc = strncmp (endpoint, "ipc://", 6) == 0;
    if (ipc && romi_ipc_probe (endpoint + 6) == 0)
        return s_fail (err, ROM_EXISTS, "bind %s: another server is listening on %s already", endpoint,
                       endpoint + 6);
    char resolved[ROM_PATH_MAX];
    if (ipc && strlen (endpoint) < sizeof resolved)
        strcpy (resolved, endpoint); // the socket is bound elsewhere first (ipc.c): the endpoint is as given
    if (ipc ? romi_ipc_bind_private (endpoint + 6, s_bind_ipc, self->listener) != 0
            : romi_bind (self->listener, endpoint, resolved, sizeof resolved) != 0)
        return s_fail (err,
                       errno == EINVAL || errno == EPROTONOSUPPORT || errno == ENODEV ? ROM_INVALID
                                                                                      : ROM_UNAVAILABLE,
                       "bind %s: %s", endpoint, romi_conn_strerror (self->listener, errno));
    if (strncmp (resolved, "ipc://", 6) == 0) {
        rom_status_t status = s_keep_ipc (self, endpoint, resolved + 6, err);
        if (status != ROM_OK)
            return status;
    }
    char *copy = strdup (resolved);
    if (!copy)
        return s_fail (err, ROM_NOMEM, "bind %s: out of memory", endpoint);
    free (self->endpoint);
    self->endpoint = copy;
    return ROM_OK;
}

// --- receiving ---------------------------------------------------------------------------------------------

bool
romi_io_recv (romi_io_t *self, romi_io_msg_t *msg)
{
    // Frames past a call's three are read and dropped by the transport, so the next message starts clean.
    return romi_wire_recv_call (self->listener, msg);
}

void
romi_io_msg_close (romi_io_msg_t *msg)
{
    romi_wire_call_close (msg);
}

void
romi_io_peer_init (romi_io_peer_t *peer)
{
    romi_frame_init (peer);
}

void
romi_io_peer_take (romi_io_peer_t *peer, romi_io_msg_t *msg)
{
    romi_frame_move (peer, romi_wire_call_peer (msg));
}

void
romi_io_peer_close (romi_io_peer_t *peer)
{
    romi_frame_close (peer);
}

// --- sending -----------------------------------------------------------------------------------------------

void
romi_io_flush (romi_io_t *self)
{
    self->dropped += romi_wire_batch_flush (&self->batch, self->listener);
}

void
romi_io_flush_for (romi_io_t *self, const romi_io_peer_t *peer)
{
    // A batch is flushed when a reply to another peer comes, at the end of a pass (up to ROM_SERVER_BATCH
    // calls) or when full. Calls that answer nobody (one-way calls, calls that wait) never bring that other
    // reply: a peer flooding one-way calls kept a sync caller's reply in the batch until the pass ended,
    // 256 of its calls later (bench/rom_pressure, victim sync p50 22 -> 334 us beside a one-way flooder).
    // A message from another peer now sends the batch first; a peer's own pipelined calls, read back to
    // back, still share one.
    if (self->batch.count && !romi_wire_batch_fits (&self->batch, peer))
        romi_io_flush (self);
}

// Add a reply to the batch; false when it cannot join (too large, no memory): it is then sent alone.
static bool
s_batch_add (romi_io_t *self, romi_io_peer_t *peer, const Rom__ReplyHeader *header,
             const ProtobufCMessage *output)
{
    if (!romi_wire_batch_fits (&self->batch, peer))
        romi_io_flush (self);
    if (!romi_wire_batch_add (&self->batch, peer, header, output))
        return false;
    if (self->batch.count >= ROM_SERVER_BATCH || self->batch.size >= ROM_SERVER_BATCH_BYTES)
        romi_io_flush (self);
    return true;
}

void
romi_io_send (romi_io_t *self, romi_io_peer_t *peer, const Rom__ReplyHeader *header,
              const ProtobufCMessage *payload, bool batch_ok)
{
    if (batch_ok && s_batch_add (self, peer, header, payload))
        return;
    if (romi_wire_send_reply (self->listener, peer, header, payload) != 0)
        self->dropped++;
}

// --- connections -------------------------------------------------------------------------------------------

bool
romi_io_probe (romi_io_t *self, const void *id, size_t size)
{
    // A probe that reaches a live client is an empty reply with call id 0, which it drops (an empty frame
    // decodes as a ReplyHeader with call id 0, status OK); a full pipe (EAGAIN) is alive too.
    romi_frame_t frames[3];
    if (romi_frame_init_size (&frames[0], size) != 0)
        return true;
    if (size)
        memcpy (romi_frame_data (&frames[0]), id, size);
    romi_frame_init (&frames[1]);
    romi_frame_init (&frames[2]);
    if (romi_send (self->listener, frames, 3, ROMI_SEND_DONTWAIT) == 0)
        return true;
    bool gone = errno == EHOSTUNREACH;
    for (size_t i = 0; i < 3; i++)
        romi_frame_close (&frames[i]);
    return !gone;
}

bool
romi_io_next_drop (romi_io_t *self, int *fd)
{
    romi_event_t event;
    while (romi_conn_event (self->listener, &event))
        if (event.kind == ROMI_EVENT_DOWN) {
            *fd = event.fd;
            return true;
        }
    return false;
}

bool
romi_io_fd_closed (int fd)
{
    // A peer process that died has had its end closed by the kernel at its exit, before the server's I/O
    // thread may have noticed. A closed fd (POLLNVAL: ZMQ closed it already) is gone too. A new connection
    // reusing the fd number would pass for this one: the check then errs on the side of "alive", as it did
    // before it existed.
    struct pollfd pfd = {.fd = fd, .events = POLLRDHUP};
    return poll (&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

// --- waiting -----------------------------------------------------------------------------------------------

void
romi_io_wake (romi_io_t *self)
{
    char byte = 1;
    // Async-signal-safe: a write to a non-blocking pipe. A full pipe means a wake-up is pending already.
    ssize_t n = write (self->wake[1], &byte, 1);
    (void) n;
}

int
romi_io_poll (romi_io_t *self, int pool_fd, int stop_fd, long timeout_ms)
{
    romi_poll_t items[] = {
        {.conn = self->listener, .events = ROMI_POLL_IN | ROMI_POLL_EVENTS},
        {.fd = self->wake[0], .events = ROMI_POLL_IN},
        {.fd = pool_fd, .events = ROMI_POLL_IN},
        {.fd = stop_fd, .events = ROMI_POLL_IN},
    };
    if (romi_poll (items, stop_fd >= 0 ? 4 : 3, timeout_ms) < 0)
        return -1;
    if (items[1].revents & ROMI_POLL_IN) {
        char buf[64];
        while (read (self->wake[0], buf, sizeof buf) > 0)
            ;
    }
    int ready = 0;
    if (items[0].revents & ROMI_POLL_IN)
        ready |= ROMI_IO_CALLS;
    if (items[0].revents & ROMI_POLL_EVENTS)
        ready |= ROMI_IO_DROPS;
    if (items[2].revents & ROMI_POLL_IN)
        ready |= ROMI_IO_POOL;
    if (stop_fd >= 0 && items[3].revents)
        ready |= ROMI_IO_STOP;
    return ready;
}

bool
romi_io_wait_calls (romi_io_t *self, long timeout_ms)
{
    romi_poll_t item = {.conn = self->listener, .events = ROMI_POLL_IN};
    return romi_poll (&item, 1, timeout_ms) > 0;
}

const char *
romi_io_strerror (const romi_io_t *self, int err)
{
    return romi_conn_strerror (self->listener, err);
}

// After a pass that handled calls, look for the next one for up to spin_us before sleeping in romi_poll ().
// On these 2-vCPU VMs a thread that sleeps lets its vCPU halt, and waking a halted vCPU is what makes a
// wake-up cost 15-20 us; a caller's next call usually comes sooner than that when it is busy. Measured
// (bench/, sync Counter.increment over ipc): p50 87 -> 32 us with 1 client; 4 clients on one object
// 35 k -> 41-47 k calls/s. A plain spin: yielding between looks measured no better with 1 client and cost
// the 4-client case its gain (every yield was a context switch to a runnable client). Spinning on the
// client side measured 3x slower (it takes the CPU from the I/O threads), so only the server spins, and
// only after calls: an idle server sleeps at once. Where this thread may run on one CPU only (affinity), it
// does not spin at all: its own I/O thread would wait for the spin to end (p50 doubled, measured).
bool
romi_io_spin (romi_io_t *self, uint32_t spin_us, const atomic_int *stopping)
{
    uint64_t now_ms = romi_now_ms ();
    if (now_ms - self->cpus_checked_ms >= 100) { // affinity rarely changes: look at most ten times a second
        cpu_set_t cpus;
        self->one_cpu = sched_getaffinity (0, sizeof cpus, &cpus) == 0 && CPU_COUNT (&cpus) < 2;
        self->cpus_checked_ms = now_ms;
    }
    if (self->one_cpu)
        return false;
    uint64_t until = romi_now_us () + spin_us;
    do {
        if (romi_conn_readable (self->listener))
            return true;
        __builtin_ia32_pause ();
    } while (!atomic_load (stopping) && romi_now_us () < until);
    return false;
}
