// soak_server.c: the server of scripts/soak (issue 18, point 3): a plain rom server with the built-in types,
// bound on every endpoint given (ipc and tcp 127.0.0.1), serving until SIGTERM/SIGINT (or a SIGKILL: the
// soak kills it once midway and starts another on the same endpoints). It prints "ready <pid>" once it
// serves, so the script samples the right process and starts clients only then.
#include <rom/rom.h>

#include <stdio.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: %s ENDPOINT...\n", argv[0]);
        return 2;
    }
    rom_server_t *server = rom_server_new (NULL);
    if (!server) {
        fprintf (stderr, "soak_server: cannot make a server\n");
        return 1;
    }
    for (int i = 1; i < argc; i++)
        if (rom_server_bind (server, argv[i]) != ROM_OK) {
            fprintf (stderr, "soak_server: %s\n", rom_server_errmsg (server));
            rom_server_destroy (&server);
            return 1;
        }
    printf ("ready %d\n", (int) getpid ());
    fflush (stdout);
    rom_status_t status = rom_server_serve_forever (server);
    rom_server_destroy (&server);
    return status == ROM_OK ? 0 : 1;
}
