// test_reflect.c: reflection over the wire (issue 17): Manager.Reflect answers the .proto files of the types
// asked for with every import, in an order a descriptor pool loads (checked with Python's protobuf too when
// /usr/bin/python3 has it); ListObjects shows live objects with their types, names, references and sessions
// and forgets destroyed ones; Stats counts sessions, objects and calls. Misuse is ROM_INVALID, an unknown
// type ROM_NO_TYPE.
#include "rom_test_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
s_setup (void **state)
{
    *state = rom_test_fixture_start ("ipc", "reflect");
    return 0;
}

static int
s_teardown (void **state)
{
    rom_test_fixture_stop (*state);
    return 0;
}

static const Google__Protobuf__FileDescriptorProto *
s_file (const Google__Protobuf__FileDescriptorSet *set, const char *name, size_t *index)
{
    for (size_t i = 0; i < set->n_file; i++)
        if (strcmp (set->file[i]->name, name) == 0) {
            if (index)
                *index = i;
            return set->file[i];
        }
    return NULL;
}

// Every file's imports are in the set, before it; no file twice.
static void
s_assert_complete (const Google__Protobuf__FileDescriptorSet *set)
{
    for (size_t i = 0; i < set->n_file; i++) {
        size_t at;
        assert_non_null (s_file (set, set->file[i]->name, &at));
        assert_int_equal (at, i);
        for (size_t d = 0; d < set->file[i]->n_dependency; d++) {
            if (!s_file (set, set->file[i]->dependency[d], &at))
                fail_msg ("%s imports %s, not in the set", set->file[i]->name, set->file[i]->dependency[d]);
            assert_true (at < i);
        }
    }
}

static const Google__Protobuf__ServiceDescriptorProto *
s_service (const Google__Protobuf__FileDescriptorProto *file, const char *name)
{
    for (size_t i = 0; i < file->n_service; i++)
        if (strcmp (file->service[i]->name, name) == 0)
            return file->service[i];
    return NULL;
}

// Python's protobuf loads the set as it is and finds `service` with `method`: 0 ok, 77 no Python protobuf.
static int
s_python_loads (const Google__Protobuf__FileDescriptorSet *set, const char *service, const char *method)
{
    if (access ("/usr/bin/python3", X_OK) != 0)
        return 77;
    char path[] = "/tmp/rom_reflect_XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    size_t size = google__protobuf__file_descriptor_set__get_packed_size (set);
    uint8_t *data = malloc (size);
    google__protobuf__file_descriptor_set__pack (set, data);
    assert_int_equal (write (fd, data, size), (ssize_t) size);
    close (fd);
    free (data);
    char command[1024];
    snprintf (command, sizeof command,
              "/usr/bin/python3 -c '\n"
              "import sys\n"
              "try:\n"
              "    from google.protobuf import descriptor_pb2, descriptor_pool\n"
              "except ImportError:\n"
              "    sys.exit(77)\n"
              "s = descriptor_pb2.FileDescriptorSet()\n"
              "s.ParseFromString(open(\"%s\", \"rb\").read())\n"
              "pool = descriptor_pool.DescriptorPool()\n"
              "for f in s.file:\n"
              "    pool.Add(f)\n"
              "svc = pool.FindServiceByName(\"%s\")\n"
              "assert svc.FindMethodByName(\"%s\") is not None\n"
              "for f in s.file:\n"
              "    pool.FindFileByName(f.name)\n"
              "'",
              path, service, method);
    int rc = system (command);
    unlink (path);
    return WIFEXITED (rc) ? WEXITSTATUS (rc) : -1;
}

static void
test_reflect_user_type (void **state)
{
    rom_test_fixture_t *fx = *state;
    const char *types[] = {"test.Tally"};
    Google__Protobuf__FileDescriptorSet *set = NULL;
    rom_status_t status = rom_client_reflect (fx->client, types, 1, &set);
    if (status != ROM_OK)
        fail_msg ("reflect: %s: %s", rom_strerror (status), rom_client_errmsg (fx->client));
    s_assert_complete (set);
    const Google__Protobuf__FileDescriptorProto *test = s_file (set, "test.proto", NULL);
    assert_non_null (test);
    assert_string_equal (set->file[set->n_file - 1]->name, "test.proto");
    assert_non_null (s_file (set, "google/protobuf/empty.proto", NULL));
    assert_non_null (s_file (set, "google/protobuf/struct.proto", NULL));
    assert_non_null (s_file (set, "rom/options.proto", NULL));
    assert_non_null (s_file (set, "google/protobuf/descriptor.proto", NULL));
    assert_null (test->source_code_info);
    const Google__Protobuf__ServiceDescriptorProto *tally = s_service (test, "Tally");
    assert_non_null (tally);
    assert_true (tally->n_method > 0);
    bool init = false;
    for (size_t i = 0; i < test->n_message_type; i++)
        init = init || strcmp (test->message_type[i]->name, "TallyInit") == 0;
    assert_true (init);
    int rc = s_python_loads (set, "test.Tally", tally->method[0]->name);
    if (rc == 77)
        print_message ("no protobuf for /usr/bin/python3: the set was not loaded into a Python pool\n");
    else
        assert_int_equal (rc, 0);
    google__protobuf__file_descriptor_set__free_unpacked (set, NULL);
}

static void
test_reflect_everything (void **state)
{
    rom_test_fixture_t *fx = *state;
    Google__Protobuf__FileDescriptorSet *set = NULL;
    assert_int_equal (rom_client_reflect (fx->client, NULL, 0, &set), ROM_OK);
    s_assert_complete (set);
    // The user's type, a built-in and the manager itself.
    assert_non_null (s_file (set, "test.proto", NULL));
    const Google__Protobuf__FileDescriptorProto *wire = s_file (set, "rom/wire.proto", NULL);
    assert_non_null (wire);
    assert_non_null (s_service (wire, "Manager"));
    bool dict = false;
    for (size_t i = 0; i < set->n_file; i++)
        dict = dict || s_service (set->file[i], "Dict");
    assert_true (dict);
    int rc = s_python_loads (set, "rom.Manager", "Reflect");
    if (rc == 77)
        print_message ("no protobuf for /usr/bin/python3: the set was not loaded into a Python pool\n");
    else
        assert_int_equal (rc, 0);
    google__protobuf__file_descriptor_set__free_unpacked (set, NULL);

    // Two types sharing imports: each file once.
    const char *two[] = {"test.Tally", "rom.builtins.Dict", "test.Tally", "rom.Manager"};
    assert_int_equal (rom_client_reflect (fx->client, two, 4, &set), ROM_OK);
    s_assert_complete (set);
    google__protobuf__file_descriptor_set__free_unpacked (set, NULL);
}

static void
test_reflect_errors (void **state)
{
    rom_test_fixture_t *fx = *state;
    Google__Protobuf__FileDescriptorSet *set = (void *) 1;
    const char *unknown[] = {"test.Tally", "no.Such"};
    assert_int_equal (rom_client_reflect (fx->client, unknown, 2, &set), ROM_NO_TYPE);
    assert_null (set);
    assert_non_null (strstr (rom_client_errmsg (fx->client), "no.Such"));
    assert_int_equal (rom_client_reflect (NULL, NULL, 0, &set), ROM_INVALID);
    assert_int_equal (rom_client_reflect (fx->client, NULL, 0, NULL), ROM_INVALID);
    assert_int_equal (rom_client_reflect (fx->client, NULL, 1, &set), ROM_INVALID);
    const char *null_name[] = {NULL};
    assert_int_equal (rom_client_reflect (fx->client, null_name, 1, &set), ROM_INVALID);
    rom_object_info_t *objects;
    size_t n;
    assert_int_equal (rom_client_objects (NULL, NULL, &objects, &n), ROM_INVALID);
    assert_int_equal (rom_client_objects (fx->client, NULL, NULL, &n), ROM_INVALID);
    assert_int_equal (rom_client_objects (fx->client, NULL, &objects, NULL), ROM_INVALID);
    rom_server_stats_t stats;
    assert_int_equal (rom_client_stats (NULL, &stats), ROM_INVALID);
    assert_int_equal (rom_client_stats (fx->client, NULL), ROM_INVALID);
    rom_object_infos_free (NULL);
}

// A hand-written table: no descriptors (rom_type_t.files NULL).
static const rom_type_t s_bare_type = {.name = "reflect.Bare"};

static rom_status_t
s_register_bare (rom_server_t *server, void *arg)
{
    (void) arg;
    rom_status_t status = rom_server_register (server, &s_bare_type, &s_bare_type, NULL);
    return status == ROM_OK ? rom_test_register (server, NULL) : status;
}

static void
test_reflect_hand_written (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.register_types = s_register_bare};
    rom_manager_t *manager = NULL;
    const char *why = NULL;
    if (rom_manager_start (&opts, &manager, &why) != ROM_OK)
        fail_msg ("manager: %s", why);
    rom_client_t *client = rom_manager_client (manager);
    Google__Protobuf__FileDescriptorSet *set = NULL;
    const char *bare[] = {"reflect.Bare"};
    assert_int_equal (rom_client_reflect (client, bare, 1, &set), ROM_NOT_FOUND);
    assert_non_null (strstr (rom_client_errmsg (client), "reflect.Bare"));
    // Asking for everything leaves it out rather than fail.
    assert_int_equal (rom_client_reflect (client, NULL, 0, &set), ROM_OK);
    s_assert_complete (set);
    assert_non_null (s_file (set, "test.proto", NULL));
    google__protobuf__file_descriptor_set__free_unpacked (set, NULL);
    rom_manager_destroy (&manager);
}

static rom_proxy_t *
s_tally (rom_client_t *client, const char *name)
{
    Test__TallyInit init = TEST__TALLY_INIT__INIT;
    rom_proxy_t *proxy = NULL;
    rom_status_t status = rom_proxy_create (client, &test__tally__rom_type, name, &init.base, 0, &proxy);
    if (status != ROM_OK)
        fail_msg ("create: %s: %s", rom_strerror (status), rom_client_errmsg (client));
    return proxy;
}

static const rom_object_info_t *
s_find (const rom_object_info_t *objects, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (objects[i].id == id)
            return &objects[i];
    return NULL;
}

static void
test_list_objects (void **state)
{
    rom_test_fixture_t *fx = *state;
    rom_proxy_t *named = s_tally (fx->client, "listed");
    rom_proxy_t *anonymous = s_tally (fx->client, NULL);
    rom_client_t *other = rom_test_connect (fx->endpoint);
    rom_proxy_t *shared = NULL;
    assert_int_equal (rom_proxy_lookup (other, &test__tally__rom_type, "listed", &shared), ROM_OK);

    rom_object_info_t *objects = NULL;
    size_t n = 0;
    assert_int_equal (rom_client_objects (fx->client, NULL, &objects, &n), ROM_OK);
    const rom_object_info_t *a = s_find (objects, n, rom_proxy_id (named));
    const rom_object_info_t *b = s_find (objects, n, rom_proxy_id (anonymous));
    assert_non_null (a);
    assert_non_null (b);
    assert_string_equal (a->type, "test.Tally");
    assert_string_equal (a->name, "listed");
    assert_int_equal (a->refs, 2);
    assert_int_equal (a->n_sessions, 2); // both clients'
    assert_true (a->sessions[0] != a->sessions[1]);
    assert_string_equal (b->name, "");
    assert_int_equal (b->refs, 1);
    assert_int_equal (b->n_sessions, 1);
    assert_true (b->sessions[0] == a->sessions[0] || b->sessions[0] == a->sessions[1]);
    for (size_t i = 1; i < n; i++)
        assert_true (objects[i - 1].id < objects[i].id);
    rom_object_infos_free (&objects);
    assert_null (objects);

    // Filtered by type; a type with no object lists nothing.
    assert_int_equal (rom_client_objects (fx->client, "rom.builtins.Dict", &objects, &n), ROM_OK);
    assert_int_equal (n, 0);
    assert_null (objects);

    // Destroyed: gone from the list.
    uint64_t gone = rom_proxy_id (anonymous);
    rom_proxy_destroy (&anonymous);
    assert_int_equal (rom_client_objects (fx->client, "test.Tally", &objects, &n), ROM_OK);
    assert_null (s_find (objects, n, gone));
    assert_non_null (s_find (objects, n, rom_proxy_id (named)));
    rom_object_infos_free (&objects);

    rom_proxy_destroy (&shared);
    rom_client_destroy (&other);
    rom_proxy_destroy (&named);
}

static void
test_stats (void **state)
{
    rom_test_fixture_t *fx = *state;
    rom_server_stats_t before, after;
    assert_int_equal (rom_client_stats (fx->client, &before), ROM_OK);
    assert_int_equal (before.sessions, 1);
    assert_true (before.types > 1); // the built-ins and test.Tally
    assert_true (before.pid > 0 && before.pid != getpid ());
    assert_true (before.calls >= 2); // Hello, this Stats
    assert_int_equal (before.waiting, 0);
#ifdef __linux__
    assert_true (before.rss_bytes > 0);
#endif
    rom_proxy_t *tally = s_tally (fx->client, NULL);
    rom_test_tally_add (tally, 1);
    rom_client_t *other = rom_test_connect (fx->endpoint);
    assert_int_equal (rom_client_stats (fx->client, &after), ROM_OK);
    assert_int_equal (after.sessions, 2);
    assert_int_equal (after.objects, before.objects + 1);
    assert_true (after.calls >= before.calls + 3); // Create, Add, the other's Hello, this Stats
    assert_true (after.uptime_ms >= before.uptime_ms);
    assert_true (after.incarnation == before.incarnation);
    rom_client_destroy (&other);

    // A call parked on the object (Tally.Wait) is a waiting one until the object dies and answers it.
    Test__Number until = TEST__NUMBER__INIT;
    until.value = 1000;
    rom_future_t *future = NULL;
    assert_int_equal (rom_proxy_call_async (tally, TEST__TALLY_METHOD__WAIT, &until.base, &future), ROM_OK);
    assert_int_equal (rom_client_stats (fx->client, &after), ROM_OK);
    assert_int_equal (after.waiting, 1);
    rom_proxy_destroy (&tally);
    assert_int_equal (rom_future_wait (&future, NULL), ROM_CLOSED);
    assert_int_equal (rom_client_stats (fx->client, &after), ROM_OK);
    assert_int_equal (after.waiting, 0);
    assert_int_equal (after.objects, before.objects);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_reflect_user_type, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_reflect_everything, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_reflect_errors, s_setup, s_teardown),
        cmocka_unit_test (test_reflect_hand_written),
        cmocka_unit_test_setup_teardown (test_list_objects, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_stats, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
