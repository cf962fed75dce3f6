// set.c: the servant of rom.builtins.Set (Python's Manager ().set ()). The elements are the keys of
// key.c's insertion-ordered map (values stay None), so membership is O(1), equality and hashing are
// Python's (1 == 1.0 == True), and iteration has a stable order to resume from.
//
// Each rpc is one atomic step. Those that take items check every item before changing anything, so an
// unhashable one (an object reference) leaves the set as it was. Operations against items that need
// membership in the items (intersection, difference, subset, symmetric difference) first build a temporary
// map of them, as CPython makes a set of a non-set argument: O(n + m), never O(n * m).
//
// `version` counts changes: every element added or removed bumps it, calls that change nothing (adding a
// present element, discarding a missing one) do not. Iter answers CHANGED when the version a cursor
// started from is gone, which is also what keeps cursor positions honest: the map only moves entries
// (compaction) on an insert, which bumps the version.
#include "builtins.h"
#include "slot.h"
#include "key.h"

#include <stdlib.h>

#include "rom/builtins/set.rom.h"

typedef Rom__Builtins__VariantList s_items_t;

typedef struct {
    romi_omap_t map;  // the elements are its keys
    uint64_t version; // changes so far: what an iteration's cursor checks
    size_t finger;    // where pop () looks first (CPython's finger), so draining the set is O(n) in all
} s_set_t;

#define S_DEFAULT_CHUNK 256
#define S_CHUNK_MAX 65536 // as Dict's and List's: a chunk's cost stays far under any reply limit

// ---- changes ----------------------------------------------------------------------------------------------

static rom_status_t
s_add (s_set_t *s, const romi_key_t *key, rom_call_t *call)
{
    if (romi_omap_find (&s->map, key))
        return ROM_OK; // Python keeps the element stored first (1 stays 1 when 1.0 is added)
    romi_omap_entry_t *e;
    rom_status_t status = romi_omap_insert (&s->map, key, &e, call);
    if (status == ROM_OK)
        s->version++;
    return status;
}

static void
s_remove (s_set_t *s, romi_omap_entry_t *e, rom_call_t *call)
{
    romi_omap_remove (&s->map, e, call);
    s->version++;
}

// Every item is hashable, or the status (WRONG_TYPE) of the first that is not: checked before any change.
static rom_status_t
s_check (const s_items_t *items, rom_call_t *call)
{
    romi_key_t key;
    for (size_t i = 0; items && i < items->n_items; i++) {
        rom_status_t status = romi_key_from_variant (items->items[i], &key, call);
        if (status != ROM_OK)
            return status;
    }
    return ROM_OK;
}

// The key of an item s_check () accepted.
static romi_key_t
s_key (const s_items_t *items, size_t i)
{
    romi_key_t key;
    romi_key_from_variant (items->items[i], &key, NULL);
    return key;
}

// A temporary map of the items (duplicates once, the first kept: Python's set (items)). Checks them
// first. romi_omap_clear (tmp, NULL) after use, whatever the status.
static rom_status_t
s_map_of (const s_items_t *items, romi_omap_t *tmp, rom_call_t *call)
{
    romi_omap_init (tmp);
    rom_status_t status = s_check (items, call);
    for (size_t i = 0; status == ROM_OK && items && i < items->n_items; i++) {
        romi_key_t key = s_key (items, i);
        romi_omap_entry_t *e;
        if (!romi_omap_find (tmp, &key))
            status = romi_omap_insert (tmp, &key, &e, call);
    }
    return status;
}

// A stored element as the key to look it up with elsewhere (borrowing its text).
static romi_key_t
s_key_of (const romi_omap_entry_t *e)
{
    return (romi_key_t) {.v = e->key, .hash = e->hash};
}

// ---- plain results ----------------------------------------------------------------------------------------

// A VariantList reply being filled: room for `cap` elements in the call's memory.
typedef struct {
    s_items_t *out;
    romi_variant_msg_t **cells;
    size_t cap;
} s_result_t;

static rom_status_t
s_result_start (s_result_t *r, s_items_t *out, size_t cap, rom_call_t *call)
{
    r->out = out;
    r->cap = cap;
    if (romi_reply_room (call, cap, ROMI_VARIANT_COST) != ROM_OK)
        return ROM_TOO_LARGE;
    r->cells = romi_variants_alloc (call, cap);
    out->items = r->cells;
    out->n_items = 0;
    return cap && !r->cells ? rom_call_fail (call, ROM_NOMEM, "server out of memory") : ROM_OK;
}

// Append an element: borrowed from the set's storage (`copy` false: it stays until the reply is packed)
// or copied into the call's memory (`copy` true: a temporary map's, freed before that).
static rom_status_t
s_result_put (s_result_t *r, const romi_slot_t *element, bool copy, rom_call_t *call)
{
    romi_variant_msg_t *cell = r->cells[r->out->n_items++];
    return copy ? romi_slot_export_copy (element, cell, call) : romi_slot_export (element, cell, call);
}

// Python's set operations between the set (a) and the items (b) as plain results. Which of the parts to
// return: the elements of a in b (or not in b), then the elements of b not in a.
typedef enum {
    S_A_IN_B = 1,     // intersection: as CPython, the items' elements are returned (below)
    S_A_NOT_IN_B = 2, // difference
    S_B_NOT_IN_A = 4, // with S_A_NOT_IN_B: symmetric difference
    S_ALL_A = 8,      // with S_B_NOT_IN_A: union
} s_parts_t;

static rom_status_t
s_combine (s_set_t *s, const s_items_t *items, int parts, s_items_t *out, rom_call_t *call)
{
    romi_omap_t tmp;
    rom_status_t status = s_map_of (items, &tmp, call);
    s_result_t r;
    if (status == ROM_OK)
        status = s_result_start (&r, out, s->map.live + tmp.live, call);
    if (status == ROM_OK && (parts & (S_ALL_A | S_A_NOT_IN_B)))
        ROM_OMAP_FOREACH (&s->map, e) {
            romi_key_t key = s_key_of (e);
            if ((parts & S_ALL_A) || !romi_omap_find (&tmp, &key))
                if ((status = s_result_put (&r, &e->key, false, call)) != ROM_OK)
                    break;
        }
    if (status == ROM_OK && (parts & (S_A_IN_B | S_B_NOT_IN_A)))
        ROM_OMAP_FOREACH (&tmp, e) {
            romi_key_t key = s_key_of (e);
            bool in_a = romi_omap_find (&s->map, &key) != NULL;
            if ((parts & S_A_IN_B) ? in_a : !in_a)
                if ((status = s_result_put (&r, &e->key, true, call)) != ROM_OK)
                    break;
        }
    romi_omap_clear (&tmp, NULL);
    return status;
}

// ---- the servant ------------------------------------------------------------------------------------------

static rom_status_t
s_missing (rom_call_t *call, const romi_key_t *key)
{
    char repr[80];
    return rom_call_fail (call, ROM_NOT_FOUND, "no element %s", romi_key_repr (key, repr, sizeof repr));
}

static rom_status_t
s_update (s_set_t *s, const s_items_t *items, rom_call_t *call)
{
    rom_status_t status = s_check (items, call);
    for (size_t i = 0; status == ROM_OK && items && i < items->n_items; i++) {
        romi_key_t key = s_key (items, i);
        status = s_add (s, &key, call);
    }
    return status;
}

static rom_status_t
s_create (void *ctx, const s_items_t *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    s_set_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    romi_omap_init (&self->map);
    rom_status_t status = s_update (self, args, call);
    if (status != ROM_OK) {
        romi_omap_clear (&self->map, call);
        free (self);
        return status;
    }
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    s_set_t *s = self;
    romi_omap_clear (&s->map, NULL);
    free (s);
}

static rom_status_t
s_add_method (void *self, const romi_variant_msg_t *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in, &key, call);
    return status == ROM_OK ? s_add (self, &key, call) : status;
}

// Discard (`must` false) and Remove (`must` true: NOT_FOUND when missing).
static rom_status_t
s_take_out (s_set_t *s, const romi_variant_msg_t *in, bool must, rom_call_t *call)
{
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in, &key, call);
    if (status != ROM_OK)
        return status;
    romi_omap_entry_t *e = romi_omap_find (&s->map, &key);
    if (e)
        s_remove (s, e, call);
    else if (must)
        return s_missing (call, &key);
    return ROM_OK;
}

static rom_status_t
s_discard (void *self, const romi_variant_msg_t *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    return s_take_out (self, in, false, call);
}

static rom_status_t
s_remove_method (void *self, const romi_variant_msg_t *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    return s_take_out (self, in, true, call);
}

static rom_status_t
s_pop (void *self, const Google__Protobuf__Empty *in, romi_variant_msg_t *out, rom_call_t *call)
{
    (void) in;
    s_set_t *s = self;
    if (s->map.live == 0)
        return rom_call_fail (call, ROM_NOT_FOUND, "pop from an empty set");
    // From the finger on, wrapping around: some entry is live. The finger may be stale after the map
    // compacted or emptied; it only costs a longer scan then.
    size_t n = s->map.n_entries, at = s->finger < n ? s->finger : 0;
    while (s->map.entries[at].key.kind == ROMI_KEY_DELETED)
        at = (at + 1) % n;
    // The entry is freed now, so the reply gets a copy in the call's memory.
    rom_status_t status = romi_slot_export_copy (&s->map.entries[at].key, out, call);
    if (status == ROM_OK) {
        s_remove (s, &s->map.entries[at], call);
        s->finger = at + 1;
    }
    return status;
}

static rom_status_t
s_contains (void *self, const romi_variant_msg_t *in, Rom__Builtins__Truth *out, rom_call_t *call)
{
    s_set_t *s = self;
    romi_key_t key;
    rom_status_t status = romi_key_from_variant (in, &key, call);
    if (status == ROM_OK)
        out->value = romi_omap_find (&s->map, &key) != NULL;
    return status;
}

static rom_status_t
s_len (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Size *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->size = ((s_set_t *) self)->map.live;
    return ROM_OK;
}

static rom_status_t
s_clear (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    s_set_t *s = self;
    if (s->map.live) {
        romi_omap_clear (&s->map, call);
        s->version++;
    }
    return ROM_OK;
}

static rom_status_t
s_update_method (void *self, const s_items_t *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    return s_update (self, in, call);
}

static rom_status_t
s_difference_update (void *self, const s_items_t *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_set_t *s = self;
    rom_status_t status = s_check (in, call);
    for (size_t i = 0; status == ROM_OK && in && i < in->n_items; i++) {
        romi_key_t key = s_key (in, i);
        romi_omap_entry_t *e = romi_omap_find (&s->map, &key);
        if (e)
            s_remove (s, e, call);
    }
    return status;
}

// In place rather than CPython's swap of a new set, so the surviving entries keep their positions; a kept
// element takes the item's kind (CPython's result holds the argument's objects: {1} &= [1.0] is {1.0}).
// Equal elements of different kinds are numbers, so that is a copy without allocation.
static rom_status_t
s_intersection_update (void *self, const s_items_t *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    s_set_t *s = self;
    romi_omap_t tmp;
    rom_status_t status = s_map_of (in, &tmp, call);
    if (status == ROM_OK)
        ROM_OMAP_FOREACH (&s->map, e) {
            romi_key_t key = s_key_of (e);
            romi_omap_entry_t *twin = romi_omap_find (&tmp, &key);
            if (!twin) {
                bool last = s->map.live == 1; // removing the last element frees the entries under `e`
                s_remove (s, e, call);
                if (last)
                    break;
            } else if (twin->key.kind != e->key.kind) {
                e->key = twin->key;
                s->version++;
            }
        }
    romi_omap_clear (&tmp, NULL);
    return status;
}

static rom_status_t
s_symmetric_difference_update (void *self, const s_items_t *in, Google__Protobuf__Empty *out,
                               rom_call_t *call)
{
    (void) out;
    s_set_t *s = self;
    romi_omap_t tmp;
    rom_status_t status = s_map_of (in, &tmp, call);
    if (status == ROM_OK)
        ROM_OMAP_FOREACH (&tmp, t) {
            romi_key_t key = s_key_of (t);
            romi_omap_entry_t *e = romi_omap_find (&s->map, &key);
            if (e)
                s_remove (s, e, call);
            else if ((status = s_add (s, &key, call)) != ROM_OK)
                break;
        }
    romi_omap_clear (&tmp, NULL);
    return status;
}

static rom_status_t
s_union (void *self, const s_items_t *in, s_items_t *out, rom_call_t *call)
{
    return s_combine (self, in, S_ALL_A | S_B_NOT_IN_A, out, call);
}

static rom_status_t
s_intersection (void *self, const s_items_t *in, s_items_t *out, rom_call_t *call)
{
    return s_combine (self, in, S_A_IN_B, out, call);
}

static rom_status_t
s_difference (void *self, const s_items_t *in, s_items_t *out, rom_call_t *call)
{
    return s_combine (self, in, S_A_NOT_IN_B, out, call);
}

static rom_status_t
s_symmetric_difference (void *self, const s_items_t *in, s_items_t *out, rom_call_t *call)
{
    return s_combine (self, in, S_A_NOT_IN_B | S_B_NOT_IN_A, out, call);
}

// How many of the items are elements (`in_set` true) or not; each item once. Checks them first.
static rom_status_t
s_count_items (s_set_t *s, const s_items_t *items, bool in_set, size_t *count, rom_call_t *call)
{
    rom_status_t status = s_check (items, call);
    *count = 0;
    for (size_t i = 0; status == ROM_OK && items && i < items->n_items; i++) {
        romi_key_t key = s_key (items, i);
        if ((romi_omap_find (&s->map, &key) != NULL) == in_set)
            (*count)++;
    }
    return status;
}

static rom_status_t
s_is_disjoint (void *self, const s_items_t *in, Rom__Builtins__Truth *out, rom_call_t *call)
{
    size_t shared;
    rom_status_t status = s_count_items (self, in, true, &shared, call);
    out->value = shared == 0;
    return status;
}

static rom_status_t
s_is_superset (void *self, const s_items_t *in, Rom__Builtins__Truth *out, rom_call_t *call)
{
    size_t missing;
    rom_status_t status = s_count_items (self, in, false, &missing, call);
    out->value = missing == 0;
    return status;
}

// Every element is among the items: the items as a set, counted against the set's size.
static rom_status_t
s_is_subset (void *self, const s_items_t *in, Rom__Builtins__Truth *out, rom_call_t *call)
{
    s_set_t *s = self;
    romi_omap_t tmp;
    rom_status_t status = s_map_of (in, &tmp, call);
    size_t shared = 0;
    if (status == ROM_OK)
        ROM_OMAP_FOREACH (&tmp, t) {
            romi_key_t key = s_key_of (t);
            shared += romi_omap_find (&s->map, &key) != NULL;
        }
    out->value = shared == s->map.live;
    romi_omap_clear (&tmp, NULL);
    return status;
}

static rom_status_t
s_items (void *self, const Google__Protobuf__Empty *in, s_items_t *out, rom_call_t *call)
{
    (void) in;
    s_set_t *s = self;
    s_result_t r;
    rom_status_t status = s_result_start (&r, out, s->map.live, call);
    if (status == ROM_OK)
        ROM_OMAP_FOREACH (&s->map, e) {
            if ((status = s_result_put (&r, &e->key, false, call)) != ROM_OK)
                break;
        }
    return status;
}

static rom_status_t
s_iter (void *self, const Rom__Builtins__Cursor *in, Rom__Builtins__Chunk *out, rom_call_t *call)
{
    s_set_t *s = self;
    if (in->started && in->version != s->version)
        return rom_call_fail (call, ROM_CHANGED, "set changed during iteration");
    const romi_omap_t *map = &s->map;
    size_t max = in->max == 0 ? S_DEFAULT_CHUNK : in->max > S_CHUNK_MAX ? S_CHUNK_MAX : in->max;
    size_t pos = in->started && in->position < map->n_entries ? (size_t) in->position : 0;
    if (in->started && in->position >= map->n_entries)
        pos = map->n_entries; // past the end: a finished cursor asking again
    size_t room = max < map->live ? max : map->live;
    romi_variant_msg_t **items = romi_variants_alloc (call, room);
    if (room && !items)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    size_t n = 0;
    for (; pos < map->n_entries && n < room; pos++)
        if (map->entries[pos].key.kind != ROMI_KEY_DELETED)
            romi_slot_export (&map->entries[pos].key, items[n++], call); // never a reference: cannot fail
    while (pos < map->n_entries && map->entries[pos].key.kind == ROMI_KEY_DELETED)
        pos++; // so `done` is told with the last chunk, not one call later
    out->version = s->version;
    out->next = pos;
    out->items = items;
    out->n_items = n;
    out->done = pos >= map->n_entries;
    return ROM_OK;
}

static const Rom__Builtins__Set_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .add = s_add_method,
    .discard = s_discard,
    .remove = s_remove_method,
    .pop = s_pop,
    .contains = s_contains,
    .len = s_len,
    .clear = s_clear,
    .update = s_update_method,
    .difference_update = s_difference_update,
    .intersection_update = s_intersection_update,
    .symmetric_difference_update = s_symmetric_difference_update,
    .union_with = s_union,
    .intersection = s_intersection,
    .difference = s_difference,
    .symmetric_difference = s_symmetric_difference,
    .is_disjoint = s_is_disjoint,
    .is_subset = s_is_subset,
    .is_superset = s_is_superset,
    .items = s_items,
    .iter = s_iter,
};

rom_status_t
romi_builtin_set_register (rom_server_t *server)
{
    return rom__builtins__set__rom_register (server, &s_servant, NULL);
}
