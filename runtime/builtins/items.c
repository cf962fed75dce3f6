// items.c: a FIFO of packed SyncItems, what a Queue holds and what waits in a Pipe end's inbox, and the
// hand-off of an item straight to a waiting getter (items.h).
#include "items.h"

#include <stdlib.h>

typedef struct {
    romi_link_t link;
    bool kept; // its reference is held by the holder given at push
    size_t size;
    uint8_t data[]; // a packed rom.builtins.SyncItem
} s_entry_t;

rom_status_t
romi_sync_items_push (romi_sync_items_t *self, const Rom__Builtins__SyncItem *item, uint64_t holder,
                      rom_call_t *call)
{
    size_t size = protobuf_c_message_get_packed_size (&item->base);
    s_entry_t *entry = malloc (sizeof *entry + size);
    if (!entry)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for the item");
    const Rom__ObjectRef *ref = romi_sync_item_ref (item);
    entry->kept = ref && holder;
    rom_status_t kept = entry->kept ? rom_call_keep_ref_for (call, holder, ref) : ROM_OK;
    if (kept != ROM_OK) {
        free (entry);
        return kept;
    }
    entry->size = protobuf_c_message_pack (&item->base, entry->data);
    romi_list_append (&self->list, &entry->link);
    return ROM_OK;
}

rom_status_t
romi_sync_items_take (romi_sync_items_t *self, Rom__Builtins__SyncItem *out, rom_call_t *call)
{
    s_entry_t *entry = romi_container_of (romi_list_first (&self->list), s_entry_t, link);
    ProtobufCAllocator allocator;
    rom_call_allocator (call, &allocator);
    Rom__Builtins__SyncItem *item = rom__builtins__sync_item__unpack (&allocator, entry->size, entry->data);
    if (!item)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for the item");
    out->value = item->value;
    out->type = item->type;
    if (entry->kept)
        rom_call_drop_ref (call,
                           romi_sync_item_ref (item)->id); // after the reply: the taker's own comes first
    romi_list_unlink (&self->list, &entry->link);
    free (entry);
    return ROM_OK;
}

void
romi_sync_items_clear (romi_sync_items_t *self)
{
    romi_link_t *link;
    while ((link = romi_list_pop (&self->list)))
        free (romi_container_of (link, s_entry_t, link));
}

bool
romi_sync_waitq_hand_item (romi_sync_waitq_t *waiters, const Rom__Builtins__SyncItem *item)
{
    romi_sync_waitq_drop_gone (waiters);
    rom_call_t *getter = romi_sync_waitq_pop_call (waiters);
    if (!getter)
        return false;
    Rom__Builtins__SyncItem *out = (Rom__Builtins__SyncItem *) rom_call_output (getter);
    out->value = item->value; // borrowed: packed into the reply right now
    out->type = item->type;
    rom_call_complete (getter, ROM_OK);
    return true;
}
