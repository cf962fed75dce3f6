// lock_list: seed 002, part 2. A Manager list starting with "start flag" and a Manager Lock: two processes
// each take the lock, append their name, release it, and print every item of the list as "<name>-<item>".
// The lock makes each append atomic with its own check-and-append; which process runs first is up to the
// scheduler (as the article warns), so the second one prints both names.
#include <rom/rom.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// def sub_process (process_name, share_var, share_lock)
static int
s_sub_process (const char *process_name, rom_list_t *share_var, rom_lock_t *share_lock)
{
    if (rom_lock_acquire (share_lock, ROM_FOREVER) != ROM_OK) // share_lock.acquire ()
        return 1;
    int rc = rom_list_append_str (share_var, process_name) != ROM_OK; // share_var.append (process_name)
    rc |= rom_lock_release (share_lock) != ROM_OK;                    // share_lock.release ()
    size_t n = 0;
    rc |= rom_list_len (share_var, &n) != ROM_OK;
    char out[1024] = "";
    for (size_t i = 0; i < n && !rc; i++) { // for item in share_var: print (f"{process_name}-{item}")
        char *item = NULL;
        rc |= rom_list_get_str (share_var, (int64_t) i, &item) != ROM_OK;
        if (item)
            snprintf (out + strlen (out), sizeof out - strlen (out), "%s-%s\n", process_name, item);
        free (item);
    }
    fputs (out, stdout); // one write per process, so the two processes' lines never interleave
    fflush (stdout);
    return rc;
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
    rom_list_t *share_var = NULL;  // share_var = multiprocessing.Manager ().list ()
    rom_lock_t *share_lock = NULL; // share_lock = multiprocessing.Manager ().Lock ()
    if (rom_list_new (client, &share_var) != ROM_OK || rom_list_append_str (share_var, "start flag") != ROM_OK
        || rom_lock_new (client, &share_lock) != ROM_OK) {
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
        rom_list_destroy (&share_var);
        rom_manager_destroy (&manager);
        return 1;
    }
    const char *names[] = {"process 1", "process 2"};
    pid_t process_list[2];
    fflush (stdout);
    for (int i = 0; i < 2; i++)
        if ((process_list[i] = fork ()) == 0)
            _exit (s_sub_process (names[i], share_var, share_lock));
    int failed = 0;
    for (int i = 0; i < 2; i++) { // process.join ()
        int status = 0;
        waitpid (process_list[i], &status, 0);
        failed |= !WIFEXITED (status) || WEXITSTATUS (status) != 0;
    }
    rom_lock_destroy (&share_lock);
    rom_list_destroy (&share_var);
    rom_manager_destroy (&manager);
    return failed;
}
