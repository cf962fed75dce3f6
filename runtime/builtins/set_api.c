// set_api.c: the helpers of Set in rom/rom_shared.h (a manager's set ()), over its generated proxy. Each
// helper is one rpc, so each is atomic on the server: the items of an update or a comparison go as one
// VariantList, and a plain result (union, copy, ...) comes back as one VariantList copied into a
// caller-owned array. rom_set_iter keeps its position in the caller's rom_cursor_t, so an iteration costs
// the server nothing between chunks (no iterator object to leak when a client stops early).
#include "handles.h"
#include "variant.h"

#include <stdint.h>
#include <stdlib.h>

#include "rom/builtins/set.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__set__rom_type), NULL

#define S_SET(h) ((Rom__Builtins__Set_Proxy *) (h))

typedef Rom__Builtins__VariantList s_items_t;

rom_status_t
rom_set_new (rom_client_t *client, rom_set_t **set_p)
{
    if (romi_helper_bad_new (__func__, set_p, "set_p", client))
        return ROM_INVALID;
    return rom_set_new_from (client, NULL, 0, set_p);
}

rom_status_t
rom_set_new_from (rom_client_t *client, const rom_variant_t *items, size_t n, rom_set_t **set_p)
{
    if (romi_helper_bad_new (__func__, set_p, "set_p", client)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    romi_variant_ins_t ins;
    rom_status_t status = romi_variant_ins (client, items, n, &ins);
    if (status == ROM_OK) {
        s_items_t init = ROM__BUILTINS__VARIANT_LIST__INIT;
        init.items = ins.items;
        init.n_items = n;
        Rom__Builtins__Set_Proxy *proxy = NULL;
        status = rom__builtins__set__rom_create (client, &init, &proxy);
        *set_p = (rom_set_t *) proxy;
    }
    romi_variant_ins_done (&ins);
    return status;
}

// ---- one element ------------------------------------------------------------------------------------------

typedef enum { S_ADD, S_DISCARD, S_REMOVE, S_CONTAINS } s_element_op_t;

// The rpc of `op` on one element; *found (Contains only) is the answer.
static rom_status_t
s_element_call (rom_set_t *set, s_element_op_t op, const rom_variant_t *v, bool *found)
{
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (set), v, &in);
    Rom__Builtins__Truth *truth = NULL;
    if (status == ROM_OK) {
        switch (op) {
        case S_ADD: status = rom__builtins__set_proxy__add (S_SET (set), &in.msg, NULL); break;
        case S_DISCARD: status = rom__builtins__set_proxy__discard (S_SET (set), &in.msg, NULL); break;
        case S_REMOVE: status = rom__builtins__set_proxy__remove (S_SET (set), &in.msg, NULL); break;
        case S_CONTAINS: status = rom__builtins__set_proxy__contains (S_SET (set), &in.msg, &truth); break;
        }
    }
    romi_variant_in_done (&in);
    if (truth) {
        *found = truth->value;
        rom__builtins__truth__free_unpacked (truth, NULL);
    }
    return status;
}

rom_status_t
rom_set_add (rom_set_t *set, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE))
        return ROM_INVALID;
    return s_element_call (set, S_ADD, &v, NULL);
}

rom_status_t
rom_set_discard (rom_set_t *set, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE))
        return ROM_INVALID;
    return s_element_call (set, S_DISCARD, &v, NULL);
}

rom_status_t
rom_set_remove (rom_set_t *set, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE))
        return ROM_INVALID;
    return s_element_call (set, S_REMOVE, &v, NULL);
}

rom_status_t
rom_set_contains (rom_set_t *set, rom_variant_t v, bool *found)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, found, "found"))
        return ROM_INVALID;
    return s_element_call (set, S_CONTAINS, &v, found);
}

rom_status_t
rom_set_pop (rom_set_t *set, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    Rom__Builtins__Variant *reply = NULL;
    rom_status_t status = rom__builtins__set_proxy__pop (S_SET (set), NULL, &reply);
    return status == ROM_OK ? romi_variant_take (set, reply, out) : status;
}

rom_status_t
rom_set_len (rom_set_t *set, size_t *n)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return romi_handle_size (set, "Len", NULL, n);
}

rom_status_t
rom_set_clear (rom_set_t *set)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE))
        return ROM_INVALID;
    return rom__builtins__set_proxy__clear (S_SET (set), NULL, NULL);
}

// ---- against items ----------------------------------------------------------------------------------------

// The rpcs that take items, by their name in set.proto (the reply's type follows from it: Empty, Truth or
// VariantList, which the generic call unpacks with the method's own descriptor).
static rom_status_t
s_items_call (rom_set_t *set, const char *method, const rom_variant_t *items, size_t n,
              ProtobufCMessage **reply)
{
    romi_variant_ins_t ins;
    rom_status_t status = romi_variant_ins (romi_handle_client (set), items, n, &ins);
    if (status == ROM_OK) {
        s_items_t req = ROM__BUILTINS__VARIANT_LIST__INIT;
        req.items = ins.items;
        req.n_items = n;
        status = romi_handle_call (set, method, &req.base, reply);
    }
    romi_variant_ins_done (&ins);
    return status;
}

// The first checks of a helper taking items (`items` may be NULL when `n` is 0). True when refused.
static bool
s_bad_items (const char *fn, rom_set_t *set, const rom_variant_t *items, size_t n)
{
    return romi_helper_bad_handle (fn, set, S_TYPE) || (n && romi_helper_null_arg (fn, items, "items"));
}

// A VariantList reply into a caller-owned array; frees the reply.
static rom_status_t
s_take_items (rom_set_t *set, s_items_t *reply, rom_variant_t **out, size_t *n_out)
{
    rom_variant_t *values = NULL;
    rom_status_t status = romi_variant_take_list (set, reply->items, reply->n_items, &values);
    if (status == ROM_OK) {
        *out = values;
        *n_out = reply->n_items;
    }
    rom__builtins__variant_list__free_unpacked (reply, NULL);
    return status;
}

// An update: items in, nothing out.
static rom_status_t
s_update_call (const char *fn, rom_set_t *set, const char *method, const rom_variant_t *items, size_t n)
{
    if (s_bad_items (fn, set, items, n))
        return ROM_INVALID;
    return s_items_call (set, method, items, n, NULL);
}

// A plain result: items in, a caller-owned array out.
static rom_status_t
s_result_call (const char *fn, rom_set_t *set, const char *method, const rom_variant_t *items, size_t n,
               rom_variant_t **out, size_t *n_out)
{
    if (s_bad_items (fn, set, items, n) || romi_helper_null_arg (fn, out, "out")
        || romi_helper_null_arg (fn, n_out, "n_out"))
        return ROM_INVALID;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = s_items_call (set, method, items, n, &reply);
    return status == ROM_OK ? s_take_items (set, (s_items_t *) reply, out, n_out) : status;
}

// A comparison: items in, a truth out.
static rom_status_t
s_truth_call (const char *fn, rom_set_t *set, const char *method, const rom_variant_t *items, size_t n,
              bool *result)
{
    if (s_bad_items (fn, set, items, n) || romi_helper_null_arg (fn, result, "result"))
        return ROM_INVALID;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = s_items_call (set, method, items, n, &reply);
    if (status == ROM_OK) {
        *result = ((Rom__Builtins__Truth *) reply)->value;
        rom__builtins__truth__free_unpacked ((Rom__Builtins__Truth *) reply, NULL);
    }
    return status;
}

rom_status_t
rom_set_update (rom_set_t *set, const rom_variant_t *items, size_t n)
{
    return s_update_call (__func__, set, "Update", items, n);
}

rom_status_t
rom_set_difference_update (rom_set_t *set, const rom_variant_t *items, size_t n)
{
    return s_update_call (__func__, set, "DifferenceUpdate", items, n);
}

rom_status_t
rom_set_intersection_update (rom_set_t *set, const rom_variant_t *items, size_t n)
{
    return s_update_call (__func__, set, "IntersectionUpdate", items, n);
}

rom_status_t
rom_set_symmetric_difference_update (rom_set_t *set, const rom_variant_t *items, size_t n)
{
    return s_update_call (__func__, set, "SymmetricDifferenceUpdate", items, n);
}

rom_status_t
rom_set_union (rom_set_t *set, const rom_variant_t *items, size_t n, rom_variant_t **out, size_t *n_out)
{
    return s_result_call (__func__, set, "UnionWith", items, n, out, n_out);
}

rom_status_t
rom_set_intersection (rom_set_t *set, const rom_variant_t *items, size_t n, rom_variant_t **out,
                      size_t *n_out)
{
    return s_result_call (__func__, set, "Intersection", items, n, out, n_out);
}

rom_status_t
rom_set_difference (rom_set_t *set, const rom_variant_t *items, size_t n, rom_variant_t **out, size_t *n_out)
{
    return s_result_call (__func__, set, "Difference", items, n, out, n_out);
}

rom_status_t
rom_set_symmetric_difference (rom_set_t *set, const rom_variant_t *items, size_t n, rom_variant_t **out,
                              size_t *n_out)
{
    return s_result_call (__func__, set, "SymmetricDifference", items, n, out, n_out);
}

rom_status_t
rom_set_isdisjoint (rom_set_t *set, const rom_variant_t *items, size_t n, bool *result)
{
    return s_truth_call (__func__, set, "IsDisjoint", items, n, result);
}

rom_status_t
rom_set_issubset (rom_set_t *set, const rom_variant_t *items, size_t n, bool *result)
{
    return s_truth_call (__func__, set, "IsSubset", items, n, result);
}

rom_status_t
rom_set_issuperset (rom_set_t *set, const rom_variant_t *items, size_t n, bool *result)
{
    return s_truth_call (__func__, set, "IsSuperset", items, n, result);
}

// ---- all elements -----------------------------------------------------------------------------------------

rom_status_t
rom_set_items (rom_set_t *set, rom_variant_t **out, size_t *n_out)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, out, "out")
        || romi_helper_null_arg (__func__, n_out, "n_out"))
        return ROM_INVALID;
    s_items_t *reply = NULL;
    rom_status_t status = rom__builtins__set_proxy__items (S_SET (set), NULL, &reply);
    return status == ROM_OK ? s_take_items (set, reply, out, n_out) : status;
}

rom_status_t
rom_set_copy (rom_set_t *set, rom_variant_t **out, size_t *n_out)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, out, "out")
        || romi_helper_null_arg (__func__, n_out, "n_out"))
        return ROM_INVALID;
    return rom_set_items (set, out, n_out);
}

rom_status_t
rom_set_iter (rom_set_t *set, rom_cursor_t *cursor, size_t max, rom_variant_t **items, size_t *n)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, cursor, "cursor")
        || romi_helper_null_arg (__func__, items, "items") || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    if (cursor->started && cursor->done) { // the last chunk said so: the end, without a round trip
        *items = NULL;
        *n = 0;
        return ROM_OK;
    }
    Rom__Builtins__Cursor req = ROM__BUILTINS__CURSOR__INIT;
    req.started = cursor->started;
    req.version = cursor->version;
    req.position = cursor->position;
    req.max = max > UINT32_MAX ? UINT32_MAX : (uint32_t) max;
    Rom__Builtins__Chunk *chunk = NULL;
    rom_status_t status = rom__builtins__set_proxy__iter (S_SET (set), &req, &chunk);
    if (status != ROM_OK)
        return status;
    rom_variant_t *values = NULL;
    status = romi_variant_take_list (set, chunk->items, chunk->n_items, &values);
    if (status == ROM_OK) {
        *cursor = (rom_cursor_t) {.started = true,
                                  .done = chunk->done,
                                  .version = chunk->version,
                                  .position = chunk->next};
        *items = values;
        *n = chunk->n_items;
    }
    rom__builtins__chunk__free_unpacked (chunk, NULL);
    return status;
}

// ---- typed forms ------------------------------------------------------------------------------------------

rom_status_t
rom_set_add_int (rom_set_t *set, int64_t v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE))
        return ROM_INVALID;
    return s_element_call (set, S_ADD, &ROM_INT (v), NULL);
}

rom_status_t
rom_set_add_str (rom_set_t *set, const char *v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, v, "v"))
        return ROM_INVALID;
    return s_element_call (set, S_ADD, &ROM_STR (v), NULL);
}

rom_status_t
rom_set_discard_int (rom_set_t *set, int64_t v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE))
        return ROM_INVALID;
    return s_element_call (set, S_DISCARD, &ROM_INT (v), NULL);
}

rom_status_t
rom_set_discard_str (rom_set_t *set, const char *v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, v, "v"))
        return ROM_INVALID;
    return s_element_call (set, S_DISCARD, &ROM_STR (v), NULL);
}

rom_status_t
rom_set_remove_int (rom_set_t *set, int64_t v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE))
        return ROM_INVALID;
    return s_element_call (set, S_REMOVE, &ROM_INT (v), NULL);
}

rom_status_t
rom_set_remove_str (rom_set_t *set, const char *v)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, v, "v"))
        return ROM_INVALID;
    return s_element_call (set, S_REMOVE, &ROM_STR (v), NULL);
}

rom_status_t
rom_set_contains_int (rom_set_t *set, int64_t v, bool *found)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, found, "found"))
        return ROM_INVALID;
    return s_element_call (set, S_CONTAINS, &ROM_INT (v), found);
}

rom_status_t
rom_set_contains_str (rom_set_t *set, const char *v, bool *found)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, v, "v")
        || romi_helper_null_arg (__func__, found, "found"))
        return ROM_INVALID;
    return s_element_call (set, S_CONTAINS, &ROM_STR (v), found);
}

// ---- the rest ---------------------------------------------------------------------------------------------

rom_status_t
rom_set_repr (rom_set_t *set, char **text)
{
    if (romi_helper_bad_handle (__func__, set, S_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    rom_variant_t *items = NULL;
    size_t n = 0;
    rom_status_t status = rom_set_items (set, &items, &n);
    if (status != ROM_OK)
        return status;
    romi_repr_t b = {0};
    romi_repr_puts (&b, n ? "{" : "set()"); // {} is Python's empty dict
    for (size_t i = 0; i < n; i++) {
        if (i)
            romi_repr_puts (&b, ", ");
        romi_repr_variant (&b, &items[i]);
    }
    if (n)
        romi_repr_puts (&b, "}");
    rom_variants_free (&items, n);
    return romi_repr_finish (set, &b, text);
}

rom_status_t
rom_set_from_token (rom_client_t *client, const char *token, rom_set_t **set_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, set_p);
}

rom_proxy_t *
rom_set_proxy (rom_set_t *set)
{
    return romi_helper_bad_handle (__func__, set, S_TYPE) ? NULL : (rom_proxy_t *) set;
}

void
rom_set_destroy (rom_set_t **set_p)
{
    romi_handle_destroy (__func__, (void **) set_p, S_TYPE);
}
