// rom_py_bench_server: the server python/rom_python.py measures the Python client against: the built-in
// types only (a Value's Add is the call timed), on the endpoint given, with the server's default options (as
// the C workloads' servers). Prints "ready ENDPOINT" once bound and serves until SIGTERM. The tests' server
// (python/tests/rom_py_server.c) would do, but it needs the test support library, which the bench build
// leaves out (ROM_BUILD_TESTS OFF).
//
// usage: rom_py_bench_server ENDPOINT
#include <rom/rom.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: %s ENDPOINT\n", argv[0]);
        return 2;
    }
    rom_server_t *server = rom_server_new (NULL);
    if (!server) {
        fprintf (stderr, "rom_py_bench_server: cannot start a server\n");
        return 1;
    }
    int rc = 1;
    if (rom_server_bind (server, argv[1]) != ROM_OK)
        fprintf (stderr, "rom_py_bench_server: %s\n", rom_server_errmsg (server));
    else {
        printf ("ready %s\n", rom_server_endpoint (server));
        fflush (stdout);
        if (rom_server_serve_forever (server) == ROM_OK)
            rc = 0;
        else
            fprintf (stderr, "rom_py_bench_server: %s\n", rom_server_errmsg (server));
    }
    rom_server_destroy (&server);
    return rc;
}
