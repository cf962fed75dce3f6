// key.c: the hashable keys of Dict, Namespace and Set, and the insertion-ordered map that holds them. Keys
// follow Python's equality, so 1, 1u, 1.0 and True are one key: a number is reduced to one form (an integer
// as sign and magnitude, any other double as itself, every NaN as one value) before it is hashed, so equal
// numbers of any kind hash alike. The map is CPython's compact dict (an array of entries in insertion order
// plus an open-addressed index of their positions), chosen over a chained hash table because it keeps
// Python's iteration order for free and costs no allocation per entry. Keys and values are slots (slot.c).
#include "key.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

// ---- keys -------------------------------------------------------------------------------------------------

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
        e->key.s.data = romi_memdup (key->v.s.data, key->v.s.len);
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
