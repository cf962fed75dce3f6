// queue_api.c: the helpers of Queue and JoinableQueue in rom/rom_sync.h; one handle type for both. Items are
// rom_item_t (item.h); a Get or a full Put waits on the server as a deferred call, timed by the call's
// deadline, so ROM_EMPTY / ROM_FULL come from the server exactly when the timeout passes.
#include "handles.h"
#include "item.h"

#include <stdlib.h>

#include "rom/builtins/queue.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__queue__rom_type), (&rom__builtins__joinable_queue__rom_type)

rom_status_t
rom_queue_new (rom_client_t *client, int64_t maxsize, rom_queue_t **queue_p)
{
    if (romi_helper_bad_new (__func__, queue_p, "queue_p", client))
        return ROM_INVALID;
    Rom__Builtins__QueueInit init = ROM__BUILTINS__QUEUE_INIT__INIT;
    init.maxsize = maxsize;
    return rom__builtins__queue__rom_create (client, &init, (Rom__Builtins__Queue_Proxy **) queue_p);
}

rom_status_t
rom_joinable_queue_new (rom_client_t *client, int64_t maxsize, rom_queue_t **queue_p)
{
    if (romi_helper_bad_new (__func__, queue_p, "queue_p", client))
        return ROM_INVALID;
    Rom__Builtins__QueueInit init = ROM__BUILTINS__QUEUE_INIT__INIT;
    init.maxsize = maxsize;
    return rom__builtins__joinable_queue__rom_create (client, &init,
                                                      (Rom__Builtins__JoinableQueue_Proxy **) queue_p);
}

rom_status_t
rom_queue_put_item (rom_queue_t *queue, const rom_item_t *item, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__PutRequest in = ROM__BUILTINS__PUT_REQUEST__INIT;
    Rom__Builtins__SyncItem wire;
    romi_variant_in_t value;
    rom_status_t status = romi_item_to_wire (__func__, romi_handle_client (queue), item, &wire, &value);
    if (status != ROM_OK)
        return status;
    in.item = &wire;
    in.nowait = timeout_ms == ROM_NOWAIT;
    status = romi_handle_wait (queue, "Put", &in.base, timeout_ms, NULL);
    romi_variant_in_done (&value);
    return status;
}

rom_status_t
rom_queue_put_int (rom_queue_t *queue, int64_t value, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    return rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_INT, .i = value}, timeout_ms);
}

rom_status_t
rom_queue_put_double (rom_queue_t *queue, double value, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    return rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_DOUBLE, .d = value}, timeout_ms);
}

rom_status_t
rom_queue_put_str (rom_queue_t *queue, const char *value, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    return rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_STRING, .str = (char *) value},
                               timeout_ms);
}

rom_status_t
rom_queue_put_bytes (rom_queue_t *queue, const void *data, size_t size, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE)
        || (size && romi_helper_null_arg (__func__, data, "data")))
        return ROM_INVALID;
    return rom_queue_put_item (queue,
                               &(rom_item_t) {.kind = ROM_ITEM_BYTES, .data = (uint8_t *) data, .size = size},
                               timeout_ms);
}

rom_status_t
rom_queue_put_message (rom_queue_t *queue, const ProtobufCMessage *message, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE)
        || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = romi_item_message (message, &item);
    if (status != ROM_OK)
        return status;
    status = rom_queue_put_item (queue, &item, timeout_ms);
    free (item.data);
    return status;
}

rom_status_t
rom_queue_put_proxy (rom_queue_t *queue, const rom_proxy_t *proxy, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    char *token = NULL;
    rom_status_t status = romi_handle_token (__func__, queue, proxy, &token);
    if (status != ROM_OK)
        return status;
    status = rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_REF, .str = token}, timeout_ms);
    free (token);
    return status;
}

rom_status_t
rom_queue_get_item (rom_queue_t *queue, uint32_t timeout_ms, rom_item_t *item)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__GetRequest in = ROM__BUILTINS__GET_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    return romi_item_wait (queue, "Get", &in.base, timeout_ms, item);
}

rom_status_t
rom_queue_get_int (rom_queue_t *queue, uint32_t timeout_ms, int64_t *value)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return romi_item_int (queue, "Get", rom_queue_get_item (queue, timeout_ms, &item), &item, value);
}

rom_status_t
rom_queue_get_double (rom_queue_t *queue, uint32_t timeout_ms, double *value)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return romi_item_double (queue, "Get", rom_queue_get_item (queue, timeout_ms, &item), &item, value);
}

rom_status_t
rom_queue_get_str (rom_queue_t *queue, uint32_t timeout_ms, char **value)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return romi_item_str (queue, "Get", rom_queue_get_item (queue, timeout_ms, &item), &item, value);
}

rom_status_t
rom_queue_get_message (rom_queue_t *queue, uint32_t timeout_ms, const ProtobufCMessageDescriptor *descriptor,
                       ProtobufCMessage **message)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE)
        || romi_helper_null_arg (__func__, descriptor, "descriptor")
        || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = rom_queue_get_item (queue, timeout_ms, &item);
    return status == ROM_OK ? romi_item_unpack (queue, "Get", &item, descriptor, message) : status;
}

rom_status_t
rom_queue_qsize (rom_queue_t *queue, int64_t *size)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    return romi_handle_count (queue, "Qsize", NULL, size);
}

rom_status_t
rom_queue_empty (rom_queue_t *queue, bool *empty)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    return romi_handle_flag (queue, "Empty", empty);
}

rom_status_t
rom_queue_full (rom_queue_t *queue, bool *full)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    return romi_handle_flag (queue, "Full", full);
}

rom_status_t
rom_queue_task_done (rom_queue_t *queue)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    return romi_handle_call (queue, "TaskDone", NULL, NULL);
}

rom_status_t
rom_queue_join (rom_queue_t *queue, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_TYPE))
        return ROM_INVALID;
    return romi_handle_wait (queue, "Join", NULL, timeout_ms ? timeout_ms : 1, NULL);
}

rom_proxy_t *
rom_queue_proxy (rom_queue_t *queue)
{
    return romi_helper_bad_handle (__func__, queue, S_TYPE) ? NULL : (rom_proxy_t *) queue;
}

void
rom_queue_destroy (rom_queue_t **queue_p)
{
    romi_handle_destroy (__func__, (void **) queue_p, S_TYPE);
}

rom_status_t
rom_queue_from_token (rom_client_t *client, const char *token, rom_queue_t **queue_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, queue_p);
}
