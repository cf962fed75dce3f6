// romi_pool.h: pool.c, the worker threads of ROM_TYPE_POOL types.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_POOL_H
#define ROMI_POOL_H

#include "romi_call.h"

typedef struct _romi_pool_t romi_pool_t;
// What the server does with a call back from the pool; `arg` is what it passed along. A function pointer
// because the pool sits below the replies (reply.c) that answering needs.
typedef void (*romi_pool_done_fn) (void *arg, rom_call_t *call, rom_status_t status);

// A pool of `workers` threads (0: 2), started at the first call. NULL when out of memory or fds.
romi_pool_t *romi_pool_new (unsigned workers);
// Stop the workers (a call being run finishes) and free the pool. Collect and cancel calls first.
void romi_pool_stop (romi_pool_t *self);
// Stop it if running, free it, set *self_p to NULL (accepts NULL).
void romi_pool_destroy (romi_pool_t **self_p);
// Readable when finished calls wait for romi_pool_collect ().
int romi_pool_fd (const romi_pool_t *self);
// Post a call (input unpacked, output initialized, call->object set) to its object's mailbox.
rom_status_t romi_pool_submit (romi_pool_t *self, rom_call_t *call);
// Hand every finished call to `done` with the status its method returned (I/O thread).
void romi_pool_collect (romi_pool_t *self, romi_pool_done_fn done, void *arg);
// Whether some call of `object` is in the pool (waiting, running, or finished and not collected).
bool romi_pool_busy (romi_pool_t *self, const romi_object_t *object);
// Answer the calls still waiting in `object`'s mailbox through `cancel` (with ROM_CLOSED).
void romi_pool_cancel_mail (romi_pool_t *self, romi_object_t *object, romi_pool_done_fn cancel, void *arg);
// Calls posted and not yet collected.
size_t romi_pool_in_flight (romi_pool_t *self);

#endif
