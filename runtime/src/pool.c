// pool.c: the worker pool of ROM_TYPE_POOL types ((rom.pool) = true), for servants whose methods do heavy
// work (DESIGN decision 3). Different objects run in parallel on the workers; one object still runs one call
// at a time, in arrival order, because each object has a mailbox and a mailbox is on the run queue, or on a
// worker, never both.
//
// Only the server's I/O thread touches the socket, the object table and reference counts: it unpacks a call,
// posts it to its object's mailbox, and later collects the finished call (a pipe wakes it) to pack and send
// the reply. A worker only runs the servant's method. So a pool call costs two thread hand-offs more than an
// inline one (~15-20 us each here): inline stays the default. The I/O thread never destroys an object while a
// worker runs one of its calls: the server asks romi_pool_busy () first and destroys it once the call is
// back.
//
// Threads start at the first pool call, so a server without pool types has none.
#include "rom_private.h"
#include "romi_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct s_mailbox {
    romi_object_t *object;
    romi_list_t calls; // calls waiting, in arrival order (through rom_call_t.link)
    size_t out;        // its calls submitted and not yet collected (waiting, running or done)
    bool busy;         // a worker runs one of its calls
    romi_link_t run;   // on the run queue while linked
} s_mailbox_t;

struct _romi_pool_t {
    pthread_mutex_t lock; // guards everything below but `boxes`, which only the I/O thread uses
    pthread_cond_t work;
    romi_list_t runnable; // mailboxes with a call to run and none running (through s_mailbox_t.run)
    romi_list_t done;     // calls run, waiting for romi_pool_collect () (through rom_call_t.link)
    size_t in_flight;     // calls submitted and not yet collected
    bool stopping;
    romi_map_t boxes; // object id -> mailbox (I/O thread only)
    int done_pipe[2]; // readable when `done` is not empty
    unsigned n_workers;
    unsigned n_started;
    pthread_t *threads;
};

romi_pool_t *
romi_pool_new (unsigned workers)
{
    romi_pool_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->n_workers = workers ? workers : 2;
    self->threads = calloc (self->n_workers, sizeof *self->threads);
    if (!self->threads || pipe2 (self->done_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        free (self->threads);
        free (self);
        return NULL;
    }
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->work, NULL);
    romi_list_init (&self->runnable);
    romi_list_init (&self->done);
    romi_map_init (&self->boxes);
    return self;
}

int
romi_pool_fd (const romi_pool_t *self)
{
    return self->done_pipe[0];
}

size_t
romi_pool_in_flight (romi_pool_t *self)
{
    pthread_mutex_lock (&self->lock);
    size_t n = self->in_flight;
    pthread_mutex_unlock (&self->lock);
    return n;
}

static void *
s_worker (void *arg)
{
    romi_pool_t *self = arg;
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->stopping && romi_list_empty (&self->runnable))
            pthread_cond_wait (&self->work, &self->lock);
        if (self->stopping)
            break;
        s_mailbox_t *box = romi_container_of (romi_list_pop (&self->runnable), s_mailbox_t, run);
        box->busy = true;
        rom_call_t *call = romi_call_of (romi_list_pop (&box->calls));
        pthread_mutex_unlock (&self->lock);

        // A call that waited in the mailbox past its deadline is not run: its caller has given up.
        if (call->deadline_ms && romi_now_ms () >= call->deadline_ms)
            call->pool_status = rom_call_fail (call, ROM_TIMEOUT,
                                               "waited in the object's mailbox past its deadline");
        else {
            const romi_type_entry_t *entry = box->object->entry;
            call->pool_status = call->method->invoke (entry->servant, box->object->self, call->input,
                                                      call->output, call);
        }

        pthread_mutex_lock (&self->lock);
        bool wake = romi_list_empty (&self->done);
        romi_list_append (&self->done, &call->link);
        box->busy = false;
        if (!romi_list_empty (&box->calls))
            romi_list_append (&self->runnable,
                              &box->run); // the object's next call, after this one: order is kept
        if (wake) {
            char byte = 1;
            ssize_t n = write (self->done_pipe[1], &byte, 1); // full pipe: a wake-up is pending already
            (void) n;
        }
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

rom_status_t
romi_pool_submit (romi_pool_t *self, rom_call_t *call)
{
    romi_object_t *object = call->object;
    s_mailbox_t *box = romi_map_get (&self->boxes, object->id);
    if (!box) {
        if (!(box = calloc (1, sizeof *box)))
            return ROM_NOMEM;
        box->object = object;
        romi_list_init (&box->calls);
        if (romi_map_put (&self->boxes, object->id, box) != 0) {
            free (box);
            return ROM_NOMEM;
        }
    }
    call->pooled = true;
    pthread_mutex_lock (&self->lock);
    while (!self->stopping && self->n_started < self->n_workers
           && pthread_create (&self->threads[self->n_started], NULL, s_worker, self) == 0)
        self->n_started++;
    if (self->n_started == 0) {
        pthread_mutex_unlock (&self->lock);
        call->pooled = false;
        return ROM_INTERNAL;
    }
    romi_list_append (&box->calls, &call->link);
    box->out++;
    self->in_flight++;
    if (!box->busy && !romi_link_linked (&box->run)) {
        romi_list_append (&self->runnable, &box->run);
        pthread_cond_signal (&self->work);
    }
    pthread_mutex_unlock (&self->lock);
    return ROM_OK;
}

// Forget a mailbox none of whose calls is out any more (I/O thread, under the lock).
static void
s_forget_if_idle (romi_pool_t *self, s_mailbox_t *box)
{
    if (box->out == 0) {
        romi_map_remove (&self->boxes, box->object->id);
        free (box);
    }
}

void
romi_pool_collect (romi_pool_t *self, romi_pool_done_fn done, void *arg)
{
    char buf[64];
    while (read (self->done_pipe[0], buf, sizeof buf) > 0)
        ;
    // What is done now, taken out at once; what the workers finish meanwhile wakes the loop again.
    romi_list_t done_now;
    romi_list_init (&done_now);
    pthread_mutex_lock (&self->lock);
    for (romi_link_t *l; (l = romi_list_pop (&self->done));)
        romi_list_append (&done_now, l);
    pthread_mutex_unlock (&self->lock);
    for (romi_link_t *l; (l = romi_list_pop (&done_now));) {
        rom_call_t *call = romi_call_of (l);
        pthread_mutex_lock (&self->lock);
        self->in_flight--;
        s_mailbox_t *box = romi_map_get (&self->boxes, call->object->id);
        if (box) {
            box->out--;
            s_forget_if_idle (self, box);
        }
        pthread_mutex_unlock (&self->lock);
        done (arg, call, call->pool_status);
    }
}

bool
romi_pool_busy (romi_pool_t *self, const romi_object_t *object)
{
    // A mailbox lives exactly while some call of its object is out (only this thread frees it).
    return romi_map_get (&self->boxes, object->id) != NULL;
}

void
romi_pool_cancel_mail (romi_pool_t *self, romi_object_t *object, romi_pool_done_fn cancel, void *arg)
{
    s_mailbox_t *box = romi_map_get (&self->boxes, object->id);
    if (!box)
        return;
    pthread_mutex_lock (&self->lock);
    // Taken out whole (the list head moves to the stack), and off the run queue: nothing of it is left to
    // run.
    romi_list_t calls;
    romi_list_init (&calls);
    for (romi_link_t *l; (l = romi_list_pop (&box->calls));) {
        romi_list_append (&calls, l);
        self->in_flight--;
        box->out--;
    }
    if (romi_link_linked (&box->run))
        romi_list_unlink (&self->runnable, &box->run);
    s_forget_if_idle (self, box);
    pthread_mutex_unlock (&self->lock);
    for (romi_link_t *l; (l = romi_list_pop (&calls));)
        cancel (arg, romi_call_of (l), ROM_CLOSED);
}

void
romi_pool_stop (romi_pool_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_broadcast (&self->work);
    pthread_mutex_unlock (&self->lock);
    for (unsigned i = 0; i < self->n_started; i++)
        pthread_join (self->threads[i], NULL);
    self->n_started = 0;
}

void
romi_pool_destroy (romi_pool_t **self_p)
{
    romi_pool_t *self = *self_p;
    if (!self)
        return;
    romi_pool_stop (self);
    // The server collected and cancelled every call before: only empty mailboxes can be left.
    uint64_t id;
    void *box;
    size_t cursor = 0;
    while (romi_map_next (&self->boxes, &cursor, &id, &box))
        free (box);
    romi_map_clear (&self->boxes);
    close (self->done_pipe[0]);
    close (self->done_pipe[1]);
    pthread_cond_destroy (&self->work);
    pthread_mutex_destroy (&self->lock);
    free (self->threads);
    free (self);
    *self_p = NULL;
}
