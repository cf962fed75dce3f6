// pipe.c: Pipe (rom.builtins.Pipe): one end of a channel between two processes.
//
// Ends. Python's Pipe () returns two connection objects; so does ours: each end is an object of its own
// (so each has its own references and its own lifetime), created one after the other, the second naming the
// first as its peer (PipeInit.peer), which links their states. An end keeps an inbox: what its peer sends
// and it has not received yet. Why two objects and not one with end numbers: "the other end is gone" is then
// just the end object dying (its last reference dropped: Close, every proxy destroyed, or the session of a
// process that died released), which the runtime already tracks; one object would have to guess which
// session holds which end.
//
// Waiting. A Recv on an empty inbox is a deferred reply in the end's list of receivers; the peer's Send
// completes it directly (the item is packed into that reply before Send returns). This completes a call of
// another object, which is sound because built-ins run inline on the one server thread.
//
// References. An item that is a reference to another shared object keeps that object alive while it waits
// in an inbox, as in a Queue: the receiving end holds it (so its sender may close at once, Python's usual
// send-then-close), and lets go once it is received or when the end dies. A reference handed straight to a
// waiting receiver needs no holder: the reply takes the receiver's own.
//
// Closing. When an end closes or dies, its peer is unlinked and marked: it still receives what was already
// sent, then Recv answers ROM_CLOSED (Python's EOFError); waiting receivers are answered ROM_CLOSED at once,
// and Send answers ROM_CLOSED.
#include "builtins.h"
#include "items.h"

#include <stdlib.h>
#include <string.h>

#include "rom/builtins/pipe.rom.h"

typedef struct pipe_end pipe_end_t;
struct pipe_end {
    pipe_end_t *peer; // the linked other end; NULL before linking and after it closed
    uint64_t peer_id; // the peer's object id: the holder of references sent to it
    bool linked;      // has ever had a peer (an end is linked once)
    bool closed;      // Close was called on this end
    bool peer_closed; // the peer closed or died
    bool can_send, can_recv;
    romi_sync_items_t inbox;
    romi_sync_waitq_t receivers;
};

static rom_status_t
s_create (void *ctx, const Rom__Builtins__PipeInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    pipe_end_t *peer = NULL;
    if (args && args->peer) {
        peer = rom_call_find_object (call, args->peer, &rom__builtins__pipe__rom_type);
        if (!peer)
            return rom_call_fail (call, ROM_NO_OBJECT, "no Pipe end #%llu to link to",
                                  (unsigned long long) args->peer);
        if (peer->linked || peer->closed)
            return rom_call_fail (call, ROM_APP_ERROR, "Pipe end #%llu has a peer already",
                                  (unsigned long long) args->peer);
    }
    pipe_end_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "out of memory");
    romi_sync_items_init (&self->inbox);
    romi_sync_waitq_init (&self->receivers);
    if (peer) {
        // The first end decided the direction: one-way pipes receive on the first end, send on the second.
        self->can_send = true;
        self->can_recv = peer->can_send;
        self->peer = peer;
        self->peer_id = args->peer;
        self->linked = true;
        peer->peer = self;
        peer->peer_id = rom_call_object_id (call); // this end's, once made
        peer->linked = true;
    } else {
        bool duplex = args && args->duplex;
        self->can_recv = true;
        self->can_send = duplex;
    }
    *self_p = self;
    return ROM_OK;
}

// The peer of `end` is gone: wake what waits on `end` with CLOSED once its inbox is empty.
static void
s_peer_gone (pipe_end_t *end)
{
    end->peer = NULL;
    end->peer_closed = true;
    romi_sync_waitq_fail_all (&end->receivers, ROM_CLOSED, "the other end of the pipe is closed");
}

static void
s_close (pipe_end_t *end)
{
    if (end->closed)
        return;
    end->closed = true;
    romi_sync_waitq_fail_all (&end->receivers, ROM_CLOSED, "this end of the pipe was closed");
    if (end->peer)
        s_peer_gone (end->peer);
    end->peer = NULL;
}

static void
s_destroy (void *self)
{
    pipe_end_t *end = self;
    s_close (end);
    romi_sync_items_clear (&end->inbox);
    free (end);
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    romi_sync_waitq_forget (&((pipe_end_t *) self)->receivers, call);
}

static rom_status_t
s_send (void *self, const Rom__Builtins__SyncItem *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) out;
    pipe_end_t *end = self;
    if (!end->can_send)
        return rom_call_fail (call, ROM_APP_ERROR, "this end of a one-way pipe only receives");
    if (end->closed)
        return rom_call_fail (call, ROM_CLOSED, "this end of the pipe is closed");
    if (!end->peer)
        return rom_call_fail (call, end->peer_closed ? ROM_CLOSED : ROM_APP_ERROR,
                              end->peer_closed ? "the other end of the pipe is closed"
                                               : "this pipe end has no peer yet");
    pipe_end_t *peer = end->peer;
    if (romi_sync_waitq_hand_item (&peer->receivers, in))
        return ROM_OK;
    // In the inbox, a reference is held by the receiving end (not by a reference to that end itself: it
    // cannot outlive its own inbox anyway).
    const Rom__ObjectRef *ref = romi_sync_item_ref (in);
    uint64_t holder = ref && ref->id != end->peer_id ? end->peer_id : 0;
    return romi_sync_items_push (&peer->inbox, in, holder, call);
}

static rom_status_t
s_recv (void *self, const Rom__Builtins__RecvRequest *in, Rom__Builtins__SyncItem *out, rom_call_t *call)
{
    pipe_end_t *end = self;
    if (!end->can_recv)
        return rom_call_fail (call, ROM_APP_ERROR, "this end of a one-way pipe only sends");
    if (end->closed)
        return rom_call_fail (call, ROM_CLOSED, "this end of the pipe is closed");
    if (romi_sync_items_count (&end->inbox))
        return romi_sync_items_take (&end->inbox, out, call);
    if (end->peer_closed)
        return rom_call_fail (call, ROM_CLOSED,
                              "the other end of the pipe is closed and nothing is left to receive");
    if (in->nowait)
        return rom_call_fail (call, ROM_TIMEOUT, "nothing to receive");
    return romi_sync_waitq_defer (&end->receivers, call, 0, s_on_cancel, NULL);
}

static rom_status_t
s_poll (void *self, const Google__Protobuf__Empty *in, Rom__Builtins__Flag *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    pipe_end_t *end = self;
    out->value = romi_sync_items_count (&end->inbox) != 0 || end->peer_closed || end->closed;
    return ROM_OK;
}

static rom_status_t
s_close_method (void *self, const Google__Protobuf__Empty *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) in;
    (void) out;
    (void) call;
    s_close (self);
    return ROM_OK;
}

static const Rom__Builtins__Pipe_Servant s_pipe = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .send = s_send,
    .recv = s_recv,
    .poll = s_poll,
    .close = s_close_method,
};

rom_status_t
romi_builtin_pipe_register (rom_server_t *server)
{
    return rom__builtins__pipe__rom_register (server, &s_pipe, NULL);
}
