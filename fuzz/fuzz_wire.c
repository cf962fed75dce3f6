// fuzz_wire.c: libFuzzer target (a), the wire protocol's decoders (wire.c) on bytes a peer chose: the call
// and reply header decoders, the batch walk of a client's reply reader with each entry's header, and the
// depth check that guards every unpack of a payload, followed by the unpack itself as the server and the
// client do it (a recursive type: google.protobuf.Value, and rom's own Variant and CreateRequest).
//
// Input: [selector byte][bytes]. The selector picks the decoder; the rest is what it is fed.
#include "rom_private.h"

#include <stddef.h>
#include <stdint.h>

#include "google/protobuf/struct.pb-c.h"
#include "rom/builtins/variant.pb-c.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

// The depth check, then the unpack when the check let it through: what s_dispatch () and
// romi_channel_wait () do with a payload.
static void
s_payload (const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    if (romi_wire_too_deep (desc, data, size))
        return;
    ProtobufCMessage *msg = protobuf_c_message_unpack (desc, NULL, size, data);
    if (msg)
        protobuf_c_message_free_unpacked (msg, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t selector = data[0];
    data++;
    size--;
    switch (selector % 6) {
    case 0: {
        Rom__CallHeader *header = romi_wire_decode_call (data, size);
        if (header)
            protobuf_c_message_free_unpacked (&header->base, NULL);
        break;
    }
    case 1: {
        Rom__ReplyHeader *header = romi_wire_decode_reply (data, size);
        if (header)
            protobuf_c_message_free_unpacked (&header->base, NULL);
        break;
    }
    case 2: {
        // A batch frame as romi_wire_replies_next () walks it: every entry in bounds, each header decoded.
        const uint8_t *p = data, *end = data + size, *head, *payload;
        size_t head_size, payload_size;
        while (romi_wire_batch_next (&p, end, &head, &head_size, &payload, &payload_size)) {
            if (p > end || head < data || head + head_size > end || payload + payload_size > end)
                __builtin_trap ();
            Rom__ReplyHeader *header = romi_wire_decode_reply (head, head_size);
            if (!header)
                break;
            protobuf_c_message_free_unpacked (&header->base, NULL);
        }
        break;
    }
    case 3: s_payload (&google__protobuf__value__descriptor, data, size); break;
    case 4: s_payload (&rom__builtins__variant_list__descriptor, data, size); break;
    case 5: s_payload (&rom__create_request__descriptor, data, size); break;
    }
    return 0;
}
