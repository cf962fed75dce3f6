// dict_api.c: the helpers of Dict in rom/rom_shared.h (a manager's dict ()), over its generated proxy. The
// *_str-keyed one-line forms are the common case of string keys; items () is one call so keys and values
// are one consistent snapshot.
#include "handles.h"
#include "variant.h"

#include <stdlib.h>

#include "rom/builtins/dict.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__dict__rom_type), NULL

#define S_DICT(h) ((Rom__Builtins__Dict_Proxy *) (h))

rom_status_t
rom_dict_new (rom_client_t *client, rom_dict_t **dict_p)
{
    if (romi_helper_bad_new (__func__, dict_p, "dict_p", client))
        return ROM_INVALID;
    Rom__Builtins__Dict_Proxy *proxy = NULL;
    rom_status_t status = rom__builtins__dict__rom_create (client, NULL, &proxy);
    *dict_p = (rom_dict_t *) proxy;
    return status;
}

// The calls that take a key and maybe a fallback.
typedef enum { S_GET, S_POP, S_DELETE, S_CONTAINS } s_key_op_t;

static rom_status_t
s_dict_key_call (rom_dict_t *dict, s_key_op_t op, const rom_variant_t *key, const rom_variant_t *fallback,
                 ProtobufCMessage **reply)
{
    romi_variant_in_t in_key, in_fallback;
    rom_status_t status = romi_variant_in (romi_handle_client (dict), key, &in_key);
    if (status != ROM_OK)
        return status;
    if (fallback
        && (status = romi_variant_in (romi_handle_client (dict), fallback, &in_fallback)) != ROM_OK) {
        romi_variant_in_done (&in_key);
        return status;
    }
    Rom__Builtins__DictKey req = ROM__BUILTINS__DICT_KEY__INIT;
    req.key = &in_key.msg;
    req.fallback = fallback ? &in_fallback.msg : NULL;
    switch (op) {
    case S_GET:
        status = rom__builtins__dict_proxy__get (S_DICT (dict), &req, (romi_variant_msg_t **) reply);
        break;
    case S_POP:
        status = rom__builtins__dict_proxy__pop (S_DICT (dict), &req, (romi_variant_msg_t **) reply);
        break;
    case S_DELETE: status = rom__builtins__dict_proxy__delete (S_DICT (dict), &req, NULL); break;
    case S_CONTAINS:
        status = rom__builtins__dict_proxy__contains (S_DICT (dict), &req, (Rom__Builtins__Truth **) reply);
        break;
    }
    romi_variant_in_done (&in_key);
    if (fallback)
        romi_variant_in_done (&in_fallback);
    return status;
}

static rom_status_t
s_dict_get_like (rom_dict_t *dict, s_key_op_t op, const rom_variant_t *key, const rom_variant_t *fallback,
                 rom_variant_t *out)
{
    if (out)
        *out = ROM_NONE;
    ProtobufCMessage *reply = NULL;
    // A Pop's reply is read even when the caller wants no value: a reference in it carries a count to give
    // back, and the Dict no longer holds the object.
    rom_status_t status = s_dict_key_call (dict, op, key, fallback, out || op == S_POP ? &reply : NULL);
    if (status != ROM_OK || !reply)
        return status;
    if (op == S_POP)
        return romi_variant_take_popped (dict, (romi_variant_msg_t *) reply, out);
    return romi_variant_take (dict, (romi_variant_msg_t *) reply, out);
}

rom_status_t
rom_dict_set (rom_dict_t *dict, rom_variant_t key, rom_variant_t value)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    romi_variant_in_t in_key, in_value;
    rom_status_t status = romi_variant_in (romi_handle_client (dict), &key, &in_key);
    if (status != ROM_OK)
        return status;
    if ((status = romi_variant_in (romi_handle_client (dict), &value, &in_value)) != ROM_OK) {
        romi_variant_in_done (&in_key);
        return status;
    }
    Rom__Builtins__DictItem req = ROM__BUILTINS__DICT_ITEM__INIT;
    req.key = &in_key.msg;
    req.value = &in_value.msg;
    status = rom__builtins__dict_proxy__set (S_DICT (dict), &req, NULL);
    romi_variant_in_done (&in_key);
    romi_variant_in_done (&in_value);
    return status;
}

rom_status_t
rom_dict_get (rom_dict_t *dict, rom_variant_t key, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_GET, &key, NULL, out);
}

rom_status_t
rom_dict_get_or (rom_dict_t *dict, rom_variant_t key, rom_variant_t fallback, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_GET, &key, &fallback, out);
}

rom_status_t
rom_dict_delete (rom_dict_t *dict, rom_variant_t key)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return s_dict_key_call (dict, S_DELETE, &key, NULL, NULL);
}

rom_status_t
rom_dict_contains (rom_dict_t *dict, rom_variant_t key, bool *found)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, found, "found"))
        return ROM_INVALID;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = s_dict_key_call (dict, S_CONTAINS, &key, NULL, &reply);
    if (status == ROM_OK) {
        *found = ((Rom__Builtins__Truth *) reply)->value;
        protobuf_c_message_free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_dict_len (rom_dict_t *dict, size_t *n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return romi_handle_size (dict, "Len", NULL, n);
}

rom_status_t
rom_dict_keys (rom_dict_t *dict, rom_variant_t **keys, size_t *n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return rom_dict_items (dict, keys, NULL, n);
}

rom_status_t
rom_dict_values (rom_dict_t *dict, rom_variant_t **values, size_t *n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return rom_dict_items (dict, NULL, values, n);
}

// Copy a reply's entries into caller-owned arrays (either may be NULL to skip it), the references among the
// values given back (the copies carry tokens). The reply stays the caller's.
static rom_status_t
s_items_out (rom_dict_t *dict, Rom__Builtins__DictItem *const *pairs, size_t count, rom_variant_t **keys,
             rom_variant_t **values)
{
    for (size_t i = 0; i < count; i++)
        romi_variant_release_ref (dict, pairs[i]->value);
    rom_variant_t *k = keys && count ? calloc (count, sizeof *k) : NULL;
    rom_variant_t *v = values && count ? calloc (count, sizeof *v) : NULL;
    int rc = (keys && count && !k) || (values && count && !v) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (k)
            rc |= romi_variant_copy_out (pairs[i]->key, &k[i]);
        if (v)
            rc |= romi_variant_copy_out (pairs[i]->value, &v[i]);
    }
    if (rc != 0) {
        rom_variants_free (&k, count);
        rom_variants_free (&v, count);
        return romi_handle_nomem (dict);
    }
    if (keys)
        *keys = k;
    if (values)
        *values = v;
    return ROM_OK;
}

rom_status_t
rom_dict_items (rom_dict_t *dict, rom_variant_t **keys, rom_variant_t **values, size_t *n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    if (keys)
        *keys = NULL;
    if (values)
        *values = NULL;
    *n = 0;
    // One call for both halves, so keys and values are one consistent snapshot.
    Rom__Builtins__DictItems *reply = NULL;
    rom_status_t status = rom__builtins__dict_proxy__items (S_DICT (dict), NULL, &reply);
    if (status != ROM_OK)
        return status;
    status = s_items_out (dict, reply->items, reply->n_items, keys, values);
    if (status == ROM_OK)
        *n = reply->n_items;
    rom__builtins__dict_items__free_unpacked (reply, NULL);
    return status;
}

// A request's DictItems over the caller's keys and values (borrowed): `n_values` is `n`, or 1 for one value
// under every key (fromkeys). s_items_in_done () after use, either way.
typedef struct {
    romi_variant_ins_t keys, values;
    Rom__Builtins__DictItem *cells;
    Rom__Builtins__DictItem **pairs;
    Rom__Builtins__DictItems req;
} s_items_in_t;

static rom_status_t
s_items_in (rom_client_t *client, const rom_variant_t *keys, const rom_variant_t *values, size_t n,
            size_t n_values, s_items_in_t *in)
{
    *in = (s_items_in_t) {.req = ROM__BUILTINS__DICT_ITEMS__INIT};
    rom_status_t status = romi_variant_ins (client, keys, n, &in->keys);
    if (status == ROM_OK)
        status = romi_variant_ins (client, values, n_values, &in->values);
    in->cells = n ? calloc (n, sizeof *in->cells) : NULL;
    in->pairs = n ? calloc (n, sizeof *in->pairs) : NULL;
    if (status == ROM_OK && n && (!in->cells || !in->pairs))
        status = rom_client_fail (client, ROM_NOMEM, "out of memory");
    for (size_t i = 0; status == ROM_OK && i < n; i++) {
        rom__builtins__dict_item__init (&in->cells[i]);
        in->cells[i].key = in->keys.items[i];
        in->cells[i].value = in->values.items[n_values == 1 ? 0 : i];
        in->pairs[i] = &in->cells[i];
    }
    in->req.items = in->pairs;
    in->req.n_items = n;
    return status;
}

static void
s_items_in_done (s_items_in_t *in)
{
    free (in->cells);
    free (in->pairs);
    romi_variant_ins_done (&in->keys);
    romi_variant_ins_done (&in->values);
}

rom_status_t
rom_dict_update (rom_dict_t *dict, const rom_variant_t *keys, const rom_variant_t *values, size_t n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE)
        || (n && romi_helper_null_arg (__func__, keys, "keys"))
        || (n && romi_helper_null_arg (__func__, values, "values")))
        return ROM_INVALID;
    s_items_in_t in;
    rom_status_t status = s_items_in (romi_handle_client (dict), keys, values, n, n, &in);
    if (status == ROM_OK)
        status = rom__builtins__dict_proxy__update (S_DICT (dict), &in.req, NULL);
    s_items_in_done (&in);
    return status;
}

rom_status_t
rom_dict_pop (rom_dict_t *dict, rom_variant_t key, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_POP, &key, NULL, out);
}

rom_status_t
rom_dict_pop_or (rom_dict_t *dict, rom_variant_t key, rom_variant_t fallback, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_POP, &key, &fallback, out);
}

// SetDefault and Increment: a key and a value in, a Variant out.
typedef rom_status_t (*s_item_call_fn) (Rom__Builtins__Dict_Proxy *proxy, const Rom__Builtins__DictItem *in,
                                        romi_variant_msg_t **out);

static rom_status_t
s_dict_item_call (rom_dict_t *dict, s_item_call_fn fn, const rom_variant_t *key, const rom_variant_t *value,
                  rom_variant_t *out)
{
    if (out)
        *out = ROM_NONE;
    romi_variant_in_t in_key, in_value;
    rom_status_t status = romi_variant_in (romi_handle_client (dict), key, &in_key);
    if (status != ROM_OK)
        return status;
    if ((status = romi_variant_in (romi_handle_client (dict), value, &in_value)) != ROM_OK) {
        romi_variant_in_done (&in_key);
        return status;
    }
    Rom__Builtins__DictItem req = ROM__BUILTINS__DICT_ITEM__INIT;
    req.key = &in_key.msg;
    req.value = &in_value.msg;
    romi_variant_msg_t *reply = NULL;
    status = fn (S_DICT (dict), &req, out ? &reply : NULL);
    romi_variant_in_done (&in_key);
    romi_variant_in_done (&in_value);
    return status == ROM_OK && out ? romi_variant_take (dict, reply, out) : status;
}

rom_status_t
rom_dict_setdefault (rom_dict_t *dict, rom_variant_t key, rom_variant_t value, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return s_dict_item_call (dict, rom__builtins__dict_proxy__set_default, &key, &value, out);
}

rom_status_t
rom_dict_clear (rom_dict_t *dict)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return rom__builtins__dict_proxy__clear (S_DICT (dict), NULL, NULL);
}

rom_status_t
rom_dict_incr (rom_dict_t *dict, rom_variant_t key, rom_variant_t delta, rom_variant_t *now)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return s_dict_item_call (dict, rom__builtins__dict_proxy__increment, &key, &delta, now);
}

rom_status_t
rom_dict_set_int (rom_dict_t *dict, const char *key, int64_t v)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return rom_dict_set (dict, ROM_STR (key), ROM_INT (v));
}

rom_status_t
rom_dict_set_double (rom_dict_t *dict, const char *key, double v)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return rom_dict_set (dict, ROM_STR (key), ROM_DOUBLE (v));
}

rom_status_t
rom_dict_set_str (rom_dict_t *dict, const char *key, const char *v)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    return rom_dict_set (dict, ROM_STR (key), ROM_STR (v));
}

rom_status_t
rom_dict_get_int (rom_dict_t *dict, const char *key, int64_t *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get (dict, ROM_STR (key), &v);
    return status == ROM_OK ? romi_variant_want_int (dict, "Get", &v, out, "value of", key) : status;
}

rom_status_t
rom_dict_get_int_or (rom_dict_t *dict, const char *key, int64_t fallback, int64_t *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get_or (dict, ROM_STR (key), ROM_INT (fallback), &v);
    return status == ROM_OK ? romi_variant_want_int (dict, "Get", &v, out, "value of", key) : status;
}

rom_status_t
rom_dict_get_double (rom_dict_t *dict, const char *key, double *out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get (dict, ROM_STR (key), &v);
    return status == ROM_OK ? romi_variant_want_double (dict, "Get", &v, out, "value of", key) : status;
}

rom_status_t
rom_dict_get_str (rom_dict_t *dict, const char *key, char **out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get (dict, ROM_STR (key), &v);
    return status == ROM_OK ? romi_variant_want_str (dict, "Get", &v, out, "value of", key) : status;
}

rom_status_t
rom_dict_incr_int (rom_dict_t *dict, const char *key, int64_t delta, int64_t *now)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_incr (dict, ROM_STR (key), ROM_INT (delta), now ? &v : NULL);
    return status == ROM_OK && now ? romi_variant_want_int (dict, "Increment", &v, now, "value of", key)
                                   : status;
}

rom_status_t
rom_dict_set_proxy (rom_dict_t *dict, rom_variant_t key, const rom_proxy_t *proxy)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    char *token = NULL;
    rom_status_t status = romi_handle_token (__func__, dict, proxy, &token);
    if (status != ROM_OK)
        return status;
    status = rom_dict_set (dict, key, ROM_REF (token));
    free (token);
    return status;
}

rom_status_t
rom_dict_repr (rom_dict_t *dict, char **text)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    rom_variant_t *keys = NULL, *values = NULL;
    size_t n = 0;
    rom_status_t status = rom_dict_items (dict, &keys, &values, &n);
    if (status != ROM_OK)
        return status;
    romi_repr_t b = {0};
    romi_repr_puts (&b, "{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            romi_repr_puts (&b, ", ");
        romi_repr_variant (&b, &keys[i]);
        romi_repr_puts (&b, ": ");
        romi_repr_variant (&b, &values[i]);
    }
    romi_repr_puts (&b, "}");
    rom_variants_free (&keys, n);
    rom_variants_free (&values, n);
    return romi_repr_finish (dict, &b, text);
}

// --- issue 14: the rest of Python's dict -------------------------------------------------------------------

rom_status_t
rom_dict_new_fromkeys (rom_client_t *client, const rom_variant_t *keys, size_t n, rom_variant_t value,
                       rom_dict_t **dict_p)
{
    if (romi_helper_bad_new (__func__, dict_p, "dict_p", client)
        || (n && romi_helper_null_arg (__func__, keys, "keys")))
        return ROM_INVALID;
    s_items_in_t in;
    rom_status_t status = s_items_in (client, keys, &value, n, 1, &in);
    if (status == ROM_OK) {
        Rom__Builtins__Dict_Proxy *proxy = NULL;
        status = rom__builtins__dict__rom_create (client, &in.req, &proxy);
        *dict_p = (rom_dict_t *) proxy;
    }
    s_items_in_done (&in);
    return status;
}

rom_status_t
rom_dict_popitem (rom_dict_t *dict, rom_variant_t *key, rom_variant_t *value)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__DictItem *reply = NULL;
    rom_status_t status = rom__builtins__dict_proxy__pop_item (S_DICT (dict), NULL, &reply);
    if (status != ROM_OK)
        return status;
    rom_variant_t *k = NULL, *v = NULL;
    status = s_items_out (dict, &reply, 1, key ? &k : NULL, value ? &v : NULL);
    rom__builtins__dict_item__free_unpacked (reply, NULL);
    if (status != ROM_OK)
        return status;
    // One-element arrays: their content moves into the caller's variants.
    if (key)
        *key = *k;
    if (value)
        *value = *v;
    free (k);
    free (v);
    return ROM_OK;
}

rom_status_t
rom_dict_copy (rom_dict_t *dict, rom_variant_t **keys, rom_variant_t **values, size_t *n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, keys, "keys")
        || romi_helper_null_arg (__func__, values, "values") || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return rom_dict_items (dict, keys, values, n); // one call: one snapshot
}

rom_status_t
rom_dict_ior (rom_dict_t *dict, const rom_variant_t *keys, const rom_variant_t *values, size_t n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE)
        || (n && romi_helper_null_arg (__func__, keys, "keys"))
        || (n && romi_helper_null_arg (__func__, values, "values")))
        return ROM_INVALID;
    return rom_dict_update (dict, keys, values, n); // Python's dict.__ior__ is update
}

rom_status_t
rom_dict_or (rom_dict_t *dict, const rom_variant_t *keys, const rom_variant_t *values, size_t n,
             rom_variant_t **out_keys, rom_variant_t **out_values, size_t *n_out)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE)
        || (n && romi_helper_null_arg (__func__, keys, "keys"))
        || (n && romi_helper_null_arg (__func__, values, "values"))
        || romi_helper_null_arg (__func__, out_keys, "out_keys")
        || romi_helper_null_arg (__func__, out_values, "out_values")
        || romi_helper_null_arg (__func__, n_out, "n_out"))
        return ROM_INVALID;
    s_items_in_t in;
    rom_status_t status = s_items_in (romi_handle_client (dict), keys, values, n, n, &in);
    Rom__Builtins__DictItems *reply = NULL;
    if (status == ROM_OK)
        status = rom__builtins__dict_proxy__merged (S_DICT (dict), &in.req, &reply);
    s_items_in_done (&in);
    if (status != ROM_OK)
        return status;
    status = s_items_out (dict, reply->items, reply->n_items, out_keys, out_values);
    if (status == ROM_OK)
        *n_out = reply->n_items;
    rom__builtins__dict_items__free_unpacked (reply, NULL);
    return status;
}

rom_status_t
rom_dict_iter (rom_dict_t *dict, rom_cursor_t *cursor, size_t max, rom_variant_t **keys,
               rom_variant_t **values, size_t *n)
{
    if (romi_helper_bad_handle (__func__, dict, S_TYPE) || romi_helper_null_arg (__func__, cursor, "cursor")
        || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    if (cursor->done) { // the end stays the end, without asking
        if (keys)
            *keys = NULL;
        if (values)
            *values = NULL;
        *n = 0;
        return ROM_OK;
    }
    Rom__Builtins__Cursor req = ROM__BUILTINS__CURSOR__INIT;
    req.started = cursor->started;
    req.version = cursor->version;
    req.position = cursor->position;
    req.max = max > UINT32_MAX ? UINT32_MAX : (uint32_t) max;
    Rom__Builtins__Chunk *reply = NULL;
    rom_status_t status = rom__builtins__dict_proxy__iter (S_DICT (dict), &req, &reply);
    if (status != ROM_OK)
        return status;
    size_t count = reply->n_items < reply->n_values ? reply->n_items : reply->n_values;
    for (size_t i = 0; i < reply->n_values; i++)
        romi_variant_release_ref (dict, reply->values[i]);
    rom_variant_t *k = keys && count ? calloc (count, sizeof *k) : NULL;
    rom_variant_t *v = values && count ? calloc (count, sizeof *v) : NULL;
    int rc = (keys && count && !k) || (values && count && !v) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (k)
            rc |= romi_variant_copy_out (reply->items[i], &k[i]);
        if (v)
            rc |= romi_variant_copy_out (reply->values[i], &v[i]);
    }
    if (rc == 0) {
        *cursor = (rom_cursor_t) {.started = true,
                                  .done = reply->done,
                                  .version = reply->version,
                                  .position = reply->next};
        if (keys)
            *keys = k;
        if (values)
            *values = v;
        *n = count;
    } else {
        rom_variants_free (&k, count);
        rom_variants_free (&v, count);
        status = romi_handle_nomem (dict);
    }
    rom__builtins__chunk__free_unpacked (reply, NULL);
    return status;
}

rom_proxy_t *
rom_dict_proxy (rom_dict_t *dict)
{
    return romi_helper_bad_handle (__func__, dict, S_TYPE) ? NULL : (rom_proxy_t *) dict;
}

void
rom_dict_destroy (rom_dict_t **dict_p)
{
    rom__builtins__dict__rom_destroy ((Rom__Builtins__Dict_Proxy **) dict_p);
}

rom_status_t
rom_dict_from_token (rom_client_t *client, const char *token, rom_dict_t **dict_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, dict_p);
}
