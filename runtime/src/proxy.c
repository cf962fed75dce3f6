// proxy.c: proxies (one reference to one remote object each), futures, and proxy tokens.
//
// Generated typed proxies are casts of rom_proxy_t and their methods forward here, so all call behaviour
// (deadlines, error texts, reply unpacking) lives in one place.
#include "rom_private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A tag at the head of every proxy: a handle of another kind (or a destroyed proxy, while its memory is not
// reused) passed where a proxy belongs is refused with ROM_INVALID instead of followed (czmq's rule).
#define ROM_PROXY_TAG 0x726f6d50u  // "romP"
#define ROM_PROXY_DEAD 0xdeadbeefu

struct _rom_proxy_t {
    uint32_t tag;
    bool owns_client;                  // made from a token without a client: the proxy closes it
    rom_client_t *client;              // NULL once the client was destroyed (romi_proxy_orphan ())
    const rom_type_t *type;
    uint64_t id;
    uint64_t incarnation;              // the server run its object lives in: a restarted server has it not
};

struct _rom_future_t {
    rom_client_t *client;
    romi_pending_t pending;
};

static rom_status_t
s_proxy_new (rom_client_t *client, const rom_type_t *type, uint64_t id, rom_proxy_t **proxy_p)
{
    rom_proxy_t *self = calloc (1, sizeof *self);
    // Registered with its client, which orphans it when it goes: a proxy that could not be would be left
    // with a dangling client, so it is not made.
    if (!self || romi_client_attach (client, self) != 0) {
        free (self);
        return rom_client_fail (client, ROM_NOMEM, "%s#%llu: out of memory for a proxy", type->name,
                                (unsigned long long) id);
    }
    self->tag = ROM_PROXY_TAG;
    self->client = client;
    self->type = type;
    self->id = id;
    self->incarnation = romi_client_incarnation (client);
    *proxy_p = self;
    return ROM_OK;
}

// A client handle that a function was given: NULL (or a foreign pointer) is ROM_INVALID, never followed.
static rom_status_t
s_client_ok (rom_client_t *client, const char *what)
{
    if (rom_client_valid (client))
        return ROM_OK;
    return rom_client_fail (NULL, ROM_INVALID, "%s: %s", what, client ? "not a client handle" : "no client (NULL)");
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
        s_ref_call (client, ROM_MANAGER_RELEASE, ref->id);
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
        return rom_client_fail (client, ROM_WRONG_TYPE, "object %llu is a %s, not a %s", (unsigned long long) ref->id,
                                ref->type ? ref->type : "(no type)", type->name);
    return s_proxy_new (client, type, ref->id, proxy_p);
}

void
rom_ref_release (rom_client_t *client, const Rom__ObjectRef *ref)
{
    if (!rom_client_valid (client) || !ref || ref->id == 0)
        return;
    s_ref_call (client, ROM_MANAGER_RELEASE, ref->id);
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

// A Manager.Create request for `type`; `args` packed into `small`, or into a malloc'ed *buf_p if larger
// (the caller frees *buf_p when it is not `small`).
static rom_status_t
s_create_request (rom_client_t *client, const rom_type_t *type, const char *name, const ProtobufCMessage *args,
                  unsigned flags, Rom__CreateRequest *req, uint8_t *small, size_t small_size, uint8_t **buf_p)
{
    rom__create_request__init (req);
    req->type = (char *) type->name;
    req->name = (char *) (name ? name : "");
    req->exist_ok = (flags & ROM_CREATE_EXIST_OK) != 0;
    *buf_p = small;
    if (args) {
        size_t size = protobuf_c_message_get_packed_size (args);
        if (size > small_size && !(*buf_p = malloc (size)))
            return rom_client_fail (client, ROM_NOMEM, "creating a %s: out of memory", type->name);
        req->args.len = protobuf_c_message_pack (args, *buf_p);
        req->args.data = *buf_p;
    }
    return ROM_OK;
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

rom_status_t
rom_proxy_create (rom_client_t *client, const rom_type_t *type, const char *name, const ProtobufCMessage *args,
                  unsigned flags, rom_proxy_t **proxy_p)
{
    rom_status_t status = s_make_args_ok (client, type, proxy_p, "rom_proxy_create");
    if (status != ROM_OK)
        return status;
    *proxy_p = NULL;
    Rom__CreateRequest req;
    uint8_t small[256], *buf;
    if ((status = s_create_request (client, type, name, args, flags, &req, small, sizeof small, &buf)) != ROM_OK)
        return status;
    Rom__ObjectRef *ref = NULL;
    status = romi_client_manager_call (client, ROM_MANAGER_CREATE, &req.base, &rom__object_ref__descriptor,
                                      (ProtobufCMessage **) &ref);
    if (buf != small)
        free (buf);
    if (status != ROM_OK)
        return status;
    return s_from_ref (client, type, ref, proxy_p);
}

// The reply of a future whose result is a rom.ObjectRef came after its caller gave up on it (or never will):
// the reference it carries is given back, so an abandoned create leaks nothing on the server.
static void
s_ref_abandoned (rom_client_t *client, romi_pending_t *pending)
{
    rom_future_t *future = (rom_future_t *) ((char *) pending - offsetof (rom_future_t, pending));
    if (client && pending->done && pending->status == ROM_OK) {
        const void *data = zmq_msg_data (&pending->payload);
        size_t size = zmq_msg_size (&pending->payload);
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
    free (pending->error);
    zmq_msg_close (&pending->payload);
    free (future);
}

static const romi_call_spec_t s_manager_create = {
    .type = "rom.Manager", .method_name = "Create", .object_id = ROM_MANAGER_ID, .method = ROM_MANAGER_CREATE};

rom_status_t
rom_proxy_create_async (rom_client_t *client, const rom_type_t *type, const char *name,
                        const ProtobufCMessage *args, unsigned flags, rom_future_t **future_p)
{
    rom_status_t status = s_make_args_ok (client, type, future_p, "rom_proxy_create_async");
    if (status != ROM_OK)
        return status;
    *future_p = NULL;
    Rom__CreateRequest req;
    uint8_t small[256], *buf;
    if ((status = s_create_request (client, type, name, args, flags, &req, small, sizeof small, &buf)) != ROM_OK)
        return status;
    rom_future_t *future = calloc (1, sizeof *future);
    if (!future)
        status = rom_client_fail (client, ROM_NOMEM, "creating a %s: out of memory for a future", type->name);
    else {
        future->client = client;
        future->pending.output = &rom__object_ref__descriptor;
        future->pending.abandoned = s_ref_abandoned;
        status = romi_client_send (client, &s_manager_create, &req.base, &future->pending);
    }
    if (buf != small)
        free (buf);
    if (status != ROM_OK) {
        free (future);
        return status;
    }
    *future_p = future;
    return ROM_OK;
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
    status = romi_client_manager_call (client, ROM_MANAGER_LOOKUP, &req.base, &rom__object_ref__descriptor,
                                      (ProtobufCMessage **) &ref);
    if (status != ROM_OK)
        return status;
    return s_from_ref (client, type, ref, proxy_p);
}

static rom_status_t
s_retain (rom_client_t *client, const rom_type_t *type, uint64_t id, rom_proxy_t **proxy_p)
{
    rom_status_t status = s_ref_call (client, ROM_MANAGER_RETAIN, id);
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
        return rom_client_fail (NULL, ROM_INVALID, "%s: the handle is not a live proxy (destroyed, or of another kind)",
                                type ? type->name : "proxy");
    if (type && self->type != type && strcmp (self->type->name, type->name) != 0)
        return rom_client_fail (self->client, ROM_INVALID, "%s#%llu: the proxy is not a %s", self->type->name,
                                (unsigned long long) self->id, type->name);
    return ROM_OK;
}

// A proxy that can reach its server: valid, and its client alive.
static rom_status_t
s_live (const rom_proxy_t *self)
{
    rom_status_t status = rom_proxy_check (self, NULL);
    if (status != ROM_OK)
        return status;
    if (!self->client)
        return rom_client_fail (NULL, ROM_UNAVAILABLE, "%s#%llu: its client was destroyed", self->type->name,
                                (unsigned long long) self->id);
    return ROM_OK;
}

// A proxy that can make a call: live, the method in its type.
static rom_status_t
s_callable (const rom_proxy_t *self, unsigned method)
{
    rom_status_t status = s_live (self);
    if (status != ROM_OK)
        return status;
    if (method >= self->type->n_methods)
        return rom_client_fail (self->client, ROM_NO_METHOD, "%s#%llu: no method %u (%s has %u)",
                                self->type->name, (unsigned long long) self->id, method, self->type->name,
                                self->type->n_methods);
    return ROM_OK;
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
    if (self->incarnation != romi_client_incarnation (self->client))
        return rom_client_fail (self->client, ROM_NO_OBJECT, "%s#%llu: the server restarted since this proxy was "
                                "made: its object is gone", self->type->name, (unsigned long long) self->id);
    return s_retain (self->client, self->type, self->id, copy_p);
}

void
romi_proxy_orphan (rom_proxy_t *self)
{
    self->client = NULL;
}

void
rom_proxy_destroy (rom_proxy_t **self_p)
{
    if (!self_p || rom_proxy_check (*self_p, NULL) != ROM_OK)
        return;
    rom_proxy_t *self = *self_p;
    if (self->client) {
        romi_client_detach (self->client, self);
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

// Send call `method` of the proxy's object; the sent call is `pending` (NULL: one-way).
static rom_status_t
s_send (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t flags, uint32_t timeout_ms,
        romi_pending_t *pending)
{
    rom_status_t status = s_callable (self, method);
    if (status != ROM_OK)
        return status;
    romi_call_spec_t spec = {
        .type = self->type->name,
        .method_name = self->type->methods[method].name,
        .object_id = self->id,
        .type_hash = self->type->hash,
        .incarnation = self->incarnation,
        .method = method,
        .flags = flags,
        .timeout_ms = timeout_ms,
    };
    if (pending) {
        memset (pending, 0, sizeof *pending);
        pending->output = self->type->methods[method].output;
    }
    return romi_client_send (self->client, &spec, in, pending);
}

// A blocking call: send, then wait for its reply.
static rom_status_t
s_call (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t timeout_ms, ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    romi_pending_t pending;
    rom_status_t status = s_send (self, method, in, 0, timeout_ms, &pending);
    if (status != ROM_OK)
        return status;
    return romi_client_wait (self->client, &pending, out);
}

// An async call: send, and hand the caller a future for its reply.
static rom_status_t
s_call_async (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t timeout_ms,
              rom_future_t **future_p)
{
    if (!future_p)
        return rom_client_fail (NULL, ROM_INVALID, "%s: future_p is NULL",
                                rom_proxy_check (self, NULL) == ROM_OK ? self->type->name : "proxy");
    *future_p = NULL;
    rom_status_t status = s_callable (self, method);
    if (status != ROM_OK)
        return status;
    rom_future_t *future = malloc (sizeof *future);
    if (!future)
        return rom_client_fail (self->client, ROM_NOMEM, "%s#%llu.%s: out of memory for a future",
                                self->type->name, (unsigned long long) self->id, self->type->methods[method].name);
    future->client = self->client;
    if ((status = s_send (self, method, in, 0, timeout_ms, &future->pending)) != ROM_OK) {
        free (future);
        return status;
    }
    *future_p = future;
    return ROM_OK;
}

rom_status_t
rom_proxy_call (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    return s_call (self, method, in, 0, out);
}

rom_status_t
rom_proxy_call_async (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, rom_future_t **future_p)
{
    return s_call_async (self, method, in, 0, future_p);
}

rom_status_t
rom_proxy_call_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t timeout_ms,
                        ProtobufCMessage **out)
{
    return s_call (self, method, in, timeout_ms ? timeout_ms : 1, out);
}

rom_status_t
rom_proxy_call_async_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t timeout_ms,
                              rom_future_t **future_p)
{
    return s_call_async (self, method, in, timeout_ms ? timeout_ms : 1, future_p);
}

rom_status_t
rom_proxy_call_oneway (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in)
{
    return s_send (self, method, in, ROM__CALL_FLAGS__CALL_ONEWAY, 0, NULL);
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
        const char *method = future->pending.what_method;
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
