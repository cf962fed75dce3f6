// rom_state.h: declared state (issue 16). A service with `option (rom.state) = "Msg";` holds one `Msg` per
// object. protoc-gen-rom emits typed one-call operations on its fields (pkg__svc_proxy__<field>_<op> ()),
// typed batch adders and a registration that needs no user code; they are thin wrappers over this API,
// which the runtime executes from the message's protobuf-c descriptor (runtime/state/). Every operation is
// one atomic call on the server, as every method is.
//
// Paths: a field is named by the field numbers from the state message down through nested singular message
// fields (`path`, `depth`); depth 0 is the whole state. At most ROM_STATE_MAX_DEPTH numbers.
//
// Values travel as rom_variant_t (rom_shared.h): integers of signed kinds and enums in .i (ROM_INT), of
// unsigned kinds in .u (ROM_UINT), floating point in .d, bool in .b, string in .str, bytes in .data/.size;
// a message-typed value is passed as a ProtobufCMessage (rom_state_op_t.message) and returned unpacked
// (rom_state_result_t.message). A value that does not fit its field (2^40 for an int32 field, a string for
// an int64) is ROM_OUT_OF_RANGE / ROM_WRONG_TYPE, and the state is unchanged (but for an absent nested
// message on the path, which a modifying op creates with its defaults before it checks its operand).
//
// What the engine does not take (ROM_WRONG_TYPE, naming the field): members of a oneof, CAS of bytes and
// message fields. A map is recognized as protoc emits it (a repeated `...Entry` message of fields key = 1 and
// value = 2); its entries keep insertion order. The client side unpacks message-typed results with the
// state's descriptor, which is the type's creation message (rom_type_t.init: a state type is created from
// its initial state); a type without one gets them packed, as ROM_KIND_BYTES in .value.
#ifndef ROM_STATE_H
#define ROM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "rom_proxy.h"
#include "rom_shared.h"
#include "rom_status.h"
#include "rom_type.h"
#include "google/protobuf/empty.pb-c.h"
#include "rom/state.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

#define ROM_STATE_MAX_DEPTH 8

// The operations (the same numbers as rom.StateOpCode in rom/state.proto). Which a field takes:
// - any field: GET; any singular field and the whole state (depth 0): SET; singular: CLEAR (its default);
//   a repeated field: SET with `items` (l[:] = items, all checked before any is stored)
// - numbers (int32/64, uint32/64, sint, fixed, float, double): ADD, MIN, MAX, CAS (result .value: the new
//   value; CAS: .flag swapped, .value the field after). ADD checks overflow of the field's width (refused,
//   ROM_OUT_OF_RANGE); floating point does not overflow (inf). An unsigned field takes ADD of a negative int
//   down to 0.
// - bool: TOGGLE, CAS; enums (values checked against the enum) and strings: CAS; string and bytes: APPEND,
//   LEN (a string's LEN counts code points, as Python's len)
// - repeated: APPEND, EXTEND, LEN, AT, SET_AT, REMOVE_AT, CLEAR, SLICE (GET: every item in .items)
// - map: PUT, MAP_GET (ROM_NOT_FOUND when missing, Python's KeyError), DEL, INCR (numeric values: a missing
//   key counts from 0), LEN, KEYS, CONTAINS, CLEAR (GET: keys in .items, values in .values)
// Another pairing is ROM_WRONG_TYPE ("demo.Stats.log: ADD needs a number field, not a repeated string").
typedef enum {
    ROM_STATE_GET = 1,
    ROM_STATE_SET = 2,
    ROM_STATE_ADD = 3,
    ROM_STATE_MIN = 4,
    ROM_STATE_MAX = 5,
    ROM_STATE_CAS = 6,
    ROM_STATE_APPEND = 7,
    ROM_STATE_TOGGLE = 8,
    ROM_STATE_EXTEND = 9,
    ROM_STATE_LEN = 10,
    ROM_STATE_AT = 11,
    ROM_STATE_SET_AT = 12,
    ROM_STATE_REMOVE_AT = 13,
    ROM_STATE_CLEAR = 14,
    ROM_STATE_SLICE = 15,
    ROM_STATE_PUT = 16,
    ROM_STATE_MAP_GET = 17,
    ROM_STATE_DEL = 18,
    ROM_STATE_INCR = 19,
    ROM_STATE_KEYS = 20,
    ROM_STATE_CONTAINS = 21,
} rom_state_opcode_t;

// One operation. Unused members stay zero (ROM_NONE).
typedef struct rom_state_op {
    rom_state_opcode_t code;
    const uint32_t *path;
    size_t depth;
    rom_variant_t value;        // the operand: by, the value to set, append or put, CAS's expected
    rom_variant_t value2;       // CAS's desired
    rom_variant_t key;          // maps: the key
    int64_t index;              // AT, SET_AT, REMOVE_AT (Python's: negative from the end), SLICE's start
    int64_t stop;               // SLICE's stop (ROM_SLICE_END: the end)
    const rom_variant_t *items; // EXTEND
    size_t n_items;
    const ProtobufCMessage *message; // the value when the field (or item, or map value) is a message, and SET
                                     // of the whole state
} rom_state_op_t;

// What an operation returns. Filled only on ROM_OK; free what it owns with rom_state_result_clear ().
typedef struct rom_state_result {
    rom_variant_t value; // a scalar result (GET, the new value of ADD/MIN/MAX/INCR/TOGGLE, AT, MAP_GET, ...)
    ProtobufCMessage *message; // a message-typed result (GET of a message field or of the whole state, AT of
                               // a repeated message, MAP_GET of a message value): free_unpacked by the clear
    rom_variant_t *items;      // SLICE, KEYS, GET of a repeated or map field (message items: ROM_KIND_BYTES,
    size_t n_items;            // packed)
    rom_variant_t *values;     // GET of a map: the values, beside the keys in items
    uint64_t size;             // LEN
    bool flag;                 // CAS: swapped; CONTAINS: found
    uint64_t version;          // the object's version after the operation
} rom_state_result_t;

// Run one operation on the object `proxy` names (a proxy of a state type). `result` may be NULL when the
// result is not wanted. ROM_INVALID for NULL proxy/op, a NULL path of depth > 0, a path deeper than
// ROM_STATE_MAX_DEPTH, an unknown op code, a string that is not UTF-8, or a proxy of a type without state;
// the server's refusals (ROM_WRONG_TYPE, ROM_OUT_OF_RANGE, ROM_NOT_FOUND: "demo.Stats: has no field 9", "no
// key 'k'") name type#id.rom.Apply and the field ("demo.Stats.hits: ...").
rom_status_t rom_state_apply (rom_proxy_t *proxy, const rom_state_op_t *op, rom_state_result_t *result);
// Free what a result owns and zero it. Accepts NULL.
void rom_state_result_clear (rom_state_result_t *result);

// --- atomic batches ----------------------------------------------------------------------------------------
//
// Several operations and rpc calls on one object, sent in one message and run back to back with nothing of
// any other caller in between; each step has its own status and result. With guards the batch runs only if
// every guard holds, else nothing runs (Redis's WATCH + MULTI/EXEC): rom_batch_exec () says which.

typedef struct _rom_batch_t rom_batch_t;

// A new empty batch on `proxy`'s object. Caller owns *batch_p (rom_batch_destroy ()).
rom_status_t rom_batch_new (rom_proxy_t *proxy, rom_batch_t **batch_p);
// Append an operation (copied: `op` may be freed at once); *step (may be NULL) is its index in the batch.
rom_status_t rom_batch_add_op (rom_batch_t *batch, const rom_state_op_t *op, size_t *step);
// Append a call of one of the type's rpcs (method index as in PKG__SVC_METHOD__*; `in` packed at once; NULL:
// the empty input). ROM_INVALID for an engine method or an index past the rpcs, ROM_WRONG_TYPE for an `in` of
// another type. An rpc that answers later (ROM_DEFERRED) cannot run in a batch: its step fails ROM_INVALID,
// and its servant must not keep the call (it is the batch's).
rom_status_t rom_batch_add_call (rom_batch_t *batch, unsigned method, const ProtobufCMessage *in,
                                 size_t *step);
// Guards: the field at `path` equals `value` (a message-typed field: compare with rom_batch_guard_message);
// the object's version is `version` (from a result, a watch, or an earlier batch).
rom_status_t rom_batch_guard_equals (rom_batch_t *batch, const uint32_t *path, size_t depth,
                                     rom_variant_t value);
rom_status_t rom_batch_guard_version (rom_batch_t *batch, uint64_t version);
// The message-typed field at `path` equals `value` (compared packed: an absent message equals an empty one).
// ROM_INVALID for a NULL value or path.
rom_status_t rom_batch_guard_message (rom_batch_t *batch, const uint32_t *path, size_t depth,
                                      const ProtobufCMessage *value);
// Send the batch and wait for its results. ROM_OK when the server ran it or refused it on a guard: *applied
// (may be NULL) says which. Another status: the batch never ran (transport, a malformed step). A batch runs
// once; exec again is ROM_INVALID.
rom_status_t rom_batch_exec (rom_batch_t *batch, bool *applied);
// After exec: the status of step `step` (an out-of-range step, a step of the other kind, before exec, or
// after a guard failed: ROM_INVALID), with its
// result (an op; `result` may be NULL; caller clears it) or its reply (a call; `reply` may be NULL; caller
// frees it with protobuf_c_message_free_unpacked). The step's error text is rom_client_errmsg ()'s.
rom_status_t rom_batch_result (rom_batch_t *batch, size_t step, rom_state_result_t *result);
rom_status_t rom_batch_reply (rom_batch_t *batch, size_t step, ProtobufCMessage **reply);
// The object's version after the batch (0 before exec).
uint64_t rom_batch_version (const rom_batch_t *batch);
// Free the batch, set *batch_p to NULL. Accepts NULL and a pointer to NULL.
void rom_batch_destroy (rom_batch_t **batch_p);

// --- watches -----------------------------------------------------------------------------------------------
//
// A subscriber receives every change to an object (or to one field and what is below it) in order of
// versions. Changes wait in a bounded queue per subscriber on the server, so a slow subscriber never slows
// writers: when its queue overflows, its next change says how many it missed and carries the state as it is
// then. Works from any process, and in a forked child (which gets a subscription of its own on first use).
// A watch ends with its object (its last change has .ended) or its server (ROM_UNAVAILABLE /
// ROM_SESSION_LOST; after ROM_SESSION_LOST the server dropped the subscription: polls answer ROM_NOT_FOUND,
// subscribe anew). On a pool type ((rom.pool)) polls cannot wait on the server: rom_watch_next () answers at
// once.

typedef struct _rom_watch_t rom_watch_t;

typedef struct rom_change {
    uint32_t path[ROM_STATE_MAX_DEPTH]; // the field changed (depth 0: the whole state, e.g. by an rpc)
    size_t depth;
    rom_state_opcode_t op;   // the operation (SET for a whole-state change)
    rom_variant_t value;     // the field's new value (scalars), or the item / map value concerned
    rom_variant_t key;       // maps: the key
    int64_t index;           // repeated: the index concerned
    uint64_t version;        // the object's version after this change
    uint64_t missed;         // > 0: this many changes were dropped before this one; `state` is set
    ProtobufCMessage *state; // the whole state now (after missed changes), else NULL
    bool ended;              // the object is gone: no change will follow
} rom_change_t;

// Subscribe to `proxy`'s object (depth 0) or to the field at `path` (its changes, those below it, and the
// whole-state changes of rpcs). `queue`: most changes kept for this subscriber (0: 1024; at most 65 536,
// ROM_OUT_OF_RANGE above; an object takes 4 096 watchers at most, ROM_LIMIT past them). Caller owns
// *watch_p (rom_watch_destroy ()). The watch borrows `proxy`, which must outlive it; the proxy's reference is
// what keeps the object alive, so a watched object ends with its server (or when every proxy, the watcher's
// too, is gone). ROM_NOT_FOUND / ROM_WRONG_TYPE for a path that names no field.
rom_status_t rom_watch_new (rom_proxy_t *proxy, const uint32_t *path, size_t depth, size_t queue,
                            rom_watch_t **watch_p);
// The state when the subscription began, and its version: caller frees *state
// (protobuf_c_message_free_unpacked).
rom_status_t rom_watch_initial (rom_watch_t *watch, ProtobufCMessage **state, uint64_t *version);
// The next change, waiting up to `timeout_ms` (ROM_FOREVER, ROM_NOWAIT): ROM_OK with *change filled (caller
// clears it), ROM_TIMEOUT when none came, ROM_CLOSED once the object is gone (after its .ended change).
// ROM_NOWAIT still asks the server (a poll of 1 ms). A poll that finds the subscriber's queue overflowed
// hands out the queued changes, then one change with .missed and .state (op SET, depth 0, the version then).
rom_status_t rom_watch_next (rom_watch_t *watch, uint32_t timeout_ms, rom_change_t *change);
// Free what a change owns and zero it. Accepts NULL.
void rom_change_clear (rom_change_t *change);
// Unsubscribe (the server drops the queue), free the watch, set *watch_p to NULL. Accepts NULL.
void rom_watch_destroy (rom_watch_t **watch_p);

// --- the server side, called by generated code (x.rom.c) ---------------------------------------------------

// A state type's method table ends with these five entries, in this order ("rom.Apply", "rom.Batch",
// "rom.Watch", "rom.Poll", "rom.Unwatch"), whose invoke functions are the engine's; generated tables copy
// them with ROM_STATE_METHODS. `self` is the state message. The type's rom_type_t has the state message as
// .init (the client side reads message-typed results with it).
#define ROM_STATE_N_METHODS 5u
rom_status_t rom_state_invoke_apply (const void *servant, void *self, const ProtobufCMessage *in,
                                     ProtobufCMessage *out, rom_call_t *call);
rom_status_t rom_state_invoke_batch (const void *servant, void *self, const ProtobufCMessage *in,
                                     ProtobufCMessage *out, rom_call_t *call);
rom_status_t rom_state_invoke_watch (const void *servant, void *self, const ProtobufCMessage *in,
                                     ProtobufCMessage *out, rom_call_t *call);
rom_status_t rom_state_invoke_poll (const void *servant, void *self, const ProtobufCMessage *in,
                                    ProtobufCMessage *out, rom_call_t *call);
rom_status_t rom_state_invoke_unwatch (const void *servant, void *self, const ProtobufCMessage *in,
                                       ProtobufCMessage *out, rom_call_t *call);
#define ROM_STATE_METHODS                                                                                    \
    {.name = "rom.Apply",                                                                                    \
     .input = &rom__state_op__descriptor,                                                                    \
     .output = &rom__state_result__descriptor,                                                               \
     .invoke = rom_state_invoke_apply},                                                                      \
        {.name = "rom.Batch",                                                                                \
         .input = &rom__batch__descriptor,                                                                   \
         .output = &rom__batch_result__descriptor,                                                           \
         .invoke = rom_state_invoke_batch},                                                                  \
        {.name = "rom.Watch",                                                                                \
         .input = &rom__watch_request__descriptor,                                                           \
         .output = &rom__watch_start__descriptor,                                                            \
         .invoke = rom_state_invoke_watch},                                                                  \
        {.name = "rom.Poll",                                                                                 \
         .input = &rom__watch_poll__descriptor,                                                              \
         .output = &rom__changes__descriptor,                                                                \
         .invoke = rom_state_invoke_poll},                                                                   \
    {                                                                                                        \
        .name = "rom.Unwatch", .input = &rom__watch_poll__descriptor,                                        \
        .output = &google__protobuf__empty__descriptor, .invoke = rom_state_invoke_unwatch                   \
    }

// A state type's constructor and destructor (the generated rom_type_t's create/destroy call them): the state
// is a `descriptor` message, a deep copy of `args` (the initial state; NULL or empty: defaults), and *self_p
// points to it: the `self` of the type's hand-written rpcs. The engine keeps its version and watchers beside
// it.
rom_status_t rom_state_create (const rom_type_t *type, const ProtobufCMessageDescriptor *descriptor,
                               const ProtobufCMessage *args, void **self_p, rom_call_t *call);
void rom_state_destroy (void *self);
// A hand-written rpc of a state type returned ROM_OK: the state may have changed. Bumps the version and tells
// watchers (a whole-state change: op SET, depth 0, no value). Generated invoke trampolines call it (so an rpc
// step of a batch, which goes through the trampoline, counts once). Aborts on a `self` that is no state.
void rom_state_touched (void *self, rom_call_t *call);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
