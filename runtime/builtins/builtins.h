// builtins.h: private to librom. The registration of the built-in shared types (Value, Array, Dict, List,
// Namespace, Lock, ..., Queue, Pipe: builtins.def), each a servant in runtime/builtins/<type>.c, and the one
// call that registers them all on a server (every server hosts them, like Python's SyncManager).
#ifndef ROMI_BUILTINS_H
#define ROMI_BUILTINS_H

#include "rom/rom.h"

// Register every built-in type on `server`. ROM_OK, or the first failure (ROM_EXISTS if one is registered
// already, ROM_NOMEM).
rom_status_t romi_builtins_register (rom_server_t *server);

// One per type: host rom.builtins.<Type> (and its variants: RLock next to Lock, ...) on `server`.
#define ROMI_BUILTIN(name) rom_status_t romi_builtin_##name##_register (rom_server_t *server);
#include "builtins.def"
#undef ROMI_BUILTIN

#endif
