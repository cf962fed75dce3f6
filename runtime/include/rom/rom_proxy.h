// rom_proxy.h: the client-side handle of one remote object, and calls through it.
//
// A proxy holds one reference to its object on the server: the object lives while some proxy (or its name)
// does. Generated typed proxies (Pkg__Svc_Proxy, pkg__svc_proxy__method ()) are thin wrappers over these.
//
// Reply memory: a reply message is unpacked by protobuf-c into memory the caller owns; free it with
// protobuf_c_message_free_unpacked (msg, NULL) or the generated pkg__msg__free_unpacked ().
#ifndef ROM_PROXY_H
#define ROM_PROXY_H

#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "rom_client.h"
#include "rom_status.h"
#include "rom_type.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

typedef struct _rom_proxy_t rom_proxy_t;
typedef struct _rom_future_t rom_future_t;

#define ROM_CREATE_EXIST_OK 1u // with a name: an existing object of that name and type is returned

// Create a new instance of `type` on the server. `name` (may be NULL) makes it a named object that lives
// until the server ends and can be found with rom_proxy_lookup (). `args` is the type's creation message
// (NULL for defaults). On ROM_OK, *proxy_p is a new proxy that caller owns and must destroy when done.
// ROM_NO_TYPE if the server does not host the type, ROM_EXISTS if the name is taken, ROM_APP_ERROR if the
// servant's constructor refused.
rom_status_t rom_proxy_create (rom_client_t *client, const rom_type_t *type, const char *name,
                               const ProtobufCMessage *args, unsigned flags, rom_proxy_t **proxy_p);

// rom_proxy_create () without waiting: send the creation and return at once, so that one client keeps
// many creations in flight (a create is one round trip, ~20-100 µs; pipelined, the server makes the next
// while replies travel). On ROM_OK *future_p is owned by the caller: collect the proxy with
// rom_future_wait_proxy (). Creations run on the server in the order sent, with this client's other calls.
// What rom_proxy_create () would have failed with (ROM_NO_TYPE, ROM_EXISTS, the constructor's status) is
// reported by the wait, not here; here only what fails before sending (ROM_NOMEM, ROM_TOO_LARGE,
// ROM_UNAVAILABLE). A future destroyed without waiting (rom_future_destroy ()) gives back the reference
// its reply carries when that reply arrives (a later call or wait on the same thread reads it), so an
// abandoned creation leaves no reference behind; if the client is destroyed first, its session's end
// releases it. In flight per thread, see rom_proxy_call_async (); a ring of 128 is as fast.
rom_status_t rom_proxy_create_async (rom_client_t *client, const rom_type_t *type, const char *name,
                                     const ProtobufCMessage *args, unsigned flags, rom_future_t **future_p);

// Find a named object. ROM_NO_OBJECT if none has that name, ROM_WRONG_TYPE if it is not a `type`.
rom_status_t rom_proxy_lookup (rom_client_t *client, const rom_type_t *type, const char *name,
                               rom_proxy_t **proxy_p);

// A second proxy to the same object, holding a reference of its own.
rom_status_t rom_proxy_dup (rom_proxy_t *self, rom_proxy_t **copy_p);

// Drop the proxy's reference (the object is destroyed when none is left and it has no name), free the
// proxy, set *self_p to NULL. Accepts NULL. Never blocks longer than the client's call timeout.
void rom_proxy_destroy (rom_proxy_t **self_p);

// ROM_OK when `self` is a live proxy of `type` (NULL: of any type). ROM_INVALID for NULL, for a handle that
// is not a proxy (a client, a destroyed proxy, a pointer of another kind cast to a proxy: proxies carry a
// tag) and for a proxy of another type; rom_client_errmsg (NULL) says which. Generated proxy functions call
// it first, so a handle of the wrong kind is refused, never followed.
rom_status_t rom_proxy_check (const rom_proxy_t *self, const rom_type_t *type);

// The object's id (0 for NULL).
uint64_t rom_proxy_id (const rom_proxy_t *self);
const rom_type_t *rom_proxy_type (const rom_proxy_t *self);
// The proxy's client: NULL for NULL, and once that client (or its manager) was destroyed. Calls through
// such a proxy answer ROM_UNAVAILABLE ("its client was destroyed"); it may still be destroyed.
rom_client_t *rom_proxy_client (const rom_proxy_t *self);

// Call method number `method` (its index in the type's method table) and wait for the reply within the
// client's deadline. `in` may be NULL (a default message is sent). `out` may be NULL to discard the result;
// otherwise on ROM_OK *out is the reply, which caller owns. On failure, rom_client_errmsg () says why.
rom_status_t rom_proxy_call (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in,
                             ProtobufCMessage **out);

// Send a call and return at once; collect the reply with rom_future_wait (). Many calls may be in flight
// on one client; they run on the server in the order sent. On ROM_OK *future_p is owned by the caller.
// Keep at most 1000 in flight per thread whose replies you may not read for a while: a server drops a
// reply that finds the way to its caller full rather than stall (its wait ends in ROM_TIMEOUT; a
// reference it carried is released when the session ends). The way holds ~2000 replies that leave one by
// one (waiting calls answered one at a time: ZMQ's pipes on both sides, 1000 messages each) and far more
// of those answered together (batched: 32 000 pipelined calls held); tests/integration/test_in_flight.c.
rom_status_t rom_proxy_call_async (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in,
                                   rom_future_t **future_p);

#define ROM_FOREVER UINT32_MAX // a timeout that never ends

// rom_proxy_call () and rom_proxy_call_async () with a deadline of their own instead of the client's, for
// methods that wait (a lock's acquire, a queue's get): the server gives up on the call after `timeout_ms`
// (a waiting call is answered ROM_TIMEOUT, or what its servant says then, e.g. ROM_EMPTY) and the caller
// waits a margin (2 s) longer for that verdict, so an answer given just before the deadline (a lock
// granted, an item handed over) is never lost, even from a loaded server. Only a server that is alive but
// stopped makes the caller wait the margin out (ROM_TIMEOUT). ROM_FOREVER: no deadline at all; 0 counts as 1.
rom_status_t rom_proxy_call_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in,
                                     uint32_t timeout_ms, ProtobufCMessage **out);
rom_status_t rom_proxy_call_async_timeout (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in,
                                           uint32_t timeout_ms, rom_future_t **future_p);

// Send a call that gets no reply (errors are not reported back). Ordered with the other calls of this
// client. Returns once the message is queued for sending.
rom_status_t rom_proxy_call_oneway (rom_proxy_t *self, unsigned method, const ProtobufCMessage *in);

// Wait for the reply of an async call (within the deadline set when it was sent), consume the future and
// set *future_p to NULL. `out` as in rom_proxy_call ().
rom_status_t rom_future_wait (rom_future_t **future_p, ProtobufCMessage **out);

// Wait for a future whose reply is a rom.ObjectRef (rom_proxy_create_async (), or a method returning one)
// and adopt the reference it carries as a proxy of `type`. Consumes the future and sets *future_p to NULL
// either way. On ROM_OK *proxy_p is a new proxy that caller owns and must destroy when done. Otherwise the
// creation's status (ROM_NO_TYPE, ROM_EXISTS, ROM_APP_ERROR and the constructor's others, ROM_TIMEOUT,
// ROM_UNAVAILABLE, ...), ROM_WRONG_TYPE if the object is not a `type` (its reference is given back), or
// ROM_INVALID if the future's reply is not an ObjectRef; rom_client_errmsg () says why.
rom_status_t rom_future_wait_proxy (rom_future_t **future_p, const rom_type_t *type, rom_proxy_t **proxy_p);

// Give up on an async call: its reply, if it comes, is discarded (a creation's reference is given back).
// Accepts NULL.
void rom_future_destroy (rom_future_t **future_p);

// --- proxies inside messages (rom.ObjectRef fields) ------------------------------------------------------

// Adopt the reference an ObjectRef of a reply received through `client` carries (see rom_type.h): no round
// trip. On ROM_OK *proxy_p is a new proxy that caller owns, and the ref's reference is the proxy's. On
// failure the reference stays the caller's (rom_ref_release ()): ROM_INVALID for a null ref (id 0),
// ROM_WRONG_TYPE if the ref names another type than `type`.
rom_status_t rom_proxy_from_ref (rom_client_t *client, const rom_type_t *type, const Rom__ObjectRef *ref,
                                 rom_proxy_t **proxy_p);

// Give back the reference of a reply's ObjectRef that will not become a proxy. One neither adopted nor
// released is released when the client's session ends. Accepts NULL and null refs.
void rom_ref_release (rom_client_t *client, const Rom__ObjectRef *ref);

// Fill `ref` to name the proxy's object in a call's input (a servant keeps it with rom_call_keep_ref ()).
// Its strings are borrowed from the proxy: valid while it lives.
void rom_proxy_ref (const rom_proxy_t *self, Rom__ObjectRef *ref);

// A text token for the proxy ("endpoint#id#type"), to hand to a process started with exec.
// Caller owns return value and must free () it. NULL when out of memory.
char *rom_proxy_to_token (const rom_proxy_t *self);

// A proxy from a token made by rom_proxy_to_token (). With `client` NULL, a new client is connected to the
// token's endpoint and owned by the proxy; it uses the authkey in the environment variable ROM_AUTHKEY
// (unset: none), so a parent hands an exec'd child both the token and the key (ROM_DENIED without it).
// ROM_WRONG_TYPE if the token names another type.
rom_status_t rom_proxy_from_token (rom_client_t *client, const rom_type_t *type, const char *token,
                                   rom_proxy_t **proxy_p);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
