// dict_list: seed 004, part 3 (and seed 000's Manager dict and list). mydic = Manager ().dict () and
// mylist = Manager ().list (range (5)); a child sets two keys and appends three numbers; the parent sees
// them all, in the order they were made.
#include <rom/rom.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int
s_print (const char *who, rom_dict_t *mydic, rom_list_t *mylist)
{
    char *dict_text = NULL, *list_text = NULL;
    if (rom_dict_repr (mydic, &dict_text) != ROM_OK || rom_list_repr (mylist, &list_text) != ROM_OK) {
        fprintf (stderr, "%s\n", rom_client_errmsg (rom_proxy_client (rom_dict_proxy (mydic))));
        free (dict_text);
        return 1;
    }
    printf ("[%s]pid: %d , mydic: %s , id(mydic): %llu\n", who, (int) getpid (), dict_text,
            (unsigned long long) rom_proxy_id (rom_dict_proxy (mydic)));
    printf ("[%s]pid: %d , mylist: %s , id(mylist): %llu\n", who, (int) getpid (), list_text,
            (unsigned long long) rom_proxy_id (rom_list_proxy (mylist)));
    fflush (stdout);
    free (dict_text);
    free (list_text);
    return 0;
}

// def func3 (mydic, mylist)
static int
s_func3 (rom_dict_t *mydic, rom_list_t *mylist)
{
    int rc = s_print ("func3", mydic, mylist);
    rc |= rom_dict_set_str (mydic, "index1", "value1") != ROM_OK; // mydic["index1"] = "value1"
    rc |= rom_dict_set_str (mydic, "index2", "value2") != ROM_OK;
    rc |= rom_list_append_int (mylist, 111) != ROM_OK; // mylist.append (111)
    rc |= rom_list_append_int (mylist, 222) != ROM_OK;
    rc |= rom_list_append_int (mylist, 333) != ROM_OK;
    rc |= s_print ("func3", mydic, mylist);
    return rc;
}

int
main (void)
{
    rom_manager_opts_t opts = {0};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK) { // with multiprocessing.Manager () as mg
        fprintf (stderr, "cannot start the manager: %s\n", why);
        return 1;
    }
    rom_client_t *client = rom_manager_client (manager);
    rom_dict_t *mydic = NULL;
    rom_list_t *mylist = NULL;
    rom_variant_t range[5];
    for (int i = 0; i < 5; i++)
        range[i] = ROM_INT (i);
    if (rom_dict_new (client, &mydic) != ROM_OK || rom_list_new_from (client, range, 5, &mylist) != ROM_OK) {
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
        rom_dict_destroy (&mydic);
        rom_manager_destroy (&manager);
        return 1;
    }
    int failed = s_print ("main", mydic, mylist);
    pid_t p = fork ();
    if (p == 0)
        _exit (s_func3 (mydic, mylist));
    int status = 0;
    waitpid (p, &status, 0);
    failed |= !WIFEXITED (status) || WEXITSTATUS (status) != 0;
    failed |= s_print ("main", mydic, mylist);
    rom_dict_destroy (&mydic);
    rom_list_destroy (&mylist);
    rom_manager_destroy (&manager);
    return failed;
}
