// romi_reply.h: reply.c, answering: call records from a free list, a reply made from a call (its
// references exported, its error text composed) and sent, refusals of what never became a call.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_REPLY_H
#define ROMI_REPLY_H

#include "romi_hosting.h"
#include "romi_io.h"

typedef struct {
    romi_io_t *io;
    romi_hosting_t *hosting;
    romi_list_t free_calls; // recycled call records (through rom_call_t.link)
} romi_replies_t;

// Replies go out through `io`; calls get `hosting` for what they touch.
void romi_replies_init (romi_replies_t *self, romi_io_t *io, romi_hosting_t *hosting);
// Free the recycled call records.
void romi_replies_fini (romi_replies_t *self);
// A blank call record (recycled when one is free), its peer empty. NULL when out of memory.
rom_call_t *romi_replies_call_new (romi_replies_t *self);
// Send the reply of `call` (unless one-way) and recycle it: status OK packs call->output, a failure sends
// "type#id.Method: text". The call must be in no list and no heap.
void romi_reply (romi_replies_t *self, rom_call_t *call, rom_status_t status);
// Answer a request that never became a call (bad header, unknown object, no session, ...) with this run's
// incarnation, so a client that reached a restarted server learns it; a one-way call is only counted.
void romi_refuse (romi_replies_t *self, romi_io_peer_t *peer, uint64_t call_id, uint32_t flags,
                  rom_status_t status, const char *fmt, ...) __attribute__ ((format (printf, 6, 7)));

#endif
