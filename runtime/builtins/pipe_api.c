// pipe_api.c: the helpers of Pipe in rom/rom_sync.h. rom_pipe_new () makes two end objects, the second
// naming the first as its peer (PipeInit.peer), so each end has its own references and lifetime; a Recv
// waits on the server, and close is the end's Close then its handle's release.
#include "handles.h"
#include "item.h"

#include <stdlib.h>

#include "rom/builtins/pipe.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__pipe__rom_type), NULL

rom_status_t
rom_pipe_new (rom_client_t *client, bool duplex, rom_pipe_t **a_p, rom_pipe_t **b_p)
{
    if (romi_helper_null_arg (__func__, a_p, "a_p") || romi_helper_null_arg (__func__, b_p, "b_p"))
        return ROM_INVALID;
    *a_p = *b_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__PipeInit init = ROM__BUILTINS__PIPE_INIT__INIT;
    init.duplex = duplex;
    Rom__Builtins__Pipe_Proxy *a = NULL, *b = NULL;
    rom_status_t status = rom__builtins__pipe__rom_create (client, &init, &a);
    if (status != ROM_OK)
        return status;
    init.peer = rom_proxy_id ((rom_proxy_t *) a);
    status = rom__builtins__pipe__rom_create (client, &init, &b);
    if (status != ROM_OK) {
        rom__builtins__pipe__rom_destroy (&a);
        return status;
    }
    *a_p = (rom_pipe_t *) a;
    *b_p = (rom_pipe_t *) b;
    return ROM_OK;
}

rom_status_t
rom_pipe_send_item (rom_pipe_t *end, const rom_item_t *item)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__SyncItem wire;
    romi_variant_in_t value;
    rom_status_t status = romi_item_to_wire (__func__, romi_handle_client (end), item, &wire, &value);
    if (status != ROM_OK)
        return status;
    status = romi_handle_call (end, "Send", &wire.base, NULL);
    romi_variant_in_done (&value);
    return status;
}

rom_status_t
rom_pipe_send_int (rom_pipe_t *end, int64_t value)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE))
        return ROM_INVALID;
    return rom_pipe_send_item (end, &(rom_item_t) {.kind = ROM_ITEM_INT, .i = value});
}

rom_status_t
rom_pipe_send_str (rom_pipe_t *end, const char *value)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    return rom_pipe_send_item (end, &(rom_item_t) {.kind = ROM_ITEM_STRING, .str = (char *) value});
}

rom_status_t
rom_pipe_send_bytes (rom_pipe_t *end, const void *data, size_t size)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE)
        || (size && romi_helper_null_arg (__func__, data, "data")))
        return ROM_INVALID;
    return rom_pipe_send_item (end, &(rom_item_t) {.kind = ROM_ITEM_BYTES,
                                                   .data = (uint8_t *) data,
                                                   .size = size});
}

rom_status_t
rom_pipe_send_message (rom_pipe_t *end, const ProtobufCMessage *message)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE) || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = romi_item_message (message, &item);
    if (status != ROM_OK)
        return status;
    status = rom_pipe_send_item (end, &item);
    free (item.data);
    return status;
}

rom_status_t
rom_pipe_send_proxy (rom_pipe_t *end, const rom_proxy_t *proxy)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE))
        return ROM_INVALID;
    char *token = NULL;
    rom_status_t status = romi_handle_token (__func__, end, proxy, &token);
    if (status != ROM_OK)
        return status;
    status = rom_pipe_send_item (end, &(rom_item_t) {.kind = ROM_ITEM_REF, .str = token});
    free (token);
    return status;
}

rom_status_t
rom_pipe_recv_item (rom_pipe_t *end, uint32_t timeout_ms, rom_item_t *item)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__RecvRequest in = ROM__BUILTINS__RECV_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    return romi_item_wait (end, "Recv", &in.base, timeout_ms, item);
}

rom_status_t
rom_pipe_recv_int (rom_pipe_t *end, uint32_t timeout_ms, int64_t *value)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return romi_item_int (end, "Recv", rom_pipe_recv_item (end, timeout_ms, &item), &item, value);
}

rom_status_t
rom_pipe_recv_str (rom_pipe_t *end, uint32_t timeout_ms, char **value)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return romi_item_str (end, "Recv", rom_pipe_recv_item (end, timeout_ms, &item), &item, value);
}

rom_status_t
rom_pipe_recv_bytes (rom_pipe_t *end, uint32_t timeout_ms, uint8_t **data, size_t *size)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE) || romi_helper_null_arg (__func__, data, "data")
        || romi_helper_null_arg (__func__, size, "size"))
        return ROM_INVALID;
    rom_item_t item;
    return romi_item_bytes (end, "Recv", rom_pipe_recv_item (end, timeout_ms, &item), &item, data, size);
}

rom_status_t
rom_pipe_recv_message (rom_pipe_t *end, uint32_t timeout_ms, const ProtobufCMessageDescriptor *descriptor,
                       ProtobufCMessage **message)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE)
        || romi_helper_null_arg (__func__, descriptor, "descriptor")
        || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = rom_pipe_recv_item (end, timeout_ms, &item);
    return status == ROM_OK ? romi_item_unpack (end, "Recv", &item, descriptor, message) : status;
}

rom_status_t
rom_pipe_poll (rom_pipe_t *end, bool *ready)
{
    if (romi_helper_bad_handle (__func__, end, S_TYPE))
        return ROM_INVALID;
    return romi_handle_flag (end, "Poll", ready);
}

void
rom_pipe_close (rom_pipe_t **end_p)
{
    if (!end_p || !*end_p || romi_helper_bad_handle (__func__, *end_p, S_TYPE))
        return;
    romi_handle_call (*end_p, "Close", NULL, NULL);
    romi_handle_destroy (__func__, (void **) end_p, S_TYPE);
}

rom_proxy_t *
rom_pipe_proxy (rom_pipe_t *end)
{
    return romi_helper_bad_handle (__func__, end, S_TYPE) ? NULL : (rom_proxy_t *) end;
}

void
rom_pipe_destroy (rom_pipe_t **end_p)
{
    romi_handle_destroy (__func__, (void **) end_p, S_TYPE);
}

rom_status_t
rom_pipe_from_token (rom_client_t *client, const char *token, rom_pipe_t **pipe_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, pipe_p);
}
