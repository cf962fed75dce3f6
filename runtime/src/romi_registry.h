// romi_registry.h: registry.c, the types a server offers (rom_server_register ()) and the manager's own.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_REGISTRY_H
#define ROMI_REGISTRY_H

#include "romi_object.h"

typedef struct {
    romi_type_entry_t *types; // registered types, in registration order
    size_t n_types;
    romi_type_entry_t manager; // object 0's type: the manager's methods (server_ops.c)
} romi_registry_t;

// An empty registry whose object 0 is `manager` served by `servant`, with `state` as its `self` (kept as the
// entry's ctx: object 0 has no object record).
void romi_registry_init (romi_registry_t *self, const rom_type_t *manager, const void *servant, void *state);
// Free the list (the types are the user's).
void romi_registry_fini (romi_registry_t *self);
// Add `type`. ROM_EXISTS when a type of its name is there, ROM_NOMEM.
rom_status_t romi_registry_add (romi_registry_t *self, const rom_type_t *type, const void *servant,
                                void *ctx);
// The registered type named `name`, or NULL.
const romi_type_entry_t *romi_registry_find (const romi_registry_t *self, const char *name);

#endif
