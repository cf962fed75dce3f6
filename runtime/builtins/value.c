// value.c: the servant of rom.builtins.Value, one value of a typecode fixed at creation (Python's
// multiprocessing.Value). The value is a slot holding the Variant kind of its typecode, so Get answers
// without conversion; every write goes through the typecode check. Add and Cas are the atomic
// read-modify-write Python's `v.value += 1` lacks: calls on one object never overlap, so no lock is needed.
#include "builtins.h"
#include "slot.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rom/builtins/value.rom.h"

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

typedef struct {
    int typecode;
    romi_slot_t slot; // always of the typecode's kind (never None)
} s_value_t;

// Store `v` in `value` after checking it against the typecode.
static rom_status_t
s_store (s_value_t *value, const romi_variant_msg_t *v, rom_call_t *call)
{
    romi_tc_class_t cls = romi_typecode_class (value->typecode);
    if (cls == ROM_TC_STRING || cls == ROM_TC_BYTES) {
        int want = cls == ROM_TC_STRING ? KIND (STRING_VALUE) : KIND (BYTES_VALUE);
        if (!v || (int) v->kind_case != want)
            return rom_call_fail (call, ROM_WRONG_TYPE, "Value: %s cannot be stored with typecode '%c'",
                                  romi_variant_kind_name (v), value->typecode);
        return romi_slot_set (&value->slot, v, call);
    }
    romi_scalar_t scalar;
    rom_status_t status = romi_scalar_from_variant (value->typecode, v, &scalar, call, "Value");
    if (status != ROM_OK)
        return status;
    romi_variant_msg_t canonical = ROM__BUILTINS__VARIANT__INIT;
    romi_scalar_export (value->typecode, scalar, &canonical);
    return romi_slot_set (&value->slot, &canonical, call);
}

static rom_status_t
s_create (void *ctx, const Rom__Builtins__ValueInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    if (!romi_typecode_valid ((int) args->typecode, true))
        return rom_call_fail (call, ROM_INVALID,
                              "typecode %d ('%c') is not one of b B h H i I l L q Q f d ? s y",
                              (int) args->typecode,
                              args->typecode > 32 && args->typecode < 127 ? args->typecode : '?');
    s_value_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    self->typecode = (int) args->typecode;
    rom_status_t status;
    if (args->value && args->value->kind_case != KIND (_NOT_SET))
        status = s_store (self, args->value, call);
    else {
        // No initial value: the typecode's zero, as Python's Value ('i') is 0.
        romi_variant_msg_t zero = ROM__BUILTINS__VARIANT__INIT;
        switch (romi_typecode_class (self->typecode)) {
        case ROM_TC_STRING: zero.kind_case = KIND (STRING_VALUE), zero.string_value = ""; break;
        case ROM_TC_BYTES: zero.kind_case = KIND (BYTES_VALUE); break;
        default: romi_scalar_export (self->typecode, (romi_scalar_t) {0}, &zero); break;
        }
        status = romi_slot_set (&self->slot, &zero, call);
    }
    if (status != ROM_OK) {
        romi_slot_clear (&self->slot);
        free (self);
        return status;
    }
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    s_value_t *value = self;
    romi_slot_clear (&value->slot);
    free (value);
}

static rom_status_t
s_get (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    (void) in;
    return romi_slot_export (&((s_value_t *) self)->slot, out, call);
}

static rom_status_t
s_set (void *self, const Rom__Builtins__Variant *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    return s_store (self, in, call);
}

static rom_status_t
s_add (void *self, const Rom__Builtins__Variant *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    s_value_t *value = self;
    romi_tc_class_t cls = romi_typecode_class (value->typecode);
    int kind = (int) in->kind_case;
    bool int_delta = kind == KIND (INT_VALUE) || kind == KIND (UINT_VALUE);
    if (cls == ROM_TC_BOOL || cls == ROM_TC_STRING || cls == ROM_TC_BYTES
        || (!int_delta && kind != KIND (DOUBLE_VALUE)))
        return rom_call_fail (call, ROM_WRONG_TYPE, "Value: cannot add %s to a Value of typecode '%c'",
                              romi_variant_kind_name (in), value->typecode);
    if (cls != ROM_TC_FLOAT && !int_delta)
        return rom_call_fail (call, ROM_WRONG_TYPE,
                              "Value: cannot add a float to a Value of integer typecode '%c'",
                              value->typecode);
    romi_variant_msg_t sum = ROM__BUILTINS__VARIANT__INIT;
    if (cls == ROM_TC_FLOAT) {
        double delta = kind == KIND (DOUBLE_VALUE) ? in->double_value
                       : kind == KIND (INT_VALUE)  ? (double) in->int_value
                                                   : (double) in->uint_value;
        sum.kind_case = KIND (DOUBLE_VALUE);
        sum.double_value = value->slot.d + delta;
    } else if (cls == ROM_TC_SIGNED) {
        int64_t result;
        bool overflow = kind == KIND (INT_VALUE)
                            ? __builtin_add_overflow (value->slot.i, in->int_value, &result)
                            : __builtin_add_overflow (value->slot.i, in->uint_value, &result);
        if (overflow)
            return rom_call_fail (call, ROM_OUT_OF_RANGE, "Value: the sum leaves the range of typecode '%c'",
                                  value->typecode);
        sum.kind_case = KIND (INT_VALUE);
        sum.int_value = result;
    } else {
        uint64_t result;
        bool overflow = kind == KIND (INT_VALUE)
                            ? __builtin_add_overflow (value->slot.u, in->int_value, &result)
                            : __builtin_add_overflow (value->slot.u, in->uint_value, &result);
        if (overflow)
            return rom_call_fail (call, ROM_OUT_OF_RANGE, "Value: the sum leaves the range of typecode '%c'",
                                  value->typecode);
        sum.kind_case = KIND (UINT_VALUE);
        sum.uint_value = result;
    }
    // The narrower typecodes (b, h, i, B, H, I, f) are range-checked by the store.
    rom_status_t status = s_store (value, &sum, call);
    return status == ROM_OK ? romi_slot_export (&value->slot, out, call) : status;
}

static rom_status_t
s_cas (void *self, const Rom__Builtins__CompareAndSwap *in, Rom__Builtins__Swapped *out, rom_call_t *call)
{
    s_value_t *value = self;
    out->swapped = false;
    if (romi_slot_equal (&value->slot, in->expected)) {
        rom_status_t status = s_store (value, in->desired, call);
        if (status != ROM_OK)
            return status;
        out->swapped = true;
    }
    Rom__Builtins__Variant *current = rom_call_alloc (call, sizeof *current);
    if (!current)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    rom__builtins__variant__init (current);
    out->current = current;
    return romi_slot_export (&value->slot, current, call);
}

static rom_status_t
s_get_typecode (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__TypecodeReply *out,
                rom_call_t *call)
{
    (void) in;
    (void) call;
    out->typecode = (Rom__Builtins__Typecode) ((s_value_t *) self)->typecode;
    return ROM_OK;
}

static const Rom__Builtins__Value_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .get = s_get,
    .set = s_set,
    .add = s_add,
    .cas = s_cas,
    .get_typecode = s_get_typecode,
};

rom_status_t
romi_builtin_value_register (rom_server_t *server)
{
    return rom__builtins__value__rom_register (server, &s_servant, NULL);
}
