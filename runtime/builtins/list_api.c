// list_api.c: the helpers of List in rom/rom_shared.h (a manager's list ()), over its generated proxy.
// Indexes are Python's (negative from the end), resolved on the server, which owns the length. What gives a
// plain list (copy, l + items, l * n) takes one snapshot (GetSlice) and builds the result here: one call, and
// the repetition never crosses the wire.
#include "handles.h"
#include "variant.h"

#include <inttypes.h>
#include <stdlib.h>

#include "rom/builtins/list.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__list__rom_type), NULL

#define S_LIST(h) ((Rom__Builtins__List_Proxy *) (h))

rom_status_t
rom_list_new (rom_client_t *client, rom_list_t **list_p)
{
    if (romi_helper_bad_new (__func__, list_p, "list_p", client))
        return ROM_INVALID;
    return rom_list_new_from (client, NULL, 0, list_p);
}

rom_status_t
rom_list_new_from (rom_client_t *client, const rom_variant_t *items, size_t n, rom_list_t **list_p)
{
    if (romi_helper_bad_new (__func__, list_p, "list_p", client)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    romi_variant_ins_t ins;
    rom_status_t status = romi_variant_ins (client, items, n, &ins);
    if (status == ROM_OK) {
        Rom__Builtins__VariantList init = ROM__BUILTINS__VARIANT_LIST__INIT;
        init.items = ins.items;
        init.n_items = n;
        Rom__Builtins__List_Proxy *proxy = NULL;
        status = rom__builtins__list__rom_create (client, &init, &proxy);
        *list_p = (rom_list_t *) proxy;
    }
    romi_variant_ins_done (&ins);
    return status;
}

// A call taking one value: the request Variant is built, the call made, the request freed.
static rom_status_t
s_list_value_call (rom_list_t *list, const char *method, const rom_variant_t *v, ProtobufCMessage **reply)
{
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (list), v, &in);
    if (status == ROM_OK)
        status = romi_handle_call (list, method, &in.msg.base, reply);
    romi_variant_in_done (&in);
    return status;
}

rom_status_t
rom_list_append (rom_list_t *list, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return s_list_value_call (list, "Append", &v, NULL);
}

rom_status_t
rom_list_extend (rom_list_t *list, const rom_variant_t *items, size_t n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    romi_variant_ins_t ins;
    rom_status_t status = romi_variant_ins (romi_handle_client (list), items, n, &ins);
    if (status == ROM_OK) {
        Rom__Builtins__VariantList req = ROM__BUILTINS__VARIANT_LIST__INIT;
        req.items = ins.items;
        req.n_items = n;
        status = rom__builtins__list_proxy__extend (S_LIST (list), &req, NULL);
    }
    romi_variant_ins_done (&ins);
    return status;
}

// Insert and Set: an index and a value.
typedef rom_status_t (*s_indexed_fn) (Rom__Builtins__List_Proxy *proxy, const Rom__Builtins__IndexedValue *in,
                                      Google__Protobuf__Empty **out);

static rom_status_t
s_list_indexed (rom_list_t *list, s_indexed_fn fn, int64_t index, const rom_variant_t *v)
{
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (list), v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__IndexedValue req = ROM__BUILTINS__INDEXED_VALUE__INIT;
    req.index = index;
    req.value = &in.msg;
    status = fn (S_LIST (list), &req, NULL);
    romi_variant_in_done (&in);
    return status;
}

rom_status_t
rom_list_insert (rom_list_t *list, int64_t index, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return s_list_indexed (list, rom__builtins__list_proxy__insert, index, &v);
}

rom_status_t
rom_list_set (rom_list_t *list, int64_t index, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return s_list_indexed (list, rom__builtins__list_proxy__set, index, &v);
}

rom_status_t
rom_list_get (rom_list_t *list, int64_t index, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    Rom__Builtins__Index req = ROM__BUILTINS__INDEX__INIT;
    req.index = index;
    romi_variant_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__list_proxy__get (S_LIST (list), &req, &reply);
    return status == ROM_OK ? romi_variant_take (list, reply, out) : status;
}

rom_status_t
rom_list_delete (rom_list_t *list, int64_t index)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__Index req = ROM__BUILTINS__INDEX__INIT;
    req.index = index;
    return rom__builtins__list_proxy__delete (S_LIST (list), &req, NULL);
}

rom_status_t
rom_list_pop (rom_list_t *list, int64_t index, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    if (out)
        *out = ROM_NONE;
    Rom__Builtins__PopAt req = ROM__BUILTINS__POP_AT__INIT;
    req.at_case = ROM__BUILTINS__POP_AT__AT_INDEX;
    req.index = index;
    romi_variant_msg_t *reply = NULL;
    // The reply is read even when the caller wants no value: a reference in it carries a count to give back.
    rom_status_t status = rom__builtins__list_proxy__pop (S_LIST (list), &req, &reply);
    return status == ROM_OK ? romi_variant_take_popped (list, reply, out) : status;
}

rom_status_t
rom_list_len (rom_list_t *list, size_t *n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return romi_handle_size (list, "Len", NULL, n);
}

rom_status_t
rom_list_slice (rom_list_t *list, int64_t start, int64_t stop, rom_variant_t **items, size_t *n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, items, "items")
        || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    *items = NULL;
    *n = 0;
    Rom__Builtins__Slice req = ROM__BUILTINS__SLICE__INIT;
    req.start = start;
    req.stop = stop;
    Rom__Builtins__VariantList *reply = NULL;
    rom_status_t status = rom__builtins__list_proxy__get_slice (S_LIST (list), &req, &reply);
    if (status != ROM_OK)
        return status;
    status = romi_variant_take_list (list, reply->items, reply->n_items, items);
    if (status == ROM_OK)
        *n = reply->n_items;
    rom__builtins__variant_list__free_unpacked (reply, NULL);
    return status;
}

rom_status_t
rom_list_index (rom_list_t *list, rom_variant_t v, size_t *pos)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, pos, "pos"))
        return ROM_INVALID;
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (list), &v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__Find req = ROM__BUILTINS__FIND__INIT;
    req.value = &in.msg;
    status = romi_handle_size (list, "IndexOf", &req.base, pos);
    romi_variant_in_done (&in);
    return status;
}

rom_status_t
rom_list_remove (rom_list_t *list, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return s_list_value_call (list, "Remove", &v, NULL);
}

rom_status_t
rom_list_clear (rom_list_t *list)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return rom__builtins__list_proxy__clear (S_LIST (list), NULL, NULL);
}

rom_status_t
rom_list_append_int (rom_list_t *list, int64_t v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return rom_list_append (list, ROM_INT (v));
}

rom_status_t
rom_list_append_double (rom_list_t *list, double v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return rom_list_append (list, ROM_DOUBLE (v));
}

rom_status_t
rom_list_append_str (rom_list_t *list, const char *v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return rom_list_append (list, ROM_STR (v));
}

rom_status_t
rom_list_get_int (rom_list_t *list, int64_t index, int64_t *out)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_list_get (list, index, &v);
    return status == ROM_OK ? romi_variant_want_int (list, "Get", &v, out, "the item", NULL) : status;
}

rom_status_t
rom_list_get_double (rom_list_t *list, int64_t index, double *out)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_list_get (list, index, &v);
    return status == ROM_OK ? romi_variant_want_double (list, "Get", &v, out, "the item", NULL) : status;
}

rom_status_t
rom_list_get_str (rom_list_t *list, int64_t index, char **out)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_list_get (list, index, &v);
    return status == ROM_OK ? romi_variant_want_str (list, "Get", &v, out, "the item", NULL) : status;
}

rom_status_t
rom_list_repr (rom_list_t *list, char **text)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    rom_variant_t *items = NULL;
    size_t n = 0;
    rom_status_t status = rom_list_slice (list, 0, ROM_SLICE_END, &items, &n);
    if (status != ROM_OK)
        return status;
    romi_repr_t b = {0};
    romi_repr_puts (&b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            romi_repr_puts (&b, ", ");
        romi_repr_variant (&b, &items[i]);
    }
    romi_repr_puts (&b, "]");
    rom_variants_free (&items, n);
    return romi_repr_finish (list, &b, text);
}

// --- issue 14: the rest of Python's list -------------------------------------------------------------------

// The longest plain list rom_list_mul () makes (as the server's l *= n, list.c): 4 Mi items.
#define S_MAX_ITEMS ((size_t) 1 << 22)

rom_status_t
rom_list_count (rom_list_t *list, rom_variant_t v, size_t *n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = s_list_value_call (list, "Count", &v, &reply);
    if (status == ROM_OK) {
        *n = ((Rom__Builtins__Size *) reply)->size;
        protobuf_c_message_free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_list_contains (rom_list_t *list, rom_variant_t v, bool *found)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, found, "found"))
        return ROM_INVALID;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = s_list_value_call (list, "Contains", &v, &reply);
    if (status == ROM_OK) {
        *found = ((Rom__Builtins__Truth *) reply)->value;
        protobuf_c_message_free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_list_index_in (rom_list_t *list, rom_variant_t v, int64_t start, int64_t stop, size_t *pos)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, pos, "pos"))
        return ROM_INVALID;
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (list), &v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__Find req = ROM__BUILTINS__FIND__INIT;
    req.value = &in.msg;
    req.start = start;
    req.stop = stop;
    req.bounded = true; // a stop of 0 is Python's 0 here, not "to the end"
    status = romi_handle_size (list, "IndexOf", &req.base, pos);
    romi_variant_in_done (&in);
    return status;
}

rom_status_t
rom_list_reverse (rom_list_t *list)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    return rom__builtins__list_proxy__reverse (S_LIST (list), NULL, NULL);
}

rom_status_t
rom_list_sort (rom_list_t *list, bool reverse)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__SortOrder req = ROM__BUILTINS__SORT_ORDER__INIT;
    req.reverse = reverse;
    return rom__builtins__list_proxy__sort (S_LIST (list), &req, NULL);
}

rom_status_t
rom_list_set_slice (rom_list_t *list, int64_t start, int64_t stop, const rom_variant_t *items, size_t n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    romi_variant_ins_t ins;
    rom_status_t status = romi_variant_ins (romi_handle_client (list), items, n, &ins);
    if (status == ROM_OK) {
        Rom__Builtins__SliceItems req = ROM__BUILTINS__SLICE_ITEMS__INIT;
        req.start = start;
        req.stop = stop;
        req.items = ins.items;
        req.n_items = n;
        status = rom__builtins__list_proxy__set_slice (S_LIST (list), &req, NULL);
    }
    romi_variant_ins_done (&ins);
    return status;
}

rom_status_t
rom_list_delete_slice (rom_list_t *list, int64_t start, int64_t stop)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__Slice req = ROM__BUILTINS__SLICE__INIT;
    req.start = start;
    req.stop = stop;
    return rom__builtins__list_proxy__delete_slice (S_LIST (list), &req, NULL);
}

rom_status_t
rom_list_imul (rom_list_t *list, int64_t n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__Times req = ROM__BUILTINS__TIMES__INIT;
    req.times = n;
    return rom__builtins__list_proxy__imul (S_LIST (list), &req, NULL);
}

// The whole list in one call: an atomic snapshot. Its references are given back at once (the plain copies
// carry tokens, as rom_list_slice's do).
static rom_status_t
s_snapshot (rom_list_t *list, Rom__Builtins__VariantList **reply)
{
    Rom__Builtins__Slice req = ROM__BUILTINS__SLICE__INIT;
    req.stop = ROM_SLICE_END;
    rom_status_t status = rom__builtins__list_proxy__get_slice (S_LIST (list), &req, reply);
    for (size_t i = 0; status == ROM_OK && i < (*reply)->n_items; i++)
        romi_variant_release_ref (list, (*reply)->items[i]);
    return status;
}

// A new caller-owned array: `times` rounds of `head` (n_head), then `tail` (n_tail). *out NULL when empty.
static rom_status_t
s_plain (rom_list_t *list, romi_variant_msg_t *const *head, size_t n_head, size_t times,
         romi_variant_msg_t *const *tail, size_t n_tail, rom_variant_t **out, size_t *n_out)
{
    size_t n = n_head * times + n_tail; // the callers checked it against S_MAX_ITEMS
    rom_variant_t *items = n ? calloc (n, sizeof *items) : NULL;
    if (n && !items)
        return romi_handle_nomem (list);
    for (size_t k = 0; k < n; k++) {
        const romi_variant_msg_t *m = k < n_head * times ? head[k % n_head] : tail[k - n_head * times];
        if (romi_variant_copy_out (m, &items[k]) != 0) {
            rom_variants_free (&items, k);
            return romi_handle_nomem (list);
        }
    }
    *out = items;
    *n_out = n;
    return ROM_OK;
}

rom_status_t
rom_list_copy (rom_list_t *list, rom_variant_t **items, size_t *n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, items, "items")
        || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    Rom__Builtins__VariantList *reply = NULL;
    rom_status_t status = s_snapshot (list, &reply);
    if (status != ROM_OK)
        return status;
    status = s_plain (list, reply->items, reply->n_items, 1, NULL, 0, items, n);
    rom__builtins__variant_list__free_unpacked (reply, NULL);
    return status;
}

rom_status_t
rom_list_concat (rom_list_t *list, const rom_variant_t *items, size_t n, rom_variant_t **out, size_t *n_out)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE)
        || (n && romi_helper_null_arg (__func__, items, "items"))
        || romi_helper_null_arg (__func__, out, "out") || romi_helper_null_arg (__func__, n_out, "n_out"))
        return ROM_INVALID;
    // The items are checked (a string kind without its string, a bad token) before the call, as extend's.
    romi_variant_ins_t ins;
    rom_status_t status = romi_variant_ins (romi_handle_client (list), items, n, &ins);
    Rom__Builtins__VariantList *reply = NULL;
    if (status == ROM_OK)
        status = s_snapshot (list, &reply);
    if (status == ROM_OK && reply->n_items > SIZE_MAX - n)
        status = rom_client_fail (romi_handle_client (list), ROM_TOO_LARGE, "%s: the sum is too long",
                                  __func__);
    if (status == ROM_OK)
        status = s_plain (list, reply->items, reply->n_items, 1, ins.items, n, out, n_out);
    if (reply)
        rom__builtins__variant_list__free_unpacked (reply, NULL);
    romi_variant_ins_done (&ins);
    return status;
}

rom_status_t
rom_list_mul (rom_list_t *list, int64_t times, rom_variant_t **out, size_t *n_out)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, out, "out")
        || romi_helper_null_arg (__func__, n_out, "n_out"))
        return ROM_INVALID;
    Rom__Builtins__VariantList *reply = NULL;
    rom_status_t status = s_snapshot (list, &reply);
    if (status != ROM_OK)
        return status;
    size_t rounds = times > 0 ? (size_t) times : 0, total;
    if (__builtin_mul_overflow (reply->n_items, rounds, &total) || total > S_MAX_ITEMS)
        status = rom_client_fail (romi_handle_client (list), ROM_TOO_LARGE,
                                  "%s: l * %" PRId64 ": %zu items times %" PRId64 " is over the limit of %zu",
                                  __func__, times, reply->n_items, times, S_MAX_ITEMS);
    else
        status = s_plain (list, reply->items, reply->n_items, rounds, NULL, 0, out, n_out);
    rom__builtins__variant_list__free_unpacked (reply, NULL);
    return status;
}

rom_status_t
rom_list_iter (rom_list_t *list, rom_cursor_t *cursor, size_t max, rom_variant_t **items, size_t *n)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE) || romi_helper_null_arg (__func__, cursor, "cursor")
        || romi_helper_null_arg (__func__, items, "items") || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    if (cursor->done) { // the end stays the end, without asking
        *items = NULL;
        *n = 0;
        return ROM_OK;
    }
    Rom__Builtins__Cursor req = ROM__BUILTINS__CURSOR__INIT;
    req.started = cursor->started;
    req.version = cursor->version;
    req.position = cursor->position;
    req.max = max > UINT32_MAX ? UINT32_MAX : (uint32_t) max;
    Rom__Builtins__Chunk *reply = NULL;
    rom_status_t status = rom__builtins__list_proxy__iter (S_LIST (list), &req, &reply);
    if (status != ROM_OK)
        return status;
    rom_variant_t *got = NULL;
    status = romi_variant_take_list (list, reply->items, reply->n_items, &got);
    if (status == ROM_OK) {
        *cursor = (rom_cursor_t) {.started = true,
                                  .done = reply->done,
                                  .version = reply->version,
                                  .position = reply->next};
        *items = got;
        *n = reply->n_items;
    }
    rom__builtins__chunk__free_unpacked (reply, NULL);
    return status;
}

rom_proxy_t *
rom_list_proxy (rom_list_t *list)
{
    return romi_helper_bad_handle (__func__, list, S_TYPE) ? NULL : (rom_proxy_t *) list;
}

void
rom_list_destroy (rom_list_t **list_p)
{
    rom__builtins__list__rom_destroy ((Rom__Builtins__List_Proxy **) list_p);
}

rom_status_t
rom_list_append_proxy (rom_list_t *list, const rom_proxy_t *proxy)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    char *token = NULL;
    rom_status_t status = romi_handle_token (__func__, list, proxy, &token);
    if (status != ROM_OK)
        return status;
    status = rom_list_append (list, ROM_REF (token));
    free (token);
    return status;
}

rom_status_t
rom_list_from_token (rom_client_t *client, const char *token, rom_list_t **list_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, list_p);
}
