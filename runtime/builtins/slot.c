// slot.c: the storage the built-in data types share. A slot is an owned copy of a Variant in 24 bytes;
// typecode checks turn a Variant into a C number of the right range or refuse it with a status Python
// would raise (TypeError: WRONG_TYPE, OverflowError/IndexError: OUT_OF_RANGE); the ordered map is CPython's
// compact dict (an array of entries in insertion order plus an index of their positions), chosen over a
// chained hash table because it keeps Python's iteration order for free and costs no allocation per entry.
#include "slot.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

// ---- slots ------------------------------------------------------------------------------------------------

static char *
s_memdup (const void *data, size_t len)
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
    copy->endpoint = s_memdup (ref->endpoint ? ref->endpoint : "",
                               ref->endpoint ? strlen (ref->endpoint) : 0);
    copy->type = s_memdup (ref->type ? ref->type : "", ref->type ? strlen (ref->type) : 0);
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
            next.s.data = s_memdup (v->string_value, next.s.len);
            if (!next.s.data)
                return rom_call_fail (call, ROM_NOMEM, "server out of memory");
            break;
        case KIND (BYTES_VALUE):
            next.s.len = v->bytes_value.len;
            next.s.data = s_memdup (v->bytes_value.data, next.s.len);
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

// ---- ordered map ------------------------------------------------------------------------------------------

#define S_EMPTY 0u
#define S_DELETED UINT32_MAX

static uint64_t
s_mix (uint64_t x)
{
    // splitmix64's finalizer: consecutive integer keys spread over the whole index.
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t
s_hash_bytes (const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 1099511628211ull;
    }
    return s_mix (h ^ 0x5bd1e995u);
}

romi_key_t
romi_key_from_string (const char *s)
{
    size_t len = strlen (s);
    romi_slot_t v = {.kind = KIND (STRING_VALUE), .s = {.data = (char *) s, .len = len}};
    return (romi_key_t) {.v = v, .hash = s_hash_bytes (s, len)};
}

static bool
s_is_number_key (int kind)
{
    return kind == KIND (INT_VALUE) || kind == KIND (UINT_VALUE) || kind == KIND (DOUBLE_VALUE)
           || kind == KIND (BOOL_VALUE);
}

// A number (or bool) reduced to what Python's == compares: a whole value within int64 .. uint64 is an
// integer (a sign and a magnitude, so -1 and 2^64-1 stay apart), any other double is itself, and every NaN
// is one value. Equal numbers of any kind reduce alike, so they hash alike.
typedef struct {
    enum { S_NUM_INT, S_NUM_FLOAT, S_NUM_NAN } cls;
    bool neg;
    uint64_t mag;
    double d;
} s_num_t;

static s_num_t
s_num_of (const romi_slot_t *v)
{
    switch (v->kind) {
    case KIND (INT_VALUE):
        return (s_num_t) {.cls = S_NUM_INT,
                          .neg = v->i < 0,
                          .mag = v->i < 0 ? 0 - (uint64_t) v->i : (uint64_t) v->i};
    case KIND (UINT_VALUE): return (s_num_t) {.cls = S_NUM_INT, .mag = v->u};
    case KIND (BOOL_VALUE): return (s_num_t) {.cls = S_NUM_INT, .mag = v->b ? 1 : 0};
    default: break;
    }
    double d = v->d;
    if (isnan (d))
        return (s_num_t) {.cls = S_NUM_NAN};
    // Whole when the conversion (a truncation, defined within these bounds) reads back the same; -0.0 is 0.
    // Not floor (): the library does not link libm.
    if (d >= -9223372036854775808.0 && d < 0) {
        int64_t i = (int64_t) d;
        if ((double) i == d)
            return (s_num_t) {.cls = S_NUM_INT, .neg = true, .mag = 0 - (uint64_t) i};
    } else if (d >= 0 && d < 18446744073709551616.0) {
        uint64_t u = (uint64_t) d;
        if ((double) u == d)
            return (s_num_t) {.cls = S_NUM_INT, .mag = u};
    }
    return (s_num_t) {.cls = S_NUM_FLOAT, .d = d};
}

static uint64_t
s_key_hash (const romi_slot_t *v)
{
    if (s_is_number_key (v->kind)) {
        s_num_t n = s_num_of (v);
        if (n.cls == S_NUM_INT) // as the int64 key always hashed: s_mix of its two's complement
            return s_mix (n.neg ? 0 - n.mag : n.mag);
        if (n.cls == S_NUM_NAN)
            return s_mix (0x7ff8000000000000ull);
        uint64_t bits;
        memcpy (&bits, &n.d, sizeof bits);
        return s_mix (bits ^ 0x9e3779b97f4a7c15ull);
    }
    switch (v->kind) {
    case KIND (STRING_VALUE): return s_hash_bytes (v->s.data, v->s.len);
    case KIND (BYTES_VALUE): return s_hash_bytes (v->s.data, v->s.len) ^ 0xb7e151628aed2a6bull; // b"a" != "a"
    default: return s_mix (0x4e6f6e65u);                                                        // None
    }
}

rom_status_t
romi_key_from_variant (const romi_variant_msg_t *v, romi_key_t *key, rom_call_t *call)
{
    romi_slot_t s = ROM_SLOT_NONE;
    s.kind = (uint8_t) (v ? v->kind_case : KIND (_NOT_SET));
    switch (s.kind) {
    case KIND (_NOT_SET): break;
    case KIND (INT_VALUE): s.i = v->int_value; break;
    case KIND (UINT_VALUE): s.u = v->uint_value; break;
    case KIND (DOUBLE_VALUE): s.d = v->double_value; break;
    case KIND (BOOL_VALUE): s.b = v->bool_value; break;
    case KIND (STRING_VALUE):
        s.s.data = v->string_value ? v->string_value : "";
        s.s.len = strlen (s.s.data);
        break;
    case KIND (BYTES_VALUE):
        s.s.data = (char *) v->bytes_value.data;
        s.s.len = v->bytes_value.len;
        break;
    default: // an object reference: Python's proxies are not keys of a managed dict or set either
        return rom_call_fail (call, ROM_WRONG_TYPE, "unhashable type: %s", romi_variant_kind_name (v));
    }
    *key = (romi_key_t) {.v = s, .hash = s_key_hash (&s)};
    return ROM_OK;
}

bool
romi_key_equal (const romi_slot_t *stored, const romi_key_t *key)
{
    const romi_slot_t *v = &key->v;
    if (s_is_number_key (stored->kind) && s_is_number_key (v->kind)) {
        s_num_t x = s_num_of (stored), y = s_num_of (v);
        if (x.cls != y.cls)
            return false;
        return x.cls == S_NUM_NAN || (x.cls == S_NUM_FLOAT ? x.d == y.d : x.neg == y.neg && x.mag == y.mag);
    }
    if (stored->kind != v->kind)
        return false;
    if (v->kind == KIND (STRING_VALUE) || v->kind == KIND (BYTES_VALUE))
        return stored->s.len == v->s.len
               && (v->s.len == 0 || memcmp (stored->s.data, v->s.data, v->s.len) == 0);
    return true; // None
}

const char *
romi_key_repr (const romi_key_t *key, char *buf, size_t size)
{
    const romi_slot_t *k = &key->v;
    if (k->kind == KIND (STRING_VALUE)) {
        snprintf (buf, size, "'%.*s%s'", k->s.len > 60 ? 60 : (int) k->s.len, k->s.data,
                  k->s.len > 60 ? "..." : "");
        return buf;
    }
    // The other kinds through the public repr (Python's: 1.5, b'\x00', None, True), bytes cut at 60.
    rom_variant_t v = ROM_NONE;
    switch (k->kind) {
    case KIND (INT_VALUE): v = ROM_INT (k->i); break;
    case KIND (UINT_VALUE): v = ROM_UINT (k->u); break;
    case KIND (DOUBLE_VALUE): v = ROM_DOUBLE (k->d); break;
    case KIND (BOOL_VALUE): v = ROM_BOOL (k->b); break;
    case KIND (BYTES_VALUE): v = ROM_BYTES (k->s.data, k->s.len > 60 ? 60 : k->s.len); break;
    default: break;
    }
    char *text = rom_variant_repr (&v);
    snprintf (buf, size, "%s%s", text ? text : "?",
              k->kind == KIND (BYTES_VALUE) && k->s.len > 60 ? "..." : "");
    free (text);
    return buf;
}

void
romi_omap_init (romi_omap_t *map)
{
    memset (map, 0, sizeof *map);
}

void
romi_omap_clear (romi_omap_t *map, rom_call_t *call)
{
    for (size_t i = 0; i < map->n_entries; i++) {
        romi_slot_clear (&map->entries[i].key);
        romi_slot_release (&map->entries[i].value, call);
    }
    free (map->entries);
    free (map->index);
    romi_omap_init (map);
}

static bool
s_key_matches (const romi_omap_entry_t *e, const romi_key_t *key)
{
    return e->hash == key->hash && romi_key_equal (&e->key, key);
}

// The index cell of `key`: its entry's cell, or (when absent) the empty cell that ends its probe.
static size_t
s_probe (const romi_omap_t *map, const romi_key_t *key, bool *found)
{
    size_t mask = map->n_index - 1;
    for (size_t cell = key->hash & mask;; cell = (cell + 1) & mask) {
        uint32_t at = map->index[cell];
        if (at == S_EMPTY) {
            *found = false;
            return cell;
        }
        if (at != S_DELETED && s_key_matches (&map->entries[at - 1], key)) {
            *found = true;
            return cell;
        }
    }
}

romi_omap_entry_t *
romi_omap_find (romi_omap_t *map, const romi_key_t *key)
{
    if (map->live == 0)
        return NULL;
    bool found;
    size_t cell = s_probe (map, key, &found);
    return found ? &map->entries[map->index[cell] - 1] : NULL;
}

// Compact the entries (drop the holes) and rebuild an index of `n_index` cells.
static int
s_rebuild (romi_omap_t *map, size_t n_index)
{
    uint32_t *index = calloc (n_index, sizeof *index);
    if (!index)
        return -1;
    size_t kept = 0;
    for (size_t i = 0; i < map->n_entries; i++)
        if (map->entries[i].key.kind != ROMI_KEY_DELETED)
            map->entries[kept++] = map->entries[i];
    map->n_entries = kept;
    size_t mask = n_index - 1;
    for (size_t i = 0; i < kept; i++) {
        size_t cell = map->entries[i].hash & mask;
        while (index[cell] != S_EMPTY)
            cell = (cell + 1) & mask;
        index[cell] = (uint32_t) i + 1;
    }
    free (map->index);
    map->index = index;
    map->n_index = n_index;
    map->index_used = kept;
    return 0;
}

rom_status_t
romi_omap_insert (romi_omap_t *map, const romi_key_t *key, romi_omap_entry_t **entry_p, rom_call_t *call)
{
    if (map->n_entries >= UINT32_MAX - 2)
        return rom_call_fail (call, ROM_OUT_OF_RANGE, "too many entries");
    // Keep the index at most 2/3 full (deleted cells count: they lengthen probes).
    if ((map->index_used + 1) * 3 > map->n_index * 2) {
        size_t n_index = 8;
        while ((map->live + 1) * 3 > n_index)
            n_index *= 2;
        if (s_rebuild (map, n_index) != 0)
            return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    }
    if (map->n_entries == map->cap_entries) {
        if (map->live < map->n_entries / 2 && map->n_entries > 8) {
            if (s_rebuild (map, map->n_index) != 0) // holes are half: compact instead of growing
                return rom_call_fail (call, ROM_NOMEM, "server out of memory");
        } else {
            size_t cap = map->cap_entries ? map->cap_entries * 2 : 4;
            romi_omap_entry_t *entries = realloc (map->entries, cap * sizeof *entries);
            if (!entries)
                return rom_call_fail (call, ROM_NOMEM, "server out of memory");
            map->entries = entries;
            map->cap_entries = cap;
        }
    }
    romi_omap_entry_t *e = &map->entries[map->n_entries];
    *e = (romi_omap_entry_t) {.key = ROM_SLOT_NONE, .value = ROM_SLOT_NONE, .hash = key->hash};
    e->key = key->v;
    if (key->v.kind == KIND (STRING_VALUE) || key->v.kind == KIND (BYTES_VALUE)) {
        e->key.s.data = s_memdup (key->v.s.data, key->v.s.len);
        if (!e->key.s.data)
            return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    }
    bool found;
    size_t cell = s_probe (map, key, &found);
    map->index[cell] = (uint32_t) map->n_entries + 1;
    map->n_entries++;
    map->index_used++;
    map->live++;
    *entry_p = e;
    return ROM_OK;
}

void
romi_omap_remove (romi_omap_t *map, romi_omap_entry_t *entry, rom_call_t *call)
{
    size_t pos = (size_t) (entry - map->entries);
    size_t mask = map->n_index - 1;
    size_t cell = entry->hash & mask;
    while (map->index[cell] != pos + 1)
        cell = (cell + 1) & mask;
    map->index[cell] = S_DELETED;
    romi_slot_clear (&entry->key);
    entry->key.kind = ROMI_KEY_DELETED;
    romi_slot_release (&entry->value, call);
    map->live--;
    if (map->live == 0) {
        // Empty again: start afresh, so a dict used as a work queue does not keep a long tail of holes.
        romi_omap_clear (map, call);
    }
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
