// queue_five: seed 003, Queue. q = Queue (9); five processes each put their number and print
// "---> i qsize" (the order is the scheduler's); then the parent takes the five items back, shows
// put_nowait on a full queue raising Full and get (timeout) on an empty one raising Empty.
#include <rom/rom.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

// def func (i, q): q.put (i); print ("--->", i, q.qsize ())
static int
s_func (int64_t i, rom_queue_t *q)
{
    int64_t size = 0;
    if (rom_queue_put_int (q, i, ROM_FOREVER) != ROM_OK || rom_queue_qsize (q, &size) != ROM_OK)
        return 1;
    printf ("---> %lld %lld\n", (long long) i, (long long) size);
    fflush (stdout);
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
    rom_queue_t *q = NULL; // q = queues.Queue (9, ctx=multiprocessing)
    if (rom_queue_new (client, 9, &q) != ROM_OK) {
        fprintf (stderr, "%s\n", rom_client_errmsg (client));
        rom_manager_destroy (&manager);
        return 1;
    }
    pid_t p[5];
    fflush (stdout);
    for (int i = 0; i < 5; i++)
        if ((p[i] = fork ()) == 0)
            _exit (s_func (i, q));
    int failed = 0;
    for (int i = 0; i < 5; i++) {
        int status = 0;
        waitpid (p[i], &status, 0);
        failed |= !WIFEXITED (status) || WEXITSTATUS (status) != 0;
    }
    // The items, in the order they were put. Every worker has exited, so what it put is in the queue now
    // (a put returns once the server holds the item): take them without waiting. A worker that failed put
    // nothing, and waiting for its item would never end.
    int64_t sum = 0, v = 0;
    for (int i = 0; i < 5; i++) {
        v = 0;
        failed |= rom_queue_get_int (q, ROM_NOWAIT, &v) != ROM_OK;
        sum += v;
    }
    printf ("got 5 items, sum %lld\n", (long long) sum);
    // put (block=True, timeout=...) on a full queue raises queue.Full; put_nowait at once.
    for (int i = 0; i < 9; i++)
        failed |= rom_queue_put_int (q, i, ROM_FOREVER) != ROM_OK;
    rom_status_t status = rom_queue_put_int (q, 9, ROM_NOWAIT);
    printf ("put_nowait on a full queue of 9: %s\n",
            status == ROM_FULL ? "queue.Full" : rom_strerror (status));
    status = rom_queue_put_int (q, 9, 100);
    printf ("put (timeout=0.1) on a full queue of 9: %s\n",
            status == ROM_FULL ? "queue.Full" : rom_strerror (status));
    // get on an empty queue raises queue.Empty.
    for (int i = 0; i < 9; i++)
        failed |= rom_queue_get_int (q, ROM_NOWAIT, &v) != ROM_OK;
    status = rom_queue_get_int (q, ROM_NOWAIT, &v);
    printf ("get_nowait on an empty queue: %s\n",
            status == ROM_EMPTY ? "queue.Empty" : rom_strerror (status));
    status = rom_queue_get_int (q, 100, &v);
    printf ("get (timeout=0.1) on an empty queue: %s\n",
            status == ROM_EMPTY ? "queue.Empty" : rom_strerror (status));
    rom_queue_destroy (&q);
    rom_manager_destroy (&manager);
    return failed;
}
