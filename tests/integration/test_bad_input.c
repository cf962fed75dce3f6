// test_bad_input.c: a raw ZMQ peer sends what no rom client would (issue 3, point 6). One test per case:
// the server answers with the right status and a text naming the object and method where a reply is
// possible, drops the message where none is, and afterwards still serves a well-behaved client whose object
// kept its state. Under ROM_SANITIZE the server process also ends with a leak check (rom_test.c), so a case
// that makes the server leak fails its test.
#include "rom_test_fault.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT 4096 // the test server's max_message

typedef struct {
    pid_t server;
    const char *endpoint;
    rom_client_t *client; // the well-behaved client
    rom_proxy_t *tally;   // its object, which the raw peer also calls
    uint64_t id;          // the object's id
    char name[64];        // "test.Tally#<id>": what error texts about it start with
    void *context;
    void *raw; // the raw DEALER
} fixture_t;

// The raw peer's session (rom_test_raw_session ()): sessions belong to the connection that opened them.
static uint64_t s_session;

static int
s_setup_limit (void **state, size_t max_message)
{
    static fixture_t f;
    f.endpoint = rom_test_endpoint ("ipc", "bad");
    f.server = rom_test_server_fork (f.endpoint, max_message);
    f.client = rom_test_connect (f.endpoint);
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    assert_int_equal (rom_proxy_create (f.client, &test__tally__rom_type, "t", &init.base, 0, &f.tally),
                      ROM_OK);
    f.id = rom_proxy_id (f.tally);
    snprintf (f.name, sizeof f.name, "test.Tally#%llu", (unsigned long long) f.id);
    f.context = zmq_ctx_new ();
    f.raw = zmq_socket (f.context, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (f.raw, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal (zmq_connect (f.raw, f.endpoint), 0);
    s_session = rom_test_raw_session (f.raw);
    *state = &f;
    return 0;
}

static int
s_setup (void **state)
{
    return s_setup_limit (state, LIMIT);
}

// A server with the default size limit (64 MiB), for payloads that are harmful well below it.
static int
s_setup_default_limit (void **state)
{
    return s_setup_limit (state, 0);
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
s_header (uint8_t *buf, uint64_t call_id, uint64_t object_id, uint32_t method, uint32_t version,
          uint32_t flags, uint32_t type_hash)
{
    Rom__CallHeader h = ROM__CALL_HEADER__INIT;
    h.version = version;
    h.call_id = call_id;
    h.object_id = object_id;
    h.method = method;
    h.flags = flags;
    h.type_hash = type_hash;
    h.timeout_ms = 5000;
    h.session = s_session;
    return rom__call_header__pack (&h, buf);
}

// A well-formed call of `method` on the fixture's object with an empty payload.
static void
s_send_call (fixture_t *f, uint64_t call_id, uint32_t method)
{
    uint8_t head[64];
    const void *frames[] = {head, ""};
    size_t sizes[] = {s_header (head, call_id, f->id, method, ROM_PROTOCOL_VERSION, 0, 0), 0};
    s_send_frames (f->raw, frames, sizes, 2);
}

// Receive one reply within 3 s: its header, and whether its payload frame is empty. Fails the test when
// none comes or it is not two frames. The server's liveness probes (an empty header and payload, lease.c:
// a raw peer whose fd number was another connection's before is probed a few times) are skipped, as
// clients do.
static Rom__ReplyHeader *
s_reply (void *socket, size_t *payload_size)
{
    zmq_msg_t head;
    zmq_msg_init (&head);
    for (;;) {
        zmq_pollitem_t item = {.socket = socket, .events = ZMQ_POLLIN};
        if (zmq_poll (&item, 1, 3000) != 1)
            fail_msg ("no reply within 3 s");
        assert_true (zmq_msg_recv (&head, socket, 0) >= 0);
        if (zmq_msg_size (&head) > 0)
            break;
        assert_true (zmq_msg_more (&head));
        zmq_msg_t empty;
        zmq_msg_init (&empty);
        assert_true (zmq_msg_recv (&empty, socket, 0) >= 0);
        assert_int_equal (zmq_msg_size (&empty), 0);
        assert_false (zmq_msg_more (&empty));
        zmq_msg_close (&empty);
    }
    Rom__ReplyHeader *reply = rom__reply_header__unpack (NULL, zmq_msg_size (&head), zmq_msg_data (&head));
    assert_non_null (reply);
    assert_true (zmq_msg_more (&head));
    zmq_msg_t payload;
    zmq_msg_init (&payload);
    assert_true (zmq_msg_recv (&payload, socket, 0) >= 0);
    assert_false (zmq_msg_more (&payload));
    *payload_size = zmq_msg_size (&payload);
    zmq_msg_close (&payload);
    zmq_msg_close (&head);
    return reply;
}

// The next reply is for `call_id`, with `status`, and its text contains each of `texts` (NULL-ended).
static void
s_expect_texts (void *socket, uint64_t call_id, rom_status_t status, const char *const *texts)
{
    size_t payload_size;
    Rom__ReplyHeader *reply = s_reply (socket, &payload_size);
    if (reply->call_id != call_id)
        fail_msg ("reply to call %llu (%u, \"%s\"), expected one to call %llu",
                  (unsigned long long) reply->call_id, reply->status, reply->error,
                  (unsigned long long) call_id);
    if (reply->status != (uint32_t) status)
        fail_msg ("status %u (%s), expected %s", reply->status, reply->error, rom_strerror (status));
    for (; texts && *texts; texts++)
        if (!strstr (reply->error, *texts))
            fail_msg ("error \"%s\" does not say \"%s\"", reply->error, *texts);
    if (status != ROM_OK)
        assert_int_equal (payload_size, 0);
    rom__reply_header__free_unpacked (reply, NULL);
}

#define s_expect(socket, call_id, status, ...)                                                               \
    s_expect_texts ((socket), (call_id), (status), (const char *const[]) {__VA_ARGS__, NULL})

// Nothing was answered to what the raw peer sent before: a fresh call's reply is the next one it receives
// (replies to one peer keep their order). An event to wait for, rather than a silence to sleep through.
static void
s_no_reply_before (fixture_t *f, uint64_t call_id)
{
    s_send_call (f, call_id, TEST__TALLY_METHOD__GET);
    s_expect (f->raw, call_id, ROM_OK, "");
}

// --- the cases --------------------------------------------------------------------------------------------

static void
test_frame_that_is_not_a_header (void **state)
{
    fixture_t *f = *state;
    const char garbage[] = "\xff\xff\xff\xff garbage, not a header";
    const void *frames[] = {garbage, ""};
    size_t sizes[] = {sizeof garbage - 1, 0};
    s_send_frames (f->raw, frames, sizes, 2);
    // No call id can be read: the notice comes with call id 0, which rom clients ignore.
    char size_text[32];
    snprintf (size_text, sizeof size_text, "(%zu bytes)", sizeof garbage - 1);
    s_expect (f->raw, 0, ROM_BAD_REQUEST, "not a rom.CallHeader", size_text);
    // A single frame that is no header either.
    zmq_send (f->raw, "x", 1, 0);
    s_expect (f->raw, 0, ROM_BAD_REQUEST, "not a rom.CallHeader");
    // A header frame longer than any header: refused unread (no peer makes the server decode a header of
    // kilobytes, let alone its limit of megabytes).
    size_t big = 2000;
    uint8_t *huge = calloc (1, big);
    frames[0] = huge;
    sizes[0] = big;
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 0, ROM_BAD_REQUEST, "not a rom.CallHeader", "(2000 bytes)");
    free (huge);
    s_still_serving (f);
}

static void
test_truncated_payload (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64], payload[16];
    size_t hn = s_header (head, 7, f->id, TEST__TALLY_METHOD__ADD, ROM_PROTOCOL_VERSION, 0, 0);
    Test__Number in = TEST__NUMBER__INIT;
    in.value = 1ull << 60; // a nine-byte varint, cut short below
    size_t pn = test__number__pack (&in, payload);
    const void *frames[] = {head, payload};
    size_t sizes[] = {hn, pn - 3};
    s_send_frames (f->raw, frames, sizes, 2);
    char what[80];
    snprintf (what, sizeof what, "%s.Add", f->name);
    s_expect (f->raw, 7, ROM_BAD_REQUEST, what, "not a valid test.Number");
    s_still_serving (f);
}

static void
test_garbage_payload (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    uint8_t payload[200];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t) (0xff - i);
    const void *frames[] = {head, payload};
    size_t sizes[] = {s_header (head, 8, f->id, TEST__TALLY_METHOD__ADD, ROM_PROTOCOL_VERSION, 0, 0),
                      sizeof payload};
    s_send_frames (f->raw, frames, sizes, 2);
    char what[80];
    snprintf (what, sizeof what, "%s.Add", f->name);
    s_expect (f->raw, 8, ROM_BAD_REQUEST, what, "200 bytes");
    // The manager's own methods unpack the same way.
    sizes[0] = s_header (head, 9, ROM_MANAGER_ID, ROM__MANAGER_METHOD__CREATE, ROM_PROTOCOL_VERSION, 0, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 9, ROM_BAD_REQUEST, "rom.Manager.Create", "not a valid rom.CreateRequest");
    s_still_serving (f);
}

static void
test_payload_of_wrong_type (void **state)
{
    fixture_t *f = *state;
    // A Blob (field 1 is a string) where Add expects a Number (field 1 is a varint).
    uint8_t head[64], payload[64];
    Test__Blob wrong = TEST__BLOB__INIT;
    wrong.label = "not a number";
    const void *frames[] = {head, payload};
    size_t sizes[] = {s_header (head, 10, f->id, TEST__TALLY_METHOD__ADD, ROM_PROTOCOL_VERSION, 0, 0),
                      test__blob__pack (&wrong, payload)};
    s_send_frames (f->raw, frames, sizes, 2);
    char what[80];
    snprintf (what, sizeof what, "%s.Add", f->name);
    s_expect (f->raw, 10, ROM_BAD_REQUEST, what, "not a valid test.Number");
    s_still_serving (f);
}

static void
test_payload_nested_too_deep (void **state)
{
    fixture_t *f = *state;
    // google.protobuf.Value{list_value: ListValue{values: Value{...}}}, built from the inside out. protobuf-c
    // unpacks recursively without a limit: 100 000 levels (400 KB) overflow a thread's stack.
    size_t levels = 100000, cap = levels * 8 + 16, start = cap, start60 = 0;
    uint8_t *buf = malloc (cap);
    for (size_t i = 0; i < levels; i++) {
        size_t len = cap - start;
        uint8_t varint[10];
        size_t n = 0;
        do
            varint[n++] = (uint8_t) ((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
        while ((len >>= 7) != 0);
        start -= n;
        memcpy (buf + start, varint, n);
        buf[--start] = i % 2 == 0 ? (1 << 3 | 2)  // ListValue.values
                                  : (6 << 3 | 2); // Value.list_value
        if (i == 59)
            start60 = start; // a Value 60 levels deep
    }
    uint8_t head[64];
    const void *frames[] = {head, buf + start};
    size_t sizes[] = {s_header (head, 11, f->id, TEST__TALLY_METHOD__NEST, ROM_PROTOCOL_VERSION, 0, 0),
                      cap - start};
    s_send_frames (f->raw, frames, sizes, 2);
    char what[80];
    snprintf (what, sizeof what, "%s.Nest", f->name);
    s_expect (f->raw, 11, ROM_BAD_REQUEST, what, "deeper than 100 levels");
    // 60 levels (the innermost 60 of the same payload) are fine.
    frames[1] = buf + start60;
    sizes[0] = s_header (head, 12, f->id, TEST__TALLY_METHOD__NEST, ROM_PROTOCOL_VERSION, 0, 0);
    sizes[1] = cap - start60;
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 12, ROM_OK, "");
    free (buf);
    s_still_serving (f);
}

static void
test_unknown_object (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    const void *frames[] = {head, ""};
    size_t sizes[] = {s_header (head, 13, 987654, TEST__TALLY_METHOD__ADD, ROM_PROTOCOL_VERSION, 0, 0), 0};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 13, ROM_NO_OBJECT, "object 987654 (method 0)", "no such object");
    s_still_serving (f);
}

// A raw peer that never said hello holds no references, so it may not drop any: an unnamed object of the
// well-behaved client survives a Release from it (which would otherwise have destroyed it).
static void
test_release_without_a_session (void **state)
{
    fixture_t *f = *state;
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = 5;
    rom_proxy_t *unnamed = NULL;
    assert_int_equal (rom_proxy_create (f->client, &test__tally__rom_type, NULL, &init.base, 0, &unnamed),
                      ROM_OK);
    uint8_t head[64], payload[32];
    Rom__RefRequest release = ROM__REF_REQUEST__INIT;
    release.id = rom_proxy_id (unnamed);
    uint64_t session = s_session;
    s_session = 0; // no session
    const void *frames[] = {head, payload};
    size_t sizes[] = {s_header (head, 31, ROM_MANAGER_ID, ROM__MANAGER_METHOD__RELEASE, ROM_PROTOCOL_VERSION,
                                0, 0),
                      rom__ref_request__pack (&release, payload)};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 31, ROM_DENIED, "method 4", "no session");
    sizes[0] = s_header (head, 32, ROM_MANAGER_ID, ROM__MANAGER_METHOD__RETAIN, ROM_PROTOCOL_VERSION, 0, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 32, ROM_DENIED, "method 3", "says hello");
    s_session = session;
    assert_int_equal (rom_test_tally_add (unnamed, 1), 6);
    rom_proxy_destroy (&unnamed);
    s_still_serving (f);
}

static void
test_unknown_method (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    const void *frames[] = {head, ""};
    size_t sizes[] = {s_header (head, 14, f->id, 42, ROM_PROTOCOL_VERSION, 0, 0), 0};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 14, ROM_NO_METHOD, f->name, "no method 42");
    // The manager object too.
    sizes[0] = s_header (head, 15, ROM_MANAGER_ID, 42, ROM_PROTOCOL_VERSION, 0, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 15, ROM_NO_METHOD, "rom.Manager", "no method 42");
    s_still_serving (f);
}

static void
test_message_over_limit (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    size_t big = LIMIT + 1;
    uint8_t *payload = calloc (1, big);
    const void *frames[] = {head, payload};
    size_t sizes[] = {s_header (head, 16, f->id, TEST__TALLY_METHOD__ECHO, ROM_PROTOCOL_VERSION, 0, 0), big};
    s_send_frames (f->raw, frames, sizes, 2);
    char what[80];
    snprintf (what, sizeof what, "%s.Echo", f->name);
    s_expect (f->raw, 16, ROM_TOO_LARGE, what, "4097 bytes", "limit of 4096 bytes");
    free (payload);

    // Far over the limit: ZMQ drops the connection before allocating the frame. No reply is possible; the
    // server lives on, and the raw peer's next connection is served. Its session went with its only
    // connection: the first call on the new one hears so (SESSION_LOST), and a new hello serves it again.
    big = 64 * LIMIT;
    payload = calloc (1, big);
    frames[1] = payload;
    sizes[0] = s_header (head, 17, f->id, TEST__TALLY_METHOD__ECHO, ROM_PROTOCOL_VERSION, 0, 0);
    sizes[1] = big;
    s_send_frames (f->raw, frames, sizes, 2);
    free (payload);
    s_send_call (f, 18, TEST__TALLY_METHOD__GET);
    s_expect (f->raw, 18, ROM_SESSION_LOST, "ended", "connection closed");
    s_session = rom_test_raw_session (f->raw);
    s_no_reply_before (f, 19);

    // A rom client refuses to send an oversized payload at all: it learned the limit at hello.
    Test__Blob in = TEST__BLOB__INIT;
    in.data.len = 2 * LIMIT;
    in.data.data = calloc (1, in.data.len);
    assert_int_equal (rom_proxy_call (f->tally, TEST__TALLY_METHOD__ECHO, &in.base, NULL), ROM_TOO_LARGE);
    assert_non_null (strstr (rom_client_errmsg (f->client), "limit"));
    assert_non_null (strstr (rom_client_errmsg (f->client), "Echo"));
    free (in.data.data);
    s_still_serving (f);
}

// The flooder: a process of its own that sends `n` calls of Add(1) as fast as the server takes them and
// never reads a reply, then a Get whose reply it waits for: that one ran after all its Adds. The server
// drops replies that find the flooder's queue full, so the Get is sent again whenever 100 ms pass without a
// reply while the queue drains. Exit status 0 when the Get was answered within 15 s.
static void
s_flood (const char *endpoint, uint64_t object_id, int n)
{
    void *context = zmq_ctx_new ();
    void *dealer = zmq_socket (context, ZMQ_DEALER);
    int zero = 0, send_timeout = 10000;
    zmq_setsockopt (dealer, ZMQ_LINGER, &zero, sizeof zero);
    // Sends block while the server is behind; a server that stopped reading would make them fail.
    zmq_setsockopt (dealer, ZMQ_SNDTIMEO, &send_timeout, sizeof send_timeout);
    if (zmq_connect (dealer, endpoint) != 0)
        _exit (2);
    s_session = rom_test_raw_session (dealer);
    uint8_t head[64], payload[16];
    Test__Number in = TEST__NUMBER__INIT;
    in.value = 1;
    size_t pn = test__number__pack (&in, payload);
    for (int i = 0; i < n; i++) {
        size_t hn = s_header (head, 1000 + (uint64_t) i, object_id, TEST__TALLY_METHOD__ADD,
                              ROM_PROTOCOL_VERSION, 0, 0);
        if (zmq_send (dealer, head, hn, ZMQ_SNDMORE) < 0 || zmq_send (dealer, payload, pn, 0) < 0)
            _exit (3);
    }
    size_t hn = s_header (head, 1, object_id, TEST__TALLY_METHOD__GET, ROM_PROTOCOL_VERSION, 0, 0);
    uint64_t deadline = romi_now_ms () + 15000;
    bool send_get = true;
    for (;;) {
        if (send_get && (zmq_send (dealer, head, hn, ZMQ_SNDMORE) < 0 || zmq_send (dealer, "", 0, 0) < 0))
            _exit (3);
        if (romi_now_ms () >= deadline)
            _exit (4);
        zmq_pollitem_t item = {.socket = dealer, .events = ZMQ_POLLIN};
        send_get = zmq_poll (&item, 1, 100) <= 0;
        if (send_get)
            continue;
        uint8_t reply[ROM_HEADER_MAX + ROM_ERRMSG_MAX];
        int size = zmq_recv (dealer, reply, sizeof reply, 0);
        if (size < 0 || size > (int) sizeof reply)
            _exit (5);
        Rom__ReplyHeader *header = rom__reply_header__unpack (NULL, (size_t) size, reply);
        bool last = header && header->call_id == 1;
        bool ok = last && header->status == ROM_OK;
        if (header)
            rom__reply_header__free_unpacked (header, NULL);
        zmq_recv (dealer, reply, sizeof reply, 0); // the payload frame
        if (last)
            _exit (ok ? 0 : 6);
    }
}

static void
test_flood_from_one_client (void **state)
{
    fixture_t *f = *state;
    enum { FLOOD = 50000 };
    fflush (NULL);
    pid_t flooder = fork ();
    assert_true (flooder >= 0);
    if (flooder == 0) {
        // A fresh program, not a forked copy of this one: a child forked from a process whose ZMQ threads
        // are busy must not start threads of its own (under ASan its new I/O thread could inherit a lock
        // held at fork () and never connect).
        char id[32], count[32];
        snprintf (id, sizeof id, "%llu", (unsigned long long) f->id);
        snprintf (count, sizeof count, "%d", FLOOD);
        execl ("/proc/self/exe", "test_bad_input", "--flood", f->endpoint, id, count, (char *) NULL);
        _exit (6);
    }

    // Meanwhile the well-behaved client calls the same object; each answer comes promptly. Count the calls
    // answered while the flood was under way (the total strictly between 0 and FLOOD), to know the flood and
    // these calls did overlap.
    uint64_t deadline = romi_now_ms () + 20000, slowest = 0;
    int during = 0, status = 0;
    pid_t done = 0;
    while ((done = waitpid (flooder, &status, WNOHANG)) == 0 && romi_now_ms () < deadline) {
        uint64_t start = romi_now_ms ();
        int64_t total = rom_test_tally_add (f->tally, 0);
        uint64_t spent = romi_now_ms () - start;
        slowest = spent > slowest ? spent : slowest;
        during += total > 0 && total < FLOOD;
    }
    if (done == 0) {
        kill (flooder, SIGKILL);
        waitpid (flooder, &status, 0);
        fail_msg ("the flooder did not finish within 20 s");
    }
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
    printf ("flood: %d calls answered during it, the slowest in %llu ms\n", during,
            (unsigned long long) slowest);
    assert_true (during > 0);
    assert_true (slowest < 1000);
    // Every flooded call ran, none twice; the replies nobody read were dropped, not queued forever.
    assert_int_equal (rom_test_tally_add (f->tally, 0), FLOOD);
    s_still_serving (f);
}

static void
test_wrong_protocol_version (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    const void *frames[] = {head, ""};
    size_t sizes[] = {s_header (head, 19, f->id, TEST__TALLY_METHOD__GET, 99, 0, 0), 0};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 19, ROM_BAD_REQUEST, "protocol version 99", "version 2");
    // No version at all (a header from something that is not rom).
    sizes[0] = s_header (head, 20, f->id, TEST__TALLY_METHOD__GET, 0, 0, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 20, ROM_BAD_REQUEST, "protocol version 0");
    s_still_serving (f);
}

static void
test_wrong_type_hash (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    const void *frames[] = {head, ""};
    size_t sizes[] = {s_header (head, 21, f->id, TEST__TALLY_METHOD__GET, ROM_PROTOCOL_VERSION, 0,
                                0x12345678),
                      0};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 21, ROM_WRONG_TYPE, f->name, "another type");
    s_still_serving (f);
}

static void
test_too_many_frames (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    const void *frames[100];
    size_t sizes[100];
    for (size_t i = 0; i < 100; i++) {
        frames[i] = "";
        sizes[i] = 0;
    }
    frames[0] = head;
    sizes[0] = s_header (head, 22, f->id, TEST__TALLY_METHOD__GET, ROM_PROTOCOL_VERSION, 0, 0);
    char what[80];
    snprintf (what, sizeof what, "%s.Get", f->name);
    s_send_frames (f->raw, frames, sizes, 3);
    s_expect (f->raw, 22, ROM_BAD_REQUEST, what, "2 frames after the header");
    sizes[0] = s_header (head, 23, f->id, TEST__TALLY_METHOD__GET, ROM_PROTOCOL_VERSION, 0, 0);
    s_send_frames (f->raw, frames, sizes, 100);
    s_expect (f->raw, 23, ROM_BAD_REQUEST, what, "99 frames after the header");
    s_still_serving (f);
}

static void
test_too_few_frames (void **state)
{
    fixture_t *f = *state;
    uint8_t head[64];
    const void *frames[] = {head};
    size_t sizes[] = {s_header (head, 24, f->id, TEST__TALLY_METHOD__ADD, ROM_PROTOCOL_VERSION, 0, 0)};
    s_send_frames (f->raw, frames, sizes, 1); // no payload frame
    char what[80];
    snprintf (what, sizeof what, "%s.Add", f->name);
    s_expect (f->raw, 24, ROM_BAD_REQUEST, what, "0 frames after the header");
    // The state did not change: the call never ran.
    assert_int_equal (rom_test_tally_add (f->tally, 0), 0);
    s_still_serving (f);
}

static void
test_empty_frames (void **state)
{
    fixture_t *f = *state;
    // One empty frame: it decodes as a header of all defaults, version 0 among them.
    zmq_send (f->raw, "", 0, 0);
    s_expect (f->raw, 0, ROM_BAD_REQUEST, "protocol version 0");
    // Two empty frames: the same.
    const void *frames[] = {"", ""};
    size_t sizes[] = {0, 0};
    s_send_frames (f->raw, frames, sizes, 2);
    s_expect (f->raw, 0, ROM_BAD_REQUEST, "protocol version 0");
    // An empty payload is a valid message with every field at its default (proto3): Add(0).
    rom_test_tally_add (f->tally, 5);
    s_send_call (f, 25, TEST__TALLY_METHOD__ADD);
    s_expect (f->raw, 25, ROM_OK, "");
    assert_int_equal (rom_test_tally_add (f->tally, 0), 5);
    s_still_serving (f);
}

static void
test_bad_oneway_gets_no_reply (void **state)
{
    fixture_t *f = *state;
    // A one-way call that is bad gets no reply (its sender asked for none), and costs nothing else.
    uint8_t head[64];
    const void *frames[] = {head, "", ""};
    size_t sizes[] = {s_header (head, 26, 987654, TEST__TALLY_METHOD__GET, 1, ROM__CALL_FLAGS__CALL_ONEWAY,
                                0),
                      0, 0};
    s_send_frames (f->raw, frames, sizes, 2);
    sizes[0] = s_header (head, 27, f->id, 42, 1, ROM__CALL_FLAGS__CALL_ONEWAY, 0);
    s_send_frames (f->raw, frames, sizes, 2);
    sizes[0] = s_header (head, 28, f->id, TEST__TALLY_METHOD__GET, 1, ROM__CALL_FLAGS__CALL_ONEWAY, 0);
    s_send_frames (f->raw, frames, sizes, 3);
    s_no_reply_before (f, 29);
    s_still_serving (f);
}

int
main (int argc, char **argv)
{
    if (argc == 5 && strcmp (argv[1], "--flood") == 0)
        s_flood (argv[2], strtoull (argv[3], NULL, 10), atoi (argv[4])); // exits
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_frame_that_is_not_a_header, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_truncated_payload, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_garbage_payload, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_payload_of_wrong_type, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_payload_nested_too_deep, s_setup_default_limit, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_object, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_release_without_a_session, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_method, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_message_over_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_flood_from_one_client, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_wrong_protocol_version, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_wrong_type_hash, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_too_many_frames, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_too_few_frames, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_empty_frames, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_oneway_gets_no_reply, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
