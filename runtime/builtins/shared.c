// shared.c: the helpers of rom_shared.h, thin over the generated proxies of Value, Array, Dict, List and
// Namespace. A handle (rom_dict_t, ...) is the generated proxy itself, so no helper allocates a wrapper.
// What a helper adds: building request messages from rom_variant_t on the stack, turning replies into
// caller-owned rom_variant_t, the typed checks of the one-line forms (get_int on a string is WRONG_TYPE
// here, with the text left in rom_client_errmsg ()), and Python-like repr () for printing.
#include "rom_private.h"
#include "handles.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rom/builtins/array.rom.h"
#include "rom/builtins/dict.rom.h"
#include "rom/builtins/list.rom.h"
#include "rom/builtins/namespace.rom.h"
#include "rom/builtins/value.rom.h"

#define KIND(name) ROM__BUILTINS__VARIANT__KIND_##name

typedef Rom__Builtins__Variant s_msg_t;

#define S_VALUE_TYPE (&rom__builtins__value__rom_type)
#define S_ARRAY_TYPE (&rom__builtins__array__rom_type)
#define S_DICT_TYPE (&rom__builtins__dict__rom_type)
#define S_LIST_TYPE (&rom__builtins__list__rom_type)
#define S_NS_TYPE (&rom__builtins__namespace__rom_type)

// Misuse is refused before anything is followed (handles.h); `type` NULL: a proxy of any type.
static inline bool
s_wrong_handle (const char *fn, const void *handle, const rom_type_t *type)
{
    return romi_helper_bad_handle (fn, handle, type, NULL);
}

// The handle's client, for failure texts: NULL once that client (or its manager) was destroyed, which
// rom_client_fail () accepts (the text then goes to rom_client_errmsg (NULL) only). Only called on handles
// already checked, so it never follows a foreign pointer.
static rom_client_t *
s_client (const void *handle)
{
    return rom_proxy_client ((const rom_proxy_t *) handle);
}

static rom_status_t
s_nomem (const void *handle)
{
    return rom_client_fail (s_client (handle), ROM_NOMEM, "out of memory");
}

// ---- rom_variant_t <-> rom.builtins.Variant ------------------------------------------------------------------

// A request Variant built on the caller's stack; a reference needs its token split into an ObjectRef.
typedef struct {
    s_msg_t msg;
    Rom__ObjectRef ref;
    char *scratch; // the token's copy that ref's strings point into
} s_in_t;

static rom_status_t
s_in (rom_client_t *client, const rom_variant_t *v, s_in_t *in)
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
                                    "\"%s\" is not a proxy token (endpoint#id#type)", v->str ? v->str : "(null)");
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

static void
s_in_done (s_in_t *in)
{
    free (in->scratch);
    in->scratch = NULL;
}

// Several request Variants, and the pointer array a repeated field needs.
typedef struct {
    s_in_t *cells;
    s_msg_t **items;
    size_t n;
} s_ins_t;

static rom_status_t
s_ins (rom_client_t *client, const rom_variant_t *values, size_t n, s_ins_t *ins)
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
        rom_status_t status = s_in (client, &values[ins->n], &ins->cells[ins->n]);
        if (status != ROM_OK)
            return status;
        ins->items[ins->n] = &ins->cells[ins->n].msg;
    }
    return ROM_OK;
}

static void
s_ins_done (s_ins_t *ins)
{
    for (size_t i = 0; i < ins->n; i++)
        s_in_done (&ins->cells[i]);
    free (ins->cells);
    free (ins->items);
}

static char *
s_token (const Rom__ObjectRef *ref)
{
    const char *endpoint = ref->endpoint ? ref->endpoint : "";
    const char *type = ref->type ? ref->type : "";
    size_t size = strlen (endpoint) + strlen (type) + 24;
    char *token = malloc (size);
    if (token)
        snprintf (token, size, "%s#%" PRIu64 "#%s", endpoint, ref->id, type);
    return token;
}

// Copy a reply Variant into a caller-owned rom_variant_t. -1 when out of memory.
static int
s_copy_out (const s_msg_t *m, rom_variant_t *out)
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
        out->str = s_token (m->ref_value);
        if (!out->str)
            return -1;
        out->kind = ROM_KIND_REF;
        break;
    default: break;
    }
    return 0;
}

// A reply's ObjectRef carries a reference for this session (see rom_type.h). The helpers hand out a token
// instead (rom_proxy_from_token () takes a reference of its own), so the reply's is given back at once
// rather than held until the session ends.
static void
s_release_ref (const void *handle, const s_msg_t *m)
{
    if (m && m->kind_case == KIND (REF_VALUE) && m->ref_value)
        rom_ref_release (s_client (handle), m->ref_value);
}

// Convert a reply into *out (when not NULL) and free the reply.
static rom_status_t
s_take (const void *handle, s_msg_t *reply, rom_variant_t *out)
{
    s_release_ref (handle, reply);
    int rc = out ? s_copy_out (reply, out) : 0;
    protobuf_c_message_free_unpacked (&reply->base, NULL);
    return rc == 0 ? ROM_OK : s_nomem (handle);
}

// An array of caller-owned variants from a repeated field.
static rom_status_t
s_take_list (const void *handle, s_msg_t **items, size_t n, rom_variant_t **out)
{
    *out = NULL;
    if (n == 0)
        return ROM_OK;
    for (size_t i = 0; i < n; i++)
        s_release_ref (handle, items[i]);
    rom_variant_t *values = calloc (n, sizeof *values);
    if (!values)
        return s_nomem (handle);
    for (size_t i = 0; i < n; i++)
        if (s_copy_out (items[i], &values[i]) != 0) {
            rom_variants_free (&values, i);
            return s_nomem (handle);
        }
    *out = values;
    return ROM_OK;
}

void
rom_variant_clear (rom_variant_t *value)
{
    if (!value)
        return;
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

// ---- typed reads ---------------------------------------------------------------------------------------------

static const char *
s_kind_name (rom_kind_t kind)
{
    static const char *const names[] = {"None", "an int", "an unsigned int", "a float", "a bool", "a string",
                                        "bytes", "an object reference"};
    return (unsigned) kind < sizeof names / sizeof *names ? names[kind] : "an unknown kind";
}

// The integer in `v` (consumed), or WRONG_TYPE / OUT_OF_RANGE with text naming `what`.
static rom_status_t
s_want_int (const void *handle, rom_variant_t *v, int64_t *out, const char *what)
{
    rom_status_t status = ROM_OK;
    if (v->kind == ROM_KIND_INT)
        *out = v->i;
    else if (v->kind == ROM_KIND_UINT && v->u <= INT64_MAX)
        *out = (int64_t) v->u;
    else if (v->kind == ROM_KIND_UINT)
        status = rom_client_fail (s_client (handle), ROM_OUT_OF_RANGE, "%s: %" PRIu64 " does not fit an int64_t",
                                  what, v->u);
    else
        status = rom_client_fail (s_client (handle), ROM_WRONG_TYPE, "%s holds %s, not an integer", what,
                                  s_kind_name (v->kind));
    rom_variant_clear (v);
    return status;
}

static rom_status_t
s_want_double (const void *handle, rom_variant_t *v, double *out, const char *what)
{
    rom_status_t status = ROM_OK;
    if (v->kind == ROM_KIND_DOUBLE)
        *out = v->d;
    else if (v->kind == ROM_KIND_INT)
        *out = (double) v->i;
    else if (v->kind == ROM_KIND_UINT)
        *out = (double) v->u;
    else
        status = rom_client_fail (s_client (handle), ROM_WRONG_TYPE, "%s holds %s, not a number", what,
                                  s_kind_name (v->kind));
    rom_variant_clear (v);
    return status;
}

static rom_status_t
s_want_str (const void *handle, rom_variant_t *v, char **out, const char *what)
{
    if (v->kind != ROM_KIND_STR) {
        rom_status_t status = rom_client_fail (s_client (handle), ROM_WRONG_TYPE, "%s holds %s, not a string", what,
                                               s_kind_name (v->kind));
        rom_variant_clear (v);
        return status;
    }
    *out = v->str; // handed over: the caller frees it
    v->str = NULL;
    return ROM_OK;
}

// ---- repr ------------------------------------------------------------------------------------------------------

typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} s_buf_t;

static void
s_put (s_buf_t *b, const char *s, size_t n)
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

static void
s_puts (s_buf_t *b, const char *s)
{
    s_put (b, s, strlen (s));
}

// Python's repr of a float: the shortest text that reads back as the same double, positional between
// 1e-4 and 1e16, and always with a '.' or an exponent (10.0, 10.78, 3.1415927, 1e+16).
static void
s_put_double (s_buf_t *b, double d)
{
    char text[64];
    if (isnan (d) || isinf (d)) {
        s_puts (b, isnan (d) ? "nan" : d > 0 ? "inf" : "-inf");
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
    s_puts (b, text);
}

static void
s_put_quoted (s_buf_t *b, const uint8_t *s, size_t n, bool bytes)
{
    bool has_single = memchr (s, '\'', n) != NULL, has_double = memchr (s, '"', n) != NULL;
    char quote = has_single && !has_double ? '"' : '\'';
    if (bytes)
        s_puts (b, "b");
    s_put (b, &quote, 1);
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
        s_puts (b, esc);
    }
    s_put (b, &quote, 1);
}

static void
s_put_variant (s_buf_t *b, const rom_variant_t *v)
{
    char text[48];
    switch (v->kind) {
    case ROM_KIND_INT: snprintf (text, sizeof text, "%" PRId64, v->i), s_puts (b, text); break;
    case ROM_KIND_UINT: snprintf (text, sizeof text, "%" PRIu64, v->u), s_puts (b, text); break;
    case ROM_KIND_DOUBLE: s_put_double (b, v->d); break;
    case ROM_KIND_BOOL: s_puts (b, v->b ? "True" : "False"); break;
    case ROM_KIND_STR: s_put_quoted (b, (const uint8_t *) (v->str ? v->str : ""), v->str ? strlen (v->str) : 0, false); break;
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
        s_puts (b, "<");
        if (hash_id) {
            s_puts (b, hash_type + 1);
            s_put (b, hash_id, (size_t) (hash_type - hash_id));
        } else
            s_puts (b, token);
        s_puts (b, ">");
        break;
    }
    default: s_puts (b, "None"); break;
    }
}

char *
rom_variant_repr (const rom_variant_t *value)
{
    if (!value)
        return NULL;
    s_buf_t b = {0};
    s_put_variant (&b, value);
    s_put (&b, "", 0);
    if (b.oom) {
        free (b.p);
        return NULL;
    }
    return b.p;
}

// Hand the text over, or fail with NOMEM.
static rom_status_t
s_buf_finish (const void *handle, s_buf_t *b, char **text)
{
    s_put (b, "", 0);
    if (b->oom) {
        free (b->p);
        return s_nomem (handle);
    }
    *text = b->p;
    return ROM_OK;
}

// ---- Value -------------------------------------------------------------------------------------------------------

#define S_VALUE(h) ((Rom__Builtins__Value_Proxy *) (h))

rom_status_t
rom_value_new (rom_client_t *client, char typecode, rom_variant_t initial, rom_value_t **value_p)
{
    if (romi_helper_null_arg (__func__, value_p, "value_p"))
        return ROM_INVALID;
    *value_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    s_in_t in;
    rom_status_t status = s_in (client, &initial, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__ValueInit init = ROM__BUILTINS__VALUE_INIT__INIT;
    init.typecode = (Rom__Builtins__Typecode) (unsigned char) typecode;
    init.value = &in.msg;
    Rom__Builtins__Value_Proxy *proxy = NULL;
    status = rom__builtins__value__rom_create (client, &init, &proxy);
    s_in_done (&in);
    *value_p = (rom_value_t *) proxy;
    return status;
}

rom_status_t
rom_value_get (rom_value_t *value, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    s_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__value_proxy__get (S_VALUE (value), NULL, &reply);
    return status == ROM_OK ? s_take (value, reply, out) : status;
}

rom_status_t
rom_value_set (rom_value_t *value, rom_variant_t v)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE))
        return ROM_INVALID;
    s_in_t in;
    rom_status_t status = s_in (s_client (value), &v, &in);
    if (status == ROM_OK)
        status = rom__builtins__value_proxy__set (S_VALUE (value), &in.msg, NULL);
    s_in_done (&in);
    return status;
}

rom_status_t
rom_value_get_int (rom_value_t *value, int64_t *out)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_value_get (value, &v);
    return status == ROM_OK ? s_want_int (value, &v, out, "the Value") : status;
}

rom_status_t
rom_value_get_double (rom_value_t *value, double *out)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_value_get (value, &v);
    return status == ROM_OK ? s_want_double (value, &v, out, "the Value") : status;
}

rom_status_t
rom_value_get_str (rom_value_t *value, char **out)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_value_get (value, &v);
    return status == ROM_OK ? s_want_str (value, &v, out, "the Value") : status;
}

rom_status_t
rom_value_set_int (rom_value_t *value, int64_t v)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE))
        return ROM_INVALID;
    return rom_value_set (value, ROM_INT (v));
}

rom_status_t
rom_value_set_double (rom_value_t *value, double v)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE))
        return ROM_INVALID;
    return rom_value_set (value, ROM_DOUBLE (v));
}

rom_status_t
rom_value_set_str (rom_value_t *value, const char *v)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE))
        return ROM_INVALID;
    return rom_value_set (value, ROM_STR (v));
}

static rom_status_t
s_value_add (rom_value_t *value, rom_variant_t delta, rom_variant_t *now)
{
    s_in_t in;
    s_in (s_client (value), &delta, &in); // numbers only: cannot fail
    s_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__value_proxy__add (S_VALUE (value), &in.msg, now ? &reply : NULL);
    return status == ROM_OK && now ? s_take (value, reply, now) : status;
}

rom_status_t
rom_value_add_int (rom_value_t *value, int64_t delta, int64_t *now)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE))
        return ROM_INVALID;
    rom_variant_t sum;
    rom_status_t status = s_value_add (value, ROM_INT (delta), now ? &sum : NULL);
    return status == ROM_OK && now ? s_want_int (value, &sum, now, "the Value") : status;
}

rom_status_t
rom_value_add_double (rom_value_t *value, double delta, double *now)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE))
        return ROM_INVALID;
    rom_variant_t sum;
    rom_status_t status = s_value_add (value, ROM_DOUBLE (delta), now ? &sum : NULL);
    return status == ROM_OK && now ? s_want_double (value, &sum, now, "the Value") : status;
}

rom_status_t
rom_value_cas (rom_value_t *value, rom_variant_t expected, rom_variant_t desired, bool *swapped,
               rom_variant_t *current)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE))
        return ROM_INVALID;
    if (current)
        *current = ROM_NONE;
    s_in_t in_expected, in_desired;
    rom_status_t status = s_in (s_client (value), &expected, &in_expected);
    if (status != ROM_OK)
        return status;
    status = s_in (s_client (value), &desired, &in_desired);
    if (status != ROM_OK) {
        s_in_done (&in_expected);
        return status;
    }
    Rom__Builtins__CompareAndSwap req = ROM__BUILTINS__COMPARE_AND_SWAP__INIT;
    req.expected = &in_expected.msg;
    req.desired = &in_desired.msg;
    Rom__Builtins__Swapped *reply = NULL;
    status = rom__builtins__value_proxy__cas (S_VALUE (value), &req, &reply);
    s_in_done (&in_expected);
    s_in_done (&in_desired);
    if (status != ROM_OK)
        return status;
    if (swapped)
        *swapped = reply->swapped;
    s_release_ref (value, reply->current);
    int rc = current ? s_copy_out (reply->current, current) : 0;
    rom__builtins__swapped__free_unpacked (reply, NULL);
    return rc == 0 ? ROM_OK : s_nomem (value);
}

rom_status_t
rom_value_cas_int (rom_value_t *value, int64_t *expected, int64_t desired, bool *swapped)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE) || romi_helper_null_arg (__func__, expected, "expected"))
        return ROM_INVALID;
    rom_variant_t current;
    bool done = false;
    rom_status_t status = rom_value_cas (value, ROM_INT (*expected), ROM_INT (desired), &done, &current);
    if (status != ROM_OK)
        return status;
    if (swapped)
        *swapped = done;
    return done ? (rom_variant_clear (&current), ROM_OK) : s_want_int (value, &current, expected, "the Value");
}

rom_status_t
rom_value_typecode (rom_value_t *value, char *typecode)
{
    if (s_wrong_handle (__func__, value, S_VALUE_TYPE) || romi_helper_null_arg (__func__, typecode, "typecode"))
        return ROM_INVALID;
    Rom__Builtins__TypecodeReply *reply = NULL;
    rom_status_t status = rom__builtins__value_proxy__get_typecode (S_VALUE (value), NULL, &reply);
    if (status == ROM_OK) {
        *typecode = (char) reply->typecode;
        rom__builtins__typecode_reply__free_unpacked (reply, NULL);
    }
    return status;
}

rom_proxy_t *
rom_value_proxy (rom_value_t *value)
{
    return s_wrong_handle (__func__, value, S_VALUE_TYPE) ? NULL : (rom_proxy_t *) value;
}

void
rom_value_destroy (rom_value_t **value_p)
{
    rom__builtins__value__rom_destroy ((Rom__Builtins__Value_Proxy **) value_p);
}

// ---- Array -------------------------------------------------------------------------------------------------------

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
    if (romi_helper_null_arg (__func__, array_p, "array_p"))
        return ROM_INVALID;
    *array_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    return s_array_create (client, typecode, length, NULL, array_p);
}

rom_status_t
rom_array_new_ints (rom_client_t *client, char typecode, const int64_t *items, size_t n, rom_array_t **array_p)
{
    if (romi_helper_null_arg (__func__, array_p, "array_p"))
        return ROM_INVALID;
    *array_p = NULL;
    if (romi_helper_bad_client (__func__, client) || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.ints = (int64_t *) items;
    elements.n_ints = n;
    return s_array_create (client, typecode, n, &elements, array_p);
}

rom_status_t
rom_array_new_doubles (rom_client_t *client, char typecode, const double *items, size_t n, rom_array_t **array_p)
{
    if (romi_helper_null_arg (__func__, array_p, "array_p"))
        return ROM_INVALID;
    *array_p = NULL;
    if (romi_helper_bad_client (__func__, client) || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.doubles = (double *) items;
    elements.n_doubles = n;
    return s_array_create (client, typecode, n, &elements, array_p);
}

rom_status_t
rom_array_len (rom_array_t *array, size_t *length)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, length, "length"))
        return ROM_INVALID;
    Rom__Builtins__Size *reply = NULL;
    rom_status_t status = rom__builtins__array_proxy__len (S_ARRAY (array), NULL, &reply);
    if (status == ROM_OK) {
        *length = (size_t) reply->size;
        rom__builtins__size__free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_array_get (rom_array_t *array, int64_t index, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    Rom__Builtins__Index req = ROM__BUILTINS__INDEX__INIT;
    req.index = index;
    s_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__array_proxy__get (S_ARRAY (array), &req, &reply);
    return status == ROM_OK ? s_take (array, reply, out) : status;
}

rom_status_t
rom_array_set (rom_array_t *array, int64_t index, rom_variant_t v)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE))
        return ROM_INVALID;
    s_in_t in;
    rom_status_t status = s_in (s_client (array), &v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__IndexedValue req = ROM__BUILTINS__INDEXED_VALUE__INIT;
    req.index = index;
    req.value = &in.msg;
    status = rom__builtins__array_proxy__set (S_ARRAY (array), &req, NULL);
    s_in_done (&in);
    return status;
}

rom_status_t
rom_array_get_int (rom_array_t *array, int64_t index, int64_t *out)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_array_get (array, index, &v);
    return status == ROM_OK ? s_want_int (array, &v, out, "the Array") : status;
}

rom_status_t
rom_array_get_double (rom_array_t *array, int64_t index, double *out)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_array_get (array, index, &v);
    return status == ROM_OK ? s_want_double (array, &v, out, "the Array") : status;
}

rom_status_t
rom_array_set_int (rom_array_t *array, int64_t index, int64_t v)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE))
        return ROM_INVALID;
    return rom_array_set (array, index, ROM_INT (v));
}

rom_status_t
rom_array_set_double (rom_array_t *array, int64_t index, double v)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE))
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
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, items, "items")
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
        status = rom_client_fail (s_client (array), ROM_WRONG_TYPE, "the Array holds %s, not integers",
                                  reply->n_doubles ? "floats" : "bools");
    int64_t *out = status == ROM_OK && count ? malloc (count * sizeof *out) : NULL;
    if (status == ROM_OK && count && !out)
        status = s_nomem (array);
    for (size_t i = 0; status == ROM_OK && i < count; i++) {
        if (reply->n_ints)
            out[i] = reply->ints[i];
        else if (reply->uints[i] <= INT64_MAX)
            out[i] = (int64_t) reply->uints[i];
        else
            status = rom_client_fail (s_client (array), ROM_OUT_OF_RANGE,
                                      "element %zu (%" PRIu64 ") does not fit an int64_t", i, reply->uints[i]);
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
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, items, "items")
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
        status = rom_client_fail (s_client (array), ROM_WRONG_TYPE, "the Array holds bools, not numbers");
    double *out = status == ROM_OK && count ? malloc (count * sizeof *out) : NULL;
    if (status == ROM_OK && count && !out)
        status = s_nomem (array);
    for (size_t i = 0; status == ROM_OK && i < count; i++)
        out[i] = reply->n_doubles ? reply->doubles[i] : reply->n_ints ? (double) reply->ints[i] : (double) reply->uints[i];
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
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.ints = (int64_t *) items;
    elements.n_ints = n;
    return s_array_assign (array, start, stop, &elements);
}

rom_status_t
rom_array_set_doubles (rom_array_t *array, int64_t start, int64_t stop, const double *items, size_t n)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    Rom__Builtins__Elements elements = ROM__BUILTINS__ELEMENTS__INIT;
    elements.doubles = (double *) items;
    elements.n_doubles = n;
    return s_array_assign (array, start, stop, &elements);
}

rom_status_t
rom_array_typecode (rom_array_t *array, char *typecode)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, typecode, "typecode"))
        return ROM_INVALID;
    Rom__Builtins__TypecodeReply *reply = NULL;
    rom_status_t status = rom__builtins__array_proxy__get_typecode (S_ARRAY (array), NULL, &reply);
    if (status == ROM_OK) {
        *typecode = (char) reply->typecode;
        rom__builtins__typecode_reply__free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_array_repr (rom_array_t *array, char **text)
{
    if (s_wrong_handle (__func__, array, S_ARRAY_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    Rom__Builtins__Elements *reply = NULL;
    rom_status_t status = s_array_slice (array, 0, ROM_SLICE_END, &reply);
    if (status != ROM_OK)
        return status;
    s_buf_t b = {0};
    s_puts (&b, "[");
    size_t n = reply->n_ints + reply->n_uints + reply->n_doubles + reply->n_bools;
    for (size_t i = 0; i < n; i++) {
        rom_variant_t v = reply->n_ints      ? ROM_INT (reply->ints[i])
                        : reply->n_uints     ? ROM_UINT (reply->uints[i])
                        : reply->n_doubles   ? ROM_DOUBLE (reply->doubles[i])
                                             : ROM_BOOL (reply->bools[i]);
        if (i)
            s_puts (&b, ", ");
        s_put_variant (&b, &v);
    }
    s_puts (&b, "]");
    rom__builtins__elements__free_unpacked (reply, NULL);
    return s_buf_finish (array, &b, text);
}

rom_proxy_t *
rom_array_proxy (rom_array_t *array)
{
    return s_wrong_handle (__func__, array, S_ARRAY_TYPE) ? NULL : (rom_proxy_t *) array;
}

void
rom_array_destroy (rom_array_t **array_p)
{
    rom__builtins__array__rom_destroy ((Rom__Builtins__Array_Proxy **) array_p);
}

// ---- Dict --------------------------------------------------------------------------------------------------------

#define S_DICT(h) ((Rom__Builtins__Dict_Proxy *) (h))

rom_status_t
rom_dict_new (rom_client_t *client, rom_dict_t **dict_p)
{
    if (romi_helper_null_arg (__func__, dict_p, "dict_p"))
        return ROM_INVALID;
    *dict_p = NULL;
    if (romi_helper_bad_client (__func__, client))
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
    s_in_t in_key, in_fallback;
    rom_status_t status = s_in (s_client (dict), key, &in_key);
    if (status != ROM_OK)
        return status;
    if (fallback && (status = s_in (s_client (dict), fallback, &in_fallback)) != ROM_OK) {
        s_in_done (&in_key);
        return status;
    }
    Rom__Builtins__DictKey req = ROM__BUILTINS__DICT_KEY__INIT;
    req.key = &in_key.msg;
    req.fallback = fallback ? &in_fallback.msg : NULL;
    switch (op) {
    case S_GET: status = rom__builtins__dict_proxy__get (S_DICT (dict), &req, (s_msg_t **) reply); break;
    case S_POP: status = rom__builtins__dict_proxy__pop (S_DICT (dict), &req, (s_msg_t **) reply); break;
    case S_DELETE: status = rom__builtins__dict_proxy__delete (S_DICT (dict), &req, NULL); break;
    case S_CONTAINS:
        status = rom__builtins__dict_proxy__contains (S_DICT (dict), &req, (Rom__Builtins__Truth **) reply);
        break;
    }
    s_in_done (&in_key);
    if (fallback)
        s_in_done (&in_fallback);
    return status;
}

static rom_status_t
s_dict_get_like (rom_dict_t *dict, s_key_op_t op, const rom_variant_t *key, const rom_variant_t *fallback,
                 rom_variant_t *out)
{
    if (out)
        *out = ROM_NONE;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = s_dict_key_call (dict, op, key, fallback, out ? &reply : NULL);
    return status == ROM_OK && out ? s_take (dict, (s_msg_t *) reply, out) : status;
}

rom_status_t
rom_dict_set (rom_dict_t *dict, rom_variant_t key, rom_variant_t value)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    s_in_t in_key, in_value;
    rom_status_t status = s_in (s_client (dict), &key, &in_key);
    if (status != ROM_OK)
        return status;
    if ((status = s_in (s_client (dict), &value, &in_value)) != ROM_OK) {
        s_in_done (&in_key);
        return status;
    }
    Rom__Builtins__DictItem req = ROM__BUILTINS__DICT_ITEM__INIT;
    req.key = &in_key.msg;
    req.value = &in_value.msg;
    status = rom__builtins__dict_proxy__set (S_DICT (dict), &req, NULL);
    s_in_done (&in_key);
    s_in_done (&in_value);
    return status;
}

rom_status_t
rom_dict_get (rom_dict_t *dict, rom_variant_t key, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_GET, &key, NULL, out);
}

rom_status_t
rom_dict_get_or (rom_dict_t *dict, rom_variant_t key, rom_variant_t fallback, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_GET, &key, &fallback, out);
}

rom_status_t
rom_dict_delete (rom_dict_t *dict, rom_variant_t key)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return s_dict_key_call (dict, S_DELETE, &key, NULL, NULL);
}

rom_status_t
rom_dict_contains (rom_dict_t *dict, rom_variant_t key, bool *found)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, found, "found"))
        return ROM_INVALID;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = s_dict_key_call (dict, S_CONTAINS, &key, NULL,
                                           &reply);
    if (status == ROM_OK) {
        *found = ((Rom__Builtins__Truth *) reply)->value;
        protobuf_c_message_free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_dict_len (rom_dict_t *dict, size_t *n)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    Rom__Builtins__Size *reply = NULL;
    rom_status_t status = rom__builtins__dict_proxy__len (S_DICT (dict), NULL, &reply);
    if (status == ROM_OK) {
        *n = (size_t) reply->size;
        rom__builtins__size__free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_dict_keys (rom_dict_t *dict, rom_variant_t **keys, size_t *n)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return rom_dict_items (dict, keys, NULL, n);
}

rom_status_t
rom_dict_values (rom_dict_t *dict, rom_variant_t **values, size_t *n)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    return rom_dict_items (dict, NULL, values, n);
}

rom_status_t
rom_dict_items (rom_dict_t *dict, rom_variant_t **keys, rom_variant_t **values, size_t *n)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, n, "n"))
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
    size_t count = reply->n_items;
    for (size_t i = 0; i < count; i++)
        s_release_ref (dict, reply->items[i]->value);
    rom_variant_t *k = keys && count ? calloc (count, sizeof *k) : NULL;
    rom_variant_t *v = values && count ? calloc (count, sizeof *v) : NULL;
    int rc = (keys && count && !k) || (values && count && !v) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (k)
            rc |= s_copy_out (reply->items[i]->key, &k[i]);
        if (v)
            rc |= s_copy_out (reply->items[i]->value, &v[i]);
    }
    rom__builtins__dict_items__free_unpacked (reply, NULL);
    if (rc != 0) {
        rom_variants_free (&k, count);
        rom_variants_free (&v, count);
        return s_nomem (dict);
    }
    if (keys)
        *keys = k;
    if (values)
        *values = v;
    *n = count;
    return ROM_OK;
}

rom_status_t
rom_dict_update (rom_dict_t *dict, const rom_variant_t *keys, const rom_variant_t *values, size_t n)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || (n && romi_helper_null_arg (__func__, keys, "keys"))
        || (n && romi_helper_null_arg (__func__, values, "values")))
        return ROM_INVALID;
    s_ins_t in_keys, in_values = {0};
    rom_status_t status = s_ins (s_client (dict), keys, n, &in_keys);
    if (status == ROM_OK)
        status = s_ins (s_client (dict), values, n, &in_values);
    Rom__Builtins__DictItem *cells = n ? calloc (n, sizeof *cells) : NULL;
    Rom__Builtins__DictItem **items = n ? calloc (n, sizeof *items) : NULL;
    if (status == ROM_OK && n && (!cells || !items))
        status = s_nomem (dict);
    if (status == ROM_OK) {
        for (size_t i = 0; i < n; i++) {
            rom__builtins__dict_item__init (&cells[i]);
            cells[i].key = in_keys.items[i];
            cells[i].value = in_values.items[i];
            items[i] = &cells[i];
        }
        Rom__Builtins__DictItems req = ROM__BUILTINS__DICT_ITEMS__INIT;
        req.items = items;
        req.n_items = n;
        status = rom__builtins__dict_proxy__update (S_DICT (dict), &req, NULL);
    }
    free (cells);
    free (items);
    s_ins_done (&in_keys);
    s_ins_done (&in_values);
    return status;
}

rom_status_t
rom_dict_pop (rom_dict_t *dict, rom_variant_t key, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_POP, &key, NULL, out);
}

rom_status_t
rom_dict_pop_or (rom_dict_t *dict, rom_variant_t key, rom_variant_t fallback, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return s_dict_get_like (dict, S_POP, &key, &fallback, out);
}

// SetDefault and Increment: a key and a value in, a Variant out.
typedef rom_status_t (*s_item_call_fn) (Rom__Builtins__Dict_Proxy *proxy, const Rom__Builtins__DictItem *in,
                                        s_msg_t **out);

static rom_status_t
s_dict_item_call (rom_dict_t *dict, s_item_call_fn fn, const rom_variant_t *key, const rom_variant_t *value,
                  rom_variant_t *out)
{
    if (out)
        *out = ROM_NONE;
    s_in_t in_key, in_value;
    rom_status_t status = s_in (s_client (dict), key, &in_key);
    if (status != ROM_OK)
        return status;
    if ((status = s_in (s_client (dict), value, &in_value)) != ROM_OK) {
        s_in_done (&in_key);
        return status;
    }
    Rom__Builtins__DictItem req = ROM__BUILTINS__DICT_ITEM__INIT;
    req.key = &in_key.msg;
    req.value = &in_value.msg;
    s_msg_t *reply = NULL;
    status = fn (S_DICT (dict), &req, out ? &reply : NULL);
    s_in_done (&in_key);
    s_in_done (&in_value);
    return status == ROM_OK && out ? s_take (dict, reply, out) : status;
}

rom_status_t
rom_dict_setdefault (rom_dict_t *dict, rom_variant_t key, rom_variant_t value, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return s_dict_item_call (dict, rom__builtins__dict_proxy__set_default, &key, &value, out);
}

rom_status_t
rom_dict_clear (rom_dict_t *dict)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return rom__builtins__dict_proxy__clear (S_DICT (dict), NULL, NULL);
}

rom_status_t
rom_dict_incr (rom_dict_t *dict, rom_variant_t key, rom_variant_t delta, rom_variant_t *now)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return s_dict_item_call (dict, rom__builtins__dict_proxy__increment, &key, &delta, now);
}

rom_status_t
rom_dict_set_int (rom_dict_t *dict, const char *key, int64_t v)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return rom_dict_set (dict, ROM_STR (key), ROM_INT (v));
}

rom_status_t
rom_dict_set_double (rom_dict_t *dict, const char *key, double v)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return rom_dict_set (dict, ROM_STR (key), ROM_DOUBLE (v));
}

rom_status_t
rom_dict_set_str (rom_dict_t *dict, const char *key, const char *v)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    return rom_dict_set (dict, ROM_STR (key), ROM_STR (v));
}

rom_status_t
rom_dict_get_int (rom_dict_t *dict, const char *key, int64_t *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get (dict, ROM_STR (key), &v);
    return status == ROM_OK ? s_want_int (dict, &v, out, key) : status;
}

rom_status_t
rom_dict_get_int_or (rom_dict_t *dict, const char *key, int64_t fallback, int64_t *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get_or (dict, ROM_STR (key), ROM_INT (fallback), &v);
    return status == ROM_OK ? s_want_int (dict, &v, out, key) : status;
}

rom_status_t
rom_dict_get_double (rom_dict_t *dict, const char *key, double *out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get (dict, ROM_STR (key), &v);
    return status == ROM_OK ? s_want_double (dict, &v, out, key) : status;
}

rom_status_t
rom_dict_get_str (rom_dict_t *dict, const char *key, char **out)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_get (dict, ROM_STR (key), &v);
    return status == ROM_OK ? s_want_str (dict, &v, out, key) : status;
}

rom_status_t
rom_dict_incr_int (rom_dict_t *dict, const char *key, int64_t delta, int64_t *now)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_dict_incr (dict, ROM_STR (key), ROM_INT (delta), now ? &v : NULL);
    return status == ROM_OK && now ? s_want_int (dict, &v, now, key) : status;
}

rom_status_t
rom_dict_set_proxy (rom_dict_t *dict, rom_variant_t key, const rom_proxy_t *proxy)
{
    // The proxy to store is a handle too: any kind of proxy will do, but not NULL, a foreign pointer or one
    // whose client is gone (rom_proxy_to_token () cannot tell those from running out of memory).
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || s_wrong_handle (__func__, proxy, NULL))
        return ROM_INVALID;
    if (!rom_proxy_client (proxy))
        return rom_client_fail (NULL, ROM_UNAVAILABLE, "%s: the proxy to store: its client was destroyed", __func__);
    char *token = rom_proxy_to_token (proxy);
    if (!token)
        return s_nomem (dict);
    rom_status_t status = rom_dict_set (dict, key, ROM_REF (token));
    free (token);
    return status;
}

rom_status_t
rom_dict_repr (rom_dict_t *dict, char **text)
{
    if (s_wrong_handle (__func__, dict, S_DICT_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    rom_variant_t *keys = NULL, *values = NULL;
    size_t n = 0;
    rom_status_t status = rom_dict_items (dict, &keys, &values, &n);
    if (status != ROM_OK)
        return status;
    s_buf_t b = {0};
    s_puts (&b, "{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            s_puts (&b, ", ");
        s_put_variant (&b, &keys[i]);
        s_puts (&b, ": ");
        s_put_variant (&b, &values[i]);
    }
    s_puts (&b, "}");
    rom_variants_free (&keys, n);
    rom_variants_free (&values, n);
    return s_buf_finish (dict, &b, text);
}

rom_proxy_t *
rom_dict_proxy (rom_dict_t *dict)
{
    return s_wrong_handle (__func__, dict, S_DICT_TYPE) ? NULL : (rom_proxy_t *) dict;
}

void
rom_dict_destroy (rom_dict_t **dict_p)
{
    rom__builtins__dict__rom_destroy ((Rom__Builtins__Dict_Proxy **) dict_p);
}

// ---- List --------------------------------------------------------------------------------------------------------

#define S_LIST(h) ((Rom__Builtins__List_Proxy *) (h))

rom_status_t
rom_list_new (rom_client_t *client, rom_list_t **list_p)
{
    if (romi_helper_null_arg (__func__, list_p, "list_p"))
        return ROM_INVALID;
    *list_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    return rom_list_new_from (client, NULL, 0, list_p);
}

rom_status_t
rom_list_new_from (rom_client_t *client, const rom_variant_t *items, size_t n, rom_list_t **list_p)
{
    if (romi_helper_null_arg (__func__, list_p, "list_p"))
        return ROM_INVALID;
    *list_p = NULL;
    if (romi_helper_bad_client (__func__, client) || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    s_ins_t ins;
    rom_status_t status = s_ins (client, items, n, &ins);
    if (status == ROM_OK) {
        Rom__Builtins__VariantList init = ROM__BUILTINS__VARIANT_LIST__INIT;
        init.items = ins.items;
        init.n_items = n;
        Rom__Builtins__List_Proxy *proxy = NULL;
        status = rom__builtins__list__rom_create (client, &init, &proxy);
        *list_p = (rom_list_t *) proxy;
    }
    s_ins_done (&ins);
    return status;
}

rom_status_t
rom_list_append (rom_list_t *list, rom_variant_t v)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    s_in_t in;
    rom_status_t status = s_in (s_client (list), &v, &in);
    if (status == ROM_OK)
        status = rom__builtins__list_proxy__append (S_LIST (list), &in.msg, NULL);
    s_in_done (&in);
    return status;
}

rom_status_t
rom_list_extend (rom_list_t *list, const rom_variant_t *items, size_t n)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || (n && romi_helper_null_arg (__func__, items, "items")))
        return ROM_INVALID;
    s_ins_t ins;
    rom_status_t status = s_ins (s_client (list), items, n, &ins);
    if (status == ROM_OK) {
        Rom__Builtins__VariantList req = ROM__BUILTINS__VARIANT_LIST__INIT;
        req.items = ins.items;
        req.n_items = n;
        status = rom__builtins__list_proxy__extend (S_LIST (list), &req, NULL);
    }
    s_ins_done (&ins);
    return status;
}

// Insert and Set: an index and a value.
typedef rom_status_t (*s_indexed_fn) (Rom__Builtins__List_Proxy *proxy, const Rom__Builtins__IndexedValue *in,
                                      Google__Protobuf__Empty **out);

static rom_status_t
s_list_indexed (rom_list_t *list, s_indexed_fn fn, int64_t index, const rom_variant_t *v)
{
    s_in_t in;
    rom_status_t status = s_in (s_client (list), v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__IndexedValue req = ROM__BUILTINS__INDEXED_VALUE__INIT;
    req.index = index;
    req.value = &in.msg;
    status = fn (S_LIST (list), &req, NULL);
    s_in_done (&in);
    return status;
}

rom_status_t
rom_list_insert (rom_list_t *list, int64_t index, rom_variant_t v)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    return s_list_indexed (list, rom__builtins__list_proxy__insert, index, &v);
}

rom_status_t
rom_list_set (rom_list_t *list, int64_t index, rom_variant_t v)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    return s_list_indexed (list, rom__builtins__list_proxy__set, index, &v);
}

rom_status_t
rom_list_get (rom_list_t *list, int64_t index, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    Rom__Builtins__Index req = ROM__BUILTINS__INDEX__INIT;
    req.index = index;
    s_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__list_proxy__get (S_LIST (list), &req, &reply);
    return status == ROM_OK ? s_take (list, reply, out) : status;
}

rom_status_t
rom_list_delete (rom_list_t *list, int64_t index)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    Rom__Builtins__Index req = ROM__BUILTINS__INDEX__INIT;
    req.index = index;
    return rom__builtins__list_proxy__delete (S_LIST (list), &req, NULL);
}

rom_status_t
rom_list_pop (rom_list_t *list, int64_t index, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    if (out)
        *out = ROM_NONE;
    Rom__Builtins__PopAt req = ROM__BUILTINS__POP_AT__INIT;
    req.at_case = ROM__BUILTINS__POP_AT__AT_INDEX;
    req.index = index;
    s_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__list_proxy__pop (S_LIST (list), &req, out ? &reply : NULL);
    return status == ROM_OK && out ? s_take (list, reply, out) : status;
}

rom_status_t
rom_list_len (rom_list_t *list, size_t *n)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, n, "n"))
        return ROM_INVALID;
    Rom__Builtins__Size *reply = NULL;
    rom_status_t status = rom__builtins__list_proxy__len (S_LIST (list), NULL, &reply);
    if (status == ROM_OK) {
        *n = (size_t) reply->size;
        rom__builtins__size__free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_list_slice (rom_list_t *list, int64_t start, int64_t stop, rom_variant_t **items, size_t *n)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, items, "items")
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
    status = s_take_list (list, reply->items, reply->n_items, items);
    if (status == ROM_OK)
        *n = reply->n_items;
    rom__builtins__variant_list__free_unpacked (reply, NULL);
    return status;
}

rom_status_t
rom_list_index (rom_list_t *list, rom_variant_t v, size_t *pos)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, pos, "pos"))
        return ROM_INVALID;
    s_in_t in;
    rom_status_t status = s_in (s_client (list), &v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__Find req = ROM__BUILTINS__FIND__INIT;
    req.value = &in.msg;
    Rom__Builtins__Size *reply = NULL;
    status = rom__builtins__list_proxy__index_of (S_LIST (list), &req, &reply);
    s_in_done (&in);
    if (status == ROM_OK) {
        *pos = (size_t) reply->size;
        rom__builtins__size__free_unpacked (reply, NULL);
    }
    return status;
}

rom_status_t
rom_list_remove (rom_list_t *list, rom_variant_t v)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    s_in_t in;
    rom_status_t status = s_in (s_client (list), &v, &in);
    if (status == ROM_OK)
        status = rom__builtins__list_proxy__remove (S_LIST (list), &in.msg, NULL);
    s_in_done (&in);
    return status;
}

rom_status_t
rom_list_clear (rom_list_t *list)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    return rom__builtins__list_proxy__clear (S_LIST (list), NULL, NULL);
}

rom_status_t
rom_list_append_int (rom_list_t *list, int64_t v)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    return rom_list_append (list, ROM_INT (v));
}

rom_status_t
rom_list_append_double (rom_list_t *list, double v)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    return rom_list_append (list, ROM_DOUBLE (v));
}

rom_status_t
rom_list_append_str (rom_list_t *list, const char *v)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE))
        return ROM_INVALID;
    return rom_list_append (list, ROM_STR (v));
}

rom_status_t
rom_list_get_int (rom_list_t *list, int64_t index, int64_t *out)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_list_get (list, index, &v);
    return status == ROM_OK ? s_want_int (list, &v, out, "the List item") : status;
}

rom_status_t
rom_list_get_double (rom_list_t *list, int64_t index, double *out)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_list_get (list, index, &v);
    return status == ROM_OK ? s_want_double (list, &v, out, "the List item") : status;
}

rom_status_t
rom_list_get_str (rom_list_t *list, int64_t index, char **out)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_list_get (list, index, &v);
    return status == ROM_OK ? s_want_str (list, &v, out, "the List item") : status;
}

rom_status_t
rom_list_repr (rom_list_t *list, char **text)
{
    if (s_wrong_handle (__func__, list, S_LIST_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    rom_variant_t *items = NULL;
    size_t n = 0;
    rom_status_t status = rom_list_slice (list, 0, ROM_SLICE_END, &items, &n);
    if (status != ROM_OK)
        return status;
    s_buf_t b = {0};
    s_puts (&b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            s_puts (&b, ", ");
        s_put_variant (&b, &items[i]);
    }
    s_puts (&b, "]");
    rom_variants_free (&items, n);
    return s_buf_finish (list, &b, text);
}

rom_proxy_t *
rom_list_proxy (rom_list_t *list)
{
    return s_wrong_handle (__func__, list, S_LIST_TYPE) ? NULL : (rom_proxy_t *) list;
}

void
rom_list_destroy (rom_list_t **list_p)
{
    rom__builtins__list__rom_destroy ((Rom__Builtins__List_Proxy **) list_p);
}

// ---- Namespace ---------------------------------------------------------------------------------------------------

#define S_NS(h) ((Rom__Builtins__Namespace_Proxy *) (h))

rom_status_t
rom_namespace_new (rom_client_t *client, rom_namespace_t **ns_p)
{
    if (romi_helper_null_arg (__func__, ns_p, "ns_p"))
        return ROM_INVALID;
    *ns_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__Namespace_Proxy *proxy = NULL;
    rom_status_t status = rom__builtins__namespace__rom_create (client, NULL, &proxy);
    *ns_p = (rom_namespace_t *) proxy;
    return status;
}

rom_status_t
rom_namespace_set (rom_namespace_t *ns, const char *name, rom_variant_t v)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name"))
        return ROM_INVALID;
    s_in_t in;
    rom_status_t status = s_in (s_client (ns), &v, &in);
    if (status != ROM_OK)
        return status;
    Rom__Builtins__Attribute req = ROM__BUILTINS__ATTRIBUTE__INIT;
    req.name = (char *) name;
    req.value = &in.msg;
    status = rom__builtins__namespace_proxy__set_attr (S_NS (ns), &req, NULL);
    s_in_done (&in);
    return status;
}

rom_status_t
rom_namespace_get (rom_namespace_t *ns, const char *name, rom_variant_t *out)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    *out = ROM_NONE;
    Rom__Builtins__AttributeName req = ROM__BUILTINS__ATTRIBUTE_NAME__INIT;
    req.name = (char *) name;
    s_msg_t *reply = NULL;
    rom_status_t status = rom__builtins__namespace_proxy__get_attr (S_NS (ns), &req, &reply);
    return status == ROM_OK ? s_take (ns, reply, out) : status;
}

rom_status_t
rom_namespace_delete (rom_namespace_t *ns, const char *name)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name"))
        return ROM_INVALID;
    Rom__Builtins__AttributeName req = ROM__BUILTINS__ATTRIBUTE_NAME__INIT;
    req.name = (char *) name;
    return rom__builtins__namespace_proxy__del_attr (S_NS (ns), &req, NULL);
}

rom_status_t
rom_namespace_list (rom_namespace_t *ns, char ***names, rom_variant_t **values, size_t *n)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, n, "n"))
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
        s_release_ref (ns, reply->attributes[i]->value);
    char **k = names && count ? calloc (count, sizeof *k) : NULL;
    rom_variant_t *v = values && count ? calloc (count, sizeof *v) : NULL;
    int rc = (names && count && !k) || (values && count && !v) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        if (k && !(k[i] = strdup (reply->attributes[i]->name ? reply->attributes[i]->name : "")))
            rc = -1;
        if (v)
            rc |= s_copy_out (reply->attributes[i]->value, &v[i]);
    }
    rom__builtins__attributes__free_unpacked (reply, NULL);
    if (rc != 0) {
        for (size_t i = 0; k && i < count; i++)
            free (k[i]);
        free (k);
        rom_variants_free (&v, count);
        return s_nomem (ns);
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
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name"))
        return ROM_INVALID;
    return rom_namespace_set (ns, name, ROM_INT (v));
}

rom_status_t
rom_namespace_set_double (rom_namespace_t *ns, const char *name, double v)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name"))
        return ROM_INVALID;
    return rom_namespace_set (ns, name, ROM_DOUBLE (v));
}

rom_status_t
rom_namespace_set_str (rom_namespace_t *ns, const char *name, const char *v)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name"))
        return ROM_INVALID;
    return rom_namespace_set (ns, name, ROM_STR (v));
}

rom_status_t
rom_namespace_get_int (rom_namespace_t *ns, const char *name, int64_t *out)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_namespace_get (ns, name, &v);
    return status == ROM_OK ? s_want_int (ns, &v, out, name) : status;
}

rom_status_t
rom_namespace_get_double (rom_namespace_t *ns, const char *name, double *out)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_namespace_get (ns, name, &v);
    return status == ROM_OK ? s_want_double (ns, &v, out, name) : status;
}

rom_status_t
rom_namespace_get_str (rom_namespace_t *ns, const char *name, char **out)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, name, "name")
        || romi_helper_null_arg (__func__, out, "out"))
        return ROM_INVALID;
    rom_variant_t v;
    rom_status_t status = rom_namespace_get (ns, name, &v);
    return status == ROM_OK ? s_want_str (ns, &v, out, name) : status;
}

rom_status_t
rom_namespace_repr (rom_namespace_t *ns, char **text)
{
    if (s_wrong_handle (__func__, ns, S_NS_TYPE) || romi_helper_null_arg (__func__, text, "text"))
        return ROM_INVALID;
    *text = NULL;
    char **names = NULL;
    rom_variant_t *values = NULL;
    size_t n = 0;
    rom_status_t status = rom_namespace_list (ns, &names, &values, &n);
    if (status != ROM_OK)
        return status;
    s_buf_t b = {0};
    s_puts (&b, "Namespace(");
    for (size_t i = 0; i < n; i++) {
        if (i)
            s_puts (&b, ", ");
        s_puts (&b, names[i]);
        s_puts (&b, "=");
        s_put_variant (&b, &values[i]);
        free (names[i]);
    }
    s_puts (&b, ")");
    free (names);
    rom_variants_free (&values, n);
    return s_buf_finish (ns, &b, text);
}

rom_proxy_t *
rom_namespace_proxy (rom_namespace_t *ns)
{
    return s_wrong_handle (__func__, ns, S_NS_TYPE) ? NULL : (rom_proxy_t *) ns;
}

void
rom_namespace_destroy (rom_namespace_t **ns_p)
{
    rom__builtins__namespace__rom_destroy ((Rom__Builtins__Namespace_Proxy **) ns_p);
}
