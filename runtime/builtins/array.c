// array.c: the servant of rom.builtins.Array, a fixed-length typed array (Python's multiprocessing.Array).
// Elements are stored packed in their C type (an Array ('b', 1000000) is 1 MB, not 24 MB of slots) and
// travel packed in Elements' repeated field of their class. Every index is Python's and checked; a slice
// assignment checks every item before it stores any, so a refused call leaves the array unchanged.
#include "builtins.h"
#include "slot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rom/builtins/array.rom.h"

typedef struct {
    int typecode;
    size_t length;
    unsigned char *data; // length * romi_typecode_size (typecode) bytes
} s_array_t;

static romi_scalar_t
s_load (const s_array_t *a, size_t i)
{
    romi_scalar_t v = {0};
    const unsigned char *p = a->data + i * romi_typecode_size (a->typecode);
    // One line per case reads as a table.
    // clang-format off
    switch (a->typecode) {
    case 'b': v.i = *(const int8_t *) p; break;
    case 'h': { int16_t x; memcpy (&x, p, sizeof x); v.i = x; break; }
    case 'i': { int32_t x; memcpy (&x, p, sizeof x); v.i = x; break; }
    case 'l': case 'q': memcpy (&v.i, p, sizeof v.i); break;
    case 'B': v.u = *p; break;
    case 'H': { uint16_t x; memcpy (&x, p, sizeof x); v.u = x; break; }
    case 'I': { uint32_t x; memcpy (&x, p, sizeof x); v.u = x; break; }
    case 'L': case 'Q': memcpy (&v.u, p, sizeof v.u); break;
    case 'f': { float x; memcpy (&x, p, sizeof x); v.d = x; break; }
    case 'd': memcpy (&v.d, p, sizeof v.d); break;
    case '?': v.b = *p != 0; break;
    default: break;
    }
    // clang-format on
    return v;
}

// `v` has been range-checked for the typecode, so the narrowing casts are exact.
static void
s_store (s_array_t *a, size_t i, romi_scalar_t v)
{
    unsigned char *p = a->data + i * romi_typecode_size (a->typecode);
    // One line per case reads as a table.
    // clang-format off
    switch (a->typecode) {
    case 'b': *(int8_t *) p = (int8_t) v.i; break;
    case 'h': { int16_t x = (int16_t) v.i; memcpy (p, &x, sizeof x); break; }
    case 'i': { int32_t x = (int32_t) v.i; memcpy (p, &x, sizeof x); break; }
    case 'l': case 'q': memcpy (p, &v.i, sizeof v.i); break;
    case 'B': *p = (uint8_t) v.u; break;
    case 'H': { uint16_t x = (uint16_t) v.u; memcpy (p, &x, sizeof x); break; }
    case 'I': { uint32_t x = (uint32_t) v.u; memcpy (p, &x, sizeof x); break; }
    case 'L': case 'Q': memcpy (p, &v.u, sizeof v.u); break;
    case 'f': { float x = (float) v.d; memcpy (p, &x, sizeof x); break; }
    case 'd': memcpy (p, &v.d, sizeof v.d); break;
    case '?': *p = v.b; break;
    default: break;
    }
    // clang-format on
}

// The number of elements `items` carries in the field of the array's class, and the field that other
// classes must leave empty (a mix is refused).
static rom_status_t
s_items_count (const s_array_t *a, const Rom__Builtins__Elements *items, size_t *n, rom_call_t *call)
{
    size_t counts[4] = {items ? items->n_ints : 0, items ? items->n_uints : 0, items ? items->n_doubles : 0,
                        items ? items->n_bools : 0};
    int mine;
    switch (romi_typecode_class (a->typecode)) {
    case ROM_TC_SIGNED: mine = 0; break;
    case ROM_TC_UNSIGNED: mine = 1; break;
    case ROM_TC_FLOAT: mine = 2; break;
    default: mine = 3; break;
    }
    static const char *const names[] = {"ints", "uints", "doubles", "bools"};
    // Integers are accepted where the class is another integer class or float: a caller filling an 'I'
    // array from int64_t values need not know the wire's unsigned field.
    for (int k = 0; k < 4; k++) {
        if (k == mine || counts[k] == 0)
            continue;
        bool convertible = (k == 0 || k == 1) && mine != 3;
        if (!convertible || counts[mine] != 0)
            return rom_call_fail (call, ROM_WRONG_TYPE, "Array of typecode '%c' cannot take %s", a->typecode,
                                  names[k]);
        mine = k;
    }
    *n = counts[mine];
    return ROM_OK;
}

// Element `i` of `items` as a Variant (whichever field carries them).
static romi_variant_msg_t
s_item (const Rom__Builtins__Elements *items, size_t i)
{
    romi_variant_msg_t v = ROM__BUILTINS__VARIANT__INIT;
    if (items->n_ints)
        v.kind_case = ROM__BUILTINS__VARIANT__KIND_INT_VALUE, v.int_value = items->ints[i];
    else if (items->n_uints)
        v.kind_case = ROM__BUILTINS__VARIANT__KIND_UINT_VALUE, v.uint_value = items->uints[i];
    else if (items->n_doubles)
        v.kind_case = ROM__BUILTINS__VARIANT__KIND_DOUBLE_VALUE, v.double_value = items->doubles[i];
    else
        v.kind_case = ROM__BUILTINS__VARIANT__KIND_BOOL_VALUE, v.bool_value = items->bools[i];
    return v;
}

// Check every item and store them at [from, from + n).
static rom_status_t
s_store_items (s_array_t *a, size_t from, const Rom__Builtins__Elements *items, size_t n, rom_call_t *call)
{
    romi_scalar_t *scalars = n ? malloc (n * sizeof *scalars) : NULL;
    if (n && !scalars)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    for (size_t i = 0; i < n; i++) {
        romi_variant_msg_t v = s_item (items, i);
        char what[48];
        snprintf (what, sizeof what, "Array[%zu]", from + i);
        rom_status_t status = romi_scalar_from_variant (a->typecode, &v, &scalars[i], call, what);
        if (status != ROM_OK) {
            free (scalars);
            return status;
        }
    }
    for (size_t i = 0; i < n; i++)
        s_store (a, from + i, scalars[i]);
    free (scalars);
    return ROM_OK;
}

static rom_status_t
s_create (void *ctx, const Rom__Builtins__ArrayInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    int typecode = (int) args->typecode;
    if (!romi_typecode_valid (typecode, false))
        return rom_call_fail (call, ROM_INVALID, "typecode %d is not one of b B h H i I l L q Q f d ?",
                              typecode);
    s_array_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    self->typecode = typecode;
    size_t n_items = 0;
    rom_status_t status = s_items_count (self, args->items, &n_items, call);
    if (status == ROM_OK && n_items && args->length && args->length != n_items)
        status = rom_call_fail (call, ROM_INVALID, "length %" PRIu64 " but %zu initial items", args->length,
                                n_items);
    // An array is at most as large as one message may be (max_message), checked before calloc tries: a
    // caller's number must not make the server allocate more than a call may carry (Array ('b', 2**32)).
    uint64_t length = n_items ? n_items : args->length;
    size_t max = rom_call_max_reply (call) / romi_typecode_size (typecode);
    if (status == ROM_OK && length > max)
        status = rom_call_fail (call, ROM_TOO_LARGE,
                                "length %" PRIu64 " is too large: %zu '%c' elements at most (max_message)",
                                length, max, typecode);
    if (status == ROM_OK) {
        self->length = (size_t) length;
        self->data = calloc (self->length ? self->length : 1, romi_typecode_size (typecode));
        if (!self->data)
            status = rom_call_fail (call, ROM_NOMEM, "server out of memory for %zu elements", self->length);
    }
    if (status == ROM_OK && n_items)
        status = s_store_items (self, 0, args->items, n_items, call);
    if (status != ROM_OK) {
        free (self->data);
        free (self);
        return status;
    }
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    s_array_t *a = self;
    free (a->data);
    free (a);
}

static rom_status_t
s_len (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Size *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->size = ((s_array_t *) self)->length;
    return ROM_OK;
}

static rom_status_t
s_get (void *self, const Rom__Builtins__Index *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_array_t *a = self;
    size_t pos;
    rom_status_t status = romi_index_resolve (in->index, a->length, &pos, call, "Array");
    if (status == ROM_OK)
        romi_scalar_export (a->typecode, s_load (a, pos), out);
    return status;
}

static rom_status_t
s_set (void *self, const Rom__Builtins__IndexedValue *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_array_t *a = self;
    size_t pos;
    rom_status_t status = romi_index_resolve (in->index, a->length, &pos, call, "Array");
    romi_scalar_t scalar;
    char what[48];
    snprintf (what, sizeof what, "Array[%" PRId64 "]", in->index);
    if (status == ROM_OK)
        status = romi_scalar_from_variant (a->typecode, in->value, &scalar, call, what);
    if (status == ROM_OK)
        s_store (a, pos, scalar);
    return status;
}

static rom_status_t
s_get_slice (void *self, const Rom__Builtins__Slice *in, Rom__Builtins__Elements *out, rom_call_t *call)
{
    s_array_t *a = self;
    size_t from, to;
    romi_slice_resolve (in->start, in->stop, a->length, &from, &to);
    size_t n = to - from;
    if (n == 0)
        return ROM_OK;
    romi_tc_class_t cls = romi_typecode_class (a->typecode);
    size_t size = cls == ROM_TC_BOOL ? sizeof (protobuf_c_boolean) : 8;
    if (n > rom_call_max_reply (call) / size)
        return rom_call_fail (call, ROM_TOO_LARGE,
                              "a slice of %zu items is over the reply limit (max_message): read it in parts",
                              n);
    void *items = rom_call_alloc (call, n * size);
    if (!items)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    for (size_t i = 0; i < n; i++) {
        romi_scalar_t v = s_load (a, from + i);
        switch (cls) {
        case ROM_TC_SIGNED: ((int64_t *) items)[i] = v.i; break;
        case ROM_TC_UNSIGNED: ((uint64_t *) items)[i] = v.u; break;
        case ROM_TC_FLOAT: ((double *) items)[i] = v.d; break;
        default: ((protobuf_c_boolean *) items)[i] = v.b; break;
        }
    }
    switch (cls) {
    case ROM_TC_SIGNED: out->ints = items, out->n_ints = n; break;
    case ROM_TC_UNSIGNED: out->uints = items, out->n_uints = n; break;
    case ROM_TC_FLOAT: out->doubles = items, out->n_doubles = n; break;
    default: out->bools = items, out->n_bools = n; break;
    }
    return ROM_OK;
}

static rom_status_t
s_set_slice (void *self, const Rom__Builtins__SliceAssign *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_array_t *a = self;
    size_t from, to, n;
    romi_slice_resolve (in->slice ? in->slice->start : 0, in->slice ? in->slice->stop : INT64_MAX, a->length,
                        &from, &to);
    rom_status_t status = s_items_count (a, in->items, &n, call);
    if (status != ROM_OK)
        return status;
    if (n != to - from)
        return rom_call_fail (call, ROM_OUT_OF_RANGE,
                              "Array slice [%zu:%zu] holds %zu elements, not %zu: an Array's length is fixed",
                              from, to, to - from, n);
    return s_store_items (a, from, in->items, n, call);
}

static rom_status_t
s_get_typecode (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__TypecodeReply *out,
                rom_call_t *call)
{
    (void) in;
    (void) call;
    out->typecode = (Rom__Builtins__Typecode) ((s_array_t *) self)->typecode;
    return ROM_OK;
}

static const Rom__Builtins__Array_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .len = s_len,
    .get = s_get,
    .set = s_set,
    .get_slice = s_get_slice,
    .set_slice = s_set_slice,
    .get_typecode = s_get_typecode,
};

rom_status_t
romi_builtin_array_register (rom_server_t *server)
{
    return rom__builtins__array__rom_register (server, &s_servant, NULL);
}
