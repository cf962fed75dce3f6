// dict.c: the servant of rom.builtins.Dict (Python's Manager ().dict ()). Keys are any hashable Variant
// (key.c: Python's equality, 1 == 1.0), values any Variant, kept in key.c's insertion-ordered map (O(1)
// get, set and delete; iteration in insertion order, as the seeds' printed dicts show). Increment is the
// atomic read-modify-write that `d[k] += 1` from several Python processes gets wrong. Every successful
// modification bumps `version`; Iter walks entry positions in chunks and answers CHANGED to a cursor of
// another version, so a reader in one process learns of a writer in another as Python's RuntimeError would
// tell it.
#include "builtins.h"
#include "slot.h"
#include "key.h"

#include <stdio.h>
#include <stdlib.h>

#include "rom/builtins/dict.rom.h"

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

// The key kind of a hole a deleted entry leaves in the map's entries (None is a key).
#define S_HOLE ROMI_KEY_DELETED

// Iter's chunk: the default when the cursor asks 0, and the most one reply carries whatever it asks.
#define S_CHUNK_DEFAULT 256
#define S_CHUNK_MAX 65536

typedef struct {
    romi_omap_t map;
    uint64_t version; // bumped by every successful modification (Iter's change detection)
} s_dict_t;

// Count a modification if `status` says it happened; returns `status`.
static rom_status_t
s_modified (s_dict_t *d, rom_status_t status)
{
    if (status == ROM_OK)
        d->version++;
    return status;
}

static rom_status_t
s_missing (rom_call_t *call, const romi_key_t *key)
{
    char repr[80];
    return rom_call_fail (call, ROM_NOT_FOUND, "no key %s", romi_key_repr (key, repr, sizeof repr));
}

// d[key] = value, the entry added if missing. All callers have validated the key.
static rom_status_t
s_put (s_dict_t *d, const romi_key_t *key, const romi_variant_msg_t *value, rom_call_t *call)
{
    romi_omap_entry_t *e = romi_omap_find (&d->map, key);
    if (e)
        return romi_slot_set (&e->value, value, call);
    // Copy the value first: a failed copy must not leave a new key holding None.
    romi_slot_t slot = ROM_SLOT_NONE;
    rom_status_t status = romi_slot_set (&slot, value, call);
    if (status == ROM_OK)
        status = romi_omap_insert (&d->map, key, &e, call);
    if (status != ROM_OK) {
        romi_slot_release (&slot, call);
        return status;
    }
    e->value = slot;
    return ROM_OK;
}

// Check every key of `items` before any is stored: update is all or nothing.
static rom_status_t
s_update (s_dict_t *d, const Rom__Builtins__DictItems *items, rom_call_t *call)
{
    romi_key_t key;
    for (size_t i = 0; items && i < items->n_items; i++) {
        rom_status_t status = romi_key_from_variant (items->items[i]->key, &key, call);
        if (status != ROM_OK)
            return status;
    }
    for (size_t i = 0; items && i < items->n_items; i++) {
        romi_key_from_variant (items->items[i]->key, &key, call);
        rom_status_t status = s_put (d, &key, items->items[i]->value, call);
        if (status != ROM_OK)
            return status;
    }
    return ROM_OK;
}

static rom_status_t
s_create (void *ctx, const Rom__Builtins__DictItems *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    s_dict_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    romi_omap_init (&self->map);
    rom_status_t status = s_update (self, args, call);
    if (status != ROM_OK) {
        romi_omap_clear (&self->map, call);
        free (self);
        return status;
    }
    // The object's id in the high half: a cursor of one Dict given to another meets a version it never had.
    self->version = rom_call_object_id (call) << 32;
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    s_dict_t *d = self;
    romi_omap_clear (&d->map, NULL);
    free (d);
}

static rom_status_t
s_set (void *self, const Rom__Builtins__DictItem *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in->key, &key, call);
    return status == ROM_OK ? s_modified (self, s_put (self, &key, in->value, call)) : status;
}

static rom_status_t
s_get (void *self, const Rom__Builtins__DictKey *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_dict_t *d = self;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in->key, &key, call);
    if (status != ROM_OK)
        return status;
    romi_omap_entry_t *e = romi_omap_find (&d->map, &key);
    if (e)
        return romi_slot_export (&e->value, out, call);
    if (in->fallback)
        *out = *in->fallback; // borrowed from the request, which lives until the reply is packed
    else
        return s_missing (call, &key);
    return ROM_OK;
}

static rom_status_t
s_delete (void *self, const Rom__Builtins__DictKey *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_dict_t *d = self;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in->key, &key, call);
    if (status != ROM_OK)
        return status;
    romi_omap_entry_t *e = romi_omap_find (&d->map, &key);
    if (!e)
        return s_missing (call, &key);
    romi_omap_remove (&d->map, e, call);
    return s_modified (d, ROM_OK);
}

static rom_status_t
s_contains (void *self, const Rom__Builtins__DictKey *in, Rom__Builtins__Truth *out, rom_call_t *call)
{
    s_dict_t *d = self;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in->key, &key, call);
    if (status == ROM_OK)
        out->value = romi_omap_find (&d->map, &key) != NULL;
    return status;
}

static rom_status_t
s_len (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Size *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->size = ((s_dict_t *) self)->map.live;
    return ROM_OK;
}

// Keys (which == 0), values (1) or both into a VariantList or DictItems.
static rom_status_t
s_list (s_dict_t *d, int which, Rom__Builtins__VariantList *list, Rom__Builtins__DictItems *items,
        rom_call_t *call)
{
    size_t n = d->map.live;
    if (n == 0)
        return ROM_OK;
    size_t cost = (which != 0 ? 2 : 1) * ROMI_VARIANT_COST
                  + (items ? sizeof (Rom__Builtins__DictItem) + 8 : 0);
    if (romi_reply_room (call, n, cost) != ROM_OK)
        return ROM_TOO_LARGE;
    romi_variant_msg_t **keys = romi_variants_alloc (call, n);
    romi_variant_msg_t **values = which != 0 ? romi_variants_alloc (call, n) : NULL;
    Rom__Builtins__DictItem **pairs = items ? rom_call_alloc (call, n * sizeof *pairs) : NULL;
    Rom__Builtins__DictItem *cells = items ? rom_call_alloc (call, n * sizeof *cells) : NULL;
    if (!keys || (which != 0 && !values) || (items && (!pairs || !cells)))
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    size_t i = 0;
    ROM_OMAP_FOREACH (&d->map, e) {
        romi_slot_export (&e->key, keys[i], call); // a key is never a reference: cannot fail
        if (values && romi_slot_export (&e->value, values[i], call) != ROM_OK)
            return ROM_NOMEM;
        if (items) {
            rom__builtins__dict_item__init (&cells[i]);
            cells[i].key = keys[i];
            cells[i].value = values[i];
            pairs[i] = &cells[i];
        }
        i++;
    }
    if (items) {
        items->items = pairs;
        items->n_items = n;
    } else {
        list->items = which == 0 ? keys : values;
        list->n_items = n;
    }
    return ROM_OK;
}

static rom_status_t
s_keys (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__VariantList *out, rom_call_t *call)
{
    (void) in;
    return s_list (self, 0, out, NULL, call);
}

static rom_status_t
s_values (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__VariantList *out, rom_call_t *call)
{
    (void) in;
    return s_list (self, 1, out, NULL, call);
}

static rom_status_t
s_items (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__DictItems *out, rom_call_t *call)
{
    (void) in;
    return s_list (self, 2, NULL, out, call);
}

static rom_status_t
s_update_method (void *self, const Rom__Builtins__DictItems *in, Google__Protobuf__Empty *out,
                 rom_call_t *call)
{
    (void) out;
    // A failure part way (out of memory) may have stored some: counted as a change either way.
    rom_status_t status = s_update (self, in, call);
    ((s_dict_t *) self)->version++;
    return status;
}

static rom_status_t
s_pop (void *self, const Rom__Builtins__DictKey *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_dict_t *d = self;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in->key, &key, call);
    if (status != ROM_OK)
        return status;
    romi_omap_entry_t *e = romi_omap_find (&d->map, &key);
    if (!e) {
        if (!in->fallback)
            return s_missing (call, &key);
        *out = *in->fallback;
        return ROM_OK;
    }
    // The entry is freed now, so the reply gets a copy in the call's memory.
    status = romi_slot_export_copy (&e->value, out, call);
    if (status == ROM_OK)
        romi_omap_remove (&d->map, e, call);
    return s_modified (d, status);
}

static rom_status_t
s_set_default (void *self, const Rom__Builtins__DictItem *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_dict_t *d = self;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in->key, &key, call);
    if (status != ROM_OK)
        return status;
    romi_omap_entry_t *e = romi_omap_find (&d->map, &key);
    if (!e) {
        status = s_modified (d, s_put (d, &key, in->value, call));
        if (status != ROM_OK)
            return status;
        e = romi_omap_find (&d->map, &key);
    }
    return romi_slot_export (&e->value, out, call);
}

static rom_status_t
s_clear (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    romi_omap_clear (&((s_dict_t *) self)->map, call);
    return s_modified (self, ROM_OK);
}

static rom_status_t
s_increment (void *self, const Rom__Builtins__DictItem *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_dict_t *d = self;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in->key, &key, call);
    if (status != ROM_OK)
        return status;
    const romi_variant_msg_t *delta = in->value;
    int dk = delta ? (int) delta->kind_case : KIND (_NOT_SET);
    if (dk != KIND (INT_VALUE) && dk != KIND (UINT_VALUE) && dk != KIND (DOUBLE_VALUE))
        return rom_call_fail (call, ROM_WRONG_TYPE, "cannot increment by %s", romi_variant_kind_name (delta));
    romi_omap_entry_t *e = romi_omap_find (&d->map, &key);
    romi_slot_t zero = {.kind = KIND (INT_VALUE), .i = 0};
    const romi_slot_t *now = e ? &e->value : &zero;
    char repr[80];
    romi_variant_msg_t sum = ROM__BUILTINS__VARIANT__INIT;
    if (now->kind == KIND (DOUBLE_VALUE) || dk == KIND (DOUBLE_VALUE)) {
        double x = now->kind == KIND (DOUBLE_VALUE) ? now->d
                   : now->kind == KIND (INT_VALUE)  ? (double) now->i
                                                    : (double) now->u;
        double y = dk == KIND (DOUBLE_VALUE) ? delta->double_value
                   : dk == KIND (INT_VALUE)  ? (double) delta->int_value
                                             : (double) delta->uint_value;
        if (now->kind != KIND (DOUBLE_VALUE) && now->kind != KIND (INT_VALUE)
            && now->kind != KIND (UINT_VALUE))
            goto not_a_number;
        sum.kind_case = KIND (DOUBLE_VALUE);
        sum.double_value = x + y;
    } else if (now->kind == KIND (INT_VALUE) || now->kind == KIND (UINT_VALUE)) {
        // Integer arithmetic in int64 unless the stored value is a uint (then it stays unsigned).
        bool overflow;
        if (now->kind == KIND (INT_VALUE)) {
            sum.kind_case = KIND (INT_VALUE);
            overflow = dk == KIND (INT_VALUE)
                           ? __builtin_add_overflow (now->i, delta->int_value, &sum.int_value)
                           : __builtin_add_overflow (now->i, delta->uint_value, &sum.int_value);
        } else {
            sum.kind_case = KIND (UINT_VALUE);
            overflow = dk == KIND (INT_VALUE)
                           ? __builtin_add_overflow (now->u, delta->int_value, &sum.uint_value)
                           : __builtin_add_overflow (now->u, delta->uint_value, &sum.uint_value);
        }
        if (overflow)
            return rom_call_fail (call, ROM_OUT_OF_RANGE, "incrementing key %s overflows 64 bits",
                                  romi_key_repr (&key, repr, sizeof repr));
    } else
        goto not_a_number;
    status = s_modified (d, e ? romi_slot_set (&e->value, &sum, call) : s_put (d, &key, &sum, call));
    if (status == ROM_OK)
        *out = sum;
    return status;
not_a_number:
    return rom_call_fail (call, ROM_WRONG_TYPE, "key %s holds %s, not a number",
                          romi_key_repr (&key, repr, sizeof repr),
                          now->kind == KIND (STRING_VALUE)  ? "a string"
                          : now->kind == KIND (BOOL_VALUE)  ? "a bool"
                          : now->kind == KIND (BYTES_VALUE) ? "bytes"
                          : now->kind == KIND (REF_VALUE)   ? "an object reference"
                                                            : "None");
}

static rom_status_t
s_pop_item (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__DictItem *out, rom_call_t *call)
{
    (void) in;
    s_dict_t *d = self;
    if (d->map.live == 0)
        return rom_call_fail (call, ROM_NOT_FOUND, "popitem(): dictionary is empty");
    // The last live entry is the last inserted one: Python's popitem is LIFO.
    romi_omap_entry_t *e = d->map.entries + d->map.n_entries - 1;
    while (e->key.kind == S_HOLE)
        e--;
    romi_variant_msg_t **pair = romi_variants_alloc (call, 2);
    if (!pair)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    // The entry is freed now, so the reply gets copies in the call's memory.
    rom_status_t status = romi_slot_export_copy (&e->key, pair[0], call);
    if (status == ROM_OK)
        status = romi_slot_export_copy (&e->value, pair[1], call);
    if (status != ROM_OK)
        return status;
    out->key = pair[0];
    out->value = pair[1];
    romi_omap_remove (&d->map, e, call);
    return s_modified (d, ROM_OK);
}

// Index `items` by key into `last`: each key once (in the order of its first occurrence, its first key
// kept), its value the position of its last occurrence, whose value wins as in {**d, **other}.
static rom_status_t
s_index_items (romi_omap_t *last, const Rom__Builtins__DictItems *items, rom_call_t *call)
{
    for (size_t i = 0; i < items->n_items; i++) {
        romi_key_t key;
        rom_status_t status = romi_key_from_variant (items->items[i]->key, &key, call);
        if (status != ROM_OK)
            return status;
        romi_omap_entry_t *e = romi_omap_find (last, &key);
        if (!e && (status = romi_omap_insert (last, &key, &e, call)) != ROM_OK)
            return status;
        e->value = (romi_slot_t) {.kind = KIND (INT_VALUE), .i = (int64_t) i};
    }
    return ROM_OK;
}

// The key of a stored entry as a lookup key (pointing into the entry).
static rom_status_t
s_entry_key (const romi_omap_entry_t *e, romi_key_t *key, rom_call_t *call)
{
    romi_variant_msg_t v = ROM__BUILTINS__VARIANT__INIT;
    romi_slot_export (&e->key, &v, call); // a key is never a reference: cannot fail
    return romi_key_from_variant (&v, key, call);
}

// d | other into `out`: d's entries in order (other's value where other has the key), then other's new keys.
static rom_status_t
s_merge_out (s_dict_t *d, romi_omap_t *last, const Rom__Builtins__DictItems *other,
             Rom__Builtins__DictItems *out, rom_call_t *call)
{
    size_t extra = 0;
    romi_key_t key;
    ROM_OMAP_FOREACH (last, e) {
        s_entry_key (e, &key, call);
        extra += romi_omap_find (&d->map, &key) == NULL;
    }
    size_t n = d->map.live + extra;
    if (n == 0)
        return ROM_OK;
    if (romi_reply_room (call, n, 2 * ROMI_VARIANT_COST + sizeof (Rom__Builtins__DictItem) + 8) != ROM_OK)
        return ROM_TOO_LARGE;
    romi_variant_msg_t **cells = romi_variants_alloc (call, 2 * n); // keys, and d's values
    Rom__Builtins__DictItem **pairs = rom_call_alloc (call, n * sizeof *pairs);
    Rom__Builtins__DictItem *items = rom_call_alloc (call, n * sizeof *items);
    if (!cells || !pairs || !items)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    size_t i = 0;
    ROM_OMAP_FOREACH (&d->map, e) {
        rom__builtins__dict_item__init (&items[i]);
        romi_slot_export (&e->key, cells[2 * i], call);
        items[i].key = cells[2 * i];
        s_entry_key (e, &key, call);
        romi_omap_entry_t *theirs = romi_omap_find (last, &key);
        if (theirs) // borrowed from the request, which lives until the reply is packed
            items[i].value = other->items[theirs->value.i]->value;
        else if (romi_slot_export (&e->value, cells[2 * i + 1], call) != ROM_OK)
            return ROM_NOMEM;
        else
            items[i].value = cells[2 * i + 1];
        pairs[i] = &items[i];
        i++;
    }
    ROM_OMAP_FOREACH (last, e) {
        s_entry_key (e, &key, call);
        if (romi_omap_find (&d->map, &key))
            continue;
        rom__builtins__dict_item__init (&items[i]);
        // `last` dies before the reply is packed: its key is copied into the call's memory.
        if (romi_slot_export_copy (&e->key, cells[2 * i], call) != ROM_OK)
            return ROM_NOMEM;
        items[i].key = cells[2 * i];
        items[i].value = other->items[e->value.i]->value;
        pairs[i] = &items[i];
        i++;
    }
    out->items = pairs;
    out->n_items = n;
    return ROM_OK;
}

static rom_status_t
s_merged (void *self, const Rom__Builtins__DictItems *in, Rom__Builtins__DictItems *out, rom_call_t *call)
{
    romi_omap_t last;
    romi_omap_init (&last);
    rom_status_t status = s_index_items (&last, in, call);
    if (status == ROM_OK)
        status = s_merge_out (self, &last, in, out, call);
    romi_omap_clear (&last, NULL); // its values are positions: nothing to let go of
    return status;
}

static rom_status_t
s_iter (void *self, const Rom__Builtins__Cursor *in, Rom__Builtins__Chunk *out, rom_call_t *call)
{
    s_dict_t *d = self;
    if (in->started && in->version != d->version)
        return rom_call_fail (call, ROM_CHANGED, "dictionary changed during iteration");
    // Positions are entry positions, holes of deleted entries included: stable while the version is.
    size_t end = d->map.n_entries;
    size_t from = !in->started ? 0 : in->position < end ? (size_t) in->position : end;
    size_t max = in->max == 0 ? S_CHUNK_DEFAULT : in->max > S_CHUNK_MAX ? S_CHUNK_MAX : in->max;
    size_t n = 0, at = from;
    for (; at < end && n < max; at++)
        n += d->map.entries[at].key.kind != S_HOLE;
    while (at < end && d->map.entries[at].key.kind == S_HOLE)
        at++; // so `done` is set with the last entry, not one call later
    out->version = d->version;
    out->next = at;
    out->done = at == end;
    if (n == 0)
        return ROM_OK;
    romi_variant_msg_t **keys = romi_variants_alloc (call, n);
    romi_variant_msg_t **values = romi_variants_alloc (call, n);
    if (!keys || !values)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    size_t i = 0;
    for (size_t k = from; k < at; k++) {
        const romi_omap_entry_t *e = &d->map.entries[k];
        if (e->key.kind == S_HOLE)
            continue;
        romi_slot_export (&e->key, keys[i], call);
        if (romi_slot_export (&e->value, values[i], call) != ROM_OK)
            return ROM_NOMEM;
        i++;
    }
    out->items = keys;
    out->n_items = n;
    out->values = values;
    out->n_values = n;
    return ROM_OK;
}

static const Rom__Builtins__Dict_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .set = s_set,
    .get = s_get,
    .delete = s_delete,
    .contains = s_contains,
    .len = s_len,
    .keys = s_keys,
    .values = s_values,
    .items = s_items,
    .update = s_update_method,
    .pop = s_pop,
    .set_default = s_set_default,
    .clear = s_clear,
    .increment = s_increment,
    .pop_item = s_pop_item,
    .merged = s_merged,
    .iter = s_iter,
};

rom_status_t
romi_builtin_dict_register (rom_server_t *server)
{
    return rom__builtins__dict__rom_register (server, &s_servant, NULL);
}
