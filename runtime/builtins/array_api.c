// array_api.c: the helpers of Array in rom/rom_shared.h (Python's multiprocessing.Array), over its generated
// proxy. Slices travel as one packed repeated field of the element class (Elements), not one Variant an
// element, so get_ints and set_doubles cost one round trip and no per-element allocation.
#include "handles.h"
#include "variant.h"

#include <inttypes.h>
#include <stdlib.h>

#include "rom/builtins/array.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__array__rom_type), NULL

#define S_ARRAY(h) ((Rom__Builtins__Array_Proxy *) (h))

static rom_status_t
s_array_create (rom_client_t *client, char typecode, size_t length, Rom__Builtins__Elements *items,
                rom_array_t **array_p)
{
    Rom__Builtins__ArrayInit init = ROM__BUILTINS__ARRAY_INIT__INIT;
    init.typecode = (Rom__Builtins__Typecode) (unsigned char) typecode;
    init.length = length;
    init.items = items;
    Rom__Builtins__Array_Proxy *proxy = NULL;
    rom_status_t status = rom__builtins__array__rom_create (client, &init, &proxy);
    *array_p = (rom_array_t *) proxy;
    return status;
}

rom_status_t
rom_array_new (rom_client_t *client, char typecode, size_t length, rom_array_t **array_p)
{
    if (romi_helper_bad_new (__func__, array_p, "array_p", client))
        return ROM_INVALID;
    return s_array_create (client, typecode, length, NULL, array_p);
}

rom_status_t
rom_array_new_ints (rom_client_t *client, char typecode, const int64_t *items, size_t n,
                    rom_array_t **array_p)
{
    if (romi_helper_bad_new (__func__, array_p, "array_p", client)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.ints = (int64_t *) items;
    elements.n_ints = n;
    return s_array_create (client, typecode, n, &elements, array_p);
}

rom_status_t
rom_array_new_doubles (rom_client_t *client, char typecode, const double *items, size_t n,
                       rom_array_t **array_p)
{
    if (romi_helper_bad_new (__func__, array_p, "array_p", client)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.doubles = (double *) items;
    elements.n_doubles = n;
    return s_array_create (client, typecode, n, &elements, array_p);
}

rom_status_t
rom_array_len (rom_array_t *array, size_t *length)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE) || romi_helper_null_arg (__func__, length, "length"))
        return ROM_INVALID;
    return romi_handle_size (array, "Len", NULL, length);
}

rom_status_t
rom_array_get (rom_array_t *array, int64_t index, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    Rom__Builtins__Index req = ROM__BUILTINS__INDEX__INIT;
    req.index = index;
    romi_variant_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__array_proxy__get (S_ARRAY (array), &req, &reply);
    return status == ROM_OK ? romi_variant_take (array, reply, out) : status;
}

rom_status_t
rom_array_set (rom_array_t *array, int64_t index, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE))
        return ROM_INVALID;
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (array), &v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__IndexedValue req = ROM__BUILTINS__INDEXED_VALUE__INIT;
    req.index = index;
    req.value = &in.msg;
    status = rom__builtins__array_proxy__set (S_ARRAY (array), &req, NULL);
    romi_variant_in_done (&in);
    return status;
}

rom_status_t
rom_array_get_int (rom_array_t *array, int64_t index, int64_t *out)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_array_get (array, index, &v);
    return status == ROM_OK ? romi_variant_want_int (array, "Get", &v, out, "the element", NULL) : status;
}

rom_status_t
rom_array_get_double (rom_array_t *array, int64_t index, double *out)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_array_get (array, index, &v);
    return status == ROM_OK ? romi_variant_want_double (array, "Get", &v, out, "the element", NULL) : status;
}

rom_status_t
rom_array_set_int (rom_array_t *array, int64_t index, int64_t v)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE))
        return ROM_INVALID;
    return rom_array_set (array, index, ROM_INT (v));
}

rom_status_t
rom_array_set_double (rom_array_t *array, int64_t index, double v)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE))
        return ROM_INVALID;
    return rom_array_set (array, index, ROM_DOUBLE (v));
}

static rom_status_t
s_array_slice (rom_array_t *array, int64_t start, int64_t stop, Rom__Builtins__Elements **reply)
{
    Rom__Builtins__Slice req = ROM__BUILTINS__SLICE__INIT;
    req.start = start;
    req.stop = stop;
    return rom__builtins__array_proxy__get_slice (S_ARRAY (array), &req, reply);
}

rom_status_t
rom_array_get_ints (rom_array_t *array, int64_t start, int64_t stop, int64_t **items, size_t *n)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE) || romi_helper_null_arg (__func__, items, "items")
        || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    *items = NULL;
    *n = 0;
    Rom__Builtins__Elements *reply = NULL;
    rom_status_t status = s_array_slice (array, start, stop, &reply);
    if (status != ROM_OK)
        return status;
    size_t count = reply->n_ints + reply->n_uints;
    if (reply->n_doubles || reply->n_bools)
        status = rom_client_fail (romi_handle_client (array), ROM_WRONG_TYPE,
                                  "the Array holds %s, not integers", reply->n_doubles ? "floats" : "bools");
    int64_t *out = status == ROM_OK && count ? malloc (count * sizeof *out) : NULL;
    if (status == ROM_OK && count && !out)
        status = romi_handle_nomem (array);
    for (size_t i = 0; status == ROM_OK && i < count; i++) {
        if (reply->n_ints)
            out[i] = reply->ints[i];
        else if (reply->uints[i] <= INT64_MAX)
            out[i] = (int64_t) reply->uints[i];
        else
            status = rom_client_fail (romi_handle_client (array), ROM_OUT_OF_RANGE,
                                      "element %zu (%" PRIu64 ") does not fit an int64_t", i,
                                      reply->uints[i]);
    }
    rom__builtins__elements__free_unpacked (reply, NULL);
    if (status != ROM_OK) {
        free (out);
        return status;
    }
    *items = out;
    *n = count;
    return ROM_OK;
}

rom_status_t
rom_array_get_doubles (rom_array_t *array, int64_t start, int64_t stop, double **items, size_t *n)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE) || romi_helper_null_arg (__func__, items, "items")
        || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    *items = NULL;
    *n = 0;
    Rom__Builtins__Elements *reply = NULL;
    rom_status_t status = s_array_slice (array, start, stop, &reply);
    if (status != ROM_OK)
        return status;
    size_t count = reply->n_ints + reply->n_uints + reply->n_doubles;
    if (reply->n_bools)
        status = rom_client_fail (romi_handle_client (array), ROM_WRONG_TYPE,
                                  "the Array holds bools, not numbers");
    double *out = status == ROM_OK && count ? malloc (count * sizeof *out) : NULL;
    if (status == ROM_OK && count && !out)
        status = romi_handle_nomem (array);
    for (size_t i = 0; status == ROM_OK && i < count; i++)
        out[i] = reply->n_doubles ? reply->doubles[i]
                 : reply->n_ints  ? (double) reply->ints[i]
                                  : (double) reply->uints[i];
    rom__builtins__elements__free_unpacked (reply, NULL);
    if (status != ROM_OK) {
        free (out);
        return status;
    }
    *items = out;
    *n = count;
    return ROM_OK;
}

static rom_status_t
s_array_assign (rom_array_t *array, int64_t start, int64_t stop, Rom__Builtins__Elements *items)
{
    Rom__Builtins__Slice slice = ROM__BUILTINS__SLICE__INIT;
    slice.start = start;
    slice.stop = stop;
    Rom__Builtins__SliceAssign req = ROM__BUILTINS__SLICE_ASSIGN__INIT;
    req.slice = &slice;
    req.items = items;
    return rom__builtins__array_proxy__set_slice (S_ARRAY (array), &req, NULL);
}

rom_status_t
rom_array_set_ints (rom_array_t *array, int64_t start, int64_t stop, const int64_t *items, size_t n)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.ints = (int64_t *) items;
    elements.n_ints = n;
    return s_array_assign (array, start, stop, &elements);
}

rom_status_t
rom_array_set_doubles (rom_array_t *array, int64_t start, int64_t stop, const double *items, size_t n)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE)
        || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.doubles = (double *) items;
    elements.n_doubles = n;
    return s_array_assign (array, start, stop, &elements);
}

rom_status_t
rom_array_typecode (rom_array_t *array, char *typecode)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE)
        || romi_helper_null_arg (__func__, typecode, "typecode"))
        return ROM_INVALID;
    return romi_handle_typecode (array, "GetTypecode", typecode);
}

rom_status_t
rom_array_repr (rom_array_t *array, char **text)
{
    if (romi_helper_bad_handle (__func__, array, S_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    Rom__Builtins__Elements *reply = NULL;
    rom_status_t status = s_array_slice (array, 0, ROM_SLICE_END, &reply);
    if (status != ROM_OK)
        return status;
    romi_repr_t b = {0};
    romi_repr_puts (&b, "[");
    size_t n = reply->n_ints + reply->n_uints + reply->n_doubles + reply->n_bools;
    for (size_t i = 0; i < n; i++) {
        rom_variant_t v = reply->n_ints      ? ROM_INT (reply->ints[i])
                          : reply->n_uints   ? ROM_UINT (reply->uints[i])
                          : reply->n_doubles ? ROM_DOUBLE (reply->doubles[i])
                                             : ROM_BOOL (reply->bools[i]);
        if (i)
            romi_repr_puts (&b, ", ");
        romi_repr_variant (&b, &v);
    }
    romi_repr_puts (&b, "]");
    rom__builtins__elements__free_unpacked (reply, NULL);
    return romi_repr_finish (array, &b, text);
}

rom_proxy_t *
rom_array_proxy (rom_array_t *array)
{
    return romi_helper_bad_handle (__func__, array, S_TYPE) ? NULL : (rom_proxy_t *) array;
}

void
rom_array_destroy (rom_array_t **array_p)
{
    rom__builtins__array__rom_destroy ((Rom__Builtins__Array_Proxy **) array_p);
}

rom_status_t
rom_array_from_token (rom_client_t *client, const char *token, rom_array_t **array_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, array_p);
}
