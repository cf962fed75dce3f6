// handles.c: the handle checks of the built-in types' one-line helpers (handles.h).
#include "handles.h"

#include <stdio.h>
#include <string.h>

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
