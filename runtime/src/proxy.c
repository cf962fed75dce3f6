// proxy.c: proxies (one reference to one remote object each), futures, and proxy tokens.
//
// Generated typed proxies are casts of rom_proxy_t and their methods forward here; every call of every
// mode (sync, async, one-way, with or without a deadline) goes through s_call () to the client's one call
// path (romi_client_call ()), so all call behaviour (deadlines, error texts, reply unpacking) lives in one
// place. A proxy is attached to its client (romi_attached_t) so that the client, which never calls into
// this file, can re-take its reference or orphan it.
#include "rom_private.h"
#include "romi_message.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A tag at the head of every proxy: a handle of another kind (or a destroyed proxy, while its memory is not
// reused) passed where a proxy belongs is refused with ROM_INVALID instead of followed (czmq's rule).
#define ROM_PROXY_TAG 0x726f6d50u // "romP"
#define ROM_PROXY_DEAD 0xdeadbeefu

struct _rom_proxy_t {
    uint32_t tag;
    bool owns_client;         // made from a token without a client: the proxy closes it
    rom_client_t *client;     // NULL once the client was destroyed (s_orphan ())
    romi_attached_t attached; // in its client's list while both live
    const rom_type_t *type;
    uint64_t id;
    uint64_t incarnation; // the server run its object lives in: a restarted server has it not
};

struct _rom_future_t {
    rom_client_t *client;
    romi_pending_t pending;
};

// Its client is being destroyed: its calls answer ROM_UNAVAILABLE from now on.
static void
s_orphan (romi_attached_t *attached)
{
    romi_container_of (attached, rom_proxy_t, attached)->client = NULL;
}

// The "type#id" of a proxy's object, for rom_client_fail_at ().
static romi_what_t
s_what (const rom_proxy_t *self, const char *method)
{
    return (romi_what_t) {.type = self->type->name, .id = self->id, .method = method};
}

static rom_status_t
s_proxy_new (rom_client_t *client, const rom_type_t *type, uint64_t id, rom_proxy_t **proxy_p)
{
    rom_proxy_t *self = calloc (1, sizeof *self);
    if (!self) {
        romi_what_t what = {.type = type->name, .id = id};
        return romi_client_fail_at (client, ROM_NOMEM, &what, "out of memory for a proxy");
    }
    self->tag = ROM_PROXY_TAG;
    self->client = client;
    self->type = type;
    self->id = id;
    self->incarnation = romi_client_incarnation (client);
    // Attached to its client, which orphans it when it goes, so it never keeps a dangling client.
    self->attached.object_id = id;
    self->attached.orphan = s_orphan;
    romi_client_attach (client, &self->attached);
    *proxy_p = self;
    return ROM_OK;
}

// A client handle that a function was given: NULL (or a foreign pointer) is ROM_INVALID, never followed.
static rom_status_t
s_client_ok (rom_client_t *client, const char *what)
{
    if (rom_client_valid (client))
        return ROM_OK;
    return rom_client_fail (NULL, ROM_INVALID, "%s: %s", what,
                            client ? "not a client handle" : "no client (NULL)");
}

// A manager call's reference request for `id`.
static rom_status_t
s_ref_call (rom_client_t *client, unsigned method, uint64_t id)
{
    Rom__RefRequest req = ROM__REF_REQUEST__INIT;
    req.id = id;
    return romi_client_manager_call (client, method, &req.base, &rom__empty__descriptor, NULL);
}

// Check an ObjectRef from the server and make the proxy; on failure the server's reference is returned.
static rom_status_t
s_from_ref (rom_client_t *client, const rom_type_t *type, Rom__ObjectRef *ref, rom_proxy_t **proxy_p)
{
    rom_status_t status;
    if (strcmp (ref->type, type->name) != 0) {
        s_ref_call (client, ROM__MANAGER_METHOD__RELEASE, ref->id);
        status = rom_client_fail (client, ROM_WRONG_TYPE, "object %llu is a %s, not a %s",
                                  (unsigned long long) ref->id, ref->type, type->name);
    } else
        status = s_proxy_new (client, type, ref->id, proxy_p);
    rom__object_ref__free_unpacked (ref, NULL);
    return status;
}

rom_status_t
rom_proxy_from_ref (rom_client_t *client, const rom_type_t *type, const Rom__ObjectRef *ref,
                    rom_proxy_t **proxy_p)
{
    if (!proxy_p)
        return rom_client_fail (NULL, ROM_INVALID, "rom_proxy_from_ref: proxy_p is NULL");
    *proxy_p = NULL;
    if (s_client_ok (client, "rom_proxy_from_ref") != ROM_OK)
        return ROM_INVALID;
    if (!type || !ref || ref->id == 0)
        return rom_client_fail (client, ROM_INVALID, "%s: %s", type ? type->name : "rom_proxy_from_ref",
                                type ? "a null object reference" : "no type");
    if (!ref->type || strcmp (ref->type, type->name) != 0)
        return rom_client_fail (client, ROM_WRONG_TYPE, "object %llu is a %s, not a %s",
                                (unsigned long long) ref->id, ref->type ? ref->type : "(no type)",
                                type->name);
    return s_proxy_new (client, type, ref->id, proxy_p);
}

void
rom_ref_release (rom_client_t *client, const Rom__ObjectRef *ref)
{
    if (!rom_client_valid (client) || !ref || ref->id == 0)
        return;
    s_ref_call (client, ROM__MANAGER_METHOD__RELEASE, ref->id);
}

void
rom_proxy_ref (const rom_proxy_t *self, Rom__ObjectRef *ref)
{
    if (!ref)
        return;
    rom__object_ref__init (ref);
    if (rom_proxy_check (self, NULL) != ROM_OK)
        return; // a null ref (id 0): the server refuses it
    ref->endpoint = (char *) (self->client ? rom_client_endpoint (self->client) : "");
    ref->id = self->id;
    ref->type = (char *) self->type->name;
}

// The checks every function that makes a proxy from a client starts with.
static rom_status_t
s_make_args_ok (rom_client_t *client, const rom_type_t *type, void *out_p, const char *what)
{
    if (!out_p)
        return rom_client_fail (NULL, ROM_INVALID, "%s: no place for the result (NULL)", what);
    if (s_client_ok (client, what) != ROM_OK)
        return ROM_INVALID;
    if (!type || !type->name)
        return rom_client_fail (client, ROM_INVALID, "%s: no type", what);
    return ROM_OK;
}

// The reply of a future whose result is a rom.ObjectRef came after its caller gave up on it (or never will):
// the reference it carries is given back, so an abandoned create leaks nothing on the server.
static void
s_ref_abandoned (rom_client_t *client, romi_pending_t *pending)
{
    rom_future_t *future = (rom_future_t *) ((char *) pending - offsetof (rom_future_t, pending));
    if (client && pending->done && pending->status == ROM_OK) {
        const void *data = romi_frame_cdata (&pending->payload);
        size_t size = romi_frame_size (&pending->payload);
        Rom__ObjectRef *ref = romi_wire_too_deep (&rom__object_ref__descriptor, data, size)
                                  ? NULL
                                  : rom__object_ref__unpack (NULL, size, data);
        if (ref && ref->id != 0) {
            // One-way, as rom_proxy_destroy () does: this runs inside another call's wait.
            romi_client_release (client, ref->id);
        }
        if (ref)
            rom__object_ref__free_unpacked (ref, NULL);
    }
    romi_pending_clear (pending);
    free (future);
}

// Send an async call for a new future; `abandoned` (may be NULL) receives its reply if the future is
// destroyed before it is collected.
static rom_status_t
s_future_call (rom_client_t *client, const romi_call_spec_t *spec, const ProtobufCMessage *in,
               void (*abandoned) (rom_client_t *, romi_pending_t *), rom_future_t **future_p)
{
    rom_future_t *future = calloc (1, sizeof *future);
    if (!future)
        return romi_client_fail_at (client, ROM_NOMEM, &spec->what, "out of memory for a future");
    future->client = client;
    future->pending.abandoned = abandoned;
    rom_status_t status = romi_client_call (client, spec, in, &future->pending, NULL);
    if (status != ROM_OK) {
        free (future);
        return status;
    }
    *future_p = future;
    return ROM_OK;
}

// What rom_proxy_create () and rom_proxy_create_async () are asked for (s_create ()).
typedef struct {
    const char *caller; // the public function, for error texts
    const char *name;
    const ProtobufCMessage *args;
    unsigned flags;
    bool async;
    rom_proxy_t **proxy_p;   // sync: the proxy made
    rom_future_t **future_p; // async: the future of its reference
} romi_create_how_t;

// Both creates are one Manager.Create call, sync or async; the arguments are packed into a stack buffer
// when they are small.
static rom_status_t
s_create (rom_client_t *client, const rom_type_t *type, const romi_create_how_t *how)
{
    rom_status_t status = s_make_args_ok (client, type,
                                          how->async ? (void *) how->future_p : (void *) how->proxy_p,
                                          how->caller);
    if (status != ROM_OK)
        return status;
    if (how->async)
        *how->future_p = NULL;
    else
        *how->proxy_p = NULL;
    char path[128];
    if (type->init && romi_message_missing_required (type->init, how->args, path, sizeof path))
        return rom_client_fail (client, ROM_INVALID, "creating a %s: %s%s has required field '%s' unset",
                                type->name, how->args ? "" : "args is NULL, but ", type->init->name, path);
    Rom__CreateRequest req = ROM__CREATE_REQUEST__INIT;
    req.type = (char *) type->name;
    req.name = (char *) (how->name ? how->name : "");
    req.exist_ok = (how->flags & ROM_CREATE_EXIST_OK) != 0;
    uint8_t small[256], *buf = small;
    if (how->args) {
        size_t size = protobuf_c_message_get_packed_size (how->args);
        if (size > sizeof small && !(buf = malloc (size)))
            return rom_client_fail (client, ROM_NOMEM, "creating a %s: out of memory", type->name);
        req.args.len = protobuf_c_message_pack (how->args, buf);
        req.args.data = buf;
    }
    romi_call_spec_t spec = {.what = {.type = "rom.Manager", .id = ROM_MANAGER_ID, .method = "Create"},
                             .method = ROM__MANAGER_METHOD__CREATE,
                             .mode = how->async ? ROMI_CALL_ASYNC : ROMI_CALL_SYNC,
                             .output = &rom__object_ref__descriptor};
    Rom__ObjectRef *ref = NULL;
    if (how->async)
        status = s_future_call (client, &spec, &req.base, s_ref_abandoned, how->future_p);
    else
        status = romi_client_call (client, &spec, &req.base, NULL, (ProtobufCMessage **) &ref);
    if (buf != small)
        free (buf);
    if (status != ROM_OK || how->async)
        return status;
    return s_from_ref (client, type, ref, how->proxy_p);
}

rom_status_t
rom_proxy_create (rom_client_t *client, const rom_type_t *type, const char *name,
                  const ProtobufCMessage *args, unsigned flags, rom_proxy_t **proxy_p)
{
    romi_create_how_t how = {
        .caller = "rom_proxy_create", .name = name, .args = args, .flags = flags, .proxy_p = proxy_p};
    return s_create (client, type, &how);
}

rom_status_t
rom_proxy_create_async (rom_client_t *client, const rom_type_t *type, const char *name,
                        const ProtobufCMessage *args, unsigned flags, rom_future_t **future_p)
{
    romi_create_how_t how = {.caller = "rom_proxy_create_async",
                             .name = name,
                             .args = args,
                             .flags = flags,
                             .async = true,
                             .future_p = future_p};
    return s_create (client, type, &how);
}

rom_status_t
rom_proxy_lookup (rom_client_t *client, const rom_type_t *type, const char *name, rom_proxy_t **proxy_p)
{
    rom_status_t status = s_make_args_ok (client, type, proxy_p, "rom_proxy_lookup");
    if (status != ROM_OK)
        return status;
    *proxy_p = NULL;
    Rom__LookupRequest req = ROM__LOOKUP_REQUEST__INIT;
    req.name = (char *) (name ? name : "");
    req.type = (char *) type->name;
    Rom__ObjectRef *ref = NULL;
    status = romi_client_manager_call (client, ROM__MANAGER_METHOD__LOOKUP, &req.base,
                                       &rom__object_ref__descriptor, (ProtobufCMessage **) &ref);
    if (status != ROM_OK)
        return status;
    return s_from_ref (client, type, ref, proxy_p);
}

static rom_status_t
s_retain (rom_client_t *client, const rom_type_t *type, uint64_t id, rom_proxy_t **proxy_p)
{
    rom_status_t status = s_ref_call (client, ROM__MANAGER_METHOD__RETAIN, id);
    if (status != ROM_OK)
        return status;
    return s_proxy_new (client, type, id, proxy_p);
}

rom_status_t
rom_proxy_check (const rom_proxy_t *self, const rom_type_t *type)
{
    if (!self)
        return rom_client_fail (NULL, ROM_INVALID, "%s: no proxy (NULL)", type ? type->name : "proxy");
    if (self->tag != ROM_PROXY_TAG)
        return rom_client_fail (NULL, ROM_INVALID,
                                "%s: the handle is not a live proxy (destroyed, or of another kind)",
                                type ? type->name : "proxy");
    if (type && self->type != type && strcmp (self->type->name, type->name) != 0) {
        romi_what_t what = s_what (self, NULL);
        return romi_client_fail_at (self->client, ROM_INVALID, &what, "the proxy is not a %s", type->name);
    }
    return ROM_OK;
}

// A proxy that can reach its server: valid, and its client alive.
static rom_status_t
s_live (const rom_proxy_t *self)
{
    rom_status_t status = rom_proxy_check (self, NULL);
    if (status != ROM_OK)
        return status;
    romi_what_t what = s_what (self, NULL);
    if (!self->client)
        return romi_client_fail_at (NULL, ROM_UNAVAILABLE, &what, "its client was destroyed");
    return ROM_OK;
}

// An input the server could not decode, refused here with the field that makes it so: a proto2 message
// with a `required` field unset (or a NULL one, the empty message, when its type has any).
static rom_status_t
s_input_ok (rom_client_t *client, const romi_what_t *what, const ProtobufCMessageDescriptor *type,
            const ProtobufCMessage *in)
{
    char path[128];
    if (!romi_message_missing_required (type, in, path, sizeof path))
        return ROM_OK;
    return romi_client_fail_at (client, ROM_INVALID, what, "%s%s has required field '%s' unset",
                                in ? "" : "in is NULL, but ", type->name, path);
}

// A proxy that can make a call: live, the method in its type, an input its server can decode.
static rom_status_t
s_callable (const rom_proxy_t *self, unsigned method, const ProtobufCMessage *in)
{
    rom_status_t status = s_live (self);
    if (status != ROM_OK)
        return status;
    romi_what_t what = s_what (self, NULL);
    if (method >= self->type->n_methods)
        return romi_client_fail_at (self->client, ROM_NO_METHOD, &what, "no method %u (%s has %u)", method,
                                    self->type->name, self->type->n_methods);
    const rom_method_t *m = &self->type->methods[method];
    what = s_what (self, m->name);
    return s_input_ok (self->client, &what, m->input, in);
}

rom_status_t
rom_proxy_dup (rom_proxy_t *self, rom_proxy_t **copy_p)
{
    if (!copy_p)
        return rom_client_fail (NULL, ROM_INVALID, "rom_proxy_dup: copy_p is NULL");
    *copy_p = NULL;
    rom_status_t status = s_live (self);
    if (status != ROM_OK)
        return status;
    romi_what_t what = s_what (self, NULL);
    if (self->incarnation != romi_client_incarnation (self->client))
        return romi_client_fail_at (self->client, ROM_NO_OBJECT, &what,
                                    "the server restarted since this proxy was made: its object is gone");
    return s_retain (self->client, self->type, self->id, copy_p);
}

void
rom_proxy_destroy (rom_proxy_t **self_p)
{
    if (!self_p || rom_proxy_check (*self_p, NULL) != ROM_OK)
        return;
    rom_proxy_t *self = *self_p;
    if (self->client) {
        romi_client_detach (self->client, &self->attached);
        // One-way: a release needs no answer, and a proxy dropped on a dead server must not cost a timeout.
        // It travels on the same socket as this thread's later calls, so it can never overtake them. An
        // object of a previous server run is gone already.
        if (self->incarnation == romi_client_incarnation (self->client))
            romi_client_release (self->client, self->id);
        if (self->owns_client)
            rom_client_destroy (&self->client);
    }
    self->tag = ROM_PROXY_DEAD;
    free (self);
    *self_p = NULL;
}

uint64_t
rom_proxy_id (const rom_proxy_t *self)
{
    return rom_proxy_check (self, NULL) == ROM_OK ? self->id : 0;
}

const rom_type_t *
rom_proxy_type (const rom_proxy_t *self)
{
    return rom_proxy_check (self, NULL) == ROM_OK ? self->type : NULL;
}

rom_client_t *
rom_proxy_client (const rom_proxy_t *self)
{
    return rom_proxy_check (self, NULL) == ROM_OK ? self->client : NULL;
}

// How a proxy's method is called (s_call ()).
typedef struct {
    romi_call_mode_t mode;
    uint32_t timeout_ms;     // 0: the client's deadline; else exact, ROM_FOREVER for none
    ProtobufCMessage **out;  // ROMI_CALL_SYNC: the reply
    rom_future_t **future_p; // ROMI_CALL_ASYNC: the future of the reply
} romi_proxy_how_t;

// Call `method` of the proxy's object, in any mode: every public call function is this with its `how`.
static rom_status_t
s_call (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, romi_proxy_how_t how)
{
    if (how.out)
        *how.out = NULL;
    if (how.mode == ROMI_CALL_ASYNC) {
        if (!how.future_p)
            return rom_client_fail (NULL, ROM_INVALID, "%s: future_p is NULL",
                                    rom_proxy_check (self, NULL) == ROM_OK ? self->type->name : "proxy");
        *how.future_p = NULL;
    }
    rom_status_t status = s_callable (self, method, in);
    if (status != ROM_OK)
        return status;
    const rom_method_t *m = &self->type->methods[method];
    romi_call_spec_t spec = {
        .what = s_what (self, m->name),
        .method = method,
        .type_hash = self->type->hash,
        .incarnation = self->incarnation,
        .mode = how.mode,
        .output = m->output,
        .timeout_ms = how.timeout_ms,
    };
    if (how.mode == ROMI_CALL_ASYNC)
        return s_future_call (self->client, &spec, in, NULL, how.future_p);
    return romi_client_call (self->client, &spec, in, NULL, how.out);
}

rom_status_t
rom_proxy_call (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    return s_call (self, method, in, (romi_proxy_how_t) {.mode = ROMI_CALL_SYNC, .out = out});
}

rom_status_t
rom_proxy_call_async (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, rom_future_t **future_p)
{
    return s_call (self, method, in, (romi_proxy_how_t) {.mode = ROMI_CALL_ASYNC, .future_p = future_p});
}

rom_status_t
rom_proxy_call_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t timeout_ms,
                        ProtobufCMessage **out)
{
    romi_proxy_how_t how = {.mode = ROMI_CALL_SYNC, .timeout_ms = timeout_ms ? timeout_ms : 1, .out = out};
    return s_call (self, method, in, how);
}

rom_status_t
rom_proxy_call_async_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in,
                              uint32_t timeout_ms, rom_future_t **future_p)
{
    romi_proxy_how_t how = {.mode = ROMI_CALL_ASYNC,
                            .timeout_ms = timeout_ms ? timeout_ms : 1,
                            .future_p = future_p};
    return s_call (self, method, in, how);
}

rom_status_t
rom_proxy_call_oneway (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in)
{
    return s_call (self, method, in, (romi_proxy_how_t) {.mode = ROMI_CALL_ONEWAY});
}

rom_status_t
rom_future_wait (rom_future_t **future_p, ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    rom_future_t *future = future_p ? *future_p : NULL;
    if (!future)
        return rom_client_fail (NULL, ROM_INVALID, "rom_future_wait: no future (NULL)");
    rom_status_t status = romi_client_wait (future->client, &future->pending, out);
    free (future);
    *future_p = NULL;
    return status;
}

rom_status_t
rom_future_wait_proxy (rom_future_t **future_p, const rom_type_t *type, rom_proxy_t **proxy_p)
{
    if (!proxy_p)
        return rom_client_fail (NULL, ROM_INVALID, "rom_future_wait_proxy: proxy_p is NULL");
    *proxy_p = NULL;
    rom_future_t *future = future_p ? *future_p : NULL;
    if (!future)
        return rom_client_fail (NULL, ROM_INVALID, "rom_future_wait_proxy: no future (NULL)");
    rom_client_t *client = future->client;
    if (future->pending.output != &rom__object_ref__descriptor || !type) {
        const char *method = future->pending.what.method;
        rom_future_destroy (future_p);
        return rom_client_fail (client, ROM_INVALID, "%s: %s", method,
                                type ? "its reply is not a rom.ObjectRef (not a create)" : "no type");
    }
    Rom__ObjectRef *ref = NULL;
    rom_status_t status = rom_future_wait (future_p, (ProtobufCMessage **) &ref);
    if (status != ROM_OK)
        return status;
    return s_from_ref (client, type, ref, proxy_p);
}

void
rom_future_destroy (rom_future_t **future_p)
{
    rom_future_t *future = future_p ? *future_p : NULL;
    if (!future)
        return;
    if (!romi_client_forget (future->client, &future->pending))
        free (future); // otherwise its hook frees it, with the reply
    *future_p = NULL;
}

char *
rom_proxy_to_token (const rom_proxy_t *self)
{
    if (rom_proxy_check (self, NULL) != ROM_OK || !self->client)
        return NULL;
    const char *endpoint = rom_client_endpoint (self->client);
    size_t size = strlen (endpoint) + strlen (self->type->name) + 24;
    char *token = malloc (size);
    if (token)
        snprintf (token, size, "%s#%" PRIu64 "#%s", endpoint, self->id, self->type->name);
    return token;
}

rom_status_t
rom_proxy_from_token (rom_client_t *client, const rom_type_t *type, const char *token, rom_proxy_t **proxy_p)
{
    if (!proxy_p)
        return rom_client_fail (NULL, ROM_INVALID, "rom_proxy_from_token: proxy_p is NULL");
    *proxy_p = NULL;
    if (client && !rom_client_valid (client))
        return rom_client_fail (NULL, ROM_INVALID, "rom_proxy_from_token: not a client handle");
    if (!type || !type->name)
        return rom_client_fail (client, ROM_INVALID, "rom_proxy_from_token: no type");
    // endpoint#id#type, read from the right: an endpoint could contain '#', a type name cannot.
    const char *hash_type = token ? strrchr (token, '#') : NULL;
    const char *hash_id = NULL;
    for (const char *p = hash_type; p && p > token;)
        if (*--p == '#') {
            hash_id = p;
            break;
        }
    char *end = NULL;
    unsigned long long id = hash_id ? strtoull (hash_id + 1, &end, 10) : 0;
    if (!hash_id || end != hash_type || id == 0)
        return rom_client_fail (client, ROM_INVALID, "\"%s\" is not a proxy token (endpoint#id#type)",
                                token ? token : "(null)");
    bool owns = false;
    if (!client) {
        size_t n = (size_t) (hash_id - token);
        char *endpoint = malloc (n + 1);
        if (!endpoint)
            return rom_client_fail (NULL, ROM_NOMEM, "out of memory");
        memcpy (endpoint, token, n);
        endpoint[n] = '\0';
        // A process started with exec has no authkey of its own: like Python's children, which inherit
        // their parent's process authkey, it takes the one its parent put in its environment.
        rom_client_opts_t opts = {.authkey = getenv ("ROM_AUTHKEY")};
        const char *why = NULL;
        rom_status_t status = rom_client_connect (endpoint, &opts, &client, &why);
        free (endpoint);
        if (status != ROM_OK)
            return rom_client_fail (NULL, status, "%s", why ? why : rom_strerror (status));
        owns = true;
    }
    rom_status_t status;
    if (strcmp (hash_type + 1, type->name) != 0)
        status = rom_client_fail (client, ROM_WRONG_TYPE, "the token names a %s, not a %s", hash_type + 1,
                                  type->name);
    else
        status = s_retain (client, type, id, proxy_p);
    if (status == ROM_OK)
        (*proxy_p)->owns_client = owns;
    else if (owns)
        rom_client_destroy (&client);
    return status;
}
