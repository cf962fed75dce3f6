// handles.c: the handle checks and the calls by method name of the built-in types' one-line helpers
// (handles.h), their error texts, and typed handles from tokens (one function behind every
// rom_<type>_from_token ()).
#include "handles.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rom/builtins/sync.rom.h"
#include "rom/builtins/variant.pb-c.h"

bool
romi_helper_bad_handle (const char *fn, const void *handle, const rom_type_t *type, const rom_type_t *alt)
{
    if (!handle) {
        rom_client_fail (NULL, ROM_INVALID, "%s: NULL instead of a %s%s%s", fn, type ? type->name : "proxy",
                         alt ? " or " : "", alt ? alt->name : "");
        return true;
    }
    // Checked against `alt` when it claims to be one (rom_proxy_type () reads the tag first), else `type`.
    const rom_type_t *is = rom_proxy_type (handle);
    if (rom_proxy_check (handle, alt && is && strcmp (is->name, alt->name) == 0 ? alt : type) == ROM_OK)
        return false;
    char why[256]; // rom_client_fail () writes the buffer rom_client_errmsg () returns: copy it first
    snprintf (why, sizeof why, "%s", rom_client_errmsg (NULL));
    rom_client_fail (NULL, ROM_INVALID, "%s: %s", fn, why);
    return true;
}

bool
romi_helper_null_arg (const char *fn, const void *p, const char *what)
{
    if (p)
        return false;
    rom_client_fail (NULL, ROM_INVALID, "%s: `%s` is NULL", fn, what);
    return true;
}

bool
romi_helper_bad_text (const char *fn, const char *text, const char *what)
{
    if (romi_helper_null_arg (fn, text, what))
        return true;
    if (rom_utf8_valid (text, strlen (text)))
        return false;
    rom_client_fail (NULL, ROM_INVALID, "%s: `%s` is not valid UTF-8", fn, what);
    return true;
}

bool
romi_helper_bad_client (const char *fn, const rom_client_t *client)
{
    if (rom_client_valid (client))
        return false;
    rom_client_fail (NULL, ROM_INVALID, "%s: %s", fn, client ? "not a client handle" : "no client (NULL)");
    return true;
}

bool
romi_helper_bad_new (const char *fn, void *handle_p, const char *what, const rom_client_t *client)
{
    if (romi_helper_null_arg (fn, handle_p, what))
        return true;
    *(void **) handle_p = NULL;
    return romi_helper_bad_client (fn, client);
}

rom_client_t *
romi_handle_client (const void *handle)
{
    return rom_proxy_client ((const rom_proxy_t *) handle);
}

rom_status_t
romi_handle_nomem (const void *handle)
{
    return rom_client_fail (romi_handle_client (handle), ROM_NOMEM, "out of memory");
}

static unsigned
s_method (rom_proxy_t *proxy, const char *name)
{
    const rom_type_t *type = rom_proxy_type (proxy);
    for (unsigned i = 0; i < type->n_methods; i++)
        if (strcmp (type->methods[i].name, name) == 0)
            return i;
    return type->n_methods; // the proxy layer answers ROM_NO_METHOD
}

rom_status_t
romi_handle_call (void *handle, const char *name, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    return rom_proxy_call (handle, s_method (handle, name), in, out);
}

rom_status_t
romi_handle_wait (void *handle, const char *name, const ProtobufCMessage *in, uint32_t timeout_ms,
                  ProtobufCMessage **out)
{
    if (timeout_ms == ROM_NOWAIT)
        return rom_proxy_call (handle, s_method (handle, name), in, out);
    return rom_proxy_call_timeout (handle, s_method (handle, name), in, timeout_ms, out);
}

rom_status_t
romi_handle_count (void *handle, const char *name, const ProtobufCMessage *in, int64_t *value)
{
    Rom__Builtins__Count *out = NULL;
    rom_status_t status = romi_handle_call (handle, name, in, (ProtobufCMessage **) &out);
    if (status == ROM_OK && value)
        *value = out->value;
    if (out)
        rom__builtins__count__free_unpacked (out, NULL);
    return status;
}

rom_status_t
romi_handle_flag (void *handle, const char *name, bool *value)
{
    Rom__Builtins__Flag *out = NULL;
    rom_status_t status = romi_handle_call (handle, name, NULL, (ProtobufCMessage **) &out);
    if (status == ROM_OK && value)
        *value = out->value;
    if (out)
        rom__builtins__flag__free_unpacked (out, NULL);
    return status;
}

rom_status_t
romi_handle_size (void *handle, const char *name, const ProtobufCMessage *in, size_t *size)
{
    Rom__Builtins__Size *out = NULL;
    rom_status_t status = romi_handle_call (handle, name, in, (ProtobufCMessage **) &out);
    if (status == ROM_OK)
        *size = (size_t) out->size;
    if (out)
        rom__builtins__size__free_unpacked (out, NULL);
    return status;
}

rom_status_t
romi_handle_typecode (void *handle, const char *name, char *typecode)
{
    Rom__Builtins__TypecodeReply *out = NULL;
    rom_status_t status = romi_handle_call (handle, name, NULL, (ProtobufCMessage **) &out);
    if (status == ROM_OK)
        *typecode = (char) out->typecode;
    if (out)
        rom__builtins__typecode_reply__free_unpacked (out, NULL);
    return status;
}

rom_status_t
romi_handle_fail (const void *handle, const char *method, rom_status_t status, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (text, sizeof text, fmt, ap);
    va_end (ap);
    const rom_type_t *type = rom_proxy_type (handle);
    return rom_client_fail (romi_handle_client (handle), status, "%s#%llu.%s: %s", type ? type->name : "?",
                            (unsigned long long) rom_proxy_id (handle), method, text);
}

rom_status_t
romi_handle_token (const char *fn, const void *handle, const rom_proxy_t *proxy, char **token)
{
    // rom_proxy_to_token () cannot tell a foreign pointer or a dead client from running out of memory.
    if (romi_helper_bad_handle (fn, proxy, NULL, NULL))
        return ROM_INVALID;
    if (!rom_proxy_client (proxy))
        return rom_client_fail (NULL, ROM_UNAVAILABLE, "%s: the proxy to store: its client was destroyed",
                                fn);
    char *text = rom_proxy_to_token (proxy);
    if (!text)
        return romi_handle_nomem (handle);
    *token = text;
    return ROM_OK;
}

// The type name a token ends with (endpoint#id#type), or NULL when it has no '#'.
static const char *
s_token_type (const char *token)
{
    const char *hash = strrchr (token, '#');
    return hash ? hash + 1 : NULL;
}

rom_status_t
romi_handle_from_token (const char *fn, rom_client_t *client, const char *token, const rom_type_t *type,
                        const rom_type_t *alt, void *handle_p)
{
    if (romi_helper_bad_new (fn, handle_p, "handle_p", client) || romi_helper_null_arg (fn, token, "token"))
        return ROM_INVALID;
    // Judged here from the token, so a token of another type costs no round trip and takes no reference.
    const char *named = s_token_type (token);
    if (!named || !*named)
        return rom_client_fail (client, ROM_INVALID, "%s: \"%s\" is not a proxy token (endpoint#id#type)", fn,
                                token);
    const rom_type_t *is = strcmp (named, type->name) == 0         ? type
                           : alt && strcmp (named, alt->name) == 0 ? alt
                                                                   : NULL;
    if (!is)
        return rom_client_fail (client, ROM_WRONG_TYPE, "%s: token names a %s, not a %s%s%s", fn, named,
                                type->name, alt ? " or " : "", alt ? alt->name : "");
    rom_proxy_t *proxy = NULL;
    rom_status_t status = rom_proxy_from_token (client, is, token, &proxy);
    if (status == ROM_OK)
        *(void **) handle_p = proxy;
    return status;
}

void
romi_handle_destroy (const char *fn, void **handle_p, const rom_type_t *type, const rom_type_t *alt)
{
    if (!handle_p || !*handle_p || romi_helper_bad_handle (fn, *handle_p, type, alt))
        return;
    rom_proxy_t *proxy = *handle_p;
    rom_proxy_destroy (&proxy);
    *handle_p = NULL;
}
