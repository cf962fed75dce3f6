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
#include <string.h>

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
s_touch (romi_session_t *session, const rom_call_t *call, bool add)
{
    size_t size;
    const void *id = romi_io_peer_id (&call->peer, &size);
    return romi_session_touch (session, id, size, call->fd, add);
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
        if (!s_touch (session, call, true))
            return rom_call_fail (call, ROM_NOMEM, "server out of memory for a connection");
        reply->joined = true;
    } else {
        if (hello->join && !session) {
            // Lost on this run while its client lived: say when and why, for its ROM_SESSION_LOST.
            char lost[ROM_ERRMSG_MAX];
            if (romi_sessions_lost (&hosting->sessions, hello->join, lost, sizeof lost))
                reply->lost = rom_call_strdup (call, lost);
        }
        if (!(session = romi_sessions_new (&hosting->sessions)))
            return rom_call_fail (call, ROM_NOMEM, "server out of memory for a session");
        // Its first connection: the session lives while one of them does (lease.c).
        if (!s_touch (session, call, true)) {
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

// Its methods, bound by the generated rom__manager__rom_type (wire.rom.c) in wire.proto's rpc order.
const Rom__Manager_Servant romi_manager_servant = {
    .hello = s_hello,
    .create = s_create,
    .lookup = s_lookup,
    .retain = s_retain,
    .release = s_release,
    .ping = s_ping,
    .goodbye = s_goodbye,
};
