// reflect.c: the client side of reflection (rom_reflect.h): Manager.Reflect, ListObjects and Stats, each one
// manager call. The server's side is in server_ops.c. rom_client_objects () copies the reply into one block
// (entries, then session ids, then strings), so that the caller frees one pointer and never sees protobuf-c.
#include "rom_private.h"
#include "romi_client.h"

#include <stdlib.h>
#include <string.h>

rom_status_t
rom_client_reflect (rom_client_t *self, const char *const *types, size_t n_types,
                    Google__Protobuf__FileDescriptorSet **set_p)
{
    if (set_p)
        *set_p = NULL;
    if (!rom_client_valid (self) || !set_p || (n_types && !types))
        return rom_client_fail (rom_client_valid (self) ? self : NULL, ROM_INVALID, "rom_client_reflect: %s",
                                !rom_client_valid (self) ? "no client"
                                : !set_p                 ? "set_p is NULL"
                                                         : "types is NULL");
    for (size_t i = 0; i < n_types; i++)
        if (!types[i])
            return rom_client_fail (self, ROM_INVALID, "rom_client_reflect: types[%zu] is NULL", i);
    Rom__ReflectRequest req = ROM__REFLECT_REQUEST__INIT;
    req.n_types = n_types;
    req.types = (char **) types; // only read, to pack it
    ProtobufCMessage *out = NULL;
    rom_status_t status = romi_client_manager_call (self, ROM__MANAGER_METHOD__REFLECT, &req.base,
                                                    &google__protobuf__file_descriptor_set__descriptor, &out);
    if (status == ROM_OK)
        *set_p = (Google__Protobuf__FileDescriptorSet *) out;
    return status;
}

rom_status_t
rom_client_objects (rom_client_t *self, const char *type, rom_object_info_t **objects_p, size_t *n_p)
{
    if (objects_p)
        *objects_p = NULL;
    if (n_p)
        *n_p = 0;
    if (!rom_client_valid (self) || !objects_p || !n_p)
        return rom_client_fail (rom_client_valid (self) ? self : NULL, ROM_INVALID, "rom_client_objects: %s",
                                !rom_client_valid (self) ? "no client" : "objects_p or n_p is NULL");
    Rom__ListObjectsRequest req = ROM__LIST_OBJECTS_REQUEST__INIT;
    req.type = (char *) (type ? type : "");
    ProtobufCMessage *out = NULL;
    rom_status_t status = romi_client_manager_call (self, ROM__MANAGER_METHOD__LIST_OBJECTS, &req.base,
                                                    &rom__object_list__descriptor, &out);
    if (status != ROM_OK)
        return status;
    Rom__ObjectList *list = (Rom__ObjectList *) out;
    size_t n = list->n_objects, size = n * sizeof (rom_object_info_t);
    if (n == 0) { // no block at all: the arithmetic below on a NULL block is undefined (UBSan)
        rom__object_list__free_unpacked (list, NULL);
        *objects_p = NULL;
        *n_p = 0;
        return ROM_OK;
    }
    for (size_t i = 0; i < n; i++)
        size += list->objects[i]->n_sessions * sizeof (uint64_t) + strlen (list->objects[i]->type)
                + strlen (list->objects[i]->name) + 2;
    uint8_t *block = malloc (size);
    if (!block) {
        rom__object_list__free_unpacked (list, NULL);
        return rom_client_fail (self, ROM_NOMEM, "rom_client_objects: out of memory");
    }
    // Entries first, then session ids (8-byte aligned after the entries), then the strings.
    rom_object_info_t *infos = (rom_object_info_t *) block;
    uint64_t *ids = (uint64_t *) (block + n * sizeof *infos);
    for (size_t i = 0; i < n; i++)
        ids += list->objects[i]->n_sessions;
    char *text = (char *) ids;
    ids = (uint64_t *) (block + n * sizeof *infos);
    for (size_t i = 0; i < n; i++) {
        const Rom__ObjectInfo *from = list->objects[i];
        rom_object_info_t *to = &infos[i];
        to->id = from->id;
        to->refs = from->refs;
        to->n_sessions = from->n_sessions;
        to->sessions = ids;
        if (from->n_sessions) // a named object no session holds comes with no array (memcpy of NULL: UB)
            memcpy (ids, from->sessions, from->n_sessions * sizeof *ids);
        ids += from->n_sessions;
        size_t len = strlen (from->type) + 1;
        to->type = memcpy (text, from->type, len);
        text += len;
        len = strlen (from->name) + 1;
        to->name = memcpy (text, from->name, len);
        text += len;
    }
    rom__object_list__free_unpacked (list, NULL);
    *objects_p = infos;
    *n_p = n;
    return ROM_OK;
}

void
rom_object_infos_free (rom_object_info_t **objects_p)
{
    if (!objects_p)
        return;
    free (*objects_p);
    *objects_p = NULL;
}

rom_status_t
rom_client_stats (rom_client_t *self, rom_server_stats_t *stats)
{
    if (!rom_client_valid (self) || !stats)
        return rom_client_fail (rom_client_valid (self) ? self : NULL, ROM_INVALID, "rom_client_stats: %s",
                                !rom_client_valid (self) ? "no client" : "stats is NULL");
    Rom__Empty req = ROM__EMPTY__INIT;
    ProtobufCMessage *out = NULL;
    rom_status_t status = romi_client_manager_call (self, ROM__MANAGER_METHOD__STATS, &req.base,
                                                    &rom__server_stats__descriptor, &out);
    if (status != ROM_OK)
        return status;
    const Rom__ServerStats *reply = (const Rom__ServerStats *) out;
    *stats = (rom_server_stats_t) {
        .sessions = reply->sessions,
        .objects = reply->objects,
        .calls = reply->calls,
        .waiting = reply->waiting,
        .types = reply->types,
        .rss_bytes = reply->rss_bytes,
        .uptime_ms = reply->uptime_ms,
        .pid = reply->pid,
        .incarnation = reply->incarnation,
    };
    rom__server_stats__free_unpacked ((Rom__ServerStats *) out, NULL);
    return ROM_OK;
}
