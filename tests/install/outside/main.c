// greeter: the outside project's program. Serves a Greeter from a background thread of this process on an
// ipc socket in a fresh temp dir, connects a client, creates a Greeter through the generated proxy, calls it,
// and prints one line that tests/install/check_install.cmake checks.
#define _POSIX_C_SOURCE 200809L // mkdtemp, strdup

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "greeter.rom.h"

typedef struct {
    char *greeting;
    int64_t calls;
} greeter_t;

static rom_status_t
s_create (void *ctx, const Outside__GreeterInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    greeter_t *self = calloc (1, sizeof *self);
    if (self)
        self->greeting = strdup (args->greeting[0] ? args->greeting : "Hello");
    if (!self || !self->greeting) {
        free (self);
        return rom_call_fail (call, ROM_NOMEM, "no memory for a greeter");
    }
    *self_p = self;
    return ROM_OK;
}

static void
s_destroy (void *self)
{
    greeter_t *greeter = self;
    free (greeter->greeting);
    free (greeter);
}

static rom_status_t
s_greet (void *self, const Outside__Name *in, Outside__Greeting *out, rom_call_t *call)
{
    greeter_t *greeter = self;
    size_t size = strlen (greeter->greeting) + strlen (in->name) + 4;
    char *text = rom_call_alloc (call, size);
    if (!text)
        return rom_call_fail (call, ROM_NOMEM, "no memory for a greeting");
    snprintf (text, size, "%s, %s!", greeter->greeting, in->name);
    out->text = text;
    out->calls = ++greeter->calls;
    return ROM_OK;
}

static rom_status_t
s_calls (void *self, const Google__Protobuf__Empty *in, Outside__Greeting *out, rom_call_t *call)
{
    (void) in;
    (void) call;
    out->calls = ((greeter_t *) self)->calls;
    return ROM_OK;
}

static const Outside__Greeter_Servant s_servant = {
    .rom_create = s_create,
    .rom_destroy = s_destroy,
    .greet = s_greet,
    .calls = s_calls,
};

// Create a Greeter, greet once, read the call count back, print the line. 0 on success.
static int
s_talk (rom_client_t *client)
{
    Outside__GreeterInit init = OUTSIDE__GREETER_INIT__INIT;
    init.greeting = "Hello";
    Outside__Greeter_Proxy *greeter = NULL;
    if (outside__greeter__rom_create (client, &init, &greeter) != ROM_OK) {
        fprintf (stderr, "create: %s\n", rom_client_errmsg (client));
        return 1;
    }
    Outside__Name name = OUTSIDE__NAME__INIT;
    name.name = "installed rom";
    Outside__Greeting *greeting = NULL;
    Outside__Greeting *calls = NULL;
    int rc = 1;
    if (outside__greeter_proxy__greet (greeter, &name, &greeting) != ROM_OK)
        fprintf (stderr, "Greet: %s\n", rom_client_errmsg (client));
    else if (outside__greeter_proxy__calls (greeter, NULL, &calls) != ROM_OK)
        fprintf (stderr, "Calls: %s\n", rom_client_errmsg (client));
    else {
        printf ("outside: %s (calls: %lld)\n", greeting->text, (long long) calls->calls);
        rc = 0;
    }
    if (greeting)
        outside__greeting__free_unpacked (greeting, NULL);
    if (calls)
        outside__greeting__free_unpacked (calls, NULL);
    outside__greeter__rom_destroy (&greeter);
    return rc;
}

int
main (void)
{
    const char *tmp = getenv ("TMPDIR");
    char dir[256];
    snprintf (dir, sizeof dir, "%s/rom-outside-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp (dir)) {
        perror ("mkdtemp");
        return 1;
    }
    char endpoint[300];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/greeter.sock", dir);

    int rc = 1;
    rom_server_t *server = rom_server_new (NULL);
    rom_client_t *client = NULL;
    const char *why = NULL;
    if (!server)
        fprintf (stderr, "rom_server_new failed\n");
    else if (outside__greeter__rom_register (server, &s_servant, NULL) != ROM_OK
             || rom_server_bind (server, endpoint) != ROM_OK || rom_server_start (server) != ROM_OK)
        fprintf (stderr, "server: %s\n", rom_server_errmsg (server));
    else if (rom_client_connect (endpoint, NULL, &client, &why) != ROM_OK)
        fprintf (stderr, "connect %s: %s\n", endpoint, why ? why : "?");
    else
        rc = s_talk (client);

    rom_client_destroy (&client);
    rom_server_destroy (&server);
    rmdir (dir);
    return rc;
}
