// transport.c: the transport-independent half of the seam (romi_transport.h): choosing a transport by an
// endpoint's scheme, and the helpers every transport shares.
#include "rom_private.h"

#include <errno.h>

// The transports, tried in order: the first that accepts an endpoint takes it.
static const romi_transport_t *const s_transports[] = {&romi_transport_zmq};

const romi_transport_t *
romi_transport_find (const char *endpoint)
{
    for (size_t i = 0; endpoint && i < sizeof s_transports / sizeof s_transports[0]; i++)
        if (s_transports[i]->accepts (endpoint))
            return s_transports[i];
    return NULL;
}

romi_conn_t *
romi_dial (const char *endpoint, const romi_dial_opts_t *opts)
{
    const romi_transport_t *transport = romi_transport_find (endpoint);
    if (!transport) {
        errno = EPROTONOSUPPORT;
        return NULL;
    }
    return transport->dial (endpoint, opts);
}

romi_conn_t *
romi_listen (const char *endpoint, const romi_listen_opts_t *opts)
{
    const romi_transport_t *transport = endpoint ? romi_transport_find (endpoint) : s_transports[0];
    if (!transport) {
        errno = EPROTONOSUPPORT;
        return NULL;
    }
    return transport->listen (opts);
}

int
romi_poll (romi_poll_t *items, size_t n, long wait_ms)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].conn)
            return items[i].conn->transport->poll (items, n, wait_ms);
    return s_transports[0]->poll (items, n, wait_ms);
}

void
romi_conn_close (romi_conn_t **self_p, bool abandon)
{
    if (self_p && *self_p)
        (*self_p)->transport->close (self_p, abandon);
}

void
romi_msg_close (romi_msg_t *msg)
{
    for (size_t i = 0; i < ROMI_MSG_FRAMES; i++)
        romi_frame_close (&msg->frames[i]);
    msg->n = msg->extra = 0;
}

const char *
romi_conn_strerror (const romi_conn_t *self, int err)
{
    return (self ? self->transport : s_transports[0])->strerror (err);
}
