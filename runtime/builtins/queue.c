// queue.c: Queue and JoinableQueue (rom.builtins.Queue, rom.builtins.JoinableQueue).
//
// Items are kept packed (one malloc each: a rom.builtins.SyncItem as it came off the wire), in a FIFO.
// Blocking is deferred replies, in two FIFOs of calls: getters (the queue is empty) and putters (it is full).
// A Put with a getter waiting hands its item straight to that getter (it is packed into the getter's reply
// before the Put returns, so borrowing it from the Put's input is safe); a Get that frees a slot lets the
// first waiting putter in. When a waiter's deadline passes the runtime cancels its call and s_on_cancel
// removes it from its list and answers ROM_EMPTY (getter) or ROM_FULL (putter), Python's exceptions: from
// then on no item is handed to it, so nothing is lost to a caller that left.
//
// An item that is a reference to another shared object keeps that object alive while it waits in the queue
// (kept by the queue when stored, dropped when taken: the getter's reply takes its own first; items.c).
//
// JoinableQueue adds a count of unfinished items (Put adds one, TaskDone removes one) and a list of Join
// calls completed when it reaches zero.
#include "builtins.h"
#include "items.h"

#include <stdlib.h>
#include <string.h>

#include "rom/builtins/queue.rom.h"

typedef struct {
    romi_sync_items_t items;
    int64_t maxsize; // <= 0: unbounded
    bool joinable;
    uint64_t unfinished; // JoinableQueue: items put and not yet marked done
    romi_sync_waitq_t getters, putters, joiners;
} queue_t;

static rom_status_t
s_create (bool joinable, const Rom__Builtins__QueueInit *args, void **self_p, rom_call_t *call)
{
    queue_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    self->maxsize = args ? args->maxsize : 0;
    self->joinable = joinable;
    romi_sync_items_init (&self->items);
    romi_sync_waitq_init (&self->getters);
    romi_sync_waitq_init (&self->putters);
    romi_sync_waitq_init (&self->joiners);
    *self_p = self;
    return ROM_OK;
}

static rom_status_t
s_queue_create (void *ctx, const Rom__Builtins__QueueInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    return s_create (false, args, self_p, call);
}

static rom_status_t
s_joinable_create (void *ctx, const Rom__Builtins__QueueInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    return s_create (true, args, self_p, call);
}

static void
s_destroy (void *self)
{
    queue_t *queue = self;
    const char *why = "the queue was destroyed while the call waited";
    romi_sync_waitq_fail_all (&queue->getters, ROM_CLOSED, why);
    romi_sync_waitq_fail_all (&queue->putters, ROM_CLOSED, why);
    romi_sync_waitq_fail_all (&queue->joiners, ROM_CLOSED, why);
    romi_sync_items_clear (&queue->items);
    free (queue);
}

static bool
s_full (const queue_t *queue)
{
    return queue->maxsize > 0 && romi_sync_items_count (&queue->items) >= (uint64_t) queue->maxsize;
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    queue_t *queue = self;
    bool late = romi_sync_deadline_passed (call);
    if (romi_sync_waitq_forget (&queue->getters, call)) {
        if (late)
            rom_call_fail (call, ROM_EMPTY, "no item came within the timeout");
    } else if (romi_sync_waitq_forget (&queue->putters, call)) {
        if (late)
            rom_call_fail (call, ROM_FULL, "no room came within the timeout");
    } else
        romi_sync_waitq_forget (&queue->joiners, call);
}

// Accept `item`, put by `call`: to the first waiting getter if there is one, else into the queue (the caller
// checked room). On failure the text is set on `call`.
static rom_status_t
s_accept (queue_t *queue, const Rom__Builtins__SyncItem *item, rom_call_t *call)
{
    // Queued, a reference keeps its object alive (the queue holds it) until a Get takes it.
    if (!romi_sync_waitq_hand_item (&queue->getters, item)) {
        rom_status_t status = romi_sync_items_push (&queue->items, item, rom_call_object_id (call), call);
        if (status != ROM_OK)
            return status;
    }
    queue->unfinished++;
    return ROM_OK;
}

// Unpack the first item into the call's memory.
static rom_status_t
s_take (queue_t *queue, Rom__Builtins__SyncItem *out, rom_call_t *call)
{
    rom_status_t status = romi_sync_items_take (&queue->items, out, call);
    if (status != ROM_OK)
        return status;
    // A slot is free: let the first waiting putter in.
    romi_sync_waiter_t *waiter = romi_sync_waitq_first (&queue->putters);
    if (waiter) {
        rom_call_t *putter = waiter->call;
        const Rom__Builtins__SyncItem *pending = waiter->data;
        romi_sync_waitq_unlink (&queue->putters, waiter);
        free (waiter);
        rom_call_complete (putter, s_accept (queue, pending, putter));
    }
    return ROM_OK;
}

static rom_status_t
s_put (void *self, const Rom__Builtins__PutRequest *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    queue_t *queue = self;
    static const Rom__Builtins__SyncItem none = ROM__BUILTINS__SYNC_ITEM__INIT;
    const Rom__Builtins__SyncItem *item = in->item ? in->item : &none;
    if (!s_full (queue) || romi_sync_waitq_count (&queue->getters))
        return s_accept (queue, item, call);
    if (in->nowait)
        return rom_call_fail (call, ROM_FULL, "the queue is full (%lld items)", (long long) queue->maxsize);
    romi_sync_waiter_t *waiter = NULL;
    rom_status_t status = romi_sync_waitq_defer (&queue->putters, call, 0, s_on_cancel, &waiter);
    if (waiter)
        waiter->data = item; // the call's input lives as long as the call
    return status;
}

static rom_status_t
s_get (void *self, const Rom__Builtins__GetRequest *in, Rom__Builtins__SyncItem *out, rom_call_t *call)
{
    queue_t *queue = self;
    if (romi_sync_items_count (&queue->items))
        return s_take (queue, out, call);
    if (in->nowait)
        return rom_call_fail (call, ROM_EMPTY, "the queue is empty");
    return romi_sync_waitq_defer (&queue->getters, call, 0, s_on_cancel, NULL);
}

static rom_status_t
s_qsize (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Count *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = (int64_t) romi_sync_items_count (&((queue_t *) self)->items);
    return ROM_OK;
}

static rom_status_t
s_empty (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Flag *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = romi_sync_items_count (&((queue_t *) self)->items) == 0;
    return ROM_OK;
}

static rom_status_t
s_full_method (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Flag *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = s_full (self);
    return ROM_OK;
}

static rom_status_t
s_task_done (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    queue_t *queue = self;
    if (queue->unfinished == 0)
        return rom_call_fail (call, ROM_APP_ERROR, "task_done () called more times than there were items");
    if (--queue->unfinished == 0)
        romi_sync_waitq_fail_all (&queue->joiners, ROM_OK, NULL);
    return ROM_OK;
}

static rom_status_t
s_join (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    queue_t *queue = self;
    if (queue->unfinished == 0)
        return ROM_OK;
    return romi_sync_waitq_defer (&queue->joiners, call, 0, s_on_cancel, NULL);
}

static const Rom__Builtins__Queue_Servant s_queue = {
    .rom_create = s_queue_create,
    .rom_destroy = s_destroy,
    .put = s_put,
    .get = s_get,
    .qsize = s_qsize,
    .empty = s_empty,
    .full = s_full_method,
};

static const Rom__Builtins__JoinableQueue_Servant s_joinable = {
    .rom_create = s_joinable_create,
    .rom_destroy = s_destroy,
    .put = s_put,
    .get = s_get,
    .qsize = s_qsize,
    .empty = s_empty,
    .full = s_full_method,
    .task_done = s_task_done,
    .join = s_join,
};

rom_status_t
romi_builtin_queue_register (rom_server_t *server)
{
    rom_status_t status = rom__builtins__queue__rom_register (server, &s_queue, NULL);
    return status == ROM_OK ? rom__builtins__joinable_queue__rom_register (server, &s_joinable, NULL)
                            : status;
}
