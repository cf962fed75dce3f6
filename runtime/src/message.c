// message.c: what rom does to any protobuf-c message through its descriptor: a deep copy for servants that
// keep their inputs (rom_message_dup ()), and the search for a missing `required` field that lets a caller be
// told which one before anything is sent.
#include "rom_private.h"
#include "romi_message.h"

#include <stdio.h>
#include <stdlib.h>

// A deep copy by pack and unpack: protobuf-c has no copy function, and its own codec already knows every
// field kind (oneofs, maps as repeated entries, unknown fields, defaults), so this stays correct as
// messages change. The cost is one encode and one decode, which a servant pays only for what it keeps.
rom_status_t
rom_message_dup (const ProtobufCMessage *message, ProtobufCMessage **copy_p)
{
    if (!message || !copy_p || !message->descriptor
        || message->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
        return rom_client_fail (NULL, ROM_INVALID, "rom_message_dup: %s is NULL or not a protobuf-c message",
                                !copy_p ? "copy_p" : "message");
    char path[128];
    if (romi_message_missing_required (message->descriptor, message, path, sizeof path))
        return rom_client_fail (NULL, ROM_INVALID, "rom_message_dup: %s: required field '%s' is not set",
                                message->descriptor->name, path);
    size_t size = protobuf_c_message_get_packed_size (message);
    uint8_t small[256];
    uint8_t *buf = size <= sizeof small ? small : malloc (size);
    if (!buf)
        return rom_client_fail (NULL, ROM_NOMEM, "rom_message_dup: %s: out of memory (%zu bytes)",
                                message->descriptor->name, size);
    protobuf_c_message_pack (message, buf);
    ProtobufCMessage *copy = protobuf_c_message_unpack (message->descriptor, NULL, size, buf);
    if (buf != small)
        free (buf);
    if (!copy) // the packed form of a valid message always decodes: only memory can fail here
        return rom_client_fail (NULL, ROM_NOMEM, "rom_message_dup: %s: out of memory",
                                message->descriptor->name);
    *copy_p = copy;
    return ROM_OK;
}

// Deeper than protobuf-c's own recursion limit is not a message anyone sends; stop looking there.
#define S_MAX_DEPTH 64

static bool s_missing (const ProtobufCMessageDescriptor *d, const ProtobufCMessage *m,
                       const ProtobufCFieldDescriptor **chain, size_t *depth, size_t level);

// Whether field `f` of `m` (NULL: the empty message) is, or holds, a missing required field; if so the
// fields leading to it are in chain[level..*depth). Nothing is formatted on the way: this runs on every call,
// and the path is written only for the one caller who gets the error.
static bool
s_field_missing (const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m,
                 const ProtobufCFieldDescriptor **chain, size_t *depth, size_t level)
{
    const char *member = m ? (const char *) m + f->offset : NULL;
    if (f->label == PROTOBUF_C_LABEL_REQUIRED) {
        // Required scalars are always present in the C struct; strings and messages are pointers.
        if (!m
            || ((f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
                && *(void *const *) member == NULL)) {
            *depth = level + 1;
            return true;
        }
    }
    if (!m || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    // A oneof member counts only when it is the one set.
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        && *(const uint32_t *) ((const char *) m + f->quantifier_offset) != f->id)
        return false;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) member;
        size_t count = *(const size_t *) ((const char *) m + f->quantifier_offset);
        for (size_t k = 0; k < count; k++)
            if (items[k] && s_missing (f->descriptor, items[k], chain, depth, level + 1))
                return true;
        return false;
    }
    const ProtobufCMessage *sub = *(const ProtobufCMessage *const *) member;
    return sub && s_missing (f->descriptor, sub, chain, depth, level + 1);
}

static bool
s_missing (const ProtobufCMessageDescriptor *d, const ProtobufCMessage *m,
           const ProtobufCFieldDescriptor **chain, size_t *depth, size_t level)
{
    if (level >= S_MAX_DEPTH)
        return false;
    for (unsigned i = 0; i < d->n_fields; i++) {
        chain[level] = &d->fields[i];
        if (s_field_missing (&d->fields[i], m, chain, depth, level))
            return true;
    }
    return false;
}

bool
romi_message_missing_required (const ProtobufCMessageDescriptor *descriptor, const ProtobufCMessage *message,
                               char *path, size_t size)
{
    const ProtobufCFieldDescriptor *chain[S_MAX_DEPTH];
    size_t depth = 0;
    if (!descriptor || size == 0 || !s_missing (descriptor, message, chain, &depth, 0))
        return false;
    path[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < depth && len < size; i++) {
        int n = snprintf (path + len, size - len, "%s%s", i ? "." : "", chain[i]->name);
        if (n < 0)
            break;
        len += (size_t) n;
    }
    return true;
}
