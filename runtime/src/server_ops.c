// server_ops.c: the manager object (object 0) every server hosts: sessions, creating and finding objects,
// and their reference counts. It is an ordinary rom type driven by wire.proto's service Manager, so the
// server's dispatch has one path for all calls. Its servant is the server's hosting (hosting.c): the types,
// objects and sessions these methods work on; ending a session goes through the call's deferred calls
// (session_end.c), whose waiting calls it cancels.
#include "rom_private.h"
#include "romi_io.h"
#include "romi_ref.h"
#include "romi_session_end.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The methods of the generated Rom__Manager_Servant: `self` is object 0's state, the server's hosting.
#define ROM_OP(name, In, Out) static rom_status_t name (void *self, const In *in, Out *out, rom_call_t *call)

// The caller's session: the dispatch lets a manager call other than Hello in only when it names a live
// session opened or joined on the caller's own connection (server.c), so this finds it; ROM_INTERNAL if
// that ever fails to hold.
static rom_status_t
s_session (rom_call_t *call, romi_hosting_t *hosting, romi_session_t **session_p)
{
    *session_p = romi_sessions_find (&hosting->sessions, call->session);
    if (!*session_p)
        return rom_call_fail (call, ROM_INTERNAL, "session %016llx vanished",
                              (unsigned long long) call->session);
    return ROM_OK;
}

static rom_status_t
s_object_ref (const romi_hosting_t *hosting, const romi_object_t *object, Rom__ObjectRef *ref)
{
    romi_refs_fill (hosting, object, ref);
    return ROM_OK;
}

// The caller's connection becomes (`add`) or is confirmed as one of `session`'s.
static bool
s_touch (romi_hosting_t *hosting, romi_session_t *session, const rom_call_t *call, bool add)
{
    size_t size;
    const void *id = romi_io_peer_id (&call->peer, &size);
    return romi_session_touch (&hosting->sessions, session, id, size, call->fd, add);
}

ROM_OP (s_hello, Rom__HelloRequest, Rom__HelloReply)
{
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    const Rom__HelloRequest *hello = (const Rom__HelloRequest *) in;
    Rom__HelloReply *reply = (Rom__HelloReply *) out;
    if (hello->version != ROM_PROTOCOL_VERSION)
        return rom_call_fail (call, ROM_BAD_REQUEST, "protocol version %u is not supported (this is %u)",
                              hello->version, ROM_PROTOCOL_VERSION);
    // Joining: another thread of the client, or a connection that came back. The secret proves the right,
    // so knowing (or guessing) a session id is not enough to act in its name.
    romi_session_t *session = hello->join ? romi_sessions_find (&hosting->sessions, hello->join) : NULL;
    if (session && session->secret == hello->secret) {
        if (!s_touch (hosting, session, call, true))
            return rom_call_fail (call, ROM_NOMEM, "server out of memory for a connection");
        reply->joined = true;
    } else {
        if (hello->join && !session) {
            // Lost on this run while its client lived: say when and why, for its ROM_SESSION_LOST.
            char lost[ROM_ERRMSG_MAX];
            if (romi_sessions_lost (&hosting->sessions, hello->join, lost, sizeof lost))
                reply->lost = rom_call_strdup (call, lost);
        }
        if (hosting->sessions.by_id.count >= hosting->limits.sessions)
            return rom_call_fail (call, ROM_LIMIT, "the server has %zu sessions, its limit (max_sessions)",
                                  hosting->sessions.by_id.count);
        if (!(session = romi_sessions_new (&hosting->sessions)))
            return rom_call_fail (call, ROM_NOMEM, "server out of memory for a session");
        // Its first connection: the session lives while one of them does (lease.c).
        if (!s_touch (hosting, session, call, true)) {
            romi_session_end (call->deferred, session, ROM_SESSION_END_GOODBYE);
            return rom_call_fail (call, ROM_NOMEM, "server out of memory for a session");
        }
    }
    reply->session = session->id;
    reply->secret = session->secret;
    reply->incarnation = hosting->incarnation;
    size_t max = hosting->max_message;
    reply->max_message = max > UINT32_MAX ? UINT32_MAX : (uint32_t) max;
    return ROM_OK;
}

ROM_OP (s_create, Rom__CreateRequest, Rom__ObjectRef)
{
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    const Rom__CreateRequest *req = (const Rom__CreateRequest *) in;
    romi_session_t *session;
    if (s_session (call, hosting, &session) != ROM_OK)
        return call->fail_status;
    const romi_type_entry_t *entry = romi_registry_find (&hosting->types, req->type);
    if (!entry)
        return rom_call_fail (call, ROM_NO_TYPE, "no type \"%s\" is registered on this server", req->type);
    romi_objects_t *objects = &hosting->objects;
    const char *name = req->name && *req->name ? req->name : NULL;
    if (name && strlen (name) > hosting->limits.name)
        return rom_call_fail (call, ROM_LIMIT,
                              "creating a %s: a name of %zu bytes is over the limit of %u (max_name)",
                              entry->type->name, strlen (name), hosting->limits.name);
    if (name) {
        romi_object_t *existing = romi_objects_find_name (objects, name);
        if (existing) {
            if (!req->exist_ok) {
                char what[256];
                romi_describe (what, sizeof what, existing->entry->type->name, existing->id, NULL);
                return rom_call_fail (call, ROM_EXISTS, "an object named \"%s\" exists already (%s)", name,
                                      what);
            }
            if (existing->entry != entry)
                return rom_call_fail (call, ROM_WRONG_TYPE, "the object named \"%s\" is a %s, not a %s", name,
                                      existing->entry->type->name, entry->type->name);
            if (romi_objects_retain (session, existing) != 0)
                return rom_call_fail (call, ROM_NOMEM, "server out of memory");
            return s_object_ref (hosting, existing, (Rom__ObjectRef *) out);
        }
    }
    const rom_type_t *type = entry->type;
    if (romi_hosting_may_create (hosting, session, call, type->name) != ROM_OK)
        return call->fail_status;
    const ProtobufCMessage *args = NULL;
    if (type->init) {
        if (romi_wire_too_deep (type->init, req->args.data, req->args.len))
            return rom_call_fail (call, ROM_BAD_REQUEST,
                                  "creating a %s: the arguments nest deeper than %u levels", type->name,
                                  ROM_MAX_DEPTH);
        ProtobufCAllocator allocator;
        rom_call_allocator (call, &allocator);
        args = protobuf_c_message_unpack (type->init, &allocator, req->args.len, req->args.data);
        if (!args)
            return rom_call_fail (call, ROM_BAD_REQUEST, "creating a %s: the arguments are not a valid %s",
                                  type->name, type->init->name);
    } else if (req->args.len > 0)
        return rom_call_fail (call, ROM_BAD_REQUEST, "creating a %s: this type takes no creation arguments",
                              type->name);
    void *state = NULL;
    if (type->create) {
        call->constructing = true;
        rom_status_t status = type->create (entry->servant, entry->ctx, args, &state, call);
        call->constructing = false;
        if (status != ROM_OK) {
            // Name the type: the servant's text says what was wrong, not with what.
            char *why = call->errmsg;
            call->errmsg = NULL;
            return rom_call_fail (call, status == ROM_DEFERRED ? ROM_INTERNAL : status, "creating a %s: %s",
                                  type->name, why ? why : rom_strerror (status));
        }
    }
    romi_object_t *object = romi_objects_add (objects, entry, state, name);
    romi_refs_adopt (call, object); // references its constructor kept (rom_call_keep_ref)
    if (!object || romi_objects_retain (session, object) != 0) {
        if (object) {
            romi_hosting_drop_held (hosting, object);
            romi_objects_remove (objects, &object);
        }
        if (type->destroy)
            type->destroy (entry->servant, state);
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for a %s", type->name);
    }
    return s_object_ref (hosting, object, (Rom__ObjectRef *) out);
}

ROM_OP (s_lookup, Rom__LookupRequest, Rom__ObjectRef)
{
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    const Rom__LookupRequest *req = (const Rom__LookupRequest *) in;
    romi_session_t *session;
    if (s_session (call, hosting, &session) != ROM_OK)
        return call->fail_status;
    romi_object_t *object = romi_objects_find_name (&hosting->objects, req->name);
    if (!object)
        return rom_call_fail (call, ROM_NO_OBJECT, "no object is named \"%s\"", req->name);
    if (req->type && *req->type && strcmp (req->type, object->entry->type->name) != 0)
        return rom_call_fail (call, ROM_WRONG_TYPE, "the object named \"%s\" is a %s, not a %s", req->name,
                              object->entry->type->name, req->type);
    if (romi_objects_retain (session, object) != 0)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    return s_object_ref (hosting, object, (Rom__ObjectRef *) out);
}

ROM_OP (s_retain, Rom__RefRequest, Rom__Empty)
{
    (void) out;
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    const Rom__RefRequest *req = (const Rom__RefRequest *) in;
    romi_session_t *session;
    if (s_session (call, hosting, &session) != ROM_OK)
        return call->fail_status;
    romi_object_t *object = romi_objects_find (&hosting->objects, req->id);
    if (!object)
        return rom_call_fail (call, ROM_NO_OBJECT, "object %llu: no such object",
                              (unsigned long long) req->id);
    if (romi_objects_retain (session, object) != 0)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    return ROM_OK;
}

ROM_OP (s_release, Rom__RefRequest, Rom__Empty)
{
    (void) out;
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    const Rom__RefRequest *req = (const Rom__RefRequest *) in;
    romi_session_t *session;
    if (s_session (call, hosting, &session) != ROM_OK)
        return call->fail_status;
    romi_object_t *object = romi_objects_find (&hosting->objects, req->id);
    if (!object)
        return rom_call_fail (call, ROM_NO_OBJECT, "object %llu: no such object",
                              (unsigned long long) req->id);
    bool dead;
    if (romi_objects_release (session, object, &dead) != ROM_OK) {
        char what[256];
        romi_describe (what, sizeof what, object->entry->type->name, object->id, NULL);
        return rom_call_fail (call, ROM_DENIED, "this session holds no reference to %s", what);
    }
    if (dead)
        romi_hosting_destroy (hosting, object);
    return ROM_OK;
}

ROM_OP (s_ping, Rom__Empty, Rom__Empty)
{
    (void) self;
    (void) in;
    (void) out;
    (void) call;
    return ROM_OK;
}

ROM_OP (s_goodbye, Rom__Empty, Rom__Empty)
{
    (void) in;
    (void) out;
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    romi_session_t *session;
    if (s_session (call, hosting, &session) != ROM_OK)
        return call->fail_status;
    romi_session_end (call->deferred, session, ROM_SESSION_END_GOODBYE);
    return ROM_OK;
}

// --- reflection (Reflect, ListObjects, Stats): what the server hosts, for tools ----------------------------

// Add the files of `type` not in `out` yet to it, unpacked into the call's memory. Each type's files come
// dependencies first (rom_files_t), so keeping the first of each name keeps the whole set in that order.
static rom_status_t
s_reflect_type (rom_call_t *call, const rom_type_t *type, Google__Protobuf__FileDescriptorSet *out,
                size_t capacity)
{
    if (!type->files)
        return rom_call_fail (call, ROM_NOT_FOUND, "type %s has no descriptors (a hand-written rom_type_t)",
                              type->name);
    ProtobufCAllocator allocator;
    rom_call_allocator (call, &allocator);
    for (size_t f = 0; f < type->files->n_files; f++) {
        const rom_file_t *file = &type->files->files[f];
        bool seen = false;
        for (size_t i = 0; i < out->n_file && !seen; i++)
            seen = strcmp (out->file[i]->name, file->name) == 0;
        if (seen)
            continue;
        if (out->n_file == capacity)
            return rom_call_fail (call, ROM_INTERNAL, "more files than counted");
        Google__Protobuf__FileDescriptorProto *proto =
            google__protobuf__file_descriptor_proto__unpack (&allocator, file->size, file->data);
        if (!proto)
            return rom_call_fail (call, ROM_NOMEM, "server out of memory for the descriptors of %s",
                                  type->name);
        out->file[out->n_file++] = proto;
    }
    return ROM_OK;
}

ROM_OP (s_reflect, Rom__ReflectRequest, Google__Protobuf__FileDescriptorSet)
{
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    const romi_registry_t *types = &hosting->types;
    size_t n = in->n_types ? in->n_types : types->n_types + 1;
    const rom_type_t **asked = rom_call_alloc (call, n * sizeof *asked);
    if (!asked)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!in->n_types)
            asked[i] = i < types->n_types ? types->types[i].type : types->manager.type;
        else if (strcmp (in->types[i], types->manager.type->name) == 0)
            asked[i] = types->manager.type;
        else {
            const romi_type_entry_t *entry = romi_registry_find (types, in->types[i]);
            if (!entry)
                return rom_call_fail (call, ROM_NO_TYPE, "no type \"%s\" is registered on this server",
                                      in->types[i]);
            asked[i] = entry->type;
        }
    }
    size_t capacity = 0;
    for (size_t i = 0; i < n; i++)
        capacity += asked[i]->files ? asked[i]->files->n_files : 0;
    out->file = rom_call_alloc (call, (capacity ? capacity : 1) * sizeof *out->file);
    if (!out->file)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    for (size_t i = 0; i < n; i++) {
        // Asking for everything skips what cannot be described rather than fail on it.
        if (!in->n_types && !asked[i]->files)
            continue;
        if (s_reflect_type (call, asked[i], out, capacity) != ROM_OK)
            return call->fail_status;
    }
    return ROM_OK;
}

static int
s_by_id (const void *a, const void *b)
{
    uint64_t x = (*(const romi_object_t *const *) a)->id, y = (*(const romi_object_t *const *) b)->id;
    return x < y ? -1 : x > y;
}

// One object as ListObjects shows it: the sessions holding it are found by asking each session.
static rom_status_t
s_object_info (rom_call_t *call, romi_hosting_t *hosting, const romi_object_t *object, Rom__ObjectInfo *info)
{
    rom__object_info__init (info);
    info->id = object->id;
    info->type = (char *) object->entry->type->name;
    const char *name = romi_objects_name (&hosting->objects, object);
    info->name = (char *) (name ? name : "");
    info->refs = object->refs;
    size_t n_sessions = hosting->sessions.by_id.count;
    info->sessions = rom_call_alloc (call, (n_sessions ? n_sessions : 1) * sizeof *info->sessions);
    if (!info->sessions)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    size_t cursor = 0;
    uint64_t id;
    void *value;
    while (romi_map_next (&hosting->sessions.by_id, &cursor, &id, &value) && info->n_sessions < n_sessions)
        if (romi_objects_session_refs ((const romi_session_t *) value, object) > 0)
            info->sessions[info->n_sessions++] = id;
    return ROM_OK;
}

// Whether ListObjects shows `object` to `session`: alive, of `type` (NULL: any), and with private objects
// named or held by the session.
static bool
s_listed (const romi_hosting_t *hosting, const romi_session_t *session, const romi_object_t *object,
          const char *type)
{
    return !(object->flags & ROM_OBJECT_DYING) && (!type || strcmp (type, object->entry->type->name) == 0)
           && (!hosting->private_objects || (object->flags & ROM_OBJECT_NAMED)
               || (session && romi_objects_session_refs (session, object) > 0));
}

ROM_OP (s_list_objects, Rom__ListObjectsRequest, Rom__ObjectList)
{
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    const char *type = in->type && *in->type ? in->type : NULL;
    romi_session_t *session = romi_sessions_find (&hosting->sessions, call->session);
    // Counted first: a listing that could not come back in one reply is refused before it is built.
    size_t n = 0, cursor = 0, found = 0;
    romi_object_t *object;
    while (romi_objects_next (&hosting->objects, &cursor, &object))
        n += s_listed (hosting, session, object, type);
    if (n > hosting->max_message / (sizeof (romi_object_t *) + sizeof (Rom__ObjectInfo) + sizeof (void *)))
        return rom_call_fail (call, ROM_TOO_LARGE,
                              "%zu objects are over the reply limit (max_message): list one type at a time",
                              n);
    romi_object_t **objects = rom_call_alloc (call, (n ? n : 1) * sizeof *objects);
    if (!objects)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    cursor = 0;
    while (found < n && romi_objects_next (&hosting->objects, &cursor, &object))
        if (s_listed (hosting, session, object, type))
            objects[found++] = object;
    qsort (objects, found, sizeof *objects, s_by_id);
    out->objects = rom_call_alloc (call, (found ? found : 1) * sizeof *out->objects);
    Rom__ObjectInfo *infos = rom_call_alloc (call, (found ? found : 1) * sizeof *infos);
    if (!out->objects || !infos)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    for (size_t i = 0; i < found; i++) {
        if (s_object_info (call, hosting, objects[i], &infos[i]) != ROM_OK)
            return call->fail_status;
        out->objects[out->n_objects++] = &infos[i];
    }
    return ROM_OK;
}

// VmRSS of /proc/self/status, in bytes; 0 when unknown (no /proc).
static uint64_t
s_rss_bytes (void)
{
    FILE *status = fopen ("/proc/self/status", "r");
    if (!status)
        return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets (line, sizeof line, status))
        if (sscanf (line, "VmRSS: %llu kB", &kb) == 1)
            break;
    fclose (status);
    return (uint64_t) kb * 1024;
}

ROM_OP (s_stats, Rom__Empty, Rom__ServerStats)
{
    (void) in;
    (void) call;
    romi_hosting_t *hosting = (romi_hosting_t *) self;
    size_t sessions = hosting->sessions.by_id.count;
    out->sessions = sessions > UINT32_MAX ? UINT32_MAX : (uint32_t) sessions;
    out->objects = romi_objects_count (&hosting->objects);
    out->calls = hosting->calls;
    size_t cursor = 0;
    romi_object_t *object;
    while (romi_objects_next (&hosting->objects, &cursor, &object)) {
        const romi_object_ext_t *ext = romi_objects_ext (&hosting->objects, object);
        if (ext)
            out->waiting += ext->deferred.count;
    }
    out->types = (uint32_t) hosting->types.n_types;
    out->rss_bytes = s_rss_bytes ();
    out->uptime_ms = romi_now_ms () - hosting->started_ms;
    out->pid = (int32_t) getpid ();
    out->incarnation = hosting->incarnation;
    return ROM_OK;
}

// Its methods, bound by the generated rom__manager__rom_type (wire.rom.c) in wire.proto's rpc order.
const Rom__Manager_Servant romi_manager_servant = {
    .hello = s_hello,
    .create = s_create,
    .lookup = s_lookup,
    .retain = s_retain,
    .release = s_release,
    .ping = s_ping,
    .goodbye = s_goodbye,
    .reflect = s_reflect,
    .list_objects = s_list_objects,
    .stats = s_stats,
};
