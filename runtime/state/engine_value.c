// engine_value.c: the bottom of the declared-state engine (engine.h). Every op, whatever the shape of its
// field, goes through the one wide value form (romi_state_val_t) between the wire (rom.StateValue) and a
// field's storage (a slot), so converting and checking live here once: kind, range, enum value, UTF-8, the
// overflow of ADD in the field's width. That is what lets every modifying op check all it will store before
// it frees or stores anything, so a refused op leaves the state unchanged. The error texts that name the
// field ("demo.Stats.hits: ...") are here too, for the same reason: one wording for every shape.
//
// Everything a slot holds is malloc'd (protobuf-c's default allocator); what goes out (results, changes) is
// copied into the call's memory, because a batch changes the state again before its reply is packed.
#define _POSIX_C_SOURCE 200809L

#include "engine.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_op_names[] = {"NONE",   "GET",       "SET",    "ADD",     "MIN", "MAX",
                                         "CAS",    "APPEND",    "TOGGLE", "EXTEND",  "LEN", "AT",
                                         "SET_AT", "REMOVE_AT", "CLEAR",  "SLICE",   "PUT", "MAP_GET",
                                         "DEL",    "INCR",      "KEYS",   "CONTAINS"};

const char *
romi_state_op_name (unsigned op)
{
    return op < sizeof s_op_names / sizeof *s_op_names ? s_op_names[op] : "an unknown op";
}

const char *
romi_state_type_name (ProtobufCType type)
{
    static const char *const names[] = {"int32",  "sint32",  "sfixed32", "int64",   "sint64", "sfixed64",
                                        "uint32", "fixed32", "uint64",   "fixed64", "float",  "double",
                                        "bool",   "enum",    "string",   "bytes",   "message"};
    return (unsigned) type < sizeof names / sizeof *names ? names[type] : "?";
}

romi_state_class_t
romi_state_class (const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: return ROMI_STATE_SIGNED;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return ROMI_STATE_UNSIGNED;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: return ROMI_STATE_FLOAT;
    case PROTOBUF_C_TYPE_BOOL: return ROMI_STATE_BOOL;
    case PROTOBUF_C_TYPE_ENUM: return ROMI_STATE_ENUM;
    case PROTOBUF_C_TYPE_STRING: return ROMI_STATE_STRING;
    case PROTOBUF_C_TYPE_BYTES: return ROMI_STATE_BYTES;
    default: return ROMI_STATE_MESSAGE;
    }
}

bool
romi_state_is_number (const ProtobufCFieldDescriptor *f)
{
    romi_state_class_t c = romi_state_class (f);
    return c == ROMI_STATE_SIGNED || c == ROMI_STATE_UNSIGNED || c == ROMI_STATE_FLOAT;
}

bool
romi_state_is_map (const ProtobufCFieldDescriptor *f)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    const ProtobufCMessageDescriptor *d = f->descriptor;
    size_t n = strlen (d->name);
    return d->n_fields == 2 && n > 5 && strcmp (d->name + n - 5, "Entry") == 0
           && protobuf_c_message_descriptor_get_field (d, 1)
           && protobuf_c_message_descriptor_get_field (d, 2);
}

// "a repeated string", "an int64", "a map", for refusals.
const char *
romi_state_describe (const ProtobufCFieldDescriptor *f, char *buf, size_t size)
{
    if (romi_state_is_map (f))
        snprintf (buf, size, "a map");
    else {
        const char *t = romi_state_type_name (f->type);
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        snprintf (buf, size, "%s%s%s", repeated ? "a repeated " : (strchr ("aeiou", t[0]) ? "an " : "a "), t,
                  "");
    }
    return buf;
}

rom_status_t
romi_state_fail (rom_call_t *call, rom_status_t status, const romi_state_target_t *t, const char *fmt, ...)
{
    char text[384];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (text, sizeof text, fmt, ap);
    va_end (ap);
    if (t->field)
        return rom_call_fail (call, status, "%s.%s: %s", t->owner->name, t->field->name, text);
    return rom_call_fail (call, status, "%s: %s", t->owner->name, text);
}

rom_status_t
romi_state_wrong (rom_call_t *call, const romi_state_target_t *t, unsigned op, const char *needs)
{
    char what[64];
    return romi_state_fail (call, ROM_WRONG_TYPE, t, "%s needs %s, not %s", romi_state_op_name (op), needs,
                            romi_state_describe (t->field, what, sizeof what));
}

rom_status_t
romi_state_nomem (rom_call_t *call)
{
    return rom_call_fail (call, ROM_NOMEM, "out of memory");
}

// --- slots: one value in a message or an array -------------------------------------------------------------

size_t
romi_state_slot_size (const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof (double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof (protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof (char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof (ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof (ProtobufCMessage *);
    default: return 4; // 32-bit integers, float, enum
    }
}

// The value in a slot; strings, bytes and messages borrowed.
romi_state_val_t
romi_state_load (const ProtobufCFieldDescriptor *f, const void *slot)
{
    romi_state_val_t v = {0};
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: v.i = *(const int32_t *) slot; break;
    case PROTOBUF_C_TYPE_ENUM: v.i = *(const int *) slot; break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: v.i = *(const int64_t *) slot; break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: v.u = *(const uint32_t *) slot; break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: v.u = *(const uint64_t *) slot; break;
    case PROTOBUF_C_TYPE_FLOAT: v.d = *(const float *) slot; break;
    case PROTOBUF_C_TYPE_DOUBLE: v.d = *(const double *) slot; break;
    case PROTOBUF_C_TYPE_BOOL: v.b = *(const protobuf_c_boolean *) slot; break;
    case PROTOBUF_C_TYPE_STRING: v.s = *(char *const *) slot; break;
    case PROTOBUF_C_TYPE_BYTES: v.bin = *(const ProtobufCBinaryData *) slot; break;
    case PROTOBUF_C_TYPE_MESSAGE: v.m = *(ProtobufCMessage *const *) slot; break;
    }
    return v;
}

// Free what a slot owns (never a descriptor's default).
void
romi_state_slot_free (const ProtobufCFieldDescriptor *f, void *slot)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *s = *(char **) slot;
        if (s && s != (const char *) f->default_value)
            free (s);
        *(char **) slot = NULL;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *b = slot;
        const ProtobufCBinaryData *def = f->default_value;
        if (b->data && (!def || b->data != def->data))
            free (b->data);
        b->data = NULL;
        b->len = 0;
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage **m = slot;
        if (*m)
            protobuf_c_message_free_unpacked (*m, NULL);
        *m = NULL;
    }
}

// Store an owned value (checked already) into a slot, freeing what it held.
void
romi_state_store (const ProtobufCFieldDescriptor *f, void *slot, romi_state_val_t v)
{
    romi_state_slot_free (f, slot);
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: *(int32_t *) slot = (int32_t) v.i; break;
    case PROTOBUF_C_TYPE_ENUM: *(int *) slot = (int) v.i; break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: *(int64_t *) slot = v.i; break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: *(uint32_t *) slot = (uint32_t) v.u; break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: *(uint64_t *) slot = v.u; break;
    case PROTOBUF_C_TYPE_FLOAT: *(float *) slot = (float) v.d; break;
    case PROTOBUF_C_TYPE_DOUBLE: *(double *) slot = v.d; break;
    case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *) slot = v.b; break;
    case PROTOBUF_C_TYPE_STRING: *(char **) slot = v.s; break;
    case PROTOBUF_C_TYPE_BYTES: *(ProtobufCBinaryData *) slot = v.bin; break;
    case PROTOBUF_C_TYPE_MESSAGE: *(ProtobufCMessage **) slot = v.m; break;
    }
}

// Free an owned value that was not stored.
void
romi_state_val_free (const ProtobufCFieldDescriptor *f, romi_state_val_t *v)
{
    if (f->type == PROTOBUF_C_TYPE_STRING)
        free (v->s);
    else if (f->type == PROTOBUF_C_TYPE_BYTES)
        free (v->bin.data);
    else if (f->type == PROTOBUF_C_TYPE_MESSAGE && v->m)
        protobuf_c_message_free_unpacked (v->m, NULL);
    v->s = NULL;
    v->bin.data = NULL;
    v->m = NULL;
}

void
romi_state_set_has (const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg, bool has)
{
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset && f->type != PROTOBUF_C_TYPE_STRING
        && f->type != PROTOBUF_C_TYPE_MESSAGE)
        MEMBER (protobuf_c_boolean, msg, f->quantifier_offset) = has;
}

// --- the wire: rom.StateValue <-> romi_state_val_t ---------------------------------------------------------

static const char *
s_wire_kind (const Rom__StateValue *v)
{
    switch (v ? v->kind_case : KIND (_NOT_SET)) {
    case KIND (I): return "a signed integer";
    case KIND (U): return "an unsigned integer";
    case KIND (D): return "a double";
    case KIND (B): return "a bool";
    case KIND (S): return "a string";
    case KIND (DATA): return "bytes";
    case KIND (MESSAGE): return "a message";
    default: return "no value";
    }
}

// Convert and check an operand for field `f` (of target `t`, for texts): on ROM_OK *out is owned.
rom_status_t
romi_state_from_wire (const romi_state_target_t *t, const ProtobufCFieldDescriptor *f,
                      const Rom__StateValue *v, romi_state_val_t *out, rom_call_t *call)
{
    memset (out, 0, sizeof *out);
    int kind = v ? (int) v->kind_case : 0;
    const char *tn = romi_state_type_name (f->type);
    switch (romi_state_class (f)) {
    case ROMI_STATE_SIGNED:
    case ROMI_STATE_ENUM: {
        int64_t i;
        if (kind == KIND (I))
            i = v->i;
        else if (kind == KIND (U) && v->u <= INT64_MAX)
            i = (int64_t) v->u;
        else if (kind == KIND (U))
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%" PRIu64 " is out of range for %s", v->u,
                                    tn);
        else
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs an integer for %s, not %s", tn,
                                    s_wire_kind (v));
        bool wide = f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64
                    || f->type == PROTOBUF_C_TYPE_SFIXED64;
        if (!wide && (i < INT32_MIN || i > INT32_MAX))
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " is out of range for %s", i, tn);
        if (f->type == PROTOBUF_C_TYPE_ENUM && !protobuf_c_enum_descriptor_get_value (f->descriptor, (int) i))
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " is no value of %s", i,
                                    ((const ProtobufCEnumDescriptor *) f->descriptor)->name);
        out->i = i;
        return ROM_OK;
    }
    case ROMI_STATE_UNSIGNED: {
        uint64_t u;
        if (kind == KIND (U))
            u = v->u;
        else if (kind == KIND (I) && v->i >= 0)
            u = (uint64_t) v->i;
        else if (kind == KIND (I))
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " is out of range for %s", v->i,
                                    tn);
        else
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs an integer for %s, not %s", tn,
                                    s_wire_kind (v));
        bool wide = f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64;
        if (!wide && u > UINT32_MAX)
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%" PRIu64 " is out of range for %s", u, tn);
        out->u = u;
        return ROM_OK;
    }
    case ROMI_STATE_FLOAT:
        if (kind == KIND (D))
            out->d = v->d;
        else if (kind == KIND (I))
            out->d = (double) v->i;
        else if (kind == KIND (U))
            out->d = (double) v->u;
        else
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs a number for %s, not %s", tn,
                                    s_wire_kind (v));
        if (f->type == PROTOBUF_C_TYPE_FLOAT && isfinite (out->d) && fabs (out->d) > FLT_MAX)
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%g is out of range for float", out->d);
        return ROM_OK;
    case ROMI_STATE_BOOL:
        if (kind != KIND (B))
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs a bool, not %s", s_wire_kind (v));
        out->b = v->b;
        return ROM_OK;
    case ROMI_STATE_STRING:
        if (kind != KIND (S))
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs a string, not %s", s_wire_kind (v));
        if (!rom_utf8_valid (v->s, strlen (v->s)))
            return romi_state_fail (call, ROM_BAD_REQUEST, t, "the string is not valid UTF-8");
        if (!(out->s = strdup (v->s)))
            return romi_state_nomem (call);
        return ROM_OK;
    case ROMI_STATE_BYTES:
        if (kind != KIND (DATA))
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs bytes, not %s", s_wire_kind (v));
        out->bin.len = v->data.len;
        if (v->data.len && !(out->bin.data = malloc (v->data.len)))
            return romi_state_nomem (call);
        if (v->data.len)
            memcpy (out->bin.data, v->data.data, v->data.len);
        return ROM_OK;
    case ROMI_STATE_MESSAGE: {
        if (kind != KIND (MESSAGE) && kind != KIND (DATA))
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs a %s message, not %s",
                                    ((const ProtobufCMessageDescriptor *) f->descriptor)->name,
                                    s_wire_kind (v));
        const ProtobufCBinaryData *b = kind == KIND (MESSAGE) ? &v->message : &v->data;
        out->m = protobuf_c_message_unpack (f->descriptor, NULL, b->len, b->data);
        if (!out->m)
            return romi_state_fail (call, ROM_BAD_REQUEST, t, "the value is no packed %s",
                                    ((const ProtobufCMessageDescriptor *) f->descriptor)->name);
        return ROM_OK;
    }
    }
    return ROM_INTERNAL;
}

static void *
s_dup_call (rom_call_t *call, const void *p, size_t n)
{
    void *copy = rom_call_alloc (call, n ? n : 1);
    if (copy && n)
        memcpy (copy, p, n);
    return copy;
}

// The wire form of a value (borrowed), in the call's memory. Packs messages (an absent one: its defaults).
rom_status_t
romi_state_to_wire (const ProtobufCFieldDescriptor *f, romi_state_val_t v, Rom__StateValue **out_p,
                    rom_call_t *call)
{
    Rom__StateValue *out = rom_call_alloc (call, sizeof *out);
    if (!out)
        return romi_state_nomem (call);
    rom__state_value__init (out);
    switch (romi_state_class (f)) {
    case ROMI_STATE_SIGNED:
    case ROMI_STATE_ENUM: out->kind_case = KIND (I), out->i = v.i; break;
    case ROMI_STATE_UNSIGNED: out->kind_case = KIND (U), out->u = v.u; break;
    case ROMI_STATE_FLOAT: out->kind_case = KIND (D), out->d = v.d; break;
    case ROMI_STATE_BOOL: out->kind_case = KIND (B), out->b = v.b; break;
    case ROMI_STATE_STRING:
        out->kind_case = KIND (S);
        if (!(out->s = rom_call_strdup (call, v.s ? v.s : "")))
            return romi_state_nomem (call);
        break;
    case ROMI_STATE_BYTES:
        out->kind_case = KIND (DATA);
        out->data.len = v.bin.len;
        if (!(out->data.data = s_dup_call (call, v.bin.data, v.bin.len)))
            return romi_state_nomem (call);
        break;
    case ROMI_STATE_MESSAGE: {
        out->kind_case = KIND (MESSAGE);
        ProtobufCMessage *m = v.m;
        if (!m) { // an absent message reads as its defaults: packed, that is no bytes at all
            out->message.len = 0;
            out->message.data = NULL;
            break;
        }
        size_t n = protobuf_c_message_get_packed_size (m);
        uint8_t *buf = rom_call_alloc (call, n ? n : 1);
        if (!buf)
            return romi_state_nomem (call);
        out->message.len = protobuf_c_message_pack (m, buf);
        out->message.data = buf;
        break;
    }
    }
    *out_p = out;
    return ROM_OK;
}

bool
romi_state_value_equal (const Rom__StateValue *a, const Rom__StateValue *b)
{
    int ka = a ? (int) a->kind_case : 0, kb = b ? (int) b->kind_case : 0;
    // Integers compare across i and u (a guard written with ROM_INT on a uint field).
    if ((ka == KIND (I) || ka == KIND (U)) && (kb == KIND (I) || kb == KIND (U))) {
        bool na = ka == KIND (I) && a->i < 0, nb = kb == KIND (I) && b->i < 0;
        if (na || nb)
            return na && nb && a->i == b->i;
        return (ka == KIND (I) ? (uint64_t) a->i : a->u) == (kb == KIND (I) ? (uint64_t) b->i : b->u);
    }
    if (ka != kb)
        return false;
    switch (ka) {
    case KIND (D): return a->d == b->d;
    case KIND (B): return !a->b == !b->b;
    case KIND (S): return strcmp (a->s, b->s) == 0;
    case KIND (DATA):
        return a->data.len == b->data.len
               && (!a->data.len || !memcmp (a->data.data, b->data.data, a->data.len));
    case KIND (MESSAGE):
        return a->message.len == b->message.len
               && (!a->message.len || !memcmp (a->message.data, b->message.data, a->message.len));
    default: return true;
    }
}

// Equality of a stored value and a checked operand, in the field's kind.
bool
romi_state_val_equal (const ProtobufCFieldDescriptor *f, romi_state_val_t a, romi_state_val_t b)
{
    switch (romi_state_class (f)) {
    case ROMI_STATE_SIGNED:
    case ROMI_STATE_ENUM: return a.i == b.i;
    case ROMI_STATE_UNSIGNED: return a.u == b.u;
    case ROMI_STATE_FLOAT: return f->type == PROTOBUF_C_TYPE_FLOAT ? (float) a.d == (float) b.d : a.d == b.d;
    case ROMI_STATE_BOOL: return !a.b == !b.b;
    case ROMI_STATE_STRING: return strcmp (a.s ? a.s : "", b.s ? b.s : "") == 0;
    case ROMI_STATE_BYTES:
        return a.bin.len == b.bin.len && (!a.bin.len || !memcmp (a.bin.data, b.bin.data, a.bin.len));
    default: return false;
    }
}

// --- arithmetic --------------------------------------------------------------------------------------------

// cur + by for a number field; ROM_OUT_OF_RANGE on overflow of the field's width. `by` is the raw wire value
// (a uint field may be decremented by a negative int).
rom_status_t
romi_state_add (const romi_state_target_t *t, const ProtobufCFieldDescriptor *f, romi_state_val_t cur,
                const Rom__StateValue *by, romi_state_val_t *out, rom_call_t *call)
{
    memset (out, 0, sizeof *out);
    int kind = by ? (int) by->kind_case : 0;
    const char *tn = romi_state_type_name (f->type);
    switch (romi_state_class (f)) {
    case ROMI_STATE_SIGNED: {
        romi_state_val_t op;
        rom_status_t status = romi_state_from_wire (t, f, by, &op, call);
        if (status != ROM_OK)
            return status;
        bool wide = f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64
                    || f->type == PROTOBUF_C_TYPE_SFIXED64;
        int64_t sum;
        if (__builtin_add_overflow (cur.i, op.i, &sum) || (!wide && (sum < INT32_MIN || sum > INT32_MAX)))
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " + %" PRId64 " overflows %s",
                                    cur.i, op.i, tn);
        out->i = sum;
        return ROM_OK;
    }
    case ROMI_STATE_UNSIGNED: {
        bool wide = f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64;
        uint64_t max = wide ? UINT64_MAX : UINT32_MAX;
        if (kind == KIND (I) && by->i < 0) {
            uint64_t minus = (uint64_t) (-(by->i + 1)) + 1u;
            if (cur.u < minus)
                return romi_state_fail (call, ROM_OUT_OF_RANGE, t,
                                        "%" PRIu64 " - %" PRIu64 " is below 0 for %s", cur.u, minus, tn);
            out->u = cur.u - minus;
            return ROM_OK;
        }
        uint64_t add;
        if (kind == KIND (I))
            add = (uint64_t) by->i;
        else if (kind == KIND (U))
            add = by->u;
        else
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "needs an integer for %s, not %s", tn,
                                    s_wire_kind (by));
        uint64_t sum;
        if (__builtin_add_overflow (cur.u, add, &sum) || sum > max)
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%" PRIu64 " + %" PRIu64 " overflows %s",
                                    cur.u, add, tn);
        out->u = sum;
        return ROM_OK;
    }
    case ROMI_STATE_FLOAT: {
        romi_state_val_t op;
        rom_status_t status = romi_state_from_wire (t, f, by, &op, call);
        if (status != ROM_OK)
            return status;
        out->d = cur.d + op.d;
        if (f->type == PROTOBUF_C_TYPE_FLOAT && isfinite (out->d) && fabs (out->d) > FLT_MAX)
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t, "%g is out of range for float", out->d);
        return ROM_OK;
    }
    default: return ROM_INTERNAL;
    }
}

// --- results -----------------------------------------------------------------------------------------------

rom_status_t
romi_state_out_value (const ProtobufCFieldDescriptor *f, const void *slot, Rom__StateResult *out,
                      Rom__Change *change, rom_call_t *call)
{
    rom_status_t status = romi_state_to_wire (f, romi_state_load (f, slot), &out->value, call);
    if (change)
        change->value = out->value;
    return status;
}
