// rom_py_server: the server the Python tests (python/tests) talk to: every built-in type, test.Tally (a
// user type: tests/integration/proto/test.proto, its servant rom_test_register ()) and pyst.Board (a declared
// state: python/tests/proto/pyst.proto, its one rpc below), on the endpoint given,
// with an authkey when a second argument is given. Prints "ready ENDPOINT" once bound, serves until
// SIGTERM.
//
// usage: rom_py_server ENDPOINT [AUTHKEY]
#include <rom/rom.h>
#include <stdio.h>
#include "pyst.rom.h"

rom_status_t rom_test_register (rom_server_t *server, void *arg); // tests/integration/support/rom_test.c

// pyst.Board's Bump: hits += by, by hand, so that watchers get a whole-state change (an rpc's).
static rom_status_t
s_bump (Pyst__Stats *self, const Pyst__Amount *in, Pyst__Amount *out, rom_call_t *call)
{
    (void) call;
    self->hits += in->by;
    out->by = self->hits;
    return ROM_OK;
}

static const Pyst__Board_Servant s_board = {.bump = s_bump};

int
main (int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf (stderr, "usage: %s ENDPOINT [AUTHKEY]\n", argv[0]);
        return 2;
    }
    rom_server_opts_t opts = {.authkey = argc == 3 ? argv[2] : NULL};
    rom_server_t *server = rom_server_new (&opts);
    if (!server) {
        fprintf (stderr, "rom_py_server: cannot start a server\n");
        return 1;
    }
    int rc = 1;
    if (rom_test_register (server, NULL) != ROM_OK
        || pyst__board__rom_register (server, &s_board, NULL) != ROM_OK)
        fprintf (stderr, "rom_py_server: register test.Tally, pyst.Board: %s\n", rom_server_errmsg (server));
    else if (rom_server_bind (server, argv[1]) != ROM_OK)
        fprintf (stderr, "rom_py_server: %s\n", rom_server_errmsg (server));
    else {
        printf ("ready %s\n", rom_server_endpoint (server));
        fflush (stdout);
        if (rom_server_serve_forever (server) == ROM_OK)
            rc = 0;
        else
            fprintf (stderr, "rom_py_server: %s\n", rom_server_errmsg (server));
    }
    rom_server_destroy (&server);
    return rc;
}
