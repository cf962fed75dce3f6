// clock.c: small facts of the process that every part of the runtime asks for: the time, this process's
// pid (cached: see romi_getpid), random numbers, and error texts formatted into fixed buffers.
#include "rom_private.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

uint64_t
romi_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

uint64_t
romi_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

void
romi_format (char *buf, size_t size, const char *fmt, va_list ap)
{
    if (size == 0)
        return;
    if (vsnprintf (buf, size, fmt, ap) < 0)
        snprintf (buf, size, "(unprintable message)");
}

uint64_t
romi_random64 (void)
{
    uint64_t value = 0;
    if (getrandom (&value, sizeof value, GRND_NONBLOCK) != (ssize_t) sizeof value) {
        // No entropy yet (early boot): unique, if guessable; the sessions' secrets are then weak too.
        static _Atomic uint64_t counter;
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        value = ((uint64_t) getpid () << 40) ^ ((uint64_t) ts.tv_nsec << 8) ^ (uint64_t) ts.tv_sec
                ^ (atomic_fetch_add (&counter, 1) * 0x9e3779b97f4a7c15ull);
    }
    return value ? value : 1;
}

// Every call compares its client's pid with the caller's to notice fork (), and getpid () is a system call
// (glibc no longer caches it): measured, two of them were ~4% of a pipelined call. So the pid is cached and
// a pthread_atfork () child handler forgets it. A child made without glibc's fork () (a raw clone) would
// keep the parent's pid here: such a child must not use rom before exec.
static _Atomic pid_t s_pid;
static pthread_once_t s_pid_once = PTHREAD_ONCE_INIT;

static void
s_pid_forget (void)
{
    atomic_store_explicit (&s_pid, 0, memory_order_relaxed);
}

static void
s_pid_watch (void)
{
    pthread_atfork (NULL, NULL, s_pid_forget);
}

pid_t
romi_getpid (void)
{
    pid_t pid = atomic_load_explicit (&s_pid, memory_order_relaxed);
    if (pid == 0) {
        pthread_once (&s_pid_once, s_pid_watch);
        pid = getpid ();
        atomic_store_explicit (&s_pid, pid, memory_order_relaxed);
    }
    return pid;
}
