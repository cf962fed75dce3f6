// builtins.c: registers every built-in shared type on a server, from the table builtins.def expands to, so
// adding a type is one line there.
#include "builtins.h"

#include <stddef.h>

typedef rom_status_t (*s_register_fn) (rom_server_t *server);

static const s_register_fn s_builtins[] = {
#define ROMI_BUILTIN(name) romi_builtin_##name##_register,
#include "builtins.def"
#undef ROMI_BUILTIN
};

rom_status_t
romi_builtins_register (rom_server_t *server)
{
    for (size_t i = 0; i < sizeof s_builtins / sizeof *s_builtins; i++) {
        rom_status_t status = s_builtins[i](server);
        if (status != ROM_OK)
            return status;
    }
    return ROM_OK;
}
