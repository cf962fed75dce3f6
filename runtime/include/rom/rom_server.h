// rom_server.h: the manager server, which hosts object instances of registered types behind a ZMQ ROUTER.
//
// Threads: one I/O thread owns the socket, decodes headers, finds the object and, by default, runs the call
// right there (calls to one object are thereby serialized). Types flagged ROM_TYPE_POOL run on a worker pool:
// each object keeps a mailbox, so different objects run in parallel and one object still runs one call at
// a time (workers start at the first such call; see rom_type.h for what pool methods may not do).
// Everything in this header except rom_server_stop () must be called from one thread.
#ifndef ROM_SERVER_H
#define ROM_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "rom_status.h"
#include "rom_type.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

typedef struct _rom_server_t rom_server_t;

typedef struct rom_server_opts {
    size_t max_message;  // largest accepted payload in bytes; 0 means the default (64 MiB)
    unsigned workers;    // threads of the worker pool for ROM_TYPE_POOL types; 0 means 2
    unsigned io_threads; // ZMQ_IO_THREADS of the server's context; 0 means 1, or 3 with an authkey (CURVE
                         // handshakes then run beside fewer clients' traffic); heeded only if the
                         // process has no rom socket yet (a manager's server process always)
    // A client process that dies without saying goodbye (exit, crash, SIGKILL) has its session ended as soon
    // as its connections close, within milliseconds, whatever this says: its references are released
    // (objects left without one and without a name are destroyed), its locks pass on (a Semaphore's units
    // stay taken: it has no owner, as in Python), its waiting calls are dropped. A client that is alive keeps
    // its session however long it is stopped or idle. This timeout is for tcp peers whose connection went
    // silently away (their host vanished, the network was cut): TCP keepalives, answered by the peer's kernel
    // (so a stopped process still answers), drop such a connection within about this many milliseconds (at
    // least ~2 s: the kernel counts in seconds), and its session with it. 0 means 4000. Costs nothing per
    // call; clients need no thread.
    uint32_t session_timeout_ms;
    // NULL: no authentication; ipc socket files are mode 0600, so only this user's processes connect.
    // Otherwise a shared secret (a NUL-terminated string, like Python's authkey): every connection is
    // CURVE-encrypted with key pairs derived from it and only clients that hold it are admitted (a ZAP
    // handler checks their key); others never get a session (rom_client_connect () says ROM_DENIED).
    // inproc:// endpoints are not authenticated (same process). Copied; the caller keeps its string.
    const char *authkey;
    // After handling calls, the server thread looks for the next call this many microseconds before it
    // sleeps: a busy caller's next call then costs no wake-up (on a 2-vCPU VM, sync calls measured 3x
    // faster). An idle server does not spin, nor one whose thread may run on one CPU only (affinity).
    // 0 means 200; ROM_SERVER_NO_SPIN turns it off.
    uint32_t spin_us;
    // Limits, so that one client cannot take what all share. Each refusal is ROM_LIMIT with a text naming
    // the limit; the caller's other calls and everyone else go on. 0 means the default.
    uint32_t max_objects;             // objects on the server in all; default 16 777 216
    uint32_t max_objects_per_session; // objects one session holds references to; default 1 048 576
    uint32_t max_sessions;            // client sessions at once; default 65 536
    uint32_t max_name;                // bytes of an object's name; default 1024
    uint32_t max_pending_per_session; // calls of one session waiting at once (Queue.get, ...); default 65 536
    uint32_t max_waiters_per_object;  // calls waiting on one object at once; default 65 536
    // Without an authkey, tcp carries calls unauthenticated and in clear, so that anyone who reaches the port
    // can call every object and captured traffic can be replayed: rom_server_bind () then accepts only
    // loopback addresses (127.x.y.z, localhost, [::1]) and refuses others with ROM_INVALID, unless this is
    // true (a network you trust entirely). With an authkey, every address is allowed.
    bool insecure_tcp;
    // Who may reach an object. By default an object id is a small number counted from 1: any client of the
    // server (all of them hold the authkey) may call any object, as in Python's manager. With this, ids are
    // random 63-bit numbers, so an object is reached only by a session that was handed it (a proxy, a
    // token, an ObjectRef in a message, a name it looked up): guessing an id is hopeless. Manager.ListObjects
    // (rom_client_objects (), romctl list) then lists to a session only the named objects and those it
    // holds a reference to. docs/security.md says what each mode promises.
    bool private_objects;
} rom_server_opts_t;

#define ROM_SERVER_NO_SPIN UINT32_MAX

// Create a server. `opts` may be NULL for the defaults. Returns NULL when out of memory, when ZMQ cannot
// start, or when an authkey is given and this libzmq was built without CURVE (zmq_has ("curve")). Caller owns
// return value and must destroy it when done.
rom_server_t *rom_server_new (const rom_server_opts_t *opts);

// Stop serving (if running), destroy every object (their servant destructors run), close the sockets,
// remove ipc socket files, free the server and set *self_p to NULL. Accepts NULL and *self_p == NULL.
void rom_server_destroy (rom_server_t **self_p);

// Listen on an endpoint: "ipc:///path", "tcp://127.0.0.1:5555" (port 0 or "*" picks a free one),
// "inproc://name". May be called several times. ipc socket files are created with mode 0600.
rom_status_t rom_server_bind (rom_server_t *self, const char *endpoint);

// The endpoint actually bound by the last successful rom_server_bind () (tcp port resolved).
// Owned by the server. NULL before any bind.
const char *rom_server_endpoint (const rom_server_t *self);

// Host the type `type` with the user's servant table `servant` (a generated Pkg__Svc_Servant) and a context
// pointer handed to every create. The table and ctx must outlive the server. Generated code wraps this as
// pkg__svc_servant__register (). ROM_EXISTS if a type of that name is registered already.
rom_status_t rom_server_register (rom_server_t *self, const rom_type_t *type, const void *servant, void *ctx);

// Serve until rom_server_stop () is called. Returns ROM_OK after a stop, or a status on a fatal error.
rom_status_t rom_server_run (rom_server_t *self);

// Serve forever in this process, as a standalone server program does (Python's serve_forever ()):
// SIGINT and SIGTERM stop it cleanly. Calls in flight finish and are answered, calls still queued get
// ROM_UNAVAILABLE, then the ipc socket files are removed and ROM_OK is returned (ROM_INTERNAL on a fatal
// error). The signal handlers are installed for the duration and the previous ones restored after. One
// server per process may serve this way at a time.
rom_status_t rom_server_serve_forever (rom_server_t *self);

// Serve in a background thread of this process (for tests and in-process managers) until
// rom_server_destroy () or rom_server_stop ().
rom_status_t rom_server_start (rom_server_t *self);

// Ask a running server to stop: calls in flight finish, new ones get ROM_UNAVAILABLE, rom_server_run ()
// returns. Safe from any thread and from a signal handler.
void rom_server_stop (rom_server_t *self);

// The number of live objects (for tests and benchmarks). Only while the server is not running in the
// background, or from within a servant method.
size_t rom_server_object_count (const rom_server_t *self);

// The detail of the last failure of a server call ("bind ipc:///x: Permission denied").
const char *rom_server_errmsg (const rom_server_t *self);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
