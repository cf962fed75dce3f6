// global_not_shared: seed 004, part 0 (and the first program of seeds 000, 001 and 002). A global list that
// five forked processes append to: each child changes its own copy, so the parent's stays [27017]. Like
// Python's id (), the address printed is the same in every process: same address, different memory.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static long s_global_val[8] = {27017}; // global_val = [27017]
static int s_global_len = 1;

static void
s_print (const char *who)
{
    printf ("[%s]pid: %d , global_val: [", who, (int) getpid ());
    for (int i = 0; i < s_global_len; i++)
        printf ("%s%ld", i ? ", " : "", s_global_val[i]);
    printf ("] , id(global_val): %lu\n", (unsigned long) (size_t) s_global_val);
    fflush (stdout);
}

int
main (void)
{
    s_print ("main");
    pid_t pids[5];
    for (int i = 0; i < 5; i++) {
        pids[i] = fork ();
        if (pids[i] == 0) {
            s_global_val[s_global_len++] = i; // global_val.append (value)
            s_print ("func0()");
            _exit (0);
        }
    }
    for (int i = 0; i < 5; i++)
        waitpid (pids[i], NULL, 0);
    s_print ("main");
    return 0;
}
