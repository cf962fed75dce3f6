// engine_repeated.c: the ops of declared state on a repeated field (protobuf-c's n_field + array), with
// Python's list semantics: APPEND, EXTEND and SET (all or nothing), LEN, AT, SET_AT, REMOVE_AT (negative
// indexes from the end), SLICE (clamped as Python's), CLEAR. The array helpers are exported because a map is
// a repeated field too (engine_map.c); the array keeps no capacity of its own (protobuf-c unpacks arrays
// exactly n long), so it grows by powers of two past its length.
#include "engine.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

// --- the array ---------------------------------------------------------------------------------------------

// Room for `more` items (the array grows by doubling; realloc as protobuf-c's default allocator frees).
rom_status_t
romi_state_reserve (const romi_state_target_t *t, size_t more, rom_call_t *call)
{
    size_t n = *romi_state_count (t), size = romi_state_slot_size (t->field);
    if (more > SIZE_MAX / size - n)
        return romi_state_nomem (call);
    // The capacity is not stored (arrays unpacked by protobuf-c are exactly n long): realloc to the next
    // power of two past n + more each time, which glibc answers in place while the block has room.
    size_t want = n + more, cap = 4;
    while (cap < want)
        cap *= 2;
    char *grown = realloc (*romi_state_array (t), cap * size);
    if (!grown)
        return romi_state_nomem (call);
    *romi_state_array (t) = grown;
    return ROM_OK;
}

// A Python index (negative from the end) into [0, n): false when outside.
static bool
s_index (int64_t index, size_t n, size_t *at)
{
    if (index < 0)
        index += (int64_t) n;
    if (index < 0 || (uint64_t) index >= n)
        return false;
    *at = (size_t) index;
    return true;
}

void
romi_state_remove (const romi_state_target_t *t, size_t at, bool free_it)
{
    size_t n = *romi_state_count (t), size = romi_state_slot_size (t->field);
    char *a = *romi_state_array (t);
    if (free_it)
        romi_state_slot_free (t->field, a + at * size);
    memmove (a + at * size, a + (at + 1) * size, (n - at - 1) * size);
    *romi_state_count (t) = n - 1;
    if (n - 1 == 0) {
        free (a);
        *romi_state_array (t) = NULL;
    }
}

void
romi_state_clear_repeated (const romi_state_target_t *t)
{
    size_t n = *romi_state_count (t);
    for (size_t i = 0; i < n; i++)
        romi_state_slot_free (t->field, romi_state_item (t, t->field, i));
    free (*romi_state_array (t));
    *romi_state_array (t) = NULL;
    *romi_state_count (t) = 0;
}

rom_status_t
romi_state_items_to_wire (const romi_state_target_t *t, const ProtobufCFieldDescriptor *f, size_t from,
                          size_t to, size_t field_offset, Rom__StateValue ***items_p, size_t *n_p,
                          rom_call_t *call)
{
    size_t n = to > from ? to - from : 0;
    Rom__StateValue **items = rom_call_alloc (call, (n ? n : 1) * sizeof *items);
    if (!items)
        return romi_state_nomem (call);
    for (size_t i = 0; i < n; i++) {
        void *slot = romi_state_item (t, t->field, from + i);
        if (field_offset != SIZE_MAX) // a map entry's key or value
            slot = (char *) *(ProtobufCMessage **) slot + field_offset;
        rom_status_t status = romi_state_to_wire (f, romi_state_load (f, slot), &items[i], call);
        if (status != ROM_OK)
            return status;
    }
    *items_p = items;
    *n_p = n;
    return ROM_OK;
}

// --- the operations ----------------------------------------------------------------------------------------

// EXTEND (append every item) and SET of a repeated field (`replace`: the items become the field's, Python's
// l[:] = items). Every item is converted before anything is stored: all or nothing.
static rom_status_t
s_extend (const romi_state_target_t *t, const Rom__StateOp *op, bool replace, Rom__StateResult *out,
          bool *modified, Rom__Change *change, rom_call_t *call)
{
    const ProtobufCFieldDescriptor *f = t->field;
    romi_state_val_t *vals = rom_call_alloc (call, (op->n_items ? op->n_items : 1) * sizeof *vals);
    if (!vals)
        return romi_state_nomem (call);
    size_t done = 0;
    rom_status_t status = ROM_OK;
    for (; done < op->n_items && status == ROM_OK; done++)
        status = romi_state_from_wire (t, f, op->items[done], &vals[done], call);
    if (status == ROM_OK) // room for them all before anything changes: nothing can fail after this
        status = romi_state_reserve (t, op->n_items, call);
    if (status != ROM_OK) {
        for (size_t i = 0; i < done; i++)
            romi_state_val_free (f, &vals[i]);
        return status;
    }
    size_t n = *romi_state_count (t);
    if (replace) { // the old items go, the array stays (it has the room)
        for (size_t i = 0; i < n; i++)
            romi_state_slot_free (f, romi_state_item (t, f, i));
        n = 0;
    }
    for (size_t i = 0; i < op->n_items; i++) {
        memset (romi_state_item (t, f, n + i), 0, romi_state_slot_size (f));
        romi_state_store (f, romi_state_item (t, f, n + i), vals[i]);
    }
    *romi_state_count (t) = n + op->n_items;
    *modified = replace || op->n_items > 0;
    out->size = n + op->n_items;
    change->index = (int64_t) n;
    return ROM_OK;
}

rom_status_t
romi_state_repeated (const romi_state_target_t *t, const Rom__StateOp *op, Rom__StateResult *out,
                     bool *modified, Rom__Change *change, rom_call_t *call)
{
    const ProtobufCFieldDescriptor *f = t->field;
    size_t n = *romi_state_count (t), at = 0;
    romi_state_val_t v;
    rom_status_t status;
    switch ((unsigned) op->op) {
    case ROM_STATE_GET:
        return romi_state_items_to_wire (t, f, 0, n, SIZE_MAX, &out->items, &out->n_items, call);
    case ROM_STATE_LEN: out->size = n; return ROM_OK;
    case ROM_STATE_APPEND:
        if ((status = romi_state_from_wire (t, f, op->value, &v, call)) != ROM_OK)
            return status;
        if ((status = romi_state_reserve (t, 1, call)) != ROM_OK) {
            romi_state_val_free (f, &v);
            return status;
        }
        memset (romi_state_item (t, f, n), 0, romi_state_slot_size (f));
        romi_state_store (f, romi_state_item (t, f, n), v);
        *romi_state_count (t) = n + 1;
        *modified = true;
        out->size = n + 1;
        change->index = (int64_t) n;
        return romi_state_out_value (f, romi_state_item (t, f, n), out, change, call);
    case ROM_STATE_EXTEND: return s_extend (t, op, false, out, modified, change, call);
    case ROM_STATE_SET:
        if (op->value && op->value->kind_case != ROM__STATE_VALUE__KIND__NOT_SET)
            return romi_state_fail (call, ROM_WRONG_TYPE, t,
                                    "SET of a repeated field takes items (l[:] = items), not a value");
        return s_extend (t, op, true, out, modified, change, call);
    case ROM_STATE_AT:
    case ROM_STATE_SET_AT:
    case ROM_STATE_REMOVE_AT:
        if (!s_index (op->index, n, &at))
            return romi_state_fail (call, ROM_OUT_OF_RANGE, t,
                                    "index %" PRId64 " is out of range (%zu items)", op->index, n);
        change->index = (int64_t) at;
        if ((unsigned) op->op == ROM_STATE_AT)
            return romi_state_to_wire (f, romi_state_load (f, romi_state_item (t, f, at)), &out->value, call);
        if ((unsigned) op->op == ROM_STATE_SET_AT) {
            if ((status = romi_state_from_wire (t, f, op->value, &v, call)) != ROM_OK)
                return status;
            romi_state_store (f, romi_state_item (t, f, at), v);
            *modified = true;
            return romi_state_out_value (f, romi_state_item (t, f, at), out, change, call);
        }
        // REMOVE_AT: the removed item is the result (copied out before it is freed).
        if ((status = romi_state_out_value (f, romi_state_item (t, f, at), out, change, call)) != ROM_OK)
            return status;
        romi_state_remove (t, at, true);
        *modified = true;
        return ROM_OK;
    case ROM_STATE_CLEAR:
        romi_state_clear_repeated (t);
        *modified = true;
        return ROM_OK;
    case ROM_STATE_SLICE: {
        // Python's clamping: negative counts from the end, then both are clamped into [0, n].
        int64_t lo = op->index, hi = op->stop, len = (int64_t) n;
        if (lo < 0)
            lo = lo + len < 0 ? 0 : lo + len;
        if (hi < 0)
            hi = hi + len < 0 ? 0 : hi + len;
        if (lo > len)
            lo = len;
        if (hi > len)
            hi = len;
        return romi_state_items_to_wire (t, f, (size_t) lo, hi > lo ? (size_t) hi : (size_t) lo, SIZE_MAX,
                                         &out->items, &out->n_items, call);
    }
    default: {
        char what[64];
        return romi_state_fail (call, ROM_WRONG_TYPE, t, "%s does not apply to %s",
                                romi_state_op_name (op->op), romi_state_describe (f, what, sizeof what));
    }
    }
}
