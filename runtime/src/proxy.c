// proxy.c: proxies (one reference to one remote object each), futures, and proxy tokens.
//
// Generated typed proxies are casts of rom_proxy_t and their methods forward here, so all call behaviour
// (deadlines, error texts, reply unpacking) lives in one place.
#include "rom_private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _rom_proxy_t {
    rom_client_t *client;
    const rom_type_t *type;
    uint64_t id;
    bool owns_client;                  // made from a token without a client: the proxy closes it
};

struct _rom_future_t {
    rom_client_t *client;
    rom_pending_t pending;
};

static rom_status_t
s_proxy_new (rom_client_t *client, const rom_type_t *type, uint64_t id, rom_proxy_t **proxy_p)
{
    rom_proxy_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_client_fail (client, ROM_NOMEM, "%s#%llu: out of memory for a proxy", type->name,
                                (unsigned long long) id);
    self->client = client;
    self->type = type;
    self->id = id;
    rom_client_attach (client, self);
    *proxy_p = self;
    return ROM_OK;
}

// Check an ObjectRef from the server and make the proxy; on failure the server's reference is returned.
static rom_status_t
s_from_ref (rom_client_t *client, const rom_type_t *type, Rom__ObjectRef *ref, rom_proxy_t **proxy_p)
{
    rom_status_t status;
    if (strcmp (ref->type, type->name) != 0) {
        Rom__RefRequest req = ROM__REF_REQUEST__INIT;
        req.id = ref->id;
        rom_client_manager_call (client, ROM_MANAGER_RELEASE, &req.base, &rom__empty__descriptor, NULL);
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
    *proxy_p = NULL;
    if (!client || !type || !ref || ref->id == 0)
        return client ? rom_client_fail (client, ROM_INVALID, "%s: a null object reference", type ? type->name : "?")
                      : ROM_INVALID;
    if (!ref->type || strcmp (ref->type, type->name) != 0)
        return rom_client_fail (client, ROM_WRONG_TYPE, "object %llu is a %s, not a %s", (unsigned long long) ref->id,
                                ref->type ? ref->type : "(no type)", type->name);
    return s_proxy_new (client, type, ref->id, proxy_p);
}

void
rom_ref_release (rom_client_t *client, const Rom__ObjectRef *ref)
{
    if (!client || !ref || ref->id == 0)
        return;
    Rom__RefRequest req = ROM__REF_REQUEST__INIT;
    req.id = ref->id;
    rom_client_manager_call (client, ROM_MANAGER_RELEASE, &req.base, &rom__empty__descriptor, NULL);
}

void
rom_proxy_ref (const rom_proxy_t *self, Rom__ObjectRef *ref)
{
    rom__object_ref__init (ref);
    ref->endpoint = (char *) rom_client_endpoint (self->client);
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

rom_status_t
rom_proxy_create (rom_client_t *client, const rom_type_t *type, const char *name, const ProtobufCMessage *args,
                  unsigned flags, rom_proxy_t **proxy_p)
{
    *proxy_p = NULL;
    Rom__CreateRequest req;
    uint8_t small[256], *buf;
    rom_status_t status = s_create_request (client, type, name, args, flags, &req, small, sizeof small, &buf);
    if (status != ROM_OK)
        return status;
    Rom__ObjectRef *ref = NULL;
    status = rom_client_manager_call (client, ROM_MANAGER_CREATE, &req.base, &rom__object_ref__descriptor,
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
s_ref_abandoned (rom_client_t *client, rom_pending_t *pending)
{
    rom_future_t *future = (rom_future_t *) ((char *) pending - offsetof (rom_future_t, pending));
    if (client && pending->done && pending->status == ROM_OK) {
        const void *data = zmq_msg_data (&pending->payload);
        size_t size = zmq_msg_size (&pending->payload);
        Rom__ObjectRef *ref = rom_wire_too_deep (&rom__object_ref__descriptor, data, size)
                                  ? NULL
                                  : rom__object_ref__unpack (NULL, size, data);
        if (ref && ref->id != 0) {
            // One-way, as rom_proxy_destroy () does: this runs inside another call's wait.
            Rom__RefRequest req = ROM__REF_REQUEST__INIT;
            req.id = ref->id;
            rom_client_send (client, ROM_MANAGER_ID, 0, ROM_MANAGER_RELEASE, &req.base,
                             ROM__CALL_FLAGS__CALL_ONEWAY, NULL);
        }
        if (ref)
            rom__object_ref__free_unpacked (ref, NULL);
    }
    free (pending->error);
    zmq_msg_close (&pending->payload);
    free (future);
}

rom_status_t
rom_proxy_create_async (rom_client_t *client, const rom_type_t *type, const char *name,
                        const ProtobufCMessage *args, unsigned flags, rom_future_t **future_p)
{
    *future_p = NULL;
    if (!client || !type)
        return client ? rom_client_fail (client, ROM_INVALID, "creating: no type") : ROM_INVALID;
    Rom__CreateRequest req;
    uint8_t small[256], *buf;
    rom_status_t status = s_create_request (client, type, name, args, flags, &req, small, sizeof small, &buf);
    if (status != ROM_OK)
        return status;
    rom_future_t *future = calloc (1, sizeof *future);
    if (!future)
        status = rom_client_fail (client, ROM_NOMEM, "creating a %s: out of memory for a future", type->name);
    else {
        future->client = client;
        future->pending.output = &rom__object_ref__descriptor;
        future->pending.what_type = "rom.Manager";
        future->pending.what_method = "Create";
        future->pending.abandoned = s_ref_abandoned;
        status = rom_client_send (client, ROM_MANAGER_ID, 0, ROM_MANAGER_CREATE, &req.base, 0, &future->pending);
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
    *proxy_p = NULL;
    Rom__LookupRequest req = ROM__LOOKUP_REQUEST__INIT;
    req.name = (char *) (name ? name : "");
    req.type = (char *) type->name;
    Rom__ObjectRef *ref = NULL;
    rom_status_t status = rom_client_manager_call (client, ROM_MANAGER_LOOKUP, &req.base,
                                                   &rom__object_ref__descriptor, (ProtobufCMessage **) &ref);
    if (status != ROM_OK)
        return status;
    return s_from_ref (client, type, ref, proxy_p);
}

static rom_status_t
s_retain (rom_client_t *client, const rom_type_t *type, uint64_t id, rom_proxy_t **proxy_p)
{
    Rom__RefRequest req = ROM__REF_REQUEST__INIT;
    req.id = id;
    rom_status_t status = rom_client_manager_call (client, ROM_MANAGER_RETAIN, &req.base,
                                                   &rom__empty__descriptor, NULL);
    if (status != ROM_OK)
        return status;
    return s_proxy_new (client, type, id, proxy_p);
}

rom_status_t
rom_proxy_dup (rom_proxy_t *self, rom_proxy_t **copy_p)
{
    *copy_p = NULL;
    return s_retain (self->client, self->type, self->id, copy_p);
}

void
rom_proxy_destroy (rom_proxy_t **self_p)
{
    rom_proxy_t *self = *self_p;
    if (!self)
        return;
    rom_client_detach (self->client, self);
    // One-way: a release needs no answer, and a proxy dropped on a dead server must not cost a timeout.
    // It travels on the same socket as this thread's later calls, so it can never overtake them.
    rom_client_release (self->client, self->id);
    if (self->owns_client)
        rom_client_destroy (&self->client);
    free (self);
    *self_p = NULL;
}

uint64_t
rom_proxy_id (const rom_proxy_t *self)
{
    return self->id;
}

const rom_type_t *
rom_proxy_type (const rom_proxy_t *self)
{
    return self->type;
}

rom_client_t *
rom_proxy_client (const rom_proxy_t *self)
{
    return self->client;
}

static rom_status_t
s_check_method (rom_proxy_t *self, unsigned method)
{
    if (method < self->type->n_methods)
        return ROM_OK;
    return rom_client_fail (self->client, ROM_NO_METHOD, "%s#%llu: no method %u (%s has %u)", self->type->name,
                            (unsigned long long) self->id, method, self->type->name, self->type->n_methods);
}

static void
s_pending_init (rom_proxy_t *self, unsigned method, rom_pending_t *pending)
{
    memset (pending, 0, sizeof *pending);
    pending->output = self->type->methods[method].output;
    pending->what_type = self->type->name;
    pending->what_id = self->id;
    pending->what_method = self->type->methods[method].name;
}

rom_status_t
rom_proxy_call (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    rom_status_t status = s_check_method (self, method);
    if (status != ROM_OK)
        return status;
    rom_pending_t pending;
    s_pending_init (self, method, &pending);
    status = rom_client_send (self->client, self->id, self->type->hash, method, in, 0, &pending);
    if (status != ROM_OK)
        return status;
    return rom_client_wait (self->client, &pending, out);
}

rom_status_t
rom_proxy_call_async (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, rom_future_t **future_p)
{
    *future_p = NULL;
    rom_status_t status = s_check_method (self, method);
    if (status != ROM_OK)
        return status;
    rom_future_t *future = malloc (sizeof *future);
    if (!future)
        return rom_client_fail (self->client, ROM_NOMEM, "%s#%llu.%s: out of memory for a future",
                                self->type->name, (unsigned long long) self->id, self->type->methods[method].name);
    future->client = self->client;
    s_pending_init (self, method, &future->pending);
    status = rom_client_send (self->client, self->id, self->type->hash, method, in, 0, &future->pending);
    if (status != ROM_OK) {
        free (future);
        return status;
    }
    *future_p = future;
    return ROM_OK;
}

rom_status_t
rom_proxy_call_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t timeout_ms,
                        ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    rom_status_t status = s_check_method (self, method);
    if (status != ROM_OK)
        return status;
    rom_pending_t pending;
    s_pending_init (self, method, &pending);
    status = rom_client_send_timeout (self->client, self->id, self->type->hash, method, in, 0, &pending,
                                      timeout_ms);
    if (status != ROM_OK)
        return status;
    return rom_client_wait (self->client, &pending, out);
}

rom_status_t
rom_proxy_call_async_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in, uint32_t timeout_ms,
                              rom_future_t **future_p)
{
    *future_p = NULL;
    rom_status_t status = s_check_method (self, method);
    if (status != ROM_OK)
        return status;
    rom_future_t *future = malloc (sizeof *future);
    if (!future)
        return rom_client_fail (self->client, ROM_NOMEM, "%s#%llu.%s: out of memory for a future",
                                self->type->name, (unsigned long long) self->id, self->type->methods[method].name);
    future->client = self->client;
    s_pending_init (self, method, &future->pending);
    status = rom_client_send_timeout (self->client, self->id, self->type->hash, method, in, 0, &future->pending,
                                      timeout_ms);
    if (status != ROM_OK) {
        free (future);
        return status;
    }
    *future_p = future;
    return ROM_OK;
}

rom_status_t
rom_proxy_call_oneway (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in)
{
    rom_status_t status = s_check_method (self, method);
    if (status != ROM_OK)
        return status;
    return rom_client_send (self->client, self->id, self->type->hash, method, in, ROM__CALL_FLAGS__CALL_ONEWAY,
                            NULL);
}

rom_status_t
rom_future_wait (rom_future_t **future_p, ProtobufCMessage **out)
{
    rom_future_t *future = *future_p;
    if (out)
        *out = NULL;
    if (!future)
        return ROM_INVALID;
    rom_status_t status = rom_client_wait (future->client, &future->pending, out);
    free (future);
    *future_p = NULL;
    return status;
}

rom_status_t
rom_future_wait_proxy (rom_future_t **future_p, const rom_type_t *type, rom_proxy_t **proxy_p)
{
    *proxy_p = NULL;
    rom_future_t *future = *future_p;
    if (!future)
        return ROM_INVALID;
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
    rom_future_t *future = *future_p;
    if (!future)
        return;
    if (!rom_client_forget (future->client, &future->pending))
        free (future); // otherwise its hook frees it, with the reply
    *future_p = NULL;
}

char *
rom_proxy_to_token (const rom_proxy_t *self)
{
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
    *proxy_p = NULL;
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
    if (!hash_id || end != hash_type || id == 0) {
        if (client)
            return rom_client_fail (client, ROM_INVALID, "\"%s\" is not a proxy token (endpoint#id#type)",
                                    token ? token : "(null)");
        return ROM_INVALID;
    }
    bool owns = false;
    if (!client) {
        size_t n = (size_t) (hash_id - token);
        char *endpoint = malloc (n + 1);
        if (!endpoint)
            return ROM_NOMEM;
        memcpy (endpoint, token, n);
        endpoint[n] = '\0';
        // A process started with exec has no authkey of its own: like Python's children, which inherit
        // their parent's process authkey, it takes the one its parent put in its environment.
        rom_client_opts_t opts = {.authkey = getenv ("ROM_AUTHKEY")};
        rom_status_t status = rom_client_connect (endpoint, &opts, &client, NULL);
        free (endpoint);
        if (status != ROM_OK)
            return status;
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
