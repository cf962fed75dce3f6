// engine_scalar.c: the ops of declared state on a singular field (number, bool, enum, string, bytes or
// message): SET, CLEAR, ADD, MIN, MAX, CAS, TOGGLE, APPEND, LEN. A file of its own because these are the ops
// whose meaning depends on the field's kind; the conversions and checks they share with repeated fields and
// maps are engine_value.c's, so each op here converts everything first and stores last.
#include "engine.h"

#include <string.h>

static int
s_compare (const ProtobufCFieldDescriptor *f, romi_state_val_t a, romi_state_val_t b)
{
    switch (romi_state_class (f)) {
    case ROMI_STATE_SIGNED: return a.i < b.i ? -1 : a.i > b.i;
    case ROMI_STATE_UNSIGNED: return a.u < b.u ? -1 : a.u > b.u;
    default: return a.d < b.d ? -1 : a.d > b.d;
    }
}

rom_status_t
romi_state_singular (const romi_state_target_t *t, const Rom__StateOp *op, Rom__StateResult *out,
                     bool *modified, Rom__Change *change, rom_call_t *call)
{
    const ProtobufCFieldDescriptor *f = t->field;
    void *slot = (char *) t->msg + f->offset;
    romi_state_class_t c = romi_state_class (f);
    romi_state_val_t v;
    rom_status_t status;
    switch ((unsigned) op->op) {
    case ROM_STATE_GET: return romi_state_to_wire (f, romi_state_load (f, slot), &out->value, call);
    case ROM_STATE_SET:
        if ((status = romi_state_from_wire (t, f, op->value, &v, call)) != ROM_OK)
            return status;
        romi_state_store (f, slot, v);
        romi_state_set_has (f, t->msg, true);
        *modified = true;
        return romi_state_out_value (f, slot, out, change, call);
    case ROM_STATE_CLEAR:
        romi_state_slot_free (f, slot);
        if (c == ROMI_STATE_STRING)
            *(char **) slot = (char *) f->default_value;
        else if (c == ROMI_STATE_BYTES) {
            if (f->default_value)
                *(ProtobufCBinaryData *) slot = *(const ProtobufCBinaryData *) f->default_value;
        } else if (c != ROMI_STATE_MESSAGE) {
            if (f->default_value)
                memcpy (slot, f->default_value, romi_state_slot_size (f));
            else
                memset (slot, 0, romi_state_slot_size (f));
        }
        romi_state_set_has (f, t->msg, false);
        *modified = true;
        return romi_state_out_value (f, slot, out, change, call);
    case ROM_STATE_ADD:
    case ROM_STATE_MIN:
    case ROM_STATE_MAX: {
        if (!romi_state_is_number (f))
            return romi_state_wrong (call, t, op->op, "a number field");
        romi_state_val_t cur = romi_state_load (f, slot);
        if ((unsigned) op->op == ROM_STATE_ADD)
            status = romi_state_add (t, f, cur, op->value, &v, call);
        else
            status = romi_state_from_wire (t, f, op->value, &v, call);
        if (status != ROM_OK)
            return status;
        if ((unsigned) op->op == ROM_STATE_MIN && s_compare (f, cur, v) <= 0)
            v = cur;
        if ((unsigned) op->op == ROM_STATE_MAX && s_compare (f, cur, v) >= 0)
            v = cur;
        romi_state_store (f, slot, v);
        romi_state_set_has (f, t->msg, true);
        *modified = true;
        return romi_state_out_value (f, slot, out, change, call);
    }
    case ROM_STATE_CAS: {
        if (c == ROMI_STATE_MESSAGE || c == ROMI_STATE_BYTES)
            return romi_state_wrong (call, t, op->op, "a number, bool, enum or string field");
        romi_state_val_t expected, desired;
        if ((status = romi_state_from_wire (t, f, op->value, &expected, call)) != ROM_OK)
            return status;
        if ((status = romi_state_from_wire (t, f, op->value2, &desired, call)) != ROM_OK) {
            romi_state_val_free (f, &expected);
            return status;
        }
        out->flag = romi_state_val_equal (f, romi_state_load (f, slot), expected);
        romi_state_val_free (f, &expected);
        if (out->flag) {
            romi_state_store (f, slot, desired);
            romi_state_set_has (f, t->msg, true);
            *modified = true;
        } else
            romi_state_val_free (f, &desired);
        return romi_state_out_value (f, slot, out, out->flag ? change : NULL, call);
    }
    case ROM_STATE_TOGGLE:
        if (c != ROMI_STATE_BOOL)
            return romi_state_wrong (call, t, op->op, "a bool field");
        v.b = !*(protobuf_c_boolean *) slot;
        romi_state_store (f, slot, v);
        romi_state_set_has (f, t->msg, true);
        *modified = true;
        return romi_state_out_value (f, slot, out, change, call);
    case ROM_STATE_APPEND: {
        if (c != ROMI_STATE_STRING && c != ROMI_STATE_BYTES)
            return romi_state_wrong (call, t, op->op, "a string, bytes or repeated field");
        romi_state_val_t add, cur = romi_state_load (f, slot);
        if ((status = romi_state_from_wire (t, f, op->value, &add, call)) != ROM_OK)
            return status;
        size_t a = c == ROMI_STATE_STRING ? (cur.s ? strlen (cur.s) : 0) : cur.bin.len;
        size_t b = c == ROMI_STATE_STRING ? strlen (add.s) : add.bin.len;
        char *joined = malloc (a + b + 1);
        if (!joined) {
            romi_state_val_free (f, &add);
            return romi_state_nomem (call);
        }
        if (a)
            memcpy (joined, c == ROMI_STATE_STRING ? cur.s : (char *) cur.bin.data, a);
        if (b)
            memcpy (joined + a, c == ROMI_STATE_STRING ? add.s : (char *) add.bin.data, b);
        joined[a + b] = 0;
        romi_state_val_free (f, &add);
        if (c == ROMI_STATE_STRING)
            v.s = joined;
        else
            v.bin.data = (uint8_t *) joined, v.bin.len = a + b;
        romi_state_store (f, slot, v);
        romi_state_set_has (f, t->msg, true);
        *modified = true;
        return romi_state_out_value (f, slot, out, change, call);
    }
    case ROM_STATE_LEN: {
        if (c != ROMI_STATE_STRING && c != ROMI_STATE_BYTES)
            return romi_state_wrong (call, t, op->op, "a string, bytes, repeated or map field");
        romi_state_val_t cur = romi_state_load (f, slot);
        if (c == ROMI_STATE_BYTES)
            out->size = cur.bin.len;
        else // code points, as Python's len
            for (const unsigned char *p = (const unsigned char *) (cur.s ? cur.s : ""); *p; p++)
                out->size += (*p & 0xC0) != 0x80;
        return ROM_OK;
    }
    default: {
        char what[64];
        return romi_state_fail (call, ROM_WRONG_TYPE, t, "%s does not apply to %s",
                                romi_state_op_name (op->op), romi_state_describe (f, what, sizeof what));
    }
    }
}
