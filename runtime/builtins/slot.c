// slot.c: the storage the built-in data types share. A slot is an owned copy of a Variant in 24 bytes;
// typecode checks turn a Variant into a C number of the right range or refuse it with a status Python
// would raise (TypeError: WRONG_TYPE, OverflowError/IndexError: OUT_OF_RANGE). The hashable keys and the
// ordered map built on slots are key.c's.
#include "slot.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

// ---- slots ------------------------------------------------------------------------------------------------

char *
romi_memdup (const void *data, size_t len)
{
    char *copy = malloc (len + 1);
    if (copy) {
        if (len)
            memcpy (copy, data, len);
        copy[len] = 0;
    }
    return copy;
}

static Rom__ObjectRef *
s_ref_copy (const Rom__ObjectRef *ref)
{
    Rom__ObjectRef *copy = malloc (sizeof *copy);
    if (!copy)
        return NULL;
    rom__object_ref__init (copy);
    copy->id = ref->id;
    copy->endpoint = romi_memdup (ref->endpoint ? ref->endpoint : "",
                                  ref->endpoint ? strlen (ref->endpoint) : 0);
    copy->type = romi_memdup (ref->type ? ref->type : "", ref->type ? strlen (ref->type) : 0);
    if (!copy->endpoint || !copy->type) {
        free (copy->endpoint);
        free (copy->type);
        free (copy);
        return NULL;
    }
    return copy;
}

static void
s_ref_free (Rom__ObjectRef *ref)
{
    if (ref) {
        free (ref->endpoint);
        free (ref->type);
        free (ref);
    }
}

rom_status_t
romi_slot_set (romi_slot_t *slot, const romi_variant_msg_t *v, rom_call_t *call)
{
    romi_slot_t next = ROM_SLOT_NONE;
    if (v) {
        next.kind = (uint8_t) v->kind_case;
        switch (v->kind_case) {
        case KIND (INT_VALUE): next.i = v->int_value; break;
        case KIND (UINT_VALUE): next.u = v->uint_value; break;
        case KIND (DOUBLE_VALUE): next.d = v->double_value; break;
        case KIND (BOOL_VALUE): next.b = v->bool_value; break;
        case KIND (STRING_VALUE):
            next.s.len = v->string_value ? strlen (v->string_value) : 0;
            next.s.data = romi_memdup (v->string_value, next.s.len);
            if (!next.s.data)
                return rom_call_fail (call, ROM_NOMEM, "server out of memory");
            break;
        case KIND (BYTES_VALUE):
            next.s.len = v->bytes_value.len;
            next.s.data = romi_memdup (v->bytes_value.data, next.s.len);
            if (!next.s.data)
                return rom_call_fail (call, ROM_NOMEM, "server out of memory");
            break;
        case KIND (REF_VALUE):
            if (!v->ref_value) {
                next.kind = KIND (_NOT_SET);
                break;
            }
            next.ref = s_ref_copy (v->ref_value);
            if (!next.ref)
                return rom_call_fail (call, ROM_NOMEM, "server out of memory");
            // Stored, the reference keeps its object alive (Python's proxy inside a managed dict).
            rom_status_t kept = rom_call_keep_ref (call, v->ref_value);
            if (kept != ROM_OK) {
                s_ref_free (next.ref);
                return kept;
            }
            break;
        default: next.kind = KIND (_NOT_SET); break;
        }
    }
    romi_slot_release (slot, call);
    *slot = next;
    return ROM_OK;
}

void
romi_slot_release (romi_slot_t *slot, rom_call_t *call)
{
    if (slot->kind == KIND (REF_VALUE) && call)
        rom_call_drop_ref (call, slot->ref->id);
    romi_slot_clear (slot);
}

void
romi_slot_clear (romi_slot_t *slot)
{
    if (slot->kind == KIND (STRING_VALUE) || slot->kind == KIND (BYTES_VALUE))
        free (slot->s.data);
    else if (slot->kind == KIND (REF_VALUE))
        s_ref_free (slot->ref);
    *slot = ROM_SLOT_NONE;
}

// The slot's reference, copied into the call's memory.
static Rom__ObjectRef *
s_ref_export (const Rom__ObjectRef *ref, rom_call_t *call)
{
    Rom__ObjectRef *copy = rom_call_alloc (call, sizeof *copy);
    char *endpoint = rom_call_strdup (call, ref->endpoint);
    char *type = rom_call_strdup (call, ref->type);
    if (!copy || !endpoint || !type)
        return NULL;
    rom__object_ref__init (copy);
    copy->id = ref->id;
    copy->endpoint = endpoint;
    copy->type = type;
    return copy;
}

rom_status_t
romi_slot_export (const romi_slot_t *slot, romi_variant_msg_t *out, rom_call_t *call)
{
    out->kind_case = (Rom__Builtins__Variant__KindCase) slot->kind;
    switch (slot->kind) {
    case KIND (INT_VALUE): out->int_value = slot->i; break;
    case KIND (UINT_VALUE): out->uint_value = slot->u; break;
    case KIND (DOUBLE_VALUE): out->double_value = slot->d; break;
    case KIND (BOOL_VALUE): out->bool_value = slot->b; break;
    case KIND (STRING_VALUE): out->string_value = slot->s.data; break;
    case KIND (BYTES_VALUE):
        out->bytes_value.data = (uint8_t *) slot->s.data;
        out->bytes_value.len = slot->s.len;
        break;
    case KIND (REF_VALUE):
        out->ref_value = s_ref_export (slot->ref, call);
        if (!out->ref_value) {
            out->kind_case = KIND (_NOT_SET);
            return rom_call_fail (call, ROM_NOMEM, "server out of memory");
        }
        break;
    default: out->kind_case = KIND (_NOT_SET); break;
    }
    return ROM_OK;
}

rom_status_t
romi_slot_export_copy (const romi_slot_t *slot, romi_variant_msg_t *out, rom_call_t *call)
{
    rom_status_t status = romi_slot_export (slot, out, call);
    if (status == ROM_OK && (slot->kind == KIND (STRING_VALUE) || slot->kind == KIND (BYTES_VALUE))) {
        char *copy = rom_call_alloc (call, slot->s.len + 1);
        if (!copy)
            return rom_call_fail (call, ROM_NOMEM, "server out of memory");
        memcpy (copy, slot->s.data, slot->s.len + 1);
        if (slot->kind == KIND (STRING_VALUE))
            out->string_value = copy;
        else
            out->bytes_value.data = (uint8_t *) copy;
    }
    return status;
}

// A number as a comparable triple: exact for integers, and doubles compare with integers only when they
// are whole and in range (so 2^63 as a double never equals INT64_MAX by rounding).
static bool
s_number_equal (const romi_slot_t *a, const romi_variant_msg_t *b)
{
    bool a_neg = a->kind == KIND (INT_VALUE) && a->i < 0;
    if (a->kind == KIND (DOUBLE_VALUE) || b->kind_case == KIND (DOUBLE_VALUE)) {
        double x = a->kind == KIND (DOUBLE_VALUE) ? a->d
                   : a->kind == KIND (INT_VALUE)  ? (double) a->i
                                                  : (double) a->u;
        double y = b->kind_case == KIND (DOUBLE_VALUE) ? b->double_value
                   : b->kind_case == KIND (INT_VALUE)  ? (double) b->int_value
                                                       : (double) b->uint_value;
        if (x != y)
            return false;
        // Equal as doubles: exact unless an integer side lost bits in the conversion.
        if (a->kind == KIND (INT_VALUE) && b->kind_case == KIND (DOUBLE_VALUE))
            return y >= -9223372036854775808.0 && y < 9223372036854775808.0 && (int64_t) y == a->i;
        if (a->kind == KIND (UINT_VALUE) && b->kind_case == KIND (DOUBLE_VALUE))
            return y >= 0 && y < 18446744073709551616.0 && (uint64_t) y == a->u;
        if (b->kind_case == KIND (INT_VALUE) && a->kind == KIND (DOUBLE_VALUE))
            return x >= -9223372036854775808.0 && x < 9223372036854775808.0 && (int64_t) x == b->int_value;
        if (b->kind_case == KIND (UINT_VALUE) && a->kind == KIND (DOUBLE_VALUE))
            return x >= 0 && x < 18446744073709551616.0 && (uint64_t) x == b->uint_value;
        return true;
    }
    bool b_neg = b->kind_case == KIND (INT_VALUE) && b->int_value < 0;
    if (a_neg != b_neg)
        return false;
    uint64_t x = a->kind == KIND (INT_VALUE) ? (uint64_t) a->i : a->u;
    uint64_t y = b->kind_case == KIND (INT_VALUE) ? (uint64_t) b->int_value : b->uint_value;
    return x == y;
}

static bool
s_is_number (int kind)
{
    return kind == KIND (INT_VALUE) || kind == KIND (UINT_VALUE) || kind == KIND (DOUBLE_VALUE);
}

bool
romi_slot_equal (const romi_slot_t *slot, const romi_variant_msg_t *v)
{
    int kind = v ? (int) v->kind_case : KIND (_NOT_SET);
    if (s_is_number (slot->kind) && s_is_number (kind))
        return s_number_equal (slot, v);
    // Python's bool is an int: True == 1 == 1.0 (list.count, `in`, index, remove), as keys are
    // (romi_key_equal).
    if ((slot->kind == KIND (BOOL_VALUE) && s_is_number (kind))
        || (kind == KIND (BOOL_VALUE) && s_is_number (slot->kind))) {
        romi_slot_t a = *slot;
        romi_variant_msg_t b = *v;
        if (a.kind == KIND (BOOL_VALUE))
            a = (romi_slot_t) {.kind = KIND (INT_VALUE), .i = slot->b};
        if (b.kind_case == KIND (BOOL_VALUE)) {
            b.kind_case = KIND (INT_VALUE);
            b.int_value = v->bool_value;
        }
        return s_number_equal (&a, &b);
    }
    if (slot->kind != kind)
        return false;
    switch (kind) {
    case KIND (BOOL_VALUE): return slot->b == !!v->bool_value;
    case KIND (STRING_VALUE): {
        const char *s = v->string_value ? v->string_value : "";
        return strlen (s) == slot->s.len && memcmp (s, slot->s.data, slot->s.len) == 0;
    }
    case KIND (BYTES_VALUE):
        return v->bytes_value.len == slot->s.len
               && (slot->s.len == 0 || memcmp (v->bytes_value.data, slot->s.data, slot->s.len) == 0);
    case KIND (REF_VALUE):
        return v->ref_value && v->ref_value->id == slot->ref->id
               && strcmp (v->ref_value->endpoint ? v->ref_value->endpoint : "", slot->ref->endpoint) == 0;
    default: return true; // None == None
    }
}

const char *
romi_variant_kind_name (const romi_variant_msg_t *v)
{
    switch (v ? v->kind_case : KIND (_NOT_SET)) {
    case KIND (INT_VALUE): return "an int";
    case KIND (UINT_VALUE): return "an unsigned int";
    case KIND (DOUBLE_VALUE): return "a float";
    case KIND (BOOL_VALUE): return "a bool";
    case KIND (STRING_VALUE): return "a string";
    case KIND (BYTES_VALUE): return "bytes";
    case KIND (REF_VALUE): return "an object reference";
    default: return "None";
    }
}

// ---- typecodes --------------------------------------------------------------------------------------------

bool
romi_typecode_valid (int typecode, bool text_ok)
{
    // One line per case reads as a table.
    // clang-format off
    switch (typecode) {
    case 'b': case 'B': case 'h': case 'H': case 'i': case 'I': case 'l': case 'L': case 'q': case 'Q':
    case 'f': case 'd': case '?':
        return true;
    case 's': case 'y': return text_ok;
    default: return false;
    }
    // clang-format on
}

romi_tc_class_t
romi_typecode_class (int typecode)
{
    // One line per case reads as a table.
    // clang-format off
    switch (typecode) {
    case 'b': case 'h': case 'i': case 'l': case 'q': return ROM_TC_SIGNED;
    case 'f': case 'd': return ROM_TC_FLOAT;
    case '?': return ROM_TC_BOOL;
    case 's': return ROM_TC_STRING;
    case 'y': return ROM_TC_BYTES;
    default: return ROM_TC_UNSIGNED;
    }
    // clang-format on
}

size_t
romi_typecode_size (int typecode)
{
    // One line per case reads as a table.
    // clang-format off
    switch (typecode) {
    case 'b': case 'B': case '?': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'f': return 4;
    default: return 8;
    }
    // clang-format on
}

static int64_t
s_signed_min (int typecode)
{
    switch (typecode) {
    case 'b': return INT8_MIN;
    case 'h': return INT16_MIN;
    case 'i': return INT32_MIN;
    default: return INT64_MIN;
    }
}

static int64_t
s_signed_max (int typecode)
{
    switch (typecode) {
    case 'b': return INT8_MAX;
    case 'h': return INT16_MAX;
    case 'i': return INT32_MAX;
    default: return INT64_MAX;
    }
}

static uint64_t
s_unsigned_max (int typecode)
{
    switch (typecode) {
    case 'B': return UINT8_MAX;
    case 'H': return UINT16_MAX;
    case 'I': return UINT32_MAX;
    default: return UINT64_MAX;
    }
}

rom_status_t
romi_scalar_from_variant (int typecode, const romi_variant_msg_t *v, romi_scalar_t *out, rom_call_t *call,
                          const char *what)
{
    int kind = v ? (int) v->kind_case : KIND (_NOT_SET);
    romi_tc_class_t cls = romi_typecode_class (typecode);
    switch (cls) {
    case ROM_TC_SIGNED:
        if (kind == KIND (INT_VALUE) && v->int_value >= s_signed_min (typecode)
            && v->int_value <= s_signed_max (typecode)) {
            out->i = v->int_value;
            return ROM_OK;
        }
        if (kind == KIND (UINT_VALUE) && v->uint_value <= (uint64_t) s_signed_max (typecode)) {
            out->i = (int64_t) v->uint_value;
            return ROM_OK;
        }
        if (kind == KIND (INT_VALUE) || kind == KIND (UINT_VALUE)) {
            char num[32];
            if (kind == KIND (INT_VALUE))
                snprintf (num, sizeof num, "%" PRId64, v->int_value);
            else
                snprintf (num, sizeof num, "%" PRIu64, v->uint_value);
            return rom_call_fail (call, ROM_OUT_OF_RANGE,
                                  "%s: %s is out of range for typecode '%c' (%" PRId64 " .. %" PRId64 ")",
                                  what, num, typecode, s_signed_min (typecode), s_signed_max (typecode));
        }
        break;
    case ROM_TC_UNSIGNED:
        if (kind == KIND (UINT_VALUE) && v->uint_value <= s_unsigned_max (typecode)) {
            out->u = v->uint_value;
            return ROM_OK;
        }
        if (kind == KIND (INT_VALUE) && v->int_value >= 0
            && (uint64_t) v->int_value <= s_unsigned_max (typecode)) {
            out->u = (uint64_t) v->int_value;
            return ROM_OK;
        }
        if (kind == KIND (INT_VALUE) || kind == KIND (UINT_VALUE)) {
            char num[32];
            if (kind == KIND (INT_VALUE))
                snprintf (num, sizeof num, "%" PRId64, v->int_value);
            else
                snprintf (num, sizeof num, "%" PRIu64, v->uint_value);
            return rom_call_fail (call, ROM_OUT_OF_RANGE,
                                  "%s: %s is out of range for typecode '%c' (0 .. %" PRIu64 ")", what, num,
                                  typecode, s_unsigned_max (typecode));
        }
        break;
    case ROM_TC_FLOAT: {
        double d;
        if (kind == KIND (DOUBLE_VALUE))
            d = v->double_value;
        else if (kind == KIND (INT_VALUE))
            d = (double) v->int_value;
        else if (kind == KIND (UINT_VALUE))
            d = (double) v->uint_value;
        else
            break;
        if (typecode == 'f') {
            if (isfinite (d) && fabs (d) > FLT_MAX)
                return rom_call_fail (call, ROM_OUT_OF_RANGE, "%s: %g is out of range for typecode 'f'", what,
                                      d);
            d = (double) (float) d;
        }
        out->d = d;
        return ROM_OK;
    }
    case ROM_TC_BOOL:
        if (kind == KIND (BOOL_VALUE)) {
            out->b = v->bool_value;
            return ROM_OK;
        }
        break;
    default: break;
    }
    return rom_call_fail (call, ROM_WRONG_TYPE, "%s: %s cannot be stored with typecode '%c'", what,
                          romi_variant_kind_name (v), typecode);
}

void
romi_scalar_export (int typecode, romi_scalar_t scalar, romi_variant_msg_t *out)
{
    switch (romi_typecode_class (typecode)) {
    case ROM_TC_SIGNED: out->kind_case = KIND (INT_VALUE), out->int_value = scalar.i; break;
    case ROM_TC_UNSIGNED: out->kind_case = KIND (UINT_VALUE), out->uint_value = scalar.u; break;
    case ROM_TC_FLOAT: out->kind_case = KIND (DOUBLE_VALUE), out->double_value = scalar.d; break;
    case ROM_TC_BOOL: out->kind_case = KIND (BOOL_VALUE), out->bool_value = scalar.b; break;
    default: out->kind_case = KIND (_NOT_SET); break;
    }
}

// ---- Python indexes ---------------------------------------------------------------------------------------

rom_status_t
romi_index_resolve (int64_t index, size_t len, size_t *pos, rom_call_t *call, const char *what)
{
    int64_t at = index < 0 ? index + (int64_t) len : index;
    if (at < 0 || (uint64_t) at >= len)
        return rom_call_fail (call, ROM_OUT_OF_RANGE, "%s index %" PRId64 " out of range (length %zu)", what,
                              index, len);
    *pos = (size_t) at;
    return ROM_OK;
}

static size_t
s_clamp (int64_t bound, size_t len)
{
    if (bound < 0) {
        bound += (int64_t) len;
        return bound < 0 ? 0 : (size_t) bound;
    }
    return (uint64_t) bound > len ? len : (size_t) bound;
}

void
romi_slice_resolve (int64_t start, int64_t stop, size_t len, size_t *from, size_t *to)
{
    *from = s_clamp (start, len);
    *to = s_clamp (stop, len);
    if (*to < *from)
        *to = *from;
}

rom_status_t
romi_reply_room (rom_call_t *call, size_t n, size_t cost)
{
    if (n <= rom_call_max_reply (call) / cost)
        return ROM_OK;
    return rom_call_fail (call, ROM_TOO_LARGE,
                          "%zu items are over the reply limit (max_message): read them in parts (a slice, or "
                          "an iteration)",
                          n);
}

romi_variant_msg_t **
romi_variants_alloc (rom_call_t *call, size_t n)
{
    if (n == 0)
        return NULL;
    romi_variant_msg_t **items = rom_call_alloc (call, n * sizeof *items);
    romi_variant_msg_t *cells = rom_call_alloc (call, n * sizeof *cells);
    if (!items || !cells)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        rom__builtins__variant__init (&cells[i]);
        items[i] = &cells[i];
    }
    return items;
}
