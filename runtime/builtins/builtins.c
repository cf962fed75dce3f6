// builtins.c: registers every built-in shared type on a server, from one table, so adding a type is one
// line here and one declaration in builtins.h.
#include "builtins.h"

#include <stddef.h>

typedef rom_status_t (*s_register_fn) (rom_server_t *server);

// NULL-terminated: an empty table is not valid C.
static const s_register_fn s_builtins[] = {
    romi_builtin_value_register,
    romi_builtin_array_register,
    romi_builtin_dict_register,
    romi_builtin_list_register,
    romi_builtin_namespace_register,
    romi_builtin_lock_register,
    romi_builtin_semaphore_register,
    romi_builtin_event_register,
    romi_builtin_condition_register,
    romi_builtin_barrier_register,
    romi_builtin_queue_register,
    romi_builtin_pipe_register,
    NULL,
};

rom_status_t
romi_builtins_register (rom_server_t *server)
{
    for (size_t i = 0; s_builtins[i]; i++) {
        rom_status_t status = s_builtins[i](server);
        if (status != ROM_OK)
            return status;
    }
    return ROM_OK;
}
