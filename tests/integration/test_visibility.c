// test_visibility.c: what one client can do to another's objects. By default ids are counted from 1, so
// any client of the server reaches any object by guessing its id, as with Python's manager (the authkey is
// the boundary). With rom_server_opts_t.private_objects, ids are random 63-bit numbers and listings show a
// session only the named objects and those it holds: an object is reached only through what its holder
// hands on (a token, an ObjectRef, a name).
#include "rom_test_fixture.h"
#include "rom/builtins/sync.rom.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A token for object `id`, as if guessed: "endpoint#id#type".
static void
s_guess (const char *endpoint, uint64_t id, char *token, size_t size)
{
    snprintf (token, size, "%s#%" PRIu64 "#rom.builtins.Event", endpoint, id);
}

static size_t
s_listed (rom_client_t *client)
{
    rom_object_info_t *infos = NULL;
    size_t n = 0;
    assert_int_equal (rom_client_objects (client, "rom.builtins.Event", &infos, &n), ROM_OK);
    rom_object_infos_free (&infos);
    return n;
}

static void
test_default_ids_can_be_guessed (void **state)
{
    (void) state;
    rom_test_fixture_t *fx = rom_test_fixture_start ("ipc", "visibility-default");
    rom_event_t *mine = NULL, *guessed = NULL;
    assert_int_equal (rom_event_new (fx->client, &mine), ROM_OK);
    rom_client_t *other = rom_test_connect (fx->endpoint);
    assert_int_equal (s_listed (other), 1); // everyone sees everything
    char token[ROM_PATH_MAX + 64];
    s_guess (fx->endpoint, 1, token, sizeof token);
    assert_int_equal (rom_event_from_token (other, token, &guessed), ROM_OK);
    assert_int_equal (rom_event_set (guessed), ROM_OK); // and may act on it
    bool set = false;
    assert_int_equal (rom_event_is_set (mine, &set), ROM_OK);
    assert_true (set);
    rom_event_destroy (&guessed);
    rom_client_destroy (&other);
    rom_event_destroy (&mine);
    rom_test_fixture_stop (fx);
}

static void
test_private_objects_are_reached_only_when_handed (void **state)
{
    (void) state;
    rom_server_opts_t opts = {.private_objects = true};
    rom_test_fixture_t *fx = rom_test_fixture_serve ("ipc", "visibility-private", &opts);
    rom_event_t *mine = NULL, *guessed = NULL, *handed = NULL;
    assert_int_equal (rom_event_new (fx->client, &mine), ROM_OK);
    rom_proxy_t *named = NULL;
    assert_int_equal (rom_proxy_create (fx->client, &rom__builtins__event__rom_type, "public", NULL, 0,
                                        &named),
                      ROM_OK);
    rom_client_t *other = rom_test_connect (fx->endpoint);
    // Another session sees the named object only, and reaches no id it counts to.
    assert_int_equal (s_listed (fx->client), 2);
    assert_int_equal (s_listed (other), 1);
    char token[ROM_PATH_MAX + 64];
    for (uint64_t id = 1; id <= 64; id++) {
        s_guess (fx->endpoint, id, token, sizeof token);
        assert_int_equal (rom_event_from_token (other, token, &guessed), ROM_NO_OBJECT);
    }
    // Ids are large random numbers.
    char *real = rom_proxy_to_token (rom_event_proxy (mine));
    assert_non_null (real);
    uint64_t id = strtoull (strchr (strstr (real, "://") + 3, '#') + 1, NULL, 10);
    assert_true (id > ((uint64_t) 1 << 32));
    // What is handed on works, and shows in the receiver's listing from then on.
    assert_int_equal (rom_event_from_token (other, real, &handed), ROM_OK);
    assert_int_equal (rom_event_set (handed), ROM_OK);
    assert_int_equal (s_listed (other), 2);
    free (real);
    rom_event_destroy (&handed);
    rom_client_destroy (&other);
    rom_proxy_destroy (&named);
    rom_event_destroy (&mine);
    rom_test_fixture_stop (fx);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_default_ids_can_be_guessed),
        cmocka_unit_test (test_private_objects_are_reached_only_when_handed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
