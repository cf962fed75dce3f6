// wire.c: the wire protocol (romi_wire.h): packing, the client's and the server's one receive path each,
// replies sent alone or batched, and the batch codec. Payloads are packed directly into frame buffers, so a
// large message is copied once (by the pack) and handed to the transport without another copy.
#include "rom_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Large frames are packed into buffers recycled through a small process-wide cache rather than into a
// fresh ZMQ allocation each. glibc serves such sizes with mmap () and gives them back with munmap () (or
// trims them off its heap), so every fresh 1 MiB frame faulted in 256 pages: measured with bench/'s 1 MiB
// Echo, that cost more than the copies themselves (~600 -> ~1100 echoes/s). ZMQ hands a buffer back through
// s_big_give () from its I/O thread once it is written out. The cache lock is only ever tried, never waited
// for: contention, or a lock inherited locked across fork (), simply bypasses the cache. At most
// ROM_WIRE_BIG_KEEP x ROM_WIRE_BIG_MAX bytes stay allocated. (The same cache for the server's arena chunks
// of large inputs measured no better: glibc's dynamic mmap threshold already keeps a buffer that is freed
// by the thread that took it; ZMQ frees frames in another thread.)
#define ROM_WIRE_BIG (64u << 10)    // frames from this size on use the cache
#define ROM_WIRE_BIG_KEEP 4u        // buffers kept
#define ROM_WIRE_BIG_MAX (4u << 20) // larger buffers are not kept

static pthread_mutex_t s_big_lock = PTHREAD_MUTEX_INITIALIZER;
static void *s_big[ROM_WIRE_BIG_KEEP];
static size_t s_big_capacity[ROM_WIRE_BIG_KEEP];

// A buffer of at least `size` bytes (the smallest cached one that fits, else a new one); its capacity in
// *capacity. NULL when out of memory.
static void *
s_big_take (size_t size, size_t *capacity)
{
    void *buf = NULL;
    if (pthread_mutex_trylock (&s_big_lock) == 0) {
        size_t best = ROM_WIRE_BIG_KEEP;
        for (size_t i = 0; i < ROM_WIRE_BIG_KEEP; i++)
            if (s_big[i] && s_big_capacity[i] >= size
                && (best == ROM_WIRE_BIG_KEEP || s_big_capacity[i] < s_big_capacity[best]))
                best = i;
        if (best < ROM_WIRE_BIG_KEEP) {
            buf = s_big[best];
            *capacity = s_big_capacity[best];
            s_big[best] = NULL;
        }
        pthread_mutex_unlock (&s_big_lock);
    }
    if (!buf && (buf = malloc (size)))
        *capacity = size;
    return buf;
}

// ZMQ's free function for cached frames: keep the buffer (replacing a smaller one) or free it.
static void
s_big_give (void *data, void *hint)
{
    size_t capacity = (size_t) (uintptr_t) hint;
    if (capacity <= ROM_WIRE_BIG_MAX && pthread_mutex_trylock (&s_big_lock) == 0) {
        size_t slot = ROM_WIRE_BIG_KEEP;
        for (size_t i = 0; i < ROM_WIRE_BIG_KEEP && slot == ROM_WIRE_BIG_KEEP; i++)
            if (!s_big[i])
                slot = i;
        for (size_t i = 0; i < ROM_WIRE_BIG_KEEP && slot == ROM_WIRE_BIG_KEEP; i++)
            if (s_big_capacity[i] < capacity)
                slot = i;
        if (slot < ROM_WIRE_BIG_KEEP) {
            void *old = s_big[slot];
            s_big[slot] = data;
            s_big_capacity[slot] = capacity;
            data = old;
        }
        pthread_mutex_unlock (&s_big_lock);
    }
    free (data);
}

int
romi_wire_pack (romi_frame_t *frame, const ProtobufCMessage *msg)
{
    size_t size = msg ? protobuf_c_message_get_packed_size (msg) : 0;
    if (size >= ROM_WIRE_BIG) {
        size_t capacity = 0;
        void *buf = s_big_take (size, &capacity);
        if (!buf || romi_frame_init_data (frame, buf, size, s_big_give, (void *) (uintptr_t) capacity) != 0) {
            free (buf);
            romi_frame_init (frame);
            errno = ENOMEM;
            return -1;
        }
    } else if (romi_frame_init_size (frame, size) != 0) {
        errno = ENOMEM;
        return -1;
    }
    if (size > 0)
        protobuf_c_message_pack (msg, romi_frame_data (frame));
    return 0;
}

Rom__CallHeader *
romi_wire_decode_call (const void *data, size_t size)
{
    if (size > ROM_HEADER_MAX)
        return NULL;
    return rom__call_header__unpack (NULL, size, data);
}

Rom__ReplyHeader *
romi_wire_decode_reply (const void *data, size_t size)
{
    // Replies may carry a long error text; still bound it so a hostile peer cannot make us allocate much.
    if (size > ROM_HEADER_MAX + ROM_ERRMSG_MAX)
        return NULL;
    return rom__reply_header__unpack (NULL, size, data);
}

// Read a varint at *p (before end); false when it is cut short or longer than ten bytes.
static bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *value)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t byte = *(*p)++;
        v |= (uint64_t) (byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *value = v;
            return true;
        }
    }
    return false;
}

static size_t
s_put_varint (uint8_t *dst, uint64_t value)
{
    size_t n = 0;
    while (value >= 0x80) {
        dst[n++] = (uint8_t) (value | 0x80);
        value >>= 7;
    }
    dst[n++] = (uint8_t) value;
    return n;
}

size_t
romi_wire_batch_put (uint8_t *dst, const ProtobufCMessage *header, size_t hsize,
                     const ProtobufCMessage *payload, size_t psize)
{
    size_t n = s_put_varint (dst, hsize);
    n += protobuf_c_message_pack (header, dst + n);
    n += s_put_varint (dst + n, payload ? psize : 0);
    if (payload)
        n += protobuf_c_message_pack (payload, dst + n);
    return n;
}

bool
romi_wire_batch_next (const uint8_t **p, const uint8_t *end, const uint8_t **header, size_t *hsize,
                      const uint8_t **payload, size_t *psize)
{
    const uint8_t *q = *p;
    uint64_t h, n;
    if (q >= end || !s_varint (&q, end, &h) || h > (uint64_t) (end - q))
        return false;
    *header = q;
    q += h;
    if (!s_varint (&q, end, &n) || n > (uint64_t) (end - q))
        return false;
    *payload = q;
    *hsize = (size_t) h;
    *psize = (size_t) n;
    *p = q + n;
    return true;
}

// Walk the fields of one message, descending into sub-messages the descriptor knows. Stops (true) at the
// first thing it cannot read: protobuf-c refuses that input itself, with its own verdict.
static bool
s_too_deep (const ProtobufCMessageDescriptor *desc, const uint8_t *p, const uint8_t *end, unsigned depth)
{
    if (depth > ROM_MAX_DEPTH)
        return true;
    while (p < end) {
        uint64_t tag, len;
        if (!s_varint (&p, end, &tag))
            return false;
        switch (tag & 7) {
        case PROTOBUF_C_WIRE_TYPE_VARINT:
            if (!s_varint (&p, end, &len))
                return false;
            break;
        case PROTOBUF_C_WIRE_TYPE_64BIT:
            if (end - p < 8)
                return false;
            p += 8;
            break;
        case PROTOBUF_C_WIRE_TYPE_32BIT:
            if (end - p < 4)
                return false;
            p += 4;
            break;
        case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: {
            if (!s_varint (&p, end, &len) || len > (uint64_t) (end - p))
                return false;
            const ProtobufCFieldDescriptor *field =
                tag >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field (desc, (unsigned) (tag >> 3))
                                       : NULL;
            if (field && field->type == PROTOBUF_C_TYPE_MESSAGE
                && s_too_deep (field->descriptor, p, p + len, depth + 1))
                return true;
            p += len;
            break;
        }
        default: return false; // groups, or not protobuf at all
        }
    }
    return false;
}

bool
romi_wire_too_deep (const ProtobufCMessageDescriptor *desc, const void *data, size_t size)
{
    // Each level costs at least a tag byte and a length byte: a payload this small cannot nest too deep,
    // and the usual small call pays nothing for the check.
    if (size < 2 * ROM_MAX_DEPTH)
        return false;
    return s_too_deep (desc, data, (const uint8_t *) data + size, 1);
}

// --- the client's side -------------------------------------------------------------------------------------

int
romi_wire_call_encode (romi_frame_t frames[2], const Rom__CallHeader *header, const ProtobufCMessage *payload)
{
    if (romi_wire_pack (&frames[0], &header->base) != 0)
        return -1;
    if (romi_wire_pack (&frames[1], payload) != 0) {
        romi_frame_close (&frames[0]);
        return -1;
    }
    return 0;
}

int
romi_wire_recv_replies (romi_conn_t *dialer, long wait_ms, romi_wire_replies_t *in)
{
    in->batch = in->taken = false;
    in->p = in->end = NULL;
    if (romi_recv (dialer, &in->msg, wait_ms) != 0)
        return -1;
    // An empty first frame: a batch (a ReplyHeader frame is never empty).
    if (romi_frame_size (&in->msg.frames[0]) == 0) {
        in->batch = true;
        in->p = romi_frame_cdata (&in->msg.frames[1]);
        in->end = in->p + romi_frame_size (&in->msg.frames[1]);
    }
    return 0;
}

bool
romi_wire_replies_next (romi_wire_replies_t *in, Rom__ReplyHeader **header, romi_frame_t *payload)
{
    romi_frame_init (payload);
    *header = NULL;
    if (!in->batch) {
        // A well-formed reply has two frames; one without a payload frame gets an empty payload.
        if (in->taken || in->msg.n == 0)
            return false;
        in->taken = true;
        *header = romi_wire_decode_reply (romi_frame_cdata (&in->msg.frames[0]),
                                          romi_frame_size (&in->msg.frames[0]));
        romi_frame_move (payload, &in->msg.frames[1]);
        return true;
    }
    const uint8_t *head, *data;
    size_t head_size, size;
    if (!romi_wire_batch_next (&in->p, in->end, &head, &head_size, &data, &size))
        return false;
    if (!(*header = romi_wire_decode_reply (head, head_size)) || romi_frame_init_size (payload, size) != 0) {
        if (*header)
            protobuf_c_message_free_unpacked (&(*header)->base, NULL);
        *header = NULL;
        in->p = in->end; // the rest of a batch that went wrong is not trusted
        return false;
    }
    memcpy (romi_frame_data (payload), data, size);
    return true;
}

void
romi_wire_replies_close (romi_wire_replies_t *in)
{
    romi_msg_close (&in->msg);
    in->p = in->end = NULL;
}

// --- the server's side -------------------------------------------------------------------------------------

bool
romi_wire_recv_call (romi_conn_t *listener, romi_wire_call_t *call)
{
    call->header = NULL;
    if (romi_recv (listener, &call->msg, 0) != 0)
        return false;
    romi_msg_t *msg = &call->msg;
    if (msg->n < 2) {
        call->verdict = ROMI_WIRE_PEER_ONLY;
        return true;
    }
    call->header = romi_wire_decode_call (romi_frame_cdata (&msg->frames[1]),
                                          romi_frame_size (&msg->frames[1]));
    if (!call->header)
        call->verdict = ROMI_WIRE_BAD_HEADER;
    else if (call->header->version != ROM_PROTOCOL_VERSION)
        call->verdict = ROMI_WIRE_BAD_VERSION;
    else if (msg->n != 3 || msg->extra)
        call->verdict = ROMI_WIRE_BAD_FRAMES;
    else
        call->verdict = ROMI_WIRE_CALL;
    return true;
}

void
romi_wire_call_close (romi_wire_call_t *call)
{
    if (call->header)
        protobuf_c_message_free_unpacked (&call->header->base, NULL);
    call->header = NULL;
    romi_msg_close (&call->msg);
}

int
romi_wire_send_reply (romi_conn_t *listener, const romi_frame_t *peer, const Rom__ReplyHeader *header,
                      const ProtobufCMessage *payload)
{
    romi_frame_t frames[3];
    romi_frame_init (&frames[0]);
    if (romi_frame_copy (&frames[0], peer) != 0)
        return -1;
    if (romi_wire_pack (&frames[1], &header->base) != 0) {
        romi_frame_close (&frames[0]);
        return -1;
    }
    if (romi_wire_pack (&frames[2], payload) != 0) {
        romi_frame_close (&frames[0]);
        romi_frame_close (&frames[1]);
        return -1;
    }
    if (romi_send (listener, frames, 3, ROMI_SEND_DONTWAIT) == 0)
        return 0;
    int err = errno;
    for (size_t i = 0; i < 3; i++)
        romi_frame_close (&frames[i]);
    errno = err;
    return -1;
}

void
romi_wire_batch_init (romi_wire_batch_t *self, size_t entry_max)
{
    memset (self, 0, sizeof *self);
    romi_frame_init (&self->peer);
    self->entry_max = entry_max;
}

void
romi_wire_batch_fini (romi_wire_batch_t *self)
{
    romi_frame_close (&self->peer);
    free (self->buf);
    self->buf = NULL;
    self->size = self->capacity = 0;
    self->count = 0;
}

bool
romi_wire_batch_fits (const romi_wire_batch_t *self, const romi_frame_t *peer)
{
    return self->count == 0 || romi_frame_equal (&self->peer, peer);
}

bool
romi_wire_batch_add (romi_wire_batch_t *self, const romi_frame_t *peer, const Rom__ReplyHeader *header,
                     const ProtobufCMessage *payload)
{
    size_t hsize = protobuf_c_message_get_packed_size (&header->base);
    size_t psize = payload ? protobuf_c_message_get_packed_size (payload) : 0;
    if (hsize + psize > self->entry_max)
        return false;
    size_t need = self->size + ROM_WIRE_BATCH_ENTRY_MAX (hsize, psize);
    if (need > self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 4096;
        while (capacity < need)
            capacity *= 2;
        uint8_t *buf = realloc (self->buf, capacity);
        if (!buf)
            return false;
        self->buf = buf;
        self->capacity = capacity;
    }
    if (self->count == 0 && romi_frame_copy (&self->peer, peer) != 0)
        return false;
    self->size += romi_wire_batch_put (self->buf + self->size, &header->base, hsize, payload, psize);
    self->count++;
    return true;
}

// A frame holding a copy of `size` bytes at `data`.
static int
s_copy_frame (romi_frame_t *frame, const void *data, size_t size)
{
    if (romi_frame_init_size (frame, size) != 0)
        return -1;
    if (size)
        memcpy (romi_frame_data (frame), data, size);
    return 0;
}

size_t
romi_wire_batch_finish (romi_wire_batch_t *self, romi_frame_t frames[3])
{
    unsigned count = self->count;
    const uint8_t *p = self->buf, *end = count ? p + self->size : p, *header, *payload;
    size_t hsize, psize;
    self->count = 0;
    self->size = 0;
    for (size_t i = 0; i < 3; i++)
        romi_frame_init (&frames[i]);
    romi_frame_move (&frames[0], &self->peer);
    bool made = false;
    if (count == 1 && romi_wire_batch_next (&p, end, &header, &hsize, &payload, &psize))
        made = s_copy_frame (&frames[1], header, hsize) == 0
               && s_copy_frame (&frames[2], payload, psize) == 0;
    else if (count > 1)
        made = s_copy_frame (&frames[2], p, (size_t) (end - p)) == 0; // after an empty frames[1]
    if (made)
        return 3;
    for (size_t i = 0; i < 3; i++)
        romi_frame_close (&frames[i]);
    return 0;
}

unsigned
romi_wire_batch_flush (romi_wire_batch_t *self, romi_conn_t *listener)
{
    unsigned count = self->count;
    if (count == 0)
        return 0;
    romi_frame_t frames[3];
    if (romi_wire_batch_finish (self, frames) != 3)
        return count;
    if (romi_send (listener, frames, 3, ROMI_SEND_DONTWAIT) == 0)
        return 0;
    for (size_t i = 0; i < 3; i++)
        romi_frame_close (&frames[i]);
    return count;
}
