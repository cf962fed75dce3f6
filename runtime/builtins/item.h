// item.h: private to the built-ins, client side. rom_item_t (rom_sync.h), what the Queue and Pipe helpers
// send and receive, to and from rom.builtins.SyncItem (item.c).
#ifndef ROMI_BUILTINS_ITEM_H
#define ROMI_BUILTINS_ITEM_H

#include "rom/rom.h"
#include "rom/builtins/sync_item.pb-c.h"

// Point `wire` (and `value`, which it refers to) at `item`'s contents: borrowed, valid while `item` is.
// ROM_INVALID, with a text naming the helper `fn`, for an item without the text, data or type its kind needs.
rom_status_t romi_item_to_wire (const char *fn, const rom_item_t *item, Rom__Builtins__SyncItem *wire,
                                Rom__Builtins__Variant *value);
// Copy a received item into caller-owned memory (an object reference, or a kind newer than this client, is
// none). ROM_OK or ROM_NOMEM.
rom_status_t romi_item_from_wire (const Rom__Builtins__SyncItem *wire, rom_item_t *item);
// A Get or Recv on a checked handle: an item that may have to wait (`in` says nowait for ROM_NOWAIT), copied
// into `item`.
rom_status_t romi_item_wait (void *handle, const char *name, const ProtobufCMessage *in, uint32_t timeout_ms,
                             rom_item_t *item);
// Pack `message` into `item` (malloc'ed data, borrowed type name): free item->data after use.
rom_status_t romi_item_message (const ProtobufCMessage *message, rom_item_t *item);
// Unpack a received message item (consumed) of the type `descriptor`: ROM_WRONG_TYPE for an item of another
// kind or type, ROM_BAD_REQUEST for bytes that are no such message.
rom_status_t romi_item_unpack (rom_item_t *item, const ProtobufCMessageDescriptor *descriptor,
                               ProtobufCMessage **message);

// Typed views of a received item (queue get, pipe recv): `status` is the receive's; on ROM_OK the item is
// consumed, its text or data handed to the caller. ROM_WRONG_TYPE for an item of another kind.
rom_status_t romi_item_int (rom_status_t status, rom_item_t *item, int64_t *value);
rom_status_t romi_item_double (rom_status_t status, rom_item_t *item, double *value);
rom_status_t romi_item_str (rom_status_t status, rom_item_t *item, char **value);
rom_status_t romi_item_bytes (rom_status_t status, rom_item_t *item, uint8_t **data, size_t *size);

#endif
