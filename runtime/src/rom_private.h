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
#include <sys/types.h>
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

// --- transport.c, transport_zmq.c: the transport seam; wire.c: the wire protocol over it -------------------

#include "romi_transport.h"
#include "romi_wire.h"

// --- clock.c: time, pid, random numbers, error texts -----------------------------------------------------

// Time in milliseconds (microseconds) from CLOCK_MONOTONIC.
uint64_t romi_now_ms (void);
uint64_t romi_now_us (void);

// vsnprintf into a fixed buffer of ROM_ERRMSG_MAX bytes, never failing.
void romi_format (char *buf, size_t size, const char *fmt, va_list ap);

// This process's pid, without a system call after the first (a pthread_atfork () handler forgets it in a
// child): what clients compare their own with, to notice fork ().
pid_t romi_getpid (void);

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

// --- map.c: uint64_t -> pointer hash map (objects, sessions, references) ---------------------------------

typedef struct {
    uint64_t key; // 0: empty slot
    void *value;
} romi_map_slot_t;

typedef struct {
    romi_map_slot_t *slots;
    size_t capacity; // a power of two, or 0
    size_t count;
} romi_map_t;

void romi_map_init (romi_map_t *self);
void romi_map_clear (romi_map_t *self);                          // frees the slots, not the values
void *romi_map_get (const romi_map_t *self, uint64_t key);       // NULL when absent
int romi_map_put (romi_map_t *self, uint64_t key, void *value);  // insert or replace; -1 when out of memory
void *romi_map_remove (romi_map_t *self, uint64_t key);          // the removed value, NULL when absent
// Iterate: size_t cursor = 0; while (romi_map_next (m, &cursor, &k, &v)) ...  (no changes while iterating)
bool romi_map_next (const romi_map_t *self, size_t *cursor, uint64_t *key, void **value);

// --- object.c: the object table and reference counts -----------------------------------------------------

// A registered type: the generated table plus the user's servant and context.
typedef struct {
    const rom_type_t *type;
    const void *servant;
    void *ctx;
} romi_type_entry_t;

typedef struct _romi_object_t romi_object_t;
// An object as the server keeps it: 40 bytes (a 48-byte malloc chunk), because a server may hold millions
// that sit idle. What few objects use lives in a romi_object_ext_t of their own (object.c explains).
struct _romi_object_t {
    uint64_t id;
    const romi_type_entry_t *entry;
    void *self;                  // the servant's state
    uint32_t refs;               // every reference: sessions', holder objects', made-for-a-reply
    uint32_t owner;              // owner_key of the session holding `owner_refs` of them outside its refs
                                 // map (0: none)
    uint32_t owner_refs;
    uint32_t flags;              // ROM_OBJECT_*
};
#define ROM_OBJECT_DYING 1u     // being destroyed: references dropped on the way do not destroy it again
#define ROM_OBJECT_DESTROY_PENDING 2u // to be destroyed once its calls in the worker pool are back
#define ROM_OBJECT_NAMED 4u     // has a name (in its extension): it outlives its references
#define ROM_OBJECT_EXT 8u       // has an extension (romi_objects_ext ())
#define ROM_OBJECT_ORPHAN 16u   // left without a reference by an ending session: to be destroyed (server.c)

// The rarely used part of an object, allocated when first needed and kept until it dies.
typedef struct {
    char *name;                  // NULL when unnamed; a named object outlives its references
    romi_object_t *name_next;     // objects whose names share a 64-bit hash (practically never)
    rom_call_t *deferred;        // calls this object answers later (a list through rom_call_t)
    rom_session_end_fn on_session_end; // told of sessions that end (rom_call_on_session_end ()), or NULL
    romi_map_t held;              // objects this one keeps (rom_call_keep_ref): id -> count
} romi_object_ext_t;

// One connection of a session: a client thread's DEALER, known by its ROUTER routing id (lease.c).
typedef struct {
    uint8_t *id;                 // the routing id (clients set a random, stable one per socket)
    size_t size;
    int fd;                      // its socket in the server (ZMQ_SRCFD); -1 when unknown
    bool suspect;                // a connection dropped that may be this one: probe it at the next sweep
} romi_peer_t;

// Why a session ended, for a client that comes back to it (ROM_SESSION_LOST's text).
typedef enum {
    ROM_SESSION_END_GOODBYE,     // its client said goodbye (rom_client_destroy ())
    ROM_SESSION_END_LOST,        // its last connection closed or went silent (lease.c)
} romi_session_end_t;

// A client session (Manager.Hello): the references it holds, released together when it ends.
typedef struct {
    uint64_t id;                 // random, never sequential: not guessable from one's own
    uint64_t secret;             // proves the right to join it from another connection (Manager.Hello)
    uint32_t owner_key;          // its number in objects' `owner` (object.c); 0: it owns none, maps only
    romi_map_t refs;              // object id -> count (as uintptr_t), for objects another session owns
    uint64_t last_seen_ms;
    romi_peer_t *peers;           // its live connections; the session ends when none is left
    size_t n_peers, peers_capacity;
} romi_session_t;

typedef struct {
    romi_object_t **slots;        // by id: open addressing on object->id (8-byte slots; see object.c)
    size_t capacity;             // a power of two, or 0
    size_t count;
    romi_map_t by_name;           // 64-bit hash of the name -> chain of objects
    romi_map_t ext;               // object id -> romi_object_ext_t, for objects that have one
    uint64_t next_id;
} romi_objects_t;

// The id romi_objects_add () gives next. A constructor runs just before its object is added, with nothing
// added in between unless it makes objects itself, so one that makes none learns here the id it will have.
uint64_t romi_objects_next_id (const romi_objects_t *self);
void romi_objects_init (romi_objects_t *self);
// Frees the table only; the caller destroys the objects first (romi_objects_next + romi_objects_remove).
void romi_objects_fini (romi_objects_t *self);
// A new object with the next id, no references, in the table. `name` is copied (may be NULL; the caller
// checked it is free). NULL when out of memory.
romi_object_t *romi_objects_add (romi_objects_t *self, const romi_type_entry_t *entry, void *servant_self,
                               const char *name);
romi_object_t *romi_objects_find (const romi_objects_t *self, uint64_t id);
romi_object_t *romi_objects_find_name (const romi_objects_t *self, const char *name);
// Unlink from the table and free the object record and its extension (not its servant state: the caller
// destroyed that, and dropped what it held).
void romi_objects_remove (romi_objects_t *self, romi_object_t **object_p);
size_t romi_objects_count (const romi_objects_t *self);
// Iterate: size_t cursor = 0; while (romi_objects_next (t, &cursor, &o)) ...  (no adds or removes meanwhile)
bool romi_objects_next (const romi_objects_t *self, size_t *cursor, romi_object_t **object);
// The object's extension, or NULL when it has none.
romi_object_ext_t *romi_objects_ext (const romi_objects_t *self, const romi_object_t *object);
// The object's extension, made (empty) if it has none. NULL when out of memory.
romi_object_ext_t *romi_objects_ext_make (romi_objects_t *self, romi_object_t *object);
// The object's name, or NULL.
const char *romi_objects_name (const romi_objects_t *self, const romi_object_t *object);
// Whether nothing keeps the object alive: no reference, no name.
static inline bool
romi_object_unheld (const romi_object_t *object)
{
    return object->refs == 0 && !(object->flags & ROM_OBJECT_NAMED);
}

// Add one reference of `session` (NULL: a holder object or a reply, counted in `refs` only) to `object`.
// -1 when out of memory.
int romi_objects_retain (romi_session_t *session, romi_object_t *object);
// Drop one reference. ROM_DENIED if the session holds none. *dead_p is set when the object has no
// reference and no name left: the caller destroys it.
rom_status_t romi_objects_release (romi_session_t *session, romi_object_t *object, bool *dead_p);
// How many references `session` holds to `object` (its owner count plus its refs map's).
uint32_t romi_objects_session_refs (const romi_session_t *session, const romi_object_t *object);
// An ending session gives up the references it holds as `object`'s owner (those in its refs map are the
// caller's to drop). True when that left the object unheld: the caller destroys it, once done iterating.
bool romi_objects_disown (romi_object_t *object, uint32_t owner_key);

// --- call.c: a call being served (rom_call_t) ------------------------------------------------------------

// Memory that lives as long as one call: the unpacked input, the output, rom_call_alloc (). The first
// chunk is inside the call, so a small call allocates nothing.
#define ROM_ARENA_INLINE 1024u
typedef struct romi_arena_chunk romi_arena_chunk_t;
typedef struct {
    romi_arena_chunk_t *chunks;   // malloc'ed overflow chunks
    size_t used;                 // bytes used of `inline_buf`
    _Alignas (max_align_t) uint8_t inline_buf[ROM_ARENA_INLINE];
} romi_arena_t;

void *romi_arena_alloc (romi_arena_t *self, size_t size);
void romi_arena_reset (romi_arena_t *self);

struct _rom_call_t {
    rom_server_t *server;
    romi_object_t *object;             // NULL for the manager's own methods
    const rom_method_t *method;
    zmq_msg_t peer;                   // ROUTER routing id of the caller
    uint64_t call_id;
    uint64_t session;
    uint64_t deadline_ms;             // 0: none
    uint32_t flags;                   // rom.CallFlags
    rom_status_t fail_status;
    char *errmsg;                     // from rom_call_fail (), in the arena
    const ProtobufCMessage *input;
    ProtobufCMessage *output;
    rom_cancel_fn on_cancel;
    rom_call_t *next, *prev;          // the object's deferred list; the server's free list
    size_t heap_index;                // position in the server's deadline heap; SIZE_MAX when not there
    int fd;                           // the connection it came on (ZMQ_SRCFD), -1 when unknown
    void *fresh;                      // objects made by rom_call_new_object () for the reply (ref.c), arena
    void *drops;                      // references rom_call_drop_ref () drops once the reply is out (ref.c)
    void *keeps;                      // references kept by a constructor, for the object it makes (ref.c)
    bool pooled;                      // runs on a pool worker: the call may not touch the object table
    bool constructing;                // a Manager.Create running its type's constructor
    rom_status_t pool_status;         // what the method returned, when run by the pool
    romi_arena_t arena;
};


// --- server.c <-> call.c ---------------------------------------------------------------------------------

// Send the reply of `call` (unless one-way) and recycle it: status OK packs call->output.
void romi_server_reply (rom_server_t *server, rom_call_t *call, rom_status_t status);
// Forget a deferred call: its deadline, its object's list.
void romi_server_unlink_deferred (rom_server_t *server, rom_call_t *call);
// For the manager object (server_ops.c).
const romi_type_entry_t *romi_server_find_type (rom_server_t *server, const char *name);
romi_objects_t *romi_server_objects (rom_server_t *server);
size_t romi_server_max_message (const rom_server_t *server);
romi_session_t *romi_server_session (rom_server_t *server, uint64_t id);
romi_session_t *romi_server_session_new (rom_server_t *server);
// Release the session's references (destroying what dies) and forget it; a session lost (not said goodbye
// to) is remembered for a while, so its client, if it lived, learns why (romi_server_session_lost ()).
void romi_server_session_end (rom_server_t *server, romi_session_t *session, romi_session_end_t why);
// When session `id` was lost on this server run: the text for its client ("ended 3.2 s ago ..."), or false
// when this run never knew it (or forgot it).
bool romi_server_session_lost (rom_server_t *server, uint64_t id, char *buf, size_t size);
// This server run's random id (HelloReply.incarnation).
uint64_t romi_server_incarnation (const rom_server_t *server);
// 64 random bits, never 0.
uint64_t romi_random64 (void);
// Destroy an object whose last reference is gone: its waiting calls are answered CLOSED, its servant's
// destructor runs.
void romi_server_object_release (rom_server_t *server, romi_object_t *object);
// The "type#id.Method" prefix of error texts.
void romi_call_describe (const rom_call_t *call, char *buf, size_t size);

// --- pool.c: the worker pool of ROM_TYPE_POOL types --------------------------------------------------------

typedef struct _romi_pool_t romi_pool_t;
typedef void (*romi_pool_done_fn) (rom_server_t *server, rom_call_t *call, rom_status_t status);

// A pool of `workers` threads (0: 2), started at the first call. NULL when out of memory or fds.
romi_pool_t *romi_pool_new (unsigned workers);
// Stop the workers (a call being run finishes) and free the pool. Collect and cancel calls first.
void romi_pool_stop (romi_pool_t *self);
void romi_pool_destroy (romi_pool_t **self_p);
// Readable when finished calls wait for romi_pool_collect ().
int romi_pool_fd (const romi_pool_t *self);
// Post a call (input unpacked, output initialized, call->object set) to its object's mailbox.
rom_status_t romi_pool_submit (romi_pool_t *self, rom_call_t *call);
// Hand every finished call to `done` with the status its method returned (I/O thread).
void romi_pool_collect (romi_pool_t *self, rom_server_t *server, romi_pool_done_fn done);
// Whether some call of `object` is in the pool (waiting, running, or finished and not collected).
bool romi_pool_busy (romi_pool_t *self, const romi_object_t *object);
// Answer the calls still waiting in `object`'s mailbox through `cancel` (with ROM_CLOSED).
void romi_pool_cancel_mail (romi_pool_t *self, romi_object_t *object, rom_server_t *server, romi_pool_done_fn cancel);
// Calls posted and not yet collected.
size_t romi_pool_in_flight (romi_pool_t *self);

// --- ref.c: ObjectRefs in messages ----------------------------------------------------------------------

// Before a reply is sent: take a reference for the caller per ObjectRef in call->output (and fill in their
// endpoint and type), then let objects made for the reply that nobody took die. Returns `status`, or the
// failure that replaces it (a ref to an object that does not exist).
rom_status_t romi_refs_export (rom_server_t *server, rom_call_t *call, rom_status_t status);
// Give the references a constructor kept during `call` to the object it made (NULL: creation failed, drop
// them).
void romi_refs_adopt (rom_server_t *server, rom_call_t *call, romi_object_t *object);
// Drop the references `object` keeps (it is being destroyed).
void romi_refs_drop_held (rom_server_t *server, romi_object_t *object);
// rom_call_keep_ref () for another holder than the called object: a Pipe end keeps what its peer's Send
// puts into its inbox.
rom_status_t romi_refs_keep_for (rom_call_t *call, romi_object_t *holder, const Rom__ObjectRef *ref);
// The server's cache of which message types can hold an ObjectRef.
romi_map_t *romi_server_ref_types (rom_server_t *server);

// --- client.c, channel.c <- proxy.c: the client side -------------------------------------------------------

// romi_client.h, included at the end: a client holds auth.c's keys.

// --- lease.c: session liveness: a client that died has its session dropped --------------------------------

// See lease.c's opening comment for the design. Owned by the server, used from its loop thread only.
typedef struct {
    uint32_t timeout_ms;         // a silently gone tcp peer is dropped within about this (keepalives)
    void *monitor;               // PAIR receiving the ROUTER's DISCONNECTED events
    uint64_t event_ms;           // when the last DISCONNECTED came: sweeps are timed from it
    uint64_t sweep_at_ms;        // when to probe the suspects; 0: nothing to do
    unsigned sweeps_done;        // of the schedule after an event (lease.c)
    int current_fd;              // ZMQ_SRCFD of the message being dispatched (-1: unknown)
    uint64_t sessions_dropped;   // sessions ended because their client died
} romi_lease_t;

// Set keepalives and handover on `router` and start monitoring it. `timeout_ms` 0 means the default.
int romi_lease_init (romi_lease_t *self, void *router, uint32_t timeout_ms);
// Stop monitoring `router` and close the monitor.
void romi_lease_fini (romi_lease_t *self, void *router);
// The poll timeout (ms, -1 forever) shortened to the next sweep.
long romi_lease_poll_timeout (const romi_lease_t *self, uint64_t now, long timeout);
// Read the monitor's events; each dropped connection makes the peers on its fd suspects.
void romi_lease_on_monitor (romi_lease_t *self, romi_map_t *sessions, uint64_t now);
// When due, probe the suspects (a send to a routing id that is gone fails with EHOSTUNREACH) and end the
// sessions left without a connection.
void romi_lease_sweep (romi_lease_t *self, rom_server_t *server, void *router, romi_map_t *sessions, uint64_t now);
// A message for `session` came from `peer` on socket `fd`: true when `peer` is one of its connections (its
// fd is updated). With `add`, an unknown peer becomes one (a hello); false then only when out of memory.
bool romi_lease_touch (romi_session_t *session, const zmq_msg_t *peer, int fd, bool add);
// Free a session's peer list.
void romi_lease_forget (romi_session_t *session);
// The server's lease (server.c), for Manager.Hello.
romi_lease_t *romi_server_lease (rom_server_t *server);
// Stop serving when `fd` becomes readable or hangs up (a pidfd of the manager's owner). Before running.
void romi_server_stop_on_fd (rom_server_t *server, int fd);

// --- auth.c: the authkey: CURVE keys derived from it, and the process's ZAP handler -------------------------

typedef struct {
    char server_secret[41], server_public[41]; // Z85, NUL-terminated
    char client_secret[41], client_public[41];
} romi_auth_keys_t;

// Derive both key pairs from `authkey`. -1 with errno ENOTSUP when libzmq was built without CURVE.
int romi_auth_derive (const char *authkey, romi_auth_keys_t *keys);
// Admit to ZAP domain `domain` only CURVE clients with keys->client_public (starts the handler thread with
// the first domain). -1 with errno on failure. Before the server binds.
int romi_auth_zap_register (const char *domain, const romi_auth_keys_t *keys);
void romi_auth_zap_unregister (const char *domain);
// SHA-256 of `size` bytes (for the derivation; exposed for its unit test).
void romi_sha256 (const void *data, size_t size, uint8_t digest[32]);

#include "romi_client.h"

#endif
