// romi_message.h: descriptor-driven checks of protobuf-c messages (message.c), shared by the call paths.
#ifndef ROMI_MESSAGE_H
#define ROMI_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

// Whether `message` (of `descriptor`; NULL: the empty message) lacks a proto2 `required` field, here or in a
// sub-message it sets. If so, `path` gets the first missing field's dotted path ("point.x") and true is
// returned. protobuf_c_message_check () says only that something is missing, not what.
bool romi_message_missing_required (const ProtobufCMessageDescriptor *descriptor,
                                    const ProtobufCMessage *message, char *path, size_t size);

#endif
