// transport_zmq.c: the ZMQ transport (romi_transport.h), the one there is today: a dialer is a DEALER, a
// listener a ROUTER, both sockets of the process's context (context.c), with CURVE when there is an authkey,
// TCP keepalives (never ZMTP heartbeats: docs/design.md, "A stopped process is not dead") and a socket
// monitor for connection events. Everything ZMQ-specific about rom's sockets is here.
#include "rom_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROM_ZMQ_POLL_MAX 8u // items of one romi_poll ()

typedef struct {
    romi_conn_t base;
    void *socket;
    void *monitor; // PAIR receiving the socket's connection events; NULL: none watched
    int rcvtimeo;  // ZMQ_RCVTIMEO as last set: set again only when it changes
    bool listener;
} romi_zmq_conn_t;

// What a dialer watches: a refused handshake ends that connection for good (libzmq does not retry after a
// protocol error), and a lost connection is reported once.
static const int s_dialer_events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED
                                   | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                   | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

static bool
s_accepts (const char *endpoint)
{
    return strncmp (endpoint, "inproc://", 9) == 0 || strncmp (endpoint, "ipc://", 6) == 0
           || strncmp (endpoint, "tcp://", 6) == 0;
}

static void
s_close (romi_conn_t **self_p, bool abandon)
{
    romi_zmq_conn_t *self = (romi_zmq_conn_t *) *self_p;
    if (!self)
        return;
    // A forked child's copy of its parent's socket belongs to the parent's context, whose I/O thread does
    // not exist here: never closed, only forgotten (context.c keeps the context itself reachable).
    if (!abandon) {
        romi_monitor_close (self->socket, &self->monitor);
        romi_socket_close (&self->socket);
    }
    free (self);
    *self_p = NULL;
}

// Undo a half-made connection, keeping the errno that stopped it.
static romi_conn_t *
s_fail (romi_zmq_conn_t *self)
{
    int saved = errno;
    romi_conn_t *base = &self->base;
    s_close (&base, false);
    errno = saved;
    return NULL;
}

// A connection on a new socket of `type`, with what every rom socket has: TCP keepalives. NULL with errno.
static romi_zmq_conn_t *
s_conn_new (int type, uint32_t keepalive_ms)
{
    romi_zmq_conn_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->base.transport = &romi_transport_zmq;
    self->rcvtimeo = -1;
    self->listener = type == ZMQ_ROUTER;
    if (!(self->socket = romi_socket_new (type))) {
        free (self);
        return NULL;
    }
    if (romi_socket_keepalive (self->socket, keepalive_ms) != 0) {
        s_fail (self);
        return NULL;
    }
    return self;
}

static int
s_set (void *socket, int option, int value)
{
    return zmq_setsockopt (socket, option, &value, sizeof value);
}

// Set a CURVE key (Z85, 40 characters).
static int
s_set_key (void *socket, int option, const char *key)
{
    return zmq_setsockopt (socket, option, key, 40);
}

static romi_conn_t *
s_dial (const char *endpoint, const romi_dial_opts_t *opts)
{
    romi_zmq_conn_t *self = s_conn_new (ZMQ_DEALER, opts->keepalive_ms);
    if (!self)
        return NULL;
    void *socket = self->socket;
    // ZMQ_IMMEDIATE: without a connection, sends fail at once (EAGAIN) instead of queueing for a server
    // that may never come.
    if (s_set (socket, ZMQ_IMMEDIATE, 1) != 0 || s_set (socket, ZMQ_RECONNECT_IVL, opts->reconnect_ms) != 0
        || (opts->routing_id_size
            && zmq_setsockopt (socket, ZMQ_ROUTING_ID, opts->routing_id, opts->routing_id_size) != 0)
        || (opts->server_key
            && (s_set_key (socket, ZMQ_CURVE_SERVERKEY, opts->server_key) != 0
                || s_set_key (socket, ZMQ_CURVE_PUBLICKEY, opts->public_key) != 0
                || s_set_key (socket, ZMQ_CURVE_SECRETKEY, opts->secret_key) != 0)))
        return s_fail (self);
    // Events are watched from before the socket connects, so none is missed. inproc has none to tell.
    if (strncmp (endpoint, "inproc://", 9) != 0
        && !(self->monitor = romi_monitor_open (socket, s_dialer_events)))
        return s_fail (self);
    if (zmq_connect (socket, endpoint) != 0)
        return s_fail (self);
    return &self->base;
}

static romi_conn_t *
s_listen (const romi_listen_opts_t *opts)
{
    romi_zmq_conn_t *self = s_conn_new (ZMQ_ROUTER, opts->keepalive_ms);
    if (!self)
        return NULL;
    void *socket = self->socket;
    // ROUTER_MANDATORY: a reply to a peer that is gone fails at once (EHOSTUNREACH: lease.c probes with it)
    // instead of being queued for nobody. HANDOVER: a client's connection that came back (same routing id)
    // takes over from the one it replaces. CURVE is set before any bind, so every connection is checked.
    if (s_set (socket, ZMQ_ROUTER_MANDATORY, 1) != 0
        || zmq_setsockopt (socket, ZMQ_MAXMSGSIZE, &opts->max_frame, sizeof opts->max_frame) != 0
        || s_set (socket, ZMQ_ROUTER_HANDOVER, 1) != 0
        || !(self->monitor = romi_monitor_open (socket, ZMQ_EVENT_DISCONNECTED))
        || (opts->secret_key
            && (s_set (socket, ZMQ_CURVE_SERVER, 1) != 0
                || s_set_key (socket, ZMQ_CURVE_SECRETKEY, opts->secret_key) != 0
                || zmq_setsockopt (socket, ZMQ_ZAP_DOMAIN, opts->zap_domain, strlen (opts->zap_domain))
                       != 0)))
        return s_fail (self);
    return &self->base;
}

static int
s_bind (romi_conn_t *base, const char *endpoint, char *resolved, size_t size)
{
    romi_zmq_conn_t *self = (romi_zmq_conn_t *) base;
    // ZMQ binds tcp:// to an interface name or an address, and takes "localhost" for an interface (the
    // error is "No such device"): what a user means by it is the loopback address.
    char local[ROM_PATH_MAX];
    if (strncmp (endpoint, "tcp://localhost:", 16) == 0) {
        snprintf (local, sizeof local, "tcp://127.0.0.1:%s", endpoint + 16);
        endpoint = local;
    }
    if (zmq_bind (self->socket, endpoint) != 0)
        return -1;
    if (zmq_getsockopt (self->socket, ZMQ_LAST_ENDPOINT, resolved, &size) != 0)
        snprintf (resolved, size, "%s", endpoint);
    return 0;
}

static int
s_send (romi_conn_t *base, romi_frame_t *frames, size_t n, int flags)
{
    romi_zmq_conn_t *self = (romi_zmq_conn_t *) base;
    int zflags = flags & ROMI_SEND_DONTWAIT ? ZMQ_DONTWAIT : 0;
    for (size_t i = 0; i < n; i++)
        if (zmq_msg_send (&frames[i].zmq, self->socket, zflags | (i + 1 < n ? ZMQ_SNDMORE : 0)) < 0) {
            // Once the first frame is accepted the rest are too (ZMQ queues messages atomically): only the
            // first can fail, and the frames are then all still the caller's.
            return -1;
        }
    return 0;
}

static int
s_recv (romi_conn_t *base, romi_msg_t *msg, long wait_ms)
{
    romi_zmq_conn_t *self = (romi_zmq_conn_t *) base;
    for (size_t i = 0; i < ROMI_MSG_FRAMES; i++)
        romi_frame_init (&msg->frames[i]);
    msg->n = msg->extra = 0;
    msg->fd = -1;
    int flags = 0;
    if (wait_ms == 0)
        flags = ZMQ_DONTWAIT;
    else {
        // A blocking receive with the wait as its timeout: measured, it costs fewer system calls and
        // wake-ups than zmq_poll () and a receive (sync p50 ~33 -> ~31.5 us, 4.5 -> 4.1 wake-ups per call).
        int timeout = wait_ms < 0 || wait_ms > INT32_MAX ? -1 : (int) wait_ms;
        if (timeout != self->rcvtimeo) {
            zmq_setsockopt (self->socket, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
            self->rcvtimeo = timeout;
        }
    }
    if (zmq_msg_recv (&msg->frames[0].zmq, self->socket, flags) < 0)
        return -1;
    msg->n = 1;
    zmq_msg_t *last = &msg->frames[0].zmq;
    bool more = zmq_msg_more (last);
    while (more) { // the rest of a message is there once its first frame is: these never wait
        zmq_msg_t scratch, *frame = msg->n < ROMI_MSG_FRAMES ? &msg->frames[msg->n].zmq : &scratch;
        if (frame == &scratch)
            zmq_msg_init (&scratch);
        if (zmq_msg_recv (frame, self->socket, 0) < 0) {
            if (frame == &scratch)
                zmq_msg_close (&scratch);
            break;
        }
        more = zmq_msg_more (frame);
        if (frame == &scratch) {
            zmq_msg_close (&scratch);
            msg->extra++;
        } else {
            last = frame;
            msg->n++;
        }
    }
    if (self->listener)
        msg->fd = zmq_msg_get (last, ZMQ_SRCFD);
    return 0;
}

static int
s_poll (romi_poll_t *items, size_t n, long wait_ms)
{
    zmq_pollitem_t z[2 * ROM_ZMQ_POLL_MAX];
    size_t at[2 * ROM_ZMQ_POLL_MAX], k = 0;
    for (size_t i = 0; i < n && i < ROM_ZMQ_POLL_MAX; i++) {
        romi_zmq_conn_t *conn = (romi_zmq_conn_t *) items[i].conn;
        items[i].revents = 0;
        short io = (short) ((items[i].events & ROMI_POLL_IN ? ZMQ_POLLIN : 0)
                            | (items[i].events & ROMI_POLL_OUT ? ZMQ_POLLOUT : 0));
        if (!conn)
            z[k] = (zmq_pollitem_t) {.fd = items[i].fd, .events = io};
        else if (io)
            z[k] = (zmq_pollitem_t) {.socket = conn->socket, .events = io};
        if (!conn || io)
            at[k++] = i;
        if (conn && conn->monitor && (items[i].events & ROMI_POLL_EVENTS)) {
            z[k] = (zmq_pollitem_t) {.socket = conn->monitor, .events = ZMQ_POLLIN};
            at[k++] = i | (SIZE_MAX ^ (SIZE_MAX >> 1)); // the top bit: an events item
        }
    }
    int rc = zmq_poll (z, (int) k, wait_ms);
    if (rc <= 0)
        return rc;
    int ready = 0;
    for (size_t j = 0; j < k; j++) {
        if (!z[j].revents)
            continue;
        size_t i = at[j] & (SIZE_MAX >> 1);
        short was = items[i].revents;
        if (at[j] != i)
            items[i].revents |= ROMI_POLL_EVENTS;
        else
            items[i].revents |= (short) ((z[j].revents & (ZMQ_POLLIN | ZMQ_POLLERR) ? ROMI_POLL_IN : 0)
                                         | (z[j].revents & ZMQ_POLLOUT ? ROMI_POLL_OUT : 0));
        ready += !was && items[i].revents;
    }
    return ready;
}

static bool
s_event (romi_conn_t *base, romi_event_t *event)
{
    romi_zmq_conn_t *self = (romi_zmq_conn_t *) base;
    uint16_t id;
    int32_t value;
    if (!self->monitor || !romi_monitor_next (self->monitor, &id, &value))
        return false;
    event->fd = value;
    event->kind = id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ? ROMI_EVENT_UP
                  : id == ZMQ_EVENT_DISCONNECTED      ? ROMI_EVENT_DOWN
                                                      : ROMI_EVENT_REFUSED;
    return true;
}

static bool
s_watched (const romi_conn_t *base)
{
    return ((const romi_zmq_conn_t *) base)->monitor != NULL;
}

static bool
s_readable (romi_conn_t *base)
{
    uint32_t events = 0;
    size_t size = sizeof events;
    return zmq_getsockopt (((romi_zmq_conn_t *) base)->socket, ZMQ_EVENTS, &events, &size) == 0
           && (events & ZMQ_POLLIN);
}

static void
s_set_linger (romi_conn_t *base, int linger_ms)
{
    zmq_setsockopt (((romi_zmq_conn_t *) base)->socket, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
}

const romi_transport_t romi_transport_zmq = {
    .name = "zmq",
    .accepts = s_accepts,
    .dial = s_dial,
    .listen = s_listen,
    .bind = s_bind,
    .send = s_send,
    .recv = s_recv,
    .poll = s_poll,
    .event = s_event,
    .watched = s_watched,
    .readable = s_readable,
    .set_linger = s_set_linger,
    .close = s_close,
    .strerror = zmq_strerror,
};
