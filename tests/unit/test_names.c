// test_names.c: protoc-gen-rom's copy of protobuf-c's naming rules, pinned against what protoc-c 1.4.1
// itself emits (the expected strings were read from protoc-c's output for the same names).
#include "codegen.h"

#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

static void
s_expect (char *got, const char *want)
{
    assert_string_equal (got, want);
    free (got);
}

static void
test_camel_to_lower (void **state)
{
    (void) state;
    s_expect (gen_camel_to_lower ("Increment"), "increment");
    s_expect (gen_camel_to_lower ("MyService"), "my_service");
    s_expect (gen_camel_to_lower ("GetHTTPThing"), "get_httpthing"); // a run of capitals is one word
    s_expect (gen_camel_to_lower ("HTTPRequest"), "httprequest");
    s_expect (gen_camel_to_lower ("V2Ping"), "v2_ping"); // a digit is not upper case
    s_expect (gen_camel_to_lower ("Echo2Go"), "echo2_go");
    s_expect (gen_camel_to_lower ("already_lower"), "already_lower");
    s_expect (gen_camel_to_lower (""), "");
}

static void
test_to_camel (void **state)
{
    (void) state;
    s_expect (gen_to_camel ("bar_baz"), "BarBaz");
    s_expect (gen_to_camel ("demo"), "Demo");
    s_expect (gen_to_camel ("v1"), "V1");
    s_expect (gen_to_camel ("HTTPRequest"), "HTTPRequest");
    s_expect (gen_to_camel ("a__b_"), "AB");
}

static void
test_full_names (void **state)
{
    (void) state;
    s_expect (gen_full_name_to_c (".demo.Counter", "demo", NULL), "Demo__Counter");
    s_expect (gen_full_name_to_lower (".demo.Counter", "demo", NULL), "demo__counter");
    s_expect (gen_full_name_to_c ("foo.bar_baz.HTTPRequest.InnerMsg", "foo.bar_baz", NULL),
              "Foo__BarBaz__HTTPRequest__InnerMsg");
    s_expect (gen_full_name_to_lower ("foo.bar_baz.HTTPRequest.InnerMsg", "foo.bar_baz", NULL),
              "foo__bar_baz__httprequest__inner_msg");
    s_expect (gen_full_name_to_c ("acme.billing.v1.Billing", "acme.billing.v1", NULL),
              "Acme__Billing__V1__Billing");
    s_expect (gen_full_name_to_c ("Outer.Inner", "", NULL), "Outer__Inner"); // no package
    // (pb_c_file).c_package replaces the package part only.
    s_expect (gen_full_name_to_c ("long.pkg.name.Msg", "long.pkg.name", "short"), "Short__Msg");
    s_expect (gen_full_name_to_lower ("Msg", "", "my_lib"), "my_lib__msg");
}

static void
test_files_and_hash (void **state)
{
    (void) state;
    s_expect (gen_strip_proto ("dir/counter.proto"), "dir/counter");
    s_expect (gen_strip_proto ("old.protodevel"), "old");
    s_expect (gen_strip_proto ("noext"), "noext");
    s_expect (gen_file_identifier ("dir/counter.proto"), "dir_2fcounter_2eproto");
    assert_true (gen_is_c_keyword ("do"));
    assert_true (gen_is_c_keyword ("register"));
    assert_true (gen_is_c_keyword ("_Bool"));
    assert_false (gen_is_c_keyword ("init"));
    assert_false (gen_is_c_keyword ("done"));
    // FNV-1a 32: the published test vectors, and never 0 (0 on the wire means "unchecked").
    assert_int_equal (gen_type_hash (""), 0x811c9dc5u);
    assert_int_equal (gen_type_hash ("a"), 0xe40c292cu);
    assert_int_equal (gen_type_hash ("foobar"), 0xbf9cf968u);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_camel_to_lower),
        cmocka_unit_test (test_to_camel),
        cmocka_unit_test (test_full_names),
        cmocka_unit_test (test_files_and_hash),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
