// registry.c: the types a server offers, by name, in registration order, and the manager's own type for
// object 0. Few (tens), looked up only when an object is made: a linear search.
#include "rom_private.h"
#include "romi_registry.h"

#include <stdlib.h>
#include <string.h>

void
romi_registry_init (romi_registry_t *self, const rom_type_t *manager, const void *servant, void *state)
{
    self->types = NULL;
    self->n_types = 0;
    self->manager = (romi_type_entry_t) {.type = manager, .servant = servant, .ctx = state};
}

void
romi_registry_fini (romi_registry_t *self)
{
    free (self->types);
    self->types = NULL;
    self->n_types = 0;
}

const romi_type_entry_t *
romi_registry_find (const romi_registry_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_types; i++)
        if (strcmp (self->types[i].type->name, name) == 0)
            return &self->types[i];
    return NULL;
}

rom_status_t
romi_registry_add (romi_registry_t *self, const rom_type_t *type, const void *servant, void *ctx)
{
    if (romi_registry_find (self, type->name))
        return ROM_EXISTS;
    romi_type_entry_t *types = realloc (self->types, (self->n_types + 1) * sizeof *types);
    if (!types)
        return ROM_NOMEM;
    types[self->n_types++] = (romi_type_entry_t) {.type = type, .servant = servant, .ctx = ctx};
    self->types = types;
    return ROM_OK;
}
