// engine.h: private to the engine's files (engine*.c). The engine is cut by the shape of the field an op
// lands on: engine_value.c (the wide value form, slots, the wire, errors) is the bottom every other file
// uses; engine_scalar.c, engine_repeated.c and engine_map.c run the ops of one shape each (maps are
// repeated fields of entries, so engine_map.c uses engine_repeated.c's array helpers); engine.c walks the
// path and dispatches. Calls go down only, so no two files depend on each other (check_cycles.sh).
#ifndef ROMI_STATE_ENGINE_H
#define ROMI_STATE_ENGINE_H

#include "state.h"

#define KIND(name) ROM__STATE_VALUE__KIND_##name
#define MEMBER(type, msg, offset) (*(type *) (void *) ((char *) (msg) + (offset)))

// A value in one wide form, between the wire (rom.StateValue) and a field's storage (a "slot": the address
// of one scalar in a message or an array).
typedef struct {
    int64_t i;
    uint64_t u;
    double d;
    bool b;
    char *s; // owned (from romi_state_from_wire) or borrowed (from romi_state_load)
    ProtobufCBinaryData bin;
    ProtobufCMessage *m;
} romi_state_val_t;

// Where a field is: its message and descriptor (for error texts).
typedef struct {
    ProtobufCMessage *msg;
    const ProtobufCMessageDescriptor *owner;
    const ProtobufCFieldDescriptor *field;
} romi_state_target_t;

typedef enum {
    ROMI_STATE_SIGNED,
    ROMI_STATE_UNSIGNED,
    ROMI_STATE_FLOAT,
    ROMI_STATE_BOOL,
    ROMI_STATE_ENUM,
    ROMI_STATE_STRING,
    ROMI_STATE_BYTES,
    ROMI_STATE_MESSAGE
} romi_state_class_t;

// --- engine_value.c: names, errors -------------------------------------------------------------------------

// "ADD", "SET_AT", ... for error texts.
const char *romi_state_op_name (unsigned op);
// "int32", "string", ... for error texts.
const char *romi_state_type_name (ProtobufCType type);
romi_state_class_t romi_state_class (const ProtobufCFieldDescriptor *f);
// A signed, unsigned or floating-point field.
bool romi_state_is_number (const ProtobufCFieldDescriptor *f);
// A map: a repeated field of *Entry messages with key = 1 and value = 2.
bool romi_state_is_map (const ProtobufCFieldDescriptor *f);
// "a repeated string", "an int64", "a map", for refusals. Returns `buf`.
const char *romi_state_describe (const ProtobufCFieldDescriptor *f, char *buf, size_t size);
// Fail `call` with `status` and a text naming the target's field: "demo.Stats.hits: ...".
rom_status_t romi_state_fail (rom_call_t *call, rom_status_t status, const romi_state_target_t *t,
                              const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));
// ROM_WRONG_TYPE: "`op` needs `needs`, not <what the field is>".
rom_status_t romi_state_wrong (rom_call_t *call, const romi_state_target_t *t, unsigned op,
                               const char *needs);
rom_status_t romi_state_nomem (rom_call_t *call);

// --- engine_value.c: slots, one value in a message or an array ---------------------------------------------

// The size of one slot of field `f` (an array item's).
size_t romi_state_slot_size (const ProtobufCFieldDescriptor *f);
// The value in a slot; strings, bytes and messages borrowed.
romi_state_val_t romi_state_load (const ProtobufCFieldDescriptor *f, const void *slot);
// Free what a slot owns (never a descriptor's default).
void romi_state_slot_free (const ProtobufCFieldDescriptor *f, void *slot);
// Store an owned value (checked already) into a slot, freeing what it held.
void romi_state_store (const ProtobufCFieldDescriptor *f, void *slot, romi_state_val_t v);
// Free an owned value that was not stored.
void romi_state_val_free (const ProtobufCFieldDescriptor *f, romi_state_val_t *v);
// Set a proto2 optional scalar's has_ flag.
void romi_state_set_has (const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg, bool has);

// --- engine_value.c: the wire, comparison, arithmetic ------------------------------------------------------

// Convert and check an operand for field `f` (of target `t`, for texts): on ROM_OK *out is owned.
rom_status_t romi_state_from_wire (const romi_state_target_t *t, const ProtobufCFieldDescriptor *f,
                                   const Rom__StateValue *v, romi_state_val_t *out, rom_call_t *call);
// The wire form of a value (borrowed), in the call's memory. Packs messages (an absent one: its defaults).
rom_status_t romi_state_to_wire (const ProtobufCFieldDescriptor *f, romi_state_val_t v,
                                 Rom__StateValue **out_p, rom_call_t *call);
// The value in `slot` as the op's result (out->value), and as the change's value when `change` is given.
rom_status_t romi_state_out_value (const ProtobufCFieldDescriptor *f, const void *slot, Rom__StateResult *out,
                                   Rom__Change *change, rom_call_t *call);
// Equality of a stored value and a checked operand, in the field's kind.
bool romi_state_val_equal (const ProtobufCFieldDescriptor *f, romi_state_val_t a, romi_state_val_t b);
// cur + by for a number field; ROM_OUT_OF_RANGE on overflow of the field's width. `by` is the raw wire value
// (a uint field may be decremented by a negative int).
rom_status_t romi_state_add (const romi_state_target_t *t, const ProtobufCFieldDescriptor *f,
                             romi_state_val_t cur, const Rom__StateValue *by, romi_state_val_t *out,
                             rom_call_t *call);

// --- engine_repeated.c: a repeated field's array (maps use them too) ---------------------------------------

static inline size_t *
romi_state_count (const romi_state_target_t *t)
{
    return &MEMBER (size_t, t->msg, t->field->quantifier_offset);
}

static inline char **
romi_state_array (const romi_state_target_t *t)
{
    return &MEMBER (char *, t->msg, t->field->offset);
}

static inline void *
romi_state_item (const romi_state_target_t *t, const ProtobufCFieldDescriptor *f, size_t i)
{
    return *romi_state_array (t) + i * romi_state_slot_size (f);
}

// Room for `more` items (the array grows by doubling; realloc as protobuf-c's default allocator frees).
rom_status_t romi_state_reserve (const romi_state_target_t *t, size_t more, rom_call_t *call);
// Remove item `at` (freeing what it owns when `free_it`), moving the rest down.
void romi_state_remove (const romi_state_target_t *t, size_t at, bool free_it);
// Free every item and the array.
void romi_state_clear_repeated (const romi_state_target_t *t);
// Items [from, to) as wire values in the call's memory; `field_offset` (not SIZE_MAX): items are map entries,
// and the key or value at that offset of each is taken.
rom_status_t romi_state_items_to_wire (const romi_state_target_t *t, const ProtobufCFieldDescriptor *f,
                                       size_t from, size_t to, size_t field_offset,
                                       Rom__StateValue ***items_p, size_t *n_p, rom_call_t *call);

// --- the ops of one shape, as romi_state_exec (): out, *modified and change filled on ROM_OK ---------------

// engine_scalar.c: a singular field.
rom_status_t romi_state_singular (const romi_state_target_t *t, const Rom__StateOp *op, Rom__StateResult *out,
                                  bool *modified, Rom__Change *change, rom_call_t *call);
// engine_repeated.c: a repeated field.
rom_status_t romi_state_repeated (const romi_state_target_t *t, const Rom__StateOp *op, Rom__StateResult *out,
                                  bool *modified, Rom__Change *change, rom_call_t *call);
// engine_map.c: a map.
rom_status_t romi_state_map_op (const romi_state_target_t *t, const Rom__StateOp *op, Rom__StateResult *out,
                                bool *modified, Rom__Change *change, rom_call_t *call);

#endif
