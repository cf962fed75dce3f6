// item.h: private to the built-ins, client side. rom_item_t (rom_sync.h), what the Queue and Pipe helpers
// send and receive, to and from rom.builtins.SyncItem (item.c).
#ifndef ROMI_BUILTINS_ITEM_H
#define ROMI_BUILTINS_ITEM_H

#include "variant.h"

#include "rom/rom.h"
#include "rom/builtins/sync_item.pb-c.h"

// Point `wire` at `item`'s contents, through `value` (romi_variant_in (): borrowed, valid while `item` is;
// romi_variant_in_done (value) after use). ROM_INVALID, with a text naming the helper `fn`, for an item
// without the text, data or type its kind needs, text that is not UTF-8 or a token that is none.
rom_status_t romi_item_to_wire (const char *fn, rom_client_t *client, const rom_item_t *item,
                                Rom__Builtins__SyncItem *wire, romi_variant_in_t *value);
// Copy a received item into caller-owned memory (a kind newer than this client is none). A reference
// becomes ROM_ITEM_REF: the reply's reference for `client`'s session is the item's until rom_item_clear ().
// ROM_OK or ROM_NOMEM.
rom_status_t romi_item_from_wire (rom_client_t *client, const Rom__Builtins__SyncItem *wire,
                                  rom_item_t *item);
// A Get or Recv on a checked handle: an item that may have to wait (`in` says nowait for ROM_NOWAIT), copied
// into `item`.
rom_status_t romi_item_wait (void *handle, const char *name, const ProtobufCMessage *in, uint32_t timeout_ms,
                             rom_item_t *item);
// Pack `message` into `item` (malloc'ed data, borrowed type name): free item->data after use.
rom_status_t romi_item_message (const ProtobufCMessage *message, rom_item_t *item);
// Unpack a received message item (consumed) of the type `descriptor`: ROM_WRONG_TYPE for an item of another
// kind or type, ROM_BAD_REQUEST for bytes that are no such message (texts as the typed views' below).
rom_status_t romi_item_unpack (const void *handle, const char *method, rom_item_t *item,
                               const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **message);

// Typed views of a received item (queue get, pipe recv): `status` is the receive's; on ROM_OK the item is
// consumed, its text or data handed to the caller. ROM_WRONG_TYPE for an item of another kind (consumed too),
// said as "type#id.Method: the item is a string, not an int" on the handle's client.
rom_status_t romi_item_int (const void *handle, const char *method, rom_status_t status, rom_item_t *item,
                            int64_t *value);
rom_status_t romi_item_double (const void *handle, const char *method, rom_status_t status, rom_item_t *item,
                               double *value);
rom_status_t romi_item_str (const void *handle, const char *method, rom_status_t status, rom_item_t *item,
                            char **value);
rom_status_t romi_item_bytes (const void *handle, const char *method, rom_status_t status, rom_item_t *item,
                              uint8_t **data, size_t *size);

#endif
