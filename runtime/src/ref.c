// ref.c: object references inside messages (rom.ObjectRef fields): Python's nested proxies and
// method_to_typeid, server side.
//
// A reference travels with one count. Before a reply that carries ObjectRefs is packed, the server takes a
// reference per ObjectRef for the caller's session and fills in the ref's endpoint and type, so the object
// cannot die between the reply and the caller's proxy; the caller adopts each with rom_proxy_from_ref () (no
// round trip) or gives it back with rom_ref_release (), and what it does neither with goes when its session
// ends. The other way, a servant keeps an object it was handed with rom_call_keep_ref (): that reference
// belongs to the holder object (not to a session), is dropped with rom_call_drop_ref (), and is dropped with
// the holder when it dies. A drop takes effect once the call's reply is out, so a method may drop what it
// returns (Dict.pop of a proxy): the caller's reference is taken first. rom_call_new_object () makes an
// object for the reply (a factory method); one that no reply took a reference to dies with the call.
//
// Which messages can hold a reference is found by walking protobuf-c's descriptors once per output type
// (cached per server), so replies without ObjectRef fields cost one map look-up. Tried and rejected: a flag
// computed by the generator, which hand-written types (the manager's, tests') would lack.
#include "rom_private.h"
#include "romi_ref.h"

#include <stdlib.h>
#include <string.h>

#define ROM_REF_DEPTH 32 // nesting the walks follow, as romi_wire_too_deep bounds what a peer may send

// The object table belongs to the server's I/O thread: a pool type's method (on a worker) may not touch it.
static rom_status_t
s_refuse_pooled (rom_call_t *call)
{
    return rom_call_fail (call, ROM_INVALID,
                          "object references cannot be kept or made in a method of a pool "
                          "type (it runs on a worker thread); use an inline type");
}

// --- which descriptors can hold an ObjectRef ---------------------------------------------------------------

static bool
s_can_hold (const ProtobufCMessageDescriptor *desc, unsigned depth)
{
    if (desc == &rom__object_ref__descriptor)
        return true;
    if (depth >= ROM_REF_DEPTH)
        return false;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        if (field->type == PROTOBUF_C_TYPE_MESSAGE && s_can_hold (field->descriptor, depth + 1))
            return true;
    }
    return false;
}

// Cached in the server's map: 1 = holds none, 2 = may hold some (0 is the map's "absent").
static bool
s_may_hold (romi_hosting_t *hosting, const ProtobufCMessageDescriptor *desc)
{
    romi_map_t *cache = &hosting->ref_types;
    uint64_t key = (uint64_t) (uintptr_t) desc;
    uintptr_t known = (uintptr_t) romi_map_get (cache, key);
    if (known)
        return known == 2;
    bool may = s_can_hold (desc, 0);
    romi_map_put (cache, key, (void *) (uintptr_t) (may ? 2 : 1)); // out of memory: asked again next time
    return may;
}

// --- the walk over a message instance ----------------------------------------------------------------------

typedef rom_status_t (*s_visit_fn) (rom_call_t *call, Rom__ObjectRef *ref);

static rom_status_t
s_walk (rom_call_t *call, ProtobufCMessage *msg, unsigned depth, s_visit_fn visit)
{
    if (!msg)
        return ROM_OK;
    if (msg->descriptor == &rom__object_ref__descriptor)
        return visit (call, (Rom__ObjectRef *) msg);
    if (depth >= ROM_REF_DEPTH)
        return ROM_OK;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        if (field->type != PROTOBUF_C_TYPE_MESSAGE || !s_can_hold (field->descriptor, depth + 1))
            continue;
        char *base = (char *) msg;
        if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            // A oneof member is only there when the case says so (the union holds another member otherwise).
            if (*(const uint32_t *) (base + field->quantifier_offset) != field->id)
                continue;
        }
        rom_status_t status = ROM_OK;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) (base + field->quantifier_offset);
            ProtobufCMessage **items = *(ProtobufCMessage ***) (base + field->offset);
            for (size_t k = 0; k < n && status == ROM_OK; k++)
                status = s_walk (call, items[k], depth + 1, visit);
        } else
            status = s_walk (call, *(ProtobufCMessage **) (base + field->offset), depth + 1, visit);
        if (status != ROM_OK)
            return status;
    }
    return ROM_OK;
}

// --- objects made for a reply (rom_call_new_object) --------------------------------------------------------

// A list of object ids in a call's arena: objects made for the reply, references to drop after it.
typedef struct s_fresh {
    uint64_t id;
    struct s_fresh *next;
} s_fresh_t;

// Objects made during the call that no reference was taken to die now (the reply failed, or left them out).
static void
s_fresh_settle (romi_hosting_t *hosting, rom_call_t *call)
{
    for (s_fresh_t *fresh = call->fresh; fresh; fresh = fresh->next) {
        romi_object_t *object = romi_objects_find (&hosting->objects, fresh->id);
        if (object && romi_object_unheld (object))
            romi_hosting_destroy (hosting, object);
    }
    call->fresh = NULL; // the list lives in the call's arena
}

rom_status_t
rom_call_new_object (rom_call_t *call, const rom_type_t *type, const ProtobufCMessage *args,
                     Rom__ObjectRef *ref)
{
    if (!call || !type || !ref)
        return ROM_INVALID;
    if (call->pooled)
        return s_refuse_pooled (call);
    romi_hosting_t *hosting = call->hosting;
    const romi_type_entry_t *entry = romi_registry_find (&hosting->types, type->name);
    if (!entry)
        return rom_call_fail (call, ROM_NO_TYPE, "no type \"%s\" is registered on this server", type->name);
    if (args && type->init && args->descriptor != type->init)
        return rom_call_fail (call, ROM_WRONG_TYPE, "creating a %s: arguments are a %s, not a %s", type->name,
                              args->descriptor->name, type->init->name);
    ProtobufCMessage *defaults = NULL;
    if (!args && type->init) {
        if (!(defaults = rom_call_alloc (call, type->init->sizeof_message)))
            return rom_call_fail (call, ROM_NOMEM, "server out of memory");
        type->init->message_init (defaults);
        args = defaults;
    }
    if (romi_hosting_may_create (hosting, romi_sessions_find (&hosting->sessions, call->session), call,
                                 type->name)
        != ROM_OK)
        return call->fail_status;
    s_fresh_t *fresh = rom_call_alloc (call, sizeof *fresh);
    if (!fresh)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    void *state = NULL;
    // While the constructor runs there is no holder yet: what it keeps goes to the new object.
    romi_object_t *factory = call->object;
    void *outer_keeps = call->keeps;
    call->object = NULL;
    call->keeps = NULL;
    if (type->create) {
        char *outer = call->errmsg; // the constructor's text replaces it only if it fails
        rom_status_t status = type->create (entry->servant, entry->ctx, args, &state, call);
        if (status != ROM_OK) {
            romi_refs_adopt (call, NULL);
            call->object = factory;
            call->keeps = outer_keeps;
            return rom_call_fail (call, status == ROM_DEFERRED ? ROM_INTERNAL : status, "creating a %s: %s",
                                  type->name,
                                  call->errmsg && call->errmsg != outer ? call->errmsg
                                                                        : rom_strerror (status));
        }
    }
    romi_object_t *object = romi_objects_add (&hosting->objects, entry, state, NULL);
    romi_refs_adopt (call, object);
    call->object = factory;
    call->keeps = outer_keeps;
    if (!object) {
        if (type->destroy)
            type->destroy (entry->servant, state);
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for a %s", type->name);
    }
    fresh->id = object->id;
    fresh->next = call->fresh;
    call->fresh = fresh;
    romi_refs_fill (hosting, object, ref);
    return ROM_OK;
}

// --- replies: a reference for the caller per ObjectRef -----------------------------------------------------

static rom_status_t
s_export_one (rom_call_t *call, Rom__ObjectRef *ref)
{
    if (ref->id == 0)
        return ROM_OK; // a null reference
    romi_hosting_t *hosting = call->hosting;
    romi_object_t *object = romi_objects_find (&hosting->objects, ref->id);
    if (!object)
        return rom_call_fail (call, ROM_NO_OBJECT, "the reply refers to object %llu, which does not exist",
                              (unsigned long long) ref->id);
    romi_session_t *session = call->session ? romi_sessions_find (&hosting->sessions, call->session) : NULL;
    // Without a session (raw callers) nobody could give the reference back: none is taken.
    if (session && romi_objects_retain (session, object) != 0)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory for a reference to object %llu",
                              (unsigned long long) ref->id);
    romi_refs_fill (hosting, object, ref);
    return ROM_OK;
}

void
romi_refs_fill (const romi_hosting_t *hosting, const romi_object_t *object, Rom__ObjectRef *ref)
{
    ref->endpoint = (char *) hosting->endpoint;
    ref->id = object->id;
    ref->type = (char *) object->entry->type->name;
}

rom_status_t
romi_refs_export (rom_call_t *call, rom_status_t status)
{
    romi_hosting_t *hosting = call->hosting;
    // The manager's own replies (Create, Lookup) take their references themselves; one-way calls get none.
    if (status == ROM_OK && call->object && call->output && !(call->flags & ROM__CALL_FLAGS__CALL_ONEWAY)
        && s_may_hold (hosting, call->output->descriptor))
        status = s_walk (call, call->output, 0, s_export_one);
    for (s_fresh_t *drop = call->drops; drop; drop = drop->next)
        romi_hosting_drop (hosting, drop->id, 1);
    call->drops = NULL;
    if (call->keeps)
        romi_refs_adopt (call, NULL); // a constructor that failed kept references for nothing
    if (call->fresh)
        s_fresh_settle (hosting, call);
    return status;
}

// --- references held by objects ----------------------------------------------------------------------------

rom_status_t
rom_call_keep_ref (rom_call_t *call, const Rom__ObjectRef *ref)
{
    if (!call || !ref)
        return ROM_INVALID;
    if (call->pooled)
        return s_refuse_pooled (call);
    return romi_refs_keep_for (call, call->object, ref);
}

rom_status_t
rom_call_keep_ref_for (rom_call_t *call, uint64_t holder, const Rom__ObjectRef *ref)
{
    if (!call || !ref)
        return ROM_INVALID;
    if (call->pooled)
        return rom_call_fail (call, ROM_INVALID, "a pool type's method cannot keep references");
    romi_object_t *object = romi_objects_find (&call->hosting->objects, holder);
    if (!object)
        return rom_call_fail (call, ROM_NO_OBJECT, "the holder, object %llu, does not exist (on this server)",
                              (unsigned long long) holder);
    return romi_refs_keep_for (call, object, ref);
}

rom_status_t
romi_refs_keep_for (rom_call_t *call, romi_object_t *holder, const Rom__ObjectRef *ref)
{
    romi_object_t *object = romi_objects_find (&call->hosting->objects, ref->id);
    if (!object)
        return rom_call_fail (call, ROM_NO_OBJECT, "object %llu does not exist (on this server)",
                              (unsigned long long) ref->id);
    if (!holder) {
        // A constructor (no object yet): the reference waits in the call for the object it makes.
        s_fresh_t *keep = rom_call_alloc (call, sizeof *keep);
        if (!keep || romi_objects_retain (NULL, object) != 0)
            return rom_call_fail (call, ROM_NOMEM, "server out of memory");
        keep->id = object->id;
        keep->next = call->keeps;
        call->keeps = keep;
        return ROM_OK;
    }
    if (object == holder)
        return rom_call_fail (call, ROM_INVALID, "an object cannot keep a reference to itself");
    romi_object_ext_t *ext = romi_objects_ext_make (&call->hosting->objects, holder);
    if (!ext)
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    uintptr_t count = (uintptr_t) romi_map_get (&ext->held, object->id);
    if (romi_map_put (&ext->held, object->id, (void *) (count + 1)) != 0
        || romi_objects_retain (NULL, object) != 0) {
        if (count)
            romi_map_put (&ext->held, object->id, (void *) count);
        else
            romi_map_remove (&ext->held, object->id);
        return rom_call_fail (call, ROM_NOMEM, "server out of memory");
    }
    return ROM_OK;
}

rom_status_t
rom_call_drop_ref (rom_call_t *call, uint64_t id)
{
    if (!call)
        return ROM_INVALID;
    if (call->pooled)
        return s_refuse_pooled (call);
    romi_object_t *holder = call->object;
    if (!holder) {
        // A constructor letting go of what it kept a moment ago (its own rollback).
        for (s_fresh_t **link = (s_fresh_t **) &call->keeps; *link; link = &(*link)->next)
            if ((*link)->id == id) {
                *link = (*link)->next;
                romi_hosting_drop (call->hosting, id, 1);
                return ROM_OK;
            }
    }
    romi_object_ext_t *ext = holder ? romi_objects_ext (&call->hosting->objects, holder) : NULL;
    uintptr_t count = ext ? (uintptr_t) romi_map_get (&ext->held, id) : 0;
    if (count == 0)
        return rom_call_fail (call, ROM_NO_OBJECT, "this object keeps no reference to object %llu",
                              (unsigned long long) id);
    if (count == 1)
        romi_map_remove (&ext->held, id);
    else
        romi_map_put (&ext->held, id, (void *) (count - 1)); // replaces: cannot fail
    s_fresh_t *drop = rom_call_alloc (call, sizeof *drop);
    if (!drop) {
        romi_hosting_drop (call->hosting, id, 1); // no memory to wait: drop now
        return ROM_OK;
    }
    drop->id = id;
    drop->next = call->drops;
    call->drops = drop;
    return ROM_OK;
}

void
romi_refs_adopt (rom_call_t *call, romi_object_t *object)
{
    romi_hosting_t *hosting = call->hosting;
    for (s_fresh_t *keep = call->keeps; keep; keep = keep->next) {
        romi_object_ext_t *ext = object ? romi_objects_ext_make (&hosting->objects, object) : NULL;
        uintptr_t count = ext ? (uintptr_t) romi_map_get (&ext->held, keep->id) : 0;
        if (!ext || romi_map_put (&ext->held, keep->id, (void *) (count + 1)) != 0)
            romi_hosting_drop (hosting, keep->id, 1); // no holder (or no memory for one): the reference goes
    }
    call->keeps = NULL;
}
