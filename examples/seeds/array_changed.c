// array_changed: seed 004, part 2 (and seed 000's Array). array = Array ("i", [1, 2, 3, 4, 5, 6]); a child
// sets array[2] = -110 and the parent sees it. The "id" is the array's object id on the manager.
#include <rom/rom.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int
s_print (const char *who, rom_array_t *array)
{
    char *items = NULL;
    if (rom_array_repr (array, &items) != ROM_OK) { // array[:]
        fprintf (stderr, "%s\n", rom_client_errmsg (rom_proxy_client (rom_array_proxy (array))));
        return 1;
    }
    printf ("[%s]pid: %d , array: %s , id(array): %llu\n", who, (int) getpid (), items,
            (unsigned long long) rom_proxy_id (rom_array_proxy (array)));
    fflush (stdout);
    free (items);
    return 0;
}

int
main (void)
{
    rom_manager_opts_t opts = {0};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "cannot start the manager: %s\n", why);
        return 1;
    }
    rom_array_t *array = NULL;
    const int64_t init[] = {1, 2, 3, 4, 5, 6};
    if (rom_array_new_ints (rom_manager_client (manager), 'i', init, 6, &array) != ROM_OK) {
        fprintf (stderr, "Array: %s\n", rom_client_errmsg (rom_manager_client (manager)));
        rom_manager_destroy (&manager);
        return 1;
    }
    int failed = s_print ("main", array);
    pid_t p = fork ();
    if (p == 0) { // func2 (array)
        int rc = s_print ("func2", array);
        rc |= rom_array_set_int (array, 2, -110) != ROM_OK; // array[2] = -110
        rc |= s_print ("func2", array);
        _exit (rc);
    }
    int status = 0;
    waitpid (p, &status, 0);
    failed |= !WIFEXITED (status) || WEXITSTATUS (status) != 0;
    failed |= s_print ("main", array);
    rom_array_destroy (&array);
    rom_manager_destroy (&manager);
    return failed;
}
