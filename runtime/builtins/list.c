// list.c: the servant of rom.builtins.List (Python's Manager ().list ()): a growable vector of slots.
// Indexes are Python's (negative from the end); insert clamps as Python's does, every other index outside
// the list is OUT_OF_RANGE. Append and pop at the end are O(1) amortized; insert and delete in the middle
// move the tail, as a Python list does.
//
// Every method is one call, so each is atomic (calls on one object never overlap). Every successful
// modification bumps `version`, which Iter compares with the cursor's to answer CHANGED. Sort is a merge
// sort over the slots (Python's sort is stable; qsort is not), after a first pass that refuses a list whose
// items cannot be ordered with each other, so a refused sort leaves the list untouched (Python's may leave
// it partly sorted: ours never does).
#include "builtins.h"
#include "slot.h"

#include <inttypes.h>
#include <math.h> // isnan, a macro: librom does not link libm
#include <stdlib.h>
#include <string.h>

#include "rom/builtins/list.rom.h"

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

// The longest list l *= n may make: 4 Mi items (96 MiB of slots), so that a copy of it as numbers still fits
// the default 64 MiB reply limit. Past it: TOO_LARGE, the list unchanged.
#define S_MAX_ITEMS ((size_t) 1 << 22)
// Iter's chunk: the default when the cursor asks 0, and the most one reply carries whatever it asks.
#define S_CHUNK_DEFAULT 256
#define S_CHUNK_MAX 65536

typedef struct {
    romi_slot_t *items;
    size_t len;
    size_t cap;
    uint64_t version; // bumped by every successful modification (Iter's change detection)
} s_list_t;

// Count a modification if `status` says it happened; returns `status`.
static rom_status_t
s_modified (s_list_t *l, rom_status_t status)
{
    if (status == ROM_OK)
        l->version++;
    return status;
}

// Room for `more` items.
static rom_status_t
s_reserve (s_list_t *l, size_t more, rom_call_t *call)
{
    if (l->len + more <= l->cap)
        return ROM_OK;
    size_t cap = l->cap ? l->cap : 4;
    while (cap < l->len + more)
        cap *= 2;
    romi_slot_t *items = realloc (l->items, cap * sizeof *items);
    if (!items)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    l->items = items;
    l->cap = cap;
    return ROM_OK;
}

// Insert copies of `n` values at `pos` (0 <= pos <= len); on failure the list is unchanged.
static rom_status_t
s_insert (s_list_t *l, size_t pos, romi_variant_msg_t *const *values, size_t n, rom_call_t *call)
{
    if (n == 0)
        return ROM_OK; // and memmove is never handed the NULL of an empty list
    rom_status_t status = s_reserve (l, n, call);
    if (status != ROM_OK)
        return status;
    memmove (&l->items[pos + n], &l->items[pos], (l->len - pos) * sizeof *l->items);
    for (size_t i = 0; i < n; i++) {
        l->items[pos + i] = ROM_SLOT_NONE;
        status = romi_slot_set (&l->items[pos + i], values[i], call);
        if (status != ROM_OK) {
            for (size_t j = 0; j < i; j++)
                romi_slot_release (&l->items[pos + j], call);
            memmove (&l->items[pos], &l->items[pos + n], (l->len - pos) * sizeof *l->items);
            return status;
        }
    }
    l->len += n;
    return ROM_OK;
}

static void
s_remove_at (s_list_t *l, size_t pos, rom_call_t *call)
{
    romi_slot_release (&l->items[pos], call);
    memmove (&l->items[pos], &l->items[pos + 1], (l->len - pos - 1) * sizeof *l->items);
    l->len--;
}

static void
s_clear_items (s_list_t *l, rom_call_t *call)
{
    for (size_t i = 0; i < l->len; i++)
        romi_slot_release (&l->items[i], call); // NULL call: the list dies, the runtime drops its references
    free (l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

static rom_status_t
s_create (void *ctx, const Rom__Builtins__VariantList *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    s_list_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    rom_status_t status = s_insert (self, 0, args->items, args->n_items, call);
    if (status != ROM_OK) {
        s_clear_items (self, call);
        free (self);
        return status;
    }
    // Versions start at the object's id in the high half, so a cursor of one List given to another finds a
    // version it never had (CHANGED) rather than a plausible one.
    self->version = rom_call_object_id (call) << 32;
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    s_clear_items (self, NULL);
    free (self);
}

static rom_status_t
s_append (void *self, const Rom__Builtins__Variant *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    romi_variant_msg_t *value = (romi_variant_msg_t *) in;
    return s_modified (l, s_insert (l, l->len, &value, 1, call));
}

static rom_status_t
s_extend (void *self, const Rom__Builtins__VariantList *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    return s_modified (l, s_insert (l, l->len, in->items, in->n_items, call));
}

static rom_status_t
s_insert_method (void *self, const Rom__Builtins__IndexedValue *in, Google__Protobuf__Empty *out,
                 rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    int64_t at = in->index < 0 ? in->index + (int64_t) l->len : in->index;
    size_t pos = at < 0 ? 0 : (uint64_t) at > l->len ? l->len : (size_t) at;
    return s_modified (l, s_insert (l, pos, &in->value, 1, call));
}

static rom_status_t
s_get (void *self, const Rom__Builtins__Index *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_list_t *l = self;
    size_t pos;
    rom_status_t status = romi_index_resolve (in->index, l->len, &pos, call, "List");
    return status == ROM_OK ? romi_slot_export (&l->items[pos], out, call) : status;
}

static rom_status_t
s_set (void *self, const Rom__Builtins__IndexedValue *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    size_t pos;
    rom_status_t status = romi_index_resolve (in->index, l->len, &pos, call, "List");
    return status == ROM_OK ? s_modified (l, romi_slot_set (&l->items[pos], in->value, call)) : status;
}

static rom_status_t
s_delete (void *self, const Rom__Builtins__Index *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    size_t pos;
    rom_status_t status = romi_index_resolve (in->index, l->len, &pos, call, "List");
    if (status == ROM_OK)
        s_remove_at (l, pos, call);
    return s_modified (l, status);
}

static rom_status_t
s_pop (void *self, const Rom__Builtins__PopAt *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_list_t *l = self;
    if (l->len == 0)
        return rom_call_fail (call, ROM_OUT_OF_RANGE, "pop from an empty List");
    int64_t index = in->at_case == ROM__BUILTINS__POP_AT__AT_INDEX ? in->index : -1;
    size_t pos;
    rom_status_t status = romi_index_resolve (index, l->len, &pos, call, "List pop");
    if (status == ROM_OK)
        status = romi_slot_export_copy (&l->items[pos], out, call);
    if (status == ROM_OK)
        s_remove_at (l, pos, call);
    return s_modified (l, status);
}

static rom_status_t
s_len (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Size *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->size = ((s_list_t *) self)->len;
    return ROM_OK;
}

static rom_status_t
s_get_slice (void *self, const Rom__Builtins__Slice *in, Rom__Builtins__VariantList *out, rom_call_t *call)
{
    s_list_t *l = self;
    size_t from, to;
    romi_slice_resolve (in->start, in->stop, l->len, &from, &to);
    if (to == from)
        return ROM_OK;
    if (romi_reply_room (call, to - from, ROMI_VARIANT_COST) != ROM_OK)
        return ROM_TOO_LARGE;
    romi_variant_msg_t **items = romi_variants_alloc (call, to - from);
    if (!items)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    for (size_t i = from; i < to; i++)
        if (romi_slot_export (&l->items[i], items[i - from], call) != ROM_OK)
            return ROM_NOMEM;
    out->items = items;
    out->n_items = to - from;
    return ROM_OK;
}

static rom_status_t
s_index_of (void *self, const Rom__Builtins__Find *in, Rom__Builtins__Size *out, rom_call_t *call)
{
    s_list_t *l = self;
    size_t from, to;
    romi_slice_resolve (in->start, in->stop || in->bounded ? in->stop : INT64_MAX, l->len, &from, &to);
    for (size_t i = from; i < to; i++)
        if (romi_slot_equal (&l->items[i], in->value)) {
            out->size = i;
            return ROM_OK;
        }
    return rom_call_fail (call, ROM_NOT_FOUND, "%s is not in the List", romi_variant_kind_name (in->value));
}

static rom_status_t
s_remove (void *self, const Rom__Builtins__Variant *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    for (size_t i = 0; i < l->len; i++)
        if (romi_slot_equal (&l->items[i], in)) {
            s_remove_at (l, i, call);
            return s_modified (l, ROM_OK);
        }
    return rom_call_fail (call, ROM_NOT_FOUND, "List.remove: %s equal to the one given is not in the List",
                          romi_variant_kind_name (in));
}

static rom_status_t
s_clear (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    s_clear_items (self, call);
    return s_modified (self, ROM_OK);
}

static rom_status_t
s_count (void *self, const Rom__Builtins__Variant *in, Rom__Builtins__Size *out, rom_call_t *call)
{
    (void) call;
    s_list_t *l = self;
    size_t n = 0;
    for (size_t i = 0; i < l->len; i++)
        n += romi_slot_equal (&l->items[i], in);
    out->size = n;
    return ROM_OK;
}

static rom_status_t
s_contains (void *self, const Rom__Builtins__Variant *in, Rom__Builtins__Truth *out, rom_call_t *call)
{
    (void) call;
    s_list_t *l = self;
    for (size_t i = 0; i < l->len && !out->value; i++)
        out->value = romi_slot_equal (&l->items[i], in);
    return ROM_OK;
}

static rom_status_t
s_reverse (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    (void) call;
    s_list_t *l = self;
    for (size_t i = 0, j = l->len; i + 1 < j; i++, j--) {
        romi_slot_t swap = l->items[i];
        l->items[i] = l->items[j - 1];
        l->items[j - 1] = swap;
    }
    return s_modified (l, ROM_OK);
}

// ---- sort -------------------------------------------------------------------------------------------------

// What may be ordered with what: numbers with numbers, strings with strings, bytes with bytes.
typedef enum { S_NUMBERS, S_STRINGS, S_BYTES, S_UNORDERED } s_order_class_t;

static s_order_class_t
s_order_class (const romi_slot_t *slot)
{
    switch (slot->kind) {
    case KIND (INT_VALUE):
    case KIND (UINT_VALUE):
    case KIND (DOUBLE_VALUE):
    case KIND (BOOL_VALUE): return S_NUMBERS;
    case KIND (STRING_VALUE): return S_STRINGS;
    case KIND (BYTES_VALUE): return S_BYTES;
    default: return S_UNORDERED; // None and references: Python has no '<' for them
    }
}

// Python's type name of a slot, for the TypeError text.
static const char *
s_type_name (const romi_slot_t *slot)
{
    switch (slot->kind) {
    case KIND (INT_VALUE):
    case KIND (UINT_VALUE): return "int";
    case KIND (DOUBLE_VALUE): return "float";
    case KIND (BOOL_VALUE): return "bool";
    case KIND (STRING_VALUE): return "str";
    case KIND (BYTES_VALUE): return "bytes";
    case KIND (REF_VALUE): return slot->ref->type;
    default: return "NoneType";
    }
}

// Python refuses the first comparison it cannot make; its merge starts with items[1] < items[0] and walks
// forward, so the first item of another class than those before it is compared with its predecessor.
static rom_status_t
s_check_orderable (const s_list_t *l, rom_call_t *call)
{
    if (l->len < 2)
        return ROM_OK; // nothing is compared: Python sorts [None] fine
    s_order_class_t first = s_order_class (&l->items[0]);
    for (size_t i = 1; i < l->len; i++)
        if (first == S_UNORDERED || s_order_class (&l->items[i]) != first)
            return rom_call_fail (call, ROM_WRONG_TYPE,
                                  "'<' not supported between instances of '%s' and '%s'",
                                  s_type_name (&l->items[i]), s_type_name (&l->items[i - 1]));
    return ROM_OK;
}

// An int64 against a double, exactly (a cast either way would round one of them): -1, 0, 1, or 2 for NaN.
static int
s_cmp_int_double (int64_t i, double d)
{
    if (isnan (d))
        return 2;
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    int64_t w = (int64_t) d; // truncated toward zero; within range here, and exact back as a double
    double whole = (double) w;
    if (i != w)
        return i < w ? -1 : 1;
    return d > whole ? -1 : d < whole ? 1 : 0;
}

static int
s_cmp_uint_double (uint64_t u, double d)
{
    if (isnan (d))
        return 2;
    if (d < 0)
        return 1;
    if (d >= 18446744073709551616.0)
        return -1;
    uint64_t w = (uint64_t) d;
    double whole = (double) w;
    if (u != w)
        return u < w ? -1 : 1;
    return d > whole ? -1 : 0;
}

// Two numbers (int, uint, double, bool) by value: -1, 0, 1, or 2 when unordered (NaN).
static int
s_cmp_numbers (const romi_slot_t *a, const romi_slot_t *b)
{
    // A bool is the int 0 or 1, as in Python.
    romi_slot_t x = *a, y = *b;
    if (x.kind == KIND (BOOL_VALUE))
        x = (romi_slot_t) {.kind = KIND (INT_VALUE), .i = a->b};
    if (y.kind == KIND (BOOL_VALUE))
        y = (romi_slot_t) {.kind = KIND (INT_VALUE), .i = b->b};
    if (x.kind == KIND (DOUBLE_VALUE) && y.kind == KIND (DOUBLE_VALUE))
        return x.d < y.d ? -1 : x.d > y.d ? 1 : x.d == y.d ? 0 : 2;
    if (y.kind == KIND (DOUBLE_VALUE)) {
        int c = x.kind == KIND (INT_VALUE) ? s_cmp_int_double (x.i, y.d) : s_cmp_uint_double (x.u, y.d);
        return c;
    }
    if (x.kind == KIND (DOUBLE_VALUE)) {
        int c = y.kind == KIND (INT_VALUE) ? s_cmp_int_double (y.i, x.d) : s_cmp_uint_double (y.u, x.d);
        return c == 2 ? 2 : -c;
    }
    if (x.kind == KIND (INT_VALUE) && y.kind == KIND (INT_VALUE))
        return x.i < y.i ? -1 : x.i > y.i;
    if (x.kind == KIND (UINT_VALUE) && y.kind == KIND (UINT_VALUE))
        return x.u < y.u ? -1 : x.u > y.u;
    if (x.kind == KIND (INT_VALUE)) // against a uint
        return x.i < 0 || (uint64_t) x.i < y.u ? -1 : (uint64_t) x.i > y.u;
    return y.i < 0 || (uint64_t) y.i < x.u ? 1 : (uint64_t) y.i > x.u ? -1 : 0;
}

// Strings (UTF-8: byte order is code point order) and bytes: lexicographic, a prefix first.
static int
s_cmp_text (const romi_slot_t *a, const romi_slot_t *b)
{
    size_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
    int c = n ? memcmp (a->s.data, b->s.data, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return a->s.len < b->s.len ? -1 : a->s.len > b->s.len;
}

// Whether `right` goes before `left` (two items of one class, s_check_orderable): only when strictly
// smaller (larger when reversed), so equal items keep their order either way.
static bool
s_before (const romi_slot_t *right, const romi_slot_t *left, bool reverse)
{
    int c = s_order_class (right) == S_NUMBERS ? s_cmp_numbers (right, left) : s_cmp_text (right, left);
    return reverse ? c == 1 : c == -1;
}

// Top-down merge sort of `n` slots; `tmp` has room for n / 2 (the left half is moved out of the way, and
// the merge writes behind its read positions).
static void
s_merge_sort (romi_slot_t *a, romi_slot_t *tmp, size_t n, bool reverse)
{
    if (n < 2)
        return;
    size_t half = n / 2;
    s_merge_sort (a, tmp, half, reverse);
    s_merge_sort (a + half, tmp, n - half, reverse);
    memcpy (tmp, a, half * sizeof *a);
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        a[k++] = s_before (&a[j], &tmp[i], reverse) ? a[j++] : tmp[i++];
    while (i < half)
        a[k++] = tmp[i++];
}

static rom_status_t
s_sort (void *self, const Rom__Builtins__SortOrder *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    rom_status_t status = s_check_orderable (l, call);
    if (status != ROM_OK || l->len < 2)
        return s_modified (l, status);
    romi_slot_t *tmp = malloc (l->len / 2 * sizeof *tmp);
    if (!tmp)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    s_merge_sort (l->items, tmp, l->len, in->reverse);
    free (tmp);
    return s_modified (l, ROM_OK);
}

// ---- slices and repetition --------------------------------------------------------------------------------

// Release slots [from, to) of `slots` (which may be an empty list's NULL when the range is empty).
static void
s_release_range (romi_slot_t *slots, size_t from, size_t to, rom_call_t *call)
{
    for (size_t i = from; i < to; i++)
        romi_slot_release (&slots[i], call);
}

static rom_status_t
s_set_slice (void *self, const Rom__Builtins__SliceItems *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    size_t from, to, n = in->n_items;
    romi_slice_resolve (in->start, in->stop, l->len, &from, &to);
    // The new items are copied first and the room made before anything is released: all or nothing.
    romi_slot_t *fresh = n ? calloc (n, sizeof *fresh) : NULL;
    if (n && !fresh)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    rom_status_t status = ROM_OK;
    for (size_t i = 0; i < n && status == ROM_OK; i++)
        if ((status = romi_slot_set (&fresh[i], in->items[i], call)) != ROM_OK)
            s_release_range (fresh, 0, i, call);
    if (status == ROM_OK && n > to - from && (status = s_reserve (l, n - (to - from), call)) != ROM_OK)
        s_release_range (fresh, 0, n, call);
    if (status == ROM_OK) {
        s_release_range (l->items, from, to, call);
        if (l->len > to)
            memmove (&l->items[from + n], &l->items[to], (l->len - to) * sizeof *l->items);
        if (n)
            memcpy (&l->items[from], fresh, n * sizeof *fresh);
        l->len = l->len - (to - from) + n;
    }
    free (fresh);
    return s_modified (l, status);
}

static rom_status_t
s_delete_slice (void *self, const Rom__Builtins__Slice *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    size_t from, to;
    romi_slice_resolve (in->start, in->stop, l->len, &from, &to);
    s_release_range (l->items, from, to, call);
    if (l->len > to)
        memmove (&l->items[from], &l->items[to], (l->len - to) * sizeof *l->items);
    l->len -= to - from;
    return s_modified (l, ROM_OK);
}

// A copy of a stored slot (a reference kept again, as storing it anew does).
static rom_status_t
s_slot_copy (romi_slot_t *dst, const romi_slot_t *src, rom_call_t *call)
{
    romi_variant_msg_t msg = ROM__BUILTINS__VARIANT__INIT;
    rom_status_t status = romi_slot_export (src, &msg, call);
    return status == ROM_OK ? romi_slot_set (dst, &msg, call) : status;
}

static rom_status_t
s_imul (void *self, const Rom__Builtins__Times *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    if (in->times <= 0) {
        s_clear_items (l, call);
        return s_modified (l, ROM_OK);
    }
    size_t len = l->len, total;
    if (__builtin_mul_overflow (len, (uint64_t) in->times, &total) || total > S_MAX_ITEMS)
        return rom_call_fail (call, ROM_TOO_LARGE,
                              "l *= %" PRId64 ": %zu items times %" PRId64 " is over the limit of %zu",
                              in->times, len, in->times, S_MAX_ITEMS);
    rom_status_t status = s_reserve (l, total - len, call);
    for (size_t k = len; k < total && status == ROM_OK; k++) {
        l->items[k] = ROM_SLOT_NONE;
        if ((status = s_slot_copy (&l->items[k], &l->items[k % len], call)) != ROM_OK)
            s_release_range (l->items, len, k, call);
    }
    if (status == ROM_OK)
        l->len = total;
    return s_modified (l, status);
}

// ---- iteration --------------------------------------------------------------------------------------------

static rom_status_t
s_iter (void *self, const Rom__Builtins__Cursor *in, Rom__Builtins__Chunk *out, rom_call_t *call)
{
    s_list_t *l = self;
    if (in->started && in->version != l->version)
        return rom_call_fail (call, ROM_CHANGED, "list changed during iteration");
    size_t from = in->started && in->position < l->len ? (size_t) in->position : in->started ? l->len : 0;
    size_t max = in->max == 0 ? S_CHUNK_DEFAULT : in->max > S_CHUNK_MAX ? S_CHUNK_MAX : in->max;
    size_t n = l->len - from < max ? l->len - from : max;
    out->version = l->version;
    out->next = from + n;
    out->done = from + n == l->len;
    if (n == 0)
        return ROM_OK;
    romi_variant_msg_t **items = romi_variants_alloc (call, n);
    if (!items)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    for (size_t i = 0; i < n; i++)
        if (romi_slot_export (&l->items[from + i], items[i], call) != ROM_OK)
            return ROM_NOMEM;
    out->items = items;
    out->n_items = n;
    return ROM_OK;
}

static const Rom__Builtins__List_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .append = s_append,
    .extend = s_extend,
    .insert = s_insert_method,
    .get = s_get,
    .set = s_set,
    .delete = s_delete,
    .pop = s_pop,
    .len = s_len,
    .get_slice = s_get_slice,
    .index_of = s_index_of,
    .remove = s_remove,
    .clear = s_clear,
    .count = s_count,
    .contains = s_contains,
    .reverse = s_reverse,
    .sort = s_sort,
    .set_slice = s_set_slice,
    .delete_slice = s_delete_slice,
    .imul = s_imul,
    .iter = s_iter,
};

rom_status_t
romi_builtin_list_register (rom_server_t *server)
{
    return rom__builtins__list__rom_register (server, &s_servant, NULL);
}
