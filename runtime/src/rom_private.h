// rom_private.h: what the runtime's .c files share and users never see. Include it first in every
// runtime source: it selects the POSIX/GNU feature level the runtime is written against.
#ifndef ROM_PRIVATE_H
#define ROM_PRIVATE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "rom/rom.h"
#include "rom/wire.pb-c.h"

#define ROM_PROTOCOL_VERSION 2u // 2: sessions belong to connections, incarnations (issue 12)
#define ROM_MANAGER_ID 0u                       // object id of the manager itself
#define ROM_DEFAULT_MAX_MESSAGE (64u << 20)     // bytes
#define ROM_HEADER_MAX 512u                     // a header frame larger than this is malformed
#define ROM_ERRMSG_MAX 512u                     // error texts are cut to this size
#define ROM_MAX_DEPTH 100u                      // deepest nesting of messages in a payload (protobuf C++'s)
#define ROM_PATH_MAX 4096u                      // ipc paths, temp dirs

// Method indexes of the manager (object 0): the rpc order of service Manager in wire.proto.
enum {
    ROM_MANAGER_HELLO = 0,
    ROM_MANAGER_CREATE = 1,
    ROM_MANAGER_LOOKUP = 2,
    ROM_MANAGER_RETAIN = 3,
    ROM_MANAGER_RELEASE = 4,
    ROM_MANAGER_PING = 5,
    ROM_MANAGER_GOODBYE = 6,
};

// --- wire.c: framing of calls and replies ----------------------------------------------------------------

// Send one protobuf message as one frame, packed straight into the ZMQ message buffer (one copy: the pack).
// `msg` may be NULL for an empty frame. `flags` as zmq_msg_send (ZMQ_SNDMORE, ZMQ_DONTWAIT).
// Returns 0, or -1 with errno set by ZMQ.
int romi_wire_send_message (void *socket, const ProtobufCMessage *msg, int flags);

// Send a small header message through a stack buffer (headers are bounded by ROM_HEADER_MAX).
int romi_wire_send_header (void *socket, const ProtobufCMessage *header, int flags);

// Decode a header frame. NULL when the frame is not a valid header of that type or is over ROM_HEADER_MAX.
// Caller owns return value and must free it with protobuf_c_message_free_unpacked (..., NULL).
Rom__CallHeader *romi_wire_decode_call (const void *data, size_t size);
Rom__ReplyHeader *romi_wire_decode_reply (const void *data, size_t size);

// Batched replies. Replies to one peer that the server produces in one pass of its loop may travel as one
// ZMQ message [peer][empty frame][batch] instead of one [peer][ReplyHeader][payload] each, but only for calls
// whose caller said it reads them (CALL_BATCH_OK): each ZMQ frame costs both ends and both I/O threads
// more than the few bytes it carries. A ReplyHeader frame is never empty (a reply has a call id or a
// status), so the empty frame marks a batch. The batch frame is a sequence of entries, each
// [varint header size][ReplyHeader][varint payload size][payload].
//
// Append one entry for `header` and `payload` (NULL: empty) at `dst`, which has room for
// ROM_WIRE_BATCH_ENTRY_MAX (hsize, psize) bytes (the packed sizes); returns the bytes written.
#define ROM_WIRE_BATCH_ENTRY_MAX(hsize, psize) ((hsize) + (psize) + 20u)
size_t romi_wire_batch_put (uint8_t *dst, const ProtobufCMessage *header, size_t hsize, const ProtobufCMessage *payload,
                           size_t psize);
// Read the entry at *p (before end) and advance *p past it; false at the end or at anything malformed.
bool romi_wire_batch_next (const uint8_t **p, const uint8_t *end, const uint8_t **header, size_t *hsize,
                          const uint8_t **payload, size_t *psize);

// Whether a payload of message type `desc` nests sub-messages deeper than ROM_MAX_DEPTH. protobuf-c 1.4.1
// unpacks recursively without a limit, so a recursive type (google.protobuf.Value, a tree) sent 100 000 levels
// deep (400 KB) overflows the stack of whoever unpacks it: check before every unpack of what a peer sent.
// Malformed input is not judged here (false): the unpack refuses it.
bool romi_wire_too_deep (const ProtobufCMessageDescriptor *desc, const void *data, size_t size);

// Time in milliseconds (microseconds) from CLOCK_MONOTONIC.
uint64_t romi_now_ms (void);
uint64_t romi_now_us (void);

// vsnprintf into a fixed buffer of ROM_ERRMSG_MAX bytes, never failing.
void romi_format (char *buf, size_t size, const char *fmt, va_list ap);

// --- status.c: error texts --------------------------------------------------------------------------------

// The one spelling of what a failure is about, which begins every error text: "type#id.Method" (`method`
// NULL: "type#id"). Returns what snprintf returns.
int romi_describe (char *buf, size_t size, const char *type, uint64_t id, const char *method);

// --- context.c: the process-wide ZMQ context ------------------------------------------------------------

// The ZMQ context of this process (made on first use, remade after fork). NULL if ZMQ cannot start.
void *romi_context (void);
// A socket of that context with ZMQ_LINGER 0, counted so exit can tell whether terminating is safe.
void *romi_socket_new (int type);
void romi_socket_close (void **socket_p);
// Let a tcp connection of `socket` that went silently away (its host vanished, the network was cut) be
// dropped within about `timeout_ms` (at least ~2 s: the kernel counts in seconds), and never one whose peer
// process is merely stopped. -1 with errno when ZMQ refuses.
int romi_socket_keepalive (void *socket, uint32_t timeout_ms);
#define ROM_DEFAULT_SESSION_TIMEOUT_MS 4000u
// A monitor of `socket`'s connection events (ZMQ_EVENT_* in `events`): a PAIR socket to read them from, set
// up before the socket connects or binds so no event is missed. NULL when ZMQ refuses.
void *romi_monitor_open (void *socket, int events);
// The next event waiting on `monitor`, without blocking: false when there is none. `value` is the event's
// number (the fd for connection events).
bool romi_monitor_next (void *monitor, uint16_t *event, int32_t *value);
// Stop monitoring `socket` (may be NULL when it is gone) and close *monitor_p (accepts NULL).
void romi_monitor_close (void *socket, void **monitor_p);
// Terminate the context if this process made it and no socket is open: waits for the linger of the sockets
// closed last (a stopped server's final replies). Runs at exit by itself; call it before _exit ().
void romi_context_term (void);

// --- the server side --------------------------------------------------------------------------------------

// Its private headers, one per idea (romi_server.h lists them bottom to top). Each server-side file includes
// just the ones it uses; they are gathered here for the built-ins and the tests, which still reach into the
// core's internals.
#include "romi_server.h"

// --- client.c <-> proxy.c --------------------------------------------------------------------------------

typedef struct _romi_pending_t romi_pending_t;

// An outstanding call of a client: filled when its reply arrives.
struct _romi_pending_t {
    uint64_t call_id;
    uint64_t deadline_ms;             // 0: none
    const ProtobufCMessageDescriptor *output;
    const char *what_type;            // for error texts: type name, object id, method name
    uint64_t what_id;
    const char *what_method;
    bool done;
    rom_status_t status;
    zmq_msg_t payload;                // the reply payload, when done with ROM_OK
    char *error;                      // malloc'ed error text from the server, when done with a failure
    romi_pending_t *next, *prev;       // the client's list of outstanding calls, in send order
    // For a reply that carries something to give back (a create's reference): when its caller forgets it,
    // the call stays linked and its reply is handed to this hook, which owns and frees `pending` (and its
    // payload and error). `client` is NULL when no reply will come (client destroyed, a forked child).
    void (*abandoned) (rom_client_t *client, romi_pending_t *pending);
    bool forgotten;                   // forgotten while linked: waiting for its reply, for `abandoned`
    // Its client was destroyed (or it was the parent's, in a forked child) while it was outstanding: its
    // future must not follow its client pointer any more.
    uint8_t orphaned;                 // ROM_ORPHAN_*: 0 while its client may still answer it
};
#define ROM_ORPHAN_DESTROYED 1u           // its client was destroyed
#define ROM_ORPHAN_FORKED 2u              // it is the parent's call, seen in a forked child

// What a call is sent to and how: romi_client_send ()'s one description of a call.
typedef struct {
    const char *type;                 // for error texts: "demo.Counter", "rom.Manager"
    const char *method_name;          // for error texts: "Increment"
    uint64_t object_id;
    uint32_t type_hash;               // rom_type_t.hash, checked by the server (0: no check)
    uint64_t incarnation;             // the server run the object belongs to (0: manager calls, any run)
    unsigned method;
    uint32_t flags;                   // rom.CallFlags
    uint32_t timeout_ms;              // 0: the client's deadline; else exact (rom_proxy_call_timeout ()),
                                      // ROM_FOREVER for none
} romi_call_spec_t;

// Send a call. `pending` (NULL for one-way calls) is linked into the calling thread's channel and matched by
// call id. Before the first call on a connection (and after it came back) the channel says hello first; a
// call to an object of a previous server run fails here with ROM_NO_OBJECT, one on a client whose server is
// known gone with ROM_UNAVAILABLE, at once.
rom_status_t romi_client_send (rom_client_t *self, const romi_call_spec_t *spec, const ProtobufCMessage *in,
                              romi_pending_t *pending);
// Drop one of the session's references to `object_id` (one-way, waiting briefly for a connection at most).
rom_status_t romi_client_release (rom_client_t *self, uint64_t object_id);
// Wait for `pending` until its deadline; it is unlinked from the client either way.
rom_status_t romi_client_wait (rom_client_t *self, romi_pending_t *pending, ProtobufCMessage **out);
// Unlink a pending call without waiting; a reply that comes later is dropped. Returns true when `pending`
// was handed to its `abandoned` hook instead (now, or when its reply arrives): the hook frees it.
bool romi_client_forget (rom_client_t *self, romi_pending_t *pending);
// A blocking call on the manager object (0), returning its reply in *out (caller frees).
rom_status_t romi_client_manager_call (rom_client_t *self, unsigned method, const ProtobufCMessage *in,
                                      const ProtobufCMessageDescriptor *output, ProtobufCMessage **out);
// The server run this client's session belongs to (Hello's incarnation): a proxy remembers it.
uint64_t romi_client_incarnation (const rom_client_t *self);
// A proxy whose client is being destroyed: its calls answer ROM_UNAVAILABLE from now on (proxy.c).
void romi_proxy_orphan (rom_proxy_t *proxy);
// How the server process ended, for the text of calls that found it gone ("server pid 4242 was killed by
// signal 9"). A manager sets it on its owner's client; `buf` gets "" when nothing is known.
typedef void (*romi_client_gone_fn) (void *arg, char *buf, size_t size);
void romi_client_on_gone (rom_client_t *self, romi_client_gone_fn fn, void *arg);
// Proxies register with their client, which re-takes their references under a new session (fork, a lost
// session) and orphans them when it is destroyed. -1 when out of memory: the proxy must not be made.
int romi_client_attach (rom_client_t *self, rom_proxy_t *proxy);
void romi_client_detach (rom_client_t *self, rom_proxy_t *proxy);
// The calling process forked since the client was made: reopen the socket and the session first.
rom_status_t romi_client_check_fork (rom_client_t *self);

#endif
