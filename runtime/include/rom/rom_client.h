// rom_client.h: a connection to one manager server, shared by all proxies made from it.
//
// A client is one session on the server. Calls on it are pipelined: many may be in flight
// (rom_proxy_call_async ()), replies are matched by call id. The blocking calls wait with a deadline, but a
// server that dies is known at once: the client watches its connection, so every call in flight (even one
// waiting with ROM_FOREVER) answers ROM_UNAVAILABLE within milliseconds of the server's death ("may or may
// not have run": it is never sent again), and later calls fail at once until the server is back. A server
// that is alive but stopped (SIGSTOP, a debugger) is waited for, up to each call's deadline.
//
// Restarts. When a server restarts at the same endpoint, the client's next call opens a new session by
// itself; proxies of the previous run answer ROM_NO_OBJECT ("restarted") and never reach an object of the
// new run. If the server ended this client's session while its process lived (its tcp connection was cut
// past the server's session timeout), the next call of each thread answers ROM_SESSION_LOST once, the
// client takes a new session, and its proxies take their references again.
//
// Handles: every function here given NULL (or a destroyed client) returns ROM_INVALID (or NULL) and never
// crashes; destroy accepts NULL.
//
// Threads. One client may be used by any number of threads at once, with no lock of the caller's: each
// thread gets a ZMQ socket of its own on its first call (kept until rom_client_destroy ()), so threads never
// wait on one another's calls and no reply is handed between threads. All of them share the session, so
// references taken in one thread are held for all. Safe from any thread, concurrently: every call through a
// proxy of this client (one proxy may be used by several threads), creating, looking up, duplicating and
// destroying proxies, rom_client_set_timeout (), rom_client_ping (). Per thread: rom_client_errmsg ()
// describes the calling thread's last failure; a future must be waited for (or destroyed) by the thread that
// made it, since its reply arrives on that thread's socket. Not concurrent with anything:
// rom_client_destroy () (after every other thread is done with the client and its proxies), and destroying a
// proxy while another thread still calls through it.
//
// Processes. A client and its proxies made before fork () work in the child (its first call opens a new
// session and re-takes each proxy's reference) and keep working in the parent. Only the thread that forked
// exists in the child.
//
// A process that dies without rom_client_destroy () (crash, SIGKILL) loses its session on the server as soon
// as its connections close (milliseconds): no thread or timer of the client's is needed for that, and an
// idle or stopped client keeps its session however long it idles.
#ifndef ROM_CLIENT_H
#define ROM_CLIENT_H

#include <stdint.h>
#include "rom_status.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

typedef struct _rom_client_t rom_client_t;

typedef struct rom_client_opts {
    // How long rom_client_connect () waits for the connection, the handshake and the hello together (a server
    // started a moment after its client is waited for; Python's managers fail at once); also how long a
    // thread's first call waits for its own connection. 0: 5000.
    uint32_t connect_timeout_ms;
    uint32_t call_timeout_ms; // default deadline of each call; 0: 30000; UINT32_MAX: wait forever
    // The server's shared secret, or NULL if it has none. With it the connection is CURVE-encrypted with
    // keys derived from it. A wrong or missing key (or a key for a server that has none) fails the
    // handshake: rom_client_connect () returns ROM_DENIED. Copied; the caller keeps its string.
    const char *authkey;
} rom_client_opts_t;

// Connect to the server at `endpoint` and open a session. On ROM_OK *client_p is the new client:
// caller owns it and must destroy it when done. ROM_UNAVAILABLE or ROM_TIMEOUT if no server answered within
// the connect timeout, ROM_INVALID for a malformed endpoint. `opts` may be NULL. On failure, `errmsg` (if
// not NULL) receives static or thread-local text that says why.
rom_status_t rom_client_connect (const char *endpoint, const rom_client_opts_t *opts, rom_client_t **client_p,
                                 const char **errmsg);

// Close the session (the server releases this client's references), close the socket, free the client,
// set *self_p to NULL. Accepts NULL. Proxies and futures that outlive it answer ROM_UNAVAILABLE ("its client
// was destroyed") and may still be destroyed.
void rom_client_destroy (rom_client_t **self_p);

// Change the default deadline of later calls (milliseconds; UINT32_MAX: no deadline).
void rom_client_set_timeout (rom_client_t *self, uint32_t timeout_ms);

// The endpoint this client is connected to. Owned by the client.
const char *rom_client_endpoint (const rom_client_t *self);

// The detail of the last failed call made through this client by the calling thread, naming the object and
// method: "demo.Counter#3.Increment: no such object". Owned by the client, valid until its next call.
// With NULL: the calling thread's last failure through any client or handle, including those that had no
// client to record them (a NULL handle, a proxy whose client was destroyed). Never NULL.
const char *rom_client_errmsg (const rom_client_t *self);

// Record the detail of a failure (printf-style) so that rom_client_errmsg (self) and rom_client_errmsg (NULL)
// say it, and return `status`: for helpers built on the proxy API that fail before or after a call (a NULL
// argument, a reply of the wrong kind). `self` may be NULL (no client is known).
rom_status_t rom_client_fail (rom_client_t *self, rom_status_t status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

// Whether `client` is a live client handle: false for NULL and, as far as a tag in the handle tells, for a
// destroyed one or a pointer to something else.
bool rom_client_valid (const rom_client_t *client);

// Round trip to the server's manager object; ROM_OK means the server is alive.
rom_status_t rom_client_ping (rom_client_t *self);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
