// server.c: the manager server's loop: one ROUTER socket, one thread, calls dispatched to objects.
//
// Every request is [peer][CallHeader][payload]. The loop decodes the header, finds the object, unpacks the
// payload into the call's arena and runs the servant's method right here (DESIGN decision 3: a hand-off to
// another thread costs two wake-ups, more than the call itself). Calls to one object are thereby
// serialized and each method is atomic. Methods that must wait (a queue's get) return ROM_DEFERRED and are
// answered later (deferred.c); their deadlines set the poll timeout.
//
// Nothing a peer sends can stop the loop: a malformed message is answered with BAD_REQUEST when it has a
// readable header and dropped otherwise; a reply that cannot be sent at once (a peer that does not read, or
// is gone) is dropped rather than waited for, so one client cannot stall the others.
//
// This file is the top of the server's layers (romi_server.h lists them): it owns one of each part (the
// socket, the hosted state, the replies, the deferred calls, the lease, the pool), wires them together,
// and holds only the loop, the dispatch and the public rom_server_* calls. It hosts no type itself: the
// built-ins are registered by rom_server_new () in runtime/host/, above the core.
#include "rom_private.h"
#include "romi_server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert (ATOMIC_INT_LOCK_FREE == 2, "rom_server_stop () needs a lock-free int in signal handlers");

#define ROM_SERVER_DEFAULT_SPIN_US 200u

static rom_status_t s_fail (rom_server_t *self, rom_status_t status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static rom_status_t
s_fail (rom_server_t *self, rom_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    romi_format (self->errmsg, sizeof self->errmsg, fmt, ap);
    va_end (ap);
    return status;
}

// --- the pool and dying objects ----------------------------------------------------------------------------

// A call of a pool type is back from its worker: answer it as an inline call is answered, and destroy its
// object if that waited for the pool to let go of it.
static void
s_pool_done (void *arg, rom_call_t *call, rom_status_t status)
{
    rom_server_t *self = arg;
    romi_object_t *object = call->object;
    if (status == ROM_DEFERRED)
        status =
            rom_call_fail (call, ROM_INTERNAL,
                           "a method of a pool type cannot answer later; block in an inline type instead");
    romi_reply (&self->replies, call, status);
    if ((object->flags & ROM_OBJECT_DESTROY_PENDING) && !romi_pool_busy (self->pool, object)) {
        object->flags &= ~ROM_OBJECT_DESTROY_PENDING;
        if (romi_object_unheld (object)) // not taken again meanwhile
            romi_hosting_destroy (&self->hosting, object);
    }
}

static void
s_pool_cancelled (void *arg, rom_call_t *call, rom_status_t status)
{
    rom_server_t *self = arg;
    romi_reply (&self->replies, call,
                rom_call_fail (call, status, "the object was destroyed before the call ran"));
}

// The hosting's `dying` hook: what waits on an object is answered before it dies.
static bool
s_object_dying (void *arg, romi_object_t *object)
{
    rom_server_t *self = arg;
    if (self->pool && (object->entry->type->flags & ROM_TYPE_POOL)) {
        if (self->pool_stopped) // the server is going away: calls that never ran are answered CLOSED
            romi_pool_cancel_mail (self->pool, object, s_pool_cancelled, self);
        else if (romi_pool_busy (self->pool, object)) {
            // Calls accepted before it lost its last reference still run, in order, as they would inline;
            // it dies when they are back (s_pool_done).
            object->flags |= ROM_OBJECT_DESTROY_PENDING;
            return false;
        }
    }
    romi_deferred_cancel_object (&self->deferred, object, ROM_CLOSED,
                                 "the object was destroyed while the call waited");
    return true;
}

// --- making and ending a server ----------------------------------------------------------------------------

rom_server_t *
romi_server_create (const rom_server_opts_t *opts)
{
    rom_server_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->stop_fd = -1;
    size_t max_message = opts && opts->max_message ? opts->max_message : ROM_DEFAULT_MAX_MESSAGE;
    self->spin_us = !opts || !opts->spin_us               ? ROM_SERVER_DEFAULT_SPIN_US
                    : opts->spin_us == ROM_SERVER_NO_SPIN ? 0
                                                          : opts->spin_us;
    uint32_t timeout_ms = romi_lease_timeout (opts ? opts->session_timeout_ms : 0);
    romi_hosting_init (&self->hosting, &rom__manager__rom_type, &romi_manager_servant, max_message,
                       timeout_ms);
    self->hosting.limits = (romi_limits_t) {
        .objects = opts && opts->max_objects ? opts->max_objects : ROM_DEFAULT_MAX_OBJECTS,
        .objects_per_session = opts && opts->max_objects_per_session ? opts->max_objects_per_session
                                                                     : ROM_DEFAULT_MAX_OBJECTS_PER_SESSION,
        .sessions = opts && opts->max_sessions ? opts->max_sessions : ROM_DEFAULT_MAX_SESSIONS,
        .name = opts && opts->max_name ? opts->max_name : ROM_DEFAULT_MAX_NAME,
        .pending_per_session = opts && opts->max_pending_per_session ? opts->max_pending_per_session
                                                                     : ROM_DEFAULT_MAX_PENDING_PER_SESSION,
        .waiters_per_object = opts && opts->max_waiters_per_object ? opts->max_waiters_per_object
                                                                   : ROM_DEFAULT_MAX_WAITERS_PER_OBJECT,
    };
    if (opts && opts->private_objects) {
        self->hosting.private_objects = true;
        romi_objects_use_random_ids (&self->hosting.objects);
    }
    self->hosting.dying = s_object_dying;
    self->hosting.dying_arg = self;
    romi_replies_init (&self->replies, &self->io, &self->hosting);
    romi_deferred_init (&self->deferred, &self->replies, &self->hosting);
    romi_lease_init (&self->lease, timeout_ms);
    romi_io_opts_t io_opts = {
        .max_message = max_message,
        .io_threads = opts ? opts->io_threads : 0,
        .session_timeout_ms = timeout_ms,
        .authkey = opts ? opts->authkey : NULL,
        .insecure_tcp = opts && opts->insecure_tcp,
    };
    if (romi_io_open (&self->io, &io_opts) != 0 || !(self->pool = romi_pool_new (opts ? opts->workers : 0))) {
        rom_server_destroy (&self);
        return NULL;
    }
    return self;
}

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
        romi_pool_collect (self->pool, s_pool_done, self);
    }
    // Objects go first: their deferred calls are answered (CLOSED) while the socket still exists.
    romi_hosting_fini (&self->hosting);
    romi_deferred_fini (&self->deferred);
    romi_replies_fini (&self->replies);
    romi_pool_destroy (&self->pool);
    romi_io_close (&self->io);
    free (self);
    *self_p = NULL;
}

rom_status_t
rom_server_bind (rom_server_t *self, const char *endpoint)
{
    if (!self)
        return ROM_INVALID;
    if (!endpoint)
        return s_fail (self, ROM_INVALID, "bind: no endpoint");
    rom_status_t status = romi_io_bind (&self->io, endpoint, self->errmsg);
    if (status == ROM_OK)
        self->hosting.endpoint = self->io.endpoint;
    return status;
}

const char *
rom_server_endpoint (const rom_server_t *self)
{
    return self ? self->io.endpoint : NULL;
}

size_t
rom_server_object_count (const rom_server_t *self)
{
    if (!self)
        return 0;
    return romi_objects_count (&self->hosting.objects);
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
    romi_io_wake (&self->io);
}

void
romi_server_stop_on_fd (rom_server_t *self, int fd)
{
    self->stop_fd = fd;
}

romi_objects_t *
romi_server_objects (rom_server_t *self)
{
    return &self->hosting.objects;
}

// --- dispatch ----------------------------------------------------------------------------------------------

static void
s_dispatch (rom_server_t *self, romi_io_msg_t *msg, const Rom__CallHeader *header)
{
    romi_hosting_t *hosting = &self->hosting;
    const romi_type_entry_t *entry = &hosting->types.manager;
    romi_object_t *object = NULL;
    uint32_t flags = header->flags;
    romi_io_peer_t *peer = romi_io_msg_peer (msg);
    // Which connection the call came on: a dead client is found by its connections (lease.c).
    int fd = romi_io_msg_fd (msg);
    if (header->incarnation && header->incarnation != hosting->incarnation) {
        // Ids restart with every run: an object of the previous run must never be confused with one of
        // this run that has its id.
        romi_refuse (
            &self->replies, peer, header->call_id, flags, ROM_NO_OBJECT,
            "object %llu (method %u): this server restarted since the caller's proxy was made: its object "
            "belonged to the previous run",
            (unsigned long long) header->object_id, header->method);
        return;
    }
    // A hello is a connection's first message (a client says hello again after its connection came back),
    // so its fd may be a reused one: the drop of that fd's previous connection is already in the monitor
    // (libzmq's I/O thread reports a disconnection before it closes the fd, and accepts the fd again only
    // after), but may be read only after this message. Read after, it would pass the new peer for one on the
    // dropped connection; probed alive, its fd would become unknown, and an idle peer of unknown fd is a
    // suspect at every drop of anyone's connection for as long as it stays idle (lease.c). Measured
    // (bench/rom_pressure, ipc, whose connect opens and closes a probe connection first): with 2000 idle
    // clients, 534 of them had ended up so, and pings took 200-300 us instead of 20 while clients came and
    // went. Drops are read first: the new peer is then one on a reused fd number, probed a few times only.
    if (header->object_id == ROM_MANAGER_ID && header->method == ROM__MANAGER_METHOD__HELLO)
        romi_lease_on_drops (&self->io, &hosting->sessions, romi_now_ms ());
    // Sessions belong to the connections they were opened or joined on: every call but a hello names one,
    // and only from one of those connections, so no peer can act in another's name (release its
    // references, free its locks, end it).
    if (header->object_id != ROM_MANAGER_ID || header->method != ROM__MANAGER_METHOD__HELLO) {
        romi_session_t *session = header->session ? romi_sessions_find (&hosting->sessions, header->session)
                                                  : NULL;
        size_t id_size;
        const void *id = romi_io_peer_id (peer, &id_size);
        if (!session || !romi_session_touch (&hosting->sessions, session, id, id_size, fd, false)) {
            char lost[ROM_ERRMSG_MAX];
            if (!header->session)
                romi_refuse (&self->replies, peer, header->call_id, flags, ROM_DENIED,
                             "object %llu (method %u): no session: a client says hello (Manager.Hello) first",
                             (unsigned long long) header->object_id, header->method);
            else if (!session && romi_sessions_lost (&hosting->sessions, header->session, lost, sizeof lost))
                romi_refuse (&self->replies, peer, header->call_id, flags, ROM_SESSION_LOST,
                             "object %llu (method %u): %s", (unsigned long long) header->object_id,
                             header->method, lost);
            else
                romi_refuse (&self->replies, peer, header->call_id, flags, ROM_DENIED,
                             "object %llu (method %u): session %016llx %s",
                             (unsigned long long) header->object_id, header->method,
                             (unsigned long long) header->session,
                             session ? "belongs to another connection" : "is unknown to this server run");
            return;
        }
    }
    if (header->object_id != ROM_MANAGER_ID) {
        object = romi_objects_find (&hosting->objects, header->object_id);
        if (!object) {
            romi_refuse (
                &self->replies, peer, header->call_id, flags, ROM_NO_OBJECT,
                "object %llu (method %u): no such object (destroyed, or never created on this server)",
                (unsigned long long) header->object_id, header->method);
            return;
        }
        entry = object->entry;
        if (header->type_hash != 0 && header->type_hash != entry->type->hash) {
            char what[256];
            romi_describe (what, sizeof what, entry->type->name, object->id, NULL);
            romi_refuse (&self->replies, peer, header->call_id, flags, ROM_WRONG_TYPE,
                         "%s: the caller expects another type (type hash %08x, this is %08x)", what,
                         header->type_hash, entry->type->hash);
            return;
        }
    }
    const rom_type_t *type = entry->type;
    char what[256];
    if (header->method >= type->n_methods) {
        romi_describe (what, sizeof what, type->name, header->object_id, NULL);
        romi_refuse (&self->replies, peer, header->call_id, flags, ROM_NO_METHOD,
                     "%s: no method %u (%s has %u)", what, header->method, type->name, type->n_methods);
        return;
    }
    const rom_method_t *method = &type->methods[header->method];
    if (method->servant_offset
        && !*(void *const *) ((const char *) entry->servant + method->servant_offset)) {
        // Before decoding: an input this server would never use cannot make the answer BAD_REQUEST.
        romi_describe (what, sizeof what, type->name, header->object_id, method->name);
        romi_refuse (&self->replies, peer, header->call_id, flags, ROM_NO_METHOD,
                     "%s: not implemented by this server", what);
        return;
    }
    size_t size;
    const void *data = romi_io_frame (msg, 2, &size);
    if (size > hosting->max_message) {
        romi_describe (what, sizeof what, type->name, header->object_id, method->name);
        romi_refuse (&self->replies, peer, header->call_id, flags, ROM_TOO_LARGE,
                     "%s: payload of %zu bytes is over this server's limit of %zu bytes", what, size,
                     hosting->max_message);
        return;
    }
    rom_call_t *call = romi_replies_call_new (&self->replies);
    if (!call) {
        romi_describe (what, sizeof what, type->name, header->object_id, method->name);
        romi_refuse (&self->replies, peer, header->call_id, flags, ROM_NOMEM, "%s: server out of memory",
                     what);
        return;
    }
    call->server = self;
    call->deferred = &self->deferred;
    call->object = object;
    call->method = method;
    call->call_id = header->call_id;
    call->session = header->session;
    call->fd = fd;
    call->flags = flags;
    if (header->timeout_ms)
        call->deadline_ms = romi_now_ms () + header->timeout_ms;
    romi_io_peer_take (&call->peer, msg);

    if (romi_wire_too_deep (method->input, data, size)) {
        rom_call_fail (call, ROM_BAD_REQUEST, "payload (%zu bytes) nests messages deeper than %u levels",
                       size, ROM_MAX_DEPTH);
        romi_reply (&self->replies, call, ROM_BAD_REQUEST);
        return;
    }
    ProtobufCAllocator allocator;
    rom_call_allocator (call, &allocator);
    call->input = protobuf_c_message_unpack (method->input, &allocator, size, data);
    if (!call->input) {
        rom_call_fail (call, ROM_BAD_REQUEST, "payload (%zu bytes) is not a valid %s", size,
                       method->input->name);
        romi_reply (&self->replies, call, ROM_BAD_REQUEST);
        return;
    }
    // Text is UTF-8 or the call is refused, whoever the servant: one walk over the decoded input (utf8.c).
    char field[128];
    if (!romi_utf8_check (call->input, field, sizeof field)) {
        romi_reply (&self->replies, call,
                    rom_call_fail (call, ROM_BAD_REQUEST, "field %s is not valid UTF-8", field));
        return;
    }
    call->output = romi_arena_alloc (&call->arena, method->output->sizeof_message);
    if (!call->output) {
        romi_reply (&self->replies, call, rom_call_fail (call, ROM_NOMEM, "server out of memory"));
        return;
    }
    method->output->message_init (call->output);

    self->hosting.calls++;
    if (object && (type->flags & ROM_TYPE_POOL)) {
        rom_status_t posted = romi_pool_submit (self->pool, call);
        if (posted != ROM_OK)
            romi_reply (&self->replies, call,
                        rom_call_fail (call, posted, "cannot post the call to the worker pool"));
        return;
    }
    if (object && (object->flags & ROM_OBJECT_EXT))
        romi_hosting_note_caller (hosting, object, call->session);
    rom_status_t status = method->invoke (entry->servant, object ? object->self : entry->ctx, call->input,
                                          call->output, call);
    if (status != ROM_DEFERRED) {
        romi_reply (&self->replies, call, status);
        return;
    }
    if (!object) {
        // Only servants defer; the manager's own methods never do.
        romi_reply (&self->replies, call, rom_call_fail (call, ROM_INTERNAL, "deferred a manager call"));
        return;
    }
    romi_deferred_park (&self->deferred, call);
}

// "type#id.Method" for the target of a header that is refused before it became a call, as far as the
// server knows it: the caller learns which of its calls was malformed.
static void
s_describe_target (rom_server_t *self, const Rom__CallHeader *header, char *buf, size_t size)
{
    const rom_type_t *type = &rom__manager__rom_type;
    const romi_object_t *object = NULL;
    if (header->object_id != ROM_MANAGER_ID) {
        object = romi_objects_find (&self->hosting.objects, header->object_id);
        type = object ? object->entry->type : NULL;
    }
    if (!type)
        snprintf (buf, size, "object %llu (method %u)", (unsigned long long) header->object_id,
                  header->method);
    else if (header->method >= type->n_methods) {
        int n = romi_describe (buf, size, type->name, header->object_id, NULL);
        if (n >= 0 && (size_t) n < size)
            snprintf (buf + n, size - (size_t) n, " (method %u)", header->method);
    } else if (object)
        romi_describe (buf, size, type->name, object->id, type->methods[header->method].name);
    else // the manager is one per server: its id would say nothing
        snprintf (buf, size, "%s.%s", type->name, type->methods[header->method].name);
}

// Receive one message from the listener and handle it. Returns false when no message is waiting.
static bool
s_handle_one (rom_server_t *self)
{
    romi_io_msg_t msg;
    if (!romi_io_recv (&self->io, &msg))
        return false;
    const Rom__CallHeader *header = msg.header;
    romi_io_peer_t *peer = romi_io_msg_peer (&msg);
    romi_io_flush_for (&self->io, peer);
    char what[256];
    switch (msg.verdict) {
    case ROMI_WIRE_PEER_ONLY:
        self->io.dropped++; // a peer frame alone: nothing to answer
        break;
    case ROMI_WIRE_BAD_HEADER:
        romi_refuse (&self->replies, peer, 0, 0, ROM_BAD_REQUEST,
                     "malformed call: the first frame (%zu bytes) is not a rom.CallHeader",
                     romi_wire_call_header_size (&msg));
        break;
    case ROMI_WIRE_BAD_VERSION:
        // The version first: under another version the other fields (and the frame layout) may mean
        // something else, and an empty frame decodes as a header of version 0 (romi_wire_recv_call ()).
        romi_refuse (&self->replies, peer, header->call_id, header->flags, ROM_BAD_REQUEST,
                     "protocol version %u is not supported (this server speaks version %u)", header->version,
                     ROM_PROTOCOL_VERSION);
        break;
    case ROMI_WIRE_BAD_FRAMES:
        s_describe_target (self, header, what, sizeof what);
        romi_refuse (&self->replies, peer, header->call_id, header->flags, ROM_BAD_REQUEST,
                     "%s: malformed call: %zu frames after the header, expected exactly one payload frame",
                     what, romi_wire_call_frames_after_header (&msg));
        break;
    case ROMI_WIRE_CALL: s_dispatch (self, &msg, header); break;
    }
    romi_io_msg_close (&msg);
    return true;
}

unsigned
romi_server_step (rom_server_t *self)
{
    unsigned n = 0;
    while (n < ROM_SERVER_BATCH && s_handle_one (self))
        n++;
    romi_deferred_expire (&self->deferred, romi_now_ms ());
    romi_io_flush (&self->io);
    return n;
}

// Refuse what is queued on the listener with UNAVAILABLE ("shutting down"), at most `max` messages.
static void
s_refuse_queued (rom_server_t *self, unsigned max)
{
    romi_io_msg_t msg;
    for (unsigned i = 0; i < max && romi_io_recv (&self->io, &msg); i++) {
        if (msg.header) // a decodable header, of whatever version
            romi_refuse (&self->replies, romi_io_msg_peer (&msg), msg.header->call_id, msg.header->flags,
                         ROM_UNAVAILABLE, "the server is shutting down");
        romi_io_msg_close (&msg);
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
        struct pollfd done = {.fd = romi_pool_fd (self->pool), .events = POLLIN};
        poll (&done, 1, 100);
        romi_pool_collect (self->pool, s_pool_done, self);
    }
    romi_object_t *object;
    size_t cursor = 0;
    while (romi_objects_next (&self->hosting.objects, &cursor, &object))
        romi_deferred_cancel_object (&self->deferred, object, ROM_UNAVAILABLE, "the server is shutting down");
    romi_io_flush (&self->io);
    for (uint64_t now = romi_now_ms (), until = now + ROM_STOP_QUIET_MS; now < until; now = romi_now_ms ())
        if (romi_io_wait_calls (&self->io, (long) (until - now)))
            s_refuse_queued (self, ROM_SERVER_BATCH);
}

rom_status_t
rom_server_run (rom_server_t *self)
{
    if (!self)
        return ROM_INVALID;
    if (!self->io.endpoint)
        return s_fail (self, ROM_INVALID, "run: the server is bound to no endpoint");
    self->running = true;
    rom_status_t status = ROM_OK;
    bool busy = false; // the last pass handled a call
    while (!self->stopping) {
        uint64_t now = romi_now_ms ();
        long timeout = romi_deferred_timeout (&self->deferred, now);
        timeout = romi_lease_poll_timeout (&self->hosting.sessions, now, timeout);
        // Not while the worker pool runs calls: their completions wake the poll (romi_pool_fd), not the spin.
        if (busy && timeout != 0 && self->spin_us && romi_pool_in_flight (self->pool) == 0
            && romi_io_spin (&self->io, self->spin_us, &self->stopping))
            timeout = 0;
        int ready = romi_io_poll (&self->io, romi_pool_fd (self->pool), self->stop_fd, timeout);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            status = s_fail (self, ROM_INTERNAL, "poll: %s", romi_io_strerror (&self->io, errno));
            break;
        }
        if (ready & ROMI_IO_POOL)
            romi_pool_collect (self->pool, s_pool_done, self);
        if (ready & ROMI_IO_STOP)
            self->stopping = 1; // the owner is gone (romi_server_stop_on_fd ())
        busy = false;
        for (unsigned i = 0; i < ROM_SERVER_BATCH && !self->stopping; i++) {
            if (!s_handle_one (self))
                break;
            busy = true;
        }
        now = romi_now_ms ();
        romi_deferred_expire (&self->deferred, now);
        if (ready & ROMI_IO_DROPS)
            romi_lease_on_drops (&self->io, &self->hosting.sessions, now);
        romi_lease_sweep (&self->lease, &self->io, &self->deferred, now);
        romi_io_flush (&self->io);
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
    romi_io_unlink_ipc (&self->io);
    return status;
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
    if (!self->io.endpoint)
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
