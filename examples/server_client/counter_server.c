// counter_server: a standalone manager server, like Python's `manager.get_server ().serve_forever ()`.
// It hosts the Counter type (and every built-in type) on the endpoint given, creates one Counter named
// "hits" for clients to find, and serves until SIGINT or SIGTERM: calls in flight finish, later ones are
// answered UNAVAILABLE, the ipc socket file is removed.
//
// usage: counter_server ENDPOINT          e.g. ipc:///tmp/counter.sock or tcp://127.0.0.1:5555
#include <stdio.h>

#include "counter_servant.h"

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: %s ENDPOINT   (ipc:///path or tcp://host:port)\n", argv[0]);
        return 2;
    }
    rom_server_t *server = rom_server_new (NULL);
    if (!server) {
        fprintf (stderr, "cannot start a server\n");
        return 1;
    }
    int rc = 1;
    if (counter_servant_register (server, NULL) != ROM_OK || rom_server_bind (server, argv[1]) != ROM_OK)
        fprintf (stderr, "counter_server: %s\n", rom_server_errmsg (server));
    else {
        printf ("serving at %s (SIGINT or SIGTERM stops)\n", rom_server_endpoint (server));
        fflush (stdout);
        rom_status_t status = rom_server_serve_forever (server);
        if (status == ROM_OK) {
            printf ("stopped cleanly\n");
            rc = 0;
        } else
            fprintf (stderr, "counter_server: %s\n", rom_server_errmsg (server));
    }
    rom_server_destroy (&server);
    return rc;
}
