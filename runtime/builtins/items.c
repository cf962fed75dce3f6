// items.c: a FIFO of packed SyncItems, what a Queue holds and what waits in a Pipe end's inbox, and the
// hand-off of an item straight to a waiting getter (see sync_private.h).
#include "sync_private.h"

#include <stdlib.h>

struct romi_sync_item {
    romi_sync_item_t *next;
    bool kept;                   // its reference is held by the holder given at push
    size_t size;
    uint8_t data[];              // a packed rom.builtins.SyncItem
};

rom_status_t
romi_sync_items_push (romi_sync_items_t *self, const Rom__Builtins__SyncItem *item, romi_object_t *holder, rom_call_t *call)
{
    size_t size = protobuf_c_message_get_packed_size (&item->base);
    romi_sync_item_t *entry = malloc (sizeof *entry + size);
    if (!entry)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for the item");
    const Rom__ObjectRef *ref = romi_sync_item_ref (item);
    entry->kept = ref && holder;
    rom_status_t kept = entry->kept ? romi_refs_keep_for (call, holder, ref) : ROM_OK;
    if (kept != ROM_OK) {
        free (entry);
        return kept;
    }
    entry->next = NULL;
    entry->size = protobuf_c_message_pack (&item->base, entry->data);
    if (self->tail)
        self->tail->next = entry;
    else
        self->head = entry;
    self->tail = entry;
    self->count++;
    return ROM_OK;
}

rom_status_t
romi_sync_items_take (romi_sync_items_t *self, Rom__Builtins__SyncItem *out, rom_call_t *call)
{
    romi_sync_item_t *entry = self->head;
    ProtobufCAllocator allocator;
    rom_call_allocator (call, &allocator);
    Rom__Builtins__SyncItem *item = rom__builtins__sync_item__unpack (&allocator, entry->size, entry->data);
    if (!item)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for the item");
    out->value = item->value;
    out->type = item->type;
    if (entry->kept)
        rom_call_drop_ref (call, romi_sync_item_ref (item)->id); // after the reply: the taker's own comes first
    self->head = entry->next;
    if (!self->head)
        self->tail = NULL;
    self->count--;
    free (entry);
    return ROM_OK;
}

void
romi_sync_items_clear (romi_sync_items_t *self)
{
    while (self->head) {
        romi_sync_item_t *next = self->head->next;
        free (self->head);
        self->head = next;
    }
    self->tail = NULL;
    self->count = 0;
}

bool
romi_sync_waitq_hand_item (romi_sync_waitq_t *waiters, const Rom__Builtins__SyncItem *item)
{
    romi_sync_waitq_drop_gone (waiters);
    romi_sync_waiter_t *waiter = waiters->head;
    if (!waiter)
        return false;
    rom_call_t *getter = waiter->call;
    romi_sync_waitq_unlink (waiters, waiter);
    free (waiter);
    Rom__Builtins__SyncItem *out = (Rom__Builtins__SyncItem *) rom_call_output (getter);
    out->value = item->value; // borrowed: packed into the reply right now
    out->type = item->type;
    rom_call_complete (getter, ROM_OK);
    return true;
}
