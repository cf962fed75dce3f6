// value_and_array: seed 001. num = Value ('d', 0.0) and arr = Array ('i', range (10)); a child sets
// num.value = 3.1415927 and negates every element; the parent prints both.
#include <rom/rom.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

// def f (n, a): n.value = 3.1415927; for i in range (len (a)): a[i] = -a[i]
static int
s_f (rom_value_t *n, rom_array_t *a)
{
    if (rom_value_set_double (n, 3.1415927) != ROM_OK)
        return 1;
    size_t len = 0;
    if (rom_array_len (a, &len) != ROM_OK)
        return 1;
    for (size_t i = 0; i < len; i++) {
        int64_t x;
        if (rom_array_get_int (a, (int64_t) i, &x) != ROM_OK
            || rom_array_set_int (a, (int64_t) i, -x) != ROM_OK)
            return 1;
    }
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
    rom_client_t *client = rom_manager_client (manager);
    rom_value_t *num = NULL;
    rom_array_t *arr = NULL;
    int64_t range[10];
    for (int i = 0; i < 10; i++)
        range[i] = i;
    if (rom_value_new (client, 'd', ROM_DOUBLE (0.0), &num) != ROM_OK
        || rom_array_new_ints (client, 'i', range, 10, &arr) != ROM_OK) {
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
        rom_manager_destroy (&manager);
        return 1;
    }
    fflush (stdout);
    pid_t p = fork ();
    if (p == 0)
        _exit (s_f (num, arr));
    int status = 0;
    waitpid (p, &status, 0);

    rom_variant_t value;
    char *text = NULL, *items = NULL;
    int failed = !WIFEXITED (status) || WEXITSTATUS (status) != 0;
    if (rom_value_get (num, &value) == ROM_OK && rom_array_repr (arr, &items) == ROM_OK) {
        text = rom_variant_repr (&value);
        printf ("%s\n%s\n", text, items); // print num.value; print arr[:]
        rom_variant_clear (&value);
    } else {
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
        failed = 1;
    }
    free (text);
    free (items);
    rom_value_destroy (&num);
    rom_array_destroy (&arr);
    rom_manager_destroy (&manager);
    return failed;
}
