// fuzz_tally.c: test.Tally (tests/integration/proto/test.proto) for fuzz_dispatch: the integration tests'
// servant (tests/integration/support/rom_test.c) less what a fuzzer must not reach: Sleep is not implemented
// (a fuzzed 10^12 ms would stall the run; its refusal, ROM_NO_METHOD before decoding, is itself a path worth
// reaching), and the destructor count is per object. Add, Get, Fail (any status), Wait (a deferred call,
// completed by Add, cancelled at its deadline or its object's death), Echo (borrowed bytes), Nest (deep
// google.protobuf.Value input).
#include "fuzz_tally.h"

#include <stdlib.h>

#define TALLY_MAX_WAITERS 8

typedef struct {
    int64_t total;
    rom_call_t *waiting[TALLY_MAX_WAITERS];
    int64_t until[TALLY_MAX_WAITERS];
    int n_waiting;
} tally_t;

static rom_status_t
s_create (void *ctx, const Test__TallyInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    if (args->start == 666)
        return rom_call_fail (call, ROM_APP_ERROR, "refusing to start at 666");
    tally_t *self = calloc (1, sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "no memory");
    self->total = args->start;
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    free (self);
}

static void
s_remove (tally_t *self, int i)
{
    self->waiting[i] = self->waiting[self->n_waiting - 1];
    self->until[i] = self->until[self->n_waiting - 1];
    self->n_waiting--;
}

static rom_status_t
s_add (void *self, const Test__Number *in, Test__Number *out, rom_call_t *call)
{
    (void) call;
    tally_t *tally = self;
    // Wrapping, not overflowing: the fuzzer adds INT64_MAX twice (UBSan would stop the run on a servant's
    // own overflow, which is not what is being tested).
    tally->total = (int64_t) ((uint64_t) tally->total + (uint64_t) in->value);
    out->value = tally->total;
    for (int i = 0; i < tally->n_waiting;)
        if (tally->total >= tally->until[i]) {
            rom_call_t *waiter = tally->waiting[i];
            ((Test__Number *) rom_call_output (waiter))->value = tally->total;
            s_remove (tally, i);
            rom_call_complete (waiter, ROM_OK);
        } else
            i++;
    return ROM_OK;
}

static rom_status_t
s_get (void *self, const Google__Protobuf__Empty *in, Test__Number *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((tally_t *) self)->total;
    return ROM_OK;
}

static rom_status_t
s_fail (void *self, const Test__Number *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) self;
    (void) out;
    return rom_call_fail (call, (rom_status_t) in->value, "asked to fail with %lld", (long long) in->value);
}

static void
s_on_cancel (void *self, rom_call_t *call)
{
    tally_t *tally = self;
    for (int i = 0; i < tally->n_waiting; i++)
        if (tally->waiting[i] == call) {
            s_remove (tally, i);
            return;
        }
}

static rom_status_t
s_wait (void *self, const Test__Number *in, Test__Number *out, rom_call_t *call)
{
    tally_t *tally = self;
    if (tally->total >= in->value) {
        out->value = tally->total;
        return ROM_OK;
    }
    if (tally->n_waiting == TALLY_MAX_WAITERS)
        return rom_call_fail (call, ROM_FULL, "too many waiters");
    tally->waiting[tally->n_waiting] = call;
    tally->until[tally->n_waiting++] = in->value;
    rom_call_on_cancel (call, s_on_cancel);
    return ROM_DEFERRED;
}

static rom_status_t
s_echo (void *self, const Test__Blob *in, Test__Blob *out, rom_call_t *call)
{
    (void) self;
    (void) call;
    out->label = in->label;
    out->data = in->data;
    return ROM_OK;
}

static rom_status_t
s_waiters (void *self, const Google__Protobuf__Empty *in, Test__Number *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((tally_t *) self)->n_waiting;
    return ROM_OK;
}

static rom_status_t
s_nest (void *self, const Google__Protobuf__Value *in, Google__Protobuf__Empty *out, rom_call_t *call)
{
    (void) self;
    (void) in;
    (void) out;
    (void) call;
    return ROM_OK;
}

static const Test__Tally_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .add = s_add,
    .get = s_get,
    .fail = s_fail,
    .wait = s_wait,
    .echo = s_echo,
    .waiters = s_waiters,
    .nest = s_nest,
};

rom_status_t
fuzz_tally_register (rom_server_t *server)
{
    return test__tally__rom_register (server, &s_servant, NULL);
}
