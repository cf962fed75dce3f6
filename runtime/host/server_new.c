// server_new.c: rom_server_new (), the server every user gets: the core's server (runtime/src) hosting the
// built-in types (runtime/builtins). Like Python's SyncManager, every server hosts them (Value, Dict, List,
// Lock, Queue, ...), so sharing a number or a dict needs no IDL and no registration.
//
// This layer sits above both: the core knows nothing of the built-ins (they are servants like any other,
// written against the public API), and the built-ins know the core only through that API.
#include "rom_private.h"
#include "builtins.h"

rom_server_t *
rom_server_new (const rom_server_opts_t *opts)
{
    rom_server_t *self = romi_server_create (opts);
    if (self && romi_builtins_register (self) != ROM_OK)
        rom_server_destroy (&self);
    return self;
}
