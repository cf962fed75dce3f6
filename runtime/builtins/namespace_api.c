// namespace_api.c: the helpers of Namespace in rom/rom_shared.h (a manager's Namespace ()), over its
// generated proxy: attributes by name, and list () of all in insertion order for repr.
#define _POSIX_C_SOURCE 200809L // strdup is POSIX, not C11

#include "handles.h"
#include "variant.h"

#include <stdlib.h>
#include <string.h>

#include "rom/builtins/namespace.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__namespace__rom_type), NULL

#define S_NS(h) ((Rom__Builtins__Namespace_Proxy *) (h))

rom_status_t
rom_namespace_new (rom_client_t *client, rom_namespace_t **ns_p)
{
    if (romi_helper_bad_new (__func__, ns_p, "ns_p", client))
        return ROM_INVALID;
    Rom__Builtins__Namespace_Proxy *proxy = NULL;
    rom_status_t status = rom__builtins__namespace__rom_create (client, NULL, &proxy);
    *ns_p = (rom_namespace_t *) proxy;
    return status;
}

rom_status_t
rom_namespace_set (rom_namespace_t *ns, const char *name, rom_variant_t v)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name"))
        return ROM_INVALID;
    romi_variant_in_t in;
    rom_status_t status = romi_variant_in (romi_handle_client (ns), &v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__Attribute req = ROM__BUILTINS__ATTRIBUTE__INIT;
    req.name = (char *) name;
    req.value = &in.msg;
    status = rom__builtins__namespace_proxy__set_attr (S_NS (ns), &req, NULL);
    romi_variant_in_done (&in);
    return status;
}

rom_status_t
rom_namespace_get (rom_namespace_t *ns, const char *name, rom_variant_t *out)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    Rom__Builtins__AttributeName req = ROM__BUILTINS__ATTRIBUTE_NAME__INIT;
    req.name = (char *) name;
    romi_variant_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__namespace_proxy__get_attr (S_NS (ns), &req, &reply);
    return status == ROM_OK ? romi_variant_take (ns, reply, out) : status;
}

rom_status_t
rom_namespace_delete (rom_namespace_t *ns, const char *name)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name"))
        return ROM_INVALID;
    Rom__Builtins__AttributeName req = ROM__BUILTINS__ATTRIBUTE_NAME__INIT;
    req.name = (char *) name;
    return rom__builtins__namespace_proxy__del_attr (S_NS (ns), &req, NULL);
}

rom_status_t
rom_namespace_list (rom_namespace_t *ns, char ***names, rom_variant_t **values, size_t *n)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    if (names)
        *names = NULL;
    if (values)
        *values = NULL;
    *n = 0;
    Rom__Builtins__Attributes *reply = NULL;
    rom_status_t status = rom__builtins__namespace_proxy__list (S_NS (ns), NULL, &reply);
    if (status != ROM_OK)
        return status;
    size_t count = reply->n_attributes;
    for (size_t i = 0; i < count; i++)
        romi_variant_release_ref (ns, reply->attributes[i]->value);
    char **k = names && count ? calloc (count, sizeof *k) : NULL;
    rom_variant_t *v = values && count ? calloc (count, sizeof *v) : NULL;
    int rc = (names && count && !k) || (values && count && !v) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (k && !(k[i] = strdup (reply->attributes[i]->name ? reply->attributes[i]->name : "")))
            rc = -1;
        if (v)
            rc |= romi_variant_copy_out (reply->attributes[i]->value, &v[i]);
    }
    rom__builtins__attributes__free_unpacked (reply, NULL);
    if (rc != 0) {
        for (size_t i = 0; k && i < count; i++)
            free (k[i]);
        free (k);
        rom_variants_free (&v, count);
        return romi_handle_nomem (ns);
    }
    if (names)
        *names = k;
    if (values)
        *values = v;
    *n = count;
    return ROM_OK;
}

rom_status_t
rom_namespace_set_int (rom_namespace_t *ns, const char *name, int64_t v)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name"))
        return ROM_INVALID;
    return rom_namespace_set (ns, name, ROM_INT (v));
}

rom_status_t
rom_namespace_set_double (rom_namespace_t *ns, const char *name, double v)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name"))
        return ROM_INVALID;
    return rom_namespace_set (ns, name, ROM_DOUBLE (v));
}

rom_status_t
rom_namespace_set_str (rom_namespace_t *ns, const char *name, const char *v)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name"))
        return ROM_INVALID;
    return rom_namespace_set (ns, name, ROM_STR (v));
}

rom_status_t
rom_namespace_get_int (rom_namespace_t *ns, const char *name, int64_t *out)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_namespace_get (ns, name, &v);
    return status == ROM_OK ? romi_variant_want_int (ns, "GetAttr", &v, out, "attribute", name) : status;
}

rom_status_t
rom_namespace_get_double (rom_namespace_t *ns, const char *name, double *out)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_namespace_get (ns, name, &v);
    return status == ROM_OK ? romi_variant_want_double (ns, "GetAttr", &v, out, "attribute", name) : status;
}

rom_status_t
rom_namespace_get_str (rom_namespace_t *ns, const char *name, char **out)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_namespace_get (ns, name, &v);
    return status == ROM_OK ? romi_variant_want_str (ns, "GetAttr", &v, out, "attribute", name) : status;
}

rom_status_t
rom_namespace_repr (rom_namespace_t *ns, char **text)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    char **names = NULL;
    rom_variant_t *values = NULL;
    size_t n = 0;
    rom_status_t status = rom_namespace_list (ns, &names, &values, &n);
    if (status != ROM_OK)
        return status;
    // Python's Namespace.__repr__: the attributes not starting with '_', sorted by name.
    size_t *order = malloc ((n ? n : 1) * sizeof *order), shown = 0;
    romi_repr_t b = {0};
    if (order) {
        for (size_t i = 0; i < n; i++)
            if (names[i][0] != '_')
                order[shown++] = i;
        for (size_t i = 1; i < shown; i++) // insertion sort: a namespace has a handful of attributes
            for (size_t j = i; j > 0 && strcmp (names[order[j - 1]], names[order[j]]) > 0; j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        romi_repr_puts (&b, "Namespace(");
        for (size_t k = 0; k < shown; k++) {
            if (k)
                romi_repr_puts (&b, ", ");
            romi_repr_puts (&b, names[order[k]]);
            romi_repr_puts (&b, "=");
            romi_repr_variant (&b, &values[order[k]]);
        }
        romi_repr_puts (&b, ")");
    } else
        b.oom = true;
    free (order);
    for (size_t i = 0; i < n; i++)
        free (names[i]);
    free (names);
    rom_variants_free (&values, n);
    return romi_repr_finish (ns, &b, text);
}

rom_proxy_t *
rom_namespace_proxy (rom_namespace_t *ns)
{
    return romi_helper_bad_handle (__func__, ns, S_TYPE) ? NULL : (rom_proxy_t *) ns;
}

void
rom_namespace_destroy (rom_namespace_t **ns_p)
{
    rom__builtins__namespace__rom_destroy ((Rom__Builtins__Namespace_Proxy **) ns_p);
}

rom_status_t
rom_namespace_set_proxy (rom_namespace_t *ns, const char *name, const rom_proxy_t *proxy)
{
    if (romi_helper_bad_handle (__func__, ns, S_TYPE) || romi_helper_bad_text (__func__, name, "name"))
        return ROM_INVALID;
    char *token = NULL;
    rom_status_t status = romi_handle_token (__func__, ns, proxy, &token);
    if (status != ROM_OK)
        return status;
    status = rom_namespace_set (ns, name, ROM_REF (token));
    free (token);
    return status;
}

rom_status_t
rom_namespace_from_token (rom_client_t *client, const char *token, rom_namespace_t **namespace_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, namespace_p);
}
