// register.c: rom_server_register (), apart from server.c because every generated type's x.rom.c calls it:
// the Manager's own generated table (wire.rom.c), which server.c uses, would otherwise make a circle.
#include "rom_private.h"

#include <stdio.h>

static rom_status_t
s_fail (rom_server_t *self, rom_status_t status, const char *what, const char *name)
{
    snprintf (self->errmsg, sizeof self->errmsg, "register %s: %s", name, what);
    return status;
}

rom_status_t
rom_server_register (rom_server_t *self, const rom_type_t *type, const void *servant, void *ctx)
{
    if (!self)
        return ROM_INVALID;
    if (!type || !type->name)
        return s_fail (self, ROM_INVALID, "no type", "(NULL)");
    if (romi_registry_find (&self->hosting.types, type->name))
        return s_fail (self, ROM_EXISTS, "a type of that name is registered already", type->name);
    if (self->running)
        return s_fail (self, ROM_INVALID, "the server is running", type->name);
    if (romi_registry_add (&self->hosting.types, type, servant, ctx) != ROM_OK)
        return s_fail (self, ROM_NOMEM, "out of memory", type->name);
    return ROM_OK;
}
