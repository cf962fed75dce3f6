// batch_api.c: the client side of declared state's batches (rom_state.h, rom.Batch): guards and steps
// gathered on the client and sent as one call, so they run back to back on the server with nothing in
// between (the server runs one call of an object at a time). A batch is built in the caller's memory (each
// step and guard an owned copy), runs once, then hands out its steps' results; its rpc steps use the type's
// own method table, so they are checked here before anything is sent.
#define _POSIX_C_SOURCE 200809L

#include "state_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BATCH_TAG 0xba7c4e11u

// --- a batch -----------------------------------------------------------------------------------------------

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
        romi_state_invalid (fn, batch ? "not a batch (or a destroyed one)" : "NULL batch");
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
        return romi_state_invalid ("rom_batch_new", "NULL batch_p");
    unsigned method;
    rom_status_t status = romi_state_method ("rom_batch_new", proxy, "rom.Batch", &method);
    if (status != ROM_OK)
        return status;
    rom_batch_t *batch = calloc (1, sizeof *batch);
    if (!batch)
        return rom_client_fail (rom_proxy_client (proxy), ROM_NOMEM, "rom_batch_new: out of memory");
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
        return rom_client_fail (rom_proxy_client (batch->proxy), ROM_NOMEM, "out of memory");
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
        return romi_state_invalid ("rom_batch_add_op", "NULL op");
    if (batch->executed)
        return romi_state_invalid ("rom_batch_add_op", "the batch ran already");
    romi_state_op_in_t in;
    rom_status_t status = romi_state_op_in ("rom_batch_add_op", op, &in);
    if (status == ROM_OK) {
        Rom__BatchStep s = ROM__BATCH_STEP__INIT;
        s.step_case = ROM__BATCH_STEP__STEP_OP;
        s.op = &in.msg;
        status = s_add_step (batch, &s, step);
    }
    romi_state_op_in_done (&in);
    return status;
}

rom_status_t
rom_batch_add_call (rom_batch_t *batch, unsigned method, const ProtobufCMessage *in, size_t *step)
{
    if (s_bad_batch ("rom_batch_add_call", batch))
        return ROM_INVALID;
    if (batch->executed)
        return romi_state_invalid ("rom_batch_add_call", "the batch ran already");
    const rom_type_t *type = rom_proxy_type (batch->proxy);
    if (!type || type->n_methods < ROM_STATE_N_METHODS || method >= type->n_methods - ROM_STATE_N_METHODS)
        return romi_state_invalid ("rom_batch_add_call",
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
            return rom_client_fail (rom_proxy_client (batch->proxy), ROM_NOMEM, "out of memory");
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
        return romi_state_invalid (fn, "the batch ran already");
    if (depth > ROM_STATE_MAX_DEPTH || (depth && !path))
        return romi_state_invalid (fn, "a NULL path, or one deeper than ROM_STATE_MAX_DEPTH");
    Rom__Guard g = ROM__GUARD__INIT;
    Rom__StateValue v;
    g.n_path = depth;
    g.path = (uint32_t *) path;
    g.version = version;
    uint8_t *packed = NULL;
    if ((value || message) && depth == 0)
        return romi_state_invalid (fn, "a field guard needs a path (depth > 0)");
    if (value) {
        rom_status_t status = romi_state_value_in (fn, value, &v, &g.equals);
        if (status != ROM_OK)
            return status;
    } else if (message) {
        size_t n = protobuf_c_message_get_packed_size (message);
        if (!(packed = malloc (n ? n : 1)))
            return rom_client_fail (rom_proxy_client (batch->proxy), ROM_NOMEM, "out of memory");
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
        return rom_client_fail (rom_proxy_client (batch->proxy), ROM_NOMEM, "out of memory");
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
        return romi_state_invalid ("rom_batch_guard_message", "NULL value");
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
        return romi_state_invalid ("rom_batch_exec", "the batch ran already (a batch runs once)");
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
        return romi_state_invalid (fn, "the batch has not run (rom_batch_exec ())");
    if (!batch->result->applied)
        return rom_client_fail (rom_proxy_client (batch->proxy), ROM_INVALID,
                                "%s: the batch did not run (guard %u failed)", fn,
                                batch->result->failed_guard);
    if (step >= batch->n_steps || step >= batch->result->n_steps)
        return romi_state_invalid (fn, "no such step");
    if (batch->steps[step]->step_case != kind)
        return romi_state_invalid (fn, kind == ROM__BATCH_STEP__STEP_OP
                                           ? "the step is an rpc call (rom_batch_reply ())"
                                           : "the step is an op (rom_batch_result ())");
    Rom__StepResult *r = batch->result->steps[step];
    if (r->status != ROM_OK) {
        rom_status_t status = r->status > ROM_STATUS_LAST ? ROM_INTERNAL : (rom_status_t) r->status;
        const rom_type_t *type = rom_proxy_type (batch->proxy);
        return rom_client_fail (rom_proxy_client (batch->proxy), status, "%s#%llu.rom.Batch: step %zu: %s",
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
    status = romi_state_result_out (r->result ? r->result : &empty,
                                    type && type->init
                                        ? romi_state_message_at (type->init, op->path, op->n_path)
                                        : NULL,
                                    result);
    if (status != ROM_OK)
        return rom_client_fail (rom_proxy_client (batch->proxy), status,
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
        return rom_client_fail (rom_proxy_client (batch->proxy), ROM_BAD_REQUEST,
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
