// items.h: private to the built-ins, server side. A FIFO of items (a Queue's contents, a Pipe end's inbox;
// items.c) and the hand-off of an item straight to a call waiting for one.
#ifndef ROMI_BUILTINS_ITEMS_H
#define ROMI_BUILTINS_ITEMS_H

#include "waitq.h"

#include "rom/builtins/sync_item.pb-c.h"

// Kept packed: one malloc an item, whatever the message, and nothing of the caller's input kept.
typedef struct {
    romi_list_t list;
} romi_sync_items_t;

// The reference an item carries (Queue, Pipe), or NULL.
static inline const Rom__ObjectRef *
romi_sync_item_ref (const Rom__Builtins__SyncItem *item)
{
    const Rom__Builtins__Variant *v = item->value;
    return v && v->kind_case == ROM__BUILTINS__VARIANT__KIND_REF_VALUE ? v->ref_value : NULL;
}

// Before the first use (the sentinel points at itself, so a calloc'ed one is not empty yet).
static inline void
romi_sync_items_init (romi_sync_items_t *self)
{
    romi_list_init (&self->list);
}

static inline size_t
romi_sync_items_count (const romi_sync_items_t *self)
{
    return self->list.count;
}

// Append a packed copy of `item`. A reference it carries is kept by the object `holder` (an id) until the
// item is taken (0: not kept); the item must then be taken by a call on `holder`. ROM_OK, or the failure set
// on `call` (ROM_NOMEM, ROM_NO_OBJECT for a reference to nothing, ROM_INVALID for a reference to `holder`
// itself).
rom_status_t romi_sync_items_push (romi_sync_items_t *self, const Rom__Builtins__SyncItem *item,
                                   uint64_t holder, rom_call_t *call);
// Move the first item (there must be one) into `out`, unpacked in the call's memory; a kept reference is
// dropped once the call's reply is out. ROM_OK, or ROM_NOMEM set on `call` (the item stays).
rom_status_t romi_sync_items_take (romi_sync_items_t *self, Rom__Builtins__SyncItem *out, rom_call_t *call);
// Free every item (their kept references go with their holder).
void romi_sync_items_clear (romi_sync_items_t *self);
// Complete the first call waiting in `waiters` (its output a SyncItem) with `item`, whose values are
// borrowed: they are packed into that reply at once. False when nobody waits.
bool romi_sync_waitq_hand_item (romi_sync_waitq_t *waiters, const Rom__Builtins__SyncItem *item);

#endif
