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
#include "rom/wire.rom.h" // service Manager: ROM__MANAGER_METHOD__*, Rom__Manager_Servant

#define ROM_PROTOCOL_VERSION 2u             // 2: sessions belong to connections, incarnations (issue 12)
#define ROM_MANAGER_ID 0u                   // object id of the manager itself
#define ROM_DEFAULT_MAX_MESSAGE (64u << 20) // bytes
#define ROM_AUTH_IO_THREADS 3u              // a server's I/O threads with an authkey (server_io.c)
// The defaults of rom_server_opts_t's limits (rom_server.h).
#define ROM_DEFAULT_MAX_OBJECTS (1u << 24)
#define ROM_DEFAULT_MAX_OBJECTS_PER_SESSION (1u << 20)
#define ROM_DEFAULT_MAX_SESSIONS (1u << 16)
#define ROM_DEFAULT_MAX_NAME 1024u
#define ROM_DEFAULT_MAX_PENDING_PER_SESSION (1u << 16)
#define ROM_DEFAULT_MAX_WAITERS_PER_OBJECT (1u << 16)
#define ROM_HEADER_MAX 512u // a header frame larger than this is malformed
#define ROM_ERRMSG_MAX 512u // error texts are cut to this size
#define ROM_MAX_DEPTH 100u  // deepest nesting of messages in a payload (protobuf C++'s)
#define ROM_PATH_MAX 4096u  // ipc paths, temp dirs

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
// A failure text from the server, for the caller who knows its call better: a server that no longer knows
// the object (destroyed, the session dropped, a restart) can only say "object 7 (method 2): ..."; that
// prefix becomes the caller's "type#id.Method" (`type` NULL: the text as it came). Caller owns return
// value and must free () it; NULL when out of memory.
char *romi_describe_reply (const char *text, const char *type, uint64_t id, const char *method);

// --- utf8.c: text checks -----------------------------------------------------------------------------------

// Whether every `string` field set in `msg` (sub-messages, repeated and oneof members included) is valid
// UTF-8 (rom_utf8_valid ()). When not, `field` receives the path of the first bad one ("key.string_value").
bool romi_utf8_check (const ProtobufCMessage *msg, char *field, size_t size);

// --- context.c: the process-wide ZMQ context ------------------------------------------------------------

// The ZMQ context of this process (made on first use, remade after fork). NULL if ZMQ cannot start.
void *romi_context (void);
// Ask for `n` I/O threads in that context: heeded only before its first socket is made (a manager's server
// process, a fresh context after fork, is such a case), ignored after.
void romi_context_io_threads (unsigned n);
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

// --- client.c, channel.c <- proxy.c: the client side -------------------------------------------------------

// romi_client.h, included at the end: a client holds auth.c's keys.

#include "romi_client.h"

#endif
