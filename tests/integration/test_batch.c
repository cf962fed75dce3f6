// test_batch.c: batched replies (wire.c), seen by a raw ZMQ peer. Calls that reach the server together
// while it is busy are answered in one message [empty][entries] when they say their caller reads batches
// (CALL_BATCH_OK), each entry the reply a plain message would carry; without the flag every call gets a
// plain two-frame reply. A rom client reads both (test_calls: pipelined calls).
#include "rom_test_fault.h"
#include "rom_test_fixture.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define CALLS 50

typedef struct {
    rom_test_fixture_t *base; // server, endpoint, client
    rom_proxy_t *tally;
    void *context;
    void *raw;
    uint64_t session;
} fixture_t;

static int
s_setup (void **state)
{
    static fixture_t f;
    f.base = rom_test_fixture_start ("ipc", "batch");
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    assert_int_equal (rom_proxy_create (f.base->client, &test__tally__rom_type, NULL, &init.base, 0,
                                        &f.tally),
                      ROM_OK);
    f.context = zmq_ctx_new ();
    f.raw = zmq_socket (f.context, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (f.raw, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal (zmq_connect (f.raw, f.base->endpoint), 0);
    f.session = rom_test_raw_session (f.raw); // calls name it: sessions belong to their connections
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
    rom_test_fixture_stop (f->base);
    return 0;
}

// Keep the server busy for `ms` (a Sleep call, which blocks its thread), so that what the raw peer sends
// meanwhile is queued and then handled in one pass. Returns the Sleep's future.
static rom_future_t *
s_busy (fixture_t *f, uint64_t ms)
{
    Test__Number in = TEST__NUMBER__INIT;
    in.value = ms;
    rom_future_t *future = NULL;
    assert_int_equal (rom_proxy_call_async (f->tally, TEST__TALLY_METHOD__SLEEP, &in.base, &future), ROM_OK);
    struct timespec ts = {0, 50 * 1000 * 1000}; // long enough for the server to be in the Sleep
    nanosleep (&ts, NULL);
    return future;
}

static void
s_send_adds (fixture_t *f, uint32_t flags)
{
    Test__Number one = TEST__NUMBER__INIT;
    one.value = 1;
    uint8_t payload[16];
    size_t payload_size = test__number__pack (&one, payload);
    for (uint64_t i = 1; i <= CALLS; i++) {
        Rom__CallHeader h = ROM__CALL_HEADER__INIT;
        h.version = ROM_PROTOCOL_VERSION;
        h.call_id = i;
        h.object_id = rom_proxy_id (f->tally);
        h.method = TEST__TALLY_METHOD__ADD;
        h.flags = flags;
        h.session = f->session;
        uint8_t head[64];
        size_t head_size = rom__call_header__pack (&h, head);
        assert_true (zmq_send (f->raw, head, head_size, ZMQ_SNDMORE) >= 0);
        assert_true (zmq_send (f->raw, payload, payload_size, 0) >= 0);
    }
}

// Receive one message within 5 s into `frames` (at most 2); returns how many frames it had.
static int
s_recv (void *socket, zmq_msg_t frames[2])
{
    zmq_pollitem_t item = {.socket = socket, .events = ZMQ_POLLIN};
    if (zmq_poll (&item, 1, 5000) != 1)
        fail_msg ("no reply within 5 s");
    int n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        assert_true (zmq_msg_recv (&frame, socket, 0) >= 0);
        more = zmq_msg_more (&frame);
        if (n < 2)
            zmq_msg_move (&frames[n], &frame);
        zmq_msg_close (&frame);
        n++;
    }
    return n;
}

// One reply: call `call_id`, OK, the tally's total after it.
static void
s_check_reply (const void *head, size_t head_size, const void *payload, size_t payload_size, uint64_t call_id,
               uint64_t total)
{
    Rom__ReplyHeader *header = romi_wire_decode_reply (head, head_size);
    assert_non_null (header);
    assert_int_equal (header->call_id, call_id);
    assert_int_equal (header->status, ROM_OK);
    Test__Number *out = test__number__unpack (NULL, payload_size, payload);
    assert_non_null (out);
    assert_int_equal (out->value, total);
    test__number__free_unpacked (out, NULL);
    rom__reply_header__free_unpacked (header, NULL);
}

static void
test_calls_that_queue_together_are_answered_in_one_message (void **state)
{
    fixture_t *f = *state;
    rom_future_t *sleep = s_busy (f, 300);
    s_send_adds (f, ROM__CALL_FLAGS__CALL_BATCH_OK);
    uint64_t next = 1;
    int messages = 0, batches = 0;
    while (next <= CALLS) {
        zmq_msg_t frames[2];
        zmq_msg_init (&frames[0]);
        zmq_msg_init (&frames[1]);
        assert_int_equal (s_recv (f->raw, frames), 2);
        messages++;
        if (zmq_msg_size (&frames[0]) == 0) {
            batches++;
            const uint8_t *p = zmq_msg_data (&frames[1]), *end = p + zmq_msg_size (&frames[1]);
            const uint8_t *head, *payload;
            size_t head_size, payload_size;
            while (romi_wire_batch_next (&p, end, &head, &head_size, &payload, &payload_size)) {
                s_check_reply (head, head_size, payload, payload_size, next, next);
                next++;
            }
            assert_true (p == end); // every byte of the batch belongs to an entry
        } else {
            s_check_reply (zmq_msg_data (&frames[0]), zmq_msg_size (&frames[0]), zmq_msg_data (&frames[1]),
                           zmq_msg_size (&frames[1]), next, next);
            next++;
        }
        zmq_msg_close (&frames[0]);
        zmq_msg_close (&frames[1]);
    }
    printf ("# %d calls queued during a Sleep: answered in %d message(s), %d of them batches\n", CALLS,
            messages, batches);
    assert_int_equal (next, CALLS + 1);
    assert_true (batches >= 1);
    assert_true (messages < CALLS);
    assert_int_equal (rom_future_wait (&sleep, NULL), ROM_OK);
}

static void
test_without_the_flag_every_reply_is_plain (void **state)
{
    fixture_t *f = *state;
    rom_future_t *sleep = s_busy (f, 300);
    s_send_adds (f, 0);
    for (uint64_t i = 1; i <= CALLS; i++) {
        zmq_msg_t frames[2];
        zmq_msg_init (&frames[0]);
        zmq_msg_init (&frames[1]);
        assert_int_equal (s_recv (f->raw, frames), 2);
        assert_true (zmq_msg_size (&frames[0]) > 0);
        s_check_reply (zmq_msg_data (&frames[0]), zmq_msg_size (&frames[0]), zmq_msg_data (&frames[1]),
                       zmq_msg_size (&frames[1]), i, i);
        zmq_msg_close (&frames[0]);
        zmq_msg_close (&frames[1]);
    }
    assert_int_equal (rom_future_wait (&sleep, NULL), ROM_OK);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_calls_that_queue_together_are_answered_in_one_message, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_without_the_flag_every_reply_is_plain, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
