// rom_type.h: what a hosted class looks like to the runtime, and the server side of one call.
// Generated skeletons (x.rom.c) fill the const tables below from protobuf-c descriptors; user servants only
// see rom_call_t, through which a method reports an error or answers later (deferred replies).
#ifndef ROM_TYPE_H
#define ROM_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "rom/wire.pb-c.h" // Rom__ObjectRef
#include "rom_status.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

// One call being served. Owned by the runtime; valid until the reply is sent (the method returns anything
// but ROM_DEFERRED, or rom_call_complete () is called) or the call is cancelled.
typedef struct _rom_call_t rom_call_t;

// Trampoline from the generic dispatcher to one typed servant function: `servant` is the user's table of
// function pointers (e.g. Demo__Counter_Servant), `self` the object's state from create. The contract a
// servant method is written against (the generated *_Servant comment repeats it):
// - `in` is never NULL (an absent input is the empty message) and lives until the reply is sent: what the
//   object keeps of it, it copies (rom_message_dup ()).
// - `out` is initialized (its type's INIT) in the call's memory and packed when the method returns ROM_OK.
//   The method sets its fields; what they point to is borrowed, never freed by the runtime, and must stay
//   valid until the method returns: servant state, literals, rom_call_alloc () memory. So `*out = *stored`
//   (a message of the same type the object keeps) is a legal answer: a shallow copy the runtime only reads.
typedef rom_status_t (*rom_invoke_fn) (const void *servant, void *self, const ProtobufCMessage *in,
                                       ProtobufCMessage *out, rom_call_t *call);
// `args` is never NULL for a type with creation arguments ((rom.init): an absent one is the empty message;
// NULL for a type without) and is freed when the constructor returns: copy what the state keeps.
typedef rom_status_t (*rom_create_fn) (const void *servant, void *ctx, const ProtobufCMessage *args,
                                       void **self_p, rom_call_t *call);
typedef void (*rom_destroy_fn) (const void *servant, void *self);

// A hand-written table names its fields (.name = ..., .invoke = ...): fields may be added.
typedef struct rom_method {
    const char *name;                         // rpc name as in the .proto ("Increment")
    const ProtobufCMessageDescriptor *input;  // protobuf-c descriptor of the request message
    const ProtobufCMessageDescriptor *output; // protobuf-c descriptor of the reply message
    rom_invoke_fn invoke;
    // Where the servant table holds this method's function (offsetof in the generated *_Servant struct), so
    // that the server answers a method the servant leaves NULL with ROM_NO_METHOD before it decodes the
    // input. 0 (the offset of rom_create, never a method): unknown, `invoke` decides.
    size_t servant_offset;
} rom_method_t;

// Type flags, from rom/options.proto.
// ROM_TYPE_POOL ((rom.pool) = true): calls run on the server's worker pool, so different objects of the
// type run in parallel (one object still runs one call at a time, in arrival order). For heavy methods:
// each call pays two thread hand-offs. A pool type's methods run on a worker thread, so they may not
// answer later (ROM_DEFERRED fails the call with ROM_INTERNAL), keep or make object references
// (rom_call_keep_ref () and friends return ROM_INVALID), or hook session ends; blocking belongs in inline
// types, which never block a thread (deferred replies).
#define ROM_TYPE_POOL 1u

// One .proto file, as its serialized google.protobuf.FileDescriptorProto (source info left out).
typedef struct rom_file {
    const char *name;    // as imported: "demo/counter.proto", "google/protobuf/empty.proto"
    size_t size;         // bytes at `data`
    const uint8_t *data; // the FileDescriptorProto, packed
} rom_file_t;

// The .proto files that describe a type: its own and every file it imports, directly or not, each after the
// files it imports (protoc-gen-rom embeds them in x.rom.c). What Manager.Reflect answers (rom_reflect.h).
typedef struct rom_files {
    size_t n_files;
    const rom_file_t *files;
} rom_files_t;

typedef struct rom_type {
    const char *name;                       // fully qualified service name ("demo.Counter")
    uint32_t hash;                          // rom_type_hash (name), precomputed by the generator
    const ProtobufCMessageDescriptor *init; // creation arguments ((rom.init)), NULL for none
    unsigned flags;                         // ROM_TYPE_*
    unsigned n_methods;
    const rom_method_t *methods;
    rom_create_fn create;
    rom_destroy_fn destroy;
    const rom_files_t *files; // its .proto files, for reflection; NULL: none (a hand-written table)
} rom_type_t;

// FNV-1a 32-bit of the type name; never 0 (0 on the wire means "do not check").
uint32_t rom_type_hash (const char *name);

// --- inside a servant method ----------------------------------------------------------------------------

// Set the error text of a failing call (printf-style) and return `status`, so a method can end with
//   return rom_call_fail (call, ROM_APP_ERROR, "balance %d too low", n);
// The runtime prefixes the object and method name to the text the caller sees.
rom_status_t rom_call_fail (rom_call_t *call, rom_status_t status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

// The text rom_call_fail () set on this call (without the "type#id.Method: " prefix), NULL when none; valid
// until the call ends or the text is cleared. rom_call_clear_error () forgets it, so that the next failure is
// recorded: for code that runs several steps in one call and reports each (a declared-state batch, issue 16).
const char *rom_call_errmsg (const rom_call_t *call);
void rom_call_clear_error (rom_call_t *call);

// A deep copy of any protobuf-c message (an input a servant keeps in its object's state: `in` and `args`
// are freed after the method returns). On ROM_OK *copy_p is the copy: caller owns it and frees it with
// protobuf_c_message_free_unpacked (*copy_p, NULL) (or the type's __free_unpacked). ROM_INVALID when
// `message` or `copy_p` is NULL or a proto2 `required` field is unset (the text names it), ROM_NOMEM.
// Usable anywhere, not only in servants; the text of a failure is rom_client_errmsg (NULL)'s.
rom_status_t rom_message_dup (const ProtobufCMessage *message, ProtobufCMessage **copy_p);

// Memory that lives until the reply has been packed (for strings, repeated fields and sub-messages of
// `out`). Returns NULL when out of memory. Never free it.
void *rom_call_alloc (rom_call_t *call, size_t size);
char *rom_call_strdup (rom_call_t *call, const char *s);

// The largest reply payload this call may return, in bytes: the server's max_message (rom_server_opts_t).
// A reply packed larger is not sent: the caller gets ROM_TOO_LARGE instead. A servant whose reply grows
// with a caller's numbers (a slice, a repeat) checks against this before it allocates, so that no call
// makes the server allocate more than a reply may carry. 0 when `call` is NULL.
size_t rom_call_max_reply (const rom_call_t *call);

// The id of the object being called and the session of the caller (who holds a lock, for instance). In a
// constructor, rom_call_object_id () is the id the object being made will have, as long as the constructor
// makes no other object itself (rom_call_new_object ()).
uint64_t rom_call_object_id (const rom_call_t *call);

// A protobuf-c allocator that takes from the call's memory (rom_call_alloc ()) and never frees: for a servant
// that unpacks a message it stored packed (protobuf_c_message_unpack (desc, &allocator, ...)) into a reply.
void rom_call_allocator (rom_call_t *call, ProtobufCAllocator *allocator);

// The state (`self` from create) of another object of this server, when it exists and is of `type`; NULL
// otherwise. For types whose objects work in pairs on the server thread (a Pipe's two ends): not for pool
// types, whose objects may be running on another thread.
void *rom_call_find_object (rom_call_t *call, uint64_t id, const rom_type_t *type);
uint64_t rom_call_session (const rom_call_t *call);

// --- object references in messages (rom.ObjectRef fields; import "rom/wire.proto") ----------------------
//
// An ObjectRef in a method's reply hands the caller a reference: the runtime takes one for the caller's
// session as the reply goes out (a servant fills in `id` only; endpoint and type are set for it), and the
// caller turns it into a proxy with rom_proxy_from_ref () / pkg__svc__rom_from_ref (). A reply that names
// an object that does not exist fails with ROM_NO_OBJECT instead.

// Make a new object of `type` (registered on this server) for the reply, as a factory method does (Python's
// method_to_typeid): `args` as the type's creation message, NULL for defaults. On ROM_OK `ref` names it; put
// it (or its id) in the output. An object no reply took a reference to dies when the call ends.
// ROM_NO_TYPE, ROM_WRONG_TYPE (args of another type), or the constructor's status.
rom_status_t rom_call_new_object (rom_call_t *call, const rom_type_t *type, const ProtobufCMessage *args,
                                  Rom__ObjectRef *ref);

// Keep the object `ref` names alive for as long as the called object holds it (a dict holding a proxy):
// the reference belongs to the called object, and is dropped with rom_call_drop_ref () or when the called
// object dies. ROM_NO_OBJECT if there is no such object; ROM_INVALID for a reference to itself.
rom_status_t rom_call_keep_ref (rom_call_t *call, const Rom__ObjectRef *ref);
// The same for another object of this server, `holder` (a Pipe end keeps what its peer's Send puts into its
// inbox); the reference is dropped when `holder` drops it or dies. ROM_NO_OBJECT if either does not exist.
rom_status_t rom_call_keep_ref_for (rom_call_t *call, uint64_t holder, const Rom__ObjectRef *ref);
// Drop one reference kept with rom_call_keep_ref (), once this call's reply is out (so a method may return
// what it drops); the object dies then if nothing else holds it.
// ROM_NO_OBJECT if the called object keeps none to `id`.
rom_status_t rom_call_drop_ref (rom_call_t *call, uint64_t id);

// --- deferred replies (blocking methods that never block a thread) ---------------------------------------
//
// A method that cannot answer yet returns ROM_DEFERRED and keeps `call`. A later call on the same object
// completes it: fill rom_call_output (call) and call rom_call_complete (). If the caller's deadline passes
// or its session ends first, the runtime answers ROM_TIMEOUT (or drops the call) and then calls `on_cancel`,
// after which `call` is gone: the servant must forget it there.

typedef void (*rom_cancel_fn) (void *self, rom_call_t *call);

// Register the cancel hook of a call about to be deferred. Without one, a cancelled call is only freed, so
// a servant that keeps deferred calls must set it.
void rom_call_on_cancel (rom_call_t *call, rom_cancel_fn on_cancel);

// A pointer of the servant's kept with a deferred call (its waiter record, say), so that on_cancel finds
// what to forget at once rather than by a search: a session that parked 40 000 calls must not cost its end
// 40 000 searches of a list as long. NULL until set; the runtime never reads it.
void rom_call_set_data (rom_call_t *call, void *data);
void *rom_call_data (const rom_call_t *call);

// The output message of a deferred call (initialized, owned by the call), for the servant to fill.
ProtobufCMessage *rom_call_output (rom_call_t *call);

// Send the reply of a deferred call: its output message if `status` is ROM_OK, else the status and the text
// of rom_call_fail (). Consumes the call. Only from the thread running a method of the same object.
void rom_call_complete (rom_call_t *call, rom_status_t status);

// Whether the caller of a deferred call is known to be gone: its session ended, or the connection its call
// came on was closed (its process died). Before handing a waiter something that must not be lost (an item,
// a permit, a lock), a servant skips waiters that are gone (completing their calls with ROM_CLOSED, which
// nobody reads), so what they would have carried goes to a live caller instead. False when unknown.
bool rom_call_peer_gone (const rom_call_t *call);

// Milliseconds the caller is still willing to wait (UINT32_MAX: no deadline). Lets a servant answer
// at once with a timeout status when the caller gave it no time (a non-blocking get).
uint32_t rom_call_remaining_ms (const rom_call_t *call);

// --- sessions that end (a lock held by a process that is gone) ------------------------------------------
//
// A session ends when its client says goodbye (rom_client_destroy ()), when its process dies (its
// connections close), or when its tcp connection is silently gone past the session timeout. The runtime then
// cancels the session's waiting calls (their on_cancel runs, the status is ROM_CLOSED), tells every object
// that asked (below), and only then drops the session's references.

typedef void (*rom_session_end_fn) (void *self, uint64_t session);

// Ask that the object being called hears of the end of every session that has called it (this call's
// included) while the hook is set, for as long as it lives: `fn (self, session)` runs on the server thread,
// where it may complete the object's deferred calls (a lock held by the dead session passes to its next
// waiter). A session that never called the object cannot hold anything in it, so it is not told: a
// session's end costs what that session touched, never what the server holds. Setting it again replaces it;
// NULL stops it.
void rom_call_on_session_end (rom_call_t *call, rom_session_end_fn fn);

// --- text ------------------------------------------------------------------------------------------------
//
// A server refuses every call whose input has a `string` field (at any depth) that is not valid UTF-8
// (ROM_BAD_REQUEST, "type#id.Method: field key.string_value is not valid UTF-8") before its servant runs, so
// servants only ever see valid text, as Python's str is always valid Unicode and proto3 requires.

// Whether the `n` bytes at `text` are well-formed UTF-8: no overlong forms, no surrogates (U+D800..DFFF),
// nothing past U+10FFFF, no truncated sequence. NUL bytes are valid. `text` may be NULL only when `n` is 0.
bool rom_utf8_valid (const char *text, size_t n);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
