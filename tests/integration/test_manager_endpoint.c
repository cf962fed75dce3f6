// test_manager_endpoint.c: rom_manager_start () on a tcp port chosen by the system ("tcp://127.0.0.1:*"):
// its client connects to the port the server bound (it used to try the literal "*"), and the endpoint it
// reports lets another client in.
#include "rom_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_tcp_wildcard_port_connects_to_the_bound_port (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.endpoint = "tcp://127.0.0.1:*", .register_types = rom_test_register};
    opts.client.connect_timeout_ms = 2000;
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    rom_status_t status = rom_manager_start (&opts, &manager, &why);
    if (status != ROM_OK)
        fail_msg ("rom_manager_start: %s: %s", rom_strerror (status), why ? why : "");
    const char *endpoint = rom_manager_endpoint (manager);
    assert_non_null (strstr (endpoint, "tcp://127.0.0.1:"));
    assert_null (strchr (endpoint, '*'));
    assert_true (atoi (strrchr (endpoint, ':') + 1) > 0);

    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    init.start = 1;
    rom_proxy_t *tally = NULL;
    assert_int_equal (rom_proxy_create (rom_manager_client (manager), &test__tally__rom_type, "t", &init.base,
                                        0, &tally),
                      ROM_OK);
    assert_int_equal (rom_test_tally_add (tally, 1), 2);
    rom_client_t *other = rom_test_connect (endpoint);
    rom_proxy_t *again = NULL;
    assert_int_equal (rom_proxy_lookup (other, &test__tally__rom_type, "t", &again), ROM_OK);
    assert_int_equal (rom_test_tally_add (again, 1), 3);
    rom_proxy_destroy (&again);
    rom_client_destroy (&other);
    rom_proxy_destroy (&tally);
    rom_manager_destroy (&manager);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_tcp_wildcard_port_connects_to_the_bound_port),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
