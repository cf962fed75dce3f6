// handles.h: private to the built-ins, client side. What every one-line helper of the built-in types
// (rom_shared.h, rom_sync.h; the <type>_api.c files) does with its handle.
//
// Checks first: the handle types are casts that let any pointer through, so misuse is refused (ROM_INVALID,
// with the helper's name in rom_client_errmsg (NULL)) before anything is followed (issue 12). Then calls by
// method name: a handle is the generic proxy underneath (a Lock handle may be a Lock or an RLock proxy: same
// methods), so a helper finds its method by name in the proxy's type table (a few strcmp against a round
// trip) rather than by an index that would silently break when an rpc is added.
#ifndef ROMI_BUILTINS_HANDLES_H
#define ROMI_BUILTINS_HANDLES_H

#include "rom/rom.h"

// --- checks ------------------------------------------------------------------------------------------------

// NULL, a pointer that is no live proxy (a client, a destroyed handle), or a proxy of another type than
// `type` or `alt` (either may be NULL; `type` NULL: any type). True when refused.
bool romi_helper_bad_handle (const char *fn, const void *handle, const rom_type_t *type,
                             const rom_type_t *alt);
// A pointer the helper must write through (or read from) is NULL. True when refused.
bool romi_helper_null_arg (const char *fn, const void *p, const char *what);
// A text argument (a Namespace's attribute name) is NULL or not valid UTF-8, which the server would refuse.
// True when refused.
bool romi_helper_bad_text (const char *fn, const char *text, const char *what);
// The client of a rom_*_new () is NULL or no client handle. True when refused.
bool romi_helper_bad_client (const char *fn, const rom_client_t *client);
// The first checks of every rom_*_new (): `handle_p` is not NULL (then *handle_p is NULL) and `client` is a
// client. True when refused.
bool romi_helper_bad_new (const char *fn, void *handle_p, const char *what, const rom_client_t *client);

// --- on a checked handle -----------------------------------------------------------------------------------

// The handle's client, for failure texts: NULL once that client (or its manager) was destroyed, which
// rom_client_fail () accepts (the text then goes to rom_client_errmsg (NULL) only).
rom_client_t *romi_handle_client (const void *handle);
// ROM_NOMEM, with its text on the handle's client.
rom_status_t romi_handle_nomem (const void *handle);
// A call of the method `name` within the client's deadline.
rom_status_t romi_handle_call (void *handle, const char *name, const ProtobufCMessage *in,
                               ProtobufCMessage **out);
// A call that may wait: `timeout_ms` is its deadline on the server (ROM_NOWAIT: the request said nowait).
rom_status_t romi_handle_wait (void *handle, const char *name, const ProtobufCMessage *in,
                               uint32_t timeout_ms, ProtobufCMessage **out);
// Calls whose reply is a rom.builtins.Count or Flag: its value into *value (may be NULL).
rom_status_t romi_handle_count (void *handle, const char *name, const ProtobufCMessage *in, int64_t *value);
rom_status_t romi_handle_flag (void *handle, const char *name, bool *value);
// Calls whose reply is a rom.builtins.Size (Len, IndexOf): its value into *size.
rom_status_t romi_handle_size (void *handle, const char *name, const ProtobufCMessage *in, size_t *size);
// Calls whose reply is a rom.builtins.TypecodeReply.
rom_status_t romi_handle_typecode (void *handle, const char *name, char *typecode);

// rom_client_fail () on the handle's client with the "type#id.Method: " prefix that every error text begins
// with (rom_shared.h), for what a helper finds wrong in a good reply (a value of another kind).
rom_status_t romi_handle_fail (const void *handle, const char *method, rom_status_t status, const char *fmt,
                               ...) __attribute__ ((format (printf, 4, 5)));

// The token of `proxy`, a reference to store through the helper `fn` of `handle` (rom_*_put_proxy (),
// rom_*_set_proxy ()): any type of proxy will do, but not NULL or a foreign pointer (ROM_INVALID) or one
// whose client is gone (ROM_UNAVAILABLE). On ROM_OK *token is caller-owned (free ()).
rom_status_t romi_handle_token (const char *fn, const void *handle, const rom_proxy_t *proxy, char **token);

// rom_<type>_from_token (): a new handle of `type` (or `alt`, may be NULL) from a token (a ROM_KIND_REF
// value's or a ROM_ITEM_REF item's .str), holding a reference of its own. ROM_INVALID for NULLs and a token
// that is none, ROM_WRONG_TYPE for a token of another type (no round trip), else rom_proxy_from_token ()'s
// status. *handle_p is set on ROM_OK only (to NULL first).
rom_status_t romi_handle_from_token (const char *fn, rom_client_t *client, const char *token,
                                     const rom_type_t *type, const rom_type_t *alt, void *handle_p);

// Destroy a handle: NULL and a pointer to NULL are fine; a handle of another kind is refused and left alone
// (rather than its object released as if it were this one).
void romi_handle_destroy (const char *fn, void **handle_p, const rom_type_t *type, const rom_type_t *alt);

#endif
