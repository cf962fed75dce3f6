// watch.c: subscribers of a declared-state object (rom.Watch, rom.Poll, rom.Unwatch). A subscriber is a
// session, an id, a path filter and a bounded ring of changes, kept packed (a change is packed once per
// operation and copied to each matching ring). A full ring drops the new change and counts it in `missed`:
// the writer never waits for a reader. The next poll then answers the queued changes, the count, and the
// whole state packed, so the reader resynchronizes.
//
// Polls are long polls: rom.Poll answers at once when something is queued, else it parks (ROM_DEFERRED, at
// most one per subscriber) until the next matching change completes it, or the caller's deadline answers
// an empty list. A subscriber whose session ends is dropped (rom_call_on_session_end ()); when the object
// dies the runtime cancels parked polls before rom_state_destroy () frees the rings, and the cancel hook
// answers them `ended`.
#include "state.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define S_QUEUE_DEFAULT 1024u
// Bounds on what a peer's numbers make the server hold: a subscriber's queue is allocated whole at once
// (16 bytes a slot), and every change is offered to every subscriber of the object.
#define S_QUEUE_MAX 65536u
#define S_SUBS_MAX 4096u

struct romi_state_sub {
    romi_state_sub_t *next;
    uint64_t id;
    uint64_t session;
    uint32_t path[ROM_STATE_MAX_DEPTH];
    size_t depth;
    ProtobufCBinaryData *ring; // packed rom.Change, `count` of them from `first`
    size_t capacity, first, count;
    uint64_t missed;    // dropped since the last poll
    rom_call_t *parked; // a waiting poll, or NULL
    uint32_t parked_max;
};

static void
s_sub_free (romi_state_sub_t *sub)
{
    for (size_t i = 0; i < sub->count; i++)
        free (sub->ring[(sub->first + i) % sub->capacity].data);
    free (sub->ring);
    free (sub);
}

static romi_state_sub_t **
s_find (romi_state_head_t *head, uint64_t id)
{
    romi_state_sub_t **p = &head->subs;
    while (*p && (*p)->id != id)
        p = &(*p)->next;
    return p;
}

// A change at `path` concerns a subscriber to `filter` when one is a prefix of the other (a whole-state
// change concerns every field; a change below the watched field concerns it).
static bool
s_matches (const romi_state_sub_t *sub, const Rom__Change *change)
{
    size_t n = sub->depth < change->n_path ? sub->depth : change->n_path;
    for (size_t i = 0; i < n; i++)
        if (sub->path[i] != change->path[i])
            return false;
    return true;
}

// Fill `out` with up to `max` queued changes (0: all) unpacked into `call`'s memory, and once the ring is
// drained the missed count and the state.
static rom_status_t
s_fill (romi_state_head_t *head, romi_state_sub_t *sub, uint32_t max, Rom__Changes *out, rom_call_t *call)
{
    size_t n = max && max < sub->count ? max : sub->count;
    out->version = head->version;
    out->changes = rom_call_alloc (call, (n ? n : 1) * sizeof *out->changes);
    if (!out->changes)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    ProtobufCAllocator allocator;
    rom_call_allocator (call, &allocator);
    for (size_t i = 0; i < n; i++) {
        ProtobufCBinaryData *b = &sub->ring[sub->first];
        out->changes[out->n_changes] = (Rom__Change *) protobuf_c_message_unpack (&rom__change__descriptor,
                                                                                  &allocator, b->len,
                                                                                  b->data);
        if (out->changes[out->n_changes])
            out->n_changes++;
        free (b->data);
        b->data = NULL;
        sub->first = (sub->first + 1) % sub->capacity;
        sub->count--;
    }
    if (sub->count == 0 && sub->missed) {
        ProtobufCMessage *state = (ProtobufCMessage *) (void *) ((char *) head + sizeof *head);
        size_t size = protobuf_c_message_get_packed_size (state);
        out->state.data = rom_call_alloc (call, size ? size : 1);
        if (!out->state.data)
            return rom_call_fail (call, ROM_NOMEM, "out of memory");
        out->state.len = protobuf_c_message_pack (state, out->state.data);
        out->missed = sub->missed;
        sub->missed = 0;
    }
    return ROM_OK;
}

static void
s_answer_parked (romi_state_head_t *head, romi_state_sub_t *sub)
{
    rom_call_t *call = sub->parked;
    sub->parked = NULL;
    rom_status_t status = s_fill (head, sub, sub->parked_max, (Rom__Changes *) rom_call_output (call), call);
    rom_call_complete (call, status);
}

uint64_t
romi_state_changed (romi_state_head_t *head, Rom__Change *change, rom_call_t *call)
{
    (void) call;
    change->version = ++head->version;
    uint8_t *packed = NULL;
    size_t size = 0;
    for (romi_state_sub_t *sub = head->subs; sub; sub = sub->next) {
        if (!s_matches (sub, change))
            continue;
        if (!packed) {
            size = protobuf_c_message_get_packed_size (&change->base);
            if (!(packed = malloc (size ? size : 1))) {
                sub->missed++; // no memory: counted as missed, the reader gets the state
                continue;
            }
            protobuf_c_message_pack (&change->base, packed);
        }
        uint8_t *copy = sub->count < sub->capacity ? malloc (size ? size : 1) : NULL;
        if (!copy)
            sub->missed++;
        else {
            memcpy (copy, packed, size);
            ProtobufCBinaryData *b = &sub->ring[(sub->first + sub->count) % sub->capacity];
            b->data = copy;
            b->len = size;
            sub->count++;
        }
        if (sub->parked)
            s_answer_parked (head, sub);
    }
    free (packed);
    return head->version;
}

void
romi_state_watch_fini (romi_state_head_t *head)
{
    while (head->subs) {
        romi_state_sub_t *sub = head->subs;
        head->subs = sub->next;
        if (sub->parked) { // the runtime cancels waiting calls before destroy; answered here if one is left
            Rom__Changes *out = (Rom__Changes *) rom_call_output (sub->parked);
            out->ended = true;
            rom_call_complete (sub->parked, ROM_OK);
        }
        s_sub_free (sub);
    }
}

static void
s_session_end (void *self, uint64_t session)
{
    romi_state_head_t *head = romi_state_head (self);
    for (romi_state_sub_t **p = &head->subs; *p;) {
        romi_state_sub_t *sub = *p;
        if (sub->session != session) {
            p = &sub->next;
            continue;
        }
        *p = sub->next;
        if (sub->parked)
            rom_call_complete (sub->parked, rom_call_fail (sub->parked, ROM_CLOSED, "the session ended"));
        s_sub_free (sub);
    }
}

// The runtime gives up on a parked poll: its deadline passed (answered: an empty list), or its object dies or
// its server stops (answered: ended), or its session ended (nobody reads the answer). rom_call_fail () with
// ROM_OK makes the runtime send the output instead of its own status.
static void
s_poll_cancel (void *self, rom_call_t *call)
{
    romi_state_head_t *head = romi_state_head (self);
    for (romi_state_sub_t *sub = head->subs; sub; sub = sub->next)
        if (sub->parked == call)
            sub->parked = NULL;
    Rom__Changes *out = (Rom__Changes *) rom_call_output (call);
    out->version = head->version;
    out->ended = rom_call_remaining_ms (call) > 0;
    rom_call_fail (call, ROM_OK, "%s", out->ended ? "the object is gone" : "no change before the deadline");
}

rom_status_t
rom_state_invoke_watch (const void *servant, void *self, const ProtobufCMessage *in_, ProtobufCMessage *out_,
                        rom_call_t *call)
{
    (void) servant;
    romi_state_head_t *head = romi_state_head (self);
    const Rom__WatchRequest *in = (const Rom__WatchRequest *) in_;
    Rom__WatchStart *out = (Rom__WatchStart *) out_;
    // The filter must name a field: a GET of it says so (and costs one copy, once).
    Rom__StateOp get = ROM__STATE_OP__INIT;
    get.op = ROM__STATE_OP_CODE__STATE_OP_GET;
    get.n_path = in->n_path;
    get.path = in->path;
    Rom__StateResult result = ROM__STATE_RESULT__INIT;
    Rom__Change change = ROM__CHANGE__INIT;
    bool modified = false;
    rom_status_t status = romi_state_exec (self, &get, &result, &modified, &change, call);
    if (status != ROM_OK)
        return status;
    if (in->queue > S_QUEUE_MAX)
        return rom_call_fail (call, ROM_OUT_OF_RANGE, "a queue of %u changes: at most %u", in->queue,
                              S_QUEUE_MAX);
    size_t subs = 0;
    for (romi_state_sub_t *s = head->subs; s; s = s->next)
        subs++;
    if (subs >= S_SUBS_MAX)
        return rom_call_fail (call, ROM_LIMIT, "the object has %zu watchers, its limit", subs);
    romi_state_sub_t *sub = calloc (1, sizeof *sub);
    size_t capacity = in->queue ? in->queue : S_QUEUE_DEFAULT;
    if (sub)
        sub->ring = calloc (capacity, sizeof *sub->ring);
    if (!sub || !sub->ring) {
        free (sub);
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    }
    sub->capacity = capacity;
    sub->id = head->next_watch++;
    sub->session = rom_call_session (call);
    sub->depth = in->n_path;
    if (in->n_path) // a NULL path when empty: no memcpy of NULL, even of 0 bytes (UBSan)
        memcpy (sub->path, in->path, in->n_path * sizeof *in->path);
    size_t size = protobuf_c_message_get_packed_size ((ProtobufCMessage *) self);
    out->state.data = rom_call_alloc (call, size ? size : 1);
    if (!out->state.data) {
        s_sub_free (sub);
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    }
    out->state.len = protobuf_c_message_pack ((ProtobufCMessage *) self, out->state.data);
    out->watch = sub->id;
    out->version = head->version;
    sub->next = head->subs;
    head->subs = sub;
    if (!head->hooked && !(head->type && (head->type->flags & ROM_TYPE_POOL))) { // pool types may not hook
        rom_call_on_session_end (call, s_session_end);
        head->hooked = true;
    }
    return ROM_OK;
}

rom_status_t
rom_state_invoke_poll (const void *servant, void *self, const ProtobufCMessage *in_, ProtobufCMessage *out_,
                       rom_call_t *call)
{
    (void) servant;
    romi_state_head_t *head = romi_state_head (self);
    const Rom__WatchPoll *in = (const Rom__WatchPoll *) in_;
    romi_state_sub_t *sub = *s_find (head, in->watch);
    if (!sub)
        return rom_call_fail (call, ROM_NOT_FOUND, "no watch %" PRIu64 " on this object", in->watch);
    if (sub->parked)
        return rom_call_fail (call, ROM_INVALID, "watch %" PRIu64 " has a poll waiting already", in->watch);
    // A pool type ((rom.pool)) may not defer: its polls answer at once, so its watchers poll without waiting.
    bool pool = head->type && (head->type->flags & ROM_TYPE_POOL);
    if (sub->count || sub->missed || rom_call_remaining_ms (call) == 0 || pool)
        return s_fill (head, sub, in->max, (Rom__Changes *) out_, call);
    sub->parked = call;
    sub->parked_max = in->max;
    rom_call_on_cancel (call, s_poll_cancel);
    return ROM_DEFERRED;
}

rom_status_t
rom_state_invoke_unwatch (const void *servant, void *self, const ProtobufCMessage *in_, ProtobufCMessage *out,
                          rom_call_t *call)
{
    (void) servant;
    (void) out;
    romi_state_head_t *head = romi_state_head (self);
    const Rom__WatchPoll *in = (const Rom__WatchPoll *) in_;
    romi_state_sub_t **p = s_find (head, in->watch);
    if (!*p)
        return rom_call_fail (call, ROM_NOT_FOUND, "no watch %" PRIu64 " on this object", in->watch);
    romi_state_sub_t *sub = *p;
    *p = sub->next;
    if (sub->parked)
        rom_call_complete (sub->parked, rom_call_fail (sub->parked, ROM_CLOSED, "the watch was dropped"));
    s_sub_free (sub);
    return ROM_OK;
}
