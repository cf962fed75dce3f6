// watch_api.c: the client side of declared state's watches (rom_state.h: rom.Watch, rom.Poll,
// rom.Unwatch). A watch keeps the last Poll reply and hands out one change at a time, so a burst of changes
// costs one round trip.
//
// A watch borrows its proxy (which must outlive it) and keeps no reference of its own, and remembers the
// process that subscribed: after fork () the child's first rom_watch_next () subscribes anew (the parent's
// subscription belongs to the parent's session) and starts from the state as it is then.
#define _POSIX_C_SOURCE 200809L

#include "state_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_WATCH_TAG 0x3a7c4e22u

// --- watches -----------------------------------------------------------------------------------------------

struct _rom_watch_t {
    uint32_t tag;
    rom_proxy_t *proxy; // borrowed
    unsigned poll, unwatch, watch_method;
    uint32_t path[ROM_STATE_MAX_DEPTH];
    size_t depth;
    uint32_t queue;
    pid_t pid; // the process whose subscription `id` is
    uint64_t id;
    uint8_t *initial; // the state when the subscription began, packed
    size_t initial_len;
    uint64_t initial_version;
    Rom__Changes *pending; // the last poll's reply
    size_t next;           // its next change to hand out
    bool missed_done;      // its missed report was handed out
    bool ended;            // the ended change was handed out: ROM_CLOSED from now on
};

static rom_status_t
s_subscribe (rom_watch_t *watch)
{
    Rom__WatchRequest req = ROM__WATCH_REQUEST__INIT;
    req.n_path = watch->depth;
    req.path = watch->path;
    req.queue = watch->queue;
    ProtobufCMessage *reply = NULL;
    rom_status_t status = rom_proxy_call (watch->proxy, watch->watch_method, &req.base, &reply);
    if (status != ROM_OK)
        return status;
    Rom__WatchStart *start = (Rom__WatchStart *) reply;
    free (watch->initial);
    watch->initial = malloc (start->state.len ? start->state.len : 1);
    if (!watch->initial) {
        protobuf_c_message_free_unpacked (reply, NULL);
        return rom_client_fail (rom_proxy_client (watch->proxy), ROM_NOMEM, "out of memory");
    }
    if (start->state.len)
        memcpy (watch->initial, start->state.data, start->state.len);
    watch->initial_len = start->state.len;
    watch->initial_version = start->version;
    watch->id = start->watch;
    watch->pid = getpid ();
    protobuf_c_message_free_unpacked (reply, NULL);
    if (watch->pending)
        protobuf_c_message_free_unpacked (&watch->pending->base, NULL);
    watch->pending = NULL;
    return ROM_OK;
}

static bool
s_bad_watch (const char *fn, const rom_watch_t *watch)
{
    if (!watch || watch->tag != S_WATCH_TAG) {
        romi_state_invalid (fn, watch ? "not a watch (or a destroyed one)" : "NULL watch");
        return true;
    }
    return false;
}

rom_status_t
rom_watch_new (rom_proxy_t *proxy, const uint32_t *path, size_t depth, size_t queue, rom_watch_t **watch_p)
{
    const char *fn = "rom_watch_new";
    if (!watch_p)
        return romi_state_invalid (fn, "NULL watch_p");
    unsigned watch_m, poll, unwatch;
    rom_status_t status;
    if ((status = romi_state_method (fn, proxy, "rom.Watch", &watch_m)) != ROM_OK
        || (status = romi_state_method (fn, proxy, "rom.Poll", &poll)) != ROM_OK
        || (status = romi_state_method (fn, proxy, "rom.Unwatch", &unwatch)) != ROM_OK)
        return status;
    if (depth > ROM_STATE_MAX_DEPTH || (depth && !path))
        return romi_state_invalid (fn, "a NULL path, or one deeper than ROM_STATE_MAX_DEPTH");
    if (queue > UINT32_MAX)
        return romi_state_invalid (fn, "a queue of more than 2^32 changes");
    rom_watch_t *watch = calloc (1, sizeof *watch);
    if (!watch)
        return rom_client_fail (rom_proxy_client (proxy), ROM_NOMEM, "out of memory");
    watch->tag = S_WATCH_TAG;
    watch->proxy = proxy;
    watch->watch_method = watch_m;
    watch->poll = poll;
    watch->unwatch = unwatch;
    watch->depth = depth;
    if (depth)
        memcpy (watch->path, path, depth * sizeof *path);
    watch->queue = (uint32_t) queue;
    if ((status = s_subscribe (watch)) != ROM_OK) {
        free (watch->initial);
        free (watch);
        return status;
    }
    *watch_p = watch;
    return ROM_OK;
}

rom_status_t
rom_watch_initial (rom_watch_t *watch, ProtobufCMessage **state, uint64_t *version)
{
    if (s_bad_watch ("rom_watch_initial", watch))
        return ROM_INVALID;
    if (!state)
        return romi_state_invalid ("rom_watch_initial", "NULL state");
    const rom_type_t *type = rom_proxy_type (watch->proxy);
    if (!type || !type->init)
        return rom_client_fail (NULL, ROM_INVALID,
                                "rom_watch_initial: the proxy's type names no state message");
    *state = protobuf_c_message_unpack (type->init, NULL, watch->initial_len, watch->initial);
    if (!*state)
        return rom_client_fail (rom_proxy_client (watch->proxy), ROM_NOMEM,
                                "rom_watch_initial: out of memory");
    if (version)
        *version = watch->initial_version;
    return ROM_OK;
}

// Hand out the next thing of the pending reply, if any: true when *change was filled.
static bool
s_take (rom_watch_t *watch, rom_change_t *change, rom_status_t *status)
{
    Rom__Changes *p = watch->pending;
    *status = ROM_OK;
    if (!p)
        return false;
    if (watch->next < p->n_changes) {
        const Rom__Change *c = p->changes[watch->next++];
        change->depth = c->n_path < ROM_STATE_MAX_DEPTH ? c->n_path : ROM_STATE_MAX_DEPTH;
        if (change->depth)
            memcpy (change->path, c->path, change->depth * sizeof *c->path);
        change->op = (rom_state_opcode_t) c->op;
        change->index = c->index;
        change->version = c->version;
        if (romi_state_value_out (c->value, &change->value) != ROM_OK
            || romi_state_value_out (c->key, &change->key) != ROM_OK)
            *status = rom_client_fail (rom_proxy_client (watch->proxy), ROM_NOMEM, "out of memory");
        return true;
    }
    if (p->missed && !watch->missed_done) {
        watch->missed_done = true;
        change->op = ROM_STATE_SET;
        change->missed = p->missed;
        change->version = p->version;
        const rom_type_t *type = rom_proxy_type (watch->proxy);
        if (type && type->init)
            change->state = protobuf_c_message_unpack (type->init, NULL, p->state.len, p->state.data);
        return true;
    }
    if (p->ended) {
        change->ended = true;
        change->version = p->version;
        watch->ended = true;
        return true;
    }
    return false;
}

rom_status_t
rom_watch_next (rom_watch_t *watch, uint32_t timeout_ms, rom_change_t *change)
{
    if (s_bad_watch ("rom_watch_next", watch))
        return ROM_INVALID;
    if (!change)
        return romi_state_invalid ("rom_watch_next", "NULL change");
    memset (change, 0, sizeof *change);
    if (watch->ended)
        return rom_client_fail (rom_proxy_client (watch->proxy), ROM_CLOSED, "the watched object is gone");
    rom_status_t status;
    if (watch->pid != getpid () && (status = s_subscribe (watch)) != ROM_OK) // a forked child: its own
        return status;
    if (s_take (watch, change, &status))
        return status;
    Rom__WatchPoll req = ROM__WATCH_POLL__INIT;
    req.watch = watch->id;
    ProtobufCMessage *reply = NULL;
    status = rom_proxy_call_timeout (watch->proxy, watch->poll, &req.base, timeout_ms ? timeout_ms : 1,
                                     &reply);
    if (status == ROM_CLOSED || status == ROM_NO_OBJECT) { // the object died while (or before) we waited
        watch->ended = true;
        change->ended = true;
        return ROM_OK;
    }
    if (status != ROM_OK)
        return status;
    if (watch->pending)
        protobuf_c_message_free_unpacked (&watch->pending->base, NULL);
    watch->pending = (Rom__Changes *) reply;
    watch->next = 0;
    watch->missed_done = false;
    if (s_take (watch, change, &status))
        return status;
    return rom_client_fail (rom_proxy_client (watch->proxy), ROM_TIMEOUT,
                            "rom_watch_next: no change within %u ms", timeout_ms);
}

void
rom_change_clear (rom_change_t *change)
{
    if (!change)
        return;
    rom_variant_clear (&change->value);
    rom_variant_clear (&change->key);
    if (change->state)
        protobuf_c_message_free_unpacked (change->state, NULL);
    memset (change, 0, sizeof *change);
}

void
rom_watch_destroy (rom_watch_t **watch_p)
{
    if (!watch_p || !*watch_p || (*watch_p)->tag != S_WATCH_TAG)
        return;
    rom_watch_t *watch = *watch_p;
    // Only the process that subscribed unsubscribes (a forked child that never polled leaves its parent's).
    if (watch->pid == getpid () && !watch->ended && rom_proxy_client (watch->proxy)) {
        Rom__WatchPoll req = ROM__WATCH_POLL__INIT;
        req.watch = watch->id;
        rom_proxy_call (watch->proxy, watch->unwatch, &req.base, NULL);
    }
    if (watch->pending)
        protobuf_c_message_free_unpacked (&watch->pending->base, NULL);
    free (watch->initial);
    watch->tag = 0;
    free (watch);
    *watch_p = NULL;
}
