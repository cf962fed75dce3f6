// key.h: private to the built-in types whose elements are keyed (dict.c, namespace.c, set.c): Python's
// hashable keys and the insertion-ordered hash map that holds them (key.c), on slot.h's slots.
#ifndef ROM_BUILTINS_KEY_H
#define ROM_BUILTINS_KEY_H

#include "slot.h"

// ---- an insertion-ordered hash map (Dict, Namespace, Set) -------------------------------------------------

// A key: any of Python's hashable kinds among a Variant's (None, int, uint, double, bool, string, bytes),
// as a slot that borrows its text while looking up (the entry owns a copy once stored), and its hash.
// Equality and hashing are Python's: 1, 1u, 1.0 and True are one key (equal numbers hash alike whatever
// their kind), "a" and b"a" are two. Every NaN is one key (see romi_key_from_variant).
typedef struct {
    romi_slot_t v; // never REF_VALUE; .s.data borrowed
    uint64_t hash;
} romi_key_t;

// An entry's key kind once removed: not a Variant kind, since None (NOT_SET) is a key like any other.
#define ROMI_KEY_DELETED 0xff

typedef struct {
    romi_slot_t key; // the kind first stored under this key (1 stays 1 when 1.0 is set); ROMI_KEY_DELETED
    romi_slot_t value;
    uint64_t hash;
} romi_omap_entry_t;

// Entries in insertion order in one array (deleted ones leave a hole, compacted when they are half), and an
// open-addressed index of entry positions: CPython's compact dict. O(1) get/set/delete, 56 bytes an entry
// plus 4-8 bytes of index.
typedef struct {
    romi_omap_entry_t *entries;
    size_t n_entries; // used slots of `entries`, holes included
    size_t cap_entries;
    size_t live;       // entries that are not holes
    uint32_t *index;   // 0: empty, UINT32_MAX: deleted, else entry position + 1
    size_t n_index;    // a power of two, or 0
    size_t index_used; // non-empty index cells (live and deleted)
} romi_omap_t;

void romi_omap_init (romi_omap_t *map);
// Free every entry and the index; the map is empty and usable again. `call`: the values leave during this
// call (their references are let go); NULL when the container dies.
void romi_omap_clear (romi_omap_t *map, rom_call_t *call);
// A key from a Variant (NULL: None): none, int, uint, double, bool, string or bytes. An object reference is
// refused with WRONG_TYPE ("unhashable type: an object reference", Python's TypeError). The key borrows the
// Variant's text. NaN: Python's manager would store each NaN sent as a new element (each arrives as a new
// float object, and NaN != NaN), which nothing could then find or remove; here every NaN is one key, as one
// NaN object is in Python (math.nan in {math.nan}).
rom_status_t romi_key_from_variant (const romi_variant_msg_t *v, romi_key_t *key, rom_call_t *call);
romi_key_t romi_key_from_string (const char *s);
// Python's key equality (above) between a stored key and a looked-up one.
bool romi_key_equal (const romi_slot_t *stored, const romi_key_t *key);
// The entry of `key`, or NULL. Entry pointers are valid until the next insert or remove.
romi_omap_entry_t *romi_omap_find (romi_omap_t *map, const romi_key_t *key);
// Add `key` (which must be missing) with a None value; *entry_p is the new entry. ROM_NOMEM on failure.
rom_status_t romi_omap_insert (romi_omap_t *map, const romi_key_t *key, romi_omap_entry_t **entry_p,
                               rom_call_t *call);
// Remove an entry found by romi_omap_find (its key and value are freed).
void romi_omap_remove (romi_omap_t *map, romi_omap_entry_t *entry, rom_call_t *call);
// Python's repr of a key, for error texts: 'name', 42, 1.5, b'\x00', None, True; truncated. Returns `buf`.
const char *romi_key_repr (const romi_key_t *key, char *buf, size_t size);

// `e &&` first: an empty map's entries are NULL, and NULL + 0 is undefined behaviour (UBSan says so).
#define ROM_OMAP_FOREACH(map, e)                                                                             \
    for (romi_omap_entry_t *e = (map)->entries; e && e < (map)->entries + (map)->n_entries; e++)             \
        if (e->key.kind != ROMI_KEY_DELETED)

#endif
