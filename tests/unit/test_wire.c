// Unit tests of wire.c and status.c: header round trips, malformed header frames, batched replies, the type
// hash.
#include "rom_private.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_call_header_round_trip (void **state)
{
    (void) state;
    Rom__CallHeader in = ROM__CALL_HEADER__INIT;
    in.version = ROM_PROTOCOL_VERSION;
    in.call_id = 42;
    in.object_id = UINT64_MAX;
    in.method = 7;
    in.timeout_ms = 1500;
    in.type_hash = rom_type_hash ("demo.Counter");
    uint8_t buf[ROM_HEADER_MAX];
    size_t n = rom__call_header__pack (&in, buf);
    Rom__CallHeader *out = romi_wire_decode_call (buf, n);
    assert_non_null (out);
    assert_int_equal (out->call_id, 42);
    assert_true (out->object_id == UINT64_MAX);
    assert_int_equal (out->method, 7);
    assert_int_equal (out->timeout_ms, 1500);
    assert_int_equal (out->type_hash, in.type_hash);
    rom__call_header__free_unpacked (out, NULL);
}

static void
test_garbage_is_not_a_header (void **state)
{
    (void) state;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_null (romi_wire_decode_call (garbage, sizeof garbage));
    const uint8_t truncated[] = {0x10, 0x80}; // field 2 varint cut short
    assert_null (romi_wire_decode_call (truncated, sizeof truncated));
    uint8_t big[ROM_HEADER_MAX + 1];
    memset (big, 0, sizeof big);
    assert_null (romi_wire_decode_call (big, sizeof big));
}

// Entries written by romi_wire_batch_put read back in order; an entry cut anywhere, or a size past the
// end, ends the walk without reading out of bounds.
static void
test_batch_round_trip_and_truncation (void **state)
{
    (void) state;
    uint8_t buf[1024];
    size_t size = 0;
    Rom__ReplyHeader header = ROM__REPLY_HEADER__INIT;
    Rom__RefRequest payload = ROM__REF_REQUEST__INIT;
    for (uint64_t i = 1; i <= 3; i++) {
        header.call_id = i;
        header.status = i == 2 ? ROM_NO_METHOD : ROM_OK;
        header.error = (char *) (i == 2 ? "no method" : "");
        payload.id = 1000 * i;
        size_t hsize = protobuf_c_message_get_packed_size (&header.base);
        size_t psize = protobuf_c_message_get_packed_size (&payload.base);
        size += romi_wire_batch_put (buf + size, &header.base, hsize, i == 2 ? NULL : &payload.base, psize);
        assert_true (size <= sizeof buf);
    }
    const uint8_t *p = buf, *end = buf + size, *head, *data;
    size_t head_size, data_size;
    for (uint64_t i = 1; i <= 3; i++) {
        assert_true (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size));
        Rom__ReplyHeader *h = romi_wire_decode_reply (head, head_size);
        assert_non_null (h);
        assert_int_equal (h->call_id, i);
        assert_int_equal (h->status, i == 2 ? ROM_NO_METHOD : ROM_OK);
        if (i == 2)
            assert_int_equal (data_size, 0);
        else {
            Rom__RefRequest *out = rom__ref_request__unpack (NULL, data_size, data);
            assert_non_null (out);
            assert_int_equal (out->id, 1000 * i);
            rom__ref_request__free_unpacked (out, NULL);
        }
        rom__reply_header__free_unpacked (h, NULL);
    }
    assert_false (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size));
    assert_true (p == end);
    // Cut short at every length: only whole entries are read.
    for (size_t cut = 0; cut < size; cut++) {
        p = buf;
        end = buf + cut;
        unsigned n = 0;
        while (romi_wire_batch_next (&p, end, &head, &head_size, &data, &data_size)) {
            assert_true (data + data_size <= end);
            n++;
        }
        assert_true (n < 3);
    }
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
    p = huge;
    assert_false (romi_wire_batch_next (&p, huge + sizeof huge, &head, &head_size, &data, &data_size));
}

static void
test_type_hash_is_stable_and_never_zero (void **state)
{
    (void) state;
    assert_int_equal (rom_type_hash ("demo.Counter"), rom_type_hash ("demo.Counter"));
    assert_int_not_equal (rom_type_hash ("demo.Counter"), rom_type_hash ("demo.Counted"));
    assert_int_not_equal (rom_type_hash (""), 0);
}

static void
test_strerror_covers_every_status (void **state)
{
    (void) state;
    for (int s = ROM_OK; s <= ROM_STATUS_LAST; s++)
        assert_string_not_equal (rom_strerror ((rom_status_t) s), "unknown status");
    assert_string_equal (rom_strerror ((rom_status_t) 9999), "unknown status");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_call_header_round_trip),
        cmocka_unit_test (test_garbage_is_not_a_header),
        cmocka_unit_test (test_batch_round_trip_and_truncation),
        cmocka_unit_test (test_type_hash_is_stable_and_never_zero),
        cmocka_unit_test (test_strerror_covers_every_status),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
