// test_bad_input.c: a raw ZMQ peer sends what no rom client would. For each case the server answers with a
// clear status where a reply is possible, and keeps serving a well-behaved client afterwards.
#include "rom_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 4096 // the test server's max_message

typedef struct {
    pid_t server;
    const char *endpoint;
    rom_client_t *client;   // the well-behaved client
    rom_proxy_t *tally;     // its object, which the raw peer also calls
    void *context;
    void *raw;              // the raw DEALER
} fixture_t;

static int
s_setup (void **state)
{
    static fixture_t f;
    f.endpoint = rom_test_endpoint ("ipc", "bad");
    f.server = rom_test_server_fork (f.endpoint, LIMIT);
    f.client = rom_test_connect (f.endpoint);
    Rom__RefRequest init = ROM__REF_REQUEST__INIT;
    assert_int_equal (rom_proxy_create (f.client, &rom_test_tally_type, "t", &init.base, 0, &f.tally), ROM_OK);
    f.context = zmq_ctx_new ();
    f.raw = zmq_socket (f.context, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (f.raw, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal (zmq_connect (f.raw, f.endpoint), 0);
    *state = &f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    zmq_close (f->raw);
    zmq_ctx_term (f->context);
    rom_proxy_destroy (&f->tally);
    rom_client_destroy (&f->client);
    assert_int_equal (rom_test_server_stop (f->server), 0);
    return 0;
}

// The server still serves the well-behaved client, and its object kept its state.
static void
s_still_serving (fixture_t *f)
{
    int64_t before = rom_test_tally_add (f->tally, 0);
    assert_true (rom_test_tally_add (f->tally, 1) >= before + 1); // >=: a flood may add meanwhile
}

static void
s_send_frames (void *socket, const void *const *frames, const size_t *sizes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_true (zmq_send (socket, frames[i], sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0) >= 0);
}

static size_t
s_header (uint8_t *buf, uint64_t call_id, uint64_t object_id, uint32_t method, uint32_t version, uint32_t flags,
          uint32_t type_hash)
{
    Rom__CallHeader h = ROM__CALL_HEADER__INIT;
    h.version = version;
    h.call_id = call_id;
    h.object_id = object_id;
    h.method = method;
    h.flags = flags;
    h.type_hash = type_hash;
    h.timeout_ms = 5000;
    return rom__call_header__pack (&h, buf);
}

// Receive one reply within 3 s: its status and text. Fails the test when none comes.
static Rom__ReplyHeader *
s_reply (void *socket)
{
    zmq_pollitem_t item = {.socket = socket, .events = ZMQ_POLLIN};
    if (zmq_poll (&item, 1, 3000) != 1)
        fail_msg ("no reply within 3 s");
    zmq_msg_t head;
    zmq_msg_init (&head);
    assert_true (zmq_msg_recv (&head, socket, 0) >= 0);
    Rom__ReplyHeader *reply = rom__reply_header__unpack (NULL, zmq_msg_size (&head), zmq_msg_data (&head));
    assert_non_null (reply);
    assert_true (zmq_msg_more (&head));
    zmq_msg_t payload;
    zmq_msg_init (&payload);
    assert_true (zmq_msg_recv (&payload, socket, 0) >= 0);
    assert_false (zmq_msg_more (&payload));
    zmq_msg_close (&payload);
    zmq_msg_close (&head);
    return reply;
}

static void
s_expect (void *socket, uint64_t call_id, rom_status_t status, const char *text)
{
    Rom__ReplyHeader *reply = s_reply (socket);
    assert_int_equal (reply->call_id, call_id);
    if (reply->status != (uint32_t) status)
        fail_msg ("status %u (%s), expected %s", reply->status, reply->error, rom_strerror (status));
    if (text && !strstr (reply->error, text))
        fail_msg ("error \"%s\" does not say \"%s\"", reply->error, text);
    rom__reply_header__free_unpacked (reply, NULL);
}

static void
s_no_reply (void *socket, int ms)
{
    zmq_pollitem_t item = {.socket = socket, .events = ZMQ_POLLIN};
    assert_int_equal (zmq_poll (&item, 1, ms), 0);
}

static void
test_frame_that_is_not_a_header (void **state)
{
    fixture_t *f = *state;
    const char garbage[] = "\xff\xff\xff\xff garbage, not a header";
    const char payload[] = "";
    const void *frames[] = {garbage, payload};
    size_t sizes[] = {sizeof garbage - 1, 0};
    s_send_frames (f->raw, frames, sizes, 2);
    // No call id can be read: the notice comes with call id 0, which clients ignore.
    s_expect (f->raw, 0, ROM_BAD_REQUEST, "not a rom.CallHeader");
    // A single frame, and an oversized header.
    zmq_send (f->raw, "x", 1, 0);
    s_expect (f->raw, 0, ROM_BAD_REQUEST, NULL);
    s_still_serving (f);
}

static void
test_truncated_payload (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64], payload[16];
    size_t hn = s_header (head, 7, rom_proxy_id (f->tally), TALLY_ADD, 1, 0, 0);
    Rom__RefRequest in = ROM__REF_REQUEST__INIT;
    in.id = 1ull << 60; // a ten-byte varint, cut short below
    size_t pn = rom__ref_request__pack (&in, payload);
    const void *frames[] = {head, payload};
    size_t sizes[] = {hn, pn - 3};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 7, ROM_BAD_REQUEST, "not a valid rom.RefRequest");
    s_still_serving (f);
}

static void
test_garbage_payload (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    size_t hn = s_header (head, 8, rom_proxy_id (f->tally), TALLY_ADD, 1, 0, 0);
    uint8_t payload[200];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t) (0xff - i);
    const void *frames[] = {head, payload};
    size_t sizes[] = {hn, sizeof payload};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 8, ROM_BAD_REQUEST, "Add");
    s_still_serving (f);
}

static void
test_payload_of_wrong_type (void **state)
{
    fixture_t *f = *state;
    // A CreateRequest (field 1 is a string) where Add expects a RefRequest (field 1 is a varint).
    uint8_t head[64], payload[64];
    size_t hn = s_header (head, 9, rom_proxy_id (f->tally), TALLY_ADD, 1, 0, 0);
    Rom__CreateRequest wrong = ROM__CREATE_REQUEST__INIT;
    wrong.type = "not a number";
    size_t pn = rom__create_request__pack (&wrong, payload);
    const void *frames[] = {head, payload};
    size_t sizes[] = {hn, pn};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 9, ROM_BAD_REQUEST, "not a valid rom.RefRequest");
    s_still_serving (f);
}

static void
test_unknown_object (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    size_t hn = s_header (head, 10, 987654, TALLY_ADD, 1, 0, 0);
    const void *frames[] = {head, ""};
    size_t sizes[] = {hn, 0};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 10, ROM_NO_OBJECT, "object 987654");
    s_still_serving (f);
}

static void
test_unknown_method (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    size_t hn = s_header (head, 11, rom_proxy_id (f->tally), 42, 1, 0, 0);
    const void *frames[] = {head, ""};
    size_t sizes[] = {hn, 0};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 11, ROM_NO_METHOD, "no method 42");
    // The manager object too.
    sizes[0] = s_header (head, 12, 0, 42, 1, 0, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 12, ROM_NO_METHOD, "rom.Manager");
    s_still_serving (f);
}

static void
test_wrong_version_type_and_frames (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    const void *frames[] = {head, "", ""};
    size_t sizes[] = {0, 0, 0};
    sizes[0] = s_header (head, 13, rom_proxy_id (f->tally), TALLY_GET, 99, 0, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 13, ROM_BAD_REQUEST, "version 99");
    sizes[0] = s_header (head, 14, rom_proxy_id (f->tally), TALLY_GET, 1, 0, 0x12345678);
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 14, ROM_WRONG_TYPE, "test.Tally");
    sizes[0] = s_header (head, 15, rom_proxy_id (f->tally), TALLY_GET, 1, 0, 0);
    s_send_frames (f->raw, frames, sizes, 3); // one frame too many
    s_expect (f->raw, 15, ROM_BAD_REQUEST, "frames");
    s_send_frames (f->raw, frames, sizes, 1); // no payload frame
    s_expect (f->raw, 15, ROM_BAD_REQUEST, "frames");
    // A one-way call that is bad gets no reply, and costs nothing else.
    sizes[0] = s_header (head, 16, 987654, TALLY_GET, 1, ROM__CALL_FLAGS__CALL_ONEWAY, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    s_no_reply (f->raw, 200);
    s_still_serving (f);
}

static void
test_message_over_limit (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    size_t hn = s_header (head, 17, rom_proxy_id (f->tally), TALLY_ECHO, 1, 0, 0);
    size_t big = LIMIT + 1;
    uint8_t *payload = calloc (1, big);
    const void *frames[] = {head, payload};
    size_t sizes[] = {hn, big};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 17, ROM_TOO_LARGE, "limit of 4096 bytes");
    free (payload);

    // Far over the limit: ZMQ drops the connection before allocating it. No reply is possible, the server
    // lives on, and so does the raw peer's next connection.
    big = 64 * LIMIT;
    payload = calloc (1, big);
    frames[1] = payload;
    sizes[1] = big;
    s_send_frames (f->raw, frames, sizes, 2);
    s_no_reply (f->raw, 300);
    free (payload);

    // A rom client refuses to send an oversized payload at all: it learned the limit at hello.
    Rom__CreateRequest in = ROM__CREATE_REQUEST__INIT;
    in.args.len = 2 * LIMIT;
    in.args.data = calloc (1, in.args.len);
    assert_int_equal (rom_proxy_call (f->tally, TALLY_ECHO, &in.base, NULL), ROM_TOO_LARGE);
    assert_non_null (strstr (rom_client_errmsg (f->client), "limit"));
    free (in.args.data);
    s_still_serving (f);
}

static void
test_flood_from_one_client (void **state)
{
    fixture_t *f = *state;
    // 50 000 calls without reading one reply; meanwhile the well-behaved client gets its answers.
    uint8_t head[64], payload[16];
    Rom__RefRequest in = ROM__REF_REQUEST__INIT;
    in.id = 1;
    size_t pn = rom__ref_request__pack (&in, payload);
    enum { FLOOD = 50000 };
    // Sends block while the server is behind; a server that stopped reading would fail them.
    int send_timeout = 5000;
    zmq_setsockopt (f->raw, ZMQ_SNDTIMEO, &send_timeout, sizeof send_timeout);
    int sent = 0;
    for (int i = 0; i < FLOOD; i++) {
        size_t hn = s_header (head, 100 + (uint64_t) i, rom_proxy_id (f->tally), TALLY_ADD, 1, 0, 0);
        assert_true (zmq_send (f->raw, head, hn, ZMQ_SNDMORE) >= 0);
        assert_true (zmq_send (f->raw, payload, pn, 0) >= 0);
        sent++;
        if (i % 5000 == 0) {
            uint64_t start = rom_now_ms ();
            s_still_serving (f);
            assert_true (rom_now_ms () - start < 2000);
        }
    }
    assert_int_equal (sent, FLOOD);
    // Every flooded call ran (replies the flooder never read were dropped, not queued forever).
    uint64_t deadline = rom_now_ms () + 20000;
    int64_t total = 0;
    while ((total = rom_test_tally_add (f->tally, 0)) < sent && rom_now_ms () < deadline)
        ;
    assert_true (total >= sent);
    s_still_serving (f);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_frame_that_is_not_a_header, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_truncated_payload, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_garbage_payload, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_payload_of_wrong_type, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_object, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_method, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_wrong_version_type_and_frames, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_message_over_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_flood_from_one_client, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
