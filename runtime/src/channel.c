// channel.c: a client thread's connection to its server (a "channel"): sending calls, matching replies,
// knowing at once when the server is gone, and the error texts a thread reads back.
//
// A client is used by any number of threads: each thread gets its own connection (a dialer of the
// transport, romi_transport.h) on first use, so threads never wait on each other's calls and no thread
// hands a reply to another (no wake-up is spent on a hand-off). Calls on one channel are pipelined; replies
// are matched by call id against the channel's list of pending calls, oldest first, so the usual in-order
// reply is found at the head.
//
// Liveness (issue 12): every channel watches its connection's events. When the connection drops (the server
// process died, or stopped), the calls in flight on it are answered ROM_UNAVAILABLE ("may or may not have
// run") at once, including waits with no deadline, and later calls fail at once until the connection is
// back; nothing waits out its deadline for a server that is gone. A wait reads the events only after its
// first ROM_LIVENESS_SLICE_MS: a call answered sooner (nearly all) costs one blocking receive. An idle
// channel reads them before it sends (client.c), so a call after a restart says hello to the new server.
#include "rom_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A wait watches the connection's events only after this long: a reply usually comes far sooner, and a
// blocking receive alone costs fewer system calls and wake-ups than a poll of two sockets (measured: sync
// p50 ~33 -> ~31.5 us). A server that dies is noticed within this slice at worst.
#define ROM_LIVENESS_SLICE_MS 20
// How soon a lost connection is tried again: a restarted server is found about this fast.
#define ROM_RECONNECT_MS 100

static _Thread_local struct {
    uint64_t serial;
    pid_t pid;
    romi_channel_t *channel;
} s_cache;
static _Thread_local char s_last_error[ROM_ERRMSG_MAX]; // rom_client_errmsg (NULL)

bool
rom_client_valid (const rom_client_t *client)
{
    return client && client->tag == ROM_CLIENT_TAG;
}

// --- the calling thread's channel -------------------------------------------------------------------------

// Find or make the calling thread's channel, under the client's lock.
static romi_channel_t *
s_open (rom_client_t *self)
{
    pthread_t me = pthread_self ();
    romi_list_each (&self->channels, l)
    {
        romi_channel_t *channel = romi_container_of (l, romi_channel_t, link);
        if (pthread_equal (channel->thread, me))
            return channel;
    }
    romi_channel_t *channel = calloc (1, sizeof *channel);
    if (!channel)
        return NULL;
    channel->thread = me;
    romi_list_init (&channel->pending);
    channel->losses_told = atomic_load (&self->losses); // a new thread is told of later losses only
    // A routing id of our own: random (unique among all clients of a server, and unguessable) and kept
    // across reconnects, so a TCP connection that broke and came back is the same peer (handover).
    uint64_t id[2] = {romi_random64 (), romi_random64 ()};
    ((uint8_t *) id)[0] |= 0x80; // routing ids that start with a zero byte are reserved by ZMQ
    romi_dial_opts_t opts = {.routing_id = id,
                             .routing_id_size = sizeof id,
                             .keepalive_ms = ROM_DEFAULT_SESSION_TIMEOUT_MS,
                             .reconnect_ms = ROM_RECONNECT_MS};
    if (self->keys) {
        opts.server_key = self->keys->server_public;
        opts.public_key = self->keys->client_public;
        opts.secret_key = self->keys->client_secret;
    }
    if (!(channel->conn = romi_dial (self->endpoint, &opts))) {
        int saved = errno;
        free (channel);
        errno = saved;
        return NULL;
    }
    if (!romi_conn_watched (channel->conn))
        channel->up = channel->ever_up =
            true; // no events to tell (inproc): a dead peer is found by deadlines
    romi_list_append (&self->channels, &channel->link);
    return channel;
}

romi_channel_t *
romi_channel_get (rom_client_t *self)
{
    if (s_cache.serial == self->serial && s_cache.pid == self->pid)
        return s_cache.channel;
    pthread_mutex_lock (&self->lock);
    romi_channel_t *channel = s_open (self);
    pthread_mutex_unlock (&self->lock);
    if (channel) {
        s_cache.serial = self->serial;
        s_cache.pid = self->pid;
        s_cache.channel = channel;
    }
    return channel;
}

romi_channel_t *
romi_channel_mine (const rom_client_t *self)
{
    return s_cache.serial == self->serial && s_cache.pid == self->pid ? s_cache.channel : NULL;
}

void
romi_channel_uncache (const rom_client_t *self)
{
    if (s_cache.serial == self->serial)
        s_cache.serial = 0;
}

// --- error texts -------------------------------------------------------------------------------------------

rom_status_t
rom_client_fail (rom_client_t *self, rom_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    romi_format (s_last_error, sizeof s_last_error, fmt, ap);
    va_end (ap);
    romi_channel_t *channel = rom_client_valid (self) && self->pid == romi_getpid () ? romi_channel_get (self)
                                                                                     : NULL;
    if (channel)
        memcpy (channel->errmsg, s_last_error, sizeof channel->errmsg);
    return status;
}

rom_status_t
romi_client_fail_at (rom_client_t *self, rom_status_t status, const romi_what_t *what, const char *fmt, ...)
{
    char text[ROM_ERRMSG_MAX];
    int n = romi_describe (text, sizeof text - 2, what->type, what->id, what->method);
    size_t at = n < 0 ? 0 : (size_t) n < sizeof text - 3 ? (size_t) n : sizeof text - 3;
    text[at++] = ':';
    text[at++] = ' ';
    va_list ap;
    va_start (ap, fmt);
    romi_format (text + at, sizeof text - at, fmt, ap);
    va_end (ap);
    return rom_client_fail (self, status, "%s", text);
}

const char *
rom_client_errmsg (const rom_client_t *self)
{
    if (!rom_client_valid (self))
        return s_last_error;
    romi_channel_t *channel = self->pid == romi_getpid () ? romi_channel_get ((rom_client_t *) self) : NULL;
    return channel ? channel->errmsg : s_last_error;
}

// --- the pending calls of a channel ---------------------------------------------------------------------

static romi_pending_t *
s_first (romi_channel_t *channel)
{
    romi_link_t *link = romi_list_first (&channel->pending);
    return link ? romi_container_of (link, romi_pending_t, link) : NULL;
}

static romi_pending_t *
s_next (romi_channel_t *channel, romi_pending_t *pending)
{
    romi_link_t *link = pending->link.next;
    return link == &channel->pending.head ? NULL : romi_container_of (link, romi_pending_t, link);
}

static void
s_link (romi_channel_t *channel, romi_pending_t *pending)
{
    romi_list_append (&channel->pending, &pending->link);
    if (!channel->expect)
        channel->expect = pending;
}

void
romi_channel_unlink (romi_channel_t *channel, romi_pending_t *pending)
{
    if (!romi_link_linked (&pending->link))
        return;
    if (channel->expect == pending)
        channel->expect = s_next (channel, pending);
    romi_list_unlink (&channel->pending, &pending->link);
}

void
romi_pending_clear (romi_pending_t *pending)
{
    free (pending->error);
    pending->error = NULL;
    romi_frame_close (&pending->payload);
}

void
romi_channel_free (romi_channel_t *channel, uint8_t why)
{
    // The forgotten calls go to their hooks with no reply (what their replies would carry dies with the
    // session), and the futures still held by their callers are marked, so they never follow the client
    // pointer again.
    romi_list_each_safe (&channel->pending, l)
    {
        romi_pending_t *pending = romi_container_of (l, romi_pending_t, link);
        romi_channel_unlink (channel, pending);
        if (pending->forgotten)
            pending->abandoned (NULL, pending);
        else
            pending->orphaned = why;
    }
    romi_conn_close (&channel->conn, why != ROM_ORPHAN_DESTROYED);
    free (channel);
}

// --- connection events -------------------------------------------------------------------------------------

// "the server at X is gone (connection lost 12 ms ago; server pid 4242 was killed by signal 9)" into `buf`.
static void
s_gone_text (rom_client_t *self, romi_channel_t *channel, char *buf, size_t size)
{
    pthread_mutex_lock (&self->lock);
    if (!self->gone_why[0] && self->on_gone) {
        self->on_gone (self->on_gone_arg, self->gone_why, sizeof self->gone_why);
        if (!self->gone_why[0])
            snprintf (self->gone_why, sizeof self->gone_why, "-");
    }
    char why[ROM_ERRMSG_MAX];
    snprintf (why, sizeof why, "%s",
              self->gone_why[0] && strcmp (self->gone_why, "-") != 0 ? self->gone_why : "");
    pthread_mutex_unlock (&self->lock);
    snprintf (buf, size, "the server at %s is gone (its connection closed %llu ms ago%s%.300s)",
              self->endpoint, (unsigned long long) (romi_now_ms () - channel->down_ms), why[0] ? "; " : "",
              why);
}

// The connection of `channel` dropped: every call in flight on it is answered ROM_UNAVAILABLE now. It may
// or may not have run: the server may have died before or after it, and it is never sent again.
static void
s_fail_pending (rom_client_t *self, romi_channel_t *channel)
{
    char gone[ROM_ERRMSG_MAX];
    s_gone_text (self, channel, gone, sizeof gone);
    romi_list_each_safe (&channel->pending, l)
    {
        romi_pending_t *pending = romi_container_of (l, romi_pending_t, link);
        if (pending->done)
            continue;
        char what[128], text[ROM_ERRMSG_MAX + 192];
        romi_describe (what, sizeof what, pending->what.type, pending->what.id, pending->what.method);
        snprintf (text, sizeof text, "%s: %s: the call may or may not have run", what, gone);
        pending->done = true;
        pending->status = ROM_UNAVAILABLE;
        pending->error = strdup (text);
        if (pending->forgotten) {
            romi_channel_unlink (channel, pending);
            pending->abandoned (self, pending);
        }
    }
}

void
romi_channel_events (rom_client_t *self, romi_channel_t *channel)
{
    if (!romi_conn_watched (channel->conn))
        return;
    channel->events_ms = romi_now_ms ();
    romi_event_t event;
    while (romi_conn_event (channel->conn, &event)) {
        if (event.kind == ROMI_EVENT_UP) {
            channel->up = channel->ever_up = true;
            channel->denied = false; // a connection that came back says hello first: DOWN unjoined it
            if (atomic_exchange (&self->gone, false)) {
                pthread_mutex_lock (&self->lock);
                self->gone_why[0] = '\0';
                pthread_mutex_unlock (&self->lock);
            }
        } else if (event.kind == ROMI_EVENT_DOWN) {
            if (channel->up) {
                channel->up = false;
                channel->joined = 0;
                channel->down_ms = romi_now_ms ();
                atomic_store (&self->gone, true);
                s_fail_pending (self, channel);
            }
        } else
            channel->denied = true; // a handshake failed
    }
}

rom_status_t
romi_channel_unreachable (rom_client_t *self, romi_channel_t *channel, const romi_what_t *what,
                          uint32_t waited_ms)
{
    atomic_store (&self->unreachable, true);
    if (channel->denied)
        return romi_client_fail_at (self, ROM_DENIED, what,
                                    "the server at %s refused the handshake: wrong or missing authkey (or an "
                                    "authkey for a server that uses none)",
                                    self->endpoint);
    if (channel->ever_up && !channel->up) {
        char gone[ROM_ERRMSG_MAX];
        s_gone_text (self, channel, gone, sizeof gone);
        return romi_client_fail_at (self, ROM_UNAVAILABLE, what, "not sent: %s", gone);
    }
    return romi_client_fail_at (self, ROM_UNAVAILABLE, what, "no server at %s (no connection within %u ms)",
                                self->endpoint, waited_ms);
}

// --- sending -----------------------------------------------------------------------------------------------

// Without a connection (the transport refused a send at once): wait for one, or fail the call. ROM_OK when
// the caller may try again.
static rom_status_t
s_await_connection (rom_client_t *self, romi_channel_t *channel, const romi_send_t *send)
{
    const romi_what_t *what = &send->spec->what;
    romi_channel_events (self, channel);
    if (channel->denied || (channel->ever_up && !channel->up))
        return romi_channel_unreachable (self, channel, what, 0);
    long left = -1;
    if (send->wait_ms != UINT32_MAX) {
        uint64_t spent = romi_now_ms () - send->start;
        left = spent >= send->wait_ms ? 0 : (long) (send->wait_ms - spent);
    }
    if (left == 0)
        return romi_channel_unreachable (self, channel, what, send->wait_ms);
    romi_poll_t item = {.conn = channel->conn, .events = ROMI_POLL_OUT | ROMI_POLL_EVENTS};
    if (romi_poll (&item, 1, left) < 0 && errno != EINTR)
        return romi_channel_unreachable (self, channel, what, send->wait_ms);
    return ROM_OK;
}

rom_status_t
romi_channel_send (rom_client_t *self, romi_channel_t *channel, const romi_send_t *send)
{
    const romi_call_spec_t *spec = send->spec;
    Rom__CallHeader header = ROM__CALL_HEADER__INIT;
    header.version = ROM_PROTOCOL_VERSION;
    header.call_id = atomic_fetch_add (&self->next_call_id, 1);
    header.object_id = spec->what.id;
    header.method = spec->method;
    header.session = send->session;
    header.incarnation = spec->incarnation;
    // This client reads batched replies (wire.c): with many calls in flight their replies come in fewer
    // messages.
    header.flags = spec->mode == ROMI_CALL_ONEWAY ? ROM__CALL_FLAGS__CALL_ONEWAY
                                                  : ROM__CALL_FLAGS__CALL_BATCH_OK;
    header.type_hash = spec->type_hash;
    header.timeout_ms = send->server_ms;
    romi_pending_t *pending = send->pending;
    if (pending) {
        pending->call_id = header.call_id;
        pending->deadline_ms = send->timeout_ms == UINT32_MAX ? 0 : send->start + send->timeout_ms;
        pending->done = false;
        pending->error = NULL;
        pending->what = spec->what;
        pending->output = spec->output;
        romi_frame_init (&pending->payload);
    }
    romi_frame_t frames[2];
    if (romi_wire_call_encode (frames, &header, send->in) != 0)
        return romi_client_fail_at (self, ROM_NOMEM, &spec->what, "out of memory for the call");
    // With no connection the transport refuses at once (EAGAIN). Try at once: the usual send then costs no
    // poll (), a system call. Only when it refuses, look at the connection's events, and wait for a
    // connection if there is still hope for one.
    rom_status_t status = ROM_OK;
    int rc = romi_send (channel->conn, frames, 2, ROMI_SEND_DONTWAIT);
    while (rc != 0 && (errno == EAGAIN || errno == EINTR)) {
        if ((status = s_await_connection (self, channel, send)) != ROM_OK)
            break;
        rc = romi_send (channel->conn, frames, 2, ROMI_SEND_DONTWAIT);
    }
    if (rc != 0) {
        int err = errno;
        romi_frame_close (&frames[0]);
        romi_frame_close (&frames[1]);
        if (status != ROM_OK)
            return status;
        return romi_client_fail_at (self, ROM_UNAVAILABLE, &spec->what, "send to %s: %s", self->endpoint,
                                    romi_conn_strerror (channel->conn, err));
    }
    atomic_store_explicit (&self->unreachable, false, memory_order_relaxed);
    if (pending)
        s_link (channel, pending);
    return ROM_OK;
}

// --- receiving ---------------------------------------------------------------------------------------------

// Hand a reply to its pending call. `payload` is taken (moved or closed).
static void
s_deliver (rom_client_t *self, romi_channel_t *channel, const Rom__ReplyHeader *header, romi_frame_t *payload)
{
    // A refusal from another server run than our session's: the server restarted under us. Say hello again
    // before the next call.
    if (header && header->incarnation && header->incarnation != romi_client_incarnation (self))
        channel->joined = 0;
    // Replies come in send order, and answered calls stay linked until their callers collect them: look
    // where the last reply left off first, so a batch of n replies is not n scans over the answered ones.
    romi_pending_t *pending = channel->expect;
    if (!header || !pending || pending->call_id != header->call_id) {
        pending = s_first (channel);
        while (header && pending && pending->call_id != header->call_id)
            pending = s_next (channel, pending);
    }
    if (pending)
        channel->expect = s_next (channel, pending);
    // A reply nobody waits for (its caller timed out, or call id 0: a probe of the server's) is dropped.
    if (header && pending && !pending->done) {
        pending->done = true;
        pending->status = header->status <= ROM_STATUS_LAST ? (rom_status_t) header->status : ROM_INTERNAL;
        if (pending->status == ROM_OK)
            romi_frame_move (&pending->payload, payload);
        else
            pending->error = romi_describe_reply (header->error, pending->what.type, pending->what.id,
                                                  pending->what.method);
        if (pending->status == ROM_SESSION_LOST)
            channel->joined = 0; // the next call opens a new session (and is not told again)
        if (pending->forgotten) {
            // Its caller gave up on it (romi_client_forget ()): the reply is handed over, and with it the
            // pending call, so what the reply carries (a reference) is given back.
            romi_channel_unlink (channel, pending);
            pending->abandoned (self, pending);
        }
    }
    romi_frame_close (payload);
}

// Receive one reply message and hand out what it answers; false when nothing arrived within `wait_ms`.
// With `watch`, the connection's events are watched meanwhile (a lost connection answers the calls in
// flight); without, a plain blocking receive.
static bool
s_receive (rom_client_t *self, romi_channel_t *channel, long wait_ms, bool watch)
{
    romi_wire_replies_t in;
    // Try first: with calls in flight the reply is often queued already.
    if (romi_wire_recv_replies (channel->conn, 0, &in) != 0) {
        if (wait_ms == 0)
            return false;
        if (watch && romi_conn_watched (channel->conn)) {
            romi_poll_t item = {.conn = channel->conn, .events = ROMI_POLL_IN | ROMI_POLL_EVENTS};
            int rc = romi_poll (&item, 1, wait_ms);
            if (rc > 0 && (item.revents & ROMI_POLL_EVENTS))
                romi_channel_events (self, channel);
            if (rc <= 0 || !(item.revents & ROMI_POLL_IN)
                || romi_wire_recv_replies (channel->conn, 0, &in) != 0)
                return false;
        } else if (romi_wire_recv_replies (channel->conn, wait_ms, &in) != 0)
            return false;
    }
    Rom__ReplyHeader *header;
    romi_frame_t payload;
    while (romi_wire_replies_next (&in, &header, &payload)) {
        s_deliver (self, channel, header, &payload);
        if (header)
            protobuf_c_message_free_unpacked (&header->base, NULL);
    }
    romi_wire_replies_close (&in);
    return true;
}

rom_status_t
romi_channel_wait (rom_client_t *self, romi_channel_t *channel, romi_pending_t *pending,
                   ProtobufCMessage **out)
{
    uint64_t start = romi_now_ms ();
    bool watched = romi_conn_watched (channel->conn);
    while (!pending->done) {
        uint64_t now = romi_now_ms ();
        long wait_ms = -1;
        if (pending->deadline_ms) {
            if (now >= pending->deadline_ms)
                break;
            wait_ms = (long) (pending->deadline_ms - now);
        }
        // First a plain receive for a short slice (most replies come within it), then watch the connection.
        long slice = (long) (start + ROM_LIVENESS_SLICE_MS) - (long) now;
        bool watch = slice <= 0 || !watched;
        if (!watch && (wait_ms < 0 || slice < wait_ms))
            wait_ms = slice;
        s_receive (self, channel, wait_ms, watch);
    }
    romi_channel_unlink (channel, pending);
    rom_status_t status = ROM_OK;
    if (!pending->done)
        status = romi_client_fail_at (self, ROM_TIMEOUT, &pending->what,
                                      "no reply from %s within the deadline", self->endpoint);
    else if (pending->status != ROM_OK)
        status = rom_client_fail (self, pending->status, "%s", pending->error ? pending->error : "");
    else if (out) {
        // A reply is peer input too: one nested too deep would overflow our stack in the unpack.
        const void *data = romi_frame_cdata (&pending->payload);
        size_t size = romi_frame_size (&pending->payload);
        *out = romi_wire_too_deep (pending->output, data, size)
                   ? NULL
                   : protobuf_c_message_unpack (pending->output, NULL, size, data);
        if (!*out)
            status = romi_client_fail_at (self, ROM_BAD_REQUEST, &pending->what,
                                          "the reply is not a valid %s", pending->output->name);
    }
    romi_pending_clear (pending);
    return status;
}
