// engine_map.c: the ops of declared state on a map (a repeated field of *Entry messages with key = 1 and
// value = 2): PUT, MAP_GET, DEL, INCR, LEN, KEYS, CONTAINS, CLEAR, GET. Entries stay in insertion order and
// PUT replaces a value in place; a key is found by a linear search, which is fine for the tens of keys such
// state holds (a hash index would cost more than it saves there, and protobuf-c's layout has no room for
// one).
#include "engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- maps --------------------------------------------------------------------------------------------------

typedef struct {
    const ProtobufCMessageDescriptor *entry;
    const ProtobufCFieldDescriptor *key, *value;
} s_map_t;

static s_map_t
s_map (const ProtobufCFieldDescriptor *f)
{
    s_map_t m = {.entry = f->descriptor};
    m.key = protobuf_c_message_descriptor_get_field (m.entry, 1);
    m.value = protobuf_c_message_descriptor_get_field (m.entry, 2);
    return m;
}

static ProtobufCMessage *
s_entry (const romi_state_target_t *t, size_t i)
{
    return *(ProtobufCMessage **) romi_state_item (t, t->field, i);
}

// The position of `key` (checked) in the map, or SIZE_MAX.
static size_t
s_map_find (const romi_state_target_t *t, const s_map_t *m, romi_state_val_t key)
{
    size_t n = *romi_state_count (t);
    for (size_t i = 0; i < n; i++)
        if (romi_state_val_equal (m->key, romi_state_load (m->key, (char *) s_entry (t, i) + m->key->offset),
                                  key))
            return i;
    return SIZE_MAX;
}

// Append a new entry holding `key` (owned, consumed) and the value's default. NULL when out of memory (the
// key freed).
static ProtobufCMessage *
s_map_add (const romi_state_target_t *t, const s_map_t *m, romi_state_val_t *key, rom_call_t *call)
{
    ProtobufCMessage *e = malloc (m->entry->sizeof_message);
    if (!e || romi_state_reserve (t, 1, call) != ROM_OK) {
        free (e);
        romi_state_val_free (m->key, key);
        return NULL;
    }
    protobuf_c_message_init (m->entry, e);
    romi_state_store (m->key, (char *) e + m->key->offset, *key);
    memset (key, 0, sizeof *key);
    *(ProtobufCMessage **) romi_state_item (t, t->field, *romi_state_count (t)) = e;
    (*romi_state_count (t))++;
    return e;
}

// --- the operations ----------------------------------------------------------------------------------------

rom_status_t
romi_state_map_op (const romi_state_target_t *t, const Rom__StateOp *op, Rom__StateResult *out,
                   bool *modified, Rom__Change *change, rom_call_t *call)
{
    s_map_t m = s_map (t->field);
    size_t n = *romi_state_count (t);
    romi_state_val_t key = {0}, v;
    rom_status_t status;
    unsigned code = op->op;
    switch (code) {
    case ROM_STATE_GET: {
        status = romi_state_items_to_wire (t, m.key, 0, n, m.key->offset, &out->items, &out->n_items, call);
        if (status == ROM_OK)
            status = romi_state_items_to_wire (t, m.value, 0, n, m.value->offset, &out->values,
                                               &out->n_values, call);
        return status;
    }
    case ROM_STATE_KEYS:
        return romi_state_items_to_wire (t, m.key, 0, n, m.key->offset, &out->items, &out->n_items, call);
    case ROM_STATE_LEN: out->size = n; return ROM_OK;
    case ROM_STATE_CLEAR:
        romi_state_clear_repeated (t);
        *modified = true;
        return ROM_OK;
    case ROM_STATE_PUT:
    case ROM_STATE_MAP_GET:
    case ROM_STATE_DEL:
    case ROM_STATE_INCR:
    case ROM_STATE_CONTAINS: break;
    default: {
        return romi_state_fail (call, ROM_WRONG_TYPE, t, "%s does not apply to a map",
                                romi_state_op_name (code));
    }
    }
    if ((status = romi_state_from_wire (t, m.key, op->key, &key, call)) != ROM_OK)
        return status;
    size_t at = s_map_find (t, &m, key);
    change->key = op->key;
    ProtobufCMessage *e = at == SIZE_MAX ? NULL : s_entry (t, at);
    if (code == ROM_STATE_CONTAINS || code == ROM_STATE_MAP_GET || code == ROM_STATE_DEL) {
        Rom__StateValue *kw = NULL;
        romi_state_to_wire (m.key, key, &kw, call);
        romi_state_val_free (m.key, &key);
        if (code == ROM_STATE_CONTAINS) {
            out->flag = e != NULL;
            return ROM_OK;
        }
        if (!e) {
            char repr[96] = "";
            if (kw && kw->kind_case == KIND (S))
                snprintf (repr, sizeof repr, "'%s'", kw->s);
            else if (kw && kw->kind_case == KIND (I))
                snprintf (repr, sizeof repr, "%" PRId64, kw->i);
            else if (kw && kw->kind_case == KIND (U))
                snprintf (repr, sizeof repr, "%" PRIu64, kw->u);
            else if (kw && kw->kind_case == KIND (B))
                snprintf (repr, sizeof repr, "%s", kw->b ? "True" : "False");
            return romi_state_fail (call, ROM_NOT_FOUND, t, "no key %s", repr);
        }
        if ((status = romi_state_out_value (m.value, (char *) e + m.value->offset, out, NULL, call))
            != ROM_OK)
            return status;
        if (code == ROM_STATE_DEL) {
            protobuf_c_message_free_unpacked (e, NULL);
            romi_state_remove (t, at, false);
            *modified = true;
        }
        return ROM_OK;
    }
    // PUT, INCR: the value converted and checked before any entry is made.
    if (code == ROM_STATE_INCR) {
        if (!romi_state_is_number (m.value)) {
            romi_state_val_free (m.key, &key);
            return romi_state_fail (call, ROM_WRONG_TYPE, t, "INCR needs a map of numbers, not of %s",
                                    romi_state_type_name (m.value->type));
        }
        romi_state_val_t zero = {0};
        status = romi_state_add (t, m.value,
                                 e ? romi_state_load (m.value, (char *) e + m.value->offset) : zero,
                                 op->value, &v, call);
    } else
        status = romi_state_from_wire (t, m.value, op->value, &v, call);
    if (status != ROM_OK) {
        romi_state_val_free (m.key, &key);
        return status;
    }
    if (!e) {
        if (!(e = s_map_add (t, &m, &key, call))) {
            romi_state_val_free (m.value, &v);
            return romi_state_nomem (call);
        }
        at = n;
    } else
        romi_state_val_free (m.key, &key);
    romi_state_store (m.value, (char *) e + m.value->offset, v);
    *modified = true;
    change->index = (int64_t) at;
    return romi_state_out_value (m.value, (char *) e + m.value->offset, out, change, call);
}
