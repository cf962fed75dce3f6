// romi_transport.h: the transport seam. The client and the server reach the network only through this
// small interface: a table of functions per transport (nng's model), the one to use chosen by the scheme of
// an endpoint. ZMQ (transport_zmq.c: ROUTER/DEALER over inproc://, ipc://, tcp://) is the one transport
// today; a same-host fast path can be added as a second table without touching dispatch, sessions or the
// generated code, which speak frames and messages only.
//
// A frame is a zmq_msg_t used as a reference-counted buffer: zero copy (a payload is packed straight into
// it and handed to the I/O thread as is), and another transport can fill one over memory of its own with
// zmq_msg_init_data (), which needs no ZMQ socket. A message is a few frames: a dialer sends and receives
// [header][payload]; a listener receives [peer][header][payload] and sends to the peer its first frame names.
#ifndef ROMI_TRANSPORT_H
#define ROMI_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

// --- frames: inline, they are on every call's path ---------------------------------------------------------

typedef struct {
    zmq_msg_t zmq;
} romi_frame_t;

// An empty frame.
static inline void
romi_frame_init (romi_frame_t *self)
{
    zmq_msg_init (&self->zmq);
}

// An uninitialized frame of `size` bytes; -1 when out of memory (the frame is then empty, still to close).
static inline int
romi_frame_init_size (romi_frame_t *self, size_t size)
{
    if (zmq_msg_init_size (&self->zmq, size) == 0)
        return 0;
    zmq_msg_init (&self->zmq);
    return -1;
}

// A frame over `data`, which `release (data, hint)` frees once the transport is done with it.
static inline int
romi_frame_init_data (romi_frame_t *self, void *data, size_t size, void (*release) (void *, void *),
                      void *hint)
{
    return zmq_msg_init_data (&self->zmq, data, size, release, hint);
}

// Its bytes (writable until it is sent), and its size.
static inline void *
romi_frame_data (romi_frame_t *self)
{
    return zmq_msg_data (&self->zmq);
}

static inline const void *
romi_frame_cdata (const romi_frame_t *self)
{
    return zmq_msg_data ((zmq_msg_t *) &self->zmq);
}

static inline size_t
romi_frame_size (const romi_frame_t *self)
{
    return zmq_msg_size (&self->zmq);
}

// Give up this frame's share of its buffer; the frame is empty afterwards (closing it again is harmless).
static inline void
romi_frame_close (romi_frame_t *self)
{
    zmq_msg_close (&self->zmq);
    zmq_msg_init (&self->zmq);
}

// Move `src`'s buffer to `dst` (whose own is given up first); `src` is left empty.
static inline void
romi_frame_move (romi_frame_t *dst, romi_frame_t *src)
{
    zmq_msg_move (&dst->zmq, &src->zmq);
}

// Share `src`'s buffer with `dst` (no copy of the bytes); -1 when that fails.
static inline int
romi_frame_copy (romi_frame_t *dst, const romi_frame_t *src)
{
    return zmq_msg_copy (&dst->zmq, (zmq_msg_t *) &src->zmq);
}

// Whether two frames hold the same bytes (peer ids).
static inline bool
romi_frame_equal (const romi_frame_t *a, const romi_frame_t *b)
{
    size_t size = romi_frame_size (a);
    return size == romi_frame_size (b)
           && (size == 0 || __builtin_memcmp (romi_frame_cdata (a), romi_frame_cdata (b), size) == 0);
}

// --- messages --------------------------------------------------------------------------------------------

#define ROMI_MSG_FRAMES 3u // a listener's [peer][header][payload]: more frames than that are malformed

// One message as received: its first frames, how many more were dropped, and the connection it came on.
typedef struct {
    romi_frame_t frames[ROMI_MSG_FRAMES];
    size_t n;     // frames held (the others are empty)
    size_t extra; // frames past ROMI_MSG_FRAMES, read and dropped
    int fd;       // the connection's socket (lease.c's suspects), -1 when unknown
} romi_msg_t;

// Close every frame of `msg`.
void romi_msg_close (romi_msg_t *msg);

// --- connections -------------------------------------------------------------------------------------------

typedef struct romi_transport romi_transport_t;
// A dialer (a client thread's connection) or a listener (a server's). Transports extend it.
typedef struct {
    const romi_transport_t *transport;
} romi_conn_t;

// What a dialer is made with.
typedef struct {
    const void *routing_id; // how the listener knows this connection; kept across reconnects
    size_t routing_id_size;
    const char *server_key;              // CURVE, Z85 (40 characters): the server's public key; NULL: none
    const char *public_key, *secret_key; // this client's pair, with server_key
    uint32_t keepalive_ms;               // a tcp connection silently gone is dropped within about this
    int reconnect_ms;                    // how soon a lost connection is tried again
} romi_dial_opts_t;

// What a listener is made with.
typedef struct {
    const char *secret_key; // CURVE, Z85: the server's secret key; NULL: none
    const char *zap_domain; // with secret_key: whom the process's ZAP handler admits (auth.c)
    uint32_t keepalive_ms;  // as for a dialer
    int64_t max_frame;      // a peer sending a larger frame is dropped (-1: no limit)
} romi_listen_opts_t;

// Connection events (romi_conn_event ()).
typedef enum {
    ROMI_EVENT_UP = 1,  // a connection's handshake succeeded
    ROMI_EVENT_DOWN,    // a connection dropped (`fd` its socket)
    ROMI_EVENT_REFUSED, // a handshake failed (wrong or missing authkey)
} romi_event_kind_t;

typedef struct {
    romi_event_kind_t kind;
    int fd;
} romi_event_t;

// Flags of romi_send ().
#define ROMI_SEND_DONTWAIT 1 // fail with EAGAIN rather than wait (a dialer without a connection)

// Readiness of a connection or an fd (romi_poll ()).
#define ROMI_POLL_IN 1     // a message can be received (an fd: readable, hung up or in error)
#define ROMI_POLL_OUT 2    // a message can be sent
#define ROMI_POLL_EVENTS 4 // a connection event is waiting

typedef struct {
    romi_conn_t *conn; // NULL: `fd` instead
    int fd;
    short events, revents;
} romi_poll_t;

struct romi_transport {
    const char *name;
    // Whether `endpoint` is this transport's (its scheme).
    bool (*accepts) (const char *endpoint);
    // A connection to `endpoint`, made in the background and remade after it drops. Its connection
    // events are reported (before any can happen) unless the transport has none to tell for this endpoint
    // (romi_conn_watched ()). NULL with errno.
    romi_conn_t *(*dial) (const char *endpoint, const romi_dial_opts_t *opts);
    // A listener bound to nothing yet, reporting ROMI_EVENT_DOWN. NULL with errno.
    romi_conn_t *(*listen) (const romi_listen_opts_t *opts);
    // Listen on `endpoint` too; the address it resolved to (a tcp port chosen) into `resolved`. -1, errno.
    int (*bind) (romi_conn_t *self, const char *endpoint, char *resolved, size_t size);
    // Send `n` frames as one message; they are taken on success, left to the caller on failure (retry them
    // or close them). A listener's first frame is the peer's routing id: EHOSTUNREACH when it is gone.
    int (*send) (romi_conn_t *self, romi_frame_t *frames, size_t n, int flags);
    // Receive one message into *msg (initialized here) within `wait_ms` (0: only one already queued; -1:
    // no bound). -1 with errno EAGAIN when none came.
    int (*recv) (romi_conn_t *self, romi_msg_t *msg, long wait_ms);
    // Wait until one of `items` is ready (every connection among them of this transport); as poll ().
    int (*poll) (romi_poll_t *items, size_t n, long wait_ms);
    // The next connection event waiting, without blocking: false when there is none.
    bool (*event) (romi_conn_t *self, romi_event_t *event);
    bool (*watched) (const romi_conn_t *self);
    // Whether a message is waiting, without a system call where the transport can (a server's spin).
    bool (*readable) (romi_conn_t *self);
    // How long queued outgoing messages may keep a closing connection's process (ms) before they are dropped.
    void (*set_linger) (romi_conn_t *self, int linger_ms);
    // Close and free (accepts NULL). With `abandon` (a forked child holding its parent's connection) only
    // the memory that is this process's is forgotten: nothing of the parent's is touched.
    void (*close) (romi_conn_t **self_p, bool abandon);
    const char *(*strerror) (int err);
};

// The transport of `endpoint` (by scheme); NULL when no transport takes it.
const romi_transport_t *romi_transport_find (const char *endpoint);
extern const romi_transport_t romi_transport_zmq;

// The one-line front of the table, so callers read as calls. A dialer of the transport of `endpoint`
// (NULL with errno EPROTONOSUPPORT when none takes it); a listener of that of `endpoint` (NULL: the default).
romi_conn_t *romi_dial (const char *endpoint, const romi_dial_opts_t *opts);
romi_conn_t *romi_listen (const char *endpoint, const romi_listen_opts_t *opts);

// Listen on `endpoint` too (see `bind`).
static inline int
romi_bind (romi_conn_t *self, const char *endpoint, char *resolved, size_t size)
{
    return self->transport->bind (self, endpoint, resolved, size);
}

// Send one message (see `send`).
static inline int
romi_send (romi_conn_t *self, romi_frame_t *frames, size_t n, int flags)
{
    return self->transport->send (self, frames, n, flags);
}

// Receive one message (see `recv`).
static inline int
romi_recv (romi_conn_t *self, romi_msg_t *msg, long wait_ms)
{
    return self->transport->recv (self, msg, wait_ms);
}

// Wait for readiness of `items`: the transport of the first connection among them polls (fds alone: ZMQ's).
int romi_poll (romi_poll_t *items, size_t n, long wait_ms);

// The next connection event waiting, without blocking: false when none.
static inline bool
romi_conn_event (romi_conn_t *self, romi_event_t *event)
{
    return self->transport->event (self, event);
}

// Whether the connection reports events at all (ZMQ's inproc:// has none: a dead peer is found by deadlines).
static inline bool
romi_conn_watched (const romi_conn_t *self)
{
    return self->transport->watched (self);
}

// Whether a message is waiting (see `readable`).
static inline bool
romi_conn_readable (romi_conn_t *self)
{
    return self->transport->readable (self);
}

// How long a closing connection may keep its queued messages (see `set_linger`).
static inline void
romi_conn_set_linger (romi_conn_t *self, int linger_ms)
{
    self->transport->set_linger (self, linger_ms);
}

// Close *self_p (accepts NULL or *self_p NULL) and set it NULL; see `close` for `abandon`.
void romi_conn_close (romi_conn_t **self_p, bool abandon);

// The text of an errno value from `self`'s transport (NULL: from the default transport's).
const char *romi_conn_strerror (const romi_conn_t *self, int err);

#endif
