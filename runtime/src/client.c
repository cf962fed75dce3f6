// client.c: a connection to one manager server: its session, and the one path every call of a client takes
// (romi_client_call ()); the threads' connections themselves are channel.c's.
//
// All the channels of a client share its session: the server routes replies by connection and counts
// references by session. Sessions belong to connections (wire.proto, HelloRequest): a channel says hello on
// its connection before its first call, joining the client's session with its secret, and again whenever
// that connection came back. A hello that finds the session ended (its connection was gone past the
// server's session timeout) gets a new one, and the call that found out answers ROM_SESSION_LOST once per
// thread; one that finds another server run (a restart: a new incarnation) gets a new session silently, and
// proxies of the old run answer ROM_NO_OBJECT.
//
// Fork (DESIGN decision 6): every entry point compares the pid. In a child, the inherited connections and
// context are abandoned (never closed: their I/O thread does not exist here), a new session is opened and
// each live proxy takes its reference again, so proxies made before fork() just work, as in Python.
#include "rom_private.h"
#include "romi_ipc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROM_DEFAULT_CONNECT_TIMEOUT_MS 5000u
#define ROM_DEFAULT_CALL_TIMEOUT_MS 30000u
// The server gives up on a waiting call this much before the caller does, so its verdict (TIMEOUT, or the
// item it did hand over) arrives while the caller still listens: nothing is handed to a caller who left.
#define ROM_DEADLINE_MARGIN_MS 200u
// With an exact timeout (a lock's acquire, a queue's get) the server's verdict at the deadline is the answer
// (ROM_EMPTY, or the item it handed over), so the caller waits this much longer for it: a loaded machine
// (sanitizers, parallel tests) was seen to deliver it more than 200 ms late, and a verdict the caller no
// longer waits for is an item or a lock lost. Only a server that is alive but not running (stopped) costs
// the whole margin; a dead one is known at once (issue 12).
#define ROM_VERDICT_MARGIN_MS 2000u
// An idle channel reads its connection events before a send at most about this often (ms, on the clock
// reading the send takes anyway).
#define ROM_EVENTS_EVERY_MS 1u
// A new channel of a client whose server is known gone waits this long for a connection, not the deadline.
#define ROM_GONE_CONNECT_MS 250u
// A proxy's release is one-way: no caller waits for it, so it waits for a connection only briefly, and not
// at all once the server was found unreachable (destroying the proxies of a dead server costs no timeout).
// A release that cannot be sent is released with the session (goodbye, or the server's lease).
#define ROM_RELEASE_WAIT_MS 250u

static _Atomic uint64_t s_next_serial = 1;

// The manager's method names, by ROM__MANAGER_METHOD__* index, for error texts (not read from the generated
// rom__manager__rom_type: wire.rom.c also holds the generated proxies, which call into the client).
static const char *const s_manager_methods[] = {"Hello", "Create",  "Lookup",  "Retain",      "Release",
                                                "Ping",  "Goodbye", "Reflect", "ListObjects", "Stats"};

const char *
rom_client_endpoint (const rom_client_t *self)
{
    return rom_client_valid (self) ? self->endpoint : NULL;
}

void
rom_client_set_timeout (rom_client_t *self, uint32_t timeout_ms)
{
    if (rom_client_valid (self))
        self->call_timeout_ms = timeout_ms ? timeout_ms : ROM_DEFAULT_CALL_TIMEOUT_MS;
}

void
romi_client_on_gone (rom_client_t *self, romi_client_gone_fn fn, void *arg)
{
    self->on_gone = fn;
    self->on_gone_arg = arg;
}

// A call of the manager object's `method`.
static romi_call_spec_t
s_manager_spec (unsigned method, romi_call_mode_t mode, const ProtobufCMessageDescriptor *output)
{
    romi_what_t what = {.type = "rom.Manager", .id = ROM_MANAGER_ID, .method = s_manager_methods[method]};
    return (romi_call_spec_t) {.what = what, .method = method, .mode = mode, .output = output};
}

// --- session -----------------------------------------------------------------------------------------------

// Each live proxy takes its reference again under a new session (after fork (), as after unpickling a proxy
// in Python, or after a lost session). An object gone meanwhile leaves a proxy whose calls fail NO_OBJECT.
static void
s_retake (rom_client_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t n = self->attached.count, i = 0;
    uint64_t *ids = n ? malloc (n * sizeof *ids) : NULL;
    if (ids)
        romi_list_each (&self->attached, l)
            ids[i++] = romi_container_of (l, romi_attached_t, link)->object_id;
    pthread_mutex_unlock (&self->lock);
    for (i = 0; ids && i < n; i++) {
        Rom__RefRequest req = ROM__REF_REQUEST__INIT;
        req.id = ids[i];
        romi_client_manager_call (self, ROM__MANAGER_METHOD__RETAIN, &req.base, &rom__empty__descriptor,
                                  NULL);
    }
    free (ids);
}

// Say hello on the channel's connection, within `wait_ms` from `start`: join the client's session, or open
// one (the first, after fork, after a loss, on a restarted server). *retake_p: the session was replaced by
// one in which the live proxies' objects may still exist (after fork or a loss, not after a restart): the
// caller has them take their references again (s_retake ()).
static rom_status_t
s_join (rom_client_t *self, romi_channel_t *channel, bool fresh, uint32_t wait_ms, uint64_t start,
        bool *retake_p)
{
    *retake_p = false;
    pthread_mutex_lock (&self->hello_lock);
    Rom__HelloRequest hello = ROM__HELLO_REQUEST__INIT;
    hello.version = ROM_PROTOCOL_VERSION;
    hello.pid = (int32_t) getpid ();
    uint64_t old_session = atomic_load (&self->session);
    if (!fresh) {
        hello.join = old_session;
        hello.secret = atomic_load (&self->secret);
    }
    romi_call_spec_t spec = s_manager_spec (ROM__MANAGER_METHOD__HELLO, ROMI_CALL_SYNC,
                                            &rom__hello_reply__descriptor);
    romi_pending_t pending = {0};
    romi_send_t send = {.spec = &spec,
                        .in = &hello.base,
                        .pending = &pending,
                        .server_ms = wait_ms,
                        .timeout_ms = wait_ms,
                        .wait_ms = wait_ms,
                        .start = start};
    rom_status_t status = romi_channel_send (self, channel, &send);
    Rom__HelloReply *reply = NULL;
    if (status == ROM_OK)
        status = romi_channel_wait (self, channel, &pending, (ProtobufCMessage **) &reply);
    if (status != ROM_OK) {
        pthread_mutex_unlock (&self->hello_lock);
        return status;
    }
    atomic_store (&self->max_message, reply->max_message);
    if (!reply->joined) {
        uint64_t old_incarnation = atomic_load (&self->incarnation);
        bool restarted = old_incarnation != 0 && reply->incarnation != old_incarnation;
        atomic_store (&self->session, reply->session);
        atomic_store (&self->secret, reply->secret);
        atomic_store (&self->incarnation, reply->incarnation);
        atomic_fetch_add (&self->generation, 1);
        *retake_p = old_session != 0 && !restarted; // after fork or a loss: the objects may live on
        if (!fresh && old_session != 0 && !restarted && reply->lost && *reply->lost) {
            pthread_mutex_lock (&self->lock);
            snprintf (self->lost_why, sizeof self->lost_why, "%s", reply->lost);
            pthread_mutex_unlock (&self->lock);
            atomic_fetch_add (&self->losses, 1);
        }
    }
    channel->joined = atomic_load (&self->generation);
    rom__hello_reply__free_unpacked (reply, NULL);
    pthread_mutex_unlock (&self->hello_lock);
    return ROM_OK;
}

// The channel's connection is joined to the client's current session (saying hello first if it is not),
// and the calling thread was told of a session lost meanwhile: else the call fails, not sent.
static rom_status_t
s_session_ready (rom_client_t *self, romi_channel_t *channel, const romi_what_t *what,
                 const romi_send_t *send)
{
    bool retake = false;
    if (channel->joined != atomic_load_explicit (&self->generation, memory_order_relaxed)
        || !channel->joined) {
        rom_status_t status = s_join (self, channel, false, send->wait_ms, send->start, &retake);
        if (status != ROM_OK)
            return status;
    }
    uint64_t losses = atomic_load_explicit (&self->losses, memory_order_relaxed);
    if (channel->losses_told != losses) {
        channel->losses_told = losses; // first: the retake's own calls must not be the ones told
        if (retake)
            s_retake (self);
        pthread_mutex_lock (&self->lock);
        char why[ROM_ERRMSG_MAX];
        snprintf (why, sizeof why, "%s", self->lost_why);
        pthread_mutex_unlock (&self->lock);
        return romi_client_fail_at (
            self, ROM_SESSION_LOST, what,
            "not sent: this client's session at %s was ended by the server while this "
            "process lived (%s): locks it held were released and its references dropped; "
            "it has a new session now",
            self->endpoint, why);
    }
    if (retake)
        s_retake (self);
    return ROM_OK;
}

// --- the call path -----------------------------------------------------------------------------------------

// The caller's deadline (send->timeout_ms) and what the server is given (send->server_ms): with an exact
// timeout (rom_proxy_call_timeout ()) the server gets it and the caller waits a margin longer; else the
// server gets a margin less than the client's timeout.
static void
s_deadlines (const rom_client_t *self, uint32_t exact_ms, romi_send_t *send)
{
    uint32_t timeout_ms, server_ms;
    if (exact_ms == UINT32_MAX)
        timeout_ms = server_ms = UINT32_MAX;
    else if (exact_ms) {
        server_ms = exact_ms;
        timeout_ms = server_ms < UINT32_MAX - ROM_VERDICT_MARGIN_MS ? server_ms + ROM_VERDICT_MARGIN_MS
                                                                    : UINT32_MAX - 1;
    } else {
        timeout_ms = self->call_timeout_ms;
        server_ms = timeout_ms == UINT32_MAX                  ? UINT32_MAX
                    : timeout_ms > 2 * ROM_DEADLINE_MARGIN_MS ? timeout_ms - ROM_DEADLINE_MARGIN_MS
                                                              : timeout_ms - timeout_ms / 4;
    }
    send->timeout_ms = timeout_ms;
    send->server_ms = server_ms == UINT32_MAX ? 0 : server_ms == 0 ? 1 : server_ms; // 0 on the wire: none
    // How long to wait for a connection (a thread's first call): the connect timeout at most, and a server
    // known gone gets only a short chance to be back.
    send->wait_ms = timeout_ms < self->connect_timeout_ms ? timeout_ms : self->connect_timeout_ms;
    if (atomic_load (&self->gone) && send->wait_ms > ROM_GONE_CONNECT_MS)
        send->wait_ms = ROM_GONE_CONNECT_MS;
}

rom_status_t
romi_client_call (rom_client_t *self, const romi_call_spec_t *spec, const ProtobufCMessage *in,
                  romi_pending_t *pending, ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    if (!rom_client_valid (self))
        return rom_client_fail (NULL, ROM_INVALID, "%s.%s: no client", spec->what.type, spec->what.method);
    rom_status_t status = romi_client_check_fork (self);
    if (status != ROM_OK)
        return status;
    romi_channel_t *channel = romi_channel_get (self);
    if (!channel)
        return rom_client_fail (NULL, ROM_NOMEM, "%s.%s: cannot open a socket: %s", spec->what.type,
                                spec->what.method, romi_conn_strerror (NULL, errno));
    if (spec->mode == ROMI_CALL_ASYNC && !pending) // its record must outlive this call: the caller's
        return romi_client_fail_at (self, ROM_INVALID, &spec->what, "an async call without a pending record");
    romi_pending_t local = {0};
    romi_send_t send = {.spec = spec, .in = in, .start = romi_now_ms ()};
    if (spec->mode != ROMI_CALL_ONEWAY)
        send.pending = pending ? pending : &local;
    s_deadlines (self, spec->timeout_ms, &send);
    // An idle channel hears of a lost or restored connection before it sends; one with calls in flight
    // hears of it in their waits.
    if ((romi_list_empty (&channel->pending) || !channel->up)
        && send.start - channel->events_ms >= ROM_EVENTS_EVERY_MS)
        romi_channel_events (self, channel);
    if (channel->ever_up && !channel->up)
        return romi_channel_unreachable (self, channel, &spec->what, 0);
    if ((status = s_session_ready (self, channel, &spec->what, &send)) != ROM_OK)
        return status;
    if (spec->incarnation && spec->incarnation != romi_client_incarnation (self))
        return romi_client_fail_at (
            self, ROM_NO_OBJECT, &spec->what,
            "the server at %s restarted since this proxy was made: its object belonged to "
            "the previous run and is gone",
            self->endpoint);
    size_t size = in ? protobuf_c_message_get_packed_size (in) : 0;
    size_t max = atomic_load_explicit (&self->max_message, memory_order_relaxed);
    if (max && size > max)
        return romi_client_fail_at (self, ROM_TOO_LARGE, &spec->what,
                                    "payload of %zu bytes is over the server's limit of %zu", size, max);
    send.session = atomic_load_explicit (&self->session, memory_order_relaxed);
    if ((status = romi_channel_send (self, channel, &send)) != ROM_OK || spec->mode != ROMI_CALL_SYNC)
        return status;
    return romi_channel_wait (self, channel, send.pending, out);
}

rom_status_t
romi_client_manager_call (rom_client_t *self, unsigned method, const ProtobufCMessage *in,
                          const ProtobufCMessageDescriptor *output, ProtobufCMessage **out)
{
    romi_call_spec_t spec = s_manager_spec (method, ROMI_CALL_SYNC, output);
    return romi_client_call (self, &spec, in, NULL, out);
}

rom_status_t
romi_client_release (rom_client_t *self, uint64_t object_id)
{
    Rom__RefRequest req = ROM__REF_REQUEST__INIT;
    req.id = object_id;
    romi_call_spec_t spec = s_manager_spec (ROM__MANAGER_METHOD__RELEASE, ROMI_CALL_ONEWAY, NULL);
    spec.timeout_ms = rom_client_valid (self) && atomic_load (&self->unreachable) ? 1 : ROM_RELEASE_WAIT_MS;
    return romi_client_call (self, &spec, &req.base, NULL, NULL);
}

rom_status_t
romi_client_wait (rom_client_t *self, romi_pending_t *pending, ProtobufCMessage **out)
{
    if (out)
        *out = NULL;
    if (pending->orphaned || !rom_client_valid (self)) {
        romi_pending_clear (pending);
        if (pending->orphaned == ROM_ORPHAN_FORKED)
            return romi_client_fail_at (NULL, ROM_BROKEN, &pending->what, "the call was sent before fork ()");
        return romi_client_fail_at (NULL, ROM_UNAVAILABLE, &pending->what,
                                    "its client was destroyed before the reply was collected");
    }
    if (self->pid != romi_getpid ()) {
        // Sent by the parent: its reply goes to the parent's socket.
        romi_client_check_fork (self);
        return romi_client_fail_at (self, ROM_BROKEN, &pending->what, "the call was sent before fork ()");
    }
    romi_channel_t *channel = romi_channel_get (self);
    if (!channel)
        return ROM_NOMEM;
    return romi_channel_wait (self, channel, pending, out);
}

bool
romi_client_forget (rom_client_t *self, romi_pending_t *pending)
{
    if (pending->orphaned) {
        romi_pending_clear (pending);
        return false;
    }
    if (!rom_client_valid (self) || self->pid != romi_getpid ()) {
        // The client is gone (its channels freed their calls' hooks), or this is the parent's call.
        if (!pending->abandoned)
            return false;
        pending->abandoned (NULL, pending);
        return true;
    }
    romi_channel_t *channel = romi_channel_get (self);
    if (pending->abandoned && channel && romi_link_linked (&pending->link)) {
        if (pending->done) {
            romi_channel_unlink (channel, pending);
            pending->abandoned (self, pending);
        } else
            pending->forgotten = true; // stays linked: the channel hands it its reply
        return true;
    }
    if (channel)
        romi_channel_unlink (channel, pending);
    romi_pending_clear (pending);
    return false;
}

// --- the client's life -------------------------------------------------------------------------------------

// Free every channel (see romi_channel_free () for `why`).
static void
s_channels_free (rom_client_t *self, uint8_t why)
{
    romi_link_t *link;
    while ((link = romi_list_pop (&self->channels)))
        romi_channel_free (romi_container_of (link, romi_channel_t, link), why);
}

rom_status_t
rom_client_connect (const char *endpoint, const rom_client_opts_t *opts, rom_client_t **client_p,
                    const char **errmsg)
{
    if (errmsg)
        *errmsg = rom_client_errmsg (NULL);
    if (!client_p)
        return rom_client_fail (NULL, ROM_INVALID, "rom_client_connect: client_p is NULL");
    *client_p = NULL;
    if (!endpoint || !strstr (endpoint, "://"))
        return rom_client_fail (NULL, ROM_INVALID,
                                "\"%s\" is not an endpoint (ipc://path, tcp://host:port or inproc://name)",
                                endpoint ? endpoint : "(null)");
    // A socket file of another user (mode 0600) refuses the connect for good: say so now, where the
    // transport would retry until the connect timeout and then report no server at all.
    if (strncmp (endpoint, "ipc://", 6) == 0 && romi_ipc_probe (endpoint + 6) == EACCES)
        return rom_client_fail (NULL, ROM_DENIED,
                                "connect %.400s: permission denied: the socket file belongs to another user "
                                "(rom servers make it 0600)",
                                endpoint);
    rom_client_t *self = calloc (1, sizeof *self);
    if (!self || !(self->endpoint = strdup (endpoint))) {
        free (self);
        return rom_client_fail (NULL, ROM_NOMEM, "connect %.400s: out of memory", endpoint);
    }
    self->tag = ROM_CLIENT_TAG;
    romi_list_init (&self->channels);
    romi_list_init (&self->attached);
    pthread_mutex_init (&self->lock, NULL);
    pthread_mutex_init (&self->hello_lock, NULL);
    self->pid = getpid ();
    self->serial = atomic_fetch_add (&s_next_serial, 1);
    self->next_call_id = 1;
    self->connect_timeout_ms = opts && opts->connect_timeout_ms ? opts->connect_timeout_ms
                                                                : ROM_DEFAULT_CONNECT_TIMEOUT_MS;
    self->call_timeout_ms = opts && opts->call_timeout_ms ? opts->call_timeout_ms
                                                          : ROM_DEFAULT_CALL_TIMEOUT_MS;
    rom_status_t status;
    if (opts && opts->authkey) {
        if (!(self->keys = malloc (sizeof *self->keys))
            || romi_auth_derive (opts->authkey, self->keys) != 0) {
            status = rom_client_fail (NULL, self->keys ? ROM_INVALID : ROM_NOMEM, "connect %.400s: %s",
                                      endpoint,
                                      self->keys
                                          ? "an authkey needs CURVE, and this libzmq was built without it"
                                          : "out of memory");
            rom_client_destroy (&self);
            return status;
        }
    }
    uint64_t start = romi_now_ms ();
    romi_channel_t *channel = romi_channel_get (self);
    if (!channel) {
        status = rom_client_fail (NULL, ROM_INVALID, "connect %.400s: %s", endpoint,
                                  romi_conn_strerror (NULL, errno));
        rom_client_destroy (&self);
        return status;
    }
    // One deadline for all of it: the connection, the handshake and the hello.
    bool retake;
    status = s_join (self, channel, true, self->connect_timeout_ms, start, &retake);
    if (status != ROM_OK) {
        if (status == ROM_TIMEOUT)
            rom_client_fail (NULL, ROM_UNAVAILABLE,
                             "connect %.400s: the server did not answer its hello within %u ms", endpoint,
                             self->connect_timeout_ms);
        else
            rom_client_fail (NULL, status, "connect: %s", channel->errmsg);
        status = status == ROM_TIMEOUT ? ROM_UNAVAILABLE : status;
        rom_client_destroy (&self);
        return status;
    }
    *client_p = self;
    return ROM_OK;
}

rom_status_t
romi_client_check_fork (rom_client_t *self)
{
    if (self->pid == romi_getpid ())
        return ROM_OK;
    // A child of fork (): the sockets belong to the parent's context. Drop them without closing (their
    // memory is the parent's copy) and start over with a session of our own.
    pthread_mutex_init (&self->lock, NULL);
    pthread_mutex_init (&self->hello_lock, NULL);
    s_channels_free (self, ROM_ORPHAN_FORKED);
    self->pid = getpid ();
    self->serial = atomic_fetch_add (&s_next_serial, 1);
    self->on_gone = NULL; // the parent's child is no child of ours
    self->gone = false;
    self->gone_why[0] = '\0';
    romi_channel_t *channel = romi_channel_get (self);
    if (!channel)
        return rom_client_fail (self, ROM_NOMEM, "after fork (): cannot open a socket");
    bool retake;
    rom_status_t status = s_join (self, channel, true, self->connect_timeout_ms, romi_now_ms (), &retake);
    if (status == ROM_OK && retake)
        s_retake (self);
    return status;
}

rom_status_t
rom_client_ping (rom_client_t *self)
{
    if (!rom_client_valid (self))
        return rom_client_fail (NULL, ROM_INVALID, "rom_client_ping: no client");
    Rom__Empty empty = ROM__EMPTY__INIT;
    return romi_client_manager_call (self, ROM__MANAGER_METHOD__PING, &empty.base, &rom__empty__descriptor,
                                     NULL);
}

void
romi_client_attach (rom_client_t *self, romi_attached_t *attached)
{
    pthread_mutex_lock (&self->lock);
    romi_list_append (&self->attached, &attached->link);
    pthread_mutex_unlock (&self->lock);
}

void
romi_client_detach (rom_client_t *self, romi_attached_t *attached)
{
    pthread_mutex_lock (&self->lock);
    if (romi_link_linked (&attached->link))
        romi_list_unlink (&self->attached, &attached->link);
    pthread_mutex_unlock (&self->lock);
}

void
rom_client_destroy (rom_client_t **self_p)
{
    if (!self_p || !rom_client_valid (*self_p))
        return;
    rom_client_t *self = *self_p;
    bool ours = self->pid == romi_getpid ();
    romi_channel_t *mine = ours ? romi_channel_mine (self) : NULL;
    if (ours && self->session && !(mine && mine->ever_up && !mine->up)) {
        // Tell the server now rather than let the session's lease run out; never wait long for it.
        uint32_t timeout = self->call_timeout_ms;
        self->call_timeout_ms = timeout < 1000 ? timeout : 1000;
        Rom__Empty empty = ROM__EMPTY__INIT;
        romi_client_manager_call (self, ROM__MANAGER_METHOD__GOODBYE, &empty.base, &rom__empty__descriptor,
                                  NULL);
    }
    // Its proxies outlive it: they answer ROM_UNAVAILABLE from now on and may still be destroyed.
    romi_link_t *link;
    while ((link = romi_list_pop (&self->attached))) {
        romi_attached_t *attached = romi_container_of (link, romi_attached_t, link);
        attached->orphan (attached);
    }
    s_channels_free (self, ours ? ROM_ORPHAN_DESTROYED : ROM_ORPHAN_FORKED);
    romi_channel_uncache (self);
    pthread_mutex_destroy (&self->lock);
    pthread_mutex_destroy (&self->hello_lock);
    if (self->keys) {
        memset (self->keys, 0, sizeof *self->keys); // secrets do not outlive the client in freed memory
        free (self->keys);
    }
    free (self->endpoint);
    self->tag = ROM_CLIENT_DEAD;
    free (self);
    *self_p = NULL;
}
