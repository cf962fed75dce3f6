// ipc.c: unix socket files, which rom guards itself rather than trusting the transport: a second server must
// not take over a live one's path (ZMQ's ipc bind unlinks whatever is there), a client refused by the file's
// mode is told so at once instead of waiting for a connection that never comes, and a socket is 0600 from
// the moment anyone else could reach it.
#define _DEFAULT_SOURCE // mkdtemp is POSIX 2008 / BSD, not C11
#include "romi_ipc.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int
romi_ipc_probe (const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen (path) >= sizeof addr.sun_path)
        return ENAMETOOLONG;
    memcpy (addr.sun_path, path, strlen (path) + 1);
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    int err = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0 ? 0 : errno;
    close (fd);
    return err;
}

int
romi_ipc_bind_private (const char *path, int (*bind_fn) (void *arg, const char *endpoint), void *arg)
{
    char copy[sizeof ((struct sockaddr_un *) 0)->sun_path + 16];
    char dir[sizeof copy + 16], inside[sizeof dir + 16], endpoint[sizeof inside + 8];
    if (strlen (path) >= sizeof copy) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy (copy, path);
    snprintf (dir, sizeof dir, "%s/.rom-XXXXXX", dirname (copy));
    snprintf (inside, sizeof inside, "%s/s", dir);
    if (strlen (inside) >= sizeof ((struct sockaddr_un *) 0)->sun_path) {
        // No room for the detour. umask is the process's, so other threads creating files during this bind
        // get files more private than they asked for, never less; the chmod below is then a no-op.
        mode_t old = umask (0177);
        int rc = bind_fn (arg, (snprintf (endpoint, sizeof endpoint, "ipc://%s", path), endpoint));
        int err = errno;
        umask (old);
        errno = err;
        return rc == 0 ? chmod (path, S_IRUSR | S_IWUSR) : -1;
    }
    if (!mkdtemp (dir)) // mode 0700: nobody else can reach what is inside
        return -1;
    snprintf (inside, sizeof inside, "%s/s", dir);
    snprintf (endpoint, sizeof endpoint, "ipc://%s", inside);
    int rc = bind_fn (arg, endpoint);
    if (rc == 0 && (chmod (inside, S_IRUSR | S_IWUSR) != 0 || rename (inside, path) != 0))
        rc = -1;
    int err = errno;
    unlink (inside); // left only when the rename failed
    rmdir (dir);
    errno = err;
    return rc;
}
