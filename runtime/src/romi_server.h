// romi_server.h: the server side's private headers, bottom to top (each file calls only into those above
// it in this list, so the graph of the object files is acyclic; a lower file that must reach up takes a
// function pointer: romi_dying_fn, romi_pool_done_fn), and what server.c gives the layer above the core
// (runtime/host/).
//
//   romi_map.h          map.c          uint64 -> pointer map
//   romi_peers.h        peers.c        sessions' connections by fd, the lease's suspects
//   romi_session.h      session.c      session records, connections, lost sessions
//   romi_object.h       object.c       the object table and its reference counts
//   romi_auth.h         auth.c         authkey: CURVE keys, ZAP handler
//   romi_io.h           server_io.c    the listener: all the server's network I/O (over romi_transport.h)
//   romi_call.h         call.c         a call's record, arena and error text
//   romi_pool.h         pool.c         worker threads of pool types
//   romi_registry.h     registry.c     registered types
//   romi_hosting.h      hosting.c      types + objects + sessions; how objects die
//   romi_ref.h          ref.c          ObjectRefs in messages
//   romi_reply.h        reply.c        call records, replies, refusals
//   romi_deferred.h     deferred.c     calls answered later, deadlines
//   romi_session_end.h  session_end.c  what an ending session leaves behind
//   romi_lease.h        lease.c        dead clients' sessions end
//   (server_ops.c: the manager object; server.c: the loop and the dispatch)
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_SERVER_H
#define ROMI_SERVER_H

#include "romi_map.h"
#include "romi_peers.h"
#include "romi_session.h"
#include "romi_object.h"
#include "romi_auth.h"
#include "romi_io.h"
#include "romi_call.h"
#include "romi_pool.h"
#include "romi_registry.h"
#include "romi_hosting.h"
#include "romi_ref.h"
#include "romi_reply.h"
#include "romi_deferred.h"
#include "romi_session_end.h"
#include "romi_lease.h"

#include <pthread.h>
#include <stdatomic.h>

// A server: one of each part, each owned by its file; server.c wires them together (and register.c reads
// the registry: it is apart so that generated code registering a type does not reach into the loop).
struct _rom_server_t {
    romi_io_t io;             // the socket and everything sent or received (server_io.c)
    romi_hosting_t hosting;   // types, objects, sessions (hosting.c)
    romi_replies_t replies;   // call records and replies (reply.c)
    romi_deferred_t deferred; // calls answered later and their deadlines (deferred.c)
    romi_lease_t lease;       // session liveness (lease.c)
    romi_pool_t *pool;        // workers of ROM_TYPE_POOL types (pool.c)
    bool pool_stopped;        // its workers are gone (rom_server_destroy)
    int stop_fd;              // readable (or hung up): stop serving; -1 for none (the manager's owner)
    uint32_t spin_us;         // after a busy pass, how long to look for the next call before sleeping
    // Set by rom_server_stop () from a signal handler or from another thread: a lock-free atomic is safe in
    // both (volatile sig_atomic_t is not, across threads).
    atomic_int stopping;
    atomic_bool running;
    pthread_t thread;
    bool thread_started;
    char errmsg[ROM_ERRMSG_MAX];
};

// The manager object's servant (server_ops.c) for the generated rom__manager__rom_type: object 0 of every
// server, whose state is the server's hosting.
extern const Rom__Manager_Servant romi_manager_servant;

// A server hosting no type yet (rom_server_new () is this plus the built-ins: runtime/host/). NULL when it
// cannot be made.
rom_server_t *romi_server_create (const rom_server_opts_t *opts);
// Stop serving when `fd` becomes readable or hangs up (a pidfd of the manager's owner). Before running.
void romi_server_stop_on_fd (rom_server_t *server, int fd);
// One pass of the loop that never waits and runs no thread: handle the calls queued on the listener (up to a
// loop's batch), expire the deferred calls that are due, send the replies made. Returns the calls handled.
// For a harness that drives a server from its own thread, one message at a time (fuzz/fuzz_dispatch.c).
unsigned romi_server_step (rom_server_t *server);
// The object table of `server`: for the built-ins (pipe.c) until they use the public API only.
romi_objects_t *romi_server_objects (rom_server_t *server);

#endif
