// variant.c: rom_variant_t, the helpers' value, to and from rom.builtins.Variant, the wire's; typed reads;
// Python-like repr (variant.h). Client side: a request is built on the caller's stack (nothing allocated
// but a reference's token), a reply is copied into memory the caller owns and frees with rom_variant_clear
// ().
#define _POSIX_C_SOURCE 200809L // strdup is POSIX, not C11

#include "handles.h"
#include "variant.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

// ---- rom_variant_t <-> rom.builtins.Variant ---------------------------------------------------------------

rom_status_t
romi_variant_in (rom_client_t *client, const rom_variant_t *v, romi_variant_in_t *in)
{
    rom__builtins__variant__init (&in->msg);
    in->scratch = NULL;
    switch (v->kind) {
    case ROM_KIND_NONE: break;
    case ROM_KIND_INT: in->msg.kind_case = KIND (INT_VALUE), in->msg.int_value = v->i; break;
    case ROM_KIND_UINT: in->msg.kind_case = KIND (UINT_VALUE), in->msg.uint_value = v->u; break;
    case ROM_KIND_DOUBLE: in->msg.kind_case = KIND (DOUBLE_VALUE), in->msg.double_value = v->d; break;
    case ROM_KIND_BOOL: in->msg.kind_case = KIND (BOOL_VALUE), in->msg.bool_value = v->b; break;
    case ROM_KIND_STR:
        if (!v->str)
            return rom_client_fail (client, ROM_INVALID, "a ROM_KIND_STR value with a NULL string");
        // The server would refuse it (ROM_BAD_REQUEST); said here, before a round trip, as the caller's
        // error.
        if (!rom_utf8_valid (v->str, strlen (v->str)))
            return rom_client_fail (client, ROM_INVALID, "a ROM_KIND_STR value that is not valid UTF-8");
        in->msg.kind_case = KIND (STRING_VALUE), in->msg.string_value = v->str;
        break;
    case ROM_KIND_BYTES:
        in->msg.kind_case = KIND (BYTES_VALUE);
        in->msg.bytes_value.data = v->data;
        in->msg.bytes_value.len = v->data ? v->size : 0;
        break;
    case ROM_KIND_REF: {
        // endpoint#id#type, read from the right as rom_proxy_from_token () does.
        char *token = v->str ? strdup (v->str) : NULL;
        char *hash_type = token ? strrchr (token, '#') : NULL;
        if (hash_type)
            *hash_type = 0;
        char *hash_id = hash_type ? strrchr (token, '#') : NULL;
        char *end = NULL;
        unsigned long long id = hash_id ? strtoull (hash_id + 1, &end, 10) : 0;
        if (!hash_id || *end || id == 0) {
            free (token);
            return rom_client_fail (client, v->str && !token ? ROM_NOMEM : ROM_INVALID,
                                    "\"%s\" is not a proxy token (endpoint#id#type)",
                                    v->str ? v->str : "(null)");
        }
        *hash_id = 0;
        rom__object_ref__init (&in->ref);
        in->ref.endpoint = token;
        in->ref.id = id;
        in->ref.type = hash_type + 1;
        in->scratch = token;
        in->msg.kind_case = KIND (REF_VALUE), in->msg.ref_value = &in->ref;
        break;
    }
    default: return rom_client_fail (client, ROM_INVALID, "unknown value kind %d", (int) v->kind);
    }
    return ROM_OK;
}

void
romi_variant_in_done (romi_variant_in_t *in)
{
    free (in->scratch);
    in->scratch = NULL;
}

rom_status_t
romi_variant_ins (rom_client_t *client, const rom_variant_t *values, size_t n, romi_variant_ins_t *ins)
{
    ins->n = 0;
    ins->cells = n ? calloc (n, sizeof *ins->cells) : NULL;
    ins->items = n ? calloc (n, sizeof *ins->items) : NULL;
    if (n && (!ins->cells || !ins->items)) {
        free (ins->cells);
        free (ins->items);
        ins->cells = NULL;
        ins->items = NULL;
        return rom_client_fail (client, ROM_NOMEM, "out of memory");
    }
    for (; ins->n < n; ins->n++) {
        rom_status_t status = romi_variant_in (client, &values[ins->n], &ins->cells[ins->n]);
        if (status != ROM_OK)
            return status;
        ins->items[ins->n] = &ins->cells[ins->n].msg;
    }
    return ROM_OK;
}

void
romi_variant_ins_done (romi_variant_ins_t *ins)
{
    for (size_t i = 0; i < ins->n; i++)
        romi_variant_in_done (&ins->cells[i]);
    free (ins->cells);
    free (ins->items);
}

char *
romi_variant_token (const Rom__ObjectRef *ref)
{
    const char *endpoint = ref->endpoint ? ref->endpoint : "";
    const char *type = ref->type ? ref->type : "";
    size_t size = strlen (endpoint) + strlen (type) + 24;
    char *token = malloc (size);
    if (token)
        snprintf (token, size, "%s#%" PRIu64 "#%s", endpoint, ref->id, type);
    return token;
}

int
romi_variant_copy_out (const romi_variant_msg_t *m, rom_variant_t *out)
{
    *out = (rom_variant_t) {.kind = ROM_KIND_NONE};
    switch (m ? m->kind_case : KIND (_NOT_SET)) {
    case KIND (INT_VALUE): out->kind = ROM_KIND_INT, out->i = m->int_value; break;
    case KIND (UINT_VALUE): out->kind = ROM_KIND_UINT, out->u = m->uint_value; break;
    case KIND (DOUBLE_VALUE): out->kind = ROM_KIND_DOUBLE, out->d = m->double_value; break;
    case KIND (BOOL_VALUE): out->kind = ROM_KIND_BOOL, out->b = m->bool_value; break;
    case KIND (STRING_VALUE):
        out->str = strdup (m->string_value ? m->string_value : "");
        if (!out->str)
            return -1;
        out->kind = ROM_KIND_STR;
        break;
    case KIND (BYTES_VALUE):
        out->data = malloc (m->bytes_value.len ? m->bytes_value.len : 1);
        if (!out->data)
            return -1;
        if (m->bytes_value.len)
            memcpy (out->data, m->bytes_value.data, m->bytes_value.len);
        out->size = m->bytes_value.len;
        out->kind = ROM_KIND_BYTES;
        break;
    case KIND (REF_VALUE):
        if (!m->ref_value)
            break;
        out->str = romi_variant_token (m->ref_value);
        if (!out->str)
            return -1;
        out->kind = ROM_KIND_REF;
        break;
    default: break;
    }
    return 0;
}

void
romi_variant_release_ref (const void *handle, const romi_variant_msg_t *m)
{
    if (m && m->kind_case == KIND (REF_VALUE) && m->ref_value)
        rom_ref_release (romi_handle_client (handle), m->ref_value);
}

uint64_t
romi_variant_token_id (const char *token)
{
    const char *hash_type = token ? strrchr (token, '#') : NULL;
    const char *hash_id = NULL;
    for (const char *p = hash_type; p && p > token;)
        if (*--p == '#') {
            hash_id = p;
            break;
        }
    return hash_id ? strtoull (hash_id + 1, NULL, 10) : 0;
}

rom_status_t
romi_variant_take_popped (const void *handle, romi_variant_msg_t *reply, rom_variant_t *out)
{
    bool ref = reply->kind_case == KIND (REF_VALUE) && reply->ref_value && reply->ref_value->id;
    if (!ref || !out)
        return romi_variant_take (handle, reply, out);
    // The container let go of it: the reply's count is all that keeps the object alive, so *out keeps it.
    int rc = romi_variant_copy_out (reply, out);
    if (rc == 0)
        out->client = romi_handle_client (handle);
    else
        romi_variant_release_ref (handle, reply);
    protobuf_c_message_free_unpacked (&reply->base, NULL);
    return rc == 0 ? ROM_OK : romi_handle_nomem (handle);
}

rom_status_t
romi_variant_take (const void *handle, romi_variant_msg_t *reply, rom_variant_t *out)
{
    romi_variant_release_ref (handle, reply);
    int rc = out ? romi_variant_copy_out (reply, out) : 0;
    protobuf_c_message_free_unpacked (&reply->base, NULL);
    return rc == 0 ? ROM_OK : romi_handle_nomem (handle);
}

rom_status_t
romi_variant_take_list (const void *handle, romi_variant_msg_t **items, size_t n, rom_variant_t **out)
{
    *out = NULL;
    if (n == 0)
        return ROM_OK;
    for (size_t i = 0; i < n; i++)
        romi_variant_release_ref (handle, items[i]);
    rom_variant_t *values = calloc (n, sizeof *values);
    if (!values)
        return romi_handle_nomem (handle);
    for (size_t i = 0; i < n; i++)
        if (romi_variant_copy_out (items[i], &values[i]) != 0) {
            rom_variants_free (&values, i);
            return romi_handle_nomem (handle);
        }
    *out = values;
    return ROM_OK;
}

void
rom_variant_clear (rom_variant_t *value)
{
    if (!value)
        return;
    if (value->kind == ROM_KIND_REF && value->client) { // a popped reference: its count goes back
        Rom__ObjectRef ref = ROM__OBJECT_REF__INIT;
        ref.id = romi_variant_token_id (value->str);
        rom_ref_release (value->client, &ref);
    }
    free (value->str);
    free (value->data);
    *value = (rom_variant_t) {.kind = ROM_KIND_NONE};
}

void
rom_variants_free (rom_variant_t **items_p, size_t n)
{
    if (!items_p || !*items_p)
        return;
    for (size_t i = 0; i < n; i++)
        rom_variant_clear (&(*items_p)[i]);
    free (*items_p);
    *items_p = NULL;
}

// ---- typed reads ------------------------------------------------------------------------------------------

static const char *
s_kind_name (rom_kind_t kind)
{
    static const char *const names[] = {"None",   "an int",   "an unsigned int", "a float",
                                        "a bool", "a string", "bytes",           "an object reference"};
    return (unsigned) kind < sizeof names / sizeof *names ? names[kind] : "an unknown kind";
}

// "value of 'k'" (`name` given) or "the value".
static void
s_subject (char *buf, size_t size, const char *noun, const char *name)
{
    if (name)
        snprintf (buf, size, "%s '%s'", noun, name);
    else
        snprintf (buf, size, "%s", noun);
}

rom_status_t
romi_variant_want_int (const void *handle, const char *method, rom_variant_t *v, int64_t *out,
                       const char *noun, const char *name)
{
    rom_status_t status = ROM_OK;
    char subject[160];
    s_subject (subject, sizeof subject, noun, name);
    if (v->kind == ROM_KIND_INT)
        *out = v->i;
    else if (v->kind == ROM_KIND_UINT && v->u <= INT64_MAX)
        *out = (int64_t) v->u;
    else if (v->kind == ROM_KIND_UINT)
        status = romi_handle_fail (handle, method, ROM_OUT_OF_RANGE,
                                   "%s (%" PRIu64 ") does not fit an int64_t", subject, v->u);
    else
        status = romi_handle_fail (handle, method, ROM_WRONG_TYPE, "%s is %s, not an int", subject,
                                   s_kind_name (v->kind));
    rom_variant_clear (v);
    return status;
}

rom_status_t
romi_variant_want_double (const void *handle, const char *method, rom_variant_t *v, double *out,
                          const char *noun, const char *name)
{
    rom_status_t status = ROM_OK;
    if (v->kind == ROM_KIND_DOUBLE)
        *out = v->d;
    else if (v->kind == ROM_KIND_INT)
        *out = (double) v->i;
    else if (v->kind == ROM_KIND_UINT)
        *out = (double) v->u;
    else {
        char subject[160];
        s_subject (subject, sizeof subject, noun, name);
        status = romi_handle_fail (handle, method, ROM_WRONG_TYPE, "%s is %s, not a number", subject,
                                   s_kind_name (v->kind));
    }
    rom_variant_clear (v);
    return status;
}

rom_status_t
romi_variant_want_str (const void *handle, const char *method, rom_variant_t *v, char **out, const char *noun,
                       const char *name)
{
    if (v->kind != ROM_KIND_STR) {
        char subject[160];
        s_subject (subject, sizeof subject, noun, name);
        rom_status_t status = romi_handle_fail (handle, method, ROM_WRONG_TYPE, "%s is %s, not a string",
                                                subject, s_kind_name (v->kind));
        rom_variant_clear (v);
        return status;
    }
    *out = v->str; // handed over: the caller frees it
    v->str = NULL;
    return ROM_OK;
}

// ---- repr -------------------------------------------------------------------------------------------------

void
romi_repr_put (romi_repr_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc (b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy (b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void
romi_repr_puts (romi_repr_t *b, const char *s)
{
    romi_repr_put (b, s, strlen (s));
}

// Python's repr of a float: the shortest text that reads back as the same double, positional between
// 1e-4 and 1e16, and always with a '.' or an exponent (10.0, 10.78, 3.1415927, 1e+16).
static void
s_put_double (romi_repr_t *b, double d)
{
    char text[64];
    if (isnan (d) || isinf (d)) {
        romi_repr_puts (b, isnan (d) ? "nan" : d > 0 ? "inf" : "-inf");
        return;
    }
    int precision = 1;
    for (; precision < 17; precision++) {
        snprintf (text, sizeof text, "%.*e", precision - 1, d);
        if (strtod (text, NULL) == d)
            break;
    }
    snprintf (text, sizeof text, "%.*e", precision - 1, d);
    int exponent = atoi (strchr (text, 'e') + 1);
    if (exponent >= -4 && exponent < 16) {
        int decimals = precision - 1 - exponent;
        snprintf (text, sizeof text, "%.*f", decimals > 0 ? decimals : 0, d);
        if (!strchr (text, '.'))
            strcat (text, ".0");
    } else {
        // Python writes 1e+16 and 1.5e-05: mantissa without trailing ".0", exponent with two digits.
        snprintf (text, sizeof text, "%.*e", precision - 1, d);
    }
    romi_repr_puts (b, text);
}

static void
s_put_quoted (romi_repr_t *b, const uint8_t *s, size_t n, bool bytes)
{
    bool has_single = memchr (s, '\'', n) != NULL, has_double = memchr (s, '"', n) != NULL;
    char quote = has_single && !has_double ? '"' : '\'';
    if (bytes)
        romi_repr_puts (b, "b");
    romi_repr_put (b, &quote, 1);
    for (size_t i = 0; i < n; i++) {
        char esc[8];
        uint8_t c = s[i];
        if (c == '\\' || c == (uint8_t) quote)
            snprintf (esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            strcpy (esc, "\\n");
        else if (c == '\t')
            strcpy (esc, "\\t");
        else if (c == '\r')
            strcpy (esc, "\\r");
        else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80))
            snprintf (esc, sizeof esc, "\\x%02x", c);
        else
            esc[0] = (char) c, esc[1] = 0; // UTF-8 text passes as it is
        romi_repr_puts (b, esc);
    }
    romi_repr_put (b, &quote, 1);
}

void
romi_repr_variant (romi_repr_t *b, const rom_variant_t *v)
{
    char text[48];
    switch (v->kind) {
    case ROM_KIND_INT: snprintf (text, sizeof text, "%" PRId64, v->i), romi_repr_puts (b, text); break;
    case ROM_KIND_UINT: snprintf (text, sizeof text, "%" PRIu64, v->u), romi_repr_puts (b, text); break;
    case ROM_KIND_DOUBLE: s_put_double (b, v->d); break;
    case ROM_KIND_BOOL: romi_repr_puts (b, v->b ? "True" : "False"); break;
    case ROM_KIND_STR:
        s_put_quoted (b, (const uint8_t *) (v->str ? v->str : ""), v->str ? strlen (v->str) : 0, false);
        break;
    case ROM_KIND_BYTES: s_put_quoted (b, v->data, v->data ? v->size : 0, true); break;
    case ROM_KIND_REF: {
        // <type#id> from endpoint#id#type.
        const char *token = v->str ? v->str : "";
        const char *hash_type = strrchr (token, '#');
        const char *hash_id = NULL;
        for (const char *p = hash_type; p && p > token;)
            if (*--p == '#') {
                hash_id = p;
                break;
            }
        romi_repr_puts (b, "<");
        if (hash_id) {
            romi_repr_puts (b, hash_type + 1);
            romi_repr_put (b, hash_id, (size_t) (hash_type - hash_id));
        } else
            romi_repr_puts (b, token);
        romi_repr_puts (b, ">");
        break;
    }
    default: romi_repr_puts (b, "None"); break;
    }
}

char *
rom_variant_repr (const rom_variant_t *value)
{
    if (!value)
        return NULL;
    romi_repr_t b = {0};
    romi_repr_variant (&b, value);
    romi_repr_put (&b, "", 0);
    if (b.oom) {
        free (b.p);
        return NULL;
    }
    return b.p;
}

rom_status_t
romi_repr_finish (const void *handle, romi_repr_t *b, char **text)
{
    romi_repr_put (b, "", 0);
    if (b->oom) {
        free (b->p);
        return romi_handle_nomem (handle);
    }
    *text = b->p;
    return ROM_OK;
}
