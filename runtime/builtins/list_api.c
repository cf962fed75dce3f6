// list_api.c: the helpers of List in rom/rom_shared.h (a manager's list ()), over its generated proxy.
// Indexes are Python's (negative from the end), resolved on the server, which owns the length.
#include "handles.h"
#include "variant.h"

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

rom_status_t
rom_list_append (rom_list_t *list, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, list, S_TYPE))
        return ROM_INVALID;
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (list), &v, &in);
    if (status == ROM_OK)
        status = rom__builtins__list_proxy__append (S_LIST (list), &in.msg, NULL);
    romi_variant_in_done (&in);
    return status;
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
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (list), &v, &in);
    if (status == ROM_OK)
        status = rom__builtins__list_proxy__remove (S_LIST (list), &in.msg, NULL);
    romi_variant_in_done (&in);
    return status;
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
