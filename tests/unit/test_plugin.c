// Unit tests of protoc-gen-rom as a whole (gen_plugin_run (), codegen/plugin.c) on requests protoc would
// never send, found by fuzz/fuzz_codegen: each is answered with an error in the response, never a crash.
#include "codegen.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

// Run the plugin on `request` and return the response's error (caller frees), NULL when it had none.
static char *
s_run (const gen_request_t *request)
{
    size_t size = google__protobuf__compiler__code_generator_request__get_packed_size (request);
    uint8_t *packed = malloc (size ? size : 1);
    assert_non_null (packed);
    google__protobuf__compiler__code_generator_request__pack (request, packed);
    uint8_t *out = NULL;
    size_t out_size = 0;
    assert_int_equal (gen_plugin_run (packed, size, &out, &out_size), 0);
    free (packed);
    Google__Protobuf__Compiler__CodeGeneratorResponse *response =
        google__protobuf__compiler__code_generator_response__unpack (NULL, out_size, out);
    free (out);
    assert_non_null (response);
    char *error = response->error ? strdup (response->error) : NULL;
    google__protobuf__compiler__code_generator_response__free_unpacked (response, NULL);
    return error;
}

// fuzz_codegen: an rpc without an output type (protoc always names both) was followed as a NULL string in
// the model's type lookup. Now the request is refused, naming what is missing; so are the other names the
// model reads (a service's, an rpc's, a message's), and a complete request still generates.
static void
test_incomplete_request_is_refused (void **state)
{
    (void) state;
    Google__Protobuf__DescriptorProto msg = GOOGLE__PROTOBUF__DESCRIPTOR_PROTO__INIT;
    msg.name = "Num";
    Google__Protobuf__DescriptorProto *msgs[] = {&msg};
    Google__Protobuf__MethodDescriptorProto method = GOOGLE__PROTOBUF__METHOD_DESCRIPTOR_PROTO__INIT;
    method.name = "Add";
    method.input_type = ".demo.Num";
    method.output_type = ".demo.Num";
    Google__Protobuf__MethodDescriptorProto *methods[] = {&method};
    Google__Protobuf__ServiceDescriptorProto svc = GOOGLE__PROTOBUF__SERVICE_DESCRIPTOR_PROTO__INIT;
    svc.name = "Tally";
    svc.n_method = 1;
    svc.method = methods;
    Google__Protobuf__ServiceDescriptorProto *svcs[] = {&svc};
    gen_file_proto_t file = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_PROTO__INIT;
    file.name = "demo.proto";
    file.package = "demo";
    file.syntax = "proto3";
    file.n_message_type = 1;
    file.message_type = msgs;
    file.n_service = 1;
    file.service = svcs;
    gen_file_proto_t *files[] = {&file};
    char *to_generate[] = {"demo.proto"};
    gen_request_t request = GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_REQUEST__INIT;
    request.n_file_to_generate = 1;
    request.file_to_generate = to_generate;
    request.n_proto_file = 1;
    request.proto_file = files;

    char *error = s_run (&request);
    assert_null (error); // complete: generated

    method.output_type = NULL;
    error = s_run (&request);
    assert_non_null (error);
    assert_non_null (strstr (error, "an rpc has no name, input type or output type"));
    free (error);
    method.output_type = ".demo.Num";

    method.name = NULL;
    assert_non_null (error = s_run (&request));
    free (error);
    method.name = "Add";
    svc.name = NULL;
    assert_non_null (error = s_run (&request));
    free (error);
    svc.name = "Tally";
    msg.name = NULL;
    assert_non_null (error = s_run (&request));
    assert_non_null (strstr (error, "a message has no name"));
    free (error);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_incomplete_request_is_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
