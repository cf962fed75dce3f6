// state_api.c: the client side of declared state (rom_state.h): rom_state_apply (), batches and watches.
// The engine's methods are found by name ("rom.Apply", ...) in the proxy's type table, as the built-ins'
// helpers find theirs, so a type without state is refused (ROM_INVALID) before any round trip. Values go
// out on the caller's stack (rom_variant_t -> rom.StateValue, a message operand packed) and come back in
// memory the caller owns (rom_state_result_clear (), rom_change_clear ()). A message-typed result is
// unpacked with the state descriptor, walked down the op's path: a state type's creation message
// (rom_type_t.init) is its state message (creation takes the initial state).
//
// A watch borrows its proxy (which must outlive it) and keeps no reference of its own, and remembers the
// process that subscribed: after fork () the child's first rom_watch_next () subscribes anew (the parent's
// subscription belongs to the parent's session) and starts from the state as it is then.
#define _POSIX_C_SOURCE 200809L

#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_BATCH_TAG 0xba7c4e11u
#define S_WATCH_TAG 0x3a7c4e22u

// --- helpers ------------------------------------------------------------------------------------------------

static rom_status_t
s_invalid (const char *fn, const char *why)
{
    return rom_client_fail (NULL, ROM_INVALID, "%s: %s", fn, why);
}

// The index of engine method `name` in the proxy's type: ROM_INVALID (with the text) when the proxy is bad
// or its type has no state.
static rom_status_t
s_method (const char *fn, const rom_proxy_t *proxy, const char *name, unsigned *index)
{
    if (!proxy)
        return s_invalid (fn, "NULL instead of a proxy");
    if (rom_proxy_check (proxy, NULL) != ROM_OK) {
        char why[256];
        snprintf (why, sizeof why, "%s", rom_client_errmsg (NULL));
        return s_invalid (fn, why);
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

static rom_client_t *
s_client (const rom_proxy_t *proxy)
{
    return rom_proxy_client (proxy);
}

// The message descriptor of the value at `path` in `state` (the field's, or an item's or map value's);
// NULL when not a message or unknown.
static const ProtobufCMessageDescriptor *
s_message_at (const ProtobufCMessageDescriptor *state, const uint32_t *path, size_t depth)
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
static rom_status_t
s_value_in (const char *fn, const rom_variant_t *v, Rom__StateValue *msg, Rom__StateValue **out)
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
            return s_invalid (fn, "a ROM_KIND_STR value with a NULL string");
        if (!rom_utf8_valid (v->str, strlen (v->str)))
            return s_invalid (fn, "a ROM_KIND_STR value that is not valid UTF-8");
        msg->kind_case = ROM__STATE_VALUE__KIND_S, msg->s = v->str;
        break;
    case ROM_KIND_BYTES:
        msg->kind_case = ROM__STATE_VALUE__KIND_DATA;
        msg->data.data = v->data;
        msg->data.len = v->data ? v->size : 0;
        break;
    default: return s_invalid (fn, "a value of a kind declared state does not hold (a reference?)");
    }
    return ROM_OK;
}

// rom.StateValue -> rom_variant_t (caller-owned copies). A packed message stays ROM_KIND_BYTES.
static rom_status_t
s_value_out (const Rom__StateValue *msg, rom_variant_t *v)
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

// An op built on the caller's stack (`values` holds value, value2, key; `items` the EXTEND items, malloc'd),
// borrowing; a message operand packed into *packed (free () it).
typedef struct {
    Rom__StateOp msg;
    Rom__StateValue value, value2, key, message;
    Rom__StateValue *items_mem;
    Rom__StateValue **items;
    uint8_t *packed;
} s_op_in_t;

static void
s_op_in_done (s_op_in_t *in)
{
    free (in->items_mem);
    free (in->items);
    free (in->packed);
}

static rom_status_t
s_op_in (const char *fn, const rom_state_op_t *op, s_op_in_t *in)
{
    memset (in, 0, sizeof *in);
    rom__state_op__init (&in->msg);
    if (op->depth > ROM_STATE_MAX_DEPTH)
        return s_invalid (fn, "a path deeper than ROM_STATE_MAX_DEPTH");
    if (op->depth && !op->path)
        return s_invalid (fn, "a NULL path of depth > 0");
    if ((unsigned) op->code < ROM_STATE_GET || (unsigned) op->code > ROM_STATE_CONTAINS)
        return s_invalid (fn, "an unknown operation code");
    in->msg.op = (Rom__StateOpCode) op->code;
    in->msg.n_path = op->depth;
    in->msg.path = (uint32_t *) op->path;
    in->msg.index = op->index;
    in->msg.stop = op->stop;
    rom_status_t status;
    if ((status = s_value_in (fn, &op->value, &in->value, &in->msg.value)) != ROM_OK
        || (status = s_value_in (fn, &op->value2, &in->value2, &in->msg.value2)) != ROM_OK
        || (status = s_value_in (fn, &op->key, &in->key, &in->msg.key)) != ROM_OK)
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
            return s_invalid (fn, "NULL items with n_items > 0");
        in->items_mem = calloc (op->n_items, sizeof *in->items_mem);
        in->items = calloc (op->n_items, sizeof *in->items);
        if (!in->items_mem || !in->items)
            return rom_client_fail (NULL, ROM_NOMEM, "%s: out of memory", fn);
        for (size_t i = 0; i < op->n_items; i++) {
            if ((status = s_value_in (fn, &op->items[i], &in->items_mem[i], &in->items[i])) != ROM_OK)
                return status;
            if (!in->items[i])
                return s_invalid (fn, "an EXTEND item of ROM_KIND_NONE");
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
        if (s_value_out (msgs[i], &out[i]) != ROM_OK)
            return ROM_NOMEM;
    return ROM_OK;
}

// rom.StateResult -> rom_state_result_t; a message value unpacked with `desc` when known.
static rom_status_t
s_result_out (const Rom__StateResult *msg, const ProtobufCMessageDescriptor *desc, rom_state_result_t *result)
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
        status = s_value_out (v, &result->value);
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

// --- one operation ----------------------------------------------------------------------------------------

rom_status_t
rom_state_apply (rom_proxy_t *proxy, const rom_state_op_t *op, rom_state_result_t *result)
{
    unsigned method;
    rom_status_t status = s_method ("rom_state_apply", proxy, "rom.Apply", &method);
    if (status != ROM_OK)
        return status;
    if (!op)
        return s_invalid ("rom_state_apply", "NULL op");
    s_op_in_t in;
    if ((status = s_op_in ("rom_state_apply", op, &in)) != ROM_OK) {
        s_op_in_done (&in);
        return status;
    }
    ProtobufCMessage *reply = NULL;
    status = rom_proxy_call (proxy, method, &in.msg.base, result ? &reply : NULL);
    s_op_in_done (&in);
    if (status != ROM_OK || !result)
        return status;
    const rom_type_t *type = rom_proxy_type (proxy);
    status = s_result_out ((Rom__StateResult *) reply,
                           type->init ? s_message_at (type->init, op->path, op->depth) : NULL, result);
    protobuf_c_message_free_unpacked (reply, NULL);
    if (status != ROM_OK)
        return rom_client_fail (s_client (proxy), status, "rom_state_apply: the result could not be read");
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

// --- batches ----------------------------------------------------------------------------------------------

struct _rom_batch_t {
    uint32_t tag;
    rom_proxy_t *proxy;
    unsigned method;        // rom.Batch's index
    Rom__BatchStep **steps; // owned (unpacked copies)
    size_t n_steps;
    Rom__Guard **guards; // owned
    size_t n_guards;
    bool executed;
    Rom__BatchResult *result; // the reply, after exec
};

static bool
s_bad_batch (const char *fn, const rom_batch_t *batch)
{
    if (!batch || batch->tag != S_BATCH_TAG) {
        s_invalid (fn, batch ? "not a batch (or a destroyed one)" : "NULL batch");
        return true;
    }
    return false;
}

// An owned copy of a message built on the stack (pack + unpack).
static ProtobufCMessage *
s_own (const ProtobufCMessage *msg)
{
    ProtobufCMessage *copy = NULL;
    return rom_message_dup (msg, &copy) == ROM_OK ? copy : NULL;
}

static rom_status_t
s_push (void ***array, size_t *n, void *item)
{
    void **grown = realloc (*array, (*n + 1) * sizeof *grown);
    if (!grown)
        return ROM_NOMEM;
    grown[(*n)++] = item;
    *array = grown;
    return ROM_OK;
}

rom_status_t
rom_batch_new (rom_proxy_t *proxy, rom_batch_t **batch_p)
{
    if (!batch_p)
        return s_invalid ("rom_batch_new", "NULL batch_p");
    unsigned method;
    rom_status_t status = s_method ("rom_batch_new", proxy, "rom.Batch", &method);
    if (status != ROM_OK)
        return status;
    rom_batch_t *batch = calloc (1, sizeof *batch);
    if (!batch)
        return rom_client_fail (s_client (proxy), ROM_NOMEM, "rom_batch_new: out of memory");
    batch->tag = S_BATCH_TAG;
    batch->proxy = proxy;
    batch->method = method;
    *batch_p = batch;
    return ROM_OK;
}

static rom_status_t
s_add_step (rom_batch_t *batch, Rom__BatchStep *step, size_t *index)
{
    Rom__BatchStep *copy = (Rom__BatchStep *) s_own (&step->base);
    if (!copy || s_push ((void ***) &batch->steps, &batch->n_steps, copy) != ROM_OK) {
        if (copy)
            protobuf_c_message_free_unpacked (&copy->base, NULL);
        return rom_client_fail (s_client (batch->proxy), ROM_NOMEM, "out of memory");
    }
    if (index)
        *index = batch->n_steps - 1;
    return ROM_OK;
}

rom_status_t
rom_batch_add_op (rom_batch_t *batch, const rom_state_op_t *op, size_t *step)
{
    if (s_bad_batch ("rom_batch_add_op", batch))
        return ROM_INVALID;
    if (!op)
        return s_invalid ("rom_batch_add_op", "NULL op");
    if (batch->executed)
        return s_invalid ("rom_batch_add_op", "the batch ran already");
    s_op_in_t in;
    rom_status_t status = s_op_in ("rom_batch_add_op", op, &in);
    if (status == ROM_OK) {
        Rom__BatchStep s = ROM__BATCH_STEP__INIT;
        s.step_case = ROM__BATCH_STEP__STEP_OP;
        s.op = &in.msg;
        status = s_add_step (batch, &s, step);
    }
    s_op_in_done (&in);
    return status;
}

rom_status_t
rom_batch_add_call (rom_batch_t *batch, unsigned method, const ProtobufCMessage *in, size_t *step)
{
    if (s_bad_batch ("rom_batch_add_call", batch))
        return ROM_INVALID;
    if (batch->executed)
        return s_invalid ("rom_batch_add_call", "the batch ran already");
    const rom_type_t *type = rom_proxy_type (batch->proxy);
    if (!type || type->n_methods < ROM_STATE_N_METHODS || method >= type->n_methods - ROM_STATE_N_METHODS)
        return s_invalid ("rom_batch_add_call",
                          "no such rpc in the type (an engine method, or past the end)");
    if (in && in->descriptor != type->methods[method].input)
        return rom_client_fail (NULL, ROM_WRONG_TYPE, "rom_batch_add_call: %s takes a %s, not a %s",
                                type->methods[method].name, type->methods[method].input->name,
                                in->descriptor->name);
    Rom__StateCall c = ROM__STATE_CALL__INIT;
    c.method = method;
    uint8_t *packed = NULL;
    if (in) {
        size_t n = protobuf_c_message_get_packed_size (in);
        if (!(packed = malloc (n ? n : 1)))
            return rom_client_fail (s_client (batch->proxy), ROM_NOMEM, "out of memory");
        c.payload.len = protobuf_c_message_pack (in, packed);
        c.payload.data = packed;
    }
    Rom__BatchStep s = ROM__BATCH_STEP__INIT;
    s.step_case = ROM__BATCH_STEP__STEP_CALL;
    s.call = &c;
    rom_status_t status = s_add_step (batch, &s, step);
    free (packed);
    return status;
}

static rom_status_t
s_add_guard (rom_batch_t *batch, const char *fn, const uint32_t *path, size_t depth,
             const rom_variant_t *value, uint64_t version, const ProtobufCMessage *message)
{
    if (s_bad_batch (fn, batch))
        return ROM_INVALID;
    if (batch->executed)
        return s_invalid (fn, "the batch ran already");
    if (depth > ROM_STATE_MAX_DEPTH || (depth && !path))
        return s_invalid (fn, "a NULL path, or one deeper than ROM_STATE_MAX_DEPTH");
    Rom__Guard g = ROM__GUARD__INIT;
    Rom__StateValue v;
    g.n_path = depth;
    g.path = (uint32_t *) path;
    g.version = version;
    uint8_t *packed = NULL;
    if ((value || message) && depth == 0)
        return s_invalid (fn, "a field guard needs a path (depth > 0)");
    if (value) {
        rom_status_t status = s_value_in (fn, value, &v, &g.equals);
        if (status != ROM_OK)
            return status;
    } else if (message) {
        size_t n = protobuf_c_message_get_packed_size (message);
        if (!(packed = malloc (n ? n : 1)))
            return rom_client_fail (s_client (batch->proxy), ROM_NOMEM, "out of memory");
        rom__state_value__init (&v);
        v.kind_case = ROM__STATE_VALUE__KIND_MESSAGE;
        v.message.len = protobuf_c_message_pack (message, packed);
        v.message.data = packed;
        g.equals = &v;
    }
    Rom__Guard *copy = (Rom__Guard *) s_own (&g.base);
    free (packed);
    if (!copy || s_push ((void ***) &batch->guards, &batch->n_guards, copy) != ROM_OK) {
        if (copy)
            protobuf_c_message_free_unpacked (&copy->base, NULL);
        return rom_client_fail (s_client (batch->proxy), ROM_NOMEM, "out of memory");
    }
    return ROM_OK;
}

rom_status_t
rom_batch_guard_equals (rom_batch_t *batch, const uint32_t *path, size_t depth, rom_variant_t value)
{
    return s_add_guard (batch, "rom_batch_guard_equals", path, depth, &value, 0, NULL);
}

rom_status_t
rom_batch_guard_message (rom_batch_t *batch, const uint32_t *path, size_t depth,
                         const ProtobufCMessage *value)
{
    if (!value && !s_bad_batch ("rom_batch_guard_message", batch))
        return s_invalid ("rom_batch_guard_message", "NULL value");
    return s_add_guard (batch, "rom_batch_guard_message", path, depth, NULL, 0, value);
}

rom_status_t
rom_batch_guard_version (rom_batch_t *batch, uint64_t version)
{
    return s_add_guard (batch, "rom_batch_guard_version", NULL, 0, NULL, version, NULL);
}

rom_status_t
rom_batch_exec (rom_batch_t *batch, bool *applied)
{
    if (s_bad_batch ("rom_batch_exec", batch))
        return ROM_INVALID;
    if (batch->executed)
        return s_invalid ("rom_batch_exec", "the batch ran already (a batch runs once)");
    Rom__Batch msg = ROM__BATCH__INIT;
    msg.n_steps = batch->n_steps;
    msg.steps = batch->steps;
    msg.n_guards = batch->n_guards;
    msg.guards = batch->guards;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = rom_proxy_call (batch->proxy, batch->method, &msg.base, &reply);
    if (status != ROM_OK)
        return status;
    batch->executed = true;
    batch->result = (Rom__BatchResult *) reply;
    if (applied)
        *applied = batch->result->applied;
    return ROM_OK;
}

// Step `step` after exec: its result message, or ROM_INVALID / the step's failure.
static rom_status_t
s_step (rom_batch_t *batch, const char *fn, size_t step, Rom__BatchStep__StepCase kind, Rom__StepResult **out)
{
    if (s_bad_batch (fn, batch))
        return ROM_INVALID;
    if (!batch->executed)
        return s_invalid (fn, "the batch has not run (rom_batch_exec ())");
    if (!batch->result->applied)
        return rom_client_fail (s_client (batch->proxy), ROM_INVALID,
                                "%s: the batch did not run (guard %u failed)", fn,
                                batch->result->failed_guard);
    if (step >= batch->n_steps || step >= batch->result->n_steps)
        return s_invalid (fn, "no such step");
    if (batch->steps[step]->step_case != kind)
        return s_invalid (fn, kind == ROM__BATCH_STEP__STEP_OP
                                  ? "the step is an rpc call (rom_batch_reply ())"
                                  : "the step is an op (rom_batch_result ())");
    Rom__StepResult *r = batch->result->steps[step];
    if (r->status != ROM_OK) {
        rom_status_t status = r->status > ROM_STATUS_LAST ? ROM_INTERNAL : (rom_status_t) r->status;
        const rom_type_t *type = rom_proxy_type (batch->proxy);
        return rom_client_fail (s_client (batch->proxy), status, "%s#%llu.rom.Batch: step %zu: %s",
                                type ? type->name : "?", (unsigned long long) rom_proxy_id (batch->proxy),
                                step, r->error);
    }
    *out = r;
    return ROM_OK;
}

rom_status_t
rom_batch_result (rom_batch_t *batch, size_t step, rom_state_result_t *result)
{
    Rom__StepResult *r = NULL;
    rom_status_t status = s_step (batch, "rom_batch_result", step, ROM__BATCH_STEP__STEP_OP, &r);
    if (status != ROM_OK || !result)
        return status;
    const rom_type_t *type = rom_proxy_type (batch->proxy);
    const Rom__StateOp *op = batch->steps[step]->op;
    Rom__StateResult empty = ROM__STATE_RESULT__INIT;
    status = s_result_out (r->result ? r->result : &empty,
                           type && type->init ? s_message_at (type->init, op->path, op->n_path) : NULL,
                           result);
    if (status != ROM_OK)
        return rom_client_fail (s_client (batch->proxy), status,
                                "rom_batch_result: the result could not be read");
    return ROM_OK;
}

rom_status_t
rom_batch_reply (rom_batch_t *batch, size_t step, ProtobufCMessage **reply)
{
    Rom__StepResult *r = NULL;
    rom_status_t status = s_step (batch, "rom_batch_reply", step, ROM__BATCH_STEP__STEP_CALL, &r);
    if (status != ROM_OK || !reply)
        return status;
    const rom_type_t *type = rom_proxy_type (batch->proxy);
    const rom_method_t *m = &type->methods[batch->steps[step]->call->method];
    *reply = protobuf_c_message_unpack (m->output, NULL, r->reply.len, r->reply.data);
    if (!*reply)
        return rom_client_fail (s_client (batch->proxy), ROM_BAD_REQUEST,
                                "rom_batch_reply: the reply is no %s", m->output->name);
    return ROM_OK;
}

uint64_t
rom_batch_version (const rom_batch_t *batch)
{
    return batch && batch->tag == S_BATCH_TAG && batch->result ? batch->result->version : 0;
}

void
rom_batch_destroy (rom_batch_t **batch_p)
{
    if (!batch_p || !*batch_p || (*batch_p)->tag != S_BATCH_TAG)
        return;
    rom_batch_t *batch = *batch_p;
    for (size_t i = 0; i < batch->n_steps; i++)
        protobuf_c_message_free_unpacked (&batch->steps[i]->base, NULL);
    for (size_t i = 0; i < batch->n_guards; i++)
        protobuf_c_message_free_unpacked (&batch->guards[i]->base, NULL);
    free (batch->steps);
    free (batch->guards);
    if (batch->result)
        protobuf_c_message_free_unpacked (&batch->result->base, NULL);
    batch->tag = 0;
    free (batch);
    *batch_p = NULL;
}

// --- watches ----------------------------------------------------------------------------------------------

struct _rom_watch_t {
    uint32_t tag;
    rom_proxy_t *proxy; // borrowed
    unsigned poll, unwatch, watch_method;
    uint32_t path[ROM_STATE_MAX_DEPTH];
    size_t depth;
    uint32_t queue;
    pid_t pid; // the process whose subscription `id` is
    uint64_t id;
    uint8_t *initial; // the state when the subscription began, packed
    size_t initial_len;
    uint64_t initial_version;
    Rom__Changes *pending; // the last poll's reply
    size_t next;           // its next change to hand out
    bool missed_done;      // its missed report was handed out
    bool ended;            // the ended change was handed out: ROM_CLOSED from now on
};

static rom_status_t
s_subscribe (rom_watch_t *watch)
{
    Rom__WatchRequest req = ROM__WATCH_REQUEST__INIT;
    req.n_path = watch->depth;
    req.path = watch->path;
    req.queue = watch->queue;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = rom_proxy_call (watch->proxy, watch->watch_method, &req.base, &reply);
    if (status != ROM_OK)
        return status;
    Rom__WatchStart *start = (Rom__WatchStart *) reply;
    free (watch->initial);
    watch->initial = malloc (start->state.len ? start->state.len : 1);
    if (!watch->initial) {
        protobuf_c_message_free_unpacked (reply, NULL);
        return rom_client_fail (s_client (watch->proxy), ROM_NOMEM, "out of memory");
    }
    if (start->state.len)
        memcpy (watch->initial, start->state.data, start->state.len);
    watch->initial_len = start->state.len;
    watch->initial_version = start->version;
    watch->id = start->watch;
    watch->pid = getpid ();
    protobuf_c_message_free_unpacked (reply, NULL);
    if (watch->pending)
        protobuf_c_message_free_unpacked (&watch->pending->base, NULL);
    watch->pending = NULL;
    return ROM_OK;
}

static bool
s_bad_watch (const char *fn, const rom_watch_t *watch)
{
    if (!watch || watch->tag != S_WATCH_TAG) {
        s_invalid (fn, watch ? "not a watch (or a destroyed one)" : "NULL watch");
        return true;
    }
    return false;
}

rom_status_t
rom_watch_new (rom_proxy_t *proxy, const uint32_t *path, size_t depth, size_t queue, rom_watch_t **watch_p)
{
    const char *fn = "rom_watch_new";
    if (!watch_p)
        return s_invalid (fn, "NULL watch_p");
    unsigned watch_m, poll, unwatch;
    rom_status_t status;
    if ((status = s_method (fn, proxy, "rom.Watch", &watch_m)) != ROM_OK
        || (status = s_method (fn, proxy, "rom.Poll", &poll)) != ROM_OK
        || (status = s_method (fn, proxy, "rom.Unwatch", &unwatch)) != ROM_OK)
        return status;
    if (depth > ROM_STATE_MAX_DEPTH || (depth && !path))
        return s_invalid (fn, "a NULL path, or one deeper than ROM_STATE_MAX_DEPTH");
    if (queue > UINT32_MAX)
        return s_invalid (fn, "a queue of more than 2^32 changes");
    rom_watch_t *watch = calloc (1, sizeof *watch);
    if (!watch)
        return rom_client_fail (s_client (proxy), ROM_NOMEM, "out of memory");
    watch->tag = S_WATCH_TAG;
    watch->proxy = proxy;
    watch->watch_method = watch_m;
    watch->poll = poll;
    watch->unwatch = unwatch;
    watch->depth = depth;
    if (depth)
        memcpy (watch->path, path, depth * sizeof *path);
    watch->queue = (uint32_t) queue;
    if ((status = s_subscribe (watch)) != ROM_OK) {
        free (watch->initial);
        free (watch);
        return status;
    }
    *watch_p = watch;
    return ROM_OK;
}

rom_status_t
rom_watch_initial (rom_watch_t *watch, ProtobufCMessage **state, uint64_t *version)
{
    if (s_bad_watch ("rom_watch_initial", watch))
        return ROM_INVALID;
    if (!state)
        return s_invalid ("rom_watch_initial", "NULL state");
    const rom_type_t *type = rom_proxy_type (watch->proxy);
    if (!type || !type->init)
        return rom_client_fail (NULL, ROM_INVALID,
                                "rom_watch_initial: the proxy's type names no state message");
    *state = protobuf_c_message_unpack (type->init, NULL, watch->initial_len, watch->initial);
    if (!*state)
        return rom_client_fail (s_client (watch->proxy), ROM_NOMEM, "rom_watch_initial: out of memory");
    if (version)
        *version = watch->initial_version;
    return ROM_OK;
}

// Hand out the next thing of the pending reply, if any: true when *change was filled.
static bool
s_take (rom_watch_t *watch, rom_change_t *change, rom_status_t *status)
{
    Rom__Changes *p = watch->pending;
    *status = ROM_OK;
    if (!p)
        return false;
    if (watch->next < p->n_changes) {
        const Rom__Change *c = p->changes[watch->next++];
        change->depth = c->n_path < ROM_STATE_MAX_DEPTH ? c->n_path : ROM_STATE_MAX_DEPTH;
        if (change->depth)
            memcpy (change->path, c->path, change->depth * sizeof *c->path);
        change->op = (rom_state_opcode_t) c->op;
        change->index = c->index;
        change->version = c->version;
        if (s_value_out (c->value, &change->value) != ROM_OK || s_value_out (c->key, &change->key) != ROM_OK)
            *status = rom_client_fail (s_client (watch->proxy), ROM_NOMEM, "out of memory");
        return true;
    }
    if (p->missed && !watch->missed_done) {
        watch->missed_done = true;
        change->op = ROM_STATE_SET;
        change->missed = p->missed;
        change->version = p->version;
        const rom_type_t *type = rom_proxy_type (watch->proxy);
        if (type && type->init)
            change->state = protobuf_c_message_unpack (type->init, NULL, p->state.len, p->state.data);
        return true;
    }
    if (p->ended) {
        change->ended = true;
        change->version = p->version;
        watch->ended = true;
        return true;
    }
    return false;
}

rom_status_t
rom_watch_next (rom_watch_t *watch, uint32_t timeout_ms, rom_change_t *change)
{
    if (s_bad_watch ("rom_watch_next", watch))
        return ROM_INVALID;
    if (!change)
        return s_invalid ("rom_watch_next", "NULL change");
    memset (change, 0, sizeof *change);
    if (watch->ended)
        return rom_client_fail (s_client (watch->proxy), ROM_CLOSED, "the watched object is gone");
    rom_status_t status;
    if (watch->pid != getpid () && (status = s_subscribe (watch)) != ROM_OK) // a forked child: its own
        return status;
    if (s_take (watch, change, &status))
        return status;
    Rom__WatchPoll req = ROM__WATCH_POLL__INIT;
    req.watch = watch->id;
    ProtobufCMessage *reply = NULL;
    status = rom_proxy_call_timeout (watch->proxy, watch->poll, &req.base, timeout_ms ? timeout_ms : 1,
                                     &reply);
    if (status == ROM_CLOSED || status == ROM_NO_OBJECT) { // the object died while (or before) we waited
        watch->ended = true;
        change->ended = true;
        return ROM_OK;
    }
    if (status != ROM_OK)
        return status;
    if (watch->pending)
        protobuf_c_message_free_unpacked (&watch->pending->base, NULL);
    watch->pending = (Rom__Changes *) reply;
    watch->next = 0;
    watch->missed_done = false;
    if (s_take (watch, change, &status))
        return status;
    return rom_client_fail (s_client (watch->proxy), ROM_TIMEOUT, "rom_watch_next: no change within %u ms",
                            timeout_ms);
}

void
rom_change_clear (rom_change_t *change)
{
    if (!change)
        return;
    rom_variant_clear (&change->value);
    rom_variant_clear (&change->key);
    if (change->state)
        protobuf_c_message_free_unpacked (change->state, NULL);
    memset (change, 0, sizeof *change);
}

void
rom_watch_destroy (rom_watch_t **watch_p)
{
    if (!watch_p || !*watch_p || (*watch_p)->tag != S_WATCH_TAG)
        return;
    rom_watch_t *watch = *watch_p;
    // Only the process that subscribed unsubscribes (a forked child that never polled leaves its parent's).
    if (watch->pid == getpid () && !watch->ended && rom_proxy_client (watch->proxy)) {
        Rom__WatchPoll req = ROM__WATCH_POLL__INIT;
        req.watch = watch->id;
        rom_proxy_call (watch->proxy, watch->unwatch, &req.base, NULL);
    }
    if (watch->pending)
        protobuf_c_message_free_unpacked (&watch->pending->base, NULL);
    free (watch->initial);
    watch->tag = 0;
    free (watch);
    *watch_p = NULL;
}
