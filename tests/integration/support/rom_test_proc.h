// rom_test_proc.h: processes for the process-model tests (issue 5): a forked server with any options that
// serves until SIGTERM, waiting for a process to end with a deadline (pidfd, no sleeping), and pipes that
// carry one line between processes.
#ifndef ROM_TEST_PROC_H
#define ROM_TEST_PROC_H

#include "rom_test.h"

#include <stdbool.h>
#include <sys/types.h>

// Fork a server bound to `endpoint` with `opts` (may be NULL) serving rom_test_register types through
// rom_server_serve_forever (), so SIGINT/SIGTERM stop it cleanly. Returns its pid once it serves; the
// endpoint it bound (tcp port resolved) is copied to `bound` (may be NULL, ROM_PATH_MAX bytes).
pid_t rom_test_serve_fork (const char *endpoint, const rom_server_opts_t *opts, char *bound);

// Wait until process `pid` has ended, at most `timeout_ms`, without sleeping: poll () on a pidfd. Reaps it
// if it is our child and stores its wait status in *status (may be NULL). False on timeout.
bool rom_test_wait_gone (pid_t pid, int timeout_ms, int *status);

// True when a wait status says: exited with code 0.
bool rom_test_exited_ok (int status);

// Write one line (`text` without its newline) to `fd`; read one line from `fd` into `buf` within
// `timeout_ms` (false on timeout or EOF). For handing tokens and "ready" between processes.
void rom_test_send_line (int fd, const char *text);
bool rom_test_recv_line (int fd, char *buf, size_t size, int timeout_ms);

// Run LeakSanitizer's check in a forked child that is about to _exit (which skips it): 0, or 23 on a leak.
int rom_test_child_leak_check (void);

#endif
