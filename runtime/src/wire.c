// wire.c: framing of rom messages on ZMQ sockets. A call is [CallHeader][payload], a reply
// [ReplyHeader][payload]; payloads are packed directly into ZMQ message buffers so a large message is
// copied once (by the pack) and handed to ZMQ without another copy.
#include "rom_private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int
rom_wire_send_message (void *socket, const ProtobufCMessage *msg, int flags)
{
    zmq_msg_t frame;
    size_t size = msg ? protobuf_c_message_get_packed_size (msg) : 0;
    if (zmq_msg_init_size (&frame, size) != 0)
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
rom_wire_send_header (void *socket, const ProtobufCMessage *header, int flags)
{
    uint8_t buf[ROM_HEADER_MAX];
    size_t size = protobuf_c_message_get_packed_size (header);
    if (size > sizeof buf) {
        // Only an error text can make a header this large: cut it rather than fail the reply.
        return rom_wire_send_message (socket, header, flags);
    }
    protobuf_c_message_pack (header, buf);
    return zmq_send (socket, buf, size, flags) < 0 ? -1 : 0;
}

Rom__CallHeader *
rom_wire_decode_call (const void *data, size_t size)
{
    if (size > ROM_HEADER_MAX)
        return NULL;
    return rom__call_header__unpack (NULL, size, data);
}

Rom__ReplyHeader *
rom_wire_decode_reply (const void *data, size_t size)
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
rom_wire_too_deep (const ProtobufCMessageDescriptor *desc, const void *data, size_t size)
{
    // Each level costs at least a tag byte and a length byte: a payload this small cannot nest too deep,
    // and the usual small call pays nothing for the check.
    if (size < 2 * ROM_MAX_DEPTH)
        return false;
    return s_too_deep (desc, data, (const uint8_t *) data + size, 1);
}

uint64_t
rom_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

void
rom_format (char *buf, size_t size, const char *fmt, va_list ap)
{
    if (size == 0)
        return;
    if (vsnprintf (buf, size, fmt, ap) < 0)
        snprintf (buf, size, "(unprintable message)");
}
