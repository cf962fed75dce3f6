// handles.c: the handle checks and the calls by method name of the built-in types' one-line helpers
// (handles.h).
#include "handles.h"

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

void
romi_handle_destroy (const char *fn, void **handle_p, const rom_type_t *type, const rom_type_t *alt)
{
    if (!handle_p || !*handle_p || romi_helper_bad_handle (fn, *handle_p, type, alt))
        return;
    rom_proxy_t *proxy = *handle_p;
    rom_proxy_destroy (&proxy);
    *handle_p = NULL;
}
