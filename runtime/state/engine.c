// engine.c: the operations of declared state (rom_state.h, rom/state.proto) on a protobuf-c message, driven
// by its descriptor alone. A path of field numbers is walked down through singular message fields (created
// on the way by a modifying op, read as defaults otherwise); the last field is one of three shapes: a
// singular field, a repeated field (protobuf-c's n_field + array), or a map (a repeated field of *Entry
// messages with key = 1 and value = 2, kept in insertion order; PUT replaces a value in place).
//
// Values are handled in one wide form (s_val_t: int64 / uint64 / double / bool / owned string, bytes or
// message) between the wire (rom.StateValue) and a field's storage (a "slot": the address of one scalar in a
// message or an array). Every modifying op first converts and checks everything it will store (kind,
// range, enum value, overflow), and only then frees and stores, so a refused op leaves the state unchanged.
// Everything the state holds is malloc'd (protobuf-c's default allocator), so the object's destroy is
// protobuf_c_message_free_unpacked; nothing points into a call's memory. What goes out (results, changes)
// is copied into the call's memory, because a batch changes the state again before its reply is packed.
//
// Not supported (refused with ROM_WRONG_TYPE, naming the field): members of a oneof, CAS of message fields,
// maps whose values are messages for INCR. Strings count code points for LEN (Python's len).
#define _POSIX_C_SOURCE 200809L

#include "state.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND(name) ROM__STATE_VALUE__KIND_##name
#define MEMBER(type, msg, offset) (*(type *) (void *) ((char *) (msg) + (offset)))

typedef struct {
    int64_t i;
    uint64_t u;
    double d;
    bool b;
    char *s; // owned (from s_from_wire) or borrowed (from s_load)
    ProtobufCBinaryData bin;
    ProtobufCMessage *m;
} s_val_t;

// Where a field is: its message and descriptor (for error texts).
typedef struct {
    ProtobufCMessage *msg;
    const ProtobufCMessageDescriptor *owner;
    const ProtobufCFieldDescriptor *field;
} s_target_t;

typedef enum { S_SIGNED, S_UNSIGNED, S_FLOAT, S_BOOL, S_ENUM, S_STRING, S_BYTES, S_MESSAGE } s_class_t;

static const char *const s_op_names[] = {"NONE",   "GET",       "SET",    "ADD",     "MIN", "MAX",
                                         "CAS",    "APPEND",    "TOGGLE", "EXTEND",  "LEN", "AT",
                                         "SET_AT", "REMOVE_AT", "CLEAR",  "SLICE",   "PUT", "MAP_GET",
                                         "DEL",    "INCR",      "KEYS",   "CONTAINS"};

static const char *
s_op_name (unsigned op)
{
    return op < sizeof s_op_names / sizeof *s_op_names ? s_op_names[op] : "an unknown op";
}

static const char *
s_type_name (ProtobufCType type)
{
    static const char *const names[] = {"int32",  "sint32",  "sfixed32", "int64",   "sint64", "sfixed64",
                                        "uint32", "fixed32", "uint64",   "fixed64", "float",  "double",
                                        "bool",   "enum",    "string",   "bytes",   "message"};
    return (unsigned) type < sizeof names / sizeof *names ? names[type] : "?";
}

static s_class_t
s_class (const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: return S_SIGNED;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return S_UNSIGNED;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: return S_FLOAT;
    case PROTOBUF_C_TYPE_BOOL: return S_BOOL;
    case PROTOBUF_C_TYPE_ENUM: return S_ENUM;
    case PROTOBUF_C_TYPE_STRING: return S_STRING;
    case PROTOBUF_C_TYPE_BYTES: return S_BYTES;
    default: return S_MESSAGE;
    }
}

static bool
s_is_number (const ProtobufCFieldDescriptor *f)
{
    s_class_t c = s_class (f);
    return c == S_SIGNED || c == S_UNSIGNED || c == S_FLOAT;
}

static bool
s_is_map (const ProtobufCFieldDescriptor *f)
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
static const char *
s_describe (const ProtobufCFieldDescriptor *f, char *buf, size_t size)
{
    if (s_is_map (f))
        snprintf (buf, size, "a map");
    else {
        const char *t = s_type_name (f->type);
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        snprintf (buf, size, "%s%s%s", repeated ? "a repeated " : (strchr ("aeiou", t[0]) ? "an " : "a "), t,
                  "");
    }
    return buf;
}

static rom_status_t s_fail (rom_call_t *call, rom_status_t status, const s_target_t *t, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static rom_status_t
s_fail (rom_call_t *call, rom_status_t status, const s_target_t *t, const char *fmt, ...)
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

static rom_status_t
s_wrong (rom_call_t *call, const s_target_t *t, unsigned op, const char *needs)
{
    char what[64];
    return s_fail (call, ROM_WRONG_TYPE, t, "%s needs %s, not %s", s_op_name (op), needs,
                   s_describe (t->field, what, sizeof what));
}

static rom_status_t
s_nomem (rom_call_t *call)
{
    return rom_call_fail (call, ROM_NOMEM, "out of memory");
}

// --- slots: one value in a message or an array --------------------------------------------------------------

static size_t
s_slot_size (const ProtobufCFieldDescriptor *f)
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
static s_val_t
s_load (const ProtobufCFieldDescriptor *f, const void *slot)
{
    s_val_t v = {0};
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
static void
s_slot_free (const ProtobufCFieldDescriptor *f, void *slot)
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
static void
s_store (const ProtobufCFieldDescriptor *f, void *slot, s_val_t v)
{
    s_slot_free (f, slot);
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
static void
s_val_free (const ProtobufCFieldDescriptor *f, s_val_t *v)
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

static void
s_set_has (const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg, bool has)
{
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset && f->type != PROTOBUF_C_TYPE_STRING
        && f->type != PROTOBUF_C_TYPE_MESSAGE)
        MEMBER (protobuf_c_boolean, msg, f->quantifier_offset) = has;
}

// --- the wire: rom.StateValue <-> s_val_t -------------------------------------------------------------------

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
static rom_status_t
s_from_wire (const s_target_t *t, const ProtobufCFieldDescriptor *f, const Rom__StateValue *v, s_val_t *out,
             rom_call_t *call)
{
    memset (out, 0, sizeof *out);
    int kind = v ? (int) v->kind_case : 0;
    const char *tn = s_type_name (f->type);
    switch (s_class (f)) {
    case S_SIGNED:
    case S_ENUM: {
        int64_t i;
        if (kind == KIND (I))
            i = v->i;
        else if (kind == KIND (U) && v->u <= INT64_MAX)
            i = (int64_t) v->u;
        else if (kind == KIND (U))
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRIu64 " is out of range for %s", v->u, tn);
        else
            return s_fail (call, ROM_WRONG_TYPE, t, "needs an integer for %s, not %s", tn, s_wire_kind (v));
        bool wide = f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64
                    || f->type == PROTOBUF_C_TYPE_SFIXED64;
        if (!wide && (i < INT32_MIN || i > INT32_MAX))
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " is out of range for %s", i, tn);
        if (f->type == PROTOBUF_C_TYPE_ENUM && !protobuf_c_enum_descriptor_get_value (f->descriptor, (int) i))
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " is no value of %s", i,
                           ((const ProtobufCEnumDescriptor *) f->descriptor)->name);
        out->i = i;
        return ROM_OK;
    }
    case S_UNSIGNED: {
        uint64_t u;
        if (kind == KIND (U))
            u = v->u;
        else if (kind == KIND (I) && v->i >= 0)
            u = (uint64_t) v->i;
        else if (kind == KIND (I))
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " is out of range for %s", v->i, tn);
        else
            return s_fail (call, ROM_WRONG_TYPE, t, "needs an integer for %s, not %s", tn, s_wire_kind (v));
        bool wide = f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64;
        if (!wide && u > UINT32_MAX)
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRIu64 " is out of range for %s", u, tn);
        out->u = u;
        return ROM_OK;
    }
    case S_FLOAT:
        if (kind == KIND (D))
            out->d = v->d;
        else if (kind == KIND (I))
            out->d = (double) v->i;
        else if (kind == KIND (U))
            out->d = (double) v->u;
        else
            return s_fail (call, ROM_WRONG_TYPE, t, "needs a number for %s, not %s", tn, s_wire_kind (v));
        if (f->type == PROTOBUF_C_TYPE_FLOAT && isfinite (out->d) && fabs (out->d) > FLT_MAX)
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%g is out of range for float", out->d);
        return ROM_OK;
    case S_BOOL:
        if (kind != KIND (B))
            return s_fail (call, ROM_WRONG_TYPE, t, "needs a bool, not %s", s_wire_kind (v));
        out->b = v->b;
        return ROM_OK;
    case S_STRING:
        if (kind != KIND (S))
            return s_fail (call, ROM_WRONG_TYPE, t, "needs a string, not %s", s_wire_kind (v));
        if (!rom_utf8_valid (v->s, strlen (v->s)))
            return s_fail (call, ROM_BAD_REQUEST, t, "the string is not valid UTF-8");
        if (!(out->s = strdup (v->s)))
            return s_nomem (call);
        return ROM_OK;
    case S_BYTES:
        if (kind != KIND (DATA))
            return s_fail (call, ROM_WRONG_TYPE, t, "needs bytes, not %s", s_wire_kind (v));
        out->bin.len = v->data.len;
        if (v->data.len && !(out->bin.data = malloc (v->data.len)))
            return s_nomem (call);
        if (v->data.len)
            memcpy (out->bin.data, v->data.data, v->data.len);
        return ROM_OK;
    case S_MESSAGE: {
        if (kind != KIND (MESSAGE) && kind != KIND (DATA))
            return s_fail (call, ROM_WRONG_TYPE, t, "needs a %s message, not %s",
                           ((const ProtobufCMessageDescriptor *) f->descriptor)->name, s_wire_kind (v));
        const ProtobufCBinaryData *b = kind == KIND (MESSAGE) ? &v->message : &v->data;
        out->m = protobuf_c_message_unpack (f->descriptor, NULL, b->len, b->data);
        if (!out->m)
            return s_fail (call, ROM_BAD_REQUEST, t, "the value is no packed %s",
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
static rom_status_t
s_to_wire (const ProtobufCFieldDescriptor *f, s_val_t v, Rom__StateValue **out_p, rom_call_t *call)
{
    Rom__StateValue *out = rom_call_alloc (call, sizeof *out);
    if (!out)
        return s_nomem (call);
    rom__state_value__init (out);
    switch (s_class (f)) {
    case S_SIGNED:
    case S_ENUM: out->kind_case = KIND (I), out->i = v.i; break;
    case S_UNSIGNED: out->kind_case = KIND (U), out->u = v.u; break;
    case S_FLOAT: out->kind_case = KIND (D), out->d = v.d; break;
    case S_BOOL: out->kind_case = KIND (B), out->b = v.b; break;
    case S_STRING:
        out->kind_case = KIND (S);
        if (!(out->s = rom_call_strdup (call, v.s ? v.s : "")))
            return s_nomem (call);
        break;
    case S_BYTES:
        out->kind_case = KIND (DATA);
        out->data.len = v.bin.len;
        if (!(out->data.data = s_dup_call (call, v.bin.data, v.bin.len)))
            return s_nomem (call);
        break;
    case S_MESSAGE: {
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
            return s_nomem (call);
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
static bool
s_val_equal (const ProtobufCFieldDescriptor *f, s_val_t a, s_val_t b)
{
    switch (s_class (f)) {
    case S_SIGNED:
    case S_ENUM: return a.i == b.i;
    case S_UNSIGNED: return a.u == b.u;
    case S_FLOAT: return f->type == PROTOBUF_C_TYPE_FLOAT ? (float) a.d == (float) b.d : a.d == b.d;
    case S_BOOL: return !a.b == !b.b;
    case S_STRING: return strcmp (a.s ? a.s : "", b.s ? b.s : "") == 0;
    case S_BYTES:
        return a.bin.len == b.bin.len && (!a.bin.len || !memcmp (a.bin.data, b.bin.data, a.bin.len));
    default: return false;
    }
}

// --- arithmetic ---------------------------------------------------------------------------------------------

// cur + by for a number field; ROM_OUT_OF_RANGE on overflow of the field's width. `by` is the raw wire value
// (a uint field may be decremented by a negative int).
static rom_status_t
s_add (const s_target_t *t, const ProtobufCFieldDescriptor *f, s_val_t cur, const Rom__StateValue *by,
       s_val_t *out, rom_call_t *call)
{
    memset (out, 0, sizeof *out);
    int kind = by ? (int) by->kind_case : 0;
    const char *tn = s_type_name (f->type);
    switch (s_class (f)) {
    case S_SIGNED: {
        s_val_t op;
        rom_status_t status = s_from_wire (t, f, by, &op, call);
        if (status != ROM_OK)
            return status;
        bool wide = f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_SINT64
                    || f->type == PROTOBUF_C_TYPE_SFIXED64;
        int64_t sum;
        if (__builtin_add_overflow (cur.i, op.i, &sum) || (!wide && (sum < INT32_MIN || sum > INT32_MAX)))
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRId64 " + %" PRId64 " overflows %s", cur.i, op.i,
                           tn);
        out->i = sum;
        return ROM_OK;
    }
    case S_UNSIGNED: {
        bool wide = f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64;
        uint64_t max = wide ? UINT64_MAX : UINT32_MAX;
        if (kind == KIND (I) && by->i < 0) {
            uint64_t minus = (uint64_t) (-(by->i + 1)) + 1u;
            if (cur.u < minus)
                return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRIu64 " - %" PRIu64 " is below 0 for %s",
                               cur.u, minus, tn);
            out->u = cur.u - minus;
            return ROM_OK;
        }
        uint64_t add;
        if (kind == KIND (I))
            add = (uint64_t) by->i;
        else if (kind == KIND (U))
            add = by->u;
        else
            return s_fail (call, ROM_WRONG_TYPE, t, "needs an integer for %s, not %s", tn, s_wire_kind (by));
        uint64_t sum;
        if (__builtin_add_overflow (cur.u, add, &sum) || sum > max)
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%" PRIu64 " + %" PRIu64 " overflows %s", cur.u, add,
                           tn);
        out->u = sum;
        return ROM_OK;
    }
    case S_FLOAT: {
        s_val_t op;
        rom_status_t status = s_from_wire (t, f, by, &op, call);
        if (status != ROM_OK)
            return status;
        out->d = cur.d + op.d;
        if (f->type == PROTOBUF_C_TYPE_FLOAT && isfinite (out->d) && fabs (out->d) > FLT_MAX)
            return s_fail (call, ROM_OUT_OF_RANGE, t, "%g is out of range for float", out->d);
        return ROM_OK;
    }
    default: return ROM_INTERNAL;
    }
}

static int
s_compare (const ProtobufCFieldDescriptor *f, s_val_t a, s_val_t b)
{
    switch (s_class (f)) {
    case S_SIGNED: return a.i < b.i ? -1 : a.i > b.i;
    case S_UNSIGNED: return a.u < b.u ? -1 : a.u > b.u;
    default: return a.d < b.d ? -1 : a.d > b.d;
    }
}

// --- the path -------------------------------------------------------------------------------------------

static rom_status_t
s_resolve (ProtobufCMessage *state, const uint32_t *path, size_t depth, bool create, s_target_t *t,
           rom_call_t *call)
{
    t->msg = state;
    t->owner = state->descriptor;
    t->field = NULL;
    if (depth > ROM_STATE_MAX_DEPTH)
        return s_fail (call, ROM_INVALID, t, "a path of %zu fields is too deep (at most %d)", depth,
                       ROM_STATE_MAX_DEPTH);
    for (size_t i = 0; i < depth; i++) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field (t->owner, path[i]);
        if (!f) {
            t->field = NULL;
            return s_fail (call, ROM_NOT_FOUND, t, "has no field %" PRIu32, path[i]);
        }
        t->field = f;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            return s_fail (call, ROM_WRONG_TYPE, t,
                           "members of a oneof are not supported by the state engine");
        if (i + 1 == depth)
            break;
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED) {
            char what[64];
            return s_fail (call, ROM_WRONG_TYPE, t,
                           "a path goes through singular message fields only, not %s",
                           s_describe (f, what, sizeof what));
        }
        ProtobufCMessage **sub = &MEMBER (ProtobufCMessage *, t->msg, f->offset);
        const ProtobufCMessageDescriptor *d = f->descriptor;
        ProtobufCMessage *next = *sub;
        if (!next) {
            // Absent: a modifying op makes it; a read sees its defaults (a message in the call's memory).
            next = create ? malloc (d->sizeof_message) : rom_call_alloc (call, d->sizeof_message);
            if (!next)
                return s_nomem (call);
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

// --- repeated fields --------------------------------------------------------------------------------------

static size_t *
s_count (const s_target_t *t)
{
    return &MEMBER (size_t, t->msg, t->field->quantifier_offset);
}

static char **
s_array (const s_target_t *t)
{
    return &MEMBER (char *, t->msg, t->field->offset);
}

static void *
s_item (const s_target_t *t, const ProtobufCFieldDescriptor *f, size_t i)
{
    return *s_array (t) + i * s_slot_size (f);
}

// Room for `more` items (the array grows by doubling; realloc as protobuf-c's default allocator frees).
static rom_status_t
s_reserve (const s_target_t *t, size_t more, rom_call_t *call)
{
    size_t n = *s_count (t), size = s_slot_size (t->field);
    if (more > SIZE_MAX / size - n)
        return s_nomem (call);
    // The capacity is not stored (arrays unpacked by protobuf-c are exactly n long): realloc to the next
    // power of two past n + more each time, which glibc answers in place while the block has room.
    size_t want = n + more, cap = 4;
    while (cap < want)
        cap *= 2;
    char *grown = realloc (*s_array (t), cap * size);
    if (!grown)
        return s_nomem (call);
    *s_array (t) = grown;
    return ROM_OK;
}

// A Python index (negative from the end) into [0, n): false when outside.
static bool
s_index (int64_t index, size_t n, size_t *at)
{
    if (index < 0)
        index += (int64_t) n;
    if (index < 0 || (uint64_t) index >= n)
        return false;
    *at = (size_t) index;
    return true;
}

static void
s_remove (const s_target_t *t, size_t at, bool free_it)
{
    size_t n = *s_count (t), size = s_slot_size (t->field);
    char *a = *s_array (t);
    if (free_it)
        s_slot_free (t->field, a + at * size);
    memmove (a + at * size, a + (at + 1) * size, (n - at - 1) * size);
    *s_count (t) = n - 1;
    if (n - 1 == 0) {
        free (a);
        *s_array (t) = NULL;
    }
}

static void
s_clear_repeated (const s_target_t *t)
{
    size_t n = *s_count (t);
    for (size_t i = 0; i < n; i++)
        s_slot_free (t->field, s_item (t, t->field, i));
    free (*s_array (t));
    *s_array (t) = NULL;
    *s_count (t) = 0;
}

static rom_status_t
s_items_to_wire (const s_target_t *t, const ProtobufCFieldDescriptor *f, size_t from, size_t to,
                 size_t field_offset, Rom__StateValue ***items_p, size_t *n_p, rom_call_t *call)
{
    size_t n = to > from ? to - from : 0;
    Rom__StateValue **items = rom_call_alloc (call, (n ? n : 1) * sizeof *items);
    if (!items)
        return s_nomem (call);
    for (size_t i = 0; i < n; i++) {
        void *slot = s_item (t, t->field, from + i);
        if (field_offset != SIZE_MAX) // a map entry's key or value
            slot = (char *) *(ProtobufCMessage **) slot + field_offset;
        rom_status_t status = s_to_wire (f, s_load (f, slot), &items[i], call);
        if (status != ROM_OK)
            return status;
    }
    *items_p = items;
    *n_p = n;
    return ROM_OK;
}

// --- maps -------------------------------------------------------------------------------------------------

typedef struct {
    const ProtobufCMessageDescriptor *entry;
    const ProtobufCFieldDescriptor *key, *value;
} s_map_t;

static s_map_t
s_map (const ProtobufCFieldDescriptor *f)
{
    s_map_t m = {.entry = f->descriptor};
    m.key = protobuf_c_message_descriptor_get_field (m.entry, 1);
    m.value = protobuf_c_message_descriptor_get_field (m.entry, 2);
    return m;
}

static ProtobufCMessage *
s_entry (const s_target_t *t, size_t i)
{
    return *(ProtobufCMessage **) s_item (t, t->field, i);
}

// The position of `key` (checked) in the map, or SIZE_MAX.
static size_t
s_map_find (const s_target_t *t, const s_map_t *m, s_val_t key)
{
    size_t n = *s_count (t);
    for (size_t i = 0; i < n; i++)
        if (s_val_equal (m->key, s_load (m->key, (char *) s_entry (t, i) + m->key->offset), key))
            return i;
    return SIZE_MAX;
}

// Append a new entry holding `key` (owned, consumed) and the value's default. NULL when out of memory (the
// key freed).
static ProtobufCMessage *
s_map_add (const s_target_t *t, const s_map_t *m, s_val_t *key, rom_call_t *call)
{
    ProtobufCMessage *e = malloc (m->entry->sizeof_message);
    if (!e || s_reserve (t, 1, call) != ROM_OK) {
        free (e);
        s_val_free (m->key, key);
        return NULL;
    }
    protobuf_c_message_init (m->entry, e);
    s_store (m->key, (char *) e + m->key->offset, *key);
    memset (key, 0, sizeof *key);
    *(ProtobufCMessage **) s_item (t, t->field, *s_count (t)) = e;
    (*s_count (t))++;
    return e;
}

// --- the operations ---------------------------------------------------------------------------------------

static rom_status_t
s_out_value (const ProtobufCFieldDescriptor *f, const void *slot, Rom__StateResult *out, Rom__Change *change,
             rom_call_t *call)
{
    rom_status_t status = s_to_wire (f, s_load (f, slot), &out->value, call);
    if (change)
        change->value = out->value;
    return status;
}

static rom_status_t
s_singular (const s_target_t *t, const Rom__StateOp *op, Rom__StateResult *out, bool *modified,
            Rom__Change *change, rom_call_t *call)
{
    const ProtobufCFieldDescriptor *f = t->field;
    void *slot = (char *) t->msg + f->offset;
    s_class_t c = s_class (f);
    s_val_t v;
    rom_status_t status;
    switch ((unsigned) op->op) {
    case ROM_STATE_GET: return s_to_wire (f, s_load (f, slot), &out->value, call);
    case ROM_STATE_SET:
        if ((status = s_from_wire (t, f, op->value, &v, call)) != ROM_OK)
            return status;
        s_store (f, slot, v);
        s_set_has (f, t->msg, true);
        *modified = true;
        return s_out_value (f, slot, out, change, call);
    case ROM_STATE_CLEAR:
        s_slot_free (f, slot);
        if (c == S_STRING)
            *(char **) slot = (char *) f->default_value;
        else if (c == S_BYTES) {
            if (f->default_value)
                *(ProtobufCBinaryData *) slot = *(const ProtobufCBinaryData *) f->default_value;
        } else if (c != S_MESSAGE) {
            if (f->default_value)
                memcpy (slot, f->default_value, s_slot_size (f));
            else
                memset (slot, 0, s_slot_size (f));
        }
        s_set_has (f, t->msg, false);
        *modified = true;
        return s_out_value (f, slot, out, change, call);
    case ROM_STATE_ADD:
    case ROM_STATE_MIN:
    case ROM_STATE_MAX: {
        if (!s_is_number (f))
            return s_wrong (call, t, op->op, "a number field");
        s_val_t cur = s_load (f, slot);
        if ((unsigned) op->op == ROM_STATE_ADD)
            status = s_add (t, f, cur, op->value, &v, call);
        else
            status = s_from_wire (t, f, op->value, &v, call);
        if (status != ROM_OK)
            return status;
        if ((unsigned) op->op == ROM_STATE_MIN && s_compare (f, cur, v) <= 0)
            v = cur;
        if ((unsigned) op->op == ROM_STATE_MAX && s_compare (f, cur, v) >= 0)
            v = cur;
        s_store (f, slot, v);
        s_set_has (f, t->msg, true);
        *modified = true;
        return s_out_value (f, slot, out, change, call);
    }
    case ROM_STATE_CAS: {
        if (c == S_MESSAGE || c == S_BYTES)
            return s_wrong (call, t, op->op, "a number, bool, enum or string field");
        s_val_t expected, desired;
        if ((status = s_from_wire (t, f, op->value, &expected, call)) != ROM_OK)
            return status;
        if ((status = s_from_wire (t, f, op->value2, &desired, call)) != ROM_OK) {
            s_val_free (f, &expected);
            return status;
        }
        out->flag = s_val_equal (f, s_load (f, slot), expected);
        s_val_free (f, &expected);
        if (out->flag) {
            s_store (f, slot, desired);
            s_set_has (f, t->msg, true);
            *modified = true;
        } else
            s_val_free (f, &desired);
        return s_out_value (f, slot, out, out->flag ? change : NULL, call);
    }
    case ROM_STATE_TOGGLE:
        if (c != S_BOOL)
            return s_wrong (call, t, op->op, "a bool field");
        v.b = !*(protobuf_c_boolean *) slot;
        s_store (f, slot, v);
        s_set_has (f, t->msg, true);
        *modified = true;
        return s_out_value (f, slot, out, change, call);
    case ROM_STATE_APPEND: {
        if (c != S_STRING && c != S_BYTES)
            return s_wrong (call, t, op->op, "a string, bytes or repeated field");
        s_val_t add, cur = s_load (f, slot);
        if ((status = s_from_wire (t, f, op->value, &add, call)) != ROM_OK)
            return status;
        size_t a = c == S_STRING ? (cur.s ? strlen (cur.s) : 0) : cur.bin.len;
        size_t b = c == S_STRING ? strlen (add.s) : add.bin.len;
        char *joined = malloc (a + b + 1);
        if (!joined) {
            s_val_free (f, &add);
            return s_nomem (call);
        }
        if (a)
            memcpy (joined, c == S_STRING ? cur.s : (char *) cur.bin.data, a);
        if (b)
            memcpy (joined + a, c == S_STRING ? add.s : (char *) add.bin.data, b);
        joined[a + b] = 0;
        s_val_free (f, &add);
        if (c == S_STRING)
            v.s = joined;
        else
            v.bin.data = (uint8_t *) joined, v.bin.len = a + b;
        s_store (f, slot, v);
        s_set_has (f, t->msg, true);
        *modified = true;
        return s_out_value (f, slot, out, change, call);
    }
    case ROM_STATE_LEN: {
        if (c != S_STRING && c != S_BYTES)
            return s_wrong (call, t, op->op, "a string, bytes, repeated or map field");
        s_val_t cur = s_load (f, slot);
        if (c == S_BYTES)
            out->size = cur.bin.len;
        else // code points, as Python's len
            for (const unsigned char *p = (const unsigned char *) (cur.s ? cur.s : ""); *p; p++)
                out->size += (*p & 0xC0) != 0x80;
        return ROM_OK;
    }
    default: {
        char what[64];
        return s_fail (call, ROM_WRONG_TYPE, t, "%s does not apply to %s", s_op_name (op->op),
                       s_describe (f, what, sizeof what));
    }
    }
}

// EXTEND (append every item) and SET of a repeated field (`replace`: the items become the field's, Python's
// l[:] = items). Every item is converted before anything is stored: all or nothing.
static rom_status_t
s_extend (const s_target_t *t, const Rom__StateOp *op, bool replace, Rom__StateResult *out, bool *modified,
          Rom__Change *change, rom_call_t *call)
{
    const ProtobufCFieldDescriptor *f = t->field;
    s_val_t *vals = rom_call_alloc (call, (op->n_items ? op->n_items : 1) * sizeof *vals);
    if (!vals)
        return s_nomem (call);
    size_t done = 0;
    rom_status_t status = ROM_OK;
    for (; done < op->n_items && status == ROM_OK; done++)
        status = s_from_wire (t, f, op->items[done], &vals[done], call);
    if (status == ROM_OK) // room for them all before anything changes: nothing can fail after this
        status = s_reserve (t, op->n_items, call);
    if (status != ROM_OK) {
        for (size_t i = 0; i < done; i++)
            s_val_free (f, &vals[i]);
        return status;
    }
    size_t n = *s_count (t);
    if (replace) { // the old items go, the array stays (it has the room)
        for (size_t i = 0; i < n; i++)
            s_slot_free (f, s_item (t, f, i));
        n = 0;
    }
    for (size_t i = 0; i < op->n_items; i++) {
        memset (s_item (t, f, n + i), 0, s_slot_size (f));
        s_store (f, s_item (t, f, n + i), vals[i]);
    }
    *s_count (t) = n + op->n_items;
    *modified = replace || op->n_items > 0;
    out->size = n + op->n_items;
    change->index = (int64_t) n;
    return ROM_OK;
}

static rom_status_t
s_repeated (const s_target_t *t, const Rom__StateOp *op, Rom__StateResult *out, bool *modified,
            Rom__Change *change, rom_call_t *call)
{
    const ProtobufCFieldDescriptor *f = t->field;
    size_t n = *s_count (t), at = 0;
    s_val_t v;
    rom_status_t status;
    switch ((unsigned) op->op) {
    case ROM_STATE_GET: return s_items_to_wire (t, f, 0, n, SIZE_MAX, &out->items, &out->n_items, call);
    case ROM_STATE_LEN: out->size = n; return ROM_OK;
    case ROM_STATE_APPEND:
        if ((status = s_from_wire (t, f, op->value, &v, call)) != ROM_OK)
            return status;
        if ((status = s_reserve (t, 1, call)) != ROM_OK) {
            s_val_free (f, &v);
            return status;
        }
        memset (s_item (t, f, n), 0, s_slot_size (f));
        s_store (f, s_item (t, f, n), v);
        *s_count (t) = n + 1;
        *modified = true;
        out->size = n + 1;
        change->index = (int64_t) n;
        return s_out_value (f, s_item (t, f, n), out, change, call);
    case ROM_STATE_EXTEND: return s_extend (t, op, false, out, modified, change, call);
    case ROM_STATE_SET:
        if (op->value && op->value->kind_case != ROM__STATE_VALUE__KIND__NOT_SET)
            return s_fail (call, ROM_WRONG_TYPE, t,
                           "SET of a repeated field takes items (l[:] = items), not a value");
        return s_extend (t, op, true, out, modified, change, call);
    case ROM_STATE_AT:
    case ROM_STATE_SET_AT:
    case ROM_STATE_REMOVE_AT:
        if (!s_index (op->index, n, &at))
            return s_fail (call, ROM_OUT_OF_RANGE, t, "index %" PRId64 " is out of range (%zu items)",
                           op->index, n);
        change->index = (int64_t) at;
        if ((unsigned) op->op == ROM_STATE_AT)
            return s_to_wire (f, s_load (f, s_item (t, f, at)), &out->value, call);
        if ((unsigned) op->op == ROM_STATE_SET_AT) {
            if ((status = s_from_wire (t, f, op->value, &v, call)) != ROM_OK)
                return status;
            s_store (f, s_item (t, f, at), v);
            *modified = true;
            return s_out_value (f, s_item (t, f, at), out, change, call);
        }
        // REMOVE_AT: the removed item is the result (copied out before it is freed).
        if ((status = s_out_value (f, s_item (t, f, at), out, change, call)) != ROM_OK)
            return status;
        s_remove (t, at, true);
        *modified = true;
        return ROM_OK;
    case ROM_STATE_CLEAR:
        s_clear_repeated (t);
        *modified = true;
        return ROM_OK;
    case ROM_STATE_SLICE: {
        // Python's clamping: negative counts from the end, then both are clamped into [0, n].
        int64_t lo = op->index, hi = op->stop, len = (int64_t) n;
        if (lo < 0)
            lo = lo + len < 0 ? 0 : lo + len;
        if (hi < 0)
            hi = hi + len < 0 ? 0 : hi + len;
        if (lo > len)
            lo = len;
        if (hi > len)
            hi = len;
        return s_items_to_wire (t, f, (size_t) lo, hi > lo ? (size_t) hi : (size_t) lo, SIZE_MAX, &out->items,
                                &out->n_items, call);
    }
    default: {
        char what[64];
        return s_fail (call, ROM_WRONG_TYPE, t, "%s does not apply to %s", s_op_name (op->op),
                       s_describe (f, what, sizeof what));
    }
    }
}

static rom_status_t
s_mapop (const s_target_t *t, const Rom__StateOp *op, Rom__StateResult *out, bool *modified,
         Rom__Change *change, rom_call_t *call)
{
    s_map_t m = s_map (t->field);
    size_t n = *s_count (t);
    s_val_t key = {0}, v;
    rom_status_t status;
    unsigned code = op->op;
    switch (code) {
    case ROM_STATE_GET: {
        status = s_items_to_wire (t, m.key, 0, n, m.key->offset, &out->items, &out->n_items, call);
        if (status == ROM_OK)
            status = s_items_to_wire (t, m.value, 0, n, m.value->offset, &out->values, &out->n_values, call);
        return status;
    }
    case ROM_STATE_KEYS:
        return s_items_to_wire (t, m.key, 0, n, m.key->offset, &out->items, &out->n_items, call);
    case ROM_STATE_LEN: out->size = n; return ROM_OK;
    case ROM_STATE_CLEAR:
        s_clear_repeated (t);
        *modified = true;
        return ROM_OK;
    case ROM_STATE_PUT:
    case ROM_STATE_MAP_GET:
    case ROM_STATE_DEL:
    case ROM_STATE_INCR:
    case ROM_STATE_CONTAINS: break;
    default: {
        return s_fail (call, ROM_WRONG_TYPE, t, "%s does not apply to a map", s_op_name (code));
    }
    }
    if ((status = s_from_wire (t, m.key, op->key, &key, call)) != ROM_OK)
        return status;
    size_t at = s_map_find (t, &m, key);
    change->key = op->key;
    ProtobufCMessage *e = at == SIZE_MAX ? NULL : s_entry (t, at);
    if (code == ROM_STATE_CONTAINS || code == ROM_STATE_MAP_GET || code == ROM_STATE_DEL) {
        Rom__StateValue *kw = NULL;
        s_to_wire (m.key, key, &kw, call);
        s_val_free (m.key, &key);
        if (code == ROM_STATE_CONTAINS) {
            out->flag = e != NULL;
            return ROM_OK;
        }
        if (!e) {
            char repr[96] = "";
            if (kw && kw->kind_case == KIND (S))
                snprintf (repr, sizeof repr, "'%s'", kw->s);
            else if (kw && kw->kind_case == KIND (I))
                snprintf (repr, sizeof repr, "%" PRId64, kw->i);
            else if (kw && kw->kind_case == KIND (U))
                snprintf (repr, sizeof repr, "%" PRIu64, kw->u);
            else if (kw && kw->kind_case == KIND (B))
                snprintf (repr, sizeof repr, "%s", kw->b ? "True" : "False");
            return s_fail (call, ROM_NOT_FOUND, t, "no key %s", repr);
        }
        if ((status = s_out_value (m.value, (char *) e + m.value->offset, out, NULL, call)) != ROM_OK)
            return status;
        if (code == ROM_STATE_DEL) {
            protobuf_c_message_free_unpacked (e, NULL);
            s_remove (t, at, false);
            *modified = true;
        }
        return ROM_OK;
    }
    // PUT, INCR: the value converted and checked before any entry is made.
    if (code == ROM_STATE_INCR) {
        if (!s_is_number (m.value)) {
            s_val_free (m.key, &key);
            return s_fail (call, ROM_WRONG_TYPE, t, "INCR needs a map of numbers, not of %s",
                           s_type_name (m.value->type));
        }
        s_val_t zero = {0};
        status = s_add (t, m.value, e ? s_load (m.value, (char *) e + m.value->offset) : zero, op->value, &v,
                        call);
    } else
        status = s_from_wire (t, m.value, op->value, &v, call);
    if (status != ROM_OK) {
        s_val_free (m.key, &key);
        return status;
    }
    if (!e) {
        if (!(e = s_map_add (t, &m, &key, call))) {
            s_val_free (m.value, &v);
            return s_nomem (call);
        }
        at = n;
    } else
        s_val_free (m.key, &key);
    s_store (m.value, (char *) e + m.value->offset, v);
    *modified = true;
    change->index = (int64_t) at;
    return s_out_value (m.value, (char *) e + m.value->offset, out, change, call);
}

// GET or SET of the whole state.
static rom_status_t
s_whole (ProtobufCMessage *state, const Rom__StateOp *op, Rom__StateResult *out, bool *modified,
         Rom__Change *change, rom_call_t *call)
{
    s_target_t t = {.msg = state, .owner = state->descriptor};
    ProtobufCFieldDescriptor whole = {.name = "",
                                      .type = PROTOBUF_C_TYPE_MESSAGE,
                                      .descriptor = state->descriptor};
    if ((unsigned) op->op == ROM_STATE_GET) {
        s_val_t v = {.m = state};
        return s_to_wire (&whole, v, &out->value, call);
    }
    if ((unsigned) op->op != ROM_STATE_SET)
        return s_fail (call, ROM_WRONG_TYPE, &t, "%s needs a field (the whole state takes GET and SET)",
                       s_op_name (op->op));
    s_val_t v;
    rom_status_t status = s_from_wire (&t, &whole, op->value, &v, call);
    if (status != ROM_OK)
        return status;
    romi_state_replace (state, v.m);
    *modified = true;
    s_val_t now = {.m = state};
    status = s_to_wire (&whole, now, &out->value, call);
    change->value = out->value;
    return status;
}

rom_status_t
romi_state_exec (ProtobufCMessage *state, const Rom__StateOp *op, Rom__StateResult *out, bool *modified,
                 Rom__Change *change, rom_call_t *call)
{
    *modified = false;
    s_target_t t;
    rom_status_t status = s_resolve (state, op->path, op->n_path, s_modifies (op->op), &t, call);
    if (status != ROM_OK)
        return status;
    change->n_path = op->n_path;
    change->path = op->path;
    change->op = op->op;
    if ((unsigned) op->op < ROM_STATE_GET || (unsigned) op->op > ROM_STATE_CONTAINS)
        return s_fail (call, ROM_INVALID, &t, "unknown operation %d", (int) op->op);
    if (!t.field)
        return s_whole (state, op, out, modified, change, call);
    if (s_is_map (t.field))
        return s_mapop (&t, op, out, modified, change, call);
    if (t.field->label == PROTOBUF_C_LABEL_REPEATED)
        return s_repeated (&t, op, out, modified, change, call);
    return s_singular (&t, op, out, modified, change, call);
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
            s_target_t t = {.msg = state, .owner = d, .field = f};
            s_clear_repeated (&t);
        } else
            s_slot_free (f, (char *) state + f->offset);
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
