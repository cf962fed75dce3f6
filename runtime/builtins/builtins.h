// builtins.h: private to librom. The registration functions of the built-in shared types (Value, Array,
// Dict, List, Namespace, Lock, ..., Queue), each in its own runtime/builtins/<type>.c, and the one call that
// registers them all on a server (rom_server_new () makes it, so every server hosts them, like Python's
// SyncManager).
#ifndef ROM_BUILTINS_H
#define ROM_BUILTINS_H

#include "rom/rom.h"

// Register every built-in type on `server`. ROM_OK, or the first failure (ROM_EXISTS if one is registered
// already, ROM_NOMEM).
rom_status_t romi_builtins_register (rom_server_t *server);

// One per type: host rom.builtins.<Type> on `server`.
rom_status_t romi_builtin_value_register (rom_server_t *server);
rom_status_t romi_builtin_array_register (rom_server_t *server);
rom_status_t romi_builtin_dict_register (rom_server_t *server);
rom_status_t romi_builtin_list_register (rom_server_t *server);
rom_status_t romi_builtin_namespace_register (rom_server_t *server);
rom_status_t romi_builtin_lock_register (rom_server_t *server);      // Lock, RLock
rom_status_t romi_builtin_semaphore_register (rom_server_t *server); // Semaphore, BoundedSemaphore
rom_status_t romi_builtin_event_register (rom_server_t *server);
rom_status_t romi_builtin_condition_register (rom_server_t *server);
rom_status_t romi_builtin_barrier_register (rom_server_t *server);
rom_status_t romi_builtin_queue_register (rom_server_t *server);     // Queue, JoinableQueue
rom_status_t romi_builtin_pipe_register (rom_server_t *server);

#endif
