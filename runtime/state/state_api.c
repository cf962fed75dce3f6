// state_api.c: the client side of declared state (rom_state.h): rom_state_apply (), and the conversions
// every client call of the engine shares (state_api.h; batch_api.c and watch_api.c use them).
// The engine's methods are found by name ("rom.Apply", ...) in the proxy's type table, as the built-ins'
// helpers find theirs, so a type without state is refused (ROM_INVALID) before any round trip. Values go
// out on the caller's stack (rom_variant_t -> rom.StateValue, a message operand packed) and come back in
// memory the caller owns (rom_state_result_clear (), rom_change_clear ()). A message-typed result is
// unpacked with the state descriptor, walked down the op's path: a state type's creation message
// (rom_type_t.init) is its state message (creation takes the initial state).
#define _POSIX_C_SOURCE 200809L

#include "state_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- helpers -----------------------------------------------------------------------------------------------

rom_status_t
romi_state_invalid (const char *fn, const char *why)
{
    return rom_client_fail (NULL, ROM_INVALID, "%s: %s", fn, why);
}

// The index of engine method `name` in the proxy's type: ROM_INVALID (with the text) when the proxy is bad
// or its type has no state.
rom_status_t
romi_state_method (const char *fn, const rom_proxy_t *proxy, const char *name, unsigned *index)
{
    if (!proxy)
        return romi_state_invalid (fn, "NULL instead of a proxy");
    if (rom_proxy_check (proxy, NULL) != ROM_OK) {
        char why[256];
        snprintf (why, sizeof why, "%s", rom_client_errmsg (NULL));
        return romi_state_invalid (fn, why);
    }
    const rom_type_t *type = rom_proxy_type (proxy);
    for (unsigned i = 0; type && i < type->n_methods; i++)
        if (strcmp (type->methods[i].name, name) == 0) {
            *index = i;
            return ROM_OK;
        }
    return rom_client_fail (NULL, ROM_INVALID, "%s: %s has no declared state (no method %s)", fn,
                            type ? type->name : "the proxy's type", name);
}

// The message descriptor of the value at `path` in `state` (the field's, or an item's or map value's);
// NULL when not a message or unknown.
const ProtobufCMessageDescriptor *
romi_state_message_at (const ProtobufCMessageDescriptor *state, const uint32_t *path, size_t depth)
{
    const ProtobufCMessageDescriptor *d = state;
    for (size_t i = 0; d && i < depth; i++) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field (d, path[i]);
        if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
            return NULL;
        d = f->descriptor;
        if (f->label == PROTOBUF_C_LABEL_REPEATED && i + 1 == depth && d->n_fields == 2) { // a map: its value
            const ProtobufCFieldDescriptor *v = protobuf_c_message_descriptor_get_field (d, 2);
            size_t n = strlen (d->name);
            if (v && n > 5 && strcmp (d->name + n - 5, "Entry") == 0)
                d = v->type == PROTOBUF_C_TYPE_MESSAGE ? v->descriptor : NULL;
        }
    }
    return d;
}

// rom_variant_t -> rom.StateValue, borrowing. NULL for ROM_KIND_NONE.
rom_status_t
romi_state_value_in (const char *fn, const rom_variant_t *v, Rom__StateValue *msg, Rom__StateValue **out)
{
    rom__state_value__init (msg);
    *out = msg;
    switch (v->kind) {
    case ROM_KIND_NONE: *out = NULL; break;
    case ROM_KIND_INT: msg->kind_case = ROM__STATE_VALUE__KIND_I, msg->i = v->i; break;
    case ROM_KIND_UINT: msg->kind_case = ROM__STATE_VALUE__KIND_U, msg->u = v->u; break;
    case ROM_KIND_DOUBLE: msg->kind_case = ROM__STATE_VALUE__KIND_D, msg->d = v->d; break;
    case ROM_KIND_BOOL: msg->kind_case = ROM__STATE_VALUE__KIND_B, msg->b = v->b; break;
    case ROM_KIND_STR:
        if (!v->str)
            return romi_state_invalid (fn, "a ROM_KIND_STR value with a NULL string");
        if (!rom_utf8_valid (v->str, strlen (v->str)))
            return romi_state_invalid (fn, "a ROM_KIND_STR value that is not valid UTF-8");
        msg->kind_case = ROM__STATE_VALUE__KIND_S, msg->s = v->str;
        break;
    case ROM_KIND_BYTES:
        msg->kind_case = ROM__STATE_VALUE__KIND_DATA;
        msg->data.data = v->data;
        msg->data.len = v->data ? v->size : 0;
        break;
    default: return romi_state_invalid (fn, "a value of a kind declared state does not hold (a reference?)");
    }
    return ROM_OK;
}

// rom.StateValue -> rom_variant_t (caller-owned copies). A packed message stays ROM_KIND_BYTES.
rom_status_t
romi_state_value_out (const Rom__StateValue *msg, rom_variant_t *v)
{
    memset (v, 0, sizeof *v);
    if (!msg)
        return ROM_OK;
    switch (msg->kind_case) {
    case ROM__STATE_VALUE__KIND_I: v->kind = ROM_KIND_INT, v->i = msg->i; break;
    case ROM__STATE_VALUE__KIND_U: v->kind = ROM_KIND_UINT, v->u = msg->u; break;
    case ROM__STATE_VALUE__KIND_D: v->kind = ROM_KIND_DOUBLE, v->d = msg->d; break;
    case ROM__STATE_VALUE__KIND_B: v->kind = ROM_KIND_BOOL, v->b = msg->b; break;
    case ROM__STATE_VALUE__KIND_S:
        v->kind = ROM_KIND_STR;
        if (!(v->str = strdup (msg->s)))
            return ROM_NOMEM;
        break;
    case ROM__STATE_VALUE__KIND_DATA:
    case ROM__STATE_VALUE__KIND_MESSAGE: {
        const ProtobufCBinaryData *b = msg->kind_case == ROM__STATE_VALUE__KIND_DATA ? &msg->data
                                                                                     : &msg->message;
        v->kind = ROM_KIND_BYTES;
        v->size = b->len;
        if (!(v->data = malloc (b->len ? b->len : 1)))
            return ROM_NOMEM;
        if (b->len)
            memcpy (v->data, b->data, b->len);
        break;
    }
    default: break;
    }
    return ROM_OK;
}

void
romi_state_op_in_done (romi_state_op_in_t *in)
{
    free (in->items_mem);
    free (in->items);
    free (in->packed);
}

rom_status_t
romi_state_op_in (const char *fn, const rom_state_op_t *op, romi_state_op_in_t *in)
{
    memset (in, 0, sizeof *in);
    rom__state_op__init (&in->msg);
    if (op->depth > ROM_STATE_MAX_DEPTH)
        return romi_state_invalid (fn, "a path deeper than ROM_STATE_MAX_DEPTH");
    if (op->depth && !op->path)
        return romi_state_invalid (fn, "a NULL path of depth > 0");
    if ((unsigned) op->code < ROM_STATE_GET || (unsigned) op->code > ROM_STATE_CONTAINS)
        return romi_state_invalid (fn, "an unknown operation code");
    in->msg.op = (Rom__StateOpCode) op->code;
    in->msg.n_path = op->depth;
    in->msg.path = (uint32_t *) op->path;
    in->msg.index = op->index;
    in->msg.stop = op->stop;
    rom_status_t status;
    if ((status = romi_state_value_in (fn, &op->value, &in->value, &in->msg.value)) != ROM_OK
        || (status = romi_state_value_in (fn, &op->value2, &in->value2, &in->msg.value2)) != ROM_OK
        || (status = romi_state_value_in (fn, &op->key, &in->key, &in->msg.key)) != ROM_OK)
        return status;
    if (op->message) {
        size_t n = protobuf_c_message_get_packed_size (op->message);
        if (!(in->packed = malloc (n ? n : 1)))
            return rom_client_fail (NULL, ROM_NOMEM, "%s: out of memory", fn);
        rom__state_value__init (&in->message);
        in->message.kind_case = ROM__STATE_VALUE__KIND_MESSAGE;
        in->message.message.len = protobuf_c_message_pack (op->message, in->packed);
        in->message.message.data = in->packed;
        in->msg.value = &in->message;
    }
    if (op->n_items) {
        if (!op->items)
            return romi_state_invalid (fn, "NULL items with n_items > 0");
        in->items_mem = calloc (op->n_items, sizeof *in->items_mem);
        in->items = calloc (op->n_items, sizeof *in->items);
        if (!in->items_mem || !in->items)
            return rom_client_fail (NULL, ROM_NOMEM, "%s: out of memory", fn);
        for (size_t i = 0; i < op->n_items; i++) {
            if ((status = romi_state_value_in (fn, &op->items[i], &in->items_mem[i], &in->items[i]))
                != ROM_OK)
                return status;
            if (!in->items[i])
                return romi_state_invalid (fn, "an EXTEND item of ROM_KIND_NONE");
        }
        in->msg.n_items = op->n_items;
        in->msg.items = in->items;
    }
    return ROM_OK;
}

static rom_status_t
s_values_out (Rom__StateValue **msgs, size_t n, rom_variant_t **out_p)
{
    if (n == 0)
        return ROM_OK;
    rom_variant_t *out = calloc (n, sizeof *out);
    if (!out)
        return ROM_NOMEM;
    *out_p = out;
    for (size_t i = 0; i < n; i++)
        if (romi_state_value_out (msgs[i], &out[i]) != ROM_OK)
            return ROM_NOMEM;
    return ROM_OK;
}

// rom.StateResult -> rom_state_result_t; a message value unpacked with `desc` when known.
rom_status_t
romi_state_result_out (const Rom__StateResult *msg, const ProtobufCMessageDescriptor *desc,
                       rom_state_result_t *result)
{
    memset (result, 0, sizeof *result);
    result->size = msg->size;
    result->flag = msg->flag;
    result->version = msg->version;
    const Rom__StateValue *v = msg->value;
    rom_status_t status = ROM_OK;
    if (v && v->kind_case == ROM__STATE_VALUE__KIND_MESSAGE && desc) {
        result->message = protobuf_c_message_unpack (desc, NULL, v->message.len, v->message.data);
        if (!result->message)
            status = ROM_BAD_REQUEST;
    } else
        status = romi_state_value_out (v, &result->value);
    if (status == ROM_OK)
        status = s_values_out (msg->items, msg->n_items, &result->items);
    if (status == ROM_OK)
        result->n_items = msg->n_items;
    if (status == ROM_OK)
        status = s_values_out (msg->values, msg->n_values, &result->values);
    if (status != ROM_OK) {
        result->n_items = msg->n_items; // what was allocated is freed by the clear
        rom_state_result_clear (result);
    }
    return status;
}

// --- one operation -----------------------------------------------------------------------------------------

rom_status_t
rom_state_apply (rom_proxy_t *proxy, const rom_state_op_t *op, rom_state_result_t *result)
{
    unsigned method;
    rom_status_t status = romi_state_method ("rom_state_apply", proxy, "rom.Apply", &method);
    if (status != ROM_OK)
        return status;
    if (!op)
        return romi_state_invalid ("rom_state_apply", "NULL op");
    romi_state_op_in_t in;
    if ((status = romi_state_op_in ("rom_state_apply", op, &in)) != ROM_OK) {
        romi_state_op_in_done (&in);
        return status;
    }
    ProtobufCMessage *reply = NULL;
    status = rom_proxy_call (proxy, method, &in.msg.base, result ? &reply : NULL);
    romi_state_op_in_done (&in);
    if (status != ROM_OK || !result)
        return status;
    const rom_type_t *type = rom_proxy_type (proxy);
    status = romi_state_result_out ((Rom__StateResult *) reply,
                                    type->init ? romi_state_message_at (type->init, op->path, op->depth)
                                               : NULL,
                                    result);
    protobuf_c_message_free_unpacked (reply, NULL);
    if (status != ROM_OK)
        return rom_client_fail (rom_proxy_client (proxy), status,
                                "rom_state_apply: the result could not be read");
    return ROM_OK;
}

void
rom_state_result_clear (rom_state_result_t *result)
{
    if (!result)
        return;
    rom_variant_clear (&result->value);
    if (result->message)
        protobuf_c_message_free_unpacked (result->message, NULL);
    rom_variants_free (&result->items, result->n_items);
    rom_variants_free (&result->values, result->n_items);
    memset (result, 0, sizeof *result);
}
