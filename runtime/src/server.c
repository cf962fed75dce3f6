// server.c: the manager server's loop: one ROUTER socket, one thread, calls dispatched to objects.
//
// Every request is [peer][CallHeader][payload]. The loop decodes the header, finds the object, unpacks the
// payload into the call's arena and runs the servant's method right here (DESIGN decision 3: a hand-off to
// another thread costs two wake-ups, more than the call itself). Calls to one object are thereby
// serialized and each method is atomic. Methods that must wait (a queue's get) return ROM_DEFERRED and are
// answered later; their deadlines live in a heap that sets the poll timeout.
//
// Nothing a peer sends can stop the loop: a malformed message is answered with BAD_REQUEST when it has a
// readable header and dropped otherwise; a reply that cannot be sent at once (a peer that does not read, or
// is gone) is dropped rather than waited for, so one client cannot stall the others.
#include "rom_private.h"
#include "builtins.h" // runtime/builtins: every server hosts the built-in types

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

_Static_assert (ATOMIC_INT_LOCK_FREE == 2, "rom_server_stop () needs a lock-free int in signal handlers");

#define ROM_SERVER_BATCH 256u       // messages handled per poll wake-up before timers are looked at
#define ROM_SERVER_BATCH_ENTRY 512u // larger replies go out alone (a copy into the batch would cost more)
#define ROM_SERVER_BATCH_BYTES (16u << 10) // a batch this large goes out at once
#define ROM_SERVER_DEFAULT_SPIN_US 200u
#define ROM_SERVER_FREE_CALLS 64u   // recycled call records (each ~1.6 KiB)

extern const rom_type_t romi_manager_type; // server_ops.c

struct _rom_server_t {
    void *router;
    size_t max_message;
    romi_type_entry_t *types;     // registered types, in registration order
    size_t n_types;
    romi_type_entry_t manager;    // object 0
    romi_objects_t objects;
    romi_map_t sessions;          // session id -> romi_session_t
    uint64_t incarnation;        // this run's random id: calls meant for another run are refused
    romi_map_t lost;              // sessions lost (not said goodbye to) lately: id -> when (ms), for their
    uint64_t *lost_ring;         // clients' ROM_SESSION_LOST; the ring bounds how many are remembered
    size_t lost_next;
    uint32_t next_owner_key;     // the last romi_session_t.owner_key given (object.c)
    rom_call_t **heap;           // deferred calls with a deadline, a min-heap on deadline_ms
    size_t heap_size, heap_capacity;
    rom_call_t *free_calls;
    size_t n_free_calls;
    int wake[2];                 // self-pipe: rom_server_stop () from a signal handler or another thread
    // Set by rom_server_stop () from a signal handler or from another thread: a lock-free atomic is safe in
    // both (volatile sig_atomic_t is not, across threads).
    atomic_int stopping;
    atomic_bool running;
    pthread_t thread;
    bool thread_started;
    struct romi_ipc_path {        // socket files to remove at destroy, if still ours (same inode)
        char *path;
        dev_t dev;
        ino_t ino;
    } *ipc_paths;
    romi_lease_t lease;           // session liveness (lease.c)
    char *zap_domain;            // with an authkey: this server's ZAP domain (auth.c); NULL otherwise
    romi_pool_t *pool;            // workers of ROM_TYPE_POOL types (pool.c)
    bool pool_stopped;           // its workers are gone (rom_server_destroy)
    int stop_fd;                 // readable (or hung up): stop serving; -1 for none (the manager's owner)
    uint32_t spin_us;            // after a busy pass, how long to look for the next call before sleeping
    bool one_cpu;                // this thread may run on one CPU only: spinning would starve its I/O thread
    uint64_t cpus_checked_ms;    // when one_cpu was last read
    size_t n_ipc_paths;
    char *endpoint;              // last bound endpoint, as resolved by ZMQ
    uint64_t dropped;            // messages dropped without a reply (unreadable, or reply not sendable)
    struct {                     // replies to one peer waiting to go out as one message (s_batch_flush)
        zmq_msg_t peer;
        uint8_t *buf;
        size_t size, capacity;
        unsigned count;
    } batch;
    romi_map_t ref_types;         // output descriptor -> whether it can carry ObjectRefs (ref.c)
    char errmsg[ROM_ERRMSG_MAX];
};

static rom_status_t
s_fail (rom_server_t *self, rom_status_t status, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static rom_status_t
s_fail (rom_server_t *self, rom_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    romi_format (self->errmsg, sizeof self->errmsg, fmt, ap);
    va_end (ap);
    return status;
}

// With an authkey: CURVE with the server key pair derived from it, and a ZAP domain of our own in which
// only the derived client key is admitted (auth.c). Set before any bind, so every connection is checked.
static int
s_curve_server (rom_server_t *self, const char *authkey)
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

rom_server_t *
rom_server_new (const rom_server_opts_t *opts)
{
    rom_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->wake[0] = self->wake[1] = -1;
    self->stop_fd = -1;
    zmq_msg_init (&self->batch.peer);
    self->max_message = opts && opts->max_message ? opts->max_message : ROM_DEFAULT_MAX_MESSAGE;
    self->spin_us = !opts || !opts->spin_us ? ROM_SERVER_DEFAULT_SPIN_US
                    : opts->spin_us == ROM_SERVER_NO_SPIN ? 0 : opts->spin_us;
    romi_objects_init (&self->objects);
    romi_map_init (&self->sessions);
    romi_map_init (&self->ref_types);
    romi_map_init (&self->lost);
    // Random, so a restarted server is told from the one before, and an old proxy never reaches an object of
    // the new run that happens to have its id.
    self->incarnation = romi_random64 ();
    self->manager = (romi_type_entry_t) {.type = &romi_manager_type, .servant = self};

    // ZMQ_IO_THREADS counts only before the context's first socket starts its I/O threads: in a manager's
    // server process (a fresh context after fork) that is now; elsewhere the context keeps its count.
    if (opts && opts->io_threads > 1 && romi_context ())
        zmq_ctx_set (romi_context (), ZMQ_IO_THREADS, (int) opts->io_threads);
    self->router = romi_socket_new (ZMQ_ROUTER);
    if (!self->router || pipe2 (self->wake, O_NONBLOCK | O_CLOEXEC) != 0)
        goto fail;
    int on = 1;
    // A reply to a peer that is gone fails at once instead of being queued for nobody.
    zmq_setsockopt (self->router, ZMQ_ROUTER_MANDATORY, &on, sizeof on);
    // A frame far over the limit is the attack itself: ZMQ drops that peer before allocating it. Frames
    // up to the limit plus slack are received and answered TOO_LARGE, so honest oversize calls learn why.
    // A limit too large to double (SIZE_MAX for "no limit") leaves ZMQ's unlimited (-1), never a wrapped one.
    int64_t hard_limit = self->max_message <= (size_t) (INT64_MAX / 4)
                             ? (int64_t) self->max_message * 2 + ROM_HEADER_MAX
                             : -1;
    zmq_setsockopt (self->router, ZMQ_MAXMSGSIZE, &hard_limit, sizeof hard_limit);
    // Heartbeats, handover and a monitor: a client that died has its session dropped (lease.c).
    if (romi_lease_init (&self->lease, self->router, opts ? opts->session_timeout_ms : 0) != 0)
        goto fail;
    if (opts && opts->authkey && s_curve_server (self, opts->authkey) != 0)
        goto fail;
    // Like Python's SyncManager, every server hosts the built-in types (Value, Dict, List, Lock, Queue, ...),
    // so sharing a number or a dict needs no IDL and no registration.
    if (!(self->pool = romi_pool_new (opts ? opts->workers : 0)))
        goto fail;
    if (romi_builtins_register (self) != ROM_OK)
        goto fail;
    return self;
fail:
    rom_server_destroy (&self);
    return NULL;
}

static void s_object_destroy (rom_server_t *self, romi_object_t *object);
static void s_pool_done (rom_server_t *self, rom_call_t *call, rom_status_t status);
static void s_pool_cancelled (rom_server_t *self, rom_call_t *call, rom_status_t status);

// Remove the ipc socket files (once: another server may bind the same path later), each only if it is
// still the one this server made: a path another server took over since is its, not ours.
static void
s_unlink_ipc (rom_server_t *self)
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
static void s_call_free (rom_server_t *self, rom_call_t *call);
static void s_batch_flush (rom_server_t *self);

void
rom_server_destroy (rom_server_t **self_p)
{
    rom_server_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    if (self->thread_started) {
        rom_server_stop (self);
        pthread_join (self->thread, NULL);
    }
    // Pool workers stop first (a call being run finishes); what they finished is answered.
    if (self->pool) {
        romi_pool_stop (self->pool);
        self->pool_stopped = true;
        romi_pool_collect (self->pool, self, s_pool_done);
    }
    // Objects go first: their deferred calls are answered (CLOSED) while the socket still exists.
    romi_object_t *object;
    size_t cursor = 0;
    while (cursor = 0, romi_objects_next (&self->objects, &cursor, &object))
        s_object_destroy (self, object);
    romi_objects_fini (&self->objects);
    romi_map_clear (&self->ref_types);
    uint64_t key;
    void *value;
    cursor = 0;
    while (romi_map_next (&self->sessions, &cursor, &key, &value)) {
        romi_session_t *session = value;
        romi_map_clear (&session->refs);
        romi_lease_forget (session);
        free (session);
    }
    romi_map_clear (&self->sessions);
    romi_map_clear (&self->lost);
    free (self->lost_ring);
    while (self->free_calls) {
        rom_call_t *next = self->free_calls->next;
        free (self->free_calls);
        self->free_calls = next;
    }
    free (self->heap);
    romi_lease_fini (&self->lease, self->router);
    romi_pool_destroy (&self->pool);
    if (self->router)
        s_batch_flush (self);
    zmq_msg_close (&self->batch.peer);
    free (self->batch.buf);
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
    }
    s_unlink_ipc (self);
    free (self->ipc_paths);
    free (self->types);
    free (self->endpoint);
    if (self->wake[0] >= 0)
        close (self->wake[0]);
    if (self->wake[1] >= 0)
        close (self->wake[1]);
    free (self);
    *self_p = NULL;
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

rom_status_t
rom_server_bind (rom_server_t *self, const char *endpoint)
{
    if (!self)
        return ROM_INVALID;
    if (!endpoint)
        return s_fail (self, ROM_INVALID, "bind: no endpoint");
    if (strncmp (endpoint, "inproc://", 9) != 0 && strncmp (endpoint, "ipc://", 6) != 0
        && strncmp (endpoint, "tcp://", 6) != 0)
        return s_fail (self, ROM_INVALID, "bind %s: not an endpoint (ipc://path, tcp://address:port, inproc://name)",
                       endpoint);
    // ZMQ binds tcp:// to an interface name or an address, and takes "localhost" for an interface (the
    // error is "No such device"): what a user means by it is the loopback address.
    char local[ROM_PATH_MAX];
    if (strncmp (endpoint, "tcp://localhost:", 16) == 0) {
        snprintf (local, sizeof local, "tcp://127.0.0.1:%s", endpoint + 16);
        endpoint = local;
    }
    if (strncmp (endpoint, "ipc://", 6) == 0 && s_ipc_listening (endpoint + 6))
        return s_fail (self, ROM_EXISTS, "bind %s: another server is listening on %s already", endpoint,
                       endpoint + 6);
    if (zmq_bind (self->router, endpoint) != 0)
        return s_fail (self, errno == EINVAL || errno == EPROTONOSUPPORT || errno == ENODEV ? ROM_INVALID
                                                                                            : ROM_UNAVAILABLE,
                       "bind %s: %s", endpoint, zmq_strerror (errno));
    char resolved[ROM_PATH_MAX];
    size_t size = sizeof resolved;
    if (zmq_getsockopt (self->router, ZMQ_LAST_ENDPOINT, resolved, &size) != 0)
        snprintf (resolved, sizeof resolved, "%s", endpoint);
    if (strncmp (resolved, "ipc://", 6) == 0) {
        // Only the owner may connect (Python's manager relies on the authkey alone; we do both).
        const char *path = resolved + 6;
        struct stat st;
        if (chmod (path, S_IRUSR | S_IWUSR) != 0 || stat (path, &st) != 0)
            return s_fail (self, ROM_INTERNAL, "bind %s: %s", endpoint, strerror (errno));
        struct romi_ipc_path *paths = realloc (self->ipc_paths, (self->n_ipc_paths + 1) * sizeof *paths);
        if (!paths)
            return s_fail (self, ROM_NOMEM, "bind %s: out of memory", endpoint);
        self->ipc_paths = paths;
        paths[self->n_ipc_paths] = (struct romi_ipc_path) {.path = strdup (path), .dev = st.st_dev, .ino = st.st_ino};
        if (!paths[self->n_ipc_paths].path)
            return s_fail (self, ROM_NOMEM, "bind %s: out of memory", endpoint);
        self->n_ipc_paths++;
    }
    char *copy = strdup (resolved);
    if (!copy)
        return s_fail (self, ROM_NOMEM, "bind %s: out of memory", endpoint);
    free (self->endpoint);
    self->endpoint = copy;
    return ROM_OK;
}

const char *
rom_server_endpoint (const rom_server_t *self)
{
    return self ? self->endpoint : NULL;
}

rom_status_t
rom_server_register (rom_server_t *self, const rom_type_t *type, const void *servant, void *ctx)
{
    if (!self)
        return ROM_INVALID;
    if (!type || !type->name)
        return s_fail (self, ROM_INVALID, "register: no type");
    for (size_t i = 0; i < self->n_types; i++)
        if (strcmp (self->types[i].type->name, type->name) == 0)
            return s_fail (self, ROM_EXISTS, "register %s: a type of that name is registered already",
                           type->name);
    if (self->running)
        return s_fail (self, ROM_INVALID, "register %s: the server is running", type->name);
    romi_type_entry_t *types = realloc (self->types, (self->n_types + 1) * sizeof *types);
    if (!types)
        return s_fail (self, ROM_NOMEM, "register %s: out of memory", type->name);
    types[self->n_types++] = (romi_type_entry_t) {.type = type, .servant = servant, .ctx = ctx};
    self->types = types;
    return ROM_OK;
}

size_t
rom_server_object_count (const rom_server_t *self)
{
    if (!self)
        return 0;
    return romi_objects_count (&self->objects);
}

const char *
rom_server_errmsg (const rom_server_t *self)
{
    return self ? self->errmsg : "no server (NULL)";
}

void
rom_server_stop (rom_server_t *self)
{
    if (!self)
        return;
    self->stopping = 1;
    char byte = 1;
    // Async-signal-safe: a write to a non-blocking pipe. A full pipe means a wake-up is pending already.
    ssize_t n = write (self->wake[1], &byte, 1);
    (void) n;
}

// --- what server_ops.c needs ------------------------------------------------------------------------------

romi_lease_t *
romi_server_lease (rom_server_t *self)
{
    return &self->lease;
}

const romi_type_entry_t *
romi_server_find_type (rom_server_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_types; i++)
        if (strcmp (self->types[i].type->name, name) == 0)
            return &self->types[i];
    return NULL;
}

romi_map_t *
romi_server_ref_types (rom_server_t *self)
{
    return &self->ref_types;
}

romi_objects_t *
romi_server_objects (rom_server_t *self)
{
    return &self->objects;
}

size_t
romi_server_max_message (const rom_server_t *self)
{
    return self->max_message;
}

romi_session_t *
romi_server_session (rom_server_t *self, uint64_t id)
{
    return romi_map_get (&self->sessions, id);
}

romi_session_t *
romi_server_session_new (rom_server_t *self)
{
    romi_session_t *session = calloc (1, sizeof *session);
    if (!session)
        return NULL;
    // Random ids: a peer cannot name another's session by counting from its own.
    do
        session->id = romi_random64 ();
    while (romi_map_get (&self->sessions, session->id) || romi_map_get (&self->lost, session->id));
    session->secret = romi_random64 ();
    session->owner_key = self->next_owner_key < UINT32_MAX ? ++self->next_owner_key : 0; // object.c
    session->last_seen_ms = romi_now_ms ();
    romi_map_init (&session->refs);
    if (romi_map_put (&self->sessions, session->id, session) != 0) {
        free (session);
        return NULL;
    }
    return session;
}

static void s_session_leave (rom_server_t *self, uint64_t session, uint32_t owner_key);

// Destroy the objects an ending session left unheld (flagged ROM_OBJECT_ORPHAN by s_session_leave ()), by id:
// a destructor may take others with it. Without memory for the list of ids, rescan for the flag.
static void
s_destroy_orphans (rom_server_t *self, const uint64_t *ids, size_t n_ids, bool listed)
{
    for (size_t i = 0; i < n_ids; i++) {
        romi_object_t *object = romi_objects_find (&self->objects, ids[i]);
        if (object && (object->flags & ROM_OBJECT_ORPHAN)) {
            object->flags &= ~ROM_OBJECT_ORPHAN;
            if (romi_object_unheld (object)) // not taken again meanwhile (a hook's reply)
                s_object_destroy (self, object);
        }
    }
    for (bool found = !listed; found;) {
        found = false;
        romi_object_t *object;
        size_t cursor = 0;
        while (romi_objects_next (&self->objects, &cursor, &object))
            if (object->flags & ROM_OBJECT_ORPHAN) {
                object->flags &= ~ROM_OBJECT_ORPHAN;
                if (romi_object_unheld (object))
                    s_object_destroy (self, object);
                found = true;
                break;
            }
    }
}

#define ROM_LOST_KEEP 4096u // lost sessions remembered for their clients' ROM_SESSION_LOST (16 B each)

// Remember that `id` was lost now; the oldest memory goes when the ring is full.
static void
s_session_remember (rom_server_t *self, uint64_t id)
{
    if (!self->lost_ring && !(self->lost_ring = calloc (ROM_LOST_KEEP, sizeof *self->lost_ring)))
        return; // then its client is told DENIED instead: its session is unknown
    uint64_t *slot = &self->lost_ring[self->lost_next++ % ROM_LOST_KEEP];
    if (*slot)
        romi_map_remove (&self->lost, *slot);
    if (romi_map_put (&self->lost, id, (void *) (uintptr_t) (romi_now_ms () | 1)) == 0)
        *slot = id;
    else
        *slot = 0;
}

bool
romi_server_session_lost (rom_server_t *self, uint64_t id, char *buf, size_t size)
{
    uintptr_t when = (uintptr_t) romi_map_get (&self->lost, id);
    if (!when)
        return false;
    uint64_t ago = romi_now_ms () - (uint64_t) when;
    snprintf (buf, size, "session %016llx ended %llu.%llu s ago, when its last connection closed or was silent "
              "past the session timeout of %u ms", (unsigned long long) id, (unsigned long long) (ago / 1000),
              (unsigned long long) (ago % 1000 / 100), self->lease.timeout_ms);
    return true;
}

uint64_t
romi_server_incarnation (const rom_server_t *self)
{
    return self->incarnation;
}

void
romi_server_session_end (rom_server_t *self, romi_session_t *session, romi_session_end_t why)
{
    if (why == ROM_SESSION_END_LOST)
        s_session_remember (self, session->id);
    // Its waiting calls and hooks, and the references it holds as owner (object.c): one walk.
    s_session_leave (self, session->id, session->owner_key);
    // Then the references in its map; objects left with none (and no name) die now.
    uint64_t id;
    void *count;
    size_t cursor = 0;
    while (romi_map_next (&session->refs, &cursor, &id, &count)) {
        romi_object_t *object = romi_objects_find (&self->objects, id);
        if (!object)
            continue;
        object->refs -= (uint32_t) (uintptr_t) count < object->refs ? (uint32_t) (uintptr_t) count : object->refs;
        if (romi_object_unheld (object))
            s_object_destroy (self, object);
    }
    romi_map_clear (&session->refs);
    romi_lease_forget (session);
    romi_map_remove (&self->sessions, session->id);
    free (session);
}

void
romi_server_object_release (rom_server_t *self, romi_object_t *object)
{
    s_object_destroy (self, object);
}

// --- calls --------------------------------------------------------------------------------------------------

static rom_call_t *
s_call_new (rom_server_t *self)
{
    rom_call_t *call = self->free_calls;
    if (call) {
        self->free_calls = call->next;
        self->n_free_calls--;
    } else if (!(call = malloc (sizeof *call)))
        return NULL;
    // Only the head of the call is reset: the arena's inline buffer is scratch space.
    memset (call, 0, offsetof (rom_call_t, arena));
    call->arena.chunks = NULL;
    call->arena.used = 0;
    call->server = self;
    call->heap_index = SIZE_MAX;
    zmq_msg_init (&call->peer);
    return call;
}

static void
s_call_free (rom_server_t *self, rom_call_t *call)
{
    romi_arena_reset (&call->arena);
    zmq_msg_close (&call->peer);
    if (self->n_free_calls < ROM_SERVER_FREE_CALLS) {
        call->next = self->free_calls;
        self->free_calls = call;
        self->n_free_calls++;
    } else
        free (call);
}

// Send the batched replies (wire.c): one alone as a plain reply, several as [peer][empty][entries]. Called
// at the end of each pass of the loop, before it can block: a reply waits at most for the calls that
// arrived with its own, and a lone sync call's reply goes out as soon as it would unbatched.
static void
s_batch_flush (rom_server_t *self)
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
s_batch_add (rom_server_t *self, zmq_msg_t *peer, const Rom__ReplyHeader *header, const ProtobufCMessage *output)
{
    size_t hsize = protobuf_c_message_get_packed_size (&header->base);
    size_t psize = output ? protobuf_c_message_get_packed_size (output) : 0;
    if (hsize + psize > ROM_SERVER_BATCH_ENTRY)
        return false;
    if (self->batch.count > 0
        && (zmq_msg_size (&self->batch.peer) != zmq_msg_size (peer)
            || memcmp (zmq_msg_data (&self->batch.peer), zmq_msg_data (peer), zmq_msg_size (peer)) != 0))
        s_batch_flush (self);
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
    self->batch.size += romi_wire_batch_put (self->batch.buf + self->batch.size, &header->base, hsize, output, psize);
    if (++self->batch.count >= ROM_SERVER_BATCH || self->batch.size >= ROM_SERVER_BATCH_BYTES)
        s_batch_flush (self);
    return true;
}

// Send [peer][ReplyHeader][payload] without waiting: a peer that does not read its replies (or is gone)
// loses this one, it does not stop the server. With `batch_ok` (the caller reads batched replies) it may
// wait in the batch until the end of this pass of the loop.
static void
s_send_reply (rom_server_t *self, zmq_msg_t *peer, uint64_t call_id, rom_status_t status, const char *error,
              const ProtobufCMessage *output, bool batch_ok, uint64_t incarnation)
{
    Rom__ReplyHeader header = ROM__REPLY_HEADER__INIT;
    header.call_id = call_id;
    header.incarnation = incarnation;
    header.status = (uint32_t) status;
    header.error = (char *) (error ? error : "");
    if (batch_ok && s_batch_add (self, peer, &header, status == ROM_OK ? output : NULL))
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
    if (romi_wire_send_header (self->router, &header.base, ZMQ_SNDMORE | ZMQ_DONTWAIT) != 0
        || romi_wire_send_message (self->router, status == ROM_OK ? output : NULL, ZMQ_DONTWAIT) != 0)
        self->dropped++;
}

// Answer a request that never became a call (bad header, unknown object, no session, ...), with this run's
// incarnation: a client that reached a restarted server learns it here.
static void
s_refuse (rom_server_t *self, zmq_msg_t *peer, uint64_t call_id, uint32_t flags, rom_status_t status,
          const char *fmt, ...) __attribute__ ((format (printf, 6, 7)));

static void
s_refuse (rom_server_t *self, zmq_msg_t *peer, uint64_t call_id, uint32_t flags, rom_status_t status,
          const char *fmt, ...)
{
    if (flags & ROM__CALL_FLAGS__CALL_ONEWAY) {
        self->dropped++;
        return;
    }
    char error[ROM_ERRMSG_MAX];
    va_list ap;
    va_start (ap, fmt);
    romi_format (error, sizeof error, fmt, ap);
    va_end (ap);
    s_send_reply (self, peer, call_id, status, error, NULL, false, self->incarnation);
}

void
romi_server_reply (rom_server_t *self, rom_call_t *call, rom_status_t status)
{
    status = romi_refs_export (self, call, status);
    if (!(call->flags & ROM__CALL_FLAGS__CALL_ONEWAY)) {
        char error[ROM_ERRMSG_MAX + 128] = "";
        if (status != ROM_OK) {
            char what[256];
            romi_call_describe (call, what, sizeof what);
            snprintf (error, sizeof error, "%s: %s", what, call->errmsg ? call->errmsg : rom_strerror (status));
            if (strlen (error) >= ROM_ERRMSG_MAX)
                error[ROM_ERRMSG_MAX - 1] = '\0';
        }
        s_send_reply (self, &call->peer, call->call_id, status, status == ROM_OK ? NULL : error, call->output,
                      call->flags & ROM__CALL_FLAGS__CALL_BATCH_OK, 0);
    }
    s_call_free (self, call);
}

// --- deferred calls and their deadlines -------------------------------------------------------------------

static void
s_heap_swap (rom_server_t *self, size_t a, size_t b)
{
    rom_call_t *t = self->heap[a];
    self->heap[a] = self->heap[b];
    self->heap[b] = t;
    self->heap[a]->heap_index = a;
    self->heap[b]->heap_index = b;
}

static void
s_heap_up (rom_server_t *self, size_t i)
{
    while (i > 0 && self->heap[(i - 1) / 2]->deadline_ms > self->heap[i]->deadline_ms) {
        s_heap_swap (self, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void
s_heap_down (rom_server_t *self, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < self->heap_size && self->heap[l]->deadline_ms < self->heap[m]->deadline_ms)
            m = l;
        if (r < self->heap_size && self->heap[r]->deadline_ms < self->heap[m]->deadline_ms)
            m = r;
        if (m == i)
            return;
        s_heap_swap (self, i, m);
        i = m;
    }
}

static int
s_heap_push (rom_server_t *self, rom_call_t *call)
{
    if (self->heap_size == self->heap_capacity) {
        size_t capacity = self->heap_capacity ? self->heap_capacity * 2 : 64;
        rom_call_t **heap = realloc (self->heap, capacity * sizeof *heap);
        if (!heap)
            return -1;
        self->heap = heap;
        self->heap_capacity = capacity;
    }
    call->heap_index = self->heap_size;
    self->heap[self->heap_size++] = call;
    s_heap_up (self, call->heap_index);
    return 0;
}

static void
s_heap_remove (rom_server_t *self, rom_call_t *call)
{
    size_t i = call->heap_index;
    if (i == SIZE_MAX)
        return;
    call->heap_index = SIZE_MAX;
    self->heap_size--;
    if (i == self->heap_size)
        return;
    self->heap[i] = self->heap[self->heap_size];
    self->heap[i]->heap_index = i;
    s_heap_up (self, i);
    s_heap_down (self, self->heap[i]->heap_index);
}

void
romi_server_unlink_deferred (rom_server_t *self, rom_call_t *call)
{
    s_heap_remove (self, call);
    if (call->object) {
        romi_object_ext_t *ext = romi_objects_ext (&self->objects, call->object);
        if (call->prev)
            call->prev->next = call->next;
        else if (ext && ext->deferred == call)
            ext->deferred = call->next;
        if (call->next)
            call->next->prev = call->prev;
    }
    call->next = call->prev = NULL;
}

// End a deferred call that will not complete: the servant forgets it (on_cancel may set the status with
// rom_call_fail (), a queue answers EMPTY rather than TIMEOUT), then the caller is told.
static void
s_cancel (rom_server_t *self, rom_call_t *call, rom_status_t status, const char *why)
{
    romi_server_unlink_deferred (self, call);
    call->errmsg = NULL;
    if (call->on_cancel && call->object)
        call->on_cancel (call->object->self, call);
    if (!call->errmsg)
        rom_call_fail (call, status, "%s", why);
    romi_server_reply (self, call, call->fail_status);
}

static void
s_expire (rom_server_t *self)
{
    uint64_t now = romi_now_ms ();
    while (self->heap_size > 0 && self->heap[0]->deadline_ms <= now)
        s_cancel (self, self->heap[0], ROM_TIMEOUT, "timed out waiting (the caller's deadline passed)");
}

// What an ending session leaves in objects: its waiting calls are cancelled (their servants forget them),
// then each object that asked (rom_call_on_session_end ()) is told, so a lock it held is released, and the
// references it holds as an object's owner are dropped (object.c); objects that leaves unheld die after the
// walk (a destructor would change the table under it). One walk over all objects: sessions end far less
// often than calls arrive, and no index of a session's objects has to be kept in step.
static void
s_session_leave (rom_server_t *self, uint64_t session, uint32_t owner_key)
{
    uint64_t *orphans = NULL;
    size_t n_orphans = 0, orphans_capacity = 0;
    bool listed = true;
    romi_object_t *object;
    size_t cursor = 0;
    while (romi_objects_next (&self->objects, &cursor, &object)) {
        romi_object_ext_t *ext = romi_objects_ext (&self->objects, object);
        if (ext) {
            for (rom_call_t *call = ext->deferred; call;)
                if (call->session == session) {
                    s_cancel (self, call, ROM_CLOSED, "the caller's session ended while the call waited");
                    call = ext->deferred; // on_cancel may have completed others: start over
                } else
                    call = call->next;
            if (ext->on_session_end)
                ext->on_session_end (object->self, session);
        }
        if (!owner_key || !romi_objects_disown (object, owner_key))
            continue;
        object->flags |= ROM_OBJECT_ORPHAN;
        if (n_orphans == orphans_capacity && listed) {
            size_t capacity = orphans_capacity ? orphans_capacity * 2 : 64;
            uint64_t *grown = realloc (orphans, capacity * sizeof *grown);
            if (grown) {
                orphans = grown;
                orphans_capacity = capacity;
            } else
                listed = false; // s_destroy_orphans () finds the rest by their flag
        }
        if (listed)
            orphans[n_orphans++] = object->id;
    }
    if (n_orphans || !listed)
        s_destroy_orphans (self, orphans, n_orphans, listed);
    free (orphans);
}

static void
s_object_destroy (rom_server_t *self, romi_object_t *object)
{
    if (self->pool && (object->entry->type->flags & ROM_TYPE_POOL)) {
        if (self->pool_stopped) // the server is going away: calls that never ran are answered CLOSED
            romi_pool_cancel_mail (self->pool, object, self, s_pool_cancelled);
        else if (romi_pool_busy (self->pool, object)) {
            // Calls accepted before it lost its last reference still run, in order, as they would inline;
            // it dies when they are back (s_pool_done).
            object->flags |= ROM_OBJECT_DESTROY_PENDING;
            return;
        }
    }
    object->flags |= ROM_OBJECT_DYING;
    romi_object_ext_t *ext = romi_objects_ext (&self->objects, object);
    while (ext && ext->deferred)
        s_cancel (self, ext->deferred, ROM_CLOSED, "the object was destroyed while the call waited");
    const rom_type_t *type = object->entry->type;
    if (type->destroy)
        type->destroy (object->entry->servant, object->self);
    romi_refs_drop_held (self, object);
    romi_objects_remove (&self->objects, &object);
}

// A call of a pool type is back from its worker: answer it as an inline call is answered, and destroy its
// object if that waited for the pool to let go of it.
static void
s_pool_done (rom_server_t *self, rom_call_t *call, rom_status_t status)
{
    romi_object_t *object = call->object;
    if (status == ROM_DEFERRED)
        status = rom_call_fail (call, ROM_INTERNAL,
                                "a method of a pool type cannot answer later; block in an inline type instead");
    romi_server_reply (self, call, status);
    if ((object->flags & ROM_OBJECT_DESTROY_PENDING) && !romi_pool_busy (self->pool, object)) {
        object->flags &= ~ROM_OBJECT_DESTROY_PENDING;
        if (romi_object_unheld (object)) // not taken again meanwhile
            s_object_destroy (self, object);
    }
}

static void
s_pool_cancelled (rom_server_t *self, rom_call_t *call, rom_status_t status)
{
    romi_server_reply (self, call, rom_call_fail (call, status, "the object was destroyed before the call ran"));
}

// --- dispatch -----------------------------------------------------------------------------------------------

static void
s_dispatch (rom_server_t *self, zmq_msg_t *peer, const Rom__CallHeader *header, zmq_msg_t *payload)
{
    const romi_type_entry_t *entry = &self->manager;
    romi_object_t *object = NULL;
    uint32_t flags = header->flags;
    // Which connection the call came on: a dead client is found by its connections (lease.c).
    self->lease.current_fd = zmq_msg_get (payload, ZMQ_SRCFD);
    if (header->incarnation && header->incarnation != self->incarnation) {
        // Ids restart with every run: an object of the previous run must never be confused with one of
        // this run that has its id.
        s_refuse (self, peer, header->call_id, flags, ROM_NO_OBJECT,
                  "object %llu (method %u): this server restarted since the caller's proxy was made: its object "
                  "belonged to the previous run", (unsigned long long) header->object_id, header->method);
        return;
    }
    // Sessions belong to the connections they were opened or joined on: every call but a hello names one,
    // and only from one of those connections, so no peer can act in another's name (release its
    // references, free its locks, end it).
    if (header->object_id != ROM_MANAGER_ID || header->method != ROM_MANAGER_HELLO) {
        romi_session_t *session = header->session ? romi_map_get (&self->sessions, header->session) : NULL;
        if (!session || !romi_lease_touch (session, peer, self->lease.current_fd, false)) {
            char lost[ROM_ERRMSG_MAX];
            if (!header->session)
                s_refuse (self, peer, header->call_id, flags, ROM_DENIED,
                          "object %llu (method %u): no session: a client says hello (Manager.Hello) first",
                          (unsigned long long) header->object_id, header->method);
            else if (!session && romi_server_session_lost (self, header->session, lost, sizeof lost))
                s_refuse (self, peer, header->call_id, flags, ROM_SESSION_LOST, "object %llu (method %u): %s",
                          (unsigned long long) header->object_id, header->method, lost);
            else
                s_refuse (self, peer, header->call_id, flags, ROM_DENIED,
                          "object %llu (method %u): session %016llx %s", (unsigned long long) header->object_id,
                          header->method, (unsigned long long) header->session,
                          session ? "belongs to another connection" : "is unknown to this server run");
            return;
        }
    }
    if (header->object_id != ROM_MANAGER_ID) {
        object = romi_objects_find (&self->objects, header->object_id);
        if (!object) {
            s_refuse (self, peer, header->call_id, flags, ROM_NO_OBJECT,
                      "object %llu (method %u): no such object (destroyed, or never created on this server)",
                      (unsigned long long) header->object_id, header->method);
            return;
        }
        entry = object->entry;
        if (header->type_hash != 0 && header->type_hash != entry->type->hash) {
            s_refuse (self, peer, header->call_id, flags, ROM_WRONG_TYPE,
                      "%s#%llu: the caller expects another type (type hash %08x, this is %08x)",
                      entry->type->name, (unsigned long long) object->id, header->type_hash, entry->type->hash);
            return;
        }
    }
    const rom_type_t *type = entry->type;
    if (header->method >= type->n_methods) {
        s_refuse (self, peer, header->call_id, flags, ROM_NO_METHOD, "%s#%llu: no method %u (%s has %u)",
                  type->name, (unsigned long long) header->object_id, header->method, type->name,
                  type->n_methods);
        return;
    }
    const rom_method_t *method = &type->methods[header->method];
    size_t size = zmq_msg_size (payload);
    if (size > self->max_message) {
        s_refuse (self, peer, header->call_id, flags, ROM_TOO_LARGE,
                  "%s#%llu.%s: payload of %zu bytes is over this server's limit of %zu bytes", type->name,
                  (unsigned long long) header->object_id, method->name, size, self->max_message);
        return;
    }
    rom_call_t *call = s_call_new (self);
    if (!call) {
        s_refuse (self, peer, header->call_id, flags, ROM_NOMEM, "%s#%llu.%s: server out of memory",
                  type->name, (unsigned long long) header->object_id, method->name);
        return;
    }
    call->object = object;
    call->method = method;
    call->call_id = header->call_id;
    call->session = header->session;
    call->fd = self->lease.current_fd;
    call->flags = flags;
    if (header->timeout_ms)
        call->deadline_ms = romi_now_ms () + header->timeout_ms;
    zmq_msg_move (&call->peer, peer);

    if (romi_wire_too_deep (method->input, zmq_msg_data (payload), size)) {
        rom_call_fail (call, ROM_BAD_REQUEST, "payload (%zu bytes) nests messages deeper than %u levels", size,
                       ROM_MAX_DEPTH);
        romi_server_reply (self, call, ROM_BAD_REQUEST);
        return;
    }
    ProtobufCAllocator allocator;
    rom_call_allocator (call, &allocator);
    call->input = protobuf_c_message_unpack (method->input, &allocator, size, zmq_msg_data (payload));
    if (!call->input) {
        rom_call_fail (call, ROM_BAD_REQUEST, "payload (%zu bytes) is not a valid %s", size,
                       method->input->name);
        romi_server_reply (self, call, ROM_BAD_REQUEST);
        return;
    }
    call->output = romi_arena_alloc (&call->arena, method->output->sizeof_message);
    if (!call->output) {
        romi_server_reply (self, call, rom_call_fail (call, ROM_NOMEM, "server out of memory"));
        return;
    }
    method->output->message_init (call->output);

    if (object && (type->flags & ROM_TYPE_POOL)) {
        rom_status_t posted = romi_pool_submit (self->pool, call);
        if (posted != ROM_OK)
            romi_server_reply (self, call, rom_call_fail (call, posted, "cannot post the call to the worker pool"));
        return;
    }
    rom_status_t status = method->invoke (entry->servant, object ? object->self : NULL, call->input,
                                          call->output, call);
    if (status != ROM_DEFERRED) {
        romi_server_reply (self, call, status);
        return;
    }
    if (!object) {
        // Only servants defer; the manager's own methods never do.
        romi_server_reply (self, call, rom_call_fail (call, ROM_INTERNAL, "deferred a manager call"));
        return;
    }
    romi_object_ext_t *ext = romi_objects_ext_make (&self->objects, object);
    if (!ext) {
        call->next = call->prev = NULL; // in no list
        s_cancel (self, call, ROM_NOMEM, "server out of memory for a waiting call"); // the servant forgets it
        return;
    }
    call->next = ext->deferred;
    if (ext->deferred)
        ext->deferred->prev = call;
    ext->deferred = call;
    if (call->deadline_ms && s_heap_push (self, call) != 0)
        s_cancel (self, call, ROM_NOMEM, "server out of memory for the call's deadline");
}

// "type#id.Method" for the target of a header that is refused before it became a call, as far as the
// server knows it: the caller learns which of its calls was malformed.
static void
s_describe_target (rom_server_t *self, const Rom__CallHeader *header, char *buf, size_t size)
{
    const rom_type_t *type = &romi_manager_type;
    const romi_object_t *object = NULL;
    if (header->object_id != ROM_MANAGER_ID) {
        object = romi_objects_find (&self->objects, header->object_id);
        type = object ? object->entry->type : NULL;
    }
    if (!type)
        snprintf (buf, size, "object %llu (method %u)", (unsigned long long) header->object_id, header->method);
    else if (header->method >= type->n_methods)
        snprintf (buf, size, "%s#%llu (method %u)", type->name, (unsigned long long) header->object_id,
                  header->method);
    else if (object)
        snprintf (buf, size, "%s#%llu.%s", type->name, (unsigned long long) object->id,
                  type->methods[header->method].name);
    else
        snprintf (buf, size, "%s.%s", type->name, type->methods[header->method].name);
}

// Receive one message from the router and handle it. Returns false when no message is waiting.
static bool
s_handle_one (rom_server_t *self)
{
    zmq_msg_t frames[3];
    size_t n = 0;
    int more = 1;
    zmq_msg_init (&frames[0]);
    if (zmq_msg_recv (&frames[0], self->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&frames[0]);
        return false;
    }
    n = 1;
    more = zmq_msg_more (&frames[0]);
    size_t extra = 0;
    while (more) {
        zmq_msg_t *frame = n < 3 ? &frames[n] : NULL;
        zmq_msg_t scratch;
        zmq_msg_init (frame ? frame : &scratch);
        if (zmq_msg_recv (frame ? frame : &scratch, self->router, 0) < 0) {
            zmq_msg_close (frame ? frame : &scratch);
            break;
        }
        more = zmq_msg_more (frame ? frame : &scratch);
        if (frame)
            n++;
        else {
            zmq_msg_close (&scratch);
            extra++;
        }
    }
    Rom__CallHeader *header = NULL;
    if (n < 2) {
        self->dropped++; // a peer frame alone: nothing to answer
        goto done;
    }
    header = romi_wire_decode_call (zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]));
    if (!header) {
        s_refuse (self, &frames[0], 0, 0, ROM_BAD_REQUEST,
                  "malformed call: the first frame (%zu bytes) is not a rom.CallHeader",
                  zmq_msg_size (&frames[1]));
        goto done;
    }
    // The version first: under another version the other fields (and the frame layout) may mean something
    // else, and an empty frame decodes as a header of version 0.
    if (header->version != ROM_PROTOCOL_VERSION) {
        s_refuse (self, &frames[0], header->call_id, header->flags, ROM_BAD_REQUEST,
                  "protocol version %u is not supported (this server speaks version %u)", header->version,
                  ROM_PROTOCOL_VERSION);
        goto done;
    }
    if (n != 3 || extra) {
        char what[256];
        s_describe_target (self, header, what, sizeof what);
        s_refuse (self, &frames[0], header->call_id, header->flags, ROM_BAD_REQUEST,
                  "%s: malformed call: %zu frames after the header, expected exactly one payload frame", what,
                  n - 2 + extra);
        goto done;
    }
    s_dispatch (self, &frames[0], header, &frames[2]);
done:
    if (header)
        protobuf_c_message_free_unpacked (&header->base, NULL);
    for (size_t i = 0; i < n; i++)
        zmq_msg_close (&frames[i]);
    return true;
}

// Refuse what is queued on the router with UNAVAILABLE ("shutting down"), at most `max` messages.
static void
s_refuse_queued (rom_server_t *self, unsigned max)
{
    for (unsigned i = 0; i < max; i++) {
        zmq_msg_t frames[3];
        size_t n = 0;
        int more = 1;
        while (more && n < 3) {
            zmq_msg_init (&frames[n]);
            if (zmq_msg_recv (&frames[n], self->router, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close (&frames[n]);
                break;
            }
            more = zmq_msg_more (&frames[n]);
            n++;
        }
        if (n == 0)
            break;
        while (more) { // more frames than a call has: discard them
            zmq_msg_t scratch;
            zmq_msg_init (&scratch);
            if (zmq_msg_recv (&scratch, self->router, 0) < 0)
                more = 0;
            else
                more = zmq_msg_more (&scratch);
            zmq_msg_close (&scratch);
        }
        Rom__CallHeader *header = n >= 2 ? romi_wire_decode_call (zmq_msg_data (&frames[1]),
                                                                 zmq_msg_size (&frames[1]))
                                         : NULL;
        if (header) {
            s_refuse (self, &frames[0], header->call_id, header->flags, ROM_UNAVAILABLE,
                      "the server is shutting down");
            protobuf_c_message_free_unpacked (&header->base, NULL);
        }
        for (size_t k = 0; k < n; k++)
            zmq_msg_close (&frames[k]);
    }
}

// After a stop: answer what is still queued with UNAVAILABLE, and every waiting call too; then keep refusing
// newcomers for a short quiet period. That period is what lets the last replies out: they are written by
// ZMQ's I/O thread, and closing the socket right after queueing them loses some despite its linger (libzmq
// 4.3.4 with heartbeats or handover: one stop in ~40 lost the reply of the call in flight). Callers that come
// meanwhile learn ROM_UNAVAILABLE at once instead of waiting out their deadline.
#define ROM_STOP_QUIET_MS 100u
static void
s_drain (rom_server_t *self)
{
    s_refuse_queued (self, 4 * ROM_SERVER_BATCH);
    // Calls the workers have are in flight: they finish and are answered.
    while (romi_pool_in_flight (self->pool) > 0) {
        zmq_pollitem_t item = {.fd = romi_pool_fd (self->pool), .events = ZMQ_POLLIN};
        zmq_poll (&item, 1, 100);
        romi_pool_collect (self->pool, self, s_pool_done);
    }
    romi_object_t *object;
    size_t cursor = 0;
    while (romi_objects_next (&self->objects, &cursor, &object)) {
        romi_object_ext_t *ext = romi_objects_ext (&self->objects, object);
        while (ext && ext->deferred)
            s_cancel (self, ext->deferred, ROM_UNAVAILABLE, "the server is shutting down");
    }
    s_batch_flush (self);
    for (uint64_t now = romi_now_ms (), until = now + ROM_STOP_QUIET_MS; now < until; now = romi_now_ms ()) {
        zmq_pollitem_t item = {.socket = self->router, .events = ZMQ_POLLIN};
        if (zmq_poll (&item, 1, (long) (until - now)) > 0)
            s_refuse_queued (self, ROM_SERVER_BATCH);
    }
}

// After a pass that handled calls, look for the next one for up to spin_us before sleeping in zmq_poll ().
// On these 2-vCPU VMs a thread that sleeps lets its vCPU halt, and waking a halted vCPU is what makes a
// wake-up cost 15-20 us; a caller's next call usually comes sooner than that when it is busy. Measured
// (bench/, sync Counter.increment over ipc): p50 87 -> 32 us with 1 client; 4 clients on one object
// 35 k -> 41-47 k calls/s. A plain spin: yielding between looks measured no better with 1 client and cost
// the 4-client case its gain (every yield was a context switch to a runnable client). Spinning on the
// client side measured 3x slower (it takes the CPU from the I/O threads), so only the server spins, and
// only after calls: an idle server sleeps at once. Where this thread may run on one CPU only (affinity), it
// does not spin at all: its own I/O thread would wait for the spin to end (p50 doubled, measured). True
// when a message is waiting.
static bool
s_spin (rom_server_t *self)
{
    uint64_t now_ms = romi_now_ms ();
    if (now_ms - self->cpus_checked_ms >= 100) { // affinity rarely changes: look at most ten times a second
        cpu_set_t cpus;
        self->one_cpu = sched_getaffinity (0, sizeof cpus, &cpus) == 0 && CPU_COUNT (&cpus) < 2;
        self->cpus_checked_ms = now_ms;
    }
    if (self->one_cpu)
        return false;
    uint64_t until = romi_now_us () + self->spin_us;
    do {
        uint32_t events = 0;
        size_t size = sizeof events;
        if (zmq_getsockopt (self->router, ZMQ_EVENTS, &events, &size) != 0)
            return false;
        if (events & ZMQ_POLLIN)
            return true;
        __builtin_ia32_pause ();
    } while (!self->stopping && romi_now_us () < until);
    return false;
}

rom_status_t
rom_server_run (rom_server_t *self)
{
    if (!self)
        return ROM_INVALID;
    if (!self->endpoint)
        return s_fail (self, ROM_INVALID, "run: the server is bound to no endpoint");
    self->running = true;
    rom_status_t status = ROM_OK;
    bool busy = false; // the last pass handled a call
    while (!self->stopping) {
        long timeout = -1;
        uint64_t now = romi_now_ms ();
        if (self->heap_size > 0) {
            uint64_t deadline = self->heap[0]->deadline_ms;
            timeout = deadline > now ? (long) (deadline - now) : 0;
        }
        timeout = romi_lease_poll_timeout (&self->lease, now, timeout);
        // Not while the worker pool runs calls: their completions wake the poll (romi_pool_fd), not the spin.
        if (busy && timeout != 0 && self->spin_us && !(self->pool && romi_pool_in_flight (self->pool) > 0)
            && s_spin (self))
            timeout = 0;
        zmq_pollitem_t items[] = {
            {.socket = self->router, .events = ZMQ_POLLIN},
            {.fd = self->wake[0], .events = ZMQ_POLLIN},
            {.socket = self->lease.monitor, .events = ZMQ_POLLIN},
            {.fd = romi_pool_fd (self->pool), .events = ZMQ_POLLIN},
            {.fd = self->stop_fd, .events = ZMQ_POLLIN},
        };
        if (zmq_poll (items, self->stop_fd >= 0 ? 5 : 4, timeout) < 0) {
            if (errno == EINTR)
                continue;
            status = s_fail (self, ROM_INTERNAL, "poll: %s", zmq_strerror (errno));
            break;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            char buf[64];
            while (read (self->wake[0], buf, sizeof buf) > 0)
                ;
        }
        if (items[3].revents & ZMQ_POLLIN)
            romi_pool_collect (self->pool, self, s_pool_done);
        if (self->stop_fd >= 0 && items[4].revents)
            self->stopping = 1; // the owner is gone (romi_server_stop_on_fd ())
        busy = false;
        for (unsigned i = 0; i < ROM_SERVER_BATCH && !self->stopping; i++) {
            if (!s_handle_one (self))
                break;
            busy = true;
        }
        s_expire (self);
        now = romi_now_ms ();
        if (items[2].revents & ZMQ_POLLIN)
            romi_lease_on_monitor (&self->lease, &self->sessions, now);
        romi_lease_sweep (&self->lease, self, self->router, &self->sessions, now);
        s_batch_flush (self);
    }
    s_drain (self);
    self->running = false;
    self->stopping = 0;
    return status;
}

static rom_server_t *volatile s_serving; // the server of rom_server_serve_forever (), for its handler

static void
s_on_stop_signal (int signo)
{
    (void) signo;
    rom_server_stop (s_serving); // async-signal-safe; accepts NULL
}

rom_status_t
rom_server_serve_forever (rom_server_t *self)
{
    if (!self)
        return ROM_INVALID;
    struct sigaction sa, old_int, old_term;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_stop_signal;
    sigemptyset (&sa.sa_mask);
    s_serving = self;
    sigaction (SIGINT, &sa, &old_int);
    sigaction (SIGTERM, &sa, &old_term);
    rom_status_t status = rom_server_run (self);
    sigaction (SIGINT, &old_int, NULL);
    sigaction (SIGTERM, &old_term, NULL);
    s_serving = NULL;
    // A stopped server takes no connection any more: its socket files go now, not at destroy, so a
    // program that exits without destroying leaves none behind.
    s_unlink_ipc (self);
    return status;
}

void
romi_server_stop_on_fd (rom_server_t *self, int fd)
{
    self->stop_fd = fd;
}

static void *
s_thread_main (void *arg)
{
    rom_server_run (arg);
    return NULL;
}

rom_status_t
rom_server_start (rom_server_t *self)
{
    if (!self)
        return ROM_INVALID;
    if (self->thread_started)
        return s_fail (self, ROM_INVALID, "start: the server runs already");
    if (!self->endpoint)
        return s_fail (self, ROM_INVALID, "start: the server is bound to no endpoint");
    // Block every signal in the server thread: they belong to the application's threads.
    sigset_t all, old;
    sigfillset (&all);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    int rc = pthread_create (&self->thread, NULL, s_thread_main, self);
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return s_fail (self, ROM_INTERNAL, "start: cannot create the server thread: %s", strerror (rc));
    self->thread_started = true;
    return ROM_OK;
}
