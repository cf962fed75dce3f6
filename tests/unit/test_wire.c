// Unit tests of wire.c and status.c: header round trips, malformed header frames, the type hash.
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
    Rom__CallHeader *out = rom_wire_decode_call (buf, n);
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
    assert_null (rom_wire_decode_call (garbage, sizeof garbage));
    const uint8_t truncated[] = {0x10, 0x80}; // field 2 varint cut short
    assert_null (rom_wire_decode_call (truncated, sizeof truncated));
    uint8_t big[ROM_HEADER_MAX + 1];
    memset (big, 0, sizeof big);
    assert_null (rom_wire_decode_call (big, sizeof big));
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
        cmocka_unit_test (test_type_hash_is_stable_and_never_zero),
        cmocka_unit_test (test_strerror_covers_every_status),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
