// romi_wire.h: the wire protocol, all of it (wire.c): how calls and replies are framed, packed, received and
// batched, over the transport seam (romi_transport.h). The client and the server each receive through one
// function here, and the batch encoder and decoder live side by side.
//
// A call is [CallHeader][payload] (a listener sees [peer][CallHeader][payload]); a reply [ReplyHeader]
// [payload] or, batched, [empty][entries]. Replies to one peer that the server produces in one pass of its
// loop may travel as one message, but only for calls whose caller said it reads them (CALL_BATCH_OK): each
// frame costs both ends and both I/O threads more than the few bytes it carries. A ReplyHeader frame is
// never empty (a reply has a call id or a status), so the empty frame marks a batch. The batch frame is a
// sequence of entries, each [varint header size][ReplyHeader][varint payload size][payload].
#ifndef ROMI_WIRE_H
#define ROMI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rom/wire.pb-c.h"
#include "romi_transport.h"

// --- packing -----------------------------------------------------------------------------------------------

// Pack `msg` (NULL: an empty frame) into a new frame, straight into its buffer: a large payload is copied
// once, by the pack. -1 with errno ENOMEM (the frame is then empty).
int romi_wire_pack (romi_frame_t *frame, const ProtobufCMessage *msg);

// Decode a header frame. NULL when the frame is not a valid header of that type or is over ROM_HEADER_MAX
// (a reply's, over ROM_HEADER_MAX + ROM_ERRMSG_MAX: it may carry an error text). The caller frees the
// result with protobuf_c_message_free_unpacked (..., NULL).
Rom__CallHeader *romi_wire_decode_call (const void *data, size_t size);
Rom__ReplyHeader *romi_wire_decode_reply (const void *data, size_t size);

// Whether a payload of message type `desc` nests sub-messages deeper than ROM_MAX_DEPTH. protobuf-c 1.4.1
// unpacks recursively without a limit, so a recursive type (google.protobuf.Value, a tree) sent 100 000
// levels deep (400 KB) overflows the stack of whoever unpacks it: check before every unpack of what a peer
// sent. Malformed input is not judged here (false): the unpack refuses it.
bool romi_wire_too_deep (const ProtobufCMessageDescriptor *desc, const void *data, size_t size);

// --- the client's side -------------------------------------------------------------------------------------

// The two frames of a call, [CallHeader][payload], for romi_send () (which may be retried with them). -1
// with errno when out of memory: both frames are then empty.
int romi_wire_call_encode (romi_frame_t frames[2], const Rom__CallHeader *header,
                           const ProtobufCMessage *payload);

// One reply message as a client receives it: one reply, or a batch of them.
typedef struct {
    romi_msg_t msg;
    const uint8_t *p, *end; // a batch's entries not read yet
    bool batch;
    bool taken; // a single reply was handed out
} romi_wire_replies_t;

// Receive one reply message within `wait_ms` (as romi_recv ()). -1 with errno EAGAIN when none came; `in` is
// then empty (closing it is harmless).
int romi_wire_recv_replies (romi_conn_t *dialer, long wait_ms, romi_wire_replies_t *in);
// The next reply of `in`: *header decoded (the caller frees it; NULL for a single reply whose header frame is
// malformed) and its payload in `payload` (initialized here; the caller closes it). False when there is none
// left, or at a malformed batch entry: the calls it would have answered time out, as for any reply lost.
bool romi_wire_replies_next (romi_wire_replies_t *in, Rom__ReplyHeader **header, romi_frame_t *payload);
// Give up what `in` holds (its frames); harmless on an empty one.
void romi_wire_replies_close (romi_wire_replies_t *in);

// --- the server's side -------------------------------------------------------------------------------------

// What a received message is, as a call.
typedef enum {
    ROMI_WIRE_CALL,        // [peer][CallHeader][payload], of this protocol version
    ROMI_WIRE_PEER_ONLY,   // a peer frame alone: nothing to answer (drop it)
    ROMI_WIRE_BAD_HEADER,  // the second frame is not a CallHeader: BAD_REQUEST, call id 0
    ROMI_WIRE_BAD_VERSION, // another protocol version: refuse it, naming ours (header set)
    ROMI_WIRE_BAD_FRAMES,  // not exactly one payload frame after the header (header set)
} romi_wire_verdict_t;

// One call as the server receives it.
typedef struct {
    romi_msg_t msg;
    Rom__CallHeader *header; // decoded; NULL for PEER_ONLY and BAD_HEADER
    romi_wire_verdict_t verdict;
} romi_wire_call_t;

// The caller's routing id, the header frame's size and the payload of a received call.
#define romi_wire_call_peer(call) (&(call)->msg.frames[0])
#define romi_wire_call_header_size(call) romi_frame_size (&(call)->msg.frames[1])
#define romi_wire_call_payload(call) (&(call)->msg.frames[2])
// How many frames came after the header (1 for a well-formed call).
#define romi_wire_call_frames_after_header(call) ((call)->msg.n - 2 + (call)->msg.extra)

// Receive the next call waiting on `listener`, without blocking, and judge it: false when none is waiting.
// The header is decoded under the version check first: under another version the other fields (and the
// frame layout) may mean something else, and an empty frame decodes as a header of version 0.
bool romi_wire_recv_call (romi_conn_t *listener, romi_wire_call_t *call);
// Free the header and close the frames of `call` (after romi_wire_recv_call (), whatever it returned).
void romi_wire_call_close (romi_wire_call_t *call);

// Send [peer][ReplyHeader][payload] without waiting: a peer that does not read its replies (or is gone) loses
// this one, it never blocks the server. -1 with errno when it was not sent.
int romi_wire_send_reply (romi_conn_t *listener, const romi_frame_t *peer, const Rom__ReplyHeader *header,
                          const ProtobufCMessage *payload);

// A batch of replies to one peer being built: start (init, or after a flush), add entries, flush.
typedef struct {
    romi_frame_t peer;
    uint8_t *buf;
    size_t size, capacity; // bytes of entries written, allocated
    size_t entry_max;      // a reply whose header and payload are larger goes alone
    unsigned count;        // entries
} romi_wire_batch_t;

// An empty batch whose entries (header and payload) may be up to `entry_max` bytes each.
void romi_wire_batch_init (romi_wire_batch_t *self, size_t entry_max);
// Free its buffer and peer (what is in it is not sent: flush first).
void romi_wire_batch_fini (romi_wire_batch_t *self);
// Whether a reply to `peer` may join (the batch is empty, or is for that peer).
bool romi_wire_batch_fits (const romi_wire_batch_t *self, const romi_frame_t *peer);
// Append a reply to `peer` (the batch's peer, or it is empty). False when it cannot join (over entry_max,
// out of memory): send it alone.
bool romi_wire_batch_add (romi_wire_batch_t *self, const romi_frame_t *peer, const Rom__ReplyHeader *header,
                          const ProtobufCMessage *payload);
// Finish the batch into the frames of one message: a lone entry as a plain [peer][ReplyHeader][payload]
// (every reader takes that), several as [peer][empty][entries]. Returns the frames made (3), or 0 when the
// batch is empty or out of memory; the builder is empty afterwards either way.
size_t romi_wire_batch_finish (romi_wire_batch_t *self, romi_frame_t frames[3]);
// Finish and send without waiting: the number of replies lost (0 when sent, or the batch was empty).
unsigned romi_wire_batch_flush (romi_wire_batch_t *self, romi_conn_t *listener);

// The entry codec under the builder and the client's reader (exposed for their tests).
// Append one entry for `header` and `payload` (NULL: empty) at `dst`, which has room for
// ROM_WIRE_BATCH_ENTRY_MAX (hsize, psize) bytes (the packed sizes); returns the bytes written.
#define ROM_WIRE_BATCH_ENTRY_MAX(hsize, psize) ((hsize) + (psize) + 20u)
size_t romi_wire_batch_put (uint8_t *dst, const ProtobufCMessage *header, size_t hsize,
                            const ProtobufCMessage *payload, size_t psize);
// Read the entry at *p (before end) and advance *p past it; false at the end or at anything malformed.
bool romi_wire_batch_next (const uint8_t **p, const uint8_t *end, const uint8_t **header, size_t *hsize,
                           const uint8_t **payload, size_t *psize);

#endif
