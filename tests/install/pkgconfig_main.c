// pkgconfig_main.c: a program built with nothing but `cc pkgconfig_main.c $(pkg-config --cflags --libs rom)`
// against an installed rom, using the runtime API alone (no generator): a hand-written type with one method
// over a well-known type whose code is in librom, served from a background thread, called over ipc.
#define _POSIX_C_SOURCE 200809L // mkdtemp, strdup

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rom/rom.h>
#include "google/protobuf/wrappers.pb-c.h"

// Echo: returns its input string, upper-cased.
static rom_status_t
s_echo (const void *servant, void *self, const ProtobufCMessage *in, ProtobufCMessage *out, rom_call_t *call)
{
    (void) servant;
    (void) self;
    const char *text = ((const Google__Protobuf__StringValue *) in)->value;
    char *upper = rom_call_strdup (call, text);
    if (!upper)
        return rom_call_fail (call, ROM_NOMEM, "no memory");
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char) (*c - 'a' + 'A');
    ((Google__Protobuf__StringValue *) out)->value = upper;
    return ROM_OK;
}

static rom_status_t
s_create (const void *servant, void *ctx, const ProtobufCMessage *args, void **self_p, rom_call_t *call)
{
    (void) servant;
    (void) ctx;
    (void) args;
    (void) call;
    *self_p = NULL; // stateless
    return ROM_OK;
}

static void
s_destroy (const void *servant, void *self)
{
    (void) servant;
    (void) self;
}

static const rom_method_t s_methods[] = {
    {.name = "Echo",
     .input = &google__protobuf__string_value__descriptor,
     .output = &google__protobuf__string_value__descriptor,
     .invoke = s_echo},
};

static rom_type_t s_type = {
    .name = "pkgconfig.Echo",
    .n_methods = 1,
    .methods = s_methods,
    .create = s_create,
    .destroy = s_destroy,
};

static const int s_servant; // the runtime only hands it back to the trampolines

int
main (void)
{
    s_type.hash = rom_type_hash (s_type.name);
    const char *tmp = getenv ("TMPDIR");
    char dir[256];
    snprintf (dir, sizeof dir, "%s/rom-pkgconfig-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp (dir)) {
        perror ("mkdtemp");
        return 1;
    }
    char endpoint[300];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/echo.sock", dir);

    int rc = 1;
    rom_server_t *server = rom_server_new (NULL);
    rom_client_t *client = NULL;
    rom_proxy_t *proxy = NULL;
    const char *why = NULL;
    if (!server)
        fprintf (stderr, "rom_server_new failed\n");
    else if (rom_server_register (server, &s_type, &s_servant, NULL) != ROM_OK
             || rom_server_bind (server, endpoint) != ROM_OK || rom_server_start (server) != ROM_OK)
        fprintf (stderr, "server: %s\n", rom_server_errmsg (server));
    else if (rom_client_connect (endpoint, NULL, &client, &why) != ROM_OK)
        fprintf (stderr, "connect %s: %s\n", endpoint, why ? why : "?");
    else if (rom_client_ping (client) != ROM_OK
             || rom_proxy_create (client, &s_type, NULL, NULL, 0, &proxy) != ROM_OK)
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
    else {
        Google__Protobuf__StringValue in = GOOGLE__PROTOBUF__STRING_VALUE__INIT;
        in.value = "pkg-config works";
        ProtobufCMessage *out = NULL;
        if (rom_proxy_call (proxy, 0, &in.base, &out) != ROM_OK)
            fprintf (stderr, "Echo: %s\n", rom_client_errmsg (client));
        else {
            printf ("pkgconfig: %s (rom %d.%d.%d)\n", ((Google__Protobuf__StringValue *) out)->value,
                    ROM_VERSION_MAJOR, ROM_VERSION_MINOR, ROM_VERSION_PATCH);
            protobuf_c_message_free_unpacked (out, NULL);
            rc = 0;
        }
    }
    rom_proxy_destroy (&proxy);
    rom_client_destroy (&client);
    rom_server_destroy (&server);
    rmdir (dir);
    return rc;
}
