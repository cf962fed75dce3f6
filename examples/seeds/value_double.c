// value_double: seed 004, part 1 (and seed 000's Value). multiprocessing.Value ("d", 10) is a shared double:
// a child sets it to 10.78 and the parent sees it. Beside it, a plain struct with a `value` field: the child
// changes its own copy, the parent's stays 10. The "id" of the shared value is its object id on the manager,
// the same in every process.
#include <rom/rom.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    double value;
} my_obj_t; // class MyObj: def __init__ (self, val): self.value = val

static char *
s_repr (double d)
{
    rom_variant_t v = ROM_DOUBLE (d);
    return rom_variant_repr (&v); // Python's print of a float: 10.0, 10.78
}

static void
s_print_shared (const char *who, const char *name, rom_value_t *v)
{
    double d = 0;
    if (rom_value_get_double (v, &d) != ROM_OK) {
        fprintf (stderr, "get: %s\n", rom_client_errmsg (rom_proxy_client (rom_value_proxy (v))));
        exit (1);
    }
    char *text = s_repr (d);
    printf ("[%s]pid: %d , %s.value: %s , id(%s.value): %llu\n", who, (int) getpid (), name, text, name,
            (unsigned long long) rom_proxy_id (rom_value_proxy (v)));
    free (text);
    fflush (stdout);
}

static void
s_print_plain (const char *who, const char *name, const my_obj_t *obj)
{
    // Python prints the int 10 as "10" and the float 10.78 as "10.78".
    if (obj->value == (long) obj->value)
        printf ("[%s]pid: %d , %s.value: %ld , id(%s.value): %lu\n", who, (int) getpid (), name,
                (long) obj->value, name, (unsigned long) (size_t) obj);
    else
        printf ("[%s]pid: %d , %s.value: %g , id(%s.value): %lu\n", who, (int) getpid (), name, obj->value,
                name, (unsigned long) (size_t) obj);
    fflush (stdout);
}

int
main (void)
{
    rom_manager_opts_t opts = {0}; // the built-in types need no registration
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) {
        fprintf (stderr, "cannot start the manager: %s\n", why);
        return 1;
    }
    rom_client_t *client = rom_manager_client (manager);

    // num_IPC (): multi_v = multiprocessing.Value ("d", 10)
    rom_value_t *multi_v = NULL;
    if (rom_value_new (client, 'd', ROM_INT (10), &multi_v) != ROM_OK) {
        fprintf (stderr, "Value: %s\n", rom_client_errmsg (client));
        rom_manager_destroy (&manager);
        return 1;
    }
    s_print_shared ("main", "multi_v", multi_v);
    pid_t child = fork ();
    if (child == 0) { // func1 (obj)
        s_print_shared ("func1", "obj", multi_v);
        int ok = rom_value_set_double (multi_v, 10.78) == ROM_OK; // obj.value = 10.78
        s_print_shared ("func1", "obj", multi_v);
        _exit (ok ? 0 : 1);
    }
    int status = 0;
    waitpid (child, &status, 0);
    s_print_shared ("main", "multi_v", multi_v);
    printf ("------------------------------------------------------------\n");

    // num_IPC_1 (): a plain object is copied into the child, not shared.
    my_obj_t myobj = {10};
    s_print_plain ("main", "myobj", &myobj);
    fflush (stdout);
    child = fork ();
    if (child == 0) {
        s_print_plain ("func1", "obj", &myobj);
        myobj.value = 10.78;
        s_print_plain ("func1", "obj", &myobj);
        _exit (0);
    }
    int plain_status = 0;
    waitpid (child, &plain_status, 0);
    s_print_plain ("main", "myobj", &myobj);

    rom_value_destroy (&multi_v);
    rom_manager_destroy (&manager);
    return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? 0 : 1;
}
