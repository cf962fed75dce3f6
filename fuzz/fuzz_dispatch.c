// fuzz_dispatch.c: libFuzzer target (b), the server's dispatch fed whole multi-frame messages. Each input is
// a sequence of messages (fuzz_common.h's framing) that a DEALER sends over inproc:// to a fresh server made
// as every user's is (rom_server_new (): the built-ins) with test.Tally registered (fuzz_tally.c). The
// server runs on this thread, one message at a time (romi_server_step (): receive, judge, dispatch, reply),
// so a run is deterministic and the server is destroyed at the end of each input: whatever it leaked is a
// leak LeakSanitizer reports.
//
// Sessions and incarnations are random per server run, so a recorded session could never name them. The
// harness maps placeholders, as a client learns its values from the hello reply: a CallHeader whose session
// is 1..4 names the session of the 1st..4th successful hello of this input, a HelloRequest joining 1..4
// joins it with its secret, and incarnation 1 is this run's. Object ids start at 1 in each fresh server, so
// recorded ids stay right. Everything else goes as the fuzzer made it (a header that does not decode is
// sent unchanged).
#include "rom_private.h"
#include "romi_server.h"

#include "fuzz_common.h"
#include "fuzz_tally.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MESSAGES_MAX 64 // per input: longer inputs add time, not paths
#define HELLOS_MAX 8

typedef struct {
    rom_server_t *server;
    romi_conn_t *dialer;
    uint64_t sessions[4], secrets[4];
    unsigned n_sessions;
    uint64_t hello_calls[HELLOS_MAX]; // call ids of the hellos sent, to find their replies
    unsigned n_hellos;
} fuzz_t;

static void
s_pack (romi_frame_t *frame, const ProtobufCMessage *msg)
{
    if (romi_wire_pack (frame, msg) != 0)
        abort ();
}

// Read every reply waiting on the dialer; learn the sessions the hellos opened.
static void
s_read_replies (fuzz_t *f)
{
    romi_wire_replies_t in;
    while (romi_wire_recv_replies (f->dialer, 0, &in) == 0) {
        Rom__ReplyHeader *header;
        romi_frame_t payload;
        while (romi_wire_replies_next (&in, &header, &payload)) {
            bool hello = false;
            for (unsigned i = 0; header && i < f->n_hellos && !hello; i++)
                hello = f->hello_calls[i] == header->call_id;
            if (hello && header->status == ROM_OK && f->n_sessions < 4) {
                Rom__HelloReply *reply = rom__hello_reply__unpack (NULL, romi_frame_size (&payload),
                                                                   romi_frame_cdata (&payload));
                if (reply) {
                    f->sessions[f->n_sessions] = reply->session;
                    f->secrets[f->n_sessions++] = reply->secret;
                    rom__hello_reply__free_unpacked (reply, NULL);
                }
            }
            if (header)
                protobuf_c_message_free_unpacked (&header->base, NULL);
            romi_frame_close (&payload);
        }
        romi_wire_replies_close (&in);
    }
    romi_wire_replies_close (&in);
}

// Send one fuzzed message, placeholders mapped.
static void
s_send (fuzz_t *f, const fuzz_message_t *msg)
{
    romi_frame_t frames[FUZZ_FRAMES_MAX];
    Rom__CallHeader *header = romi_wire_decode_call (msg->data[0], msg->size[0]);
    bool hello = false;
    if (header) {
        bool changed = false;
        if (header->session >= 1 && header->session <= f->n_sessions) {
            header->session = f->sessions[header->session - 1];
            changed = true;
        }
        if (header->incarnation == 1) {
            header->incarnation = f->server->hosting.incarnation;
            changed = true;
        }
        hello = header->object_id == ROM_MANAGER_ID && header->method == ROM__MANAGER_METHOD__HELLO;
        if (hello && f->n_hellos < HELLOS_MAX)
            f->hello_calls[f->n_hellos++] = header->call_id;
        if (changed)
            s_pack (&frames[0], &header->base);
        else
            fuzz_frame (&frames[0], msg->data[0], msg->size[0]);
        protobuf_c_message_free_unpacked (&header->base, NULL);
    } else
        fuzz_frame (&frames[0], msg->data[0], msg->size[0]);
    for (size_t i = 1; i < msg->n; i++)
        fuzz_frame (&frames[i], msg->data[i], msg->size[i]);
    if (hello && msg->n > 1) {
        Rom__HelloRequest *request = rom__hello_request__unpack (NULL, msg->size[1], msg->data[1]);
        if (request && request->join >= 1 && request->join <= f->n_sessions) {
            request->secret = f->secrets[request->join - 1];
            request->join = f->sessions[request->join - 1];
            romi_frame_close (&frames[1]);
            s_pack (&frames[1], &request->base);
        }
        if (request)
            rom__hello_request__free_unpacked (request, NULL);
    }
    if (romi_send (f->dialer, frames, msg->n, ROMI_SEND_DONTWAIT) != 0)
        for (size_t i = 0; i < msg->n; i++)
            romi_frame_close (&frames[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    // A name of its own per server: libzmq forgets a closed socket's inproc name only later, in its reaper.
    // (The server never reads an ObjectRef's endpoint, so recorded refs still hold.)
    static unsigned s_run;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://fuzz-dispatch-%u", s_run++);
    fuzz_t f;
    memset (&f, 0, sizeof f);
    rom_server_opts_t opts = {.spin_us = ROM_SERVER_NO_SPIN};
    romi_dial_opts_t dial = {.routing_id = "fuzz",
                             .routing_id_size = 4,
                             .keepalive_ms = 4000,
                             .reconnect_ms = 100};
    // ZMQ closes sockets in its reaper thread, a little later: after hundreds of thousands of servers, one
    // may be refused its sockets for a moment (ZMQ_MAX_SOCKETS). That is the harness's pace, not an input's
    // doing: wait and try again, and give up (abort) only if it lasts.
    for (int attempt = 0;; attempt++) {
        f.server = rom_server_new (&opts);
        if (f.server && fuzz_tally_register (f.server) == ROM_OK
            && rom_server_bind (f.server, endpoint) == ROM_OK && (f.dialer = romi_dial (endpoint, &dial)))
            break;
        int err = errno;
        rom_server_destroy (&f.server);
        if (attempt == 100) {
            fprintf (stderr, "fuzz_dispatch: cannot make the server or its client: %s\n", strerror (err));
            abort ();
        }
        snprintf (endpoint, sizeof endpoint, "inproc://fuzz-dispatch-%u", s_run++);
        nanosleep (&(struct timespec) {.tv_nsec = 10000000}, NULL);
    }

    const uint8_t *p = data, *end = data + size;
    fuzz_message_t msg;
    for (unsigned n = 0; n < MESSAGES_MAX && fuzz_next_message (&p, end, &msg); n++) {
        s_send (&f, &msg);
        romi_server_step (f.server);
        s_read_replies (&f);
    }
    // The server first: its waiting calls are answered (CLOSED) to a client still there to read them, so no
    // reply keeps its socket lingering after the client is gone.
    rom_server_destroy (&f.server);
    s_read_replies (&f);
    romi_conn_close (&f.dialer, false);
    return 0;
}
