// wire.c: framing of rom messages on ZMQ sockets. A call is [CallHeader][payload], a reply
// [ReplyHeader][payload] or, batched, [empty][entries] (rom_private.h); payloads are packed directly into ZMQ message buffers so a large message is
// copied once (by the pack) and handed to ZMQ without another copy.
#include "rom_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

// Large frames are packed into buffers recycled through a small process-wide cache rather than into a
// fresh ZMQ allocation each. glibc serves such sizes with mmap () and gives them back with munmap () (or
// trims them off its heap), so every fresh 1 MiB frame faulted in 256 pages: measured with bench/'s 1 MiB
// Echo, that cost more than the copies themselves (~600 -> ~1100 echoes/s). ZMQ hands a buffer back through
// s_big_give () from its I/O thread once it is written out. The cache lock is only ever tried, never waited
// for: contention, or a lock inherited locked across fork (), simply bypasses the cache. At most
// ROM_WIRE_BIG_KEEP x ROM_WIRE_BIG_MAX bytes stay allocated. (The same cache for the server's arena chunks
// of large inputs measured no better: glibc's dynamic mmap threshold already keeps a buffer that is freed
// by the thread that took it; ZMQ frees frames in another thread.)
#define ROM_WIRE_BIG (64u << 10)         // frames from this size on use the cache
#define ROM_WIRE_BIG_KEEP 4u             // buffers kept
#define ROM_WIRE_BIG_MAX (4u << 20)      // larger buffers are not kept

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
romi_wire_send_message (void *socket, const ProtobufCMessage *msg, int flags)
{
    zmq_msg_t frame;
    size_t size = msg ? protobuf_c_message_get_packed_size (msg) : 0;
    if (size >= ROM_WIRE_BIG) {
        size_t capacity = 0;
        void *buf = s_big_take (size, &capacity);
        if (!buf) {
            errno = ENOMEM;
            return -1;
        }
        if (zmq_msg_init_data (&frame, buf, size, s_big_give, (void *) (uintptr_t) capacity) != 0) {
            free (buf);
            return -1;
        }
    } else if (zmq_msg_init_size (&frame, size) != 0)
        return -1;
    if (size > 0)
        protobuf_c_message_pack (msg, zmq_msg_data (&frame));
    if (zmq_msg_send (&frame, socket, flags) < 0) {
        int err = errno;
        zmq_msg_close (&frame);
        errno = err;
        return -1;
    }
    return 0;
}

int
romi_wire_send_header (void *socket, const ProtobufCMessage *header, int flags)
{
    uint8_t buf[ROM_HEADER_MAX];
    size_t size = protobuf_c_message_get_packed_size (header);
    if (size > sizeof buf) {
        // Only an error text can make a header this large: cut it rather than fail the reply.
        return romi_wire_send_message (socket, header, flags);
    }
    protobuf_c_message_pack (header, buf);
    return zmq_send (socket, buf, size, flags) < 0 ? -1 : 0;
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
romi_wire_batch_put (uint8_t *dst, const ProtobufCMessage *header, size_t hsize, const ProtobufCMessage *payload,
                    size_t psize)
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
            const ProtobufCFieldDescriptor *field
                = tag >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field (desc, (unsigned) (tag >> 3))
                                         : NULL;
            if (field && field->type == PROTOBUF_C_TYPE_MESSAGE
                && s_too_deep (field->descriptor, p, p + len, depth + 1))
                return true;
            p += len;
            break;
        }
        default:
            return false; // groups, or not protobuf at all
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

uint64_t
romi_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

uint64_t
romi_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

void
romi_format (char *buf, size_t size, const char *fmt, va_list ap)
{
    if (size == 0)
        return;
    if (vsnprintf (buf, size, fmt, ap) < 0)
        snprintf (buf, size, "(unprintable message)");
}

uint64_t
romi_random64 (void)
{
    uint64_t value = 0;
    if (getrandom (&value, sizeof value, GRND_NONBLOCK) != (ssize_t) sizeof value) {
        // No entropy yet (early boot): unique, if guessable; the sessions' secrets are then weak too.
        static _Atomic uint64_t counter;
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        value = ((uint64_t) getpid () << 40) ^ ((uint64_t) ts.tv_nsec << 8) ^ (uint64_t) ts.tv_sec
                ^ (atomic_fetch_add (&counter, 1) * 0x9e3779b97f4a7c15ull);
    }
    return value ? value : 1;
}
