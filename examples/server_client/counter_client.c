// counter_client: an unrelated process that reaches a running counter_server by endpoint, finds (or
// creates) the Counter named "hits" and increments it, like Python's `manager.connect ()` followed by calls
// on a registered type.
//
// usage: counter_client ENDPOINT [increments]     (default 1000; 0 only prints the value)
#include <stdio.h>
#include <stdlib.h>

#include "counter.rom.h"

int
main (int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf (stderr, "usage: %s ENDPOINT [increments]\n", argv[0]);
        return 2;
    }
    long increments = argc > 2 ? atol (argv[2]) : 1000;
    rom_client_t *client = NULL;
    const char *why = NULL;
    if (rom_client_connect (argv[1], NULL, &client, &why) != ROM_OK) {
        fprintf (stderr, "connect %s: %s\n", argv[1], why);
        return 1;
    }
    Demo__Counter_Proxy *counter = NULL;
    rom_status_t rc = demo__counter__rom_create_named (client, "hits", NULL, ROM_CREATE_EXIST_OK, &counter);
    // One-way increments need no reply each; the Get that follows is ordered after them on this client.
    Demo__Delta one = DEMO__DELTA__INIT;
    one.by = 1;
    for (long i = 0; rc == ROM_OK && i < increments; i++)
        rc = demo__counter_proxy__increment_oneway (counter, &one);
    Demo__Count *now = NULL;
    if (rc == ROM_OK)
        rc = demo__counter_proxy__get (counter, NULL, &now);
    if (rc == ROM_OK) {
        printf ("hits after my %ld increments: %lld\n", increments, (long long) now->value);
        demo__count__free_unpacked (now, NULL);
    } else
        fprintf (stderr, "counter_client: %s\n", rom_client_errmsg (client));
    demo__counter__rom_destroy (&counter);
    rom_client_destroy (&client);
    return rc == ROM_OK ? 0 : 1;
}
