// slot.h: private to the built-in data types (value.c, array.c, dict.c, list.c, namespace.c, set.c). What
// they share: slots (owned copies of Variants), typecode checks, Python index arithmetic and the wording of
// their errors. The hashable keys and the ordered map of Dict, Namespace and Set: key.h.
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
// A NUL-terminated malloc'd copy of `len` bytes (text, or bytes that may hold NULs); NULL when out of memory.
char *romi_memdup (const void *data, size_t len);
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

// Arrays of reply messages in the call's memory: `n` Variants and the pointer array a repeated field needs.
romi_variant_msg_t **romi_variants_alloc (rom_call_t *call, size_t n);
// What one Variant of a reply costs the server before it is packed (the message and its pointer).
#define ROMI_VARIANT_COST (sizeof (romi_variant_msg_t) + sizeof (romi_variant_msg_t *))
// ROM_OK when a reply of `n` items costing `cost` bytes each stays within the reply limit
// (rom_call_max_reply ()); else a ROM_TOO_LARGE failure of `call`: a container's whole content is refused
// before it is built, rather than allocated, packed and then refused (or sent) as one huge reply.
rom_status_t romi_reply_room (rom_call_t *call, size_t n, size_t cost);

#endif
