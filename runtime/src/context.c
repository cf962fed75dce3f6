// context.c: the process-wide ZMQ context that clients and servers of one process share.
//
// One context per process, not per client: inproc:// endpoints only connect within one context, and every
// context costs an I/O thread (a wake-up on each message). It is made lazily and remade in a forked child:
// a context must never be used across fork, so the child abandons the inherited one (never terminates it,
// its threads do not exist in the child) and starts its own.
#include "rom_private.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static void *s_context;
static pid_t s_pid;
static size_t s_sockets; // open sockets of s_context: zmq_ctx_term () would wait for them forever
// Contexts inherited through fork and abandoned, kept reachable: they are the parent's memory, not a leak of
// this process (valgrind and LeakSanitizer would report them as lost). One per generation of forks.
#define S_INHERITED_MAX 8
static void *s_inherited[S_INHERITED_MAX];

void *
romi_context (void)
{
    pthread_mutex_lock (&s_lock);
    if (s_context && s_pid != getpid ()) {
        // Inherited from the parent: abandoned on purpose, with its sockets.
        for (size_t i = 0; i < S_INHERITED_MAX; i++)
            if (!s_inherited[i]) {
                s_inherited[i] = s_context;
                break;
            }
        s_context = NULL;
        s_sockets = 0;
    }
    if (!s_context) {
        s_context = zmq_ctx_new ();
        if (s_context) {
            // Sockets are closed with a linger each; never let a forgotten one block exit.
            zmq_ctx_set (s_context, ZMQ_BLOCKY, 0);
            s_pid = getpid ();
        }
    }
    void *context = s_context;
    pthread_mutex_unlock (&s_lock);
    return context;
}

void
romi_context_io_threads (unsigned n)
{
    void *context = romi_context ();
    pthread_mutex_lock (&s_lock);
    // libzmq starts its I/O threads with the context's first socket and ignores the count after; s_sockets
    // counts rom's sockets, which are all of this context's.
    if (context && n > 1 && s_sockets == 0)
        zmq_ctx_set (context, ZMQ_IO_THREADS, (int) n);
    pthread_mutex_unlock (&s_lock);
}

void *
romi_socket_new (int type)
{
    void *context = romi_context ();
    void *socket = context ? zmq_socket (context, type) : NULL;
    if (socket) {
        int linger = 0;
        zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
        pthread_mutex_lock (&s_lock);
        s_sockets++;
        pthread_mutex_unlock (&s_lock);
    }
    return socket;
}

void
romi_socket_close (void **socket_p)
{
    if (!*socket_p)
        return;
    zmq_close (*socket_p);
    *socket_p = NULL;
    pthread_mutex_lock (&s_lock);
    if (s_sockets > 0)
        s_sockets--;
    pthread_mutex_unlock (&s_lock);
}

// At exit, terminate the context so its memory and I/O thread are returned (valgrind shows no leak), but
// only in the process that made it and only when every socket is closed: a socket the user forgot would
// make zmq_ctx_term () wait forever, and exit must never hang.
void
romi_context_term (void)
{
    pthread_mutex_lock (&s_lock);
    void *context = s_context && s_pid == getpid () && s_sockets == 0 ? s_context : NULL;
    if (context)
        s_context = NULL;
    pthread_mutex_unlock (&s_lock);
    if (context) {
        // ZMQ_BLOCKY 0 (set at creation) also makes the termination skip the sockets' linger, and with it
        // the last replies of a stopped server (reproduced: lost one time in six). Every socket is closed
        // here, so blocking is bounded by their lingers (0, and 1 s for a server's router).
        zmq_ctx_set (context, ZMQ_BLOCKY, 1);
        zmq_ctx_term (context);
    }
}

__attribute__ ((destructor)) static void
s_context_fini (void)
{
    romi_context_term ();
}

int
romi_socket_keepalive (void *socket, uint32_t timeout_ms)
{
    // TCP keepalives, not ZMTP heartbeats: a keepalive is answered by the peer's kernel, a heartbeat by its
    // ZMQ I/O thread. A process that is stopped (SIGSTOP, a debugger, a long pause) answers the first and not
    // the second, and a stopped process is alive: it must keep its session and its locks. A host that
    // vanished or a cut network answers neither. Whole seconds are all the kernel takes: idle T/2, then
    // probes every T/4, two of them; TCP_USER_TIMEOUT (ZMQ_TCP_MAXRT on Linux) bounds data left
    // unacknowledged by T, since keepalives only probe an idle connection.
    int on = 1;
    int idle = (int) (timeout_ms / 2000u), intvl = (int) (timeout_ms / 4000u), count = 2;
    int maxrt = (int) (timeout_ms < INT32_MAX ? timeout_ms : INT32_MAX);
    idle = idle > 0 ? idle : 1;
    intvl = intvl > 0 ? intvl : 1;
    return zmq_setsockopt (socket, ZMQ_TCP_KEEPALIVE, &on, sizeof on) == 0
                   && zmq_setsockopt (socket, ZMQ_TCP_KEEPALIVE_IDLE, &idle, sizeof idle) == 0
                   && zmq_setsockopt (socket, ZMQ_TCP_KEEPALIVE_INTVL, &intvl, sizeof intvl) == 0
                   && zmq_setsockopt (socket, ZMQ_TCP_KEEPALIVE_CNT, &count, sizeof count) == 0
                   && zmq_setsockopt (socket, ZMQ_TCP_MAXRT, &maxrt, sizeof maxrt) == 0
               ? 0
               : -1;
}

void *
romi_monitor_open (void *socket, int events)
{
    static _Atomic uint64_t n;
    char endpoint[96];
    snprintf (endpoint, sizeof endpoint, "inproc://rom-monitor-%d-%llu", (int) getpid (),
              (unsigned long long) atomic_fetch_add (&n, 1));
    if (zmq_socket_monitor (socket, endpoint, events) != 0)
        return NULL;
    void *monitor = romi_socket_new (ZMQ_PAIR);
    // No high-water mark on the events' pipe: libzmq's I/O thread sends an event with a blocking send, so
    // with the default (1000 + 1000) a burst of drops (thousands of clients killed at once) stopped the I/O
    // thread, every connection's traffic with it, until this side had read them. An event is ~100 bytes.
    int unlimited = 0;
    if (monitor && zmq_setsockopt (monitor, ZMQ_RCVHWM, &unlimited, sizeof unlimited) != 0)
        romi_socket_close (&monitor);
    if (!monitor || zmq_connect (monitor, endpoint) != 0) {
        zmq_socket_monitor (socket, NULL, 0);
        romi_socket_close (&monitor);
    }
    return monitor;
}

bool
romi_monitor_next (void *monitor, uint16_t *event, int32_t *value)
{
    // An event is two frames: [uint16 event, uint32 value (an fd, an errno)][endpoint].
    zmq_msg_t first;
    zmq_msg_init (&first);
    if (zmq_msg_recv (&first, monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&first);
        return false;
    }
    *event = 0;
    *value = -1;
    if (zmq_msg_size (&first) >= 6) {
        memcpy (event, zmq_msg_data (&first), sizeof *event);
        memcpy (value, (const uint8_t *) zmq_msg_data (&first) + 2, sizeof *value);
    }
    int more = zmq_msg_more (&first);
    zmq_msg_close (&first);
    while (more) {
        zmq_msg_t rest;
        zmq_msg_init (&rest);
        more = zmq_msg_recv (&rest, monitor, 0) >= 0 && zmq_msg_more (&rest);
        zmq_msg_close (&rest);
    }
    return true;
}

void
romi_monitor_close (void *socket, void **monitor_p)
{
    if (!*monitor_p)
        return;
    // Stop the monitor before its reader goes: libzmq 4.3.4 leaks an event it cannot deliver to a closed
    // reader (seen by valgrind and LeakSanitizer when the socket's close reports disconnections).
    if (socket)
        zmq_socket_monitor (socket, NULL, 0);
    zmq_msg_t event;
    zmq_msg_init (&event);
    while (zmq_msg_recv (&event, *monitor_p, ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close (&event);
    romi_socket_close (monitor_p);
}
