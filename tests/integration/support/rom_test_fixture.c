// rom_test_fixture.c: the shared fixtures (see rom_test_fixture.h).
#include "rom_test_fixture.h"

#include <stdio.h>
#include <string.h>

rom_test_fixture_t rom_test_group;

rom_test_fixture_t *
rom_test_fixture_start (const char *transport, const char *name)
{
    static rom_test_fixture_t f;
    snprintf (f.endpoint, sizeof f.endpoint, "%s", rom_test_endpoint (transport, name));
    f.server = rom_test_server_fork (f.endpoint, 0);
    f.client = rom_test_connect (f.endpoint);
    return &f;
}

rom_test_fixture_t *
rom_test_fixture_serve (const char *transport, const char *name, const rom_server_opts_t *opts)
{
    static rom_test_fixture_t f;
    f.server = rom_test_serve_fork (rom_test_endpoint (transport, name), opts, f.endpoint);
    f.client = rom_test_connect (f.endpoint);
    return &f;
}

void
rom_test_fixture_stop (rom_test_fixture_t *self)
{
    rom_client_destroy (&self->client);
    assert_null (self->client);
    if (self->server)
        assert_int_equal (rom_test_server_stop (self->server), 0);
    self->server = 0;
}

int
rom_test_group_setup (void **state)
{
    // "integration_test_builtins_data" -> "builtins_data": the socket path stays short (sun_path is 108
    // bytes).
    const char *name = program_invocation_short_name;
    const char *test = strstr (name, "test_");
    snprintf (rom_test_group.endpoint, sizeof rom_test_group.endpoint, "%s",
              rom_test_endpoint ("ipc", test ? test + strlen ("test_") : name));
    rom_test_group.server = rom_test_server_fork (rom_test_group.endpoint, 0);
    *state = &rom_test_group;
    return 0;
}

int
rom_test_group_teardown (void **state)
{
    (void) state;
    rom_test_fixture_stop (&rom_test_group);
    return 0;
}
