// romi_client.h: the client side's private interface. proxy.c (proxies, futures) calls client.c (a client:
// its session, the one call path) and channel.c (a thread's connection: sending, receiving, liveness, error
// texts); client.c calls channel.c; nothing calls back up but through the hooks declared here.
#ifndef ROMI_CLIENT_H
#define ROMI_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>

#include "../util/romi_list.h" // by path: the tests that include rom_private.h see runtime/src only
#include "romi_transport.h"

// What a call is about, for error texts: "type#id.Method" (romi_describe ()).
typedef struct {
    const char *type;   // "demo.Counter", "rom.Manager"
    uint64_t id;        // the object's id
    const char *method; // "Increment"
} romi_what_t;

typedef struct _romi_pending_t romi_pending_t;

// An outstanding call of a client: filled when its reply arrives.
struct _romi_pending_t {
    romi_link_t link; // in its channel's outstanding calls, in send order
    uint64_t call_id;
    uint64_t deadline_ms; // 0: none
    const ProtobufCMessageDescriptor *output;
    romi_what_t what;
    bool done;
    rom_status_t status;
    romi_frame_t payload; // the reply payload, when done with ROM_OK
    char *error;          // malloc'ed error text from the server, when done with a failure
    // For a reply that carries something to give back (a create's reference): when its caller forgets it,
    // the call stays linked and its reply is handed to this hook, which owns and frees `pending` (and its
    // payload and error). `client` is NULL when no reply will come (client destroyed, a forked child).
    void (*abandoned) (rom_client_t *client, romi_pending_t *pending);
    bool forgotten; // forgotten while linked: waiting for its reply, for `abandoned`
    // Its client was destroyed (or it was the parent's, in a forked child) while it was outstanding: its
    // future must not follow its client pointer any more.
    uint8_t orphaned; // ROM_ORPHAN_*: 0 while its client may still answer it
};
#define ROM_ORPHAN_DESTROYED 1u // its client was destroyed
#define ROM_ORPHAN_FORKED 2u    // it is the parent's call, seen in a forked child

// How a call is made: the caller waits for its reply, collects it later through a future, or sends it only.
typedef enum {
    ROMI_CALL_SYNC,
    ROMI_CALL_ASYNC,
    ROMI_CALL_ONEWAY,
} romi_call_mode_t;

// What a call is sent to and how: the one description of a call (romi_client_call ()).
typedef struct {
    romi_what_t what; // type, object id, method name
    unsigned method;
    uint32_t type_hash;   // rom_type_t.hash, checked by the server (0: no check)
    uint64_t incarnation; // the server run the object belongs to (0: manager calls, any run)
    romi_call_mode_t mode;
    const ProtobufCMessageDescriptor *output; // the reply's type (not for one-way calls)
    uint32_t timeout_ms; // 0: the client's deadline; else exact (rom_proxy_call_timeout ()),
                         // ROM_FOREVER for none
} romi_call_spec_t;

// Something that lives as long as its client lets it: a proxy (proxy.c). The client re-takes its object's
// reference under a new session (fork, a lost session) and calls `orphan` when it is destroyed, so the
// client never calls into proxy.c.
typedef struct romi_attached romi_attached_t;
struct romi_attached {
    romi_link_t link;
    uint64_t object_id;
    void (*orphan) (romi_attached_t *self);
};

// How the server process ended, for the text of calls that found it gone ("server pid 4242 was killed by
// signal 9"). A manager sets it on its owner's client; `buf` gets "" when nothing is known.
typedef void (*romi_client_gone_fn) (void *arg, char *buf, size_t size);

// A thread's connection to the client's server (channel.c).
typedef struct {
    romi_link_t link; // in its client's channels
    pthread_t thread;
    romi_conn_t *conn;
    romi_list_t pending;    // outstanding calls (romi_pending_t), in send order
    romi_pending_t *expect; // the call after the last one answered: usually the next answered
    bool up;                // a connection is up, as far as the events read tell
    bool ever_up;           // one was up once: a channel that is not up now lost it
    bool denied;            // the server refused a handshake (wrong or missing authkey)
    uint64_t down_ms;       // when the connection was lost
    uint64_t events_ms;     // when the events were last read
    uint64_t joined;        // the client's session generation joined on this connection; 0: none
    uint64_t losses_told;   // the client's session losses this thread was told of
    char errmsg[ROM_ERRMSG_MAX];
} romi_channel_t;

struct _rom_client_t {
    uint32_t tag; // ROM_CLIENT_TAG while alive: a foreign or freed handle is refused
    pid_t pid;
    uint64_t serial; // tells a recycled address from this client in the thread cache
    char *endpoint;
    uint32_t connect_timeout_ms;
    _Atomic uint32_t call_timeout_ms;
    _Atomic uint64_t next_call_id;
    // The session, written under hello_lock by the hello that opens one, read by every send.
    _Atomic uint64_t session;
    _Atomic uint64_t secret;
    _Atomic uint64_t incarnation; // the server run the session belongs to
    _Atomic uint64_t generation;  // counts the sessions this client opened: a channel joined one
    _Atomic uint64_t losses;      // sessions the server ended while this process lived
    _Atomic size_t max_message;
    char lost_why[ROM_ERRMSG_MAX]; // why the last session was lost (under lock)
    pthread_mutex_t hello_lock;    // one hello at a time
    pthread_mutex_t lock;          // channels, attached, lost_why, gone_why
    romi_list_t channels;          // romi_channel_t
    romi_list_t attached;          // romi_attached_t: live proxies
    romi_auth_keys_t *keys;        // CURVE keys derived from the authkey (auth.c); NULL without one
    _Atomic bool gone;             // a channel lost its connection and none came back since
    _Atomic bool unreachable;      // the last send found no connection: releases do not wait for one
    romi_client_gone_fn on_gone;   // how the server ended (a manager's child), for error texts
    void *on_gone_arg;
    char gone_why[ROM_ERRMSG_MAX]; // on_gone's text, asked once per loss (under lock)
};

#define ROM_CLIENT_TAG 0x726f6d43u // "romC"
#define ROM_CLIENT_DEAD 0xdeadc1e7u

// The server run this client's session belongs to (Hello's incarnation): a proxy remembers it.
static inline uint64_t
romi_client_incarnation (const rom_client_t *self)
{
    return atomic_load_explicit (&((rom_client_t *) self)->incarnation, memory_order_relaxed);
}

// --- client.c ---------------------------------------------------------------------------------------------

// Make a call, the one path of every call of a client (proxies, the manager's methods, releases):
// ROMI_CALL_SYNC sends and waits, the reply unpacked into *out (the caller frees it; `pending` may be NULL);
// ROMI_CALL_ASYNC sends `pending` (the caller's, zeroed but for its `abandoned` hook), to be collected with
// romi_client_wait () or dropped with romi_client_forget (); ROMI_CALL_ONEWAY only sends. Before the first
// call on a connection (and after it came back) the channel says hello first; a call to an object of a
// previous server run fails here with ROM_NO_OBJECT, one on a client whose server is known gone with
// ROM_UNAVAILABLE, at once.
rom_status_t romi_client_call (rom_client_t *self, const romi_call_spec_t *spec, const ProtobufCMessage *in,
                               romi_pending_t *pending, ProtobufCMessage **out);
// A blocking call on the manager object (0), its reply in *out (caller frees; NULL: not wanted).
rom_status_t romi_client_manager_call (rom_client_t *self, unsigned method, const ProtobufCMessage *in,
                                       const ProtobufCMessageDescriptor *output, ProtobufCMessage **out);
// Drop one of the session's references to `object_id` (one-way, waiting briefly for a connection at most).
rom_status_t romi_client_release (rom_client_t *self, uint64_t object_id);
// Wait for `pending` until its deadline; it is unlinked from the client either way.
rom_status_t romi_client_wait (rom_client_t *self, romi_pending_t *pending, ProtobufCMessage **out);
// Unlink a pending call without waiting; a reply that comes later is dropped. Returns true when `pending`
// was handed to its `abandoned` hook instead (now, or when its reply arrives): the hook frees it.
bool romi_client_forget (rom_client_t *self, romi_pending_t *pending);
// Ask `fn (arg, ...)` how the server ended when a call finds it gone (once per loss).
void romi_client_on_gone (rom_client_t *self, romi_client_gone_fn fn, void *arg);
// Attach `attached` to the client until romi_client_detach () (or its orphan call): never fails.
void romi_client_attach (rom_client_t *self, romi_attached_t *attached);
// Take `attached` off its client (a proxy destroyed while its client lives).
void romi_client_detach (rom_client_t *self, romi_attached_t *attached);
// The calling process forked since the client was made: reopen the socket and the session first.
rom_status_t romi_client_check_fork (rom_client_t *self);

// --- channel.c --------------------------------------------------------------------------------------------

// What one transmission puts on the wire (romi_channel_send ()).
typedef struct {
    const romi_call_spec_t *spec;
    const ProtobufCMessage *in;
    romi_pending_t *pending; // NULL for one-way calls
    uint64_t session;        // 0: none (a hello)
    uint32_t server_ms;      // the header's timeout_ms (0: none)
    uint32_t timeout_ms;     // the caller's deadline from `start` (UINT32_MAX: none)
    uint32_t wait_ms;        // how long to wait for a connection from `start` (UINT32_MAX: no bound)
    uint64_t start;          // ms
} romi_send_t;

// The calling thread's channel, made on first use (it connects; its hello comes with its first call). NULL
// when no connection can be made (errno).
romi_channel_t *romi_channel_get (rom_client_t *self);
// The calling thread's channel if it has one already (no new one is made); NULL otherwise.
romi_channel_t *romi_channel_mine (const rom_client_t *self);
// Forget the client in the calling thread's cache (it is being destroyed).
void romi_channel_uncache (const rom_client_t *self);
// Free a channel of a client that is destroyed or forked: its forgotten calls go to their hooks, its other
// outstanding ones are marked `why` (ROM_ORPHAN_*); the connection is closed, or abandoned in a child.
void romi_channel_free (romi_channel_t *channel, uint8_t why);
// Read the channel's connection events (never blocks); a lost connection answers its calls in flight.
void romi_channel_events (rom_client_t *self, romi_channel_t *channel);
// The failure of a call that finds no connection (refused, lost, or none within `waited_ms`).
rom_status_t romi_channel_unreachable (rom_client_t *self, romi_channel_t *channel, const romi_what_t *what,
                                       uint32_t waited_ms);
// Put a call on the wire: header and payload. Without a connection, wait for one until `wait_ms` from
// `start`, unless the channel lost its connection or was refused: then fail at once. `pending` gets its call
// id and deadline and is linked.
rom_status_t romi_channel_send (rom_client_t *self, romi_channel_t *channel, const romi_send_t *send);
// Wait for `pending` (linked to `channel`) until its deadline; it is unlinked either way.
rom_status_t romi_channel_wait (rom_client_t *self, romi_channel_t *channel, romi_pending_t *pending,
                                ProtobufCMessage **out);
// Unlink `pending` from `channel` if it is linked there.
void romi_channel_unlink (romi_channel_t *channel, romi_pending_t *pending);
// Free what a finished call holds (payload, error text); it is not unlinked.
void romi_pending_clear (romi_pending_t *pending);
// rom_client_fail () with the "type#id.Method: " prefix of `what` (romi_describe ()).
rom_status_t romi_client_fail_at (rom_client_t *self, rom_status_t status, const romi_what_t *what,
                                  const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

#endif
