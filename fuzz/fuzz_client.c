// fuzz_client.c: libFuzzer target (c), the client's reply path fed server frames. A fake server (a listener
// on inproc://, on a thread of its own) answers each call a real client makes with the next message of the
// input (fuzz_common.h's framing, sent after the caller's routing id), so the hello reply, replies to sync
// and async calls, batches, ObjectRefs that become proxies and typed outputs all go through the client's
// code as it is: romi_wire_recv_replies () and romi_wire_replies_next () (wire.c), matching and delivery
// (channel.c), the hello's session and incarnation (client.c), the built-ins' helpers decoding outputs.
//
// Control byte bit 2 (4): make the reply answer the call it follows: the call id of a single reply's header,
// or of every entry of a batch, is set to the call's (a fuzzed id would match nothing). Every fuzzed answer
// is followed by a well-formed refusal for the call (ROM_UNAVAILABLE): a call the fuzzed frames did not
// answer ends at once instead of at its deadline, and one they answered meets a stray reply later. One-way
// calls (a proxy's release) get no answer, as from a real server.
#include "rom_private.h"

#include "fuzz_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rom/builtins/dict.rom.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define ENDPOINT "inproc://fuzz-client"
#define BATCH_MAX 4096 // bytes of a patched batch

static struct {
    pthread_mutex_t lock;
    const uint8_t *p, *end; // the input's messages not sent yet; NULL: none (only refusals)
    romi_frame_t peer;      // the client of this input (the first hello's sender), whom the input answers
    bool have_peer;
    romi_conn_t *listener;
} s_fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

// Set the call id of every entry of batch frame `src` to `call_id` into `frame`; false when an entry is
// malformed or the batch is large (then it goes as fuzzed).
static bool
s_patch_batch (romi_frame_t *frame, const uint8_t *src, size_t size, uint64_t call_id)
{
    static uint8_t buf[BATCH_MAX + 64];
    const uint8_t *p = src, *end = src + size, *head, *payload;
    size_t n = 0, hsize, psize;
    while (p < end) {
        if (!romi_wire_batch_next (&p, end, &head, &hsize, &payload, &psize))
            return false;
        Rom__ReplyHeader *header = romi_wire_decode_reply (head, hsize);
        if (!header)
            return false;
        header->call_id = call_id;
        size_t new_hsize = protobuf_c_message_get_packed_size (&header->base);
        if (n + ROM_WIRE_BATCH_ENTRY_MAX (new_hsize, psize) > sizeof buf) {
            protobuf_c_message_free_unpacked (&header->base, NULL);
            return false;
        }
        // The payload goes as it came: romi_wire_batch_put () packs a message, so copy it by hand.
        Rom__Empty none = ROM__EMPTY__INIT;
        size_t at = n + romi_wire_batch_put (buf + n, &header->base, new_hsize, &none.base, 0);
        protobuf_c_message_free_unpacked (&header->base, NULL);
        // Rewrite the payload size varint (0 above) with psize and append the bytes.
        at--;
        uint64_t v = psize;
        while (v >= 0x80) {
            buf[at++] = (uint8_t) (v | 0x80);
            v >>= 7;
        }
        buf[at++] = (uint8_t) v;
        memcpy (buf + at, payload, psize);
        n = at + psize;
    }
    fuzz_frame (frame, buf, n);
    return true;
}

// Answer the call with `header` from `peer` with the input's next message, then refuse it.
static void
s_answer (const romi_frame_t *peer, const Rom__CallHeader *header)
{
    bool hello = header->object_id == ROM_MANAGER_ID && header->method == ROM__MANAGER_METHOD__HELLO;
    pthread_mutex_lock (&s_fake.lock);
    if (s_fake.p && hello && !s_fake.have_peer) {
        romi_frame_copy (&s_fake.peer, peer);
        s_fake.have_peer = true;
    }
    fuzz_message_t msg;
    if (s_fake.p && s_fake.have_peer && romi_frame_equal (&s_fake.peer, peer)
        && fuzz_next_message (&s_fake.p, s_fake.end, &msg)) {
        romi_frame_t frames[1 + FUZZ_FRAMES_MAX];
        romi_frame_init (&frames[0]);
        romi_frame_copy (&frames[0], peer);
        bool made[1 + FUZZ_FRAMES_MAX] = {true}; // frames[0], the peer, is made
        if (msg.control & 4) {
            Rom__ReplyHeader *reply = msg.size[0] ? romi_wire_decode_reply (msg.data[0], msg.size[0]) : NULL;
            if (reply) {
                reply->call_id = header->call_id;
                made[1] = romi_wire_pack (&frames[1], &reply->base) == 0;
                protobuf_c_message_free_unpacked (&reply->base, NULL);
            } else if (msg.size[0] == 0 && msg.n > 1)
                made[2] = s_patch_batch (&frames[2], msg.data[1], msg.size[1], header->call_id);
        }
        for (size_t i = 0; i < msg.n; i++)
            if (!made[1 + i])
                fuzz_frame (&frames[1 + i], msg.data[i], msg.size[i]);
        if (romi_send (s_fake.listener, frames, 1 + msg.n, ROMI_SEND_DONTWAIT) != 0)
            for (size_t i = 0; i <= msg.n; i++)
                romi_frame_close (&frames[i]);
    }
    pthread_mutex_unlock (&s_fake.lock);
    Rom__ReplyHeader refusal = ROM__REPLY_HEADER__INIT;
    refusal.call_id = header->call_id;
    refusal.status = ROM_UNAVAILABLE;
    refusal.error = (char *) "fuzz: no answer";
    romi_wire_send_reply (s_fake.listener, peer, &refusal, NULL);
}

static void *
s_fake_server (void *arg)
{
    (void) arg;
    for (;;) {
        romi_poll_t item = {.conn = s_fake.listener, .events = ROMI_POLL_IN};
        if (romi_poll (&item, 1, 100) <= 0)
            continue;
        romi_wire_call_t call;
        while (romi_wire_recv_call (s_fake.listener, &call)) {
            if (call.header && !(call.header->flags & ROM__CALL_FLAGS__CALL_ONEWAY))
                s_answer (romi_wire_call_peer (&call), call.header);
            romi_wire_call_close (&call);
        }
        romi_wire_call_close (&call);
    }
    return NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static bool started;
    if (!started) {
        romi_listen_opts_t opts = {.keepalive_ms = 4000, .max_frame = -1};
        char resolved[256];
        pthread_t thread;
        if (!(s_fake.listener = romi_listen (ENDPOINT, &opts))
            || romi_bind (s_fake.listener, ENDPOINT, resolved, sizeof resolved) != 0
            || pthread_create (&thread, NULL, s_fake_server, NULL) != 0)
            abort ();
        romi_frame_init (&s_fake.peer);
        started = true;
    }
    pthread_mutex_lock (&s_fake.lock);
    s_fake.p = data;
    s_fake.end = data + size;
    s_fake.have_peer = false;
    pthread_mutex_unlock (&s_fake.lock);

    rom_client_opts_t opts = {.connect_timeout_ms = 2000, .call_timeout_ms = 2000};
    rom_client_t *client = NULL;
    if (rom_client_connect (ENDPOINT, &opts, &client, NULL) == ROM_OK) {
        rom_client_ping (client);
        rom_dict_t *dict = NULL;
        if (rom_dict_new (client, &dict) == ROM_OK) {
            rom_variant_t value = ROM_NONE;
            if (rom_dict_get (dict, ROM_STR ("k"), &value) == ROM_OK)
                rom_variant_clear (&value);
            rom_variant_t *keys = NULL, *values = NULL;
            size_t n = 0;
            if (rom_dict_keys (dict, &keys, &n) == ROM_OK)
                rom_variants_free (&keys, n);
            if (rom_dict_items (dict, &keys, &values, &n) == ROM_OK) {
                rom_variants_free (&keys, n);
                rom_variants_free (&values, n);
            }
            // Two calls in flight: their replies may come as one batch, in either order.
            Rom__Empty empty = ROM__EMPTY__INIT;
            rom_future_t *futures[2] = {NULL, NULL};
            for (int i = 0; i < 2; i++)
                rom_proxy_call_async (rom_dict_proxy (dict), ROM__BUILTINS__DICT_METHOD__LEN, &empty.base,
                                      &futures[i]);
            for (int i = 1; i >= 0; i--) {
                ProtobufCMessage *out = NULL;
                if (futures[i] && rom_future_wait (&futures[i], &out) == ROM_OK && out)
                    protobuf_c_message_free_unpacked (out, NULL);
            }
            rom_dict_destroy (&dict);
        }
        rom_queue_t *queue = NULL;
        if (rom_queue_new (client, 0, &queue) == ROM_OK) {
            rom_item_t item;
            memset (&item, 0, sizeof item);
            if (rom_queue_get_item (queue, 0, &item) == ROM_OK)
                rom_item_clear (&item);
            rom_queue_destroy (&queue);
        }
        rom_client_destroy (&client);
    }
    pthread_mutex_lock (&s_fake.lock);
    s_fake.p = s_fake.end = NULL;
    romi_frame_close (&s_fake.peer);
    s_fake.have_peer = false;
    pthread_mutex_unlock (&s_fake.lock);
    return 0;
}
