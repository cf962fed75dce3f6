// counter_servant.c: the Counter's state and methods, run inside the manager process. This is all the
// server-side code a user writes: the generated skeleton decodes calls and serializes them per object.
#include "counter_servant.h"

#include <stdlib.h>

typedef struct {
    int64_t value;
} counter_t;

static rom_status_t
s_create (void *ctx, const Demo__CounterInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    counter_t *self = malloc (sizeof *self);
    if (!self)
        return rom_call_fail (call, ROM_NOMEM, "no memory for a counter");
    self->value = args->start;
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    free (self);
}

static rom_status_t
s_increment (void *self, const Demo__Delta *in, Demo__Count *out, rom_call_t *call)
{
    counter_t *counter = self;
    int64_t sum; // a caller's `by` must not make the server overflow (undefined behaviour in C)
    if (__builtin_add_overflow (counter->value, in->by, &sum))
        return rom_call_fail (call, ROM_OUT_OF_RANGE, "%lld + %lld overflows a 64-bit counter",
                              (long long) counter->value, (long long) in->by);
    counter->value = out->value = sum;
    return ROM_OK;
}

static rom_status_t
s_get (void *self, const Google__Protobuf__Empty *in, Demo__Count *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->value = ((counter_t *) self)->value;
    return ROM_OK;
}

static const Demo__Counter_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .increment = s_increment,
    .get = s_get,
};

rom_status_t
counter_servant_register (rom_server_t *server, void *arg)
{
    return demo__counter__rom_register (server, &s_servant, arg);
}
