// romi_call.h: call.c, one call being served (rom_call_t): its record, its arena, its error text. The bottom
// of the call's layers: nothing here knows the server.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_CALL_H
#define ROMI_CALL_H

#include "romi_io.h"
#include "romi_object.h"
#include "../util/romi_list.h" // relative: the tests see runtime/src only

// Memory that lives as long as one call: the unpacked input, the output, rom_call_alloc (). The first
// chunk is inside the call, so a small call allocates nothing.
#define ROM_ARENA_INLINE 1024u
typedef struct romi_arena_chunk romi_arena_chunk_t;
typedef struct {
    romi_arena_chunk_t *chunks; // malloc'ed overflow chunks
    size_t used;                // bytes used of `inline_buf`
    _Alignas (max_align_t) uint8_t inline_buf[ROM_ARENA_INLINE];
} romi_arena_t;

// `size` bytes aligned for anything, from the inline buffer while it lasts, then a chunk of their own.
// NULL when out of memory.
void *romi_arena_alloc (romi_arena_t *self, size_t size);
// Free the chunks and empty the inline buffer (the call is over).
void romi_arena_reset (romi_arena_t *self);

typedef struct romi_hosting romi_hosting_t;   // romi_hosting.h
typedef struct romi_deferred romi_deferred_t; // romi_deferred.h

struct _rom_call_t {
    rom_server_t *server;    // only for romi_server_objects () (the built-ins, until they use the public API)
    romi_hosting_t *hosting; // the types, objects and sessions the call may touch
    romi_deferred_t *deferred; // where it waits when its method answers later
    romi_object_t *object;     // NULL for the manager's own methods
    const rom_method_t *method;
    romi_io_peer_t peer; // the caller's routing id (server_io.c's to read and close)
    uint64_t call_id;
    uint64_t session;
    uint64_t deadline_ms; // 0: none
    uint32_t flags;       // rom.CallFlags
    rom_status_t fail_status;
    char *errmsg; // from rom_call_fail (), in the arena
    const ProtobufCMessage *input;
    ProtobufCMessage *output;
    rom_cancel_fn on_cancel;
    romi_link_t link;         // in one list at a time: its object's deferred calls, the free calls
                              // (reply.c), a pool mailbox or the pool's finished calls (pool.c)
    romi_link_t session_link; // in its session's parked calls while deferred (deferred.c)
    void *servant_data;       // the servant's, while the call is deferred (rom_call_set_data ())
    size_t heap_index;        // position in the deadline heap (deferred.c); SIZE_MAX when not there
    int fd;                   // the connection it came on (ZMQ_SRCFD), -1 when unknown
    void *fresh;              // objects made by rom_call_new_object () for the reply (ref.c), arena
    void *drops;              // references rom_call_drop_ref () drops once the reply is out (ref.c)
    void *keeps;              // references kept by a constructor, for the object it makes (ref.c)
    bool pooled;              // runs on a pool worker: the call may not touch the object table
    bool constructing;        // a Manager.Create running its type's constructor
    rom_status_t pool_status; // what the method returned, when run by the pool
    romi_arena_t arena;
};

// The call whose `link` is `l`.
#define romi_call_of(l) romi_container_of (l, rom_call_t, link)

// The "type#id.Method" prefix of the call's error texts (romi_describe ()); the manager's own methods
// are "rom.Manager.Method".
void romi_call_describe (const rom_call_t *call, char *buf, size_t size);

#endif
