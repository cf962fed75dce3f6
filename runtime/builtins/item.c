// item.c: rom_item_t, what a Queue or a Pipe carries on the client side (rom_sync.h), to and from the wire's
// rom.builtins.SyncItem (item.h). A message item travels as its packed bytes with its full type name, so
// the receiver can check it before unpacking.
#define _POSIX_C_SOURCE 200809L // strdup is POSIX, not C11

#include "handles.h"
#include "item.h"

#include <stdlib.h>
#include <string.h>

void
rom_item_clear (rom_item_t *item)
{
    if (!item)
        return;
    free (item->str);
    free (item->data);
    free (item->type);
    *item = (rom_item_t) {.kind = ROM_ITEM_NONE};
}

static rom_status_t
s_to_wire (const rom_item_t *item, Rom__Builtins__SyncItem *wire, Rom__Builtins__Variant *value)
{
    rom__builtins__sync_item__init (wire);
    rom__builtins__variant__init (value);
    wire->value = value;
    switch (item->kind) {
    case ROM_ITEM_NONE: break;
    case ROM_ITEM_INT:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_INT_VALUE;
        value->int_value = item->i;
        break;
    case ROM_ITEM_UINT:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_UINT_VALUE;
        value->uint_value = item->u;
        break;
    case ROM_ITEM_DOUBLE:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_DOUBLE_VALUE;
        value->double_value = item->d;
        break;
    case ROM_ITEM_BOOL:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_BOOL_VALUE;
        value->bool_value = item->b;
        break;
    case ROM_ITEM_STRING:
        if (!item->str)
            return ROM_INVALID;
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_STRING_VALUE;
        value->string_value = item->str;
        break;
    case ROM_ITEM_MESSAGE:
        if (!item->type || !*item->type)
            return ROM_INVALID;
        wire->type = item->type;
        __attribute__ ((fallthrough)); // the packed message travels as bytes
    case ROM_ITEM_BYTES:
        if (!item->data && item->size)
            return ROM_INVALID;
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_BYTES_VALUE;
        value->bytes_value.data = item->data;
        value->bytes_value.len = item->size;
        break;
    default: return ROM_INVALID;
    }
    return ROM_OK;
}

rom_status_t
romi_item_to_wire (const char *fn, const rom_item_t *item, Rom__Builtins__SyncItem *wire,
                   Rom__Builtins__Variant *value)
{
    if (s_to_wire (item, wire, value) == ROM_OK)
        return ROM_OK;
    return rom_client_fail (NULL, ROM_INVALID, "%s: an item of kind %d without its text, data or type", fn,
                            (int) item->kind);
}

rom_status_t
romi_item_from_wire (const Rom__Builtins__SyncItem *wire, rom_item_t *item)
{
    *item = (rom_item_t) {.kind = ROM_ITEM_NONE};
    const Rom__Builtins__Variant *value = wire->value;
    if (!value)
        return ROM_OK;
    switch (value->kind_case) {
    case ROM__BUILTINS__VARIANT__KIND_INT_VALUE:
        item->kind = ROM_ITEM_INT;
        item->i = value->int_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_UINT_VALUE:
        item->kind = ROM_ITEM_UINT;
        item->u = value->uint_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_DOUBLE_VALUE:
        item->kind = ROM_ITEM_DOUBLE;
        item->d = value->double_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_BOOL_VALUE:
        item->kind = ROM_ITEM_BOOL;
        item->b = value->bool_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_STRING_VALUE:
        item->kind = ROM_ITEM_STRING;
        if (!(item->str = strdup (value->string_value)))
            return ROM_NOMEM;
        break;
    case ROM__BUILTINS__VARIANT__KIND_BYTES_VALUE:
        item->kind = wire->type && *wire->type ? ROM_ITEM_MESSAGE : ROM_ITEM_BYTES;
        item->size = value->bytes_value.len;
        if (!(item->data = malloc (item->size ? item->size : 1)))
            return ROM_NOMEM;
        if (item->size)
            memcpy (item->data, value->bytes_value.data, item->size);
        if (item->kind == ROM_ITEM_MESSAGE && !(item->type = strdup (wire->type))) {
            rom_item_clear (item);
            return ROM_NOMEM;
        }
        break;
    default: // an object reference, or a kind newer than this client: none
        break;
    }
    return ROM_OK;
}

rom_status_t
romi_item_wait (void *handle, const char *name, const ProtobufCMessage *in, uint32_t timeout_ms,
                rom_item_t *item)
{
    Rom__Builtins__SyncItem *out = NULL;
    rom_status_t status = romi_handle_wait (handle, name, in, timeout_ms, (ProtobufCMessage **) &out);
    if (status == ROM_OK)
        status = romi_item_from_wire (out, item);
    if (out)
        rom__builtins__sync_item__free_unpacked (out, NULL);
    return status;
}

rom_status_t
romi_item_message (const ProtobufCMessage *message, rom_item_t *item)
{
    if (!message)
        return ROM_INVALID;
    size_t size = protobuf_c_message_get_packed_size (message);
    uint8_t *data = malloc (size ? size : 1);
    if (!data)
        return ROM_NOMEM;
    *item = (rom_item_t) {.kind = ROM_ITEM_MESSAGE, .data = data, .type = (char *) message->descriptor->name};
    item->size = protobuf_c_message_pack (message, data);
    return ROM_OK;
}

rom_status_t
romi_item_unpack (rom_item_t *item, const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **message)
{
    rom_status_t status = ROM_WRONG_TYPE;
    if (item->kind == ROM_ITEM_MESSAGE && descriptor && strcmp (item->type, descriptor->name) == 0) {
        *message = protobuf_c_message_unpack (descriptor, NULL, item->size, item->data);
        status = *message ? ROM_OK : ROM_BAD_REQUEST;
    }
    rom_item_clear (item);
    return status;
}

rom_status_t
romi_item_int (rom_status_t status, rom_item_t *item, int64_t *value)
{
    if (status != ROM_OK)
        return status;
    status = item->kind == ROM_ITEM_INT ? ROM_OK : ROM_WRONG_TYPE;
    if (status == ROM_OK)
        *value = item->i;
    rom_item_clear (item);
    return status;
}

rom_status_t
romi_item_double (rom_status_t status, rom_item_t *item, double *value)
{
    if (status != ROM_OK)
        return status;
    status = item->kind == ROM_ITEM_DOUBLE || item->kind == ROM_ITEM_INT ? ROM_OK : ROM_WRONG_TYPE;
    if (status == ROM_OK)
        *value = item->kind == ROM_ITEM_DOUBLE ? item->d : (double) item->i;
    rom_item_clear (item);
    return status;
}

rom_status_t
romi_item_str (rom_status_t status, rom_item_t *item, char **value)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_STRING) {
        rom_item_clear (item);
        return ROM_WRONG_TYPE;
    }
    *value = item->str;
    return ROM_OK;
}

rom_status_t
romi_item_bytes (rom_status_t status, rom_item_t *item, uint8_t **data, size_t *size)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_BYTES) {
        rom_item_clear (item);
        return ROM_WRONG_TYPE;
    }
    *data = item->data;
    *size = item->size;
    return ROM_OK;
}
