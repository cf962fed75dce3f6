// slot.h: private to the built-in data types (value.c, array.c, dict.c, list.c, namespace.c, set.c). What
// they share: slots (owned copies of Variants), typecode checks, Python index arithmetic, an
// insertion-ordered hash map for Dict, Namespace and Set, and the wording of their errors.
#ifndef ROM_BUILTINS_SLOT_H
#define ROM_BUILTINS_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rom/rom.h"
#include "rom/builtins/variant.pb-c.h"

typedef Rom__Builtins__Variant romi_variant_msg_t;

// ---- slots ------------------------------------------------------------------------------------------------

// One stored value: a Variant's kind and an owned copy of its content (24 bytes, no allocation for
// numbers and bools).
typedef struct {
    uint8_t kind; // Rom__Builtins__Variant__KindCase; NOT_SET is None
    union {
        int64_t i;
        uint64_t u;
        double d;
        bool b;
        struct {
            char *data; // NUL-terminated for strings (and for bytes, for convenience)
            size_t len;
        } s;
        Rom__ObjectRef *ref; // deep copy
    };
} romi_slot_t;

#define ROM_SLOT_NONE ((romi_slot_t) {.kind = ROM__BUILTINS__VARIANT__KIND__NOT_SET})

// Replace `slot` with a copy of `v` (NULL: None). An object reference is kept alive while stored
// (rom_call_keep_ref): ROM_NO_OBJECT if it names no object. On failure (text set on `call`) the slot is
// unchanged.
rom_status_t romi_slot_set (romi_slot_t *slot, const romi_variant_msg_t *v, rom_call_t *call);
// Free the slot's content and make it None, letting go of a stored reference (rom_call_drop_ref) as the
// value leaves the container during `call`.
void romi_slot_release (romi_slot_t *slot, rom_call_t *call);
// The same when the container itself dies (its servant destructor): the runtime drops what it kept.
void romi_slot_clear (romi_slot_t *slot);
// Point `out` at the slot's content (borrowed: valid while the slot is unchanged, which it is until the
// reply is packed as long as the method does not free it). An object reference is copied into the call's
// memory instead: the runtime fills in a reply's ObjectRefs (endpoint, type) in place, which must not
// touch the stored one. ROM_NOMEM only for a reference.
rom_status_t romi_slot_export (const romi_slot_t *slot, romi_variant_msg_t *out, rom_call_t *call);
// The same with the content copied into the call's memory, for a slot about to be freed (pop).
rom_status_t romi_slot_export_copy (const romi_slot_t *slot, romi_variant_msg_t *out, rom_call_t *call);
// Python's ==: numbers compare by value across int, uint and double (1 == 1.0); others by kind and content.
bool romi_slot_equal (const romi_slot_t *slot, const romi_variant_msg_t *v);
// "an int", "a string", ... for error texts.
const char *romi_variant_kind_name (const romi_variant_msg_t *v);

// ---- typecodes --------------------------------------------------------------------------------------------

typedef enum {
    ROM_TC_SIGNED,
    ROM_TC_UNSIGNED,
    ROM_TC_FLOAT,
    ROM_TC_BOOL,
    ROM_TC_STRING,
    ROM_TC_BYTES
} romi_tc_class_t;

// Whether `typecode` is one of Typecode's letters (NONE is not); `text_ok` admits STRING and BYTES.
bool romi_typecode_valid (int typecode, bool text_ok);
romi_tc_class_t romi_typecode_class (int typecode);
// Element size in bytes of a number or bool typecode.
size_t romi_typecode_size (int typecode);

// A number or bool checked against a typecode and converted to its class: .i for SIGNED, .u for
// UNSIGNED, .d for FLOAT (rounded to float for 'f'), .b for BOOL.
typedef union {
    int64_t i;
    uint64_t u;
    double d;
    bool b;
} romi_scalar_t;

// Check `v` against a number or bool typecode: WRONG_TYPE for another kind (a float for 'i', a string for
// 'd'), OUT_OF_RANGE for a number the typecode cannot hold (300 for 'b', -1 for 'I'). Integers are
// accepted for 'f' and 'd'. `what` names the target in the error text ("Value", "Array[3]").
rom_status_t romi_scalar_from_variant (int typecode, const romi_variant_msg_t *v, romi_scalar_t *out,
                                       rom_call_t *call, const char *what);
// Set `out` to the scalar in the Variant kind of its typecode's class.
void romi_scalar_export (int typecode, romi_scalar_t scalar, romi_variant_msg_t *out);

// ---- Python indexes ---------------------------------------------------------------------------------------

// Resolve a Python index (negative from the end) into [0, len): OUT_OF_RANGE with a text naming both.
rom_status_t romi_index_resolve (int64_t index, size_t len, size_t *pos, rom_call_t *call, const char *what);
// Clamp a Python slice to [start, stop) within [0, len], stop >= start.
void romi_slice_resolve (int64_t start, int64_t stop, size_t len, size_t *from, size_t *to);

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

// Arrays of reply messages in the call's memory: `n` Variants and the pointer array a repeated field needs.
romi_variant_msg_t **romi_variants_alloc (rom_call_t *call, size_t n);

#endif
