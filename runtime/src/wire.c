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
