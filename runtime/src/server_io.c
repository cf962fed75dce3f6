// server_io.c: the server's network I/O, all of it: the ROUTER socket and its options, CURVE and ZAP, the
// bind, receiving one call's frames, sending replies alone or batched, the lease's probes and connection
// events, the loop's poll and its spin. Every zmq_* call of the server is in this file (and two inline
// frame accessors in romi_io.h), so porting the server onto another transport replaces this file.
//
// Nothing a peer does can stall the server here: every send is ZMQ_DONTWAIT, and a reply that cannot go
// at once (a peer that does not read, or is gone) is dropped and counted rather than waited for.
#include "rom_private.h"
#include "romi_io.h"
#include "romi_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ROM_SERVER_BATCH_ENTRY 512u // larger replies go out alone (a copy into the batch would cost more)
#define ROM_SERVER_BATCH_BYTES (16u << 10) // a batch this large goes out at once

// With an authkey: CURVE with the server key pair derived from it, and a ZAP domain of our own in which
// only the derived client key is admitted (auth.c). Set before any bind, so every connection is checked.
static int
s_curve_server (romi_io_t *self, const char *authkey)
{
    romi_auth_keys_t keys;
    if (romi_auth_derive (authkey, &keys) != 0)
        return -1;
    char domain[64];
    snprintf (domain, sizeof domain, "rom-%d-%p", (int) getpid (), (void *) self);
    int on = 1;
    int rc = zmq_setsockopt (self->router, ZMQ_CURVE_SERVER, &on, sizeof on) == 0
                     && zmq_setsockopt (self->router, ZMQ_CURVE_SECRETKEY, keys.server_secret, 40) == 0
                     && zmq_setsockopt (self->router, ZMQ_ZAP_DOMAIN, domain, strlen (domain)) == 0
                     && (self->zap_domain = strdup (domain)) != NULL
                     && romi_auth_zap_register (domain, &keys) == 0
                 ? 0
                 : -1;
    if (rc != 0) {
        free (self->zap_domain);
        self->zap_domain = NULL;
    }
    memset (&keys, 0, sizeof keys);
    return rc;
}

int
romi_io_open (romi_io_t *self, const romi_io_opts_t *opts)
{
    memset (self, 0, sizeof *self);
    self->wake[0] = self->wake[1] = -1;
    zmq_msg_init (&self->batch.peer);
    // ZMQ_IO_THREADS counts only before the context's first socket starts its I/O threads: in a manager's
    // server process (a fresh context after fork) that is now; elsewhere the context keeps its count.
    if (opts->io_threads > 1 && romi_context ())
        zmq_ctx_set (romi_context (), ZMQ_IO_THREADS, (int) opts->io_threads);
    self->router = romi_socket_new (ZMQ_ROUTER);
    if (!self->router || pipe2 (self->wake, O_NONBLOCK | O_CLOEXEC) != 0)
        return -1;
    int on = 1;
    // A reply to a peer that is gone fails at once instead of being queued for nobody.
    zmq_setsockopt (self->router, ZMQ_ROUTER_MANDATORY, &on, sizeof on);
    // A frame far over the limit is the attack itself: ZMQ drops that peer before allocating it. Frames
    // up to the limit plus slack are received and answered TOO_LARGE, so honest oversize calls learn why.
    // A limit too large to double (SIZE_MAX for "no limit") leaves ZMQ's unlimited (-1), never a wrapped one.
    int64_t hard_limit = opts->max_message <= (size_t) (INT64_MAX / 4)
                             ? (int64_t) opts->max_message * 2 + ROM_HEADER_MAX
                             : -1;
    zmq_setsockopt (self->router, ZMQ_MAXMSGSIZE, &hard_limit, sizeof hard_limit);
    // Session liveness (lease.c): keepalives that drop a silently gone tcp peer, handover so a client whose
    // connection came back is the same peer, and a monitor telling which connections dropped.
    if (romi_socket_keepalive (self->router, opts->session_timeout_ms) != 0
        || zmq_setsockopt (self->router, ZMQ_ROUTER_HANDOVER, &on, sizeof on) != 0
        || !(self->monitor = romi_monitor_open (self->router, ZMQ_EVENT_DISCONNECTED)))
        return -1;
    if (opts->authkey && s_curve_server (self, opts->authkey) != 0)
        return -1;
    return 0;
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
    romi_monitor_close (self->router, &self->monitor);
    if (self->router)
        romi_io_flush (self);
    zmq_msg_close (&self->batch.peer);
    free (self->batch.buf);
    self->batch.buf = NULL;
    if (self->router) {
        // Replies of the calls that finished at the stop are still on their way: let them go out (the
        // context's termination at exit waits up to this long for them).
        int linger = 1000;
        zmq_setsockopt (self->router, ZMQ_LINGER, &linger, sizeof linger);
    }
    romi_socket_close (&self->router);
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

// Whether a server listens on the unix socket at `path`: a connect () succeeds. libzmq's ipc bind removes
// whatever file is at its path first, so without this check a second server would silently take over the
// path of a live one (and the first, when it stops, would remove the second's socket). A file nobody
// listens on (ECONNREFUSED: left by a server that was killed) may be replaced. Two servers binding one path
// at the same instant can still race; a lock file would close that and leave files of its own behind.
static bool
s_ipc_listening (const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen (path) >= sizeof addr.sun_path)
        return false; // zmq_bind () refuses it with its own error
    memcpy (addr.sun_path, path, strlen (path) + 1);
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool listening = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
    close (fd);
    return listening;
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

// An ipc socket file just bound: only the owner may connect (Python's manager relies on the authkey alone;
// we do both), and it is remembered for removal.
static rom_status_t
s_keep_ipc (romi_io_t *self, const char *endpoint, const char *path, char *err)
{
    struct stat st;
    if (chmod (path, S_IRUSR | S_IWUSR) != 0 || stat (path, &st) != 0)
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

rom_status_t
romi_io_bind (romi_io_t *self, const char *endpoint, char *err)
{
    if (strncmp (endpoint, "inproc://", 9) != 0 && strncmp (endpoint, "ipc://", 6) != 0
        && strncmp (endpoint, "tcp://", 6) != 0)
        return s_fail (err, ROM_INVALID,
                       "bind %s: not an endpoint (ipc://path, tcp://address:port, inproc://name)", endpoint);
    // ZMQ binds tcp:// to an interface name or an address, and takes "localhost" for an interface (the
    // error is "No such device"): what a user means by it is the loopback address.
    char local[ROM_PATH_MAX];
    if (strncmp (endpoint, "tcp://localhost:", 16) == 0) {
        snprintf (local, sizeof local, "tcp://127.0.0.1:%s", endpoint + 16);
        endpoint = local;
    }
    if (strncmp (endpoint, "ipc://", 6) == 0 && s_ipc_listening (endpoint + 6))
        return s_fail (err, ROM_EXISTS, "bind %s: another server is listening on %s already", endpoint,
                       endpoint + 6);
    if (zmq_bind (self->router, endpoint) != 0)
        return s_fail (err,
                       errno == EINVAL || errno == EPROTONOSUPPORT || errno == ENODEV ? ROM_INVALID
                                                                                      : ROM_UNAVAILABLE,
                       "bind %s: %s", endpoint, zmq_strerror (errno));
    char resolved[ROM_PATH_MAX];
    size_t size = sizeof resolved;
    if (zmq_getsockopt (self->router, ZMQ_LAST_ENDPOINT, resolved, &size) != 0)
        snprintf (resolved, sizeof resolved, "%s", endpoint);
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
    zmq_msg_init (&msg->frames[0]);
    msg->n = 0;
    msg->extra = 0;
    if (zmq_msg_recv (&msg->frames[0], self->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&msg->frames[0]);
        return false;
    }
    msg->n = 1;
    // The rest of a message is queued with its first frame: no wait. Frames past a call's three are read
    // and dropped, so the next message starts clean.
    for (int more = zmq_msg_more (&msg->frames[0]); more;) {
        zmq_msg_t scratch;
        zmq_msg_t *frame = msg->n < 3 ? &msg->frames[msg->n] : &scratch;
        zmq_msg_init (frame);
        if (zmq_msg_recv (frame, self->router, 0) < 0) {
            zmq_msg_close (frame);
            break;
        }
        more = zmq_msg_more (frame);
        if (frame != &scratch)
            msg->n++;
        else {
            zmq_msg_close (&scratch);
            msg->extra++;
        }
    }
    return true;
}

void
romi_io_msg_close (romi_io_msg_t *msg)
{
    for (size_t i = 0; i < msg->n; i++)
        zmq_msg_close (&msg->frames[i]);
    msg->n = 0;
}

int
romi_io_msg_fd (romi_io_msg_t *msg)
{
    return zmq_msg_get (&msg->frames[msg->n - 1], ZMQ_SRCFD);
}

void
romi_io_peer_init (romi_io_peer_t *peer)
{
    zmq_msg_init (peer);
}

void
romi_io_peer_take (romi_io_peer_t *peer, romi_io_msg_t *msg)
{
    zmq_msg_move (peer, &msg->frames[0]);
}

void
romi_io_peer_close (romi_io_peer_t *peer)
{
    zmq_msg_close (peer);
}

// --- sending -----------------------------------------------------------------------------------------------

void
romi_io_flush (romi_io_t *self)
{
    unsigned count = self->batch.count;
    if (count == 0)
        return;
    self->batch.count = 0;
    const uint8_t *p = self->batch.buf, *end = p + self->batch.size, *header, *payload;
    size_t hsize, psize;
    self->batch.size = 0;
    bool sent = zmq_msg_send (&self->batch.peer, self->router, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0;
    if (!sent)
        zmq_msg_close (&self->batch.peer);
    zmq_msg_init (&self->batch.peer);
    // Once the first frame is accepted the rest of the message is too (ZMQ queues messages atomically).
    if (sent && count == 1 && romi_wire_batch_next (&p, end, &header, &hsize, &payload, &psize))
        sent = zmq_send (self->router, header, hsize, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0
               && zmq_send (self->router, payload, psize, ZMQ_DONTWAIT) >= 0;
    else if (sent)
        sent = zmq_send (self->router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0
               && zmq_send (self->router, p, (size_t) (end - p), ZMQ_DONTWAIT) >= 0;
    if (!sent)
        self->dropped += count;
}

// Add a reply to the batch; false when it cannot join (too large, no memory): it is then sent alone.
static bool
s_batch_add (romi_io_t *self, romi_io_peer_t *peer, const Rom__ReplyHeader *header,
             const ProtobufCMessage *output)
{
    size_t hsize = protobuf_c_message_get_packed_size (&header->base);
    size_t psize = output ? protobuf_c_message_get_packed_size (output) : 0;
    if (hsize + psize > ROM_SERVER_BATCH_ENTRY)
        return false;
    if (self->batch.count > 0
        && (zmq_msg_size (&self->batch.peer) != zmq_msg_size (peer)
            || memcmp (zmq_msg_data (&self->batch.peer), zmq_msg_data (peer), zmq_msg_size (peer)) != 0))
        romi_io_flush (self);
    size_t need = self->batch.size + ROM_WIRE_BATCH_ENTRY_MAX (hsize, psize);
    if (need > self->batch.capacity) {
        size_t capacity = self->batch.capacity ? self->batch.capacity * 2 : 4096;
        while (capacity < need)
            capacity *= 2;
        uint8_t *buf = realloc (self->batch.buf, capacity);
        if (!buf)
            return false;
        self->batch.buf = buf;
        self->batch.capacity = capacity;
    }
    if (self->batch.count == 0 && zmq_msg_copy (&self->batch.peer, peer) != 0)
        return false;
    self->batch.size += romi_wire_batch_put (self->batch.buf + self->batch.size, &header->base, hsize, output,
                                             psize);
    if (++self->batch.count >= ROM_SERVER_BATCH || self->batch.size >= ROM_SERVER_BATCH_BYTES)
        romi_io_flush (self);
    return true;
}

void
romi_io_send (romi_io_t *self, romi_io_peer_t *peer, const Rom__ReplyHeader *header,
              const ProtobufCMessage *payload, bool batch_ok)
{
    if (batch_ok && s_batch_add (self, peer, header, payload))
        return;
    zmq_msg_t id;
    zmq_msg_init (&id);
    zmq_msg_copy (&id, peer);
    if (zmq_msg_send (&id, self->router, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&id);
        self->dropped++;
        return;
    }
    // Once the first frame is accepted the rest of the message is too (ZMQ queues messages atomically).
    if (romi_wire_send_header (self->router, &header->base, ZMQ_SNDMORE | ZMQ_DONTWAIT) != 0
        || romi_wire_send_message (self->router, payload, ZMQ_DONTWAIT) != 0)
        self->dropped++;
}

// --- connections -------------------------------------------------------------------------------------------

bool
romi_io_probe (romi_io_t *self, const void *id, size_t size)
{
    // A probe that reaches a live client is an empty reply with call id 0, which it drops; a full pipe
    // (EAGAIN) is alive too.
    if (zmq_send (self->router, id, size, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return errno != EHOSTUNREACH;
    // An empty frame decodes as a ReplyHeader with call id 0, status OK.
    zmq_send (self->router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (self->router, "", 0, ZMQ_DONTWAIT);
    return true;
}

bool
romi_io_next_drop (romi_io_t *self, int *fd)
{
    uint16_t event;
    int32_t value;
    while (romi_monitor_next (self->monitor, &event, &value))
        if (event == ZMQ_EVENT_DISCONNECTED) {
            *fd = value;
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
    zmq_pollitem_t items[] = {
        {.socket = self->router, .events = ZMQ_POLLIN},  {.fd = self->wake[0], .events = ZMQ_POLLIN},
        {.socket = self->monitor, .events = ZMQ_POLLIN}, {.fd = pool_fd, .events = ZMQ_POLLIN},
        {.fd = stop_fd, .events = ZMQ_POLLIN},
    };
    if (zmq_poll (items, stop_fd >= 0 ? 5 : 4, timeout_ms) < 0)
        return -1;
    if (items[1].revents & ZMQ_POLLIN) {
        char buf[64];
        while (read (self->wake[0], buf, sizeof buf) > 0)
            ;
    }
    int ready = 0;
    if (items[0].revents & ZMQ_POLLIN)
        ready |= ROMI_IO_CALLS;
    if (items[2].revents & ZMQ_POLLIN)
        ready |= ROMI_IO_DROPS;
    if (items[3].revents & ZMQ_POLLIN)
        ready |= ROMI_IO_POOL;
    if (stop_fd >= 0 && items[4].revents)
        ready |= ROMI_IO_STOP;
    return ready;
}

bool
romi_io_wait_calls (romi_io_t *self, long timeout_ms)
{
    zmq_pollitem_t item = {.socket = self->router, .events = ZMQ_POLLIN};
    return zmq_poll (&item, 1, timeout_ms) > 0;
}

const char *
romi_io_strerror (int err)
{
    return zmq_strerror (err);
}

// After a pass that handled calls, look for the next one for up to spin_us before sleeping in zmq_poll ().
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
        uint32_t events = 0;
        size_t size = sizeof events;
        if (zmq_getsockopt (self->router, ZMQ_EVENTS, &events, &size) != 0)
            return false;
        if (events & ZMQ_POLLIN)
            return true;
        __builtin_ia32_pause ();
    } while (!atomic_load (stopping) && romi_now_us () < until);
    return false;
}
