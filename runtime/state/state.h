// state.h: private to librom's declared-state engine (runtime/state/, issue 16). Like the built-ins, the
// engine is written on the public API only (rom/rom.h); this header is what its files share.
//
// Object layout: one allocation holds the engine's bookkeeping (romi_state_head_t) and, just after it at a
// max_align_t boundary, the state message itself. `self` (what create hands the runtime, and what the type's
// hand-written rpcs receive) points at the message, so rom_state_touched (self) finds the head by
// subtracting.
#ifndef ROMI_STATE_H
#define ROMI_STATE_H

#include "rom/rom.h"

#include <stddef.h>
#include <stdlib.h>

#define ROMI_STATE_TAG 0x5354a7e5u // "STATE": a head that is ours (asserts on misuse)

typedef struct romi_state_sub romi_state_sub_t;

typedef struct {
    _Alignas (max_align_t) uint32_t tag;
    const rom_type_t *type;                       // for a batch's rpc steps
    const ProtobufCMessageDescriptor *descriptor; // the state message's
    uint64_t version;                             // bumped by every successful modifying op (and touched)
    uint64_t next_watch;                          // the id of the next subscriber
    romi_state_sub_t *subs;                       // the subscribers, newest first
    bool hooked;                                  // rom_call_on_session_end () is set
    uint64_t depth;                               // > 0: inside a batch (notifications as usual)
} romi_state_head_t;

// The head of a state `self`; aborts on a `self` that is no state object (API misuse: a hand-written type
// table wired wrong). Inline: every file of the engine needs it, and a call to another file would make a
// cycle of files (tests/layout/check_cycles.sh).
static inline romi_state_head_t *
romi_state_head (void *self)
{
    if (!self)
        abort ();
    romi_state_head_t *head = (romi_state_head_t *) (void *) ((char *) self - sizeof (romi_state_head_t));
    if (head->tag != ROMI_STATE_TAG)
        abort ();
    return head;
}

// engine.c: run one operation on `state` (a message of its descriptor). On ROM_OK `out` is filled (its
// memory the call's), *modified says whether the state changed and then `change` describes it (path, op,
// value, key, index; version left to the caller). On failure the state is unchanged and the call's error
// text names the field.
rom_status_t romi_state_exec (ProtobufCMessage *state, const Rom__StateOp *op, Rom__StateResult *out,
                              bool *modified, Rom__Change *change, rom_call_t *call);
// engine_value.c: whether two wire values are equal (a guard).
bool romi_state_value_equal (const Rom__StateValue *a, const Rom__StateValue *b);
// engine.c: replace the whole state with `next` (a message of the same descriptor, caller-allocated with
// malloc, whose fields are owned): `next`'s top struct is freed, its fields now belong to `state`.
void romi_state_replace (ProtobufCMessage *state, ProtobufCMessage *next);
// Free what `state` owns (its fields), not the struct itself (it lives inside the head's allocation).
void romi_state_free_fields (ProtobufCMessage *state);

// watch.c: a modifying op succeeded: bump the version, queue `change` (its version set here) to every
// matching subscriber, answer their parked polls. Returns the new version.
uint64_t romi_state_changed (romi_state_head_t *head, Rom__Change *change, rom_call_t *call);
// The object dies: answer parked polls (ended), free the subscribers.
void romi_state_watch_fini (romi_state_head_t *head);

#endif
