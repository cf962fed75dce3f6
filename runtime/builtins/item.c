// item.c: rom_item_t, what a Queue or a Pipe carries on the client side (rom_sync.h), to and from the wire's
// rom.builtins.SyncItem (item.h). A message item travels as its packed bytes with its full type name, so
// the receiver can check it before unpacking. A reference (ROM_ITEM_REF) travels as an ObjectRef; a received
// one holds its object's reference for the getter's session until rom_item_clear () gives it back, so the
// object cannot die between the Get and the handle made from its token (rom_<type>_from_token ()).
#define _POSIX_C_SOURCE 200809L // strdup is POSIX, not C11

#include "handles.h"
#include "item.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
rom_item_clear (rom_item_t *item)
{
    if (!item)
        return;
    // A received reference was held for the item by its client's session: give it back (a proxy made from
    // the token meanwhile holds its own).
    if (item->kind == ROM_ITEM_REF && item->client) {
        Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
        ref.id = romi_variant_token_id (item->str);
        rom_ref_release (item->client, &ref);
    }
    free (item->str);
    free (item->data);
    free (item->type);
    *item = (rom_item_t) {.kind = ROM_ITEM_NONE};
}

// The checks rom_variant_t cannot make (a MESSAGE needs its type, bytes their data), then the item as the
// variant the wire carries in a SyncItem.
static rom_status_t
s_as_variant (const rom_item_t *item, rom_variant_t *v)
{
    switch (item->kind) {
    case ROM_ITEM_NONE: *v = ROM_NONE; break;
    case ROM_ITEM_INT: *v = ROM_INT (item->i); break;
    case ROM_ITEM_UINT: *v = (rom_variant_t) {.kind = ROM_KIND_UINT, .u = item->u}; break;
    case ROM_ITEM_DOUBLE: *v = ROM_DOUBLE (item->d); break;
    case ROM_ITEM_BOOL: *v = (rom_variant_t) {.kind = ROM_KIND_BOOL, .b = item->b}; break;
    case ROM_ITEM_STRING:
    case ROM_ITEM_REF:
        if (!item->str)
            return ROM_INVALID;
        *v = (rom_variant_t) {.kind = item->kind == ROM_ITEM_REF ? ROM_KIND_REF : ROM_KIND_STR,
                              .str = item->str};
        break;
    case ROM_ITEM_MESSAGE:
        if (!item->type || !*item->type)
            return ROM_INVALID;
        __attribute__ ((fallthrough)); // the packed message travels as bytes
    case ROM_ITEM_BYTES:
        if (!item->data && item->size)
            return ROM_INVALID;
        *v = (rom_variant_t) {.kind = ROM_KIND_BYTES, .data = item->data, .size = item->size};
        break;
    default: return ROM_INVALID;
    }
    return ROM_OK;
}

rom_status_t
romi_item_to_wire (const char *fn, rom_client_t *client, const rom_item_t *item,
                   Rom__Builtins__SyncItem *wire, romi_variant_in_t *value)
{
    rom__builtins__sync_item__init (wire);
    rom_variant_t v;
    if (s_as_variant (item, &v) != ROM_OK)
        return rom_client_fail (NULL, ROM_INVALID, "%s: an item of kind %d without its text, data or type",
                                fn, (int) item->kind);
    // One conversion for Queue, Pipe and the data types: a token split into an ObjectRef, text checked for
    // UTF-8 (variant.c).
    rom_status_t status = romi_variant_in (client, &v, value);
    if (status != ROM_OK) {
        char why[256]; // rom_client_fail () writes the buffer rom_client_errmsg () returns: copy it first
        snprintf (why, sizeof why, "%s", rom_client_errmsg (client));
        romi_variant_in_done (value);
        return rom_client_fail (client, status, "%s: %s", fn, why);
    }
    wire->value = &value->msg;
    if (item->kind == ROM_ITEM_MESSAGE)
        wire->type = item->type;
    return ROM_OK;
}

rom_status_t
romi_item_from_wire (rom_client_t *client, const Rom__Builtins__SyncItem *wire, rom_item_t *item)
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
    case ROM__BUILTINS__VARIANT__KIND_REF_VALUE:
        // The reply took a reference for this session (the queue or pipe let go of its own): the item keeps
        // it until rom_item_clear (), so the object lives while its token is turned into a handle.
        if (!value->ref_value || value->ref_value->id == 0)
            break;
        if (!(item->str = romi_variant_token (value->ref_value))) {
            rom_ref_release (client, value->ref_value);
            return ROM_NOMEM;
        }
        item->kind = ROM_ITEM_REF;
        item->client = client;
        break;
    default: // a kind newer than this client: none
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
        status = romi_item_from_wire (romi_handle_client (handle), out, item);
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

// The kind of a received item, for texts.
static const char *
s_kind_name (rom_item_kind_t kind)
{
    static const char *const names[] = {"None",    "an int",    "an unsigned int",
                                        "a float", "a bool",    "a string",
                                        "bytes",   "a message", "an object reference"};
    return (unsigned) kind < sizeof names / sizeof *names ? names[kind] : "an unknown kind";
}

// A received item of another kind than the typed form wants: consumed, and said with the helper's prefix.
static rom_status_t
s_wrong_kind (const void *handle, const char *method, rom_item_t *item, const char *want)
{
    rom_status_t status = romi_handle_fail (handle, method, ROM_WRONG_TYPE, "the item is %s, not %s",
                                            s_kind_name (item->kind), want);
    rom_item_clear (item);
    return status;
}

rom_status_t
romi_item_unpack (const void *handle, const char *method, rom_item_t *item,
                  const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **message)
{
    if (item->kind != ROM_ITEM_MESSAGE || strcmp (item->type, descriptor->name) != 0) {
        char want[256];
        snprintf (want, sizeof want, "a %s", descriptor->name);
        if (item->kind == ROM_ITEM_MESSAGE) {
            rom_status_t status = romi_handle_fail (handle, method, ROM_WRONG_TYPE,
                                                    "the item is a %s, not a %s", item->type,
                                                    descriptor->name);
            rom_item_clear (item);
            return status;
        }
        return s_wrong_kind (handle, method, item, want);
    }
    *message = protobuf_c_message_unpack (descriptor, NULL, item->size, item->data);
    rom_status_t status = *message
                              ? ROM_OK
                              : romi_handle_fail (handle, method, ROM_BAD_REQUEST,
                                                  "the item's bytes are not a valid %s", descriptor->name);
    rom_item_clear (item);
    return status;
}

rom_status_t
romi_item_int (const void *handle, const char *method, rom_status_t status, rom_item_t *item, int64_t *value)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_INT)
        return s_wrong_kind (handle, method, item, "an int");
    *value = item->i;
    rom_item_clear (item);
    return ROM_OK;
}

rom_status_t
romi_item_double (const void *handle, const char *method, rom_status_t status, rom_item_t *item,
                  double *value)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_DOUBLE && item->kind != ROM_ITEM_INT)
        return s_wrong_kind (handle, method, item, "a number");
    *value = item->kind == ROM_ITEM_DOUBLE ? item->d : (double) item->i;
    rom_item_clear (item);
    return ROM_OK;
}

rom_status_t
romi_item_str (const void *handle, const char *method, rom_status_t status, rom_item_t *item, char **value)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_STRING)
        return s_wrong_kind (handle, method, item, "a string");
    *value = item->str;
    return ROM_OK;
}

rom_status_t
romi_item_bytes (const void *handle, const char *method, rom_status_t status, rom_item_t *item,
                 uint8_t **data, size_t *size)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_BYTES)
        return s_wrong_kind (handle, method, item, "bytes");
    *data = item->data;
    *size = item->size;
    return ROM_OK;
}
