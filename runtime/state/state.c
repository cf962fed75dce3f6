// state.c: the object of a declared-state type (issue 16) and its engine methods rom.Apply and rom.Batch.
// One calloc holds the head (romi_state_head_t: version, type, subscribers) and the state message right
// after it, so `self` is the message a hand-written rpc reads and writes as its own struct, and the engine
// finds its bookkeeping at a fixed offset before it (rejected: a pointer from a side table keyed by `self`,
// one lookup per call for nothing).
//
// A batch runs its guards first (each a GET compared with the guard's value, or the version), then every
// step back to back in this one invoke: the server runs one call of an object at a time, so nothing of
// another caller interleaves. A failing step records its status and text and the batch goes on (Redis's
// EXEC). An rpc step calls the type's own invoke trampoline with the servant the batch received; the
// trampoline reports the change (rom_state_touched ()) as it does for a direct call.
#include "state.h"

#include <stdlib.h>
#include <string.h>

// The head's size is a multiple of max_align_t (its first member is aligned so), so the message after it is
// aligned for anything.
#define S_HEAD_SIZE sizeof (romi_state_head_t)

rom_status_t
rom_state_create (const rom_type_t *type, const ProtobufCMessageDescriptor *descriptor,
                  const ProtobufCMessage *args, void **self_p, rom_call_t *call)
{
    if (!descriptor || !self_p)
        return rom_call_fail (call, ROM_INVALID, "rom_state_create: NULL descriptor or self_p");
    if (args && args->descriptor != descriptor)
        return rom_call_fail (call, ROM_WRONG_TYPE, "the initial state is a %s, not a %s",
                              args->descriptor->name, descriptor->name);
    ProtobufCMessage *copy = NULL;
    if (args) {
        rom_status_t status = rom_message_dup (args, &copy);
        if (status != ROM_OK)
            return rom_call_fail (call, status, "%s", rom_client_errmsg (NULL));
    }
    char *block = calloc (1, S_HEAD_SIZE + descriptor->sizeof_message);
    if (!block) {
        if (copy)
            protobuf_c_message_free_unpacked (copy, NULL);
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    }
    romi_state_head_t *head = (romi_state_head_t *) (void *) block;
    ProtobufCMessage *state = (ProtobufCMessage *) (void *) (block + S_HEAD_SIZE);
    head->tag = ROMI_STATE_TAG;
    head->type = type;
    head->descriptor = descriptor;
    // The object's id in the high half, as Dict does: a version of one object means nothing to another.
    head->version = rom_call_object_id (call) << 32;
    head->next_watch = 1;
    protobuf_c_message_init (descriptor, state);
    if (copy)
        romi_state_replace (state, copy);
    *self_p = state;
    return ROM_OK;
}

void
rom_state_destroy (void *self)
{
    if (!self)
        return;
    romi_state_head_t *head = romi_state_head (self);
    romi_state_watch_fini (head);
    romi_state_free_fields (self);
    head->tag = 0;
    free (head);
}

void
rom_state_touched (void *self, rom_call_t *call)
{
    romi_state_head_t *head = romi_state_head (self);
    Rom__Change change = ROM__CHANGE__INIT;
    change.op = ROM__STATE_OP_CODE__STATE_OP_SET; // a whole-state change: depth 0, no value
    romi_state_changed (head, &change, call);
}

// One op with its version and notification.
static rom_status_t
s_apply (romi_state_head_t *head, void *self, const Rom__StateOp *op, Rom__StateResult *out, rom_call_t *call)
{
    Rom__Change change = ROM__CHANGE__INIT;
    bool modified = false;
    rom_status_t status = romi_state_exec (self, op, out, &modified, &change, call);
    if (status != ROM_OK)
        return status;
    out->version = modified ? romi_state_changed (head, &change, call) : head->version;
    return ROM_OK;
}

rom_status_t
rom_state_invoke_apply (const void *servant, void *self, const ProtobufCMessage *in, ProtobufCMessage *out,
                        rom_call_t *call)
{
    (void) servant;
    return s_apply (romi_state_head (self), self, (const Rom__StateOp *) in, (Rom__StateResult *) out, call);
}

// --- batches ----------------------------------------------------------------------------------------------

// Whether guard `g` holds. Another status than ROM_OK: the guard is malformed (no such field).
static rom_status_t
s_guard (romi_state_head_t *head, void *self, const Rom__Guard *g, bool *holds, rom_call_t *call)
{
    if (g->n_path == 0) {
        *holds = g->version == head->version;
        return ROM_OK;
    }
    Rom__StateOp get = ROM__STATE_OP__INIT;
    get.op = ROM__STATE_OP_CODE__STATE_OP_GET;
    get.n_path = g->n_path;
    get.path = g->path;
    Rom__StateResult result = ROM__STATE_RESULT__INIT;
    Rom__Change change = ROM__CHANGE__INIT;
    bool modified = false;
    rom_status_t status = romi_state_exec (self, &get, &result, &modified, &change, call);
    if (status != ROM_OK)
        return status;
    *holds = result.value && romi_state_value_equal (result.value, g->equals);
    return ROM_OK;
}

// An rpc step: the type's own method `c->method`, its input unpacked into the call's memory, its reply packed
// into the step's.
static rom_status_t
s_call_step (romi_state_head_t *head, const void *servant, void *self, const Rom__StateCall *c,
             Rom__StepResult *step, rom_call_t *call)
{
    const rom_type_t *type = head->type;
    if (!type || type->n_methods < ROM_STATE_N_METHODS || c->method >= type->n_methods - ROM_STATE_N_METHODS)
        return rom_call_fail (call, ROM_NO_METHOD, "%s has no rpc number %u", head->descriptor->name,
                              c->method);
    const rom_method_t *m = &type->methods[c->method];
    if (m->servant_offset && servant
        && !*(void *const *) (const void *) ((const char *) servant + m->servant_offset))
        return rom_call_fail (call, ROM_NO_METHOD, "%s is not implemented by the servant", m->name);
    ProtobufCAllocator allocator;
    rom_call_allocator (call, &allocator);
    ProtobufCMessage *in = protobuf_c_message_unpack (m->input, &allocator, c->payload.len, c->payload.data);
    if (!in)
        return rom_call_fail (call, ROM_BAD_REQUEST, "%s: the input is no packed %s", m->name,
                              m->input->name);
    ProtobufCMessage *out = rom_call_alloc (call, m->output->sizeof_message);
    if (!out)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    protobuf_c_message_init (m->output, out);
    rom_status_t status = m->invoke (servant, self, in, out, call);
    if (status == ROM_DEFERRED)
        // The servant kept `call`, which belongs to the batch: it must not complete it. Documented in
        // rom_state.h: rpcs that wait cannot run in a batch.
        return rom_call_fail (call, ROM_INVALID, "%s answers later (deferred), which a batch cannot wait for",
                              m->name);
    if (status != ROM_OK)
        return status;
    size_t n = protobuf_c_message_get_packed_size (out);
    step->reply.data = rom_call_alloc (call, n ? n : 1);
    if (!step->reply.data)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    step->reply.len = protobuf_c_message_pack (out, step->reply.data);
    return ROM_OK;
}

rom_status_t
rom_state_invoke_batch (const void *servant, void *self, const ProtobufCMessage *in_, ProtobufCMessage *out_,
                        rom_call_t *call)
{
    romi_state_head_t *head = romi_state_head (self);
    const Rom__Batch *in = (const Rom__Batch *) in_;
    Rom__BatchResult *out = (Rom__BatchResult *) out_;
    for (size_t i = 0; i < in->n_guards; i++) {
        bool holds = false;
        rom_status_t status = s_guard (head, self, in->guards[i], &holds, call);
        if (status != ROM_OK)
            return status;
        if (!holds) {
            out->applied = false;
            out->failed_guard = (uint32_t) i;
            out->version = head->version;
            return ROM_OK;
        }
    }
    out->applied = true;
    out->steps = rom_call_alloc (call, (in->n_steps ? in->n_steps : 1) * sizeof *out->steps);
    if (!out->steps)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    for (size_t i = 0; i < in->n_steps; i++) {
        Rom__StepResult *step = rom_call_alloc (call, sizeof *step);
        Rom__StateResult *result = rom_call_alloc (call, sizeof *result);
        if (!step || !result)
            return rom_call_fail (call, ROM_NOMEM, "out of memory");
        rom__step_result__init (step);
        rom__state_result__init (result);
        out->steps[out->n_steps++] = step;
        const Rom__BatchStep *s = in->steps[i];
        rom_status_t status;
        rom_call_clear_error (call);
        if (s->step_case == ROM__BATCH_STEP__STEP_OP) {
            status = s_apply (head, self, s->op, result, call);
            if (status == ROM_OK)
                step->result = result;
        } else if (s->step_case == ROM__BATCH_STEP__STEP_CALL)
            status = s_call_step (head, servant, self, s->call, step, call);
        else
            status = rom_call_fail (call, ROM_BAD_REQUEST, "step %zu is neither an op nor a call", i);
        step->status = (uint32_t) status;
        if (status != ROM_OK) {
            const char *why = rom_call_errmsg (call);
            step->error = rom_call_strdup (call, why ? why : rom_strerror (status));
        }
    }
    rom_call_clear_error (call); // the batch itself succeeded: the steps' texts are in their results
    out->version = head->version;
    return ROM_OK;
}
