// fuzz_common.h: the framing fuzz_dispatch and fuzz_client share to cut one input into whole messages of a
// few frames each, so the fuzzer mutates message boundaries, frame counts and frame bytes alike:
//   input   := message*
//   message := control byte, frame{1 + (control & 3)}
//   frame   := u16 little-endian length, bytes (a length past the input's end takes what is left)
// The other bits of the control byte are the target's own (fuzz_client: how to answer).
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FRAMES_MAX 4u

typedef struct {
    uint8_t control;
    size_t n;
    const uint8_t *data[FUZZ_FRAMES_MAX];
    size_t size[FUZZ_FRAMES_MAX];
} fuzz_message_t;

// The next message at *p (before end); false at the end of the input.
static inline int
fuzz_next_message (const uint8_t **p, const uint8_t *end, fuzz_message_t *msg)
{
    if (*p >= end)
        return 0;
    msg->control = *(*p)++;
    msg->n = 1 + (msg->control & 3u);
    for (size_t i = 0; i < msg->n; i++) {
        size_t len = 0;
        if (end - *p >= 2) {
            len = (size_t) (*p)[0] | (size_t) (*p)[1] << 8;
            *p += 2;
        }
        if (len > (size_t) (end - *p))
            len = (size_t) (end - *p);
        msg->data[i] = *p;
        msg->size[i] = len;
        *p += len;
    }
    return 1;
}

// A frame holding a copy of `size` bytes at `data` (both frame-level targets; rom_private.h, included
// first, brings the frame type). A harness without memory cannot go on: abort.
#ifdef ROMI_TRANSPORT_H
static inline void
fuzz_frame (romi_frame_t *frame, const void *data, size_t size)
{
    if (romi_frame_init_size (frame, size) != 0)
        abort ();
    if (size)
        memcpy (romi_frame_data (frame), data, size);
}
#endif

#endif
