// call.c: one call being served (rom_call_t): its arena, error text, and deferred completion.
//
// Everything a call needs lives in its arena: protobuf-c unpacks the input into it (through an allocator
// whose free does nothing), the output message and what rom_call_alloc () hands out come from it, and it all
// goes in one reset when the reply has been sent. A small call therefore makes no malloc at all.
//
// Only what a call is lives here; what it may touch of the server is above it: its objects and session
// (hosting.c), its references (ref.c), its later completion (deferred.c).
#include "rom_private.h"
#include "romi_call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct romi_arena_chunk {
    romi_arena_chunk_t *next;
    _Alignas (max_align_t) uint8_t data[];
};

#define ROM_ALIGN(n) (((n) + _Alignof (max_align_t) - 1) & ~(size_t) (_Alignof (max_align_t) - 1))

void *
romi_arena_alloc (romi_arena_t *self, size_t size)
{
    size_t need = ROM_ALIGN (size ? size : 1);
    if (need <= ROM_ARENA_INLINE - self->used) {
        void *p = self->inline_buf + self->used;
        self->used += need;
        return p;
    }
    // Larger pieces get a chunk each: payloads are usually one big bytes field, so pooling buys nothing.
    if (need > SIZE_MAX - sizeof (romi_arena_chunk_t))
        return NULL;
    romi_arena_chunk_t *chunk = malloc (sizeof *chunk + need);
    if (!chunk)
        return NULL;
    chunk->next = self->chunks;
    self->chunks = chunk;
    return chunk->data;
}

void
romi_arena_reset (romi_arena_t *self)
{
    while (self->chunks) {
        romi_arena_chunk_t *next = self->chunks->next;
        free (self->chunks);
        self->chunks = next;
    }
    self->used = 0;
}

static void *
s_arena_alloc (void *data, size_t size)
{
    return romi_arena_alloc (&((rom_call_t *) data)->arena, size);
}

static void
s_arena_free (void *data, void *pointer)
{
    (void) data;
    (void) pointer;
}

void
rom_call_allocator (rom_call_t *call, ProtobufCAllocator *allocator)
{
    allocator->alloc = s_arena_alloc;
    allocator->free = s_arena_free;
    allocator->allocator_data = call;
}

void
romi_call_describe (const rom_call_t *call, char *buf, size_t size)
{
    const char *method = call->method ? call->method->name : "?";
    if (call->object)
        romi_describe (buf, size, call->object->entry->type->name, call->object->id, method);
    else // the manager is one per server: its id would say nothing
        snprintf (buf, size, "rom.Manager.%s", method);
}

rom_status_t
rom_call_fail (rom_call_t *call, rom_status_t status, const char *fmt, ...)
{
    if (!call)
        return status;
    // The first failure wins: it is the cause, what follows is usually its consequence.
    if (!call->errmsg) {
        char *buf = romi_arena_alloc (&call->arena, ROM_ERRMSG_MAX);
        if (buf) {
            va_list ap;
            va_start (ap, fmt);
            romi_format (buf, ROM_ERRMSG_MAX, fmt, ap);
            va_end (ap);
            call->errmsg = buf;
        }
        call->fail_status = status;
    }
    return status;
}

const char *
rom_call_errmsg (const rom_call_t *call)
{
    return call ? call->errmsg : NULL;
}

void
rom_call_clear_error (rom_call_t *call)
{
    if (call) {
        call->errmsg = NULL; // in the arena: freed with the call
        call->fail_status = ROM_OK;
    }
}

void *
rom_call_alloc (rom_call_t *call, size_t size)
{
    if (!call)
        return NULL;
    return romi_arena_alloc (&call->arena, size);
}

size_t
rom_call_max_reply (const rom_call_t *call)
{
    return call ? call->hosting->max_message : 0;
}

char *
rom_call_strdup (rom_call_t *call, const char *s)
{
    if (!call || !s)
        return NULL;
    size_t n = strlen (s) + 1;
    char *copy = romi_arena_alloc (&call->arena, n);
    if (copy)
        memcpy (copy, s, n);
    return copy;
}

uint64_t
rom_call_session (const rom_call_t *call)
{
    return call ? call->session : 0;
}

void
rom_call_on_cancel (rom_call_t *call, rom_cancel_fn on_cancel)
{
    if (call)
        call->on_cancel = on_cancel;
}

void
rom_call_set_data (rom_call_t *call, void *data)
{
    if (call)
        call->servant_data = data;
}

void *
rom_call_data (const rom_call_t *call)
{
    return call ? call->servant_data : NULL;
}

ProtobufCMessage *
rom_call_output (rom_call_t *call)
{
    return call ? call->output : NULL;
}

uint32_t
rom_call_remaining_ms (const rom_call_t *call)
{
    if (!call || call->deadline_ms == 0)
        return UINT32_MAX;
    uint64_t now = romi_now_ms ();
    return now >= call->deadline_ms ? 0 : (uint32_t) (call->deadline_ms - now);
}
