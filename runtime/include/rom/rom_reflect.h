// rom_reflect.h: what a server hosts, asked over the wire (issue 17): the descriptors of its types, its live
// objects and its counters. For tools that describe types and call them with JSON (romctl, the Python
// client) and for tests and diagnostics. Each function is one manager call (Manager.Reflect, ListObjects,
// Stats in rom/wire.proto) on the client's session; they work against any rom server, not only rom_manager.
#ifndef ROM_REFLECT_H
#define ROM_REFLECT_H

#include <stddef.h>
#include <stdint.h>
#include "google/protobuf/descriptor.pb-c.h"
#include "rom_client.h"
#include "rom_status.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default)

// The .proto files describing the types named in `types` (`n_types` fully qualified names: "demo.Counter",
// "rom.Dict", "rom.Manager"; none, n_types 0: every type the server registered, and the manager), their
// imports included (google/protobuf/*.proto, rom/*.proto), each file once and after the files it imports:
// loadable as it is into a descriptor pool (Python: descriptor_pool.DescriptorPool ().Add (file) for each).
// Source info (comments, lines) is left out. On ROM_OK *set_p is the set: caller owns it and frees it with
// google__protobuf__file_descriptor_set__free_unpacked (*set_p, NULL).
// ROM_INVALID (no client, set_p NULL, types NULL with n_types > 0, a NULL name), ROM_NO_TYPE (a name the
// server has not registered), ROM_NOT_FOUND (a type registered without descriptors: a hand-written
// rom_type_t), or a call's failure.
rom_status_t rom_client_reflect (rom_client_t *self, const char *const *types, size_t n_types,
                                 Google__Protobuf__FileDescriptorSet **set_p);

// One live object of a server, as rom_client_objects () lists it.
typedef struct rom_object_info {
    uint64_t id;
    const char *type;         // fully qualified type name
    const char *name;         // "" when unnamed
    uint32_t refs;            // every reference: sessions', objects' that keep it, replies' in flight
    size_t n_sessions;        // the sessions holding a reference to it
    const uint64_t *sessions; // their ids
} rom_object_info_t;

// The server's live objects, by id, of type `type` only unless it is NULL. On ROM_OK *objects_p is an array
// of *n_p entries (NULL when there is none): caller owns it and frees it with rom_object_infos_free ().
// ROM_INVALID (no client, objects_p or n_p NULL), or a call's failure.
rom_status_t rom_client_objects (rom_client_t *self, const char *type, rom_object_info_t **objects_p,
                                 size_t *n_p);
// Free what rom_client_objects () returned and set *objects_p to NULL; accepts NULL and *objects_p NULL.
void rom_object_infos_free (rom_object_info_t **objects_p);

// A server's counters, as rom_client_stats () reads them.
typedef struct rom_server_stats {
    uint32_t sessions;    // live sessions
    uint64_t objects;     // live objects (the manager, object 0, not counted)
    uint64_t calls;       // calls that reached a servant since the server started, manager calls included
    uint64_t waiting;     // calls deferred now (waiting on a lock, a queue, ...)
    uint32_t types;       // registered types (the manager not counted)
    uint64_t rss_bytes;   // the server process's resident memory (0 when unknown)
    uint64_t uptime_ms;   // since the server was made
    int32_t pid;          // the server's process
    uint64_t incarnation; // the server's run
} rom_server_stats_t;

// Fill *stats with the server's counters. ROM_INVALID (no client, stats NULL), or a call's failure.
rom_status_t rom_client_stats (rom_client_t *self, rom_server_stats_t *stats);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
