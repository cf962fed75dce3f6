// reply.c: answering calls. A call record comes from a short free list (a record is ~1.6 KiB with its
// inline arena, and the dispatch takes one per call: recycling saves a malloc and a free per call), and goes
// back to it once its reply is out. Making a reply means: the references its ObjectRefs carry are taken for
// the caller (ref.c), a failure's text is prefixed with "type#id.Method", and the frames go out through
// server_io.c, batched when the caller reads batches.
#include "rom_private.h"
#include "romi_reply.h"
#include "romi_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROM_SERVER_FREE_CALLS 64u // recycled call records

void
romi_replies_init (romi_replies_t *self, romi_io_t *io, romi_hosting_t *hosting)
{
    self->io = io;
    self->hosting = hosting;
    romi_list_init (&self->free_calls);
}

void
romi_replies_fini (romi_replies_t *self)
{
    for (romi_link_t *l; (l = romi_list_pop (&self->free_calls));)
        free (romi_call_of (l));
}

rom_call_t *
romi_replies_call_new (romi_replies_t *self)
{
    romi_link_t *l = romi_list_pop (&self->free_calls);
    rom_call_t *call = l ? romi_call_of (l) : malloc (sizeof *call);
    if (!call)
        return NULL;
    // Only the head of the call is reset: the arena's inline buffer is scratch space.
    memset (call, 0, offsetof (rom_call_t, arena));
    call->arena.chunks = NULL;
    call->arena.used = 0;
    call->hosting = self->hosting;
    call->heap_index = SIZE_MAX;
    romi_io_peer_init (&call->peer);
    return call;
}

static void
s_call_free (romi_replies_t *self, rom_call_t *call)
{
    romi_arena_reset (&call->arena);
    romi_io_peer_close (&call->peer);
    if (self->free_calls.count < ROM_SERVER_FREE_CALLS)
        romi_list_prepend (&self->free_calls, &call->link);
    else
        free (call);
}

void
romi_reply (romi_replies_t *self, rom_call_t *call, rom_status_t status)
{
    // A reply over the limit is the caller's error, not a send the client would refuse (or a 70 MiB
    // burst that stalls everyone's replies behind it). Checked before the references it carries are
    // taken, so a refused reply hands out none. Computing the size here costs a walk of the message that
    // the send repeats; against a call's round trip that is noise (bench: no change in the sync figures).
    if (status == ROM_OK && call->output && !(call->flags & ROM__CALL_FLAGS__CALL_ONEWAY)) {
        size_t size = protobuf_c_message_get_packed_size (call->output);
        if (size > self->hosting->max_message)
            status = rom_call_fail (call, ROM_TOO_LARGE,
                                    "the reply is %zu bytes, over the server's limit of %zu (max_message)",
                                    size, self->hosting->max_message);
    }
    status = romi_refs_export (call, status);
    if (!(call->flags & ROM__CALL_FLAGS__CALL_ONEWAY)) {
        char error[ROM_ERRMSG_MAX + 128] = "";
        if (status != ROM_OK) {
            char what[256];
            romi_call_describe (call, what, sizeof what);
            snprintf (error, sizeof error, "%s: %s", what,
                      call->errmsg ? call->errmsg : rom_strerror (status));
            if (strlen (error) >= ROM_ERRMSG_MAX)
                error[ROM_ERRMSG_MAX - 1] = '\0';
        }
        Rom__ReplyHeader header = ROM__REPLY_HEADER__INIT;
        header.call_id = call->call_id;
        header.status = (uint32_t) status;
        header.error = error;
        romi_io_send (self->io, &call->peer, &header, status == ROM_OK ? call->output : NULL,
                      call->flags & ROM__CALL_FLAGS__CALL_BATCH_OK);
    }
    s_call_free (self, call);
}

void
romi_refuse (romi_replies_t *self, romi_io_peer_t *peer, uint64_t call_id, uint32_t flags,
             rom_status_t status, const char *fmt, ...)
{
    if (flags & ROM__CALL_FLAGS__CALL_ONEWAY) {
        self->io->dropped++;
        return;
    }
    char error[ROM_ERRMSG_MAX];
    va_list ap;
    va_start (ap, fmt);
    romi_format (error, sizeof error, fmt, ap);
    va_end (ap);
    Rom__ReplyHeader header = ROM__REPLY_HEADER__INIT;
    header.call_id = call_id;
    header.incarnation = self->hosting->incarnation;
    header.status = (uint32_t) status;
    header.error = error;
    romi_io_send (self->io, peer, &header, NULL, false);
}
