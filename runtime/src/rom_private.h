// rom_private.h: what the runtime's .c files share and users never see. Include it first in every
// runtime source: it selects the POSIX/GNU feature level the runtime is written against.
#ifndef ROM_PRIVATE_H
#define ROM_PRIVATE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "rom/rom.h"
#include "rom/wire.pb-c.h"

#define ROM_PROTOCOL_VERSION 1u
#define ROM_MANAGER_ID 0u                       // object id of the manager itself
#define ROM_DEFAULT_MAX_MESSAGE (64u << 20)     // bytes
#define ROM_HEADER_MAX 512u                     // a header frame larger than this is malformed
#define ROM_ERRMSG_MAX 512u                     // error texts are cut to this size
#define ROM_PATH_MAX 4096u                      // ipc paths, temp dirs

// Method indexes of the manager (object 0): the rpc order of service Manager in wire.proto.
enum {
    ROM_MANAGER_HELLO = 0,
    ROM_MANAGER_CREATE = 1,
    ROM_MANAGER_LOOKUP = 2,
    ROM_MANAGER_RETAIN = 3,
    ROM_MANAGER_RELEASE = 4,
    ROM_MANAGER_PING = 5,
    ROM_MANAGER_GOODBYE = 6,
};

// --- wire.c: framing of calls and replies ----------------------------------------------------------------

// Send one protobuf message as one frame, packed straight into the ZMQ message buffer (one copy: the pack).
// `msg` may be NULL for an empty frame. `flags` as zmq_msg_send (ZMQ_SNDMORE, ZMQ_DONTWAIT).
// Returns 0, or -1 with errno set by ZMQ.
int rom_wire_send_message (void *socket, const ProtobufCMessage *msg, int flags);

// Send a small header message through a stack buffer (headers are bounded by ROM_HEADER_MAX).
int rom_wire_send_header (void *socket, const ProtobufCMessage *header, int flags);

// Decode a header frame. NULL when the frame is not a valid header of that type or is over ROM_HEADER_MAX.
// Caller owns return value and must free it with protobuf_c_message_free_unpacked (..., NULL).
Rom__CallHeader *rom_wire_decode_call (const void *data, size_t size);
Rom__ReplyHeader *rom_wire_decode_reply (const void *data, size_t size);

// Time in milliseconds from CLOCK_MONOTONIC.
uint64_t rom_now_ms (void);

// vsnprintf into a fixed buffer of ROM_ERRMSG_MAX bytes, never failing.
void rom_format (char *buf, size_t size, const char *fmt, va_list ap);

// --- call.c: a call being served (rom_call_t), shared by server.c and pool.c -----------------------------

// --- client.c <-> proxy.c --------------------------------------------------------------------------------

#endif
