// list.c: the servant of rom.builtins.List (Python's Manager ().list ()): a growable vector of slots.
// Indexes are Python's (negative from the end); insert clamps as Python's does, every other index outside
// the list is OUT_OF_RANGE. Append and pop at the end are O(1) amortized; insert and delete in the middle
// move the tail, as a Python list does.
#include "builtins.h"
#include "slot.h"

#include <stdlib.h>
#include <string.h>

#include "rom/builtins/list.rom.h"

typedef struct {
    romi_slot_t *items;
    size_t len;
    size_t cap;
} s_list_t;

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
    return s_insert (l, l->len, &value, 1, call);
}

static rom_status_t
s_extend (void *self, const Rom__Builtins__VariantList *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    return s_insert (l, l->len, in->items, in->n_items, call);
}

static rom_status_t
s_insert_method (void *self, const Rom__Builtins__IndexedValue *in, Google__Protobuf__Empty *out,
                 rom_call_t *call)
{
    (void) out;
    s_list_t *l = self;
    int64_t at = in->index < 0 ? in->index + (int64_t) l->len : in->index;
    size_t pos = at < 0 ? 0 : (uint64_t) at > l->len ? l->len : (size_t) at;
    return s_insert (l, pos, &in->value, 1, call);
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
    return status == ROM_OK ? romi_slot_set (&l->items[pos], in->value, call) : status;
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
    return status;
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
    return status;
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
    romi_slice_resolve (in->start, in->stop ? in->stop : INT64_MAX, l->len, &from, &to);
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
            return ROM_OK;
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
};

rom_status_t
romi_builtin_list_register (rom_server_t *server)
{
    return rom__builtins__list__rom_register (server, &s_servant, NULL);
}
