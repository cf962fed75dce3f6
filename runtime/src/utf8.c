// utf8.c: strict UTF-8 validation (rom_utf8_valid, public) and the check of every `string` field of a call's
// decoded input (romi_utf8_check), so a server stores only text Python could hold: a str is always valid
// Unicode, and proto3 says a `string` is UTF-8 (protobuf-c does not check it when it unpacks).
//
// The validator follows the Unicode standard's table of well-formed byte sequences (Table 3-7): no overlong
// forms (C0, C1, E0 80..9F, F0 80..8F), no surrogates (ED A0..BF), nothing past U+10FFFF (F4 90.., F5..FF).
// ASCII, most text, is taken 8 bytes at a time.
//
// The message walk is driven by protobuf-c's descriptors, so it covers user types as well as the built-ins.
// It follows what is set (oneof cases, repeated items, sub-messages), stops at the depth a peer may nest
// (romi_wire_too_deep bounded the unpack already), and names the first bad field by its path
// ("key.string_value", "items[2].name"), written only once one is found. A message without strings costs a
// loop over its fields' types; a Dict.Set with a short key and value ~20 ns.
#include "rom_private.h"

#include <stdio.h>
#include <string.h>

// The byte count of a well-formed sequence starting at s[0] (at most n bytes), 0 when it is not one.
static size_t
s_sequence (const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    // The second byte's range depends on the first (this is where overlongs, surrogates and > U+10FFFF go).
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

bool
rom_utf8_valid (const char *text, size_t n)
{
    if (!text)
        return n == 0;
    const unsigned char *s = (const unsigned char *) text;
    size_t i = 0;
    while (i < n) {
        uint64_t word;
        if (n - i >= 8 && (memcpy (&word, s + i, 8), (word & 0x8080808080808080ull) == 0)) {
            i += 8;
            continue;
        }
        size_t len = s_sequence (s + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

// --- the walk over a decoded message -----------------------------------------------------------------------

// The path of the bad field, written backwards as the walk returns from it (so a valid message, the usual
// case, costs no formatting at all: building it on the way down cost ~10x the walk itself).
typedef struct {
    char text[256];
    size_t start; // the path is text[start .. end of buffer - 1]
} s_path_t;

// Put "name" or "name[k]" (and a '.' when something follows) in front of the path.
static void
s_path_prepend (s_path_t *p, const char *name, long index)
{
    char part[160];
    bool first = p->start == sizeof p->text - 1;
    int n = index < 0 ? snprintf (part, sizeof part, "%s%s", name, first ? "" : ".")
                      : snprintf (part, sizeof part, "%s[%ld]%s", name, index, first ? "" : ".");
    size_t len = n < 0 ? 0 : (size_t) n < sizeof part ? (size_t) n : sizeof part - 1;
    if (len > p->start)
        len = p->start; // too deep to name in full: keep the innermost part
    p->start -= len;
    memcpy (p->text + p->start, part + (n > 0 && (size_t) n > len ? (size_t) n - len : 0), len);
}

static bool s_message_ok (const ProtobufCMessage *msg, unsigned depth, s_path_t *path);

// The one value of field `field` at `value` (a char * or a ProtobufCMessage *).
static bool
s_value_ok (const ProtobufCFieldDescriptor *field, const void *value, unsigned depth, s_path_t *path)
{
    if (field->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = *(char *const *) value;
        return !s || rom_utf8_valid (s, strlen (s));
    }
    return s_message_ok (*(ProtobufCMessage *const *) value, depth + 1, path);
}

static bool
s_field_ok (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field, unsigned depth,
            s_path_t *path)
{
    const char *base = (const char *) msg;
    if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        && *(const uint32_t *) (base + field->quantifier_offset) != field->id)
        return true; // another member of the oneof holds the union
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(const size_t *) (base + field->quantifier_offset);
        const char *items = *(char *const *) (base + field->offset);
        for (size_t k = 0; k < n; k++)
            if (!s_value_ok (field, items + k * sizeof (void *), depth, path)) {
                s_path_prepend (path, field->name, (long) k);
                return false;
            }
        return true;
    }
    if (s_value_ok (field, base + field->offset, depth, path))
        return true;
    s_path_prepend (path, field->name, -1);
    return false;
}

static bool
s_message_ok (const ProtobufCMessage *msg, unsigned depth, s_path_t *path)
{
    if (!msg || depth > ROM_MAX_DEPTH)
        return true;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        if (field->type != PROTOBUF_C_TYPE_STRING && field->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (!s_field_ok (msg, field, depth, path))
            return false;
    }
    return true;
}

bool
romi_utf8_check (const ProtobufCMessage *msg, char *field, size_t size)
{
    s_path_t path;
    path.start = sizeof path.text - 1;
    path.text[path.start] = 0;
    if (s_message_ok (msg, 0, &path))
        return true;
    snprintf (field, size, "%s", path.text + path.start);
    return false;
}
