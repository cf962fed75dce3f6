// engine.c: the operations of declared state (rom_state.h, rom/state.proto) on a protobuf-c message, driven
// by its descriptor alone. A path of field numbers is walked down through singular message fields (created
// on the way by a modifying op, read as defaults otherwise); the last field is one of three shapes, and the
// op goes to the file of that shape: a singular field (engine_scalar.c), a repeated field (protobuf-c's
// n_field + array, engine_repeated.c), or a map (a repeated field of *Entry messages with key = 1 and
// value = 2, engine_map.c). All three convert values through engine_value.c (engine.h tells the layout).
//
// Every modifying op first converts and checks everything it will store (kind, range, enum value,
// overflow), and only then frees and stores, so a refused op leaves the state unchanged. Everything the
// state holds is malloc'd (protobuf-c's default allocator); nothing points into a call's memory.
//
// Not supported (refused with ROM_WRONG_TYPE, naming the field): members of a oneof, CAS of message fields,
// maps whose values are messages for INCR. Strings count code points for LEN (Python's len).
#include "engine.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

// --- the path ----------------------------------------------------------------------------------------------

static rom_status_t
s_resolve (ProtobufCMessage *state, const uint32_t *path, size_t depth, bool create, romi_state_target_t *t,
           rom_call_t *call)
{
    t->msg = state;
    t->owner = state->descriptor;
    t->field = NULL;
    if (depth > ROM_STATE_MAX_DEPTH)
        return romi_state_fail (call, ROM_INVALID, t, "a path of %zu fields is too deep (at most %d)", depth,
                                ROM_STATE_MAX_DEPTH);
    for (size_t i = 0; i < depth; i++) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field (t->owner, path[i]);
        if (!f) {
            t->field = NULL;
            return romi_state_fail (call, ROM_NOT_FOUND, t, "has no field %" PRIu32, path[i]);
        }
        t->field = f;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            return romi_state_fail (call, ROM_WRONG_TYPE, t,
                                    "members of a oneof are not supported by the state engine");
        if (i + 1 == depth)
            break;
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED) {
            char what[64];
            return romi_state_fail (call, ROM_WRONG_TYPE, t,
                                    "a path goes through singular message fields only, not %s",
                                    romi_state_describe (f, what, sizeof what));
        }
        ProtobufCMessage **sub = &MEMBER (ProtobufCMessage *, t->msg, f->offset);
        const ProtobufCMessageDescriptor *d = f->descriptor;
        ProtobufCMessage *next = *sub;
        if (!next) {
            // Absent: a modifying op makes it; a read sees its defaults (a message in the call's memory).
            next = create ? malloc (d->sizeof_message) : rom_call_alloc (call, d->sizeof_message);
            if (!next)
                return romi_state_nomem (call);
            protobuf_c_message_init (d, next);
            if (create)
                *sub = next;
        }
        t->msg = next;
        t->owner = d;
        t->field = NULL;
    }
    return ROM_OK;
}

// Which ops change the state (a path is then created on the way).
static bool
s_modifies (unsigned op)
{
    switch (op) {
    case ROM_STATE_GET:
    case ROM_STATE_LEN:
    case ROM_STATE_AT:
    case ROM_STATE_SLICE:
    case ROM_STATE_MAP_GET:
    case ROM_STATE_KEYS:
    case ROM_STATE_CONTAINS: return false;
    default: return true;
    }
}

// --- the operations ----------------------------------------------------------------------------------------

// GET or SET of the whole state.
static rom_status_t
s_whole (ProtobufCMessage *state, const Rom__StateOp *op, Rom__StateResult *out, bool *modified,
         Rom__Change *change, rom_call_t *call)
{
    romi_state_target_t t = {.msg = state, .owner = state->descriptor};
    ProtobufCFieldDescriptor whole = {.name = "",
                                      .type = PROTOBUF_C_TYPE_MESSAGE,
                                      .descriptor = state->descriptor};
    if ((unsigned) op->op == ROM_STATE_GET) {
        romi_state_val_t v = {.m = state};
        return romi_state_to_wire (&whole, v, &out->value, call);
    }
    if ((unsigned) op->op != ROM_STATE_SET)
        return romi_state_fail (call, ROM_WRONG_TYPE, &t,
                                "%s needs a field (the whole state takes GET and SET)",
                                romi_state_op_name (op->op));
    romi_state_val_t v;
    rom_status_t status = romi_state_from_wire (&t, &whole, op->value, &v, call);
    if (status != ROM_OK)
        return status;
    romi_state_replace (state, v.m);
    *modified = true;
    romi_state_val_t now = {.m = state};
    status = romi_state_to_wire (&whole, now, &out->value, call);
    change->value = out->value;
    return status;
}

rom_status_t
romi_state_exec (ProtobufCMessage *state, const Rom__StateOp *op, Rom__StateResult *out, bool *modified,
                 Rom__Change *change, rom_call_t *call)
{
    *modified = false;
    romi_state_target_t t;
    rom_status_t status = s_resolve (state, op->path, op->n_path, s_modifies (op->op), &t, call);
    if (status != ROM_OK)
        return status;
    change->n_path = op->n_path;
    change->path = op->path;
    change->op = op->op;
    if ((unsigned) op->op < ROM_STATE_GET || (unsigned) op->op > ROM_STATE_CONTAINS)
        return romi_state_fail (call, ROM_INVALID, &t, "unknown operation %d", (int) op->op);
    if (!t.field)
        return s_whole (state, op, out, modified, change, call);
    if (romi_state_is_map (t.field))
        return romi_state_map_op (&t, op, out, modified, change, call);
    if (t.field->label == PROTOBUF_C_LABEL_REPEATED)
        return romi_state_repeated (&t, op, out, modified, change, call);
    return romi_state_singular (&t, op, out, modified, change, call);
}

void
romi_state_free_fields (ProtobufCMessage *state)
{
    // protobuf_c_message_free_unpacked () would free the struct too, which lives inside the head's block.
    const ProtobufCMessageDescriptor *d = state->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            && MEMBER (uint32_t, state, f->quantifier_offset) != f->id)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            romi_state_target_t t = {.msg = state, .owner = d, .field = f};
            romi_state_clear_repeated (&t);
        } else
            romi_state_slot_free (f, (char *) state + f->offset);
    }
    for (unsigned i = 0; i < state->n_unknown_fields; i++)
        free (state->unknown_fields[i].data);
    free (state->unknown_fields);
    state->unknown_fields = NULL;
    state->n_unknown_fields = 0;
}

void
romi_state_replace (ProtobufCMessage *state, ProtobufCMessage *next)
{
    romi_state_free_fields (state);
    memcpy (state, next, state->descriptor->sizeof_message);
    free (next);
}
