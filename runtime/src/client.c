// client.c: a connection to one manager server: its session, the sending and matching of calls, and
// knowing at once when the server is gone.
//
// A client is used by any number of threads: each thread gets its own DEALER socket (a "channel") on first
// use, so threads never wait on each other's calls and no thread hands a reply to another (no wake-up is
// spent on a hand-off). All channels share the client's session: the server routes replies by socket and
// counts references by session. Calls on one channel are pipelined; replies are matched by call id against
// the channel's list of pending calls, oldest first, so the usual in-order reply is found at the head.
//
// Sessions belong to connections (wire.proto, HelloRequest): a channel says hello on its connection before
// its first call, joining the client's session with its secret, and again whenever that connection came
// back. A hello that finds the session ended (its connection was gone past the server's session timeout)
// gets a new one, and the call that found out answers ROM_SESSION_LOST once per thread; one that finds
// another server run (a restart: a new incarnation) gets a new session silently, and proxies of the old run
// answer ROM_NO_OBJECT.
//
// Liveness (issue 12): every channel watches its socket's connection events (a ZMQ socket monitor). When
// the connection drops (the server process died, or stopped), the calls in flight on it are answered
// ROM_UNAVAILABLE ("may or may not have run") at once, including waits with no deadline, and later calls
// fail at once until the connection is back; nothing waits out its deadline for a server that is gone.
// A wait reads the events only after its first ROM_LIVENESS_SLICE_MS: a call answered sooner (nearly all)
// costs one blocking receive, as before. An idle channel reads them before it sends, at most once a
// millisecond (a read costs a system call), so a call after a restart says hello to the new server first.
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
// A wait watches the connection's events only after this long: a reply usually comes far sooner, and a
// blocking receive alone costs fewer system calls and wake-ups than a poll of two sockets (measured: sync
// p50 ~33 -> ~31.5 us). A server that dies is noticed within this slice at worst.
#define ROM_LIVENESS_SLICE_MS 20
// An idle channel reads its connection events before a send at most about this often (ms, on the clock
// reading the send takes anyway).
#define ROM_EVENTS_EVERY_MS 1u
// A new channel of a client whose server is known gone waits this long for a connection, not the deadline.
#define ROM_GONE_CONNECT_MS 250u

#define ROM_CLIENT_TAG 0x726f6d43u // "romC"
#define ROM_CLIENT_DEAD 0xdeadc1e7u

typedef struct romi_channel romi_channel_t;
struct romi_channel {
    pthread_t thread;
    void *dealer;
    void *monitor;                     // PAIR receiving the dealer's connection events (s_events ())
    romi_pending_t *head, *tail;        // outstanding calls, in send order
    romi_pending_t *expect;             // the call after the last one answered: usually the next answered
    int rcvtimeo;                      // the socket's ZMQ_RCVTIMEO as last set
    bool up;                           // a connection is up, as far as the events read tell
    bool ever_up;                      // one was up once: a channel that is not up now lost it
    bool denied;                       // the server refused a handshake (wrong or missing authkey)
    uint64_t down_ms;                  // when the connection was lost
    uint64_t events_ms;                // when the events were last read
    uint64_t joined;                   // the client's session generation joined on this connection; 0: none
    uint64_t losses_told;              // the client's session losses this thread was told of
    char errmsg[ROM_ERRMSG_MAX];
    romi_channel_t *next;
};

struct _rom_client_t {
    uint32_t tag;                      // ROM_CLIENT_TAG while alive: a foreign or freed handle is refused
    pid_t pid;
    uint64_t serial;                   // tells a recycled address from this client in the thread cache
    char *endpoint;
    uint32_t connect_timeout_ms;
    _Atomic uint32_t call_timeout_ms;
    _Atomic uint64_t next_call_id;
    // The session, written under hello_lock by the hello that opens one, read by every send.
    _Atomic uint64_t session;
    _Atomic uint64_t secret;
    _Atomic uint64_t incarnation;      // the server run the session belongs to
    _Atomic uint64_t generation;       // counts the sessions this client opened: a channel joined one
    _Atomic uint64_t losses;           // sessions the server ended while this process lived
    _Atomic size_t max_message;
    char lost_why[ROM_ERRMSG_MAX];     // why the last session was lost (under lock)
    pthread_mutex_t hello_lock;        // one hello at a time
    pthread_mutex_t lock;              // channels, proxies, lost_why, gone_why
    romi_channel_t *channels;
    rom_proxy_t **proxies;             // live proxies: re-take their references after fork or a lost session
    size_t n_proxies, proxies_capacity;
    romi_auth_keys_t *keys;             // CURVE keys derived from the authkey (auth.c); NULL without one
    _Atomic bool gone;                 // a channel lost its connection and none came back since
    _Atomic bool unreachable;          // the last send found no connection: releases do not wait for one
    romi_client_gone_fn on_gone;        // how the server ended (a manager's child), for error texts
    void *on_gone_arg;
    char gone_why[ROM_ERRMSG_MAX];     // on_gone's text, asked once per loss (under lock)
};

static _Atomic uint64_t s_next_serial = 1;
// The connection events a channel watches (s_events ()).
static const int s_watched = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED
                             | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                             | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
static _Thread_local struct {
    uint64_t serial;
    pid_t pid;
    romi_channel_t *channel;
} s_cache;
static _Thread_local char s_last_error[ROM_ERRMSG_MAX]; // rom_client_errmsg (NULL)

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

bool
rom_client_valid (const rom_client_t *client)
{
    return client && client->tag == ROM_CLIENT_TAG;
}

// 16 random bytes. Without entropy yet (early boot): pid, client and time are unique enough among live
// clients (routing ids need not be secret: sessions are proven by their secret).
static void
s_random (rom_client_t *self, void *out, size_t size)
{
    if (getrandom (out, size, GRND_NONBLOCK) == (ssize_t) size)
        return;
    static _Atomic uint64_t counter;
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    uint64_t a = ((uint64_t) getpid () << 32) ^ self->serial;
    uint64_t b = (uint64_t) ts.tv_nsec ^ ((uint64_t) ts.tv_sec << 30) ^ atomic_fetch_add (&counter, 1);
    uint8_t buf[16];
    memcpy (buf, &a, 8);
    memcpy (buf + 8, &b, 8);
    memcpy (out, buf, size < 16 ? size : 16);
}

// Stop watching and close the channel's sockets.
static void
s_channel_close (romi_channel_t *channel)
{
    romi_monitor_close (channel->dealer, &channel->monitor);
    romi_socket_close (&channel->dealer);
}

// The calling thread's channel, made on first use (its socket connects; its hello comes with its first
// call). NULL when no socket can be made.
static romi_channel_t *
s_channel_open (rom_client_t *self)
{
    pthread_t me = pthread_self ();
    pthread_mutex_lock (&self->lock);
    romi_channel_t *channel = self->channels;
    while (channel && !pthread_equal (channel->thread, me))
        channel = channel->next;
    if (!channel && (channel = calloc (1, sizeof *channel))) {
        channel->thread = me;
        channel->rcvtimeo = -1;
        channel->losses_told = atomic_load (&self->losses); // a new thread is told of later losses only
        channel->dealer = romi_socket_new (ZMQ_DEALER);
        int on = 1, reconnect_ms = 100;
        // A routing id of our own: random (unique among all clients of a server, and unguessable) and kept
        // across reconnects, so a TCP connection that broke and came back is the same peer (handover).
        uint8_t id[16];
        s_random (self, id, sizeof id);
        id[0] |= 0x80; // routing ids that start with a zero byte are reserved by ZMQ
        // Without a connection, sends fail at once instead of queueing for a server that may never come;
        // reconnect quickly when a server restarts.
        if (channel->dealer && zmq_setsockopt (channel->dealer, ZMQ_IMMEDIATE, &on, sizeof on) == 0
            && zmq_setsockopt (channel->dealer, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms) == 0
            && zmq_setsockopt (channel->dealer, ZMQ_ROUTING_ID, id, sizeof id) == 0
            && romi_socket_keepalive (channel->dealer, ROM_DEFAULT_SESSION_TIMEOUT_MS) == 0
            && (!self->keys
                || (zmq_setsockopt (channel->dealer, ZMQ_CURVE_SERVERKEY, self->keys->server_public, 40) == 0
                    && zmq_setsockopt (channel->dealer, ZMQ_CURVE_PUBLICKEY, self->keys->client_public, 40) == 0
                    && zmq_setsockopt (channel->dealer, ZMQ_CURVE_SECRETKEY, self->keys->client_secret, 40) == 0))
            // Connection events are watched from before it connects: a refused handshake ends that
            // connection for good (libzmq does not retry after a protocol error) and a lost connection is
            // reported once, so no event may come before anybody listens. inproc has no events: the channel
            // is then taken as up, and a dead peer is found by deadlines only.
            && (strncmp (self->endpoint, "inproc://", 9) == 0
                || (channel->monitor = romi_monitor_open (channel->dealer, s_watched)) != NULL)
            && zmq_connect (channel->dealer, self->endpoint) == 0) {
            if (!channel->monitor)
                channel->up = channel->ever_up = true; // inproc: no events to tell
            channel->next = self->channels;
            self->channels = channel;
        } else {
            int saved = errno;
            s_channel_close (channel);
            free (channel);
            channel = NULL;
            errno = saved;
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

static romi_channel_t *
s_channel (rom_client_t *self)
{
    if (s_cache.serial == self->serial && s_cache.pid == self->pid)
        return s_cache.channel;
    return s_channel_open (self);
}

rom_status_t
rom_client_fail (rom_client_t *self, rom_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    romi_format (s_last_error, sizeof s_last_error, fmt, ap);
    va_end (ap);
    romi_channel_t *channel = rom_client_valid (self) && self->pid == s_getpid () ? s_channel (self) : NULL;
    if (channel)
        memcpy (channel->errmsg, s_last_error, sizeof channel->errmsg);
    return status;
}

const char *
rom_client_errmsg (const rom_client_t *self)
{
    if (!rom_client_valid (self))
        return s_last_error;
    romi_channel_t *channel = self->pid == s_getpid () ? s_channel ((rom_client_t *) self) : NULL;
    return channel ? channel->errmsg : s_last_error;
}

const char *
rom_client_endpoint (const rom_client_t *self)
{
    return rom_client_valid (self) ? self->endpoint : NULL;
}

void
rom_client_set_timeout (rom_client_t *self, uint32_t timeout_ms)
{
    if (rom_client_valid (self))
        self->call_timeout_ms = timeout_ms ? timeout_ms : ROM_DEFAULT_CALL_TIMEOUT_MS;
}

uint64_t
romi_client_incarnation (const rom_client_t *self)
{
    return atomic_load_explicit (&self->incarnation, memory_order_relaxed);
}

void
romi_client_on_gone (rom_client_t *self, romi_client_gone_fn fn, void *arg)
{
    self->on_gone = fn;
    self->on_gone_arg = arg;
}

// --- the pending calls of a channel ---------------------------------------------------------------------

static void
s_link (romi_channel_t *channel, romi_pending_t *pending)
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
s_unlink (romi_channel_t *channel, romi_pending_t *pending)
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

// --- connection events --------------------------------------------------------------------------------------

// "the server at X is gone (connection lost 12 ms ago; server pid 4242 was killed by signal 9)" into `buf`.
static void
s_gone_text (rom_client_t *self, romi_channel_t *channel, char *buf, size_t size)
{
    pthread_mutex_lock (&self->lock);
    if (!self->gone_why[0] && self->on_gone) {
        self->on_gone (self->on_gone_arg, self->gone_why, sizeof self->gone_why);
        if (!self->gone_why[0])
            snprintf (self->gone_why, sizeof self->gone_why, "-");
    }
    char why[ROM_ERRMSG_MAX];
    snprintf (why, sizeof why, "%s", self->gone_why[0] && strcmp (self->gone_why, "-") != 0 ? self->gone_why : "");
    pthread_mutex_unlock (&self->lock);
    snprintf (buf, size, "the server at %s is gone (its connection closed %llu ms ago%s%.300s)", self->endpoint,
              (unsigned long long) (romi_now_ms () - channel->down_ms), why[0] ? "; " : "", why);
}

// The connection of `channel` dropped: every call in flight on it is answered ROM_UNAVAILABLE now. It may
// or may not have run: the server may have died before or after it, and it is never sent again.
static void
s_fail_pending (rom_client_t *self, romi_channel_t *channel)
{
    char gone[ROM_ERRMSG_MAX];
    s_gone_text (self, channel, gone, sizeof gone);
    for (romi_pending_t *pending = channel->head, *next; pending; pending = next) {
        next = pending->next;
        if (pending->done)
            continue;
        char text[ROM_ERRMSG_MAX + 128];
        snprintf (text, sizeof text, "%s#%llu.%s: %s: the call may or may not have run", pending->what_type,
                  (unsigned long long) pending->what_id, pending->what_method, gone);
        pending->done = true;
        pending->status = ROM_UNAVAILABLE;
        pending->error = strdup (text);
        if (pending->forgotten) {
            s_unlink (channel, pending);
            pending->abandoned (self, pending);
        }
    }
}

// Read the channel's connection events (never blocks).
static void
s_events (rom_client_t *self, romi_channel_t *channel)
{
    if (!channel->monitor)
        return;
    channel->events_ms = romi_now_ms ();
    uint16_t id;
    int32_t value;
    while (romi_monitor_next (channel->monitor, &id, &value)) {
        if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            channel->up = channel->ever_up = true;
            channel->denied = false; // a connection that came back says hello first: DISCONNECTED unjoined it
            if (atomic_exchange (&self->gone, false)) {
                pthread_mutex_lock (&self->lock);
                self->gone_why[0] = '\0';
                pthread_mutex_unlock (&self->lock);
            }
        } else if (id == ZMQ_EVENT_DISCONNECTED) {
            if (channel->up) {
                channel->up = false;
                channel->joined = 0;
                channel->down_ms = romi_now_ms ();
                atomic_store (&self->gone, true);
                s_fail_pending (self, channel);
            }
        } else
            channel->denied = true; // a handshake failed
    }
}

// --- sending --------------------------------------------------------------------------------------------------

static rom_status_t
s_no_connection (rom_client_t *self, romi_channel_t *channel, const romi_call_spec_t *spec, uint32_t waited_ms)
{
    atomic_store (&self->unreachable, true);
    if (channel->denied)
        return rom_client_fail (self, ROM_DENIED,
                                "%s#%llu.%s: the server at %s refused the handshake: wrong or missing authkey "
                                "(or an authkey for a server that uses none)", spec->type,
                                (unsigned long long) spec->object_id, spec->method_name, self->endpoint);
    if (channel->ever_up && !channel->up) {
        char gone[ROM_ERRMSG_MAX];
        s_gone_text (self, channel, gone, sizeof gone);
        return rom_client_fail (self, ROM_UNAVAILABLE, "%s#%llu.%s: not sent: %s", spec->type,
                                (unsigned long long) spec->object_id, spec->method_name, gone);
    }
    return rom_client_fail (self, ROM_UNAVAILABLE, "%s#%llu.%s: no server at %s (no connection within %u ms)",
                            spec->type, (unsigned long long) spec->object_id, spec->method_name, self->endpoint,
                            waited_ms);
}

// Put the call on the wire: header (with `session`) and payload. Without a connection, wait for one until
// `wait_ms` from `start` (UINT32_MAX: no bound), unless the channel lost its connection or was refused: then
// fail at once. `pending` gets its call id and deadline `timeout_ms` (UINT32_MAX: none) and is linked.
static rom_status_t
s_transmit (rom_client_t *self, romi_channel_t *channel, const romi_call_spec_t *spec, const ProtobufCMessage *in,
            romi_pending_t *pending, uint64_t session, uint32_t server_timeout_ms, uint32_t timeout_ms, uint32_t wait_ms,
            uint64_t start)
{
    Rom__CallHeader header = ROM__CALL_HEADER__INIT;
    header.version = ROM_PROTOCOL_VERSION;
    header.call_id = atomic_fetch_add (&self->next_call_id, 1);
    header.object_id = spec->object_id;
    header.method = spec->method;
    header.session = session;
    header.incarnation = spec->incarnation;
    // This client reads batched replies (wire.c): with many calls in flight their replies come in fewer
    // messages.
    header.flags = spec->flags | (spec->flags & ROM__CALL_FLAGS__CALL_ONEWAY ? 0 : ROM__CALL_FLAGS__CALL_BATCH_OK);
    header.type_hash = spec->type_hash;
    header.timeout_ms = server_timeout_ms;
    if (pending) {
        pending->call_id = header.call_id;
        pending->deadline_ms = timeout_ms == UINT32_MAX ? 0 : start + timeout_ms;
        pending->done = false;
        pending->error = NULL;
        pending->what_type = spec->type;
        pending->what_id = spec->object_id;
        pending->what_method = spec->method_name;
        zmq_msg_init (&pending->payload);
    }
    // ZMQ_IMMEDIATE: no connection means not writable. Try at once: the usual send then costs no zmq_poll (),
    // which is a poll () system call. Only when the socket refuses, look at the connection's events, and wait
    // for a connection if there is still hope for one.
    int rc = romi_wire_send_header (channel->dealer, &header.base, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    while (rc != 0 && (errno == EAGAIN || errno == EINTR)) {
        s_events (self, channel);
        if (channel->denied || (channel->ever_up && !channel->up))
            return s_no_connection (self, channel, spec, 0);
        long left = -1;
        if (wait_ms != UINT32_MAX) {
            uint64_t spent = romi_now_ms () - start;
            left = spent >= wait_ms ? 0 : (long) (wait_ms - spent);
        }
        if (left == 0)
            return s_no_connection (self, channel, spec, wait_ms);
        zmq_pollitem_t items[] = {
            {.socket = channel->dealer, .events = ZMQ_POLLOUT},
            {.socket = channel->monitor, .events = ZMQ_POLLIN},
        };
        if (zmq_poll (items, channel->monitor ? 2 : 1, left) < 0 && errno != EINTR)
            return s_no_connection (self, channel, spec, wait_ms);
        rc = romi_wire_send_header (channel->dealer, &header.base, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    }
    atomic_store_explicit (&self->unreachable, false, memory_order_relaxed);
    // Once the first frame is accepted the rest of the message is too (ZMQ queues messages atomically).
    if (rc != 0 || romi_wire_send_message (channel->dealer, in, 0) != 0)
        return rom_client_fail (self, ROM_UNAVAILABLE, "%s#%llu.%s: send to %s: %s", spec->type,
                                (unsigned long long) spec->object_id, spec->method_name, self->endpoint,
                                zmq_strerror (errno));
    if (pending)
        s_link (channel, pending);
    return ROM_OK;
}

static rom_status_t s_wait (rom_client_t *self, romi_channel_t *channel, romi_pending_t *pending,
                            ProtobufCMessage **out);
static void s_retake (rom_client_t *self);

static const romi_call_spec_t s_hello_spec = {
    .type = "rom.Manager", .method_name = "Hello", .object_id = ROM_MANAGER_ID, .method = ROM_MANAGER_HELLO};

// Say hello on the channel's connection, within `wait_ms` from `start`: join the client's session, or open
// one (the first, after fork, after a loss, on a restarted server). *retake_p: the session was replaced by
// one in which the live proxies' objects may still exist (after fork or a loss, not after a restart): the
// caller has them take their references again (s_retake ()).
static rom_status_t
s_join (rom_client_t *self, romi_channel_t *channel, bool fresh, uint32_t wait_ms, uint64_t start, bool *retake_p)
{
    *retake_p = false;
    pthread_mutex_lock (&self->hello_lock);
    Rom__HelloRequest hello = ROM__HELLO_REQUEST__INIT;
    hello.version = ROM_PROTOCOL_VERSION;
    hello.pid = (int32_t) getpid ();
    uint64_t old_session = atomic_load (&self->session);
    if (!fresh) {
        hello.join = old_session;
        hello.secret = atomic_load (&self->secret);
    }
    romi_pending_t pending = {.output = &rom__hello_reply__descriptor};
    rom_status_t status = s_transmit (self, channel, &s_hello_spec, &hello.base, &pending, 0, wait_ms, wait_ms,
                                      wait_ms, start);
    Rom__HelloReply *reply = NULL;
    if (status == ROM_OK)
        status = s_wait (self, channel, &pending, (ProtobufCMessage **) &reply);
    if (status != ROM_OK) {
        pthread_mutex_unlock (&self->hello_lock);
        return status;
    }
    atomic_store (&self->max_message, reply->max_message);
    if (!reply->joined) {
        uint64_t old_incarnation = atomic_load (&self->incarnation);
        bool restarted = old_incarnation != 0 && reply->incarnation != old_incarnation;
        atomic_store (&self->session, reply->session);
        atomic_store (&self->secret, reply->secret);
        atomic_store (&self->incarnation, reply->incarnation);
        atomic_fetch_add (&self->generation, 1);
        *retake_p = old_session != 0 && !restarted; // after fork or a loss: the objects may live on
        if (!fresh && old_session != 0 && !restarted && reply->lost && *reply->lost) {
            pthread_mutex_lock (&self->lock);
            snprintf (self->lost_why, sizeof self->lost_why, "%s", reply->lost);
            pthread_mutex_unlock (&self->lock);
            atomic_fetch_add (&self->losses, 1);
        }
    }
    channel->joined = atomic_load (&self->generation);
    rom__hello_reply__free_unpacked (reply, NULL);
    pthread_mutex_unlock (&self->hello_lock);
    return ROM_OK;
}

rom_status_t
romi_client_send (rom_client_t *self, const romi_call_spec_t *spec, const ProtobufCMessage *in, romi_pending_t *pending)
{
    if (!rom_client_valid (self))
        return rom_client_fail (NULL, ROM_INVALID, "%s.%s: no client", spec->type, spec->method_name);
    rom_status_t status = romi_client_check_fork (self);
    if (status != ROM_OK)
        return status;
    romi_channel_t *channel = s_channel (self);
    if (!channel)
        return rom_client_fail (NULL, ROM_NOMEM, "%s.%s: cannot open a socket: %s", spec->type, spec->method_name,
                                zmq_strerror (errno));
    uint64_t start = romi_now_ms ();
    // The caller's deadline, and what the server is given: with an exact timeout (rom_proxy_call_timeout ())
    // the server gets it and the caller waits a margin longer; else the server gets a margin less.
    uint32_t timeout_ms, server_ms;
    if (spec->timeout_ms == UINT32_MAX)
        timeout_ms = server_ms = UINT32_MAX;
    else if (spec->timeout_ms) {
        server_ms = spec->timeout_ms;
        timeout_ms = server_ms < UINT32_MAX - ROM_DEADLINE_MARGIN_MS ? server_ms + ROM_DEADLINE_MARGIN_MS : UINT32_MAX - 1;
    } else {
        timeout_ms = self->call_timeout_ms;
        server_ms = timeout_ms == UINT32_MAX                 ? UINT32_MAX
                    : timeout_ms > 2 * ROM_DEADLINE_MARGIN_MS ? timeout_ms - ROM_DEADLINE_MARGIN_MS
                                                              : timeout_ms - timeout_ms / 4;
    }
    if (server_ms == UINT32_MAX)
        server_ms = 0; // 0 on the wire: no deadline
    else if (server_ms == 0)
        server_ms = 1;
    // An idle channel hears of a lost or restored connection before it sends; one with calls in flight
    // hears of it in their waits.
    if ((!channel->head || !channel->up) && start - channel->events_ms >= ROM_EVENTS_EVERY_MS)
        s_events (self, channel);
    if (channel->ever_up && !channel->up)
        return s_no_connection (self, channel, spec, 0);
    // How long to wait for a connection (a thread's first call): the connect timeout at most, and a server
    // known gone gets only a short chance to be back.
    uint32_t wait_ms = timeout_ms < self->connect_timeout_ms ? timeout_ms : self->connect_timeout_ms;
    if (atomic_load (&self->gone) && wait_ms > ROM_GONE_CONNECT_MS)
        wait_ms = ROM_GONE_CONNECT_MS;
    bool retake = false;
    if (channel->joined != atomic_load_explicit (&self->generation, memory_order_relaxed) || !channel->joined) {
        if ((status = s_join (self, channel, false, wait_ms, start, &retake)) != ROM_OK)
            return status;
    }
    uint64_t losses = atomic_load_explicit (&self->losses, memory_order_relaxed);
    if (channel->losses_told != losses) {
        channel->losses_told = losses; // first: the retake's own calls must not be the ones told
        if (retake)
            s_retake (self);
        pthread_mutex_lock (&self->lock);
        char why[ROM_ERRMSG_MAX];
        snprintf (why, sizeof why, "%s", self->lost_why);
        pthread_mutex_unlock (&self->lock);
        return rom_client_fail (self, ROM_SESSION_LOST,
                                "%s#%llu.%s: not sent: this client's session at %s was ended by the server while "
                                "this process lived (%s): locks it held were released and its references dropped; "
                                "it has a new session now", spec->type, (unsigned long long) spec->object_id,
                                spec->method_name, self->endpoint, why);
    }
    if (retake)
        s_retake (self);
    if (spec->incarnation && spec->incarnation != romi_client_incarnation (self))
        return rom_client_fail (self, ROM_NO_OBJECT,
                                "%s#%llu.%s: the server at %s restarted since this proxy was made: its object "
                                "belonged to the previous run and is gone", spec->type,
                                (unsigned long long) spec->object_id, spec->method_name, self->endpoint);
    size_t size = in ? protobuf_c_message_get_packed_size (in) : 0;
    size_t max = atomic_load_explicit (&self->max_message, memory_order_relaxed);
    if (max && size > max)
        return rom_client_fail (self, ROM_TOO_LARGE, "%s#%llu.%s: payload of %zu bytes is over the server's limit of %zu",
                                spec->type, (unsigned long long) spec->object_id, spec->method_name, size, max);
    return s_transmit (self, channel, spec, in, pending, atomic_load_explicit (&self->session, memory_order_relaxed),
                       server_ms, timeout_ms, wait_ms, start);
}

// A proxy's release is one-way: no caller waits for it, so it waits for a connection only briefly, and not
// at all once the server was found unreachable (destroying the proxies of a dead server costs no timeout).
// A release that cannot be sent is released with the session (goodbye, or the server's lease).
#define ROM_RELEASE_WAIT_MS 250u

rom_status_t
romi_client_release (rom_client_t *self, uint64_t object_id)
{
    Rom__RefRequest req = ROM__REF_REQUEST__INIT;
    req.id = object_id;
    romi_call_spec_t spec = {.type = "rom.Manager",
                            .method_name = "Release",
                            .object_id = ROM_MANAGER_ID,
                            .method = ROM_MANAGER_RELEASE,
                            .flags = ROM__CALL_FLAGS__CALL_ONEWAY,
                            .timeout_ms = rom_client_valid (self) && atomic_load (&self->unreachable) ? 1
                                                                                                    : ROM_RELEASE_WAIT_MS};
    return romi_client_send (self, &spec, &req.base, NULL);
}

// --- receiving ------------------------------------------------------------------------------------------------

// Hand a reply to its pending call. `payload` is taken (moved or closed).
static void
s_deliver (rom_client_t *self, romi_channel_t *channel, const Rom__ReplyHeader *header, zmq_msg_t *payload)
{
    // A refusal from another server run than our session's: the server restarted under us. Say hello again
    // before the next call.
    if (header && header->incarnation && header->incarnation != romi_client_incarnation (self))
        channel->joined = 0;
    // Replies come in send order, and answered calls stay linked until their callers collect them: look
    // where the last reply left off first, so a batch of n replies is not n scans over the answered ones.
    romi_pending_t *pending = channel->expect;
    if (!header || !pending || pending->call_id != header->call_id) {
        pending = channel->head;
        while (header && pending && pending->call_id != header->call_id)
            pending = pending->next;
    }
    if (pending)
        channel->expect = pending->next;
    // A reply nobody waits for (its caller timed out, or call id 0: a probe of the server's) is dropped.
    if (header && pending && !pending->done) {
        pending->done = true;
        pending->status = header->status <= ROM_STATUS_LAST ? (rom_status_t) header->status : ROM_INTERNAL;
        if (pending->status == ROM_OK)
            zmq_msg_move (&pending->payload, payload);
        else
            pending->error = strdup (header->error ? header->error : "");
        if (pending->status == ROM_SESSION_LOST)
            channel->joined = 0; // the next call opens a new session (and is not told again)
        if (pending->forgotten) {
            // Its caller gave up on it (romi_client_forget ()): the reply is handed over, and with it the
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
s_deliver_batch (rom_client_t *self, romi_channel_t *channel, const zmq_msg_t *batch)
{
    const uint8_t *p = zmq_msg_data ((zmq_msg_t *) batch), *end = p + zmq_msg_size ((zmq_msg_t *) batch);
    const uint8_t *head, *data;
    size_t head_size, size;
    while (romi_wire_batch_next (&p, end, &head, &head_size, &data, &size)) {
        Rom__ReplyHeader *header = romi_wire_decode_reply (head, head_size);
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
// With `watch`, the connection's events are watched meanwhile (a lost connection answers the calls in
// flight); without, a plain blocking receive.
static bool
s_receive (rom_client_t *self, romi_channel_t *channel, long wait_ms, bool watch)
{
    zmq_msg_t head, payload;
    zmq_msg_init (&head);
    // Try first: with calls in flight the reply is often queued already. Else a blocking receive with the
    // wait as its timeout: measured, it costs fewer system calls and wake-ups than zmq_poll () and a receive
    // (sync p50 ~33 -> ~31.5 us, 4.5 -> 4.1 wake-ups per call).
    if (zmq_msg_recv (&head, channel->dealer, ZMQ_DONTWAIT) < 0) {
        if (wait_ms == 0) {
            zmq_msg_close (&head);
            return false;
        }
        if (watch && channel->monitor) {
            zmq_pollitem_t items[] = {
                {.socket = channel->dealer, .events = ZMQ_POLLIN},
                {.socket = channel->monitor, .events = ZMQ_POLLIN},
            };
            int rc = zmq_poll (items, 2, wait_ms);
            if (rc > 0 && (items[1].revents & ZMQ_POLLIN))
                s_events (self, channel);
            if (rc <= 0 || !(items[0].revents & ZMQ_POLLIN)
                || zmq_msg_recv (&head, channel->dealer, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&head);
                return false;
            }
        } else {
            int timeout = wait_ms > INT32_MAX ? -1 : (int) wait_ms;
            if (timeout != channel->rcvtimeo) {
                zmq_setsockopt (channel->dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
                channel->rcvtimeo = timeout;
            }
            if (zmq_msg_recv (&head, channel->dealer, 0) < 0) {
                zmq_msg_close (&head);
                return false;
            }
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
        Rom__ReplyHeader *header = romi_wire_decode_reply (zmq_msg_data (&head), zmq_msg_size (&head));
        s_deliver (self, channel, header, &payload);
        if (header)
            protobuf_c_message_free_unpacked (&header->base, NULL);
    }
    zmq_msg_close (&head);
    return true;
}

static rom_status_t
s_wait (rom_client_t *self, romi_channel_t *channel, romi_pending_t *pending, ProtobufCMessage **out)
{
    uint64_t start = romi_now_ms ();
    while (!pending->done) {
        uint64_t now = romi_now_ms ();
        long wait_ms = -1;
        if (pending->deadline_ms) {
            if (now >= pending->deadline_ms)
                break;
            wait_ms = (long) (pending->deadline_ms - now);
        }
        // First a plain receive for a short slice (most replies come within it), then watch the connection.
        long slice = (long) (start + ROM_LIVENESS_SLICE_MS) - (long) now;
        bool watch = slice <= 0 || !channel->monitor;
        if (!watch && (wait_ms < 0 || slice < wait_ms))
            wait_ms = slice;
        s_receive (self, channel, wait_ms, watch);
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
        *out = romi_wire_too_deep (pending->output, data, size)
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
romi_client_wait (rom_client_t *self, romi_pending_t *pending, ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    if (pending->orphaned || !rom_client_valid (self)) {
        zmq_msg_close (&pending->payload);
        free (pending->error);
        pending->error = NULL;
        if (pending->orphaned == ROM_ORPHAN_FORKED)
            return rom_client_fail (NULL, ROM_BROKEN, "%s#%llu.%s: the call was sent before fork ()",
                                    pending->what_type, (unsigned long long) pending->what_id, pending->what_method);
        return rom_client_fail (NULL, ROM_UNAVAILABLE, "%s#%llu.%s: its client was destroyed before the reply "
                                "was collected", pending->what_type, (unsigned long long) pending->what_id,
                                pending->what_method);
    }
    if (self->pid != s_getpid ()) {
        // Sent by the parent: its reply goes to the parent's socket.
        romi_client_check_fork (self);
        return rom_client_fail (self, ROM_BROKEN, "%s#%llu.%s: the call was sent before fork ()",
                                pending->what_type, (unsigned long long) pending->what_id, pending->what_method);
    }
    romi_channel_t *channel = s_channel (self);
    if (!channel)
        return ROM_NOMEM;
    return s_wait (self, channel, pending, out);
}

bool
romi_client_forget (rom_client_t *self, romi_pending_t *pending)
{
    if (pending->orphaned) {
        zmq_msg_close (&pending->payload);
        free (pending->error);
        pending->error = NULL;
        return false;
    }
    if (!rom_client_valid (self) || self->pid != s_getpid ()) {
        // The client is gone (its channels freed their calls' hooks), or this is the parent's call.
        if (!pending->abandoned)
            return false;
        pending->abandoned (NULL, pending);
        return true;
    }
    romi_channel_t *channel = s_channel (self);
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

// A channel goes away (client destroyed, or the channel was the parent's): the forgotten calls go to their
// hooks with no reply (what their replies would carry dies with the session), and the futures still held
// by their callers are marked, so they never follow the client pointer again.
static void
s_drop_forgotten (romi_channel_t *channel, uint8_t why)
{
    for (romi_pending_t *pending = channel->head, *next; pending; pending = next) {
        next = pending->next;
        s_unlink (channel, pending);
        if (pending->forgotten)
            pending->abandoned (NULL, pending);
        else
            pending->orphaned = why;
    }
}

rom_status_t
romi_client_manager_call (rom_client_t *self, unsigned method, const ProtobufCMessage *in,
                         const ProtobufCMessageDescriptor *output, ProtobufCMessage **out)
{
    static const char *const names[] = {"Hello", "Create", "Lookup", "Retain", "Release", "Ping", "Goodbye"};
    romi_call_spec_t spec = {.type = "rom.Manager", .method_name = names[method], .object_id = ROM_MANAGER_ID,
                            .method = method};
    romi_pending_t pending = {.output = output};
    rom_status_t status = romi_client_send (self, &spec, in, &pending);
    if (status != ROM_OK)
        return status;
    return romi_client_wait (self, &pending, out);
}

// --- session ------------------------------------------------------------------------------------------------

// Each live proxy takes its reference again under a new session (after fork (), as after unpickling a proxy
// in Python, or after a lost session). An object gone meanwhile leaves a proxy whose calls fail NO_OBJECT.
static void
s_retake (rom_client_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t n = self->n_proxies;
    uint64_t *ids = n ? malloc (n * sizeof *ids) : NULL;
    for (size_t i = 0; ids && i < n; i++)
        ids[i] = rom_proxy_id (self->proxies[i]);
    pthread_mutex_unlock (&self->lock);
    for (size_t i = 0; ids && i < n; i++) {
        Rom__RefRequest req = ROM__REF_REQUEST__INIT;
        req.id = ids[i];
        romi_client_manager_call (self, ROM_MANAGER_RETAIN, &req.base, &rom__empty__descriptor, NULL);
    }
    free (ids);
}

rom_status_t
rom_client_connect (const char *endpoint, const rom_client_opts_t *opts, rom_client_t **client_p,
                    const char **errmsg)
{
    if (errmsg)
        *errmsg = s_last_error;
    if (!client_p)
        return rom_client_fail (NULL, ROM_INVALID, "rom_client_connect: client_p is NULL");
    *client_p = NULL;
    if (!endpoint || !strstr (endpoint, "://"))
        return rom_client_fail (NULL, ROM_INVALID,
                                "\"%s\" is not an endpoint (ipc://path, tcp://host:port or inproc://name)",
                                endpoint ? endpoint : "(null)");
    rom_client_t *self = calloc (1, sizeof *self);
    if (!self || !(self->endpoint = strdup (endpoint))) {
        free (self);
        return rom_client_fail (NULL, ROM_NOMEM, "connect %.400s: out of memory", endpoint);
    }
    self->tag = ROM_CLIENT_TAG;
    pthread_mutex_init (&self->lock, NULL);
    pthread_mutex_init (&self->hello_lock, NULL);
    self->pid = getpid ();
    self->serial = atomic_fetch_add (&s_next_serial, 1);
    self->next_call_id = 1;
    self->connect_timeout_ms = opts && opts->connect_timeout_ms ? opts->connect_timeout_ms
                                                                 : ROM_DEFAULT_CONNECT_TIMEOUT_MS;
    self->call_timeout_ms = opts && opts->call_timeout_ms ? opts->call_timeout_ms : ROM_DEFAULT_CALL_TIMEOUT_MS;
    rom_status_t status;
    if (opts && opts->authkey) {
        if (!(self->keys = malloc (sizeof *self->keys)) || romi_auth_derive (opts->authkey, self->keys) != 0) {
            status = rom_client_fail (NULL, self->keys ? ROM_INVALID : ROM_NOMEM, "connect %.400s: %s", endpoint,
                                      self->keys ? "an authkey needs CURVE, and this libzmq was built without it"
                                                 : "out of memory");
            rom_client_destroy (&self);
            return status;
        }
    }
    uint64_t start = romi_now_ms ();
    romi_channel_t *channel = s_channel_open (self);
    if (!channel) {
        status = rom_client_fail (NULL, ROM_INVALID, "connect %.400s: %s", endpoint, zmq_strerror (errno));
        rom_client_destroy (&self);
        return status;
    }
    // One deadline for all of it: the connection, the handshake and the hello.
    bool retake;
    status = s_join (self, channel, true, self->connect_timeout_ms, start, &retake);
    if (status != ROM_OK) {
        if (status == ROM_TIMEOUT)
            rom_client_fail (NULL, ROM_UNAVAILABLE, "connect %.400s: the server did not answer its hello within %u ms",
                             endpoint, self->connect_timeout_ms);
        else
            rom_client_fail (NULL, status, "connect: %s", channel->errmsg);
        status = status == ROM_TIMEOUT ? ROM_UNAVAILABLE : status;
        rom_client_destroy (&self);
        return status;
    }
    *client_p = self;
    return ROM_OK;
}

rom_status_t
romi_client_check_fork (rom_client_t *self)
{
    if (self->pid == s_getpid ())
        return ROM_OK;
    // A child of fork (): the sockets belong to the parent's context. Drop them without closing (their
    // memory is the parent's copy) and start over with a session of our own.
    pthread_mutex_init (&self->lock, NULL);
    pthread_mutex_init (&self->hello_lock, NULL);
    romi_channel_t *channel = self->channels;
    while (channel) {
        romi_channel_t *next = channel->next;
        s_drop_forgotten (channel, ROM_ORPHAN_FORKED);
        free (channel);
        channel = next;
    }
    self->channels = NULL;
    self->pid = getpid ();
    self->serial = atomic_fetch_add (&s_next_serial, 1);
    self->on_gone = NULL; // the parent's child is no child of ours
    self->gone = false;
    self->gone_why[0] = '\0';
    channel = s_channel (self);
    if (!channel)
        return rom_client_fail (self, ROM_NOMEM, "after fork (): cannot open a socket");
    bool retake;
    rom_status_t status = s_join (self, channel, true, self->connect_timeout_ms, romi_now_ms (), &retake);
    if (status == ROM_OK && retake)
        s_retake (self);
    return status;
}

rom_status_t
rom_client_ping (rom_client_t *self)
{
    if (!rom_client_valid (self))
        return rom_client_fail (NULL, ROM_INVALID, "rom_client_ping: no client");
    Rom__Empty empty = ROM__EMPTY__INIT;
    return romi_client_manager_call (self, ROM_MANAGER_PING, &empty.base, &rom__empty__descriptor, NULL);
}

int
romi_client_attach (rom_client_t *self, rom_proxy_t *proxy)
{
    pthread_mutex_lock (&self->lock);
    if (self->n_proxies == self->proxies_capacity) {
        size_t capacity = self->proxies_capacity ? self->proxies_capacity * 2 : 8;
        rom_proxy_t **proxies = realloc (self->proxies, capacity * sizeof *proxies);
        if (!proxies) {
            pthread_mutex_unlock (&self->lock);
            return -1;
        }
        self->proxies = proxies;
        self->proxies_capacity = capacity;
    }
    self->proxies[self->n_proxies++] = proxy;
    pthread_mutex_unlock (&self->lock);
    return 0;
}

void
romi_client_detach (rom_client_t *self, rom_proxy_t *proxy)
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
    if (!self_p || !rom_client_valid (*self_p))
        return;
    rom_client_t *self = *self_p;
    bool ours = self->pid == s_getpid ();
    romi_channel_t *mine = ours && s_cache.serial == self->serial ? s_cache.channel : NULL;
    if (ours && self->session && !(mine && mine->ever_up && !mine->up)) {
        // Tell the server now rather than let the session's lease run out; never wait long for it.
        uint32_t timeout = self->call_timeout_ms;
        self->call_timeout_ms = timeout < 1000 ? timeout : 1000;
        Rom__Empty empty = ROM__EMPTY__INIT;
        romi_client_manager_call (self, ROM_MANAGER_GOODBYE, &empty.base, &rom__empty__descriptor, NULL);
    }
    // Its proxies outlive it: they answer ROM_UNAVAILABLE from now on and may still be destroyed.
    for (size_t i = 0; i < self->n_proxies; i++)
        romi_proxy_orphan (self->proxies[i]);
    romi_channel_t *channel = self->channels;
    while (channel) {
        romi_channel_t *next = channel->next;
        s_drop_forgotten (channel, ours ? ROM_ORPHAN_DESTROYED : ROM_ORPHAN_FORKED);
        if (ours)
            s_channel_close (channel);
        free (channel);
        channel = next;
    }
    if (s_cache.serial == self->serial)
        s_cache.serial = 0;
    pthread_mutex_destroy (&self->lock);
    pthread_mutex_destroy (&self->hello_lock);
    free (self->proxies);
    if (self->keys) {
        memset (self->keys, 0, sizeof *self->keys); // secrets do not outlive the client in freed memory
        free (self->keys);
    }
    free (self->endpoint);
    self->tag = ROM_CLIENT_DEAD;
    free (self);
    *self_p = NULL;
}
