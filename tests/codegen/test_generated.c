// test_generated.c: protoc-gen-rom's output exercised, not only compiled. Servants for the services of
// accept/acme/billing/v1/billing.proto (dotted package, imports across folders and of well-known types, maps,
// oneofs, nested enums, keyword fields, rom and user options, three services) and accept/keywords.proto
// (no package, nested messages as rpc types) run in a forked manager; the parent and a forked child call
// them through the generated typed proxies, which refuse a handle of the wrong kind.
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acme/billing/v1/billing.rom.h"
#include "keywords.rom.h"

// --- servants (run in the manager process) -------------------------------------------------------------

// A deep copy through the wire format: the copy is malloc'ed by protobuf-c, freed with free_unpacked.
static void *
s_copy (const ProtobufCMessage *msg)
{
    size_t size = protobuf_c_message_get_packed_size (msg);
    uint8_t *buf = malloc (size ? size : 1);
    protobuf_c_message_pack (msg, buf);
    ProtobufCMessage *copy = protobuf_c_message_unpack (msg->descriptor, NULL, size, buf);
    free (buf);
    return copy;
}

#define MAX_ROWS 64
typedef struct {
    char *tenant;
    Acme__Common__V1__Money__Currency currency;
    Acme__Billing__V1__Customer *customers[MAX_ROWS];
    size_t n_customers;
    Acme__Billing__V1__Invoice *invoices[MAX_ROWS];
    size_t n_invoices;
} billing_t;

static rom_status_t
s_billing_create (void *ctx, const Acme__Billing__V1__BillingInit *args, void **self_p, rom_call_t *call)
{
    (void) ctx;
    if (strcmp (args->tenant, "refused") == 0)
        return rom_call_fail (call, ROM_APP_ERROR, "tenant %s is refused", args->tenant);
    billing_t *self = calloc (1, sizeof *self);
    self->tenant = strdup (args->tenant[0] ? args->tenant : "default");
    self->currency = args->currency;
    *self_p = self;
    return ROM_OK;
}

static void
s_billing_destroy (void *self_)
{
    billing_t *self = self_;
    for (size_t i = 0; i < self->n_customers; i++)
        acme__billing__v1__customer__free_unpacked (self->customers[i], NULL);
    for (size_t i = 0; i < self->n_invoices; i++)
        acme__billing__v1__invoice__free_unpacked (self->invoices[i], NULL);
    free (self->tenant);
    free (self);
}

static rom_status_t
s_create_customer (void *self_, const Acme__Billing__V1__CreateCustomerRequest *in,
                   Acme__Billing__V1__Customer *out, rom_call_t *call)
{
    billing_t *self = self_;
    if (!in->customer || self->n_customers == MAX_ROWS)
        return rom_call_fail (call, ROM_APP_ERROR, "no customer given, or no room");
    Acme__Billing__V1__Customer *customer = s_copy (&in->customer->base);
    if (customer->id != protobuf_c_empty_string) // protobuf-c's shared default for an absent string
        free (customer->id);
    customer->id = malloc (32);
    snprintf (customer->id, 32, "%s-c%zu", self->tenant, self->n_customers + 1);
    self->customers[self->n_customers++] = customer;
    *out = *customer; // borrowed from the object's state until the reply is packed
    return ROM_OK;
}

static Acme__Billing__V1__Customer *
s_find_customer (billing_t *self, const char *id)
{
    for (size_t i = 0; i < self->n_customers; i++)
        if (strcmp (self->customers[i]->id, id) == 0)
            return self->customers[i];
    return NULL;
}

static rom_status_t
s_get_customer (void *self, const Acme__Billing__V1__GetCustomerRequest *in, Acme__Billing__V1__Customer *out,
                rom_call_t *call)
{
    Acme__Billing__V1__Customer *customer = s_find_customer (self, in->id);
    if (!customer)
        return rom_call_fail (call, ROM_APP_ERROR, "no customer %s", in->id);
    *out = *customer;
    return ROM_OK;
}

static Acme__Billing__V1__Invoice *
s_find_invoice (billing_t *self, const char *id)
{
    for (size_t i = 0; i < self->n_invoices; i++)
        if (strcmp (self->invoices[i]->id, id) == 0)
            return self->invoices[i];
    return NULL;
}

static void
s_append_item (Acme__Billing__V1__Invoice *invoice, const Acme__Billing__V1__LineItem *item)
{
    invoice->items = realloc (invoice->items, (invoice->n_items + 1) * sizeof *invoice->items);
    invoice->items[invoice->n_items++] = s_copy (&item->base);
}

static rom_status_t
s_create_invoice (void *self_, const Acme__Billing__V1__CreateInvoiceRequest *in,
                  Acme__Billing__V1__Invoice *out, rom_call_t *call)
{
    billing_t *self = self_;
    if (!s_find_customer (self, in->customer_id))
        return rom_call_fail (call, ROM_APP_ERROR, "no customer %s", in->customer_id);
    Acme__Billing__V1__Invoice draft = ACME__BILLING__V1__INVOICE__INIT;
    char id[32];
    snprintf (id, sizeof id, "inv-%zu", self->n_invoices + 1);
    draft.id = id;
    draft.customer_id = in->customer_id;
    draft.status = ACME__BILLING__V1__INVOICE__STATUS__DRAFT;
    Acme__Billing__V1__Invoice *invoice = s_copy (&draft.base);
    for (size_t i = 0; i < in->n_items; i++)
        s_append_item (invoice, in->items[i]);
    self->invoices[self->n_invoices++] = invoice;
    *out = *invoice;
    return ROM_OK;
}

static rom_status_t
s_add_line_item (void *self, const Acme__Billing__V1__AddLineItemRequest *in, Acme__Billing__V1__Invoice *out,
                 rom_call_t *call)
{
    Acme__Billing__V1__Invoice *invoice = s_find_invoice (self, in->invoice_id);
    if (!invoice || !in->item)
        return rom_call_fail (call, ROM_APP_ERROR, "no invoice %s or no item", in->invoice_id);
    s_append_item (invoice, in->item);
    *out = *invoice;
    return ROM_OK;
}

static rom_status_t
s_get_invoice (void *self, const Acme__Billing__V1__GetInvoiceRequest *in, Acme__Billing__V1__Invoice *out,
               rom_call_t *call)
{
    Acme__Billing__V1__Invoice *invoice = s_find_invoice (self, in->id);
    if (!invoice)
        return rom_call_fail (call, ROM_APP_ERROR, "no invoice %s", in->id);
    *out = *invoice;
    return ROM_OK;
}

static rom_status_t
s_pay_invoice (void *self, const Acme__Billing__V1__PayInvoiceRequest *in, Acme__Billing__V1__Invoice *out,
               rom_call_t *call)
{
    Acme__Billing__V1__Invoice *invoice = s_find_invoice (self, in->id);
    if (!invoice)
        return rom_call_fail (call, ROM_APP_ERROR, "no invoice %s", in->id);
    if (in->method_case != ACME__BILLING__V1__PAY_INVOICE_REQUEST__METHOD_CARD_TOKEN)
        return rom_call_fail (call, ROM_APP_ERROR, "only cards are accepted");
    invoice->status = ACME__BILLING__V1__INVOICE__STATUS__PAID;
    invoice->payment_case = ACME__BILLING__V1__INVOICE__PAYMENT_CARD_TOKEN;
    invoice->card_token = strdup (in->card_token);
    *out = *invoice;
    return ROM_OK;
}

// The reply's map entries live in the call's arena: rom_call_alloc () memory is freed after packing.
static rom_status_t
s_get_stats (void *self_, const Google__Protobuf__Empty *in, Acme__Billing__V1__Stats *out, rom_call_t *call)
{
    (void) in;
    billing_t *self = self_;
    out->invoices = self->n_invoices;
    out->n_by_status = 0;
    out->by_status = rom_call_alloc (call, 2 * sizeof *out->by_status);
    static const char *const names[] = {"draft", "paid"};
    static const Acme__Billing__V1__Invoice__Status values[] = {ACME__BILLING__V1__INVOICE__STATUS__DRAFT,
                                                                ACME__BILLING__V1__INVOICE__STATUS__PAID};
    for (size_t k = 0; k < 2; k++) {
        Acme__Billing__V1__Stats__ByStatusEntry *entry = rom_call_alloc (call, sizeof *entry);
        acme__billing__v1__stats__by_status_entry__init (entry);
        entry->key = rom_call_strdup (call, names[k]);
        for (size_t i = 0; i < self->n_invoices; i++)
            entry->value += self->invoices[i]->status == values[k];
        out->by_status[out->n_by_status++] = entry;
    }
    return ROM_OK;
}

static rom_status_t
s_lookup (void *self_, const Google__Protobuf__StringValue *in, Google__Protobuf__BoolValue *out,
          rom_call_t *call)
{
    (void) call;
    billing_t *self = self_;
    out->value = strcmp (in->value, self->tenant) == 0;
    return ROM_OK;
}

static const Acme__Billing__V1__Billing_Servant s_billing = {
    .rom_create = s_billing_create,
    .rom_destroy = s_billing_destroy,
    .create_customer = s_create_customer,
    .get_customer = s_get_customer,
    // list_customers left NULL on purpose: a call must answer ROM_NO_METHOD
    .create_invoice = s_create_invoice,
    .get_invoice = s_get_invoice,
    .add_line_item = s_add_line_item,
    .pay_invoice = s_pay_invoice,
    .get_stats = s_get_stats,
    .lookup = s_lookup,
};

typedef struct {
    uint64_t seq;
    int64_t by_currency[4];
} ledger_t;

static rom_status_t
s_ledger_create (void *ctx, void **self_p, rom_call_t *call)
{
    (void) ctx;
    (void) call;
    *self_p = calloc (1, sizeof (ledger_t));
    return ROM_OK;
}

static rom_status_t
s_post (void *self_, const Acme__Billing__V1__PostRequest *in, Acme__Billing__V1__PostResponse *out,
        rom_call_t *call)
{
    ledger_t *self = self_;
    for (size_t i = 0; i < in->n_entries; i++) {
        const Acme__Billing__V1__Entry *e = in->entries[i];
        if (!e->amount || e->amount->currency < 0 || e->amount->currency > 3)
            return rom_call_fail (call, ROM_APP_ERROR, "entry %zu has no valid amount", i);
        int64_t sign = e->side == ACME__BILLING__V1__ENTRY__SIDE__CREDIT ? 1 : -1;
        self->by_currency[e->amount->currency] += sign * e->amount->minor_units;
        self->seq++;
    }
    out->last_seq = self->seq;
    return ROM_OK;
}

static rom_status_t
s_get_balance (void *self_, const Acme__Billing__V1__BalanceRequest *in, Acme__Billing__V1__Balance *out,
               rom_call_t *call)
{
    ledger_t *self = self_;
    out->account = rom_call_strdup (call, in->account);
    out->n_by_currency = 1;
    out->by_currency = rom_call_alloc (call, sizeof *out->by_currency);
    Acme__Billing__V1__Balance__ByCurrencyEntry *eur = rom_call_alloc (call, sizeof *eur);
    acme__billing__v1__balance__by_currency_entry__init (eur);
    eur->key = "EUR";
    eur->value = self->by_currency[ACME__COMMON__V1__MONEY__CURRENCY__EUR];
    out->by_currency[0] = eur;
    return ROM_OK;
}

static const Acme__Billing__V1__Ledger_Servant s_ledger = {
    .rom_create = s_ledger_create,
    .rom_destroy = free,
    .post = s_post,
    .get_balance = s_get_balance,
};

static const Acme__Billing__V1__Marker_Servant s_marker = {0};

static rom_status_t
s_get_if (void *self, const Outer__Inner *in, Outer__Inner *out, rom_call_t *call)
{
    (void) self;
    (void) call;
    out->int_ = in->int_ + 1;
    out->char_ = in->char_;
    out->volatile_ = !in->volatile_;
    return ROM_OK;
}

static rom_status_t
s_v2_ping (void *self, const Outer__Inner *in, Outer *out, rom_call_t *call)
{
    (void) self;
    out->float_ = in->int_ * 0.5;
    out->inner = rom_call_alloc (call, sizeof *out->inner);
    outer__inner__init (out->inner);
    out->inner->int_ = in->int_;
    return ROM_OK;
}

static const Echo2Go_Servant s_echo = {.get_if = s_get_if, .v2_ping = s_v2_ping};

static rom_status_t
s_register (rom_server_t *server, void *arg)
{
    (void) arg;
    rom_status_t rc = acme__billing__v1__billing__rom_register (server, &s_billing, NULL);
    if (rc == ROM_OK)
        rc = acme__billing__v1__ledger__rom_register (server, &s_ledger, NULL);
    if (rc == ROM_OK)
        rc = acme__billing__v1__marker__rom_register (server, &s_marker, NULL);
    if (rc == ROM_OK)
        rc = echo2_go__rom_register (server, &s_echo, NULL);
    return rc;
}

// --- tests (the client side) ----------------------------------------------------------------------------

static rom_manager_t *s_manager;

static int
s_setup (void **state)
{
    (void) state;
    rom_manager_opts_t opts = {.register_types = s_register};
    opts.client.call_timeout_ms = 5000;
    const char *why = NULL;
    if (rom_manager_start (&opts, &s_manager, &why) != ROM_OK) {
        fprintf (stderr, "manager: %s\n", why);
        return -1;
    }
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    rom_manager_destroy (&s_manager);
    return 0;
}

// The tables the generator built match the .proto and the runtime's own hash.
static void
test_type_tables (void **state)
{
    (void) state;
    const rom_type_t *billing = &acme__billing__v1__billing__rom_type;
    assert_string_equal (billing->name, "acme.billing.v1.Billing");
    assert_int_equal (billing->hash, rom_type_hash ("acme.billing.v1.Billing"));
    assert_ptr_equal (billing->init, &acme__billing__v1__billing_init__descriptor);
    assert_int_equal (billing->flags, 0);
    assert_int_equal (billing->n_methods, 14);
    assert_string_equal (billing->methods[0].name, "CreateCustomer");
    assert_ptr_equal (billing->methods[0].input, &acme__billing__v1__create_customer_request__descriptor);
    assert_ptr_equal (billing->methods[10].input, &google__protobuf__empty__descriptor);
    assert_string_equal (billing->methods[13].name, "Destroy");

    const rom_type_t *ledger = &acme__billing__v1__ledger__rom_type;
    assert_int_equal (ledger->flags, ROM_TYPE_POOL);
    assert_null (ledger->init);
    assert_int_equal (acme__billing__v1__marker__rom_type.n_methods, 0);
    assert_null (acme__billing__v1__marker__rom_type.methods);
    assert_string_equal (echo2_go__rom_type.name, "Echo2Go");
    assert_ptr_equal (echo2_go__rom_type.methods[0].input, &outer__inner__descriptor);
}

// The embedded .proto files (rom_type_t.files, for Manager.Reflect): billing.proto last, after every file it
// imports, directly or not, each once; each a valid FileDescriptorProto without source info.
static void
test_embedded_descriptors (void **state)
{
    (void) state;
    const rom_files_t *files = acme__billing__v1__billing__rom_type.files;
    assert_non_null (files);
    assert_ptr_equal (acme__billing__v1__ledger__rom_type.files, files); // one table per generated file
    assert_string_equal (files->files[files->n_files - 1].name, "acme/billing/v1/billing.proto");
    const char *imports[] = {"google/protobuf/duration.proto",
                             "google/protobuf/empty.proto",
                             "google/protobuf/timestamp.proto",
                             "google/protobuf/wrappers.proto",
                             "acme/common/v1/money.proto",
                             "acme/options.proto",
                             "rom/options.proto",
                             "google/protobuf/descriptor.proto"};
    for (size_t i = 0; i < sizeof imports / sizeof *imports; i++) {
        size_t found = 0;
        for (size_t f = 0; f < files->n_files; f++)
            found += strcmp (files->files[f].name, imports[i]) == 0;
        if (found != 1)
            fail_msg ("%s is in the table %zu times", imports[i], found);
    }
    for (size_t f = 0; f < files->n_files; f++) {
        Google__Protobuf__FileDescriptorProto *proto = google__protobuf__file_descriptor_proto__unpack (
            NULL, files->files[f].size, files->files[f].data);
        assert_non_null (proto);
        assert_string_equal (proto->name, files->files[f].name);
        assert_null (proto->source_code_info);
        for (size_t d = 0; d < proto->n_dependency; d++) {
            size_t at = files->n_files;
            for (size_t g = 0; g < files->n_files; g++)
                if (strcmp (files->files[g].name, proto->dependency[d]) == 0)
                    at = g;
            assert_true (at < f);
        }
        google__protobuf__file_descriptor_proto__free_unpacked (proto, NULL);
    }
}

static Acme__Billing__V1__Billing_Proxy *
s_new_billing (const char *tenant)
{
    Acme__Billing__V1__BillingInit init = ACME__BILLING__V1__BILLING_INIT__INIT;
    init.tenant = (char *) tenant;
    init.currency = ACME__COMMON__V1__MONEY__CURRENCY__EUR;
    Acme__Billing__V1__Billing_Proxy *billing = NULL;
    rom_client_t *client = rom_manager_client (s_manager);
    assert_int_equal (acme__billing__v1__billing__rom_create (client, &init, &billing), ROM_OK);
    return billing;
}

static void
test_maps_nested_and_imports (void **state)
{
    (void) state;
    Acme__Billing__V1__Billing_Proxy *billing = s_new_billing ("acme");

    Acme__Common__V1__Address address = ACME__COMMON__V1__ADDRESS__INIT;
    char *lines[] = {"1 Main St", "Floor 2"};
    address.n_lines = 2;
    address.lines = lines;
    address.city = "Springfield";
    Acme__Billing__V1__Customer__LabelsEntry tier = ACME__BILLING__V1__CUSTOMER__LABELS_ENTRY__INIT;
    tier.key = "tier";
    tier.value = "gold";
    Acme__Billing__V1__Customer__LabelsEntry *labels[] = {&tier};
    Google__Protobuf__Timestamp created = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    created.seconds = 1700000000;
    Acme__Billing__V1__Customer customer = ACME__BILLING__V1__CUSTOMER__INIT;
    customer.display_name = "Ada";
    customer.address = &address;
    customer.n_labels = 1;
    customer.labels = labels;
    customer.created = &created;
    Acme__Billing__V1__CreateCustomerRequest req = ACME__BILLING__V1__CREATE_CUSTOMER_REQUEST__INIT;
    req.customer = &customer;

    Acme__Billing__V1__Customer *made = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__create_customer (billing, &req, &made), ROM_OK);
    assert_string_equal (made->id, "acme-c1");
    Acme__Billing__V1__GetCustomerRequest get = ACME__BILLING__V1__GET_CUSTOMER_REQUEST__INIT;
    get.id = made->id;
    Acme__Billing__V1__Customer *got = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__get_customer (billing, &get, &got), ROM_OK);
    assert_string_equal (got->display_name, "Ada");
    assert_int_equal (got->address->n_lines, 2);
    assert_string_equal (got->address->lines[1], "Floor 2");
    assert_int_equal (got->n_labels, 1);
    assert_string_equal (got->labels[0]->key, "tier");
    assert_string_equal (got->labels[0]->value, "gold");
    assert_int_equal (got->created->seconds, 1700000000);
    acme__billing__v1__customer__free_unpacked (got, NULL);
    acme__billing__v1__customer__free_unpacked (made, NULL);

    // The servant's own error text reaches the caller, prefixed with the object and method.
    get.id = "nobody";
    got = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__get_customer (billing, &get, &got), ROM_APP_ERROR);
    assert_null (got);
    const char *why = rom_client_errmsg (rom_manager_client (s_manager));
    assert_non_null (strstr (why, "no customer nobody"));
    assert_non_null (strstr (why, "GetCustomer"));
    acme__billing__v1__billing__rom_destroy (&billing);
    assert_null (billing);
}

static void
test_oneof_keywords_and_enums (void **state)
{
    (void) state;
    Acme__Billing__V1__Billing_Proxy *billing = s_new_billing ("kw");
    Acme__Billing__V1__Customer customer = ACME__BILLING__V1__CUSTOMER__INIT;
    Acme__Billing__V1__CreateCustomerRequest req = ACME__BILLING__V1__CREATE_CUSTOMER_REQUEST__INIT;
    req.customer = &customer;
    assert_int_equal (acme__billing__v1__billing_proxy__create_customer (billing, &req, NULL), ROM_OK);

    Acme__Common__V1__Money price = ACME__COMMON__V1__MONEY__INIT;
    price.currency = ACME__COMMON__V1__MONEY__CURRENCY__CNY;
    price.minor_units = 1250;
    Acme__Billing__V1__LineItem item = ACME__BILLING__V1__LINE_ITEM__INIT;
    item.sku = "widget";
    item.kind = ACME__BILLING__V1__LINE_ITEM__KIND__PRODUCT;
    item.quantity = 3;
    item.unit_price = &price;
    item.default_ = 1;
    item.struct_ = "keyword field";
    item.switch_ = -7;
    Acme__Billing__V1__LineItem *items[] = {&item};
    Acme__Billing__V1__CreateInvoiceRequest create = ACME__BILLING__V1__CREATE_INVOICE_REQUEST__INIT;
    create.customer_id = "kw-c1";
    create.n_items = 1;
    create.items = items;
    Acme__Billing__V1__Invoice *invoice = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__create_invoice (billing, &create, &invoice), ROM_OK);
    assert_int_equal (invoice->status, ACME__BILLING__V1__INVOICE__STATUS__DRAFT);
    assert_int_equal (invoice->n_items, 1);
    assert_true (invoice->items[0]->default_);
    assert_string_equal (invoice->items[0]->struct_, "keyword field");
    assert_int_equal (invoice->items[0]->switch_, -7);
    assert_int_equal (invoice->items[0]->unit_price->currency, ACME__COMMON__V1__MONEY__CURRENCY__CNY);

    // One-way, then async: ordered on the client, so the async reply sees the one-way's effect.
    Acme__Billing__V1__AddLineItemRequest add = ACME__BILLING__V1__ADD_LINE_ITEM_REQUEST__INIT;
    add.invoice_id = invoice->id;
    add.item = &item;
    assert_int_equal (acme__billing__v1__billing_proxy__add_line_item_oneway (billing, &add), ROM_OK);
    Acme__Billing__V1__GetInvoiceRequest get = ACME__BILLING__V1__GET_INVOICE_REQUEST__INIT;
    get.id = invoice->id;
    rom_future_t *future = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__get_invoice_async (billing, &get, &future), ROM_OK);
    ProtobufCMessage *reply = NULL;
    assert_int_equal (rom_future_wait (&future, &reply), ROM_OK);
    assert_null (future);
    assert_ptr_equal (reply->descriptor, &acme__billing__v1__invoice__descriptor);
    assert_int_equal (((Acme__Billing__V1__Invoice *) reply)->n_items, 2);
    protobuf_c_message_free_unpacked (reply, NULL);

    Acme__Billing__V1__PayInvoiceRequest pay = ACME__BILLING__V1__PAY_INVOICE_REQUEST__INIT;
    pay.id = invoice->id;
    pay.method_case = ACME__BILLING__V1__PAY_INVOICE_REQUEST__METHOD_IBAN;
    pay.iban = "DE00";
    assert_int_equal (acme__billing__v1__billing_proxy__pay_invoice (billing, &pay, NULL), ROM_APP_ERROR);
    pay.method_case = ACME__BILLING__V1__PAY_INVOICE_REQUEST__METHOD_CARD_TOKEN;
    pay.card_token = "tok_1";
    Acme__Billing__V1__Invoice *paid = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__pay_invoice (billing, &pay, &paid), ROM_OK);
    assert_int_equal (paid->status, ACME__BILLING__V1__INVOICE__STATUS__PAID);
    assert_int_equal (paid->payment_case, ACME__BILLING__V1__INVOICE__PAYMENT_CARD_TOKEN);
    assert_string_equal (paid->card_token, "tok_1");
    acme__billing__v1__invoice__free_unpacked (paid, NULL);
    acme__billing__v1__invoice__free_unpacked (invoice, NULL);

    Acme__Billing__V1__Stats *stats = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__get_stats (billing, NULL, &stats), ROM_OK);
    assert_int_equal (stats->invoices, 1);
    assert_int_equal (stats->n_by_status, 2);
    assert_string_equal (stats->by_status[1]->key, "paid");
    assert_int_equal (stats->by_status[1]->value, 1);
    acme__billing__v1__stats__free_unpacked (stats, NULL);
    acme__billing__v1__billing__rom_destroy (&billing);
}

static void
test_rpc_names_like_lifecycle_words (void **state)
{
    (void) state;
    Acme__Billing__V1__Billing_Proxy *billing = s_new_billing ("names");
    Google__Protobuf__StringValue name = GOOGLE__PROTOBUF__STRING_VALUE__INIT;
    name.value = "names";
    Google__Protobuf__BoolValue *found = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__lookup (billing, &name, &found), ROM_OK);
    assert_true (found->value);
    google__protobuf__bool_value__free_unpacked (found, NULL);
    // Create and Destroy are rpcs here; this server leaves them (and ListCustomers) unimplemented.
    assert_int_equal (acme__billing__v1__billing_proxy__create (billing, NULL, NULL), ROM_NO_METHOD);
    assert_non_null (strstr (rom_client_errmsg (rom_manager_client (s_manager)), "not implemented"));
    assert_int_equal (acme__billing__v1__billing_proxy__destroy (billing, NULL, NULL), ROM_NO_METHOD);
    assert_int_equal (acme__billing__v1__billing_proxy__list_customers (billing, NULL, NULL), ROM_NO_METHOD);
    acme__billing__v1__billing__rom_destroy (&billing);
}

static void
test_constructor_refusal_and_named_objects (void **state)
{
    (void) state;
    rom_client_t *client = rom_manager_client (s_manager);
    Acme__Billing__V1__BillingInit init = ACME__BILLING__V1__BILLING_INIT__INIT;
    init.tenant = "refused";
    Acme__Billing__V1__Billing_Proxy *billing = NULL;
    assert_int_equal (acme__billing__v1__billing__rom_create (client, &init, &billing), ROM_APP_ERROR);
    assert_null (billing);
    assert_non_null (strstr (rom_client_errmsg (client), "tenant refused is refused"));

    // NULL args: the constructor sees a default message (tenant "" -> "default").
    assert_int_equal (acme__billing__v1__billing__rom_create_named (client, "shared-billing", NULL, 0,
                                                                    &billing),
                      ROM_OK);
    Acme__Billing__V1__Billing_Proxy *again = NULL;
    assert_int_equal (acme__billing__v1__billing__rom_create_named (client, "shared-billing", NULL, 0,
                                                                    &again),
                      ROM_EXISTS);
    assert_int_equal (acme__billing__v1__billing__rom_create_named (client, "shared-billing", NULL,
                                                                    ROM_CREATE_EXIST_OK, &again),
                      ROM_OK);
    assert_int_equal (rom_proxy_id (acme__billing__v1__billing__rom_base (again)),
                      rom_proxy_id (acme__billing__v1__billing__rom_base (billing)));
    acme__billing__v1__billing__rom_destroy (&again);

    Acme__Billing__V1__Ledger_Proxy *wrong = NULL;
    assert_int_equal (acme__billing__v1__ledger__rom_lookup (client, "shared-billing", &wrong),
                      ROM_WRONG_TYPE);
    Acme__Billing__V1__Billing_Proxy *found = NULL;
    assert_int_equal (acme__billing__v1__billing__rom_lookup (client, "shared-billing", &found), ROM_OK);
    Google__Protobuf__StringValue name = GOOGLE__PROTOBUF__STRING_VALUE__INIT;
    name.value = "default";
    Google__Protobuf__BoolValue *is_default = NULL;
    assert_int_equal (acme__billing__v1__billing_proxy__lookup (found, &name, &is_default), ROM_OK);
    assert_true (is_default->value);
    google__protobuf__bool_value__free_unpacked (is_default, NULL);
    Acme__Billing__V1__Billing_Proxy *copy = NULL;
    assert_int_equal (acme__billing__v1__billing__rom_dup (found, &copy), ROM_OK);
    acme__billing__v1__billing__rom_destroy (&found);
    acme__billing__v1__billing__rom_destroy (&copy);
    acme__billing__v1__billing__rom_destroy (&billing);
}

// The generated async creation: with creation arguments (a refusal comes back through the wait) and without.
static void
test_create_async_wrappers (void **state)
{
    (void) state;
    rom_client_t *client = rom_manager_client (s_manager);
    Acme__Billing__V1__BillingInit refused = ACME__BILLING__V1__BILLING_INIT__INIT, fine = refused;
    refused.tenant = "refused";
    fine.tenant = "async";
    rom_future_t *futures[3] = {NULL};
    assert_int_equal (acme__billing__v1__billing__rom_create_async (client, &refused, &futures[0]), ROM_OK);
    assert_int_equal (acme__billing__v1__billing__rom_create_async (client, &fine, &futures[1]), ROM_OK);
    assert_int_equal (acme__billing__v1__marker__rom_create_async (client, &futures[2]), ROM_OK);
    Acme__Billing__V1__Billing_Proxy *billing = (Acme__Billing__V1__Billing_Proxy *) 1;
    assert_int_equal (acme__billing__v1__billing__rom_create_wait (&futures[0], &billing), ROM_APP_ERROR);
    assert_null (billing);
    assert_null (futures[0]);
    assert_non_null (strstr (rom_client_errmsg (client), "tenant refused is refused"));
    assert_int_equal (acme__billing__v1__billing__rom_create_wait (&futures[1], &billing), ROM_OK);
    Acme__Billing__V1__Marker_Proxy *marker = NULL;
    assert_int_equal (acme__billing__v1__marker__rom_create_wait (&futures[2], &marker), ROM_OK);
    assert_int_not_equal (rom_proxy_id (acme__billing__v1__billing__rom_base (billing)),
                          rom_proxy_id (acme__billing__v1__marker__rom_base (marker)));
    acme__billing__v1__billing__rom_destroy (&billing);
    acme__billing__v1__marker__rom_destroy (&marker);
}

// Every generated function taking a proxy checks it against its own service (issue 12): a proxy of another
// service of the same file, a client cast to a proxy and NULL are ROM_INVALID, never followed; the refused
// destroy leaves the handle alone; a NULL out-pointer is refused by the runtime.
static void
test_wrong_kind_of_proxy (void **state)
{
    (void) state;
    rom_client_t *client = rom_manager_client (s_manager);
    Acme__Billing__V1__Marker_Proxy *marker = NULL;
    assert_int_equal (acme__billing__v1__marker__rom_create (client, &marker), ROM_OK);
    Acme__Billing__V1__Billing_Proxy *as_billing = (Acme__Billing__V1__Billing_Proxy *) marker;
    Google__Protobuf__StringValue name = GOOGLE__PROTOBUF__STRING_VALUE__INIT;
    Google__Protobuf__BoolValue *found = (Google__Protobuf__BoolValue *) &name; // must become NULL
    assert_int_equal (acme__billing__v1__billing_proxy__lookup (as_billing, &name, &found), ROM_INVALID);
    assert_null (found);
    assert_non_null (strstr (rom_client_errmsg (NULL), "acme.billing.v1.Billing"));
    rom_future_t *future = (rom_future_t *) &name;
    assert_int_equal (acme__billing__v1__billing_proxy__lookup_async (as_billing, &name, &future),
                      ROM_INVALID);
    assert_null (future);
    assert_int_equal (acme__billing__v1__billing_proxy__lookup_oneway (as_billing, &name), ROM_INVALID);
    Acme__Billing__V1__Billing_Proxy *copy = as_billing;
    assert_int_equal (acme__billing__v1__billing__rom_dup (as_billing, &copy), ROM_INVALID);
    assert_null (copy);
    assert_null (acme__billing__v1__billing__rom_base (as_billing));
    acme__billing__v1__billing__rom_destroy (&as_billing);
    assert_ptr_equal (as_billing, (Acme__Billing__V1__Billing_Proxy *) marker);
    Acme__Billing__V1__Ledger_Proxy *from_client = (Acme__Billing__V1__Ledger_Proxy *) client;
    assert_int_equal (acme__billing__v1__ledger_proxy__get_balance (from_client, NULL, NULL), ROM_INVALID);
    assert_int_equal (acme__billing__v1__ledger_proxy__get_balance (NULL, NULL, NULL), ROM_INVALID);
    acme__billing__v1__ledger__rom_destroy (NULL);
    Acme__Billing__V1__Ledger_Proxy *none = NULL;
    acme__billing__v1__ledger__rom_destroy (&none);
    assert_int_equal (acme__billing__v1__ledger__rom_create (client, NULL), ROM_INVALID);
    assert_int_equal (acme__billing__v1__ledger__rom_create (NULL, &none), ROM_INVALID);
    assert_null (none);
    // The marker itself is untouched by all of this.
    Acme__Billing__V1__Marker_Proxy *dup = NULL;
    assert_int_equal (acme__billing__v1__marker__rom_dup (marker, &dup), ROM_OK);
    acme__billing__v1__marker__rom_destroy (&dup);
    acme__billing__v1__marker__rom_destroy (&marker);
    assert_null (marker);
}

// A pool type (rom.pool) and a type without methods, used from a forked child through proxies and tokens
// made by the parent.
static void
test_pool_type_and_child_process (void **state)
{
    (void) state;
    rom_client_t *client = rom_manager_client (s_manager);
    Acme__Billing__V1__Ledger_Proxy *ledger = NULL;
    assert_int_equal (acme__billing__v1__ledger__rom_create (client, &ledger), ROM_OK);
    Acme__Billing__V1__Marker_Proxy *marker = NULL;
    assert_int_equal (acme__billing__v1__marker__rom_create (client, &marker), ROM_OK);
    char *token = rom_proxy_to_token (acme__billing__v1__ledger__rom_base (ledger));
    assert_non_null (token);

    fflush (NULL);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        // The child's own client, from the token alone, as a process started with exec would.
        Acme__Billing__V1__Ledger_Proxy *mine = NULL;
        int bad = acme__billing__v1__ledger__rom_from_token (NULL, token, &mine) != ROM_OK;
        Acme__Common__V1__Money amount = ACME__COMMON__V1__MONEY__INIT;
        amount.currency = ACME__COMMON__V1__MONEY__CURRENCY__EUR;
        amount.minor_units = 500;
        Acme__Billing__V1__Entry entry = ACME__BILLING__V1__ENTRY__INIT;
        entry.side = ACME__BILLING__V1__ENTRY__SIDE__CREDIT;
        entry.amount = &amount;
        Acme__Billing__V1__Entry *entries[] = {&entry, &entry};
        Acme__Billing__V1__PostRequest post = ACME__BILLING__V1__POST_REQUEST__INIT;
        post.n_entries = 2;
        post.entries = entries;
        Acme__Billing__V1__PostResponse *done = NULL;
        bad = bad || acme__billing__v1__ledger_proxy__post (mine, &post, &done) != ROM_OK
              || done->last_seq != 2;
        if (done)
            acme__billing__v1__post_response__free_unpacked (done, NULL);
        acme__billing__v1__ledger__rom_destroy (&mine);
        _exit (bad);
    }
    int status = 0;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    free (token);

    Acme__Billing__V1__BalanceRequest ask = ACME__BILLING__V1__BALANCE_REQUEST__INIT;
    ask.account = "main";
    Acme__Billing__V1__Balance *balance = NULL;
    assert_int_equal (acme__billing__v1__ledger_proxy__get_balance (ledger, &ask, &balance), ROM_OK);
    assert_string_equal (balance->account, "main");
    assert_int_equal (balance->n_by_currency, 1);
    assert_int_equal (balance->by_currency[0]->value, 1000);
    acme__billing__v1__balance__free_unpacked (balance, NULL);
    acme__billing__v1__ledger__rom_destroy (&ledger);
    acme__billing__v1__marker__rom_destroy (&marker);
}

static void
test_no_package_nested_types (void **state)
{
    (void) state;
    Echo2Go_Proxy *echo = NULL;
    assert_int_equal (echo2_go__rom_create (rom_manager_client (s_manager), &echo), ROM_OK);
    Outer__Inner in = OUTER__INNER__INIT;
    in.int_ = 41;
    in.char_ = "c";
    Outer__Inner *out = NULL;
    assert_int_equal (echo2_go_proxy__get_if (echo, &in, &out), ROM_OK);
    assert_int_equal (out->int_, 42);
    assert_string_equal (out->char_, "c");
    assert_true (out->volatile_);
    protobuf_c_message_free_unpacked (&out->base, NULL); // nested: no typed helper
    Outer *outer = NULL;
    assert_int_equal (echo2_go_proxy__v2_ping (echo, &in, &outer), ROM_OK);
    assert_true (outer->float_ == 20.5);
    assert_int_equal (outer->inner->int_, 41);
    outer__free_unpacked (outer, NULL);
    assert_int_equal (echo2_go_proxy__echo (echo, NULL, NULL), ROM_NO_METHOD);
    echo2_go__rom_destroy (&echo);
}

// The generated method index enums name the rows of the type tables, in rpc order, and are what the generic
// API takes: a call through rom_proxy_call () with the enum reaches the same servant method as the typed one.
_Static_assert (ACME__BILLING__V1__BILLING_N_METHODS == 14, "one index per rpc");
_Static_assert (ACME__BILLING__V1__MARKER_N_METHODS == 0, "a service without rpcs counts none");

static void
test_method_index_enum (void **state)
{
    (void) state;
    const rom_type_t *billing = &acme__billing__v1__billing__rom_type;
    assert_int_equal (billing->n_methods, ACME__BILLING__V1__BILLING_N_METHODS);
    assert_int_equal (ACME__BILLING__V1__BILLING_METHOD__CREATE_CUSTOMER, 0);
    assert_string_equal (billing->methods[ACME__BILLING__V1__BILLING_METHOD__CREATE_CUSTOMER].name,
                         "CreateCustomer");
    assert_string_equal (billing->methods[ACME__BILLING__V1__BILLING_METHOD__GET_STATS].name, "GetStats");
    assert_string_equal (billing->methods[ACME__BILLING__V1__BILLING_METHOD__DESTROY].name, "Destroy");
    assert_int_equal (ACME__BILLING__V1__BILLING_METHOD__DESTROY, ACME__BILLING__V1__BILLING_N_METHODS - 1);
    assert_int_equal (acme__billing__v1__ledger__rom_type.n_methods, ACME__BILLING__V1__LEDGER_N_METHODS);
    assert_string_equal (
        acme__billing__v1__ledger__rom_type.methods[ACME__BILLING__V1__LEDGER_METHOD__GET_BALANCE].name,
        "GetBalance");
    // No package, an rpc name with a digit: the enum follows protoc-c's lower-case name (v2_ping).
    assert_int_equal (echo2_go__rom_type.n_methods, ECHO2_GO_N_METHODS);
    assert_string_equal (echo2_go__rom_type.methods[ECHO2_GO_METHOD__V2_PING].name, "V2Ping");

    Echo2Go_Proxy *echo = NULL;
    assert_int_equal (echo2_go__rom_create (rom_manager_client (s_manager), &echo), ROM_OK);
    rom_proxy_t *base = echo2_go__rom_base (echo);
    assert_non_null (base);
    Outer__Inner in = OUTER__INNER__INIT;
    in.int_ = 6;
    in.char_ = "x";
    ProtobufCMessage *reply = NULL;
    assert_int_equal (rom_proxy_call (base, ECHO2_GO_METHOD__GET_IF, &in.base, &reply), ROM_OK);
    assert_ptr_equal (reply->descriptor, &outer__inner__descriptor);
    assert_int_equal (((Outer__Inner *) reply)->int_, 7);
    assert_string_equal (((Outer__Inner *) reply)->char_, "x");
    protobuf_c_message_free_unpacked (reply, NULL);
    reply = NULL;
    assert_int_equal (rom_proxy_call (base, ECHO2_GO_METHOD__V2_PING, &in.base, &reply), ROM_OK);
    assert_ptr_equal (reply->descriptor, &outer__descriptor);
    assert_int_equal (((Outer *) reply)->inner->int_, 6);
    protobuf_c_message_free_unpacked (reply, NULL);
    rom_future_t *future = NULL;
    assert_int_equal (rom_proxy_call_async (base, ECHO2_GO_METHOD__GET_IF, &in.base, &future), ROM_OK);
    reply = NULL;
    assert_int_equal (rom_future_wait (&future, &reply), ROM_OK);
    assert_int_equal (((Outer__Inner *) reply)->int_, 7);
    protobuf_c_message_free_unpacked (reply, NULL);
    // Unimplemented by the servant (NULL member), and past the end of the table.
    assert_int_equal (rom_proxy_call (base, ECHO2_GO_METHOD__ECHO, NULL, NULL), ROM_NO_METHOD);
    assert_int_equal (rom_proxy_call (base, ECHO2_GO_N_METHODS, NULL, NULL), ROM_NO_METHOD);
    echo2_go__rom_destroy (&echo);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_type_tables),
        cmocka_unit_test (test_embedded_descriptors),
        cmocka_unit_test (test_maps_nested_and_imports),
        cmocka_unit_test (test_oneof_keywords_and_enums),
        cmocka_unit_test (test_rpc_names_like_lifecycle_words),
        cmocka_unit_test (test_constructor_refusal_and_named_objects),
        cmocka_unit_test (test_create_async_wrappers),
        cmocka_unit_test (test_wrong_kind_of_proxy),
        cmocka_unit_test (test_pool_type_and_child_process),
        cmocka_unit_test (test_no_package_nested_types),
        cmocka_unit_test (test_method_index_enum),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
