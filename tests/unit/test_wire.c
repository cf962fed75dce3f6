// Unit tests of wire.c and status.c: header round trips, malformed and oversize header frames, packing, the
// depth limit, the batch builder and decoder together, both sides' receive paths over a real (inproc)
// transport with their malformed cases, the type hash and romi_describe.
#include "rom_private.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "google/protobuf/struct.pb-c.h"

static void
test_call_header_round_trip (void **state)
{
    (void) state;
    Rom__CallHeader in = ROM__CALL_HEADER__INIT;
    in.version = ROM_PROTOCOL_VERSION;
    in.call_id = 42;
    in.object_id = UINT64_MAX;
    in.method = 7;
    in.timeout_ms = 1500;
    in.type_hash = rom_type_hash ("demo.Counter");
    uint8_t buf[ROM_HEADER_MAX];
    size_t n = rom__call_header__pack (&in, buf);
    Rom__CallHeader *out = romi_wire_decode_call (buf, n);
    assert_non_null (out);
    assert_int_equal (out->call_id, 42);
    assert_true (out->object_id == UINT64_MAX);
    assert_int_equal (out->method, 7);
    assert_int_equal (out->timeout_ms, 1500);
    assert_int_equal (out->type_hash, in.type_hash);
    rom__call_header__free_unpacked (out, NULL);
}

static void
test_garbage_is_not_a_header (void **state)
{
    (void) state;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_null (romi_wire_decode_call (garbage, sizeof garbage));
    const uint8_t truncated[] = {0x10, 0x80}; // field 2 varint cut short
    assert_null (romi_wire_decode_call (truncated, sizeof truncated));
    uint8_t big[ROM_HEADER_MAX + 1];
    memset (big, 0, sizeof big);
    assert_null (romi_wire_decode_call (big, sizeof big));
}

// Entries written by romi_wire_batch_put read back in order; an entry cut anywhere, or a size past the
// end, ends the walk without reading out of bounds.
static void
test_batch_round_trip_and_truncation (void **state)
{
    (void) state;
    uint8_t buf[1024];
    size_t size = 0;
    Rom__ReplyHeader header = ROM__REPLY_HEADER__INIT;
    Rom__RefRequest payload = ROM__REF_REQUEST__INIT;
    for (uint64_t i = 1; i <= 3; i++) {
        header.call_id = i;
        header.status = i == 2 ? ROM_NO_METHOD : ROM_OK;
        header.error = (char *) (i == 2 ? "no method" : "");
        payload.id = 1000 * i;
        size_t hsize = protobuf_c_message_get_packed_size (&header.base);
        size_t psize = protobuf_c_message_get_packed_size (&payload.base);
        size += romi_wire_batch_put (buf + size, &header.base, hsize, i == 2 ? NULL : &payload.base, psize);
        assert_true (size <= sizeof buf);
    }
    const uint8_t *p = buf, *end = buf + size, *head, *data;
    size_t head_size, data_size;
    for (uint64_t i = 1; i <= 3; i++) {
        assert_true (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size));
        Rom__ReplyHeader *h = romi_wire_decode_reply (head, head_size);
        assert_non_null (h);
        assert_int_equal (h->call_id, i);
        assert_int_equal (h->status, i == 2 ? ROM_NO_METHOD : ROM_OK);
        if (i == 2)
            assert_int_equal (data_size, 0);
        else {
            Rom__RefRequest *out = rom__ref_request__unpack (NULL, data_size, data);
            assert_non_null (out);
            assert_int_equal (out->id, 1000 * i);
            rom__ref_request__free_unpacked (out, NULL);
        }
        rom__reply_header__free_unpacked (h, NULL);
    }
    assert_false (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size));
    assert_true (p == end);
    // Cut short at every length: only whole entries are read.
    for (size_t cut = 0; cut < size; cut++) {
        p = buf;
        end = buf + cut;
        unsigned n = 0;
        while (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size)) {
            assert_true (data + data_size <= end);
            n++;
        }
        assert_true (n < 3);
    }
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
    p = huge;
    assert_false (romi_wire_batch_next (&p, huge + sizeof huge, &head, &head_size, &data, &data_size));
}

static void
test_type_hash_is_stable_and_never_zero (void **state)
{
    (void) state;
    assert_int_equal (rom_type_hash ("demo.Counter"), rom_type_hash ("demo.Counter"));
    assert_int_not_equal (rom_type_hash ("demo.Counter"), rom_type_hash ("demo.Counted"));
    assert_int_not_equal (rom_type_hash (""), 0);
}

static void
test_strerror_covers_every_status (void **state)
{
    (void) state;
    for (int s = ROM_OK; s <= ROM_STATUS_LAST; s++)
        assert_string_not_equal (rom_strerror ((rom_status_t) s), "unknown status");
    assert_string_equal (rom_strerror ((rom_status_t) 9999), "unknown status");
}

// Reply headers may carry an error text, bounded still; call headers never may.
static void
test_oversize_headers (void **state)
{
    (void) state;
    char text[ROM_HEADER_MAX + ROM_ERRMSG_MAX + 16];
    Rom__ReplyHeader header = ROM__REPLY_HEADER__INIT;
    header.call_id = 9;
    header.status = ROM_APP_ERROR;
    header.error = text;
    uint8_t buf[2 * sizeof text];
    memset (text, 'x', ROM_ERRMSG_MAX - 1);
    text[ROM_ERRMSG_MAX - 1] = '\0';
    size_t n = rom__reply_header__pack (&header, buf);
    assert_true (n > ROM_HEADER_MAX);
    Rom__ReplyHeader *out = romi_wire_decode_reply (buf, n);
    assert_non_null (out);
    assert_int_equal (strlen (out->error), ROM_ERRMSG_MAX - 1);
    rom__reply_header__free_unpacked (out, NULL);
    memset (text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    n = rom__reply_header__pack (&header, buf);
    assert_null (romi_wire_decode_reply (buf, n));
}

// A message packed into a frame unpacks the same, small or large (the large through the buffer cache, twice
// so a recycled buffer is used); NULL packs an empty frame.
static void
test_pack (void **state)
{
    (void) state;
    romi_frame_t frame;
    assert_int_equal (romi_wire_pack (&frame, NULL), 0);
    assert_int_equal (romi_frame_size (&frame), 0);
    romi_frame_close (&frame);
    for (int round = 0; round < 2; round++) {
        for (size_t size = 10; size <= (1u << 20); size *= 100) { // 10, 1000, 100000: the last is big
            Rom__CreateRequest req = ROM__CREATE_REQUEST__INIT;
            req.type = (char *) "demo.Counter";
            req.args.len = size;
            req.args.data = calloc (1, size);
            assert_non_null (req.args.data);
            req.args.data[size - 1] = (uint8_t) round + 1;
            assert_int_equal (romi_wire_pack (&frame, &req.base), 0);
            assert_int_equal (romi_frame_size (&frame), rom__create_request__get_packed_size (&req));
            Rom__CreateRequest *out = rom__create_request__unpack (NULL, romi_frame_size (&frame),
                                                                   romi_frame_cdata (&frame));
            assert_non_null (out);
            assert_int_equal (out->args.len, size);
            assert_int_equal (out->args.data[size - 1], round + 1);
            rom__create_request__free_unpacked (out, NULL);
            romi_frame_close (&frame);
            free (req.args.data);
        }
    }
}

// `levels` google.protobuf.Value / ListValue pairs, nested, packed into a malloc'ed buffer.
static uint8_t *
s_nested_values (unsigned levels, size_t *size)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    for (unsigned i = 0; i < 2 * levels; i++) {
        // Alternately ListValue.values (field 1) and Value.list_value (field 6), length-delimited.
        uint8_t head[12];
        size_t h = 0;
        head[h++] = (uint8_t) ((i % 2 == 0 ? 1 : 6) << 3 | 2);
        for (size_t v = n;; v >>= 7) {
            head[h++] = (uint8_t) (v >= 0x80 ? (v & 0x7f) | 0x80 : v);
            if (v < 0x80)
                break;
        }
        uint8_t *grown = malloc (n + h);
        assert_non_null (grown);
        memcpy (grown, head, h);
        if (n)
            memcpy (grown + h, buf, n);
        free (buf);
        buf = grown;
        n += h;
    }
    *size = n;
    return buf;
}

// The depth limit: a recursive type nested past ROM_MAX_DEPTH is refused before any unpack, one within it
// is not (and unpacks).
static void
test_depth_limit (void **state)
{
    (void) state;
    size_t size;
    uint8_t *deep = s_nested_values (ROM_MAX_DEPTH, &size); // 2 x ROM_MAX_DEPTH levels
    assert_true (romi_wire_too_deep (&google__protobuf__value__descriptor, deep, size));
    free (deep);
    uint8_t *fine = s_nested_values (ROM_MAX_DEPTH / 2 - 2, &size);
    assert_false (romi_wire_too_deep (&google__protobuf__value__descriptor, fine, size));
    Google__Protobuf__Value *value = google__protobuf__value__unpack (NULL, size, fine);
    assert_non_null (value);
    google__protobuf__value__free_unpacked (value, NULL);
    free (fine);
    // Not protobuf at all: not judged here (false), the unpack refuses it.
    uint8_t junk[300];
    memset (junk, 0xff, sizeof junk);
    assert_false (romi_wire_too_deep (&google__protobuf__value__descriptor, junk, sizeof junk));
}

// A reply header and payload for entry `i` of the batch tests.
static void
s_entry (uint64_t i, Rom__ReplyHeader *header, Rom__RefRequest *payload)
{
    rom__reply_header__init (header);
    rom__ref_request__init (payload);
    header->call_id = i;
    header->status = i % 2 ? ROM_OK : ROM_NO_METHOD;
    header->error = (char *) (i % 2 ? "" : "no method");
    payload->id = 1000 * i;
}

// Check that the reply read is entry `i` (s_entry).
static void
s_check_entry (uint64_t i, Rom__ReplyHeader *header, romi_frame_t *payload)
{
    assert_non_null (header);
    assert_int_equal (header->call_id, i);
    assert_int_equal (header->status, i % 2 ? ROM_OK : ROM_NO_METHOD);
    Rom__RefRequest *out = rom__ref_request__unpack (NULL, romi_frame_size (payload),
                                                     romi_frame_cdata (payload));
    assert_non_null (out);
    assert_int_equal (out->id, 1000 * i);
    rom__ref_request__free_unpacked (out, NULL);
    rom__reply_header__free_unpacked (header, NULL);
    romi_frame_close (payload);
}

// A frame holding `text`'s bytes.
static void
s_frame (romi_frame_t *frame, const char *text)
{
    assert_int_equal (romi_frame_init_size (frame, strlen (text)), 0);
    memcpy (romi_frame_data (frame), text, strlen (text));
}

// The builder and the decoder together: several entries finish as [peer][empty][entries] that the decoder
// reads back in order; a lone one as a plain [peer][header][payload]; an entry over the limit or for
// another peer does not join; an empty batch makes nothing.
static void
test_batch_builder (void **state)
{
    (void) state;
    romi_wire_batch_t batch;
    romi_wire_batch_init (&batch, 64);
    romi_frame_t peer, other, frames[3];
    s_frame (&peer, "peer-1");
    s_frame (&other, "peer-2");
    assert_int_equal (romi_wire_batch_finish (&batch, frames), 0);
    Rom__ReplyHeader header;
    Rom__RefRequest payload;
    for (uint64_t i = 1; i <= 200; i++) { // past the first capacity: the buffer grows
        s_entry (i, &header, &payload);
        assert_true (romi_wire_batch_fits (&batch, &peer));
        assert_true (romi_wire_batch_add (&batch, &peer, &header, &payload.base));
    }
    assert_false (romi_wire_batch_fits (&batch, &other));
    Rom__ReplyHeader big = ROM__REPLY_HEADER__INIT;
    char text[100];
    memset (text, 'e', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    big.error = text;
    assert_false (romi_wire_batch_add (&batch, &peer, &big, NULL));
    assert_int_equal (batch.count, 200);
    assert_int_equal (romi_wire_batch_finish (&batch, frames), 3);
    assert_int_equal (batch.count, 0);
    assert_true (romi_frame_equal (&frames[0], &peer));
    assert_int_equal (romi_frame_size (&frames[1]), 0);
    const uint8_t *p = romi_frame_cdata (&frames[2]), *end = p + romi_frame_size (&frames[2]), *head, *data;
    size_t head_size, data_size;
    for (uint64_t i = 1; i <= 200; i++) {
        assert_true (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size));
        romi_frame_t frame;
        assert_int_equal (romi_frame_init_size (&frame, data_size), 0);
        memcpy (romi_frame_data (&frame), data, data_size);
        s_check_entry (i, romi_wire_decode_reply (head, head_size), &frame);
    }
    assert_false (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size));
    for (size_t i = 0; i < 3; i++)
        romi_frame_close (&frames[i]);
    // A lone entry, for another peer now that the batch is empty.
    s_entry (7, &header, &payload);
    assert_true (romi_wire_batch_fits (&batch, &other));
    assert_true (romi_wire_batch_add (&batch, &other, &header, &payload.base));
    assert_int_equal (romi_wire_batch_finish (&batch, frames), 3);
    assert_true (romi_frame_equal (&frames[0], &other));
    s_check_entry (7, romi_wire_decode_reply (romi_frame_cdata (&frames[1]), romi_frame_size (&frames[1])),
                   &frames[2]);
    romi_frame_close (&frames[0]);
    romi_frame_close (&frames[1]);
    romi_frame_close (&peer);
    romi_frame_close (&other);
    romi_wire_batch_fini (&batch);
}

// A listener and a dialer connected over inproc (the dialer's routing id is "client").
typedef struct {
    romi_conn_t *listener, *dialer;
    romi_frame_t peer;
} s_pair_t;

static void
s_pair_open (s_pair_t *pair, const char *endpoint)
{
    romi_listen_opts_t lopts = {.keepalive_ms = 4000, .max_frame = -1};
    pair->listener = romi_listen (endpoint, &lopts);
    assert_non_null (pair->listener);
    char resolved[256];
    assert_int_equal (romi_bind (pair->listener, endpoint, resolved, sizeof resolved), 0);
    romi_dial_opts_t dopts = {.routing_id = "client",
                              .routing_id_size = 6,
                              .keepalive_ms = 4000,
                              .reconnect_ms = 100};
    pair->dialer = romi_dial (endpoint, &dopts);
    assert_non_null (pair->dialer);
    s_frame (&pair->peer, "client");
}

static void
s_pair_close (s_pair_t *pair)
{
    romi_frame_close (&pair->peer);
    romi_conn_close (&pair->dialer, false);
    romi_conn_close (&pair->listener, false);
}

// The dialer sends `n` frames with the given contents (NULL: a packed CallHeader of `version`).
static void
s_send_raw (romi_conn_t *conn, size_t n, const char *const *texts, uint32_t version)
{
    romi_frame_t frames[8];
    for (size_t i = 0; i < n; i++) {
        if (texts[i])
            s_frame (&frames[i], texts[i]);
        else {
            Rom__CallHeader header = ROM__CALL_HEADER__INIT;
            header.version = version;
            header.call_id = 5;
            assert_int_equal (romi_wire_pack (&frames[i], &header.base), 0);
        }
    }
    assert_int_equal (romi_send (conn, frames, n, 0), 0);
}

// The server's receive path: a well-formed call, then every malformed case it tells apart.
static void
test_recv_call (void **state)
{
    (void) state;
    s_pair_t pair;
    s_pair_open (&pair, "inproc://test-wire-call");
    romi_wire_call_t call;
    assert_false (romi_wire_recv_call (pair.listener, &call)); // nothing waiting: never blocks
    romi_wire_call_close (&call);
    Rom__CallHeader header = ROM__CALL_HEADER__INIT;
    header.version = ROM_PROTOCOL_VERSION;
    header.call_id = 77;
    header.object_id = 3;
    header.method = 2;
    Rom__RefRequest req = ROM__REF_REQUEST__INIT;
    req.id = 4242;
    romi_frame_t frames[2];
    assert_int_equal (romi_wire_call_encode (frames, &header, &req.base), 0);
    assert_int_equal (romi_send (pair.dialer, frames, 2, ROMI_SEND_DONTWAIT), 0);
    romi_poll_t item = {.conn = pair.listener, .events = ROMI_POLL_IN};
    assert_int_equal (romi_poll (&item, 1, 1000), 1);
    assert_true (romi_wire_recv_call (pair.listener, &call));
    assert_int_equal (call.verdict, ROMI_WIRE_CALL);
    assert_int_equal (call.header->call_id, 77);
    assert_int_equal (call.header->object_id, 3);
    assert_true (romi_frame_equal (romi_wire_call_peer (&call), &pair.peer));
    assert_int_equal (romi_wire_call_frames_after_header (&call), 1);
    Rom__RefRequest *out = rom__ref_request__unpack (NULL, romi_frame_size (romi_wire_call_payload (&call)),
                                                     romi_frame_cdata (romi_wire_call_payload (&call)));
    assert_non_null (out);
    assert_int_equal (out->id, 4242);
    rom__ref_request__free_unpacked (out, NULL);
    romi_wire_call_close (&call);

    static const struct {
        size_t n;
        const char *texts[6];
        uint32_t version;
        romi_wire_verdict_t verdict;
        size_t after_header;
    } cases[] = {
        {2, {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "payload"}, 0, ROMI_WIRE_BAD_HEADER, 1},
        {2, {NULL, "payload"}, ROM_PROTOCOL_VERSION + 1, ROMI_WIRE_BAD_VERSION, 1},
        {1, {""}, 0, ROMI_WIRE_BAD_VERSION, 0}, // an empty frame is a header of version 0
        {1, {NULL}, ROM_PROTOCOL_VERSION, ROMI_WIRE_BAD_FRAMES, 0},
        {5, {NULL, "a", "b", "c", "d"}, ROM_PROTOCOL_VERSION, ROMI_WIRE_BAD_FRAMES, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_send_raw (pair.dialer, cases[i].n, cases[i].texts, cases[i].version);
        assert_int_equal (romi_poll (&item, 1, 1000), 1);
        assert_true (romi_wire_recv_call (pair.listener, &call));
        assert_int_equal (call.verdict, cases[i].verdict);
        assert_true (romi_frame_equal (romi_wire_call_peer (&call), &pair.peer));
        if (cases[i].verdict == ROMI_WIRE_BAD_HEADER)
            assert_null (call.header);
        else {
            assert_non_null (call.header);
            assert_int_equal (romi_wire_call_frames_after_header (&call), cases[i].after_header);
        }
        romi_wire_call_close (&call);
    }
    s_pair_close (&pair);
}

// Replies both ways over a real connection: a batch flushed by the builder and a reply sent alone reach the
// client's receive path as the same replies; a batch cut short yields its whole entries; a single reply
// with a malformed header is handed out without one (its call is matched to nothing).
static void
test_replies_round_trip (void **state)
{
    (void) state;
    s_pair_t pair;
    s_pair_open (&pair, "inproc://test-wire-replies");
    const char *texts[] = {NULL, "x"};
    s_send_raw (pair.dialer, 2, texts, ROM_PROTOCOL_VERSION); // the listener learns the peer
    romi_poll_t item = {.conn = pair.listener, .events = ROMI_POLL_IN};
    assert_int_equal (romi_poll (&item, 1, 1000), 1);
    romi_wire_call_t call;
    assert_true (romi_wire_recv_call (pair.listener, &call));
    romi_wire_call_close (&call);

    romi_wire_batch_t batch;
    romi_wire_batch_init (&batch, 512);
    assert_int_equal (romi_wire_batch_flush (&batch, pair.listener), 0); // empty: nothing sent
    Rom__ReplyHeader header;
    Rom__RefRequest payload;
    for (uint64_t i = 1; i <= 3; i++) {
        s_entry (i, &header, &payload);
        assert_true (romi_wire_batch_add (&batch, &pair.peer, &header, &payload.base));
    }
    assert_int_equal (romi_wire_batch_flush (&batch, pair.listener), 0);
    s_entry (4, &header, &payload);
    assert_int_equal (romi_wire_send_reply (pair.listener, &pair.peer, &header, &payload.base), 0);
    s_entry (5, &header, &payload); // a lone entry in a batch goes as a plain reply
    assert_true (romi_wire_batch_add (&batch, &pair.peer, &header, &payload.base));
    assert_int_equal (romi_wire_batch_flush (&batch, pair.listener), 0);

    romi_wire_replies_t in;
    Rom__ReplyHeader *got;
    romi_frame_t frame;
    uint64_t next = 1;
    for (int message = 0; message < 3; message++) {
        assert_int_equal (romi_wire_recv_replies (pair.dialer, 1000, &in), 0);
        assert_int_equal (in.batch, message == 0);
        while (romi_wire_replies_next (&in, &got, &frame))
            s_check_entry (next++, got, &frame);
        romi_frame_close (&frame);
        romi_wire_replies_close (&in);
    }
    assert_int_equal (next, 6);
    assert_int_equal (romi_wire_recv_replies (pair.dialer, 0, &in), -1);
    assert_int_equal (errno, EAGAIN);
    romi_wire_replies_close (&in);

    // A batch cut in its third entry: the first two are read, then the walk stops.
    for (uint64_t i = 1; i <= 3; i++) {
        s_entry (i, &header, &payload);
        assert_true (romi_wire_batch_add (&batch, &pair.peer, &header, &payload.base));
    }
    romi_frame_t frames[3];
    assert_int_equal (romi_wire_batch_finish (&batch, frames), 3);
    romi_frame_t cut;
    assert_int_equal (romi_frame_init_size (&cut, romi_frame_size (&frames[2]) - 3), 0);
    memcpy (romi_frame_data (&cut), romi_frame_cdata (&frames[2]), romi_frame_size (&cut));
    romi_frame_move (&frames[2], &cut);
    assert_int_equal (romi_send (pair.listener, frames, 3, 0), 0);
    assert_int_equal (romi_wire_recv_replies (pair.dialer, 1000, &in), 0);
    next = 1;
    while (romi_wire_replies_next (&in, &got, &frame))
        s_check_entry (next++, got, &frame);
    assert_int_equal (next, 3);
    romi_wire_replies_close (&in);

    // A malformed header in a single reply: handed out with no header.
    romi_frame_copy (&frames[0], &pair.peer);
    s_frame (&frames[1], "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
    s_frame (&frames[2], "payload");
    assert_int_equal (romi_send (pair.listener, frames, 3, 0), 0);
    assert_int_equal (romi_wire_recv_replies (pair.dialer, 1000, &in), 0);
    assert_true (romi_wire_replies_next (&in, &got, &frame));
    assert_null (got);
    assert_int_equal (romi_frame_size (&frame), 7);
    romi_frame_close (&frame);
    assert_false (romi_wire_replies_next (&in, &got, &frame));
    romi_wire_replies_close (&in);
    romi_wire_batch_fini (&batch);
    s_pair_close (&pair);
}

static void
test_describe (void **state)
{
    (void) state;
    char buf[64];
    romi_describe (buf, sizeof buf, "demo.Counter", 42, "Increment");
    assert_string_equal (buf, "demo.Counter#42.Increment");
    romi_describe (buf, sizeof buf, "demo.Counter", 42, NULL);
    assert_string_equal (buf, "demo.Counter#42");
    romi_describe (buf, sizeof buf, NULL, 0, NULL);
    assert_string_equal (buf, "?#0");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_call_header_round_trip),
        cmocka_unit_test (test_garbage_is_not_a_header),
        cmocka_unit_test (test_batch_round_trip_and_truncation),
        cmocka_unit_test (test_oversize_headers),
        cmocka_unit_test (test_pack),
        cmocka_unit_test (test_depth_limit),
        cmocka_unit_test (test_batch_builder),
        cmocka_unit_test (test_recv_call),
        cmocka_unit_test (test_replies_round_trip),
        cmocka_unit_test (test_describe),
        cmocka_unit_test (test_type_hash_is_stable_and_never_zero),
        cmocka_unit_test (test_strerror_covers_every_status),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
