// test_auth.c: the authkey's key derivation (auth.c): SHA-256 against FIPS 180-4's vectors, and derived
// CURVE keys that are deterministic, differ per authkey and per side, and form valid pairs.
#include "rom_private.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void
s_hex (const uint8_t digest[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf (out + 2 * i, 3, "%02x", digest[i]);
}

static void
test_sha256_vectors (void **state)
{
    (void) state;
    uint8_t digest[32];
    char hex[65];
    romi_sha256 ("abc", 3, digest);
    s_hex (digest, hex);
    assert_string_equal (hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    romi_sha256 ("", 0, digest);
    s_hex (digest, hex);
    assert_string_equal (hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two_blocks =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; // 448 bits: padding spills
    romi_sha256 (two_blocks, strlen (two_blocks), digest);
    s_hex (digest, hex);
    assert_string_equal (hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    static char million[1000000];
    memset (million, 'a', sizeof million);
    romi_sha256 (million, sizeof million, digest);
    s_hex (digest, hex);
    assert_string_equal (hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_derived_keys (void **state)
{
    (void) state;
    if (!zmq_has ("curve"))
        skip ();
    romi_auth_keys_t a, b, c;
    assert_int_equal (romi_auth_derive ("s3cret", &a), 0);
    assert_int_equal (romi_auth_derive ("s3cret", &b), 0);
    assert_int_equal (romi_auth_derive ("s3cret!", &c), 0);
    assert_memory_equal (&a, &b, sizeof a); // deterministic: both ends derive the same keys
    assert_string_not_equal (a.server_public, c.server_public);
    assert_string_not_equal (a.client_public, c.client_public);
    assert_string_not_equal (a.server_public, a.client_public);
    assert_int_equal (strlen (a.server_secret), 40);
    // Each public key is the one of its secret.
    char public_key[41];
    assert_int_equal (zmq_curve_public (public_key, a.client_secret), 0);
    assert_string_equal (public_key, a.client_public);
    assert_int_equal (zmq_curve_public (public_key, a.server_secret), 0);
    assert_string_equal (public_key, a.server_public);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_sha256_vectors),
        cmocka_unit_test (test_derived_keys),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
