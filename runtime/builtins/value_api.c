// value_api.c: the helpers of Value in rom/rom_shared.h (Python's multiprocessing.Value), over its generated
// proxy. The typed one-line forms (get_int, add_int, cas_int) check the kind here, so a Value holding a
// string answers ROM_WRONG_TYPE with a text rather than a zero.
#include "handles.h"
#include "variant.h"

#include "rom/builtins/value.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__value__rom_type), NULL

#define S_VALUE(h) ((Rom__Builtins__Value_Proxy *) (h))

rom_status_t
rom_value_new (rom_client_t *client, char typecode, rom_variant_t initial, rom_value_t **value_p)
{
    if (romi_helper_bad_new (__func__, value_p, "value_p", client))
        return ROM_INVALID;
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (client, &initial, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__ValueInit init = ROM__BUILTINS__VALUE_INIT__INIT;
    init.typecode = (Rom__Builtins__Typecode) (unsigned char) typecode;
    init.value = &in.msg;
    Rom__Builtins__Value_Proxy *proxy = NULL;
    status = rom__builtins__value__rom_create (client, &init, &proxy);
    romi_variant_in_done (&in);
    *value_p = (rom_value_t *) proxy;
    return status;
}

rom_status_t
rom_value_get (rom_value_t *value, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    romi_variant_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__value_proxy__get (S_VALUE (value), NULL, &reply);
    return status == ROM_OK ? romi_variant_take (value, reply, out) : status;
}

rom_status_t
rom_value_set (rom_value_t *value, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE))
        return ROM_INVALID;
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (value), &v, &in);
    if (status == ROM_OK)
        status = rom__builtins__value_proxy__set (S_VALUE (value), &in.msg, NULL);
    romi_variant_in_done (&in);
    return status;
}

rom_status_t
rom_value_get_int (rom_value_t *value, int64_t *out)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_value_get (value, &v);
    return status == ROM_OK ? romi_variant_want_int (value, "Get", &v, out, "the value", NULL) : status;
}

rom_status_t
rom_value_get_double (rom_value_t *value, double *out)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_value_get (value, &v);
    return status == ROM_OK ? romi_variant_want_double (value, "Get", &v, out, "the value", NULL) : status;
}

rom_status_t
rom_value_get_str (rom_value_t *value, char **out)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_value_get (value, &v);
    return status == ROM_OK ? romi_variant_want_str (value, "Get", &v, out, "the value", NULL) : status;
}

rom_status_t
rom_value_set_int (rom_value_t *value, int64_t v)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE))
        return ROM_INVALID;
    return rom_value_set (value, ROM_INT (v));
}

rom_status_t
rom_value_set_double (rom_value_t *value, double v)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE))
        return ROM_INVALID;
    return rom_value_set (value, ROM_DOUBLE (v));
}

rom_status_t
rom_value_set_str (rom_value_t *value, const char *v)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE))
        return ROM_INVALID;
    return rom_value_set (value, ROM_STR (v));
}

static rom_status_t
s_value_add (rom_value_t *value, rom_variant_t delta, rom_variant_t *now)
{
    romi_variant_in_t in;
    romi_variant_in (romi_handle_client (value), &delta, &in); // numbers only: cannot fail
    romi_variant_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__value_proxy__add (S_VALUE (value), &in.msg, now ? &reply : NULL);
    return status == ROM_OK && now ? romi_variant_take (value, reply, now) : status;
}

rom_status_t
rom_value_add_int (rom_value_t *value, int64_t delta, int64_t *now)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE))
        return ROM_INVALID;
    rom_variant_t sum;
    rom_status_t status = s_value_add (value, ROM_INT (delta), now ? &sum : NULL);
    return status == ROM_OK && now ? romi_variant_want_int (value, "Add", &sum, now, "the sum", NULL)
                                   : status;
}

rom_status_t
rom_value_add_double (rom_value_t *value, double delta, double *now)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE))
        return ROM_INVALID;
    rom_variant_t sum;
    rom_status_t status = s_value_add (value, ROM_DOUBLE (delta), now ? &sum : NULL);
    return status == ROM_OK && now ? romi_variant_want_double (value, "Add", &sum, now, "the sum", NULL)
                                   : status;
}

rom_status_t
rom_value_cas (rom_value_t *value, rom_variant_t expected, rom_variant_t desired, bool *swapped,
               rom_variant_t *current)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE))
        return ROM_INVALID;
    if (current)
        *current = ROM_NONE;
    romi_variant_in_t in_expected, in_desired;
    rom_status_t status = romi_variant_in (romi_handle_client (value), &expected, &in_expected);
    if (status != ROM_OK)
        return status;
    status = romi_variant_in (romi_handle_client (value), &desired, &in_desired);
    if (status != ROM_OK) {
        romi_variant_in_done (&in_expected);
        return status;
    }
    Rom__Builtins__CompareAndSwap req = ROM__BUILTINS__COMPARE_AND_SWAP__INIT;
    req.expected = &in_expected.msg;
    req.desired = &in_desired.msg;
    Rom__Builtins__Swapped *reply = NULL;
    status = rom__builtins__value_proxy__cas (S_VALUE (value), &req, &reply);
    romi_variant_in_done (&in_expected);
    romi_variant_in_done (&in_desired);
    if (status != ROM_OK)
        return status;
    if (swapped)
        *swapped = reply->swapped;
    romi_variant_release_ref (value, reply->current);
    int rc = current ? romi_variant_copy_out (reply->current, current) : 0;
    rom__builtins__swapped__free_unpacked (reply, NULL);
    return rc == 0 ? ROM_OK : romi_handle_nomem (value);
}

rom_status_t
rom_value_cas_int (rom_value_t *value, int64_t *expected, int64_t desired, bool *swapped)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE)
        || romi_helper_null_arg (__func__, expected, "expected"))
        return ROM_INVALID;
    rom_variant_t current;
    bool done = false;
    rom_status_t status = rom_value_cas (value, ROM_INT (*expected), ROM_INT (desired), &done, &current);
    if (status != ROM_OK)
        return status;
    if (swapped)
        *swapped = done;
    if (done) {
        rom_variant_clear (&current);
        return ROM_OK;
    }
    return romi_variant_want_int (value, "Cas", &current, expected, "the value", NULL);
}

rom_status_t
rom_value_typecode (rom_value_t *value, char *typecode)
{
    if (romi_helper_bad_handle (__func__, value, S_TYPE)
        || romi_helper_null_arg (__func__, typecode, "typecode"))
        return ROM_INVALID;
    return romi_handle_typecode (value, "GetTypecode", typecode);
}

rom_proxy_t *
rom_value_proxy (rom_value_t *value)
{
    return romi_helper_bad_handle (__func__, value, S_TYPE) ? NULL : (rom_proxy_t *) value;
}

void
rom_value_destroy (rom_value_t **value_p)
{
    rom__builtins__value__rom_destroy ((Rom__Builtins__Value_Proxy **) value_p);
}

rom_status_t
rom_value_from_token (rom_client_t *client, const char *token, rom_value_t **value_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, value_p);
}
