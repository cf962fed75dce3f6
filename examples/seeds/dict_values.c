// dict_values: seed 003's Manager.dict. Five processes each set d[i] = i + 100 (integer keys) and print
// d.values (); what each sees depends on who ran first, as in the article. The parent, once all are done,
// prints all five.
#include <rom/rom.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

// print (d.values ())
static int
s_print_values (const char *prefix, rom_dict_t *d)
{
    rom_variant_t *values = NULL;
    size_t n = 0;
    if (rom_dict_values (d, &values, &n) != ROM_OK)
        return 1;
    printf ("%s[", prefix);
    for (size_t i = 0; i < n; i++)
        printf ("%s%lld", i ? ", " : "", (long long) values[i].i);
    printf ("]\n");
    fflush (stdout);
    rom_variants_free (&values, n);
    return 0;
}

int
main (void)
{
    rom_manager_opts_t opts = {0};
    rom_manager_t *manager = NULL; // m = Manager ()
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "cannot start the manager: %s\n", why);
        return 1;
    }
    rom_dict_t *d = NULL; // d = m.dict ()
    if (rom_dict_new (rom_manager_client (manager), &d) != ROM_OK) {
        fprintf (stderr, "dict: %s\n", rom_client_errmsg (rom_manager_client (manager)));
        rom_manager_destroy (&manager);
        return 1;
    }
    pid_t pids[5];
    for (int i = 0; i < 5; i++) {
        pids[i] = fork ();
        if (pids[i] == 0) { // def func (i, d): d[i] = i + 100; print (d.values ())
            int rc = rom_dict_set (d, ROM_INT (i), ROM_INT (i + 100)) != ROM_OK;
            rc |= s_print_values ("", d);
            _exit (rc);
        }
    }
    int failed = 0;
    for (int i = 0; i < 5; i++) {
        int status = 0;
        waitpid (pids[i], &status, 0);
        failed |= !WIFEXITED (status) || WEXITSTATUS (status) != 0;
    }
    failed |= s_print_values ("------------\nall done: ", d);
    rom_dict_destroy (&d);
    rom_manager_destroy (&manager);
    return failed;
}
