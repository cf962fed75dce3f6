// test_utf8.c: the strict UTF-8 validator (rom_utf8_valid), the walk that checks every string field of a
// decoded message (romi_utf8_check) and the client's retitling of a server's "object N (method M)" texts
// (romi_describe_reply).
#include "rom_private.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rom/builtins/dict.pb-c.h"
#include "rom/builtins/list.pb-c.h"

static bool
s_valid (const char *bytes)
{
    return rom_utf8_valid (bytes, strlen (bytes));
}

static void
test_valid_text (void **state)
{
    (void) state;
    assert_true (s_valid (""));
    assert_true (s_valid ("plain ASCII, longer than eight bytes"));
    assert_true (s_valid ("caf\xc3\xa9"));      // U+00E9
    assert_true (s_valid ("\xe2\x82\xac"));     // U+20AC
    assert_true (s_valid ("\xf0\x9f\x98\x80")); // U+1F600
    assert_true (s_valid ("\xf4\x8f\xbf\xbf")); // U+10FFFF, the last
    assert_true (s_valid ("\xed\x9f\xbf"));     // U+D7FF, just below the surrogates
    assert_true (s_valid ("\xee\x80\x80"));     // U+E000, just above them
    assert_true (s_valid ("12345678\xc3\xa9"
                          "abcdefgh"));       // a sequence between ASCII words
    assert_true (rom_utf8_valid ("a\0b", 3)); // NUL is a character
    assert_true (rom_utf8_valid (NULL, 0));
    assert_false (rom_utf8_valid (NULL, 1));
}

static void
test_invalid_text (void **state)
{
    (void) state;
    assert_false (s_valid ("\x80"));                // a continuation byte alone
    assert_false (s_valid ("abc\xff"));             // never in UTF-8
    assert_false (s_valid ("\xc0\xaf"));            // overlong '/'
    assert_false (s_valid ("\xc1\xbf"));            // overlong
    assert_false (s_valid ("\xe0\x80\xaf"));        // overlong, three bytes
    assert_false (s_valid ("\xe0\x9f\xbf"));        // overlong U+07FF
    assert_false (s_valid ("\xf0\x80\x80\xaf"));    // overlong, four bytes
    assert_false (s_valid ("\xf0\x8f\xbf\xbf"));    // overlong U+FFFF
    assert_false (s_valid ("\xed\xa0\x80"));        // U+D800, a surrogate
    assert_false (s_valid ("\xed\xbf\xbf"));        // U+DFFF
    assert_false (s_valid ("\xf4\x90\x80\x80"));    // U+110000
    assert_false (s_valid ("\xf5\x80\x80\x80"));    // past U+10FFFF
    assert_false (s_valid ("\xc3"));                // truncated
    assert_false (s_valid ("\xe2\x82"));            // truncated
    assert_false (s_valid ("\xe2\x28\xa1"));        // a bad continuation
    assert_false (s_valid ("12345678abcdefg\xc3")); // truncated after the fast path
    assert_false (rom_utf8_valid ("\xc3\xa9", 1));  // the length counts, not the NUL
}

static void
test_message_walk (void **state)
{
    (void) state;
    char field[128] = "";
    Rom__Builtins__Variant key = ROM__BUILTINS__VARIANT__INIT, value = ROM__BUILTINS__VARIANT__INIT;
    Rom__Builtins__DictItem item = ROM__BUILTINS__DICT_ITEM__INIT;
    item.key = &key;
    item.value = &value;
    key.kind_case = ROM__BUILTINS__VARIANT__KIND_STRING_VALUE;
    key.string_value = "k\xc3\xa9";
    value.kind_case = ROM__BUILTINS__VARIANT__KIND_INT_VALUE;
    value.int_value = 1;
    assert_true (romi_utf8_check (&item.base, field, sizeof field));
    key.string_value = "k\xff";
    assert_false (romi_utf8_check (&item.base, field, sizeof field));
    assert_string_equal (field, "key.string_value");
    // Bytes may be anything; a oneof member that is not set is not read (its union holds an int).
    key.kind_case = ROM__BUILTINS__VARIANT__KIND_BYTES_VALUE;
    key.bytes_value.data = (uint8_t *) "\xff";
    key.bytes_value.len = 1;
    assert_true (romi_utf8_check (&item.base, field, sizeof field));
    // Repeated members are named with their index.
    Rom__Builtins__Variant a = ROM__BUILTINS__VARIANT__INIT, b = ROM__BUILTINS__VARIANT__INIT;
    a.kind_case = b.kind_case = ROM__BUILTINS__VARIANT__KIND_STRING_VALUE;
    a.string_value = "fine";
    b.string_value = "\xed\xa0\x80";
    Rom__Builtins__Variant *items[] = {&a, &b};
    Rom__Builtins__VariantList list = ROM__BUILTINS__VARIANT_LIST__INIT;
    list.items = items;
    list.n_items = 2;
    assert_false (romi_utf8_check (&list.base, field, sizeof field));
    assert_string_equal (field, "items[1].string_value");
    b.string_value = "";
    assert_true (romi_utf8_check (&list.base, field, sizeof field));
}

static void
test_describe_reply (void **state)
{
    (void) state;
    char *text = romi_describe_reply ("object 7 (method 1): no such object", "rom.builtins.Dict", 7, "Get");
    assert_string_equal (text, "rom.builtins.Dict#7.Get: no such object");
    free (text);
    // Texts that already name the object, or another object, or with no type known, pass as they are.
    text = romi_describe_reply ("rom.builtins.Dict#7.Get: no key 'x'", "rom.builtins.Dict", 7, "Get");
    assert_string_equal (text, "rom.builtins.Dict#7.Get: no key 'x'");
    free (text);
    text = romi_describe_reply ("object 8 (method 1): gone", "rom.builtins.Dict", 7, "Get");
    assert_string_equal (text, "object 8 (method 1): gone");
    free (text);
    text = romi_describe_reply ("object 7 (method 1): gone", NULL, 7, NULL);
    assert_string_equal (text, "object 7 (method 1): gone");
    free (text);
    text = romi_describe_reply ("object 0 (method 0): no session", "rom.Manager", 0, "Hello");
    assert_string_equal (text, "rom.Manager.Hello: no session");
    free (text);
    text = romi_describe_reply (NULL, "T", 1, "M");
    assert_string_equal (text, "");
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_valid_text),
        cmocka_unit_test (test_invalid_text),
        cmocka_unit_test (test_message_walk),
        cmocka_unit_test (test_describe_reply),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
