// client.c: a connection to one manager server: its session, and the sending and matching of calls.
//
// A client is used by any number of threads: each thread gets its own DEALER socket (a "channel") on first
// use, so threads never wait on each other's calls and no thread hands a reply to another (no wake-up is
// spent on a hand-off). All channels share the client's session: the server routes replies by socket and
// counts references by session. Calls on one channel are pipelined; replies are matched by call id against
// the channel's list of pending calls, oldest first, so the usual in-order reply is found at the head.
//
// Fork (DESIGN decision 6): every entry point compares the pid. In a child, the inherited sockets and
// context are abandoned (never closed: their I/O thread does not exist here), a new session is opened and
// each live proxy takes its reference again, so proxies made before fork() just work, as in Python.
#include "rom_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define ROM_DEFAULT_CONNECT_TIMEOUT_MS 5000u
#define ROM_DEFAULT_CALL_TIMEOUT_MS 30000u
// The server gives up on a waiting call this much before the caller does, so its verdict (TIMEOUT, or the
// item it did hand over) arrives while the caller still listens: nothing is handed to a caller who left.
#define ROM_DEADLINE_MARGIN_MS 200u

typedef struct rom_channel rom_channel_t;
struct rom_channel {
    pthread_t thread;
    void *dealer;
    rom_pending_t *head, *tail;        // outstanding calls, in send order
    rom_pending_t *expect;             // the call after the last one answered: usually the next answered
    int rcvtimeo;                      // the socket's ZMQ_RCVTIMEO as last set
    char errmsg[ROM_ERRMSG_MAX];
    rom_channel_t *next;
};

struct _rom_client_t {
    pid_t pid;
    uint64_t serial;                   // tells a recycled address from this client in the thread cache
    char *endpoint;
    uint64_t session;
    size_t max_message;
    uint32_t connect_timeout_ms;
    _Atomic uint32_t call_timeout_ms;
    _Atomic uint64_t next_call_id;
    pthread_mutex_t lock;              // channels, proxies
    rom_channel_t *channels;
    rom_proxy_t **proxies;             // live proxies, to re-take their references after fork
    size_t n_proxies, proxies_capacity;
    rom_auth_keys_t *keys;             // CURVE keys derived from the authkey (auth.c); NULL without one
    _Atomic bool unreachable;          // the last send found no connection: releases do not wait for one
};

static _Atomic uint64_t s_next_serial = 1;
static _Thread_local struct {
    uint64_t serial;
    pid_t pid;
    rom_channel_t *channel;
} s_cache;
static _Thread_local char s_connect_error[ROM_ERRMSG_MAX];

// Every call compares the client's pid with the caller's to notice fork (), and getpid () is a system call
// (glibc no longer caches it): measured, two of them were ~4% of a pipelined call. So the pid is cached and
// a pthread_atfork () child handler forgets it. A child made without glibc's fork () (a raw clone) would
// keep the parent's pid here: such a child must not use rom before exec.
static _Atomic pid_t s_pid;
static pthread_once_t s_pid_once = PTHREAD_ONCE_INIT;

static void
s_pid_forget (void)
{
    atomic_store_explicit (&s_pid, 0, memory_order_relaxed);
}

static void
s_pid_watch (void)
{
    pthread_atfork (NULL, NULL, s_pid_forget);
}

static pid_t
s_getpid (void)
{
    pid_t pid = atomic_load_explicit (&s_pid, memory_order_relaxed);
    if (pid == 0) {
        pthread_once (&s_pid_once, s_pid_watch);
        pid = getpid ();
        atomic_store_explicit (&s_pid, pid, memory_order_relaxed);
    }
    return pid;
}

// A routing id of our own for a channel's socket: random (unique among all clients of a server) and kept
// across reconnects, so a client whose TCP connection broke and came back keeps its session (lease.c).
static void
s_routing_id (rom_client_t *self, uint8_t id[16])
{
    if (getrandom (id, 16, GRND_NONBLOCK) != 16) {
        // No entropy yet (early boot): pid, client and time are unique enough among live clients.
        static _Atomic uint64_t counter;
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        uint64_t a = ((uint64_t) getpid () << 32) ^ self->serial;
        uint64_t b = (uint64_t) ts.tv_nsec ^ ((uint64_t) ts.tv_sec << 30) ^ atomic_fetch_add (&counter, 1);
        memcpy (id, &a, 8);
        memcpy (id + 8, &b, 8);
    }
    id[0] |= 0x80; // routing ids that start with a zero byte are reserved by ZMQ
}

static void *s_watch_handshake (rom_client_t *self, void *dealer);

// The calling thread's channel, made on first use. NULL when no socket can be made. With `monitor_p`, a new
// channel's handshake is watched from before it connects (s_await_handshake ()): *monitor_p is the monitor
// socket, or NULL when none could be made.
static rom_channel_t *
s_channel_open (rom_client_t *self, void **monitor_p)
{
    pthread_t me = pthread_self ();
    pthread_mutex_lock (&self->lock);
    rom_channel_t *channel = self->channels;
    while (channel && !pthread_equal (channel->thread, me))
        channel = channel->next;
    if (!channel && (channel = calloc (1, sizeof *channel))) {
        channel->thread = me;
        channel->rcvtimeo = -1;
        channel->dealer = rom_socket_new (ZMQ_DEALER);
        int on = 1, reconnect_ms = 100;
        uint8_t id[16];
        s_routing_id (self, id);
        // Without a connection, sends fail at once (UNAVAILABLE) instead of queueing for a server that may
        // never come; reconnect quickly when a server restarts.
        if (channel->dealer && zmq_setsockopt (channel->dealer, ZMQ_IMMEDIATE, &on, sizeof on) == 0
            && zmq_setsockopt (channel->dealer, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms) == 0
            && zmq_setsockopt (channel->dealer, ZMQ_ROUTING_ID, id, sizeof id) == 0
            && (!self->keys
                || (zmq_setsockopt (channel->dealer, ZMQ_CURVE_SERVERKEY, self->keys->server_public, 40) == 0
                    && zmq_setsockopt (channel->dealer, ZMQ_CURVE_PUBLICKEY, self->keys->client_public, 40) == 0
                    && zmq_setsockopt (channel->dealer, ZMQ_CURVE_SECRETKEY, self->keys->client_secret, 40) == 0))
            && (!monitor_p || (*monitor_p = s_watch_handshake (self, channel->dealer), true))
            && zmq_connect (channel->dealer, self->endpoint) == 0) {
            channel->next = self->channels;
            self->channels = channel;
        } else {
            rom_socket_close (&channel->dealer);
            free (channel);
            channel = NULL;
        }
    }
    pthread_mutex_unlock (&self->lock);
    if (channel) {
        s_cache.serial = self->serial;
        s_cache.pid = self->pid;
        s_cache.channel = channel;
    }
    return channel;
}

static rom_channel_t *
s_channel (rom_client_t *self)
{
    if (s_cache.serial == self->serial && s_cache.pid == self->pid)
        return s_cache.channel;
    return s_channel_open (self, NULL);
}

rom_status_t
rom_client_fail (rom_client_t *self, rom_status_t status, const char *fmt, ...)
{
    rom_channel_t *channel = s_channel (self);
    if (channel) {
        va_list ap;
        va_start (ap, fmt);
        rom_format (channel->errmsg, sizeof channel->errmsg, fmt, ap);
        va_end (ap);
    }
    return status;
}

const char *
rom_client_errmsg (const rom_client_t *self)
{
    rom_channel_t *channel = s_channel ((rom_client_t *) self);
    return channel ? channel->errmsg : "out of memory";
}

const char *
rom_client_endpoint (const rom_client_t *self)
{
    return self->endpoint;
}

void
rom_client_set_timeout (rom_client_t *self, uint32_t timeout_ms)
{
    self->call_timeout_ms = timeout_ms ? timeout_ms : ROM_DEFAULT_CALL_TIMEOUT_MS;
}

// --- sending and matching ---------------------------------------------------------------------------------

static void
s_link (rom_channel_t *channel, rom_pending_t *pending)
{
    pending->next = NULL;
    pending->prev = channel->tail;
    if (channel->tail)
        channel->tail->next = pending;
    else
        channel->head = pending;
    channel->tail = pending;
    if (!channel->expect)
        channel->expect = pending;
}

static void
s_unlink (rom_channel_t *channel, rom_pending_t *pending)
{
    if (pending->prev)
        pending->prev->next = pending->next;
    else if (channel->head == pending)
        channel->head = pending->next;
    else
        return; // not linked
    if (pending->next)
        pending->next->prev = pending->prev;
    else
        channel->tail = pending->prev;
    if (channel->expect == pending)
        channel->expect = pending->next;
    pending->next = pending->prev = NULL;
}

// `timeout_ms` is the caller's deadline; the server is given ROM_DEADLINE_MARGIN_MS less. With `exact`, the
// server is given `timeout_ms` itself and the caller waits the margin longer (rom_client_send_timeout ()).
static rom_status_t
s_send (rom_client_t *self, rom_channel_t *channel, uint64_t object_id, uint32_t type_hash, unsigned method,
        const ProtobufCMessage *in, uint32_t flags, rom_pending_t *pending, uint32_t timeout_ms, bool exact)
{
    size_t size = in ? protobuf_c_message_get_packed_size (in) : 0;
    const char *type = pending ? pending->what_type : "";
    const char *name = pending ? pending->what_method : "";
    if (self->max_message && size > self->max_message)
        return rom_client_fail (self, ROM_TOO_LARGE, "%s#%llu.%s: payload of %zu bytes is over the server's limit of %zu",
                                type, (unsigned long long) object_id, name, size, self->max_message);
    Rom__CallHeader header = ROM__CALL_HEADER__INIT;
    header.version = ROM_PROTOCOL_VERSION;
    header.call_id = atomic_fetch_add (&self->next_call_id, 1);
    header.object_id = object_id;
    header.method = method;
    header.session = self->session;
    // This client reads batched replies (wire.c): with many calls in flight their replies come in fewer
    // messages.
    header.flags = flags | (flags & ROM__CALL_FLAGS__CALL_ONEWAY ? 0 : ROM__CALL_FLAGS__CALL_BATCH_OK);
    header.type_hash = type_hash;
    if (exact && timeout_ms != UINT32_MAX) {
        header.timeout_ms = timeout_ms ? timeout_ms : 1; // 0 on the wire would mean "no deadline"
        timeout_ms = header.timeout_ms < UINT32_MAX - ROM_DEADLINE_MARGIN_MS ? header.timeout_ms + ROM_DEADLINE_MARGIN_MS
                                                                             : UINT32_MAX - 1;
    } else if (timeout_ms != UINT32_MAX)
        header.timeout_ms = timeout_ms > 2 * ROM_DEADLINE_MARGIN_MS ? timeout_ms - ROM_DEADLINE_MARGIN_MS
                                                                    : timeout_ms - timeout_ms / 4;
    uint64_t start = rom_now_ms ();
    if (pending) {
        pending->call_id = header.call_id;
        pending->deadline_ms = timeout_ms == UINT32_MAX ? 0 : start + timeout_ms;
        pending->done = false;
        pending->error = NULL;
        zmq_msg_init (&pending->payload);
    }
    // ZMQ_IMMEDIATE: no connection means not writable. Try at once: the usual send then costs no zmq_poll (),
    // which is a poll () system call. Only when the socket refuses, wait for a connection within the deadline.
    int rc = rom_wire_send_header (channel->dealer, &header.base, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_pollitem_t item = {.socket = channel->dealer, .events = ZMQ_POLLOUT};
    while (rc != 0 && (errno == EAGAIN || errno == EINTR)) {
        long wait_ms = -1;
        if (timeout_ms != UINT32_MAX) {
            long spent = (long) (rom_now_ms () - start);
            wait_ms = spent >= (long) timeout_ms ? 0 : (long) timeout_ms - spent;
        }
        int ready = zmq_poll (&item, 1, wait_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            atomic_store (&self->unreachable, true);
            return rom_client_fail (self, ROM_UNAVAILABLE,
                                    "%s#%llu.%s: no server at %s (no connection within %u ms)", type,
                                    (unsigned long long) object_id, name, self->endpoint, timeout_ms);
        }
        rc = rom_wire_send_header (channel->dealer, &header.base, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    }
    atomic_store_explicit (&self->unreachable, false, memory_order_relaxed);
    // Once the first frame is accepted the rest of the message is too (ZMQ queues messages atomically).
    if (rc != 0 || rom_wire_send_message (channel->dealer, in, 0) != 0)
        return rom_client_fail (self, ROM_UNAVAILABLE, "%s#%llu.%s: send to %s: %s", type,
                                (unsigned long long) object_id, name, self->endpoint, zmq_strerror (errno));
    if (pending)
        s_link (channel, pending);
    return ROM_OK;
}

rom_status_t
rom_client_send (rom_client_t *self, uint64_t object_id, uint32_t type_hash, unsigned method,
                 const ProtobufCMessage *in, uint32_t flags, rom_pending_t *pending)
{
    rom_status_t status = rom_client_check_fork (self);
    if (status != ROM_OK)
        return status;
    rom_channel_t *channel = s_channel (self);
    if (!channel)
        return ROM_NOMEM;
    return s_send (self, channel, object_id, type_hash, method, in, flags, pending, self->call_timeout_ms, false);
}

// A proxy's release is one-way: no caller waits for it, so it waits for a connection only briefly, and not
// at all once the server was found unreachable (destroying the proxies of a dead server costs no timeout).
// A release that cannot be sent is released with the session (goodbye, or the server's lease).
#define ROM_RELEASE_WAIT_MS 250u

rom_status_t
rom_client_release (rom_client_t *self, uint64_t object_id)
{
    rom_status_t status = rom_client_check_fork (self);
    if (status != ROM_OK)
        return status;
    rom_channel_t *channel = s_channel (self);
    if (!channel)
        return ROM_NOMEM;
    Rom__RefRequest req = ROM__REF_REQUEST__INIT;
    req.id = object_id;
    uint32_t wait_ms = atomic_load (&self->unreachable) ? 1 : ROM_RELEASE_WAIT_MS;
    return s_send (self, channel, ROM_MANAGER_ID, 0, ROM_MANAGER_RELEASE, &req.base, ROM__CALL_FLAGS__CALL_ONEWAY,
                   NULL, wait_ms, false);
}

rom_status_t
rom_client_send_timeout (rom_client_t *self, uint64_t object_id, uint32_t type_hash, unsigned method,
                         const ProtobufCMessage *in, uint32_t flags, rom_pending_t *pending, uint32_t timeout_ms)
{
    rom_status_t status = rom_client_check_fork (self);
    if (status != ROM_OK)
        return status;
    rom_channel_t *channel = s_channel (self);
    if (!channel)
        return ROM_NOMEM;
    return s_send (self, channel, object_id, type_hash, method, in, flags, pending, timeout_ms, true);
}

// Hand a reply to its pending call. `payload` is taken (moved or closed).
static void
s_deliver (rom_client_t *self, rom_channel_t *channel, const Rom__ReplyHeader *header, zmq_msg_t *payload)
{
    // Replies come in send order, and answered calls stay linked until their callers collect them: look
    // where the last reply left off first, so a batch of n replies is not n scans over the answered ones.
    rom_pending_t *pending = channel->expect;
    if (!header || !pending || pending->call_id != header->call_id) {
        pending = channel->head;
        while (header && pending && pending->call_id != header->call_id)
            pending = pending->next;
    }
    if (pending)
        channel->expect = pending->next;
    // A reply nobody waits for (its caller timed out, or call id 0: a notice about an unreadable message)
    // is dropped.
    if (header && pending && !pending->done) {
        pending->done = true;
        pending->status = header->status <= ROM_STATUS_LAST ? (rom_status_t) header->status : ROM_INTERNAL;
        if (pending->status == ROM_OK)
            zmq_msg_move (&pending->payload, payload);
        else
            pending->error = strdup (header->error ? header->error : "");
        if (pending->forgotten) {
            // Its caller gave up on it (rom_client_forget ()): the reply is handed over, and with it the
            // pending call, so what the reply carries (a reference) is given back.
            s_unlink (channel, pending);
            pending->abandoned (self, pending);
        }
    }
    zmq_msg_close (payload);
}

// Hand out the replies of a batch (wire.c). A malformed entry ends it: the calls it would have answered
// time out, as for any reply lost.
static void
s_deliver_batch (rom_client_t *self, rom_channel_t *channel, const zmq_msg_t *batch)
{
    const uint8_t *p = zmq_msg_data ((zmq_msg_t *) batch), *end = p + zmq_msg_size ((zmq_msg_t *) batch);
    const uint8_t *head, *data;
    size_t head_size, size;
    while (rom_wire_batch_next (&p, end, &head, &head_size, &data, &size)) {
        Rom__ReplyHeader *header = rom_wire_decode_reply (head, head_size);
        zmq_msg_t payload;
        if (!header || zmq_msg_init_size (&payload, size) != 0) {
            if (header)
                protobuf_c_message_free_unpacked (&header->base, NULL);
            break;
        }
        memcpy (zmq_msg_data (&payload), data, size);
        s_deliver (self, channel, header, &payload);
        protobuf_c_message_free_unpacked (&header->base, NULL);
    }
}

// Receive one reply message and hand out what it answers; false when nothing arrived within `wait_ms`.
static bool
s_receive (rom_client_t *self, rom_channel_t *channel, long wait_ms)
{
    zmq_msg_t head, payload;
    zmq_msg_init (&head);
    // Try first: with calls in flight the reply is often queued already. Else a blocking receive with the
    // wait as its timeout: measured, it costs fewer system calls and wake-ups than zmq_poll () and a receive
    // (sync p50 ~33 -> ~31.5 us, 4.5 -> 4.1 wake-ups per call).
    if (zmq_msg_recv (&head, channel->dealer, ZMQ_DONTWAIT) < 0) {
        int timeout = wait_ms > INT32_MAX ? -1 : (int) wait_ms;
        if (timeout != channel->rcvtimeo) {
            zmq_setsockopt (channel->dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
            channel->rcvtimeo = timeout;
        }
        if (wait_ms == 0 || zmq_msg_recv (&head, channel->dealer, 0) < 0) {
            zmq_msg_close (&head);
            return false;
        }
    }
    zmq_msg_init (&payload);
    bool complete = zmq_msg_more (&head) && zmq_msg_recv (&payload, channel->dealer, 0) >= 0;
    while (complete && zmq_msg_more (&payload)) { // a well-formed reply has two frames; skip the rest
        zmq_msg_t extra;
        zmq_msg_init (&extra);
        int rc = zmq_msg_recv (&extra, channel->dealer, 0);
        complete = rc >= 0 && zmq_msg_more (&extra);
        zmq_msg_close (&extra);
        if (rc < 0)
            break;
    }
    if (zmq_msg_size (&head) == 0) {
        s_deliver_batch (self, channel, &payload); // an empty first frame: a batch
        zmq_msg_close (&payload);
    } else {
        Rom__ReplyHeader *header = rom_wire_decode_reply (zmq_msg_data (&head), zmq_msg_size (&head));
        s_deliver (self, channel, header, &payload);
        if (header)
            protobuf_c_message_free_unpacked (&header->base, NULL);
    }
    zmq_msg_close (&head);
    return true;
}

static rom_status_t
s_wait (rom_client_t *self, rom_channel_t *channel, rom_pending_t *pending, ProtobufCMessage **out)
{
    while (!pending->done) {
        long wait_ms = -1;
        if (pending->deadline_ms) {
            uint64_t now = rom_now_ms ();
            if (now >= pending->deadline_ms)
                break;
            wait_ms = (long) (pending->deadline_ms - now);
        }
        s_receive (self, channel, wait_ms);
    }
    s_unlink (channel, pending);
    rom_status_t status;
    if (!pending->done)
        status = rom_client_fail (self, ROM_TIMEOUT, "%s#%llu.%s: no reply from %s within the deadline",
                                  pending->what_type, (unsigned long long) pending->what_id,
                                  pending->what_method, self->endpoint);
    else if (pending->status != ROM_OK)
        status = rom_client_fail (self, pending->status, "%s", pending->error ? pending->error : "");
    else if (out) {
        // A reply is peer input too: one nested too deep would overflow our stack in the unpack.
        const void *data = zmq_msg_data (&pending->payload);
        size_t size = zmq_msg_size (&pending->payload);
        *out = rom_wire_too_deep (pending->output, data, size)
                   ? NULL
                   : protobuf_c_message_unpack (pending->output, NULL, size, data);
        status = *out ? ROM_OK
                      : rom_client_fail (self, ROM_BAD_REQUEST, "%s#%llu.%s: the reply is not a valid %s",
                                         pending->what_type, (unsigned long long) pending->what_id,
                                         pending->what_method, pending->output->name);
    } else
        status = ROM_OK;
    free (pending->error);
    pending->error = NULL;
    zmq_msg_close (&pending->payload);
    return status;
}

rom_status_t
rom_client_wait (rom_client_t *self, rom_pending_t *pending, ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    if (self->pid != s_getpid ()) {
        // Sent by the parent: its reply goes to the parent's socket.
        rom_client_check_fork (self);
        return rom_client_fail (self, ROM_BROKEN, "%s#%llu.%s: the call was sent before fork ()",
                                pending->what_type, (unsigned long long) pending->what_id, pending->what_method);
    }
    rom_channel_t *channel = s_channel (self);
    if (!channel)
        return ROM_NOMEM;
    return s_wait (self, channel, pending, out);
}

bool
rom_client_forget (rom_client_t *self, rom_pending_t *pending)
{
    if (self->pid != s_getpid ()) {
        if (!pending->abandoned)
            return false;
        pending->abandoned (NULL, pending); // the parent's call: its reply never comes here
        return true;
    }
    rom_channel_t *channel = s_channel (self);
    if (pending->abandoned && channel && (pending->prev || channel->head == pending)) {
        if (pending->done) {
            s_unlink (channel, pending);
            pending->abandoned (self, pending);
        } else
            pending->forgotten = true; // stays linked: s_receive () hands it its reply
        return true;
    }
    if (channel)
        s_unlink (channel, pending);
    free (pending->error);
    pending->error = NULL;
    zmq_msg_close (&pending->payload);
    return false;
}

// Hand the forgotten calls of a channel that goes away to their hooks, with no reply (client destroyed, or
// the channel was the parent's): what their replies would carry dies with the session.
static void
s_drop_forgotten (rom_channel_t *channel)
{
    for (rom_pending_t *pending = channel->head, *next; pending; pending = next) {
        next = pending->next;
        if (pending->forgotten) {
            s_unlink (channel, pending);
            pending->abandoned (NULL, pending);
        }
    }
}

rom_status_t
rom_client_manager_call (rom_client_t *self, unsigned method, const ProtobufCMessage *in,
                         const ProtobufCMessageDescriptor *output, ProtobufCMessage **out)
{
    static const char *const names[] = {"Hello", "Create", "Lookup", "Retain", "Release", "Ping", "Goodbye"};
    rom_pending_t pending = {.output = output, .what_type = "rom.Manager", .what_method = names[method]};
    rom_status_t status = rom_client_send (self, ROM_MANAGER_ID, 0, method, in, 0, &pending);
    if (status != ROM_OK)
        return status;
    return rom_client_wait (self, &pending, out);
}

// --- session ------------------------------------------------------------------------------------------------

static rom_status_t
s_hello (rom_client_t *self, rom_channel_t *channel)
{
    Rom__HelloRequest hello = ROM__HELLO_REQUEST__INIT;
    hello.version = ROM_PROTOCOL_VERSION;
    hello.pid = (int32_t) getpid ();
    rom_pending_t pending = {.output = &rom__hello_reply__descriptor, .what_type = "rom.Manager",
                             .what_method = "Hello"};
    self->session = 0;
    rom_status_t status = s_send (self, channel, ROM_MANAGER_ID, 0, ROM_MANAGER_HELLO, &hello.base, 0, &pending,
                                  self->connect_timeout_ms, false);
    Rom__HelloReply *reply = NULL;
    if (status == ROM_OK)
        status = s_wait (self, channel, &pending, (ProtobufCMessage **) &reply);
    if (status != ROM_OK)
        return status;
    self->session = reply->session;
    self->max_message = reply->max_message;
    rom__hello_reply__free_unpacked (reply, NULL);
    return ROM_OK;
}

// A monitor of `dealer`'s handshake failures, set up before it connects: a refused handshake ends that
// connection for good (libzmq does not retry after a protocol error), so its one event must not come before
// anybody listens. NULL when no monitor can be made (the wait then runs out instead).
static void *
s_watch_handshake (rom_client_t *self, void *dealer)
{
    if (strncmp (self->endpoint, "inproc://", 9) == 0)
        return NULL; // no handshake in-process
    char endpoint[96];
    snprintf (endpoint, sizeof endpoint, "inproc://rom-handshake-%d-%llu", (int) getpid (),
              (unsigned long long) self->serial);
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                 | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    if (zmq_socket_monitor (dealer, endpoint, events) != 0)
        return NULL;
    void *monitor = rom_socket_new (ZMQ_PAIR);
    if (!monitor || zmq_connect (monitor, endpoint) != 0) {
        zmq_socket_monitor (dealer, NULL, 0);
        rom_socket_close (&monitor);
    }
    return monitor;
}

// Wait until the first connection is up (the socket takes a message), or the server refused our handshake:
// a CURVE handshake with the wrong key, or a mechanism the server does not use (authkey on one side only),
// fails at once, and saying ROM_DENIED then beats waiting out the connect timeout. The monitor lives only as
// long as this wait. ROM_OK also when the wait ran out: s_hello () then reports UNAVAILABLE.
static rom_status_t
s_await_handshake (rom_client_t *self, rom_channel_t *channel, void *monitor)
{
    if (!monitor)
        return ROM_OK;
    rom_status_t status = ROM_OK;
    uint64_t deadline = rom_now_ms () + self->connect_timeout_ms;
    for (;;) {
        uint64_t now = rom_now_ms ();
        if (now >= deadline)
            break;
        zmq_pollitem_t items[] = {
            {.socket = channel->dealer, .events = ZMQ_POLLOUT},
            {.socket = monitor, .events = ZMQ_POLLIN},
        };
        int rc = zmq_poll (items, 2, (long) (deadline - now));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc > 0 && (items[1].revents & ZMQ_POLLIN))
            status = rom_client_fail (self, ROM_DENIED,
                                      "connect %s: the server refused the handshake: wrong or missing authkey "
                                      "(or an authkey for a server that uses none)", self->endpoint);
        break; // connected, refused, or the wait ran out
    }
    zmq_socket_monitor (channel->dealer, NULL, 0);
    zmq_msg_t event;
    zmq_msg_init (&event);
    while (zmq_msg_recv (&event, monitor, ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close (&event);
    rom_socket_close (&monitor);
    return status;
}

rom_status_t
rom_client_connect (const char *endpoint, const rom_client_opts_t *opts, rom_client_t **client_p,
                    const char **errmsg)
{
    *client_p = NULL;
    const char *why = NULL;
    rom_status_t status = ROM_NOMEM;
    if (errmsg)
        *errmsg = NULL;
    if (!endpoint || !strstr (endpoint, "://")) {
        snprintf (s_connect_error, sizeof s_connect_error, "\"%s\" is not an endpoint (ipc://path, tcp://host:port "
                  "or inproc://name)", endpoint ? endpoint : "(null)");
        if (errmsg)
            *errmsg = s_connect_error;
        return ROM_INVALID;
    }
    rom_client_t *self = calloc (1, sizeof *self);
    if (!self || !(self->endpoint = strdup (endpoint))) {
        free (self);
        why = "out of memory";
        goto fail_text;
    }
    pthread_mutex_init (&self->lock, NULL);
    self->pid = getpid ();
    self->serial = atomic_fetch_add (&s_next_serial, 1);
    self->next_call_id = 1;
    self->connect_timeout_ms = opts && opts->connect_timeout_ms ? opts->connect_timeout_ms
                                                                 : ROM_DEFAULT_CONNECT_TIMEOUT_MS;
    self->call_timeout_ms = opts && opts->call_timeout_ms ? opts->call_timeout_ms : ROM_DEFAULT_CALL_TIMEOUT_MS;
    if (opts && opts->authkey) {
        if (!(self->keys = malloc (sizeof *self->keys)) || rom_auth_derive (opts->authkey, self->keys) != 0) {
            status = self->keys ? ROM_INVALID : ROM_NOMEM;
            snprintf (s_connect_error, sizeof s_connect_error, "connect %.400s: %s", endpoint,
                      self->keys ? "an authkey needs CURVE, and this libzmq was built without it" : "out of memory");
            rom_client_destroy (&self);
            goto fail;
        }
    }
    void *monitor = NULL;
    rom_channel_t *channel = s_channel_open (self, &monitor);
    if (!channel) {
        rom_socket_close (&monitor);
        status = ROM_INVALID;
        snprintf (s_connect_error, sizeof s_connect_error, "connect %.400s: %s", endpoint, zmq_strerror (errno));
        rom_client_destroy (&self);
        goto fail;
    }
    status = s_await_handshake (self, channel, monitor);
    if (status == ROM_OK)
        status = s_hello (self, channel);
    if (status != ROM_OK) {
        snprintf (s_connect_error, sizeof s_connect_error, "%s", channel->errmsg);
        rom_client_destroy (&self);
        goto fail;
    }
    *client_p = self;
    return ROM_OK;
fail_text:
    snprintf (s_connect_error, sizeof s_connect_error, "connect %.400s: %s", endpoint, why);
fail:
    if (errmsg)
        *errmsg = s_connect_error;
    return status;
}

rom_status_t
rom_client_check_fork (rom_client_t *self)
{
    if (self->pid == s_getpid ())
        return ROM_OK;
    // A child of fork (): the sockets belong to the parent's context. Drop them without closing (their
    // memory is the parent's copy) and start over with a session of our own.
    pthread_mutex_init (&self->lock, NULL);
    rom_channel_t *channel = self->channels;
    while (channel) {
        rom_channel_t *next = channel->next;
        s_drop_forgotten (channel);
        free (channel);
        channel = next;
    }
    self->channels = NULL;
    self->pid = getpid ();
    self->serial = atomic_fetch_add (&s_next_serial, 1);
    channel = s_channel (self);
    if (!channel)
        return ROM_NOMEM;
    rom_status_t status = s_hello (self, channel);
    if (status != ROM_OK)
        return status;
    // Each proxy the child inherited holds a reference of the child's own from now on, as after unpickling
    // a proxy in Python. An object gone meanwhile leaves a proxy whose calls fail with NO_OBJECT.
    for (size_t i = 0; i < self->n_proxies; i++) {
        Rom__RefRequest req = ROM__REF_REQUEST__INIT;
        req.id = rom_proxy_id (self->proxies[i]);
        rom_client_manager_call (self, ROM_MANAGER_RETAIN, &req.base, &rom__empty__descriptor, NULL);
    }
    return ROM_OK;
}

rom_status_t
rom_client_ping (rom_client_t *self)
{
    Rom__Empty empty = ROM__EMPTY__INIT;
    return rom_client_manager_call (self, ROM_MANAGER_PING, &empty.base, &rom__empty__descriptor, NULL);
}

void
rom_client_attach (rom_client_t *self, rom_proxy_t *proxy)
{
    pthread_mutex_lock (&self->lock);
    if (self->n_proxies == self->proxies_capacity) {
        size_t capacity = self->proxies_capacity ? self->proxies_capacity * 2 : 8;
        rom_proxy_t **proxies = realloc (self->proxies, capacity * sizeof *proxies);
        if (!proxies) {
            // Only fork () re-takes references through this list; a proxy missing from it still works.
            pthread_mutex_unlock (&self->lock);
            return;
        }
        self->proxies = proxies;
        self->proxies_capacity = capacity;
    }
    self->proxies[self->n_proxies++] = proxy;
    pthread_mutex_unlock (&self->lock);
}

void
rom_client_detach (rom_client_t *self, rom_proxy_t *proxy)
{
    pthread_mutex_lock (&self->lock);
    // Newest first: a proxy made for one call and destroyed right after is found at once.
    for (size_t i = self->n_proxies; i-- > 0;)
        if (self->proxies[i] == proxy) {
            self->proxies[i] = self->proxies[--self->n_proxies];
            break;
        }
    pthread_mutex_unlock (&self->lock);
}

void
rom_client_destroy (rom_client_t **self_p)
{
    rom_client_t *self = *self_p;
    if (!self)
        return;
    bool ours = self->pid == getpid ();
    if (ours && self->session) {
        // Tell the server now rather than let the session's lease run out; never wait long for it.
        uint32_t timeout = self->call_timeout_ms;
        self->call_timeout_ms = timeout < 1000 ? timeout : 1000;
        Rom__Empty empty = ROM__EMPTY__INIT;
        rom_client_manager_call (self, ROM_MANAGER_GOODBYE, &empty.base, &rom__empty__descriptor, NULL);
    }
    rom_channel_t *channel = self->channels;
    while (channel) {
        rom_channel_t *next = channel->next;
        s_drop_forgotten (channel);
        if (ours)
            rom_socket_close (&channel->dealer);
        free (channel);
        channel = next;
    }
    if (s_cache.serial == self->serial)
        s_cache.serial = 0;
    pthread_mutex_destroy (&self->lock);
    free (self->proxies);
    if (self->keys) {
        memset (self->keys, 0, sizeof *self->keys); // secrets do not outlive the client in freed memory
        free (self->keys);
    }
    free (self->endpoint);
    free (self);
    *self_p = NULL;
}
