// namespace.c: the servant of rom.builtins.Namespace (Python's Manager ().Namespace ()): attributes by
// name in key.c's ordered map with string keys, so vars (ns) lists them in the order first set.
#include "builtins.h"
#include "slot.h"
#include "key.h"

#include <stdlib.h>

#include "rom/builtins/namespace.rom.h"

typedef struct {
    romi_omap_t map;
} s_namespace_t;

static rom_status_t
s_set_attr_in (s_namespace_t *ns, const Rom__Builtins__Attribute *attr, rom_call_t *call)
{
    if (!attr->name || !attr->name[0])
        return rom_call_fail (call, ROM_INVALID, "an attribute needs a name");
    romi_key_t key = romi_key_from_string (attr->name);
    romi_omap_entry_t *e = romi_omap_find (&ns->map, &key);
    if (e)
        return romi_slot_set (&e->value, attr->value, call);
    romi_slot_t slot = ROM_SLOT_NONE;
    rom_status_t status = romi_slot_set (&slot, attr->value, call);
    if (status == ROM_OK)
        status = romi_omap_insert (&ns->map, &key, &e, call);
    if (status != ROM_OK) {
        romi_slot_release (&slot, call);
        return status;
    }
    e->value = slot;
    return ROM_OK;
}

static rom_status_t
s_create (void *ctx, const Rom__Builtins__Attributes *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    s_namespace_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    romi_omap_init (&self->map);
    for (size_t i = 0; i < args->n_attributes; i++) {
        rom_status_t status = s_set_attr_in (self, args->attributes[i], call);
        if (status != ROM_OK) {
            romi_omap_clear (&self->map, call);
            free (self);
            return status;
        }
    }
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    s_namespace_t *ns = self;
    romi_omap_clear (&ns->map, NULL);
    free (ns);
}

static romi_omap_entry_t *
s_find (s_namespace_t *ns, const char *name)
{
    romi_key_t key = romi_key_from_string (name ? name : "");
    return romi_omap_find (&ns->map, &key);
}

static rom_status_t
s_get_attr (void *self, const Rom__Builtins__AttributeName *in, Rom__Builtins__Variant *out, rom_call_t *call)
{
    romi_omap_entry_t *e = s_find (self, in->name);
    if (!e)
        return rom_call_fail (call, ROM_NOT_FOUND, "Namespace has no attribute '%.80s'",
                              in->name ? in->name : "");
    return romi_slot_export (&e->value, out, call);
}

static rom_status_t
s_set_attr (void *self, const Rom__Builtins__Attribute *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    return s_set_attr_in (self, in, call);
}

static rom_status_t
s_del_attr (void *self, const Rom__Builtins__AttributeName *in, Google__Protobuf__Empty *out,
            rom_call_t *call)
{
    (void) out;
    s_namespace_t *ns = self;
    romi_omap_entry_t *e = s_find (ns, in->name);
    if (!e)
        return rom_call_fail (call, ROM_NOT_FOUND, "Namespace has no attribute '%.80s'",
                              in->name ? in->name : "");
    romi_omap_remove (&ns->map, e, call);
    return ROM_OK;
}

static rom_status_t
s_list (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Attributes *out, rom_call_t *call)
{
    (void) in;
    s_namespace_t *ns = self;
    size_t n = ns->map.live;
    if (n == 0)
        return ROM_OK;
    if (romi_reply_room (call, n, ROMI_VARIANT_COST + sizeof (Rom__Builtins__Attribute) + 8) != ROM_OK)
        return ROM_TOO_LARGE;
    romi_variant_msg_t **values = romi_variants_alloc (call, n);
    Rom__Builtins__Attribute **attrs = rom_call_alloc (call, n * sizeof *attrs);
    Rom__Builtins__Attribute *cells = rom_call_alloc (call, n * sizeof *cells);
    if (!values || !attrs || !cells)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    size_t i = 0;
    ROM_OMAP_FOREACH (&ns->map, e) {
        rom__builtins__attribute__init (&cells[i]);
        cells[i].name = e->key.s.data;
        if (romi_slot_export (&e->value, values[i], call) != ROM_OK)
            return ROM_NOMEM;
        cells[i].value = values[i];
        attrs[i] = &cells[i];
        i++;
    }
    out->attributes = attrs;
    out->n_attributes = n;
    return ROM_OK;
}

static const Rom__Builtins__Namespace_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .get_attr = s_get_attr,
    .set_attr = s_set_attr,
    .del_attr = s_del_attr,
    .list = s_list,
};

rom_status_t
romi_builtin_namespace_register (rom_server_t *server)
{
    return rom__builtins__namespace__rom_register (server, &s_servant, NULL);
}
