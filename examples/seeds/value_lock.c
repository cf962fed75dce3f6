// value_lock: seed 001, part 3. sum = manager.Value ('tmp', 0); 100 processes each do
// `with lock: sum.value += 1`, and the parent prints 100: the lock makes each read-add-write atomic.
// (rom_value_add_int () would do it in one call without a lock; this is the article's way.)
#include <rom/rom.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCESSES 100

// def testFunc (cc, lock): with lock: sum.value += cc
static int
s_test_func (int64_t cc, rom_lock_t *lock, rom_value_t *sum)
{
    if (rom_lock_acquire (lock, ROM_FOREVER) != ROM_OK)
        return 1;
    int64_t value = 0;
    int rc = rom_value_get_int (sum, &value) != ROM_OK;
    rc |= rom_value_set_int (sum, value + cc) != ROM_OK;
    rc |= rom_lock_release (lock) != ROM_OK;
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
    rom_lock_t *lock = NULL; // lock = Lock ()
    rom_value_t *sum = NULL; // sum = manager.Value ('tmp', 0)
    if (rom_lock_new (client, &lock) != ROM_OK || rom_value_new (client, 'q', ROM_INT (0), &sum) != ROM_OK) {
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
        rom_lock_destroy (&lock);
        rom_manager_destroy (&manager);
        return 1;
    }
    pid_t threads[PROCESSES];
    fflush (stdout);
    for (int ll = 0; ll < PROCESSES; ll++)
        if ((threads[ll] = fork ()) == 0)
            _exit (s_test_func (1, lock, sum));
    int failed = 0;
    for (int j = 0; j < PROCESSES; j++) {
        int status = 0;
        waitpid (threads[j], &status, 0);
        failed |= !WIFEXITED (status) || WEXITSTATUS (status) != 0;
    }
    int64_t value = -1;
    failed |= rom_value_get_int (sum, &value) != ROM_OK;
    printf ("------------------------\n");
    printf ("process id: %d\n", (int) getpid ());
    printf ("%lld\n", (long long) value);
    rom_value_destroy (&sum);
    rom_lock_destroy (&lock);
    rom_manager_destroy (&manager);
    return failed;
}
