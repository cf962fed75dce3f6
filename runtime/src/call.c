// call.c: one call being served (rom_call_t): its arena, error text, and deferred completion.
//
// Everything a call needs lives in its arena: protobuf-c unpacks the input into it (through an allocator
// whose free does nothing), the output message and what rom_call_alloc () hands out come from it, and it all
// goes in one reset when the reply has been sent. A small call therefore makes no malloc at all.
#include "rom_private.h"

#include <poll.h>
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
    if (call->object)
        snprintf (buf, size, "%s#%llu.%s", call->object->entry->type->name, (unsigned long long) call->object->id,
                  call->method ? call->method->name : "?");
    else
        snprintf (buf, size, "rom.Manager.%s", call->method ? call->method->name : "?");
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

void *
rom_call_alloc (rom_call_t *call, size_t size)
{
    if (!call)
        return NULL;
    return romi_arena_alloc (&call->arena, size);
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
rom_call_object_id (const rom_call_t *call)
{
    if (!call)
        return 0;
    if (call->constructing)
        return romi_objects_next_id (romi_server_objects (call->server));
    return call->object ? call->object->id : 0;
}

void *
rom_call_find_object (rom_call_t *call, uint64_t id, const rom_type_t *type)
{
    if (!call || call->pooled || !type)
        return NULL;
    romi_object_t *object = romi_objects_find (romi_server_objects (call->server), id);
    return object && object->entry->type == type && !(object->flags & ROM_OBJECT_DYING) ? object->self : NULL;
}

uint64_t
rom_call_session (const rom_call_t *call)
{
    return call ? call->session : 0;
}

bool
rom_call_peer_gone (const rom_call_t *call)
{
    if (!call)
        return false;
    if (call->session && !romi_server_session (call->server, call->session))
        return true;
    if (call->fd < 0)
        return false;
    // The connection the call came on, as the kernel sees it: a peer process that died has had its end
    // closed by the kernel at its exit, before the server's I/O thread may have noticed. A closed fd
    // (POLLNVAL: ZMQ closed it already) is gone too. A new connection reusing the fd number would pass for
    // this one: the check then errs on the side of "alive", as it did before it existed.
    struct pollfd pfd = {.fd = call->fd, .events = POLLRDHUP};
    return poll (&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

void
rom_call_on_cancel (rom_call_t *call, rom_cancel_fn on_cancel)
{
    if (call)
        call->on_cancel = on_cancel;
}

void
rom_call_on_session_end (rom_call_t *call, rom_session_end_fn fn)
{
    // Not for pool types: the hook would run on the I/O thread while a worker may run the object. Without
    // memory for the object's extension the hook is not set (a lock then keeps an owner that left).
    if (call && call->object && !call->pooled) {
        romi_object_ext_t *ext = romi_objects_ext_make (romi_server_objects (call->server), call->object);
        if (ext)
            ext->on_session_end = fn;
    }
}

ProtobufCMessage *
rom_call_output (rom_call_t *call)
{
    return call ? call->output : NULL;
}

void
rom_call_complete (rom_call_t *call, rom_status_t status)
{
    if (!call)
        return;
    romi_server_unlink_deferred (call->server, call);
    romi_server_reply (call->server, call, status);
}

uint32_t
rom_call_remaining_ms (const rom_call_t *call)
{
    if (!call || call->deadline_ms == 0)
        return UINT32_MAX;
    uint64_t now = romi_now_ms ();
    return now >= call->deadline_ms ? 0 : (uint32_t) (call->deadline_ms - now);
}
