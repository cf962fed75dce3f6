// state_api.h: private to the client side of declared state (state_api.c, batch_api.c, watch_api.c). An
// apply, a batch step and a watched change carry the same values, so converting them (rom_variant_t <->
// rom.StateValue, rom_state_op_t -> rom.StateOp) is written once, in state_api.c, and used by the other two;
// neither of those is used by state_api.c, so the files do not depend on each other in a circle.
#ifndef ROMI_STATE_API_H
#define ROMI_STATE_API_H

#include "state.h"

// Fail with ROM_INVALID: "`fn`: `why`" (API misuse, on no client).
rom_status_t romi_state_invalid (const char *fn, const char *why);
// The index of engine method `name` in the proxy's type: ROM_INVALID (with the text) when the proxy is bad
// or its type has no state.
rom_status_t romi_state_method (const char *fn, const rom_proxy_t *proxy, const char *name, unsigned *index);
// The message descriptor of the value at `path` in `state` (the field's, or an item's or map value's);
// NULL when not a message or unknown.
const ProtobufCMessageDescriptor *romi_state_message_at (const ProtobufCMessageDescriptor *state,
                                                         const uint32_t *path, size_t depth);
// rom_variant_t -> rom.StateValue, borrowing. NULL for ROM_KIND_NONE.
rom_status_t romi_state_value_in (const char *fn, const rom_variant_t *v, Rom__StateValue *msg,
                                  Rom__StateValue **out);
// rom.StateValue -> rom_variant_t (caller-owned copies). A packed message stays ROM_KIND_BYTES.
rom_status_t romi_state_value_out (const Rom__StateValue *msg, rom_variant_t *v);

// An op built on the caller's stack (`values` holds value, value2, key; `items` the EXTEND items, malloc'd),
// borrowing; a message operand packed into *packed (free () it).
typedef struct {
    Rom__StateOp msg;
    Rom__StateValue value, value2, key, message;
    Rom__StateValue *items_mem;
    Rom__StateValue **items;
    uint8_t *packed;
} romi_state_op_in_t;

// Build `in` from `op`, checking it (ROM_INVALID naming `fn`). Call romi_state_op_in_done () after, whatever
// it returned.
rom_status_t romi_state_op_in (const char *fn, const rom_state_op_t *op, romi_state_op_in_t *in);
// Free what romi_state_op_in () allocated.
void romi_state_op_in_done (romi_state_op_in_t *in);
// rom.StateResult -> rom_state_result_t; a message value unpacked with `desc` when known.
rom_status_t romi_state_result_out (const Rom__StateResult *msg, const ProtobufCMessageDescriptor *desc,
                                    rom_state_result_t *result);

#endif
