#!/usr/bin/python3
# make_seeds.py: writes the seed corpora of fuzz/corpus/<target>/ (committed; run again after a wire change):
# real sessions as the targets' framing carries them (fuzz_common.h), built from rom's own IDL with Debian's
# python3-protobuf, and for fuzz_codegen the CodeGeneratorRequests protoc itself hands a plugin, captured for
# every .proto in the repository. Usage: fuzz/make_seeds.py (from anywhere; needs protoc and python3-protobuf).
import glob
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
PROTOBUF_INCLUDE = "/usr/include"
PROTOCOL_VERSION = 2  # ROM_PROTOCOL_VERSION (runtime/src/rom_private.h)
BATCH_OK, ONEWAY = 2, 1  # rom.CallFlags

tmp = tempfile.mkdtemp(prefix="rom-seeds-")
protos = ["rom/wire.proto", "rom/options.proto", "rom/state.proto"] + sorted(
    os.path.relpath(p, os.path.join(ROOT, "idl")) for p in glob.glob(os.path.join(ROOT, "idl/rom/builtins/*.proto")))
subprocess.check_call(["protoc", "-I", os.path.join(ROOT, "idl"), "-I", PROTOBUF_INCLUDE, "--python_out", tmp] + protos)
subprocess.check_call(["protoc", "-I", os.path.join(ROOT, "tests/integration/proto"), "-I", os.path.join(ROOT, "idl"),
                       "-I", PROTOBUF_INCLUDE,
                       "--python_out", tmp, "test.proto"])
sys.path.insert(0, tmp)
from google.protobuf.compiler import plugin_pb2  # noqa: E402
from google.protobuf import descriptor_pool, empty_pb2, struct_pb2, message_factory  # noqa: E402
from rom import wire_pb2  # noqa: E402
from rom.builtins import dict_pb2, list_pb2, queue_pb2, sync_pb2, variant_pb2  # noqa: E402
import rom.builtins  # noqa: E402,F401
import test_pb2  # noqa: E402

for mod in glob.glob(os.path.join(tmp, "rom/builtins/*_pb2.py")):
    __import__("rom.builtins." + os.path.basename(mod)[:-3])
pool = descriptor_pool.Default()


def msg_class(desc):
    return message_factory.GetMessageClass(desc) if hasattr(message_factory, "GetMessageClass") \
        else message_factory.MessageFactory(pool).GetPrototype(desc)


def method(service, name):
    """(index, input class) of rpc `name` of `service` (full name)."""
    m = pool.FindServiceByName(service).methods_by_name[name]
    return m.index, msg_class(m.input_type)


def frames_message(frames, control=0):
    out = bytes([control | (len(frames) - 1)])
    for f in frames:
        out += struct.pack("<H", len(f)) + f
    return out


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- fuzz_dispatch: sessions ---------------------------------------------------------------------------------

class Session:
    """Messages of one recorded session: hello first, calls naming session placeholder 1 (fuzz_dispatch.c)."""

    def __init__(self):
        self.out = b""
        self.call_id = 0
        self.next_object = 1  # ids start at 1 in a fresh server

    def raw(self, frames, control=0):
        self.out += frames_message(frames, control)

    def call(self, obj, meth, payload=b"", session=1, flags=BATCH_OK, timeout=0, control=0, incarnation=0,
             version=PROTOCOL_VERSION, type_hash=0):
        self.call_id += 1
        h = wire_pb2.CallHeader(version=version, call_id=self.call_id, object_id=obj, method=meth,
                                session=session, flags=flags, timeout_ms=timeout, incarnation=incarnation,
                                type_hash=type_hash)
        self.raw([h.SerializeToString(), payload], control)

    def hello(self, join=0):
        self.call(0, 0, wire_pb2.HelloRequest(version=PROTOCOL_VERSION, pid=1, join=join,
                                              secret=0).SerializeToString(), session=0)

    def manager(self, name, msg):
        idx, _ = method("rom.Manager", name)
        self.call(0, idx, msg.SerializeToString())

    def create(self, type_name, args=b"", name=""):
        self.manager("Create", wire_pb2.CreateRequest(type=type_name, args=args, name=name))
        obj = self.next_object
        self.next_object += 1
        return obj

    def invoke(self, obj, service, name, msg=None, **kw):
        idx, cls = method(service, name)
        self.call(obj, idx, (msg if msg is not None else cls()).SerializeToString(), **kw)


V = variant_pb2.Variant
seeds = {}

s = Session()
s.hello()
s.manager("Ping", empty_pb2.Empty())
s.manager("Stats", empty_pb2.Empty())
s.manager("ListObjects", msg_class(pool.FindMessageTypeByName("rom.ListObjectsRequest"))())
s.manager("Reflect", msg_class(pool.FindMessageTypeByName("rom.ReflectRequest"))())
s.manager("Goodbye", empty_pb2.Empty())
seeds["manager"] = s

s = Session()
s.hello()
d = s.create("rom.builtins.Dict", dict_pb2.DictItems(items=[dict_pb2.DictItem(key=V(string_value="a"),
                                                                              value=V(int_value=1))]).SerializeToString())
s.invoke(d, "rom.builtins.Dict", "Set", dict_pb2.DictItem(key=V(int_value=3), value=V(string_value="x")))
s.invoke(d, "rom.builtins.Dict", "Get", dict_pb2.DictKey(key=V(int_value=3)))
s.invoke(d, "rom.builtins.Dict", "Increment", dict_pb2.DictItem(key=V(string_value="a"), value=V(int_value=5)))
for m in ("Keys", "Values", "Items", "Len", "PopItem"):
    s.invoke(d, "rom.builtins.Dict", m)
s.invoke(d, "rom.builtins.Dict", "Iter")
s.manager("Release", wire_pb2.RefRequest(id=d))
seeds["dict"] = s

s = Session()
s.hello()
lst = s.create("rom.builtins.List")
for i in range(3):
    s.invoke(lst, "rom.builtins.List", "Append", V(int_value=i * 7 - 3), control=4)  # handled together: a batch
s.invoke(lst, "rom.builtins.List", "Append", V(double_value=2.5))
s.invoke(lst, "rom.builtins.List", "Sort")
s.invoke(lst, "rom.builtins.List", "GetSlice")
s.invoke(lst, "rom.builtins.List", "Pop")
s.invoke(lst, "rom.builtins.List", "Reverse")
s.invoke(lst, "rom.builtins.List", "Imul", None)
s.invoke(lst, "rom.builtins.List", "Len")
seeds["list"] = s

s = Session()
s.hello()
q = s.create("rom.builtins.Queue", queue_pb2.QueueInit(maxsize=2).SerializeToString())
_, Put = method("rom.builtins.Queue", "Put")
_, Get = method("rom.builtins.Queue", "Get")
s.invoke(q, "rom.builtins.Queue", "Get", timeout=60000)  # parked
put = Put()
put.nowait = True
s.invoke(q, "rom.builtins.Queue", "Put", put)  # completes the get
s.invoke(q, "rom.builtins.Queue", "Get", Get(nowait=True))
s.invoke(q, "rom.builtins.Queue", "Qsize")
s.invoke(q, "rom.builtins.Queue", "Get", timeout=60000)  # still waiting when the server goes
seeds["queue"] = s

s = Session()
s.hello()
lk = s.create("rom.builtins.Lock")
s.invoke(lk, "rom.builtins.Lock", "Acquire", sync_pb2.AcquireRequest(thread=1))
s.invoke(lk, "rom.builtins.Lock", "Acquire", sync_pb2.AcquireRequest(thread=2), timeout=60000)
s.invoke(lk, "rom.builtins.Lock", "State", sync_pb2.OwnerRequest(thread=1))
s.invoke(lk, "rom.builtins.Lock", "Release", sync_pb2.OwnerRequest(thread=1))
s.invoke(lk, "rom.builtins.Lock", "Release", sync_pb2.OwnerRequest(thread=2))
seeds["lock"] = s

s = Session()
s.hello()
t = s.create("test.Tally", test_pb2.TallyInit(start=5).SerializeToString())
s.invoke(t, "test.Tally", "Add", test_pb2.Number(value=3))
s.invoke(t, "test.Tally", "Wait", test_pb2.Number(value=100), timeout=60000)
s.invoke(t, "test.Tally", "Waiters")
s.invoke(t, "test.Tally", "Add", test_pb2.Number(value=200))
s.invoke(t, "test.Tally", "Echo", test_pb2.Blob(label="x", data=b"\x00\x01\x02"))
s.invoke(t, "test.Tally", "Fail", test_pb2.Number(value=5))
deep = struct_pb2.Value(number_value=1)
for _ in range(20):
    deep = struct_pb2.Value(list_value=struct_pb2.ListValue(values=[deep]))
s.invoke(t, "test.Tally", "Nest", deep)
s.invoke(t, "test.Tally", "Sleep", test_pb2.Number(value=1))
s.invoke(t, "test.Tally", "Get", incarnation=1, type_hash=0)
s.invoke(t, "test.Tally", "Wait", test_pb2.Number(value=10 ** 6), timeout=60000)
seeds["tally"] = s

s = Session()  # ObjectRefs in arguments: a List stored in a Dict, then the list's own reference dropped
s.hello()
d = s.create("rom.builtins.Dict")
lst = s.create("rom.builtins.List")
s.invoke(d, "rom.builtins.Dict", "Set", dict_pb2.DictItem(key=V(string_value="l"),
                                                          value=V(ref_value=wire_pb2.ObjectRef(id=lst))))
s.manager("Release", wire_pb2.RefRequest(id=lst))
s.invoke(d, "rom.builtins.Dict", "Get", dict_pb2.DictKey(key=V(string_value="l")))
s.invoke(d, "rom.builtins.Dict", "Pop", dict_pb2.DictKey(key=V(string_value="l")))
s.invoke(lst, "rom.builtins.List", "Append", V(ref_value=wire_pb2.ObjectRef(id=d)))
q = s.create("rom.builtins.Queue")
put = Put()
for f in put.DESCRIPTOR.fields:
    if f.message_type is not None and f.name != "nowait":
        getattr(put, f.name).SetInParent()
s.invoke(q, "rom.builtins.Queue", "Put", put)
s.manager("Retain", wire_pb2.RefRequest(id=d))
s.manager("Goodbye", empty_pb2.Empty())
seeds["refs"] = s

s = Session()  # named objects, lookups, a second session joining the first, another session's release
s.hello()
s.create("rom.builtins.Namespace", name="ns")
s.manager("Create", wire_pb2.CreateRequest(type="rom.builtins.Namespace", name="ns", exist_ok=True))
s.manager("Lookup", wire_pb2.LookupRequest(name="ns", type="rom.builtins.Namespace"))
s.hello(join=1)
s.hello()
s.call(0, method("rom.Manager", "Release")[0], wire_pb2.RefRequest(id=1).SerializeToString(), session=2)
s.call(0, method("rom.Manager", "Ping")[0], b"", session=2, flags=ONEWAY)
s.manager("Create", wire_pb2.CreateRequest(type="no.Such"))
seeds["sessions"] = s

s = Session()  # what the server refuses: every malformed shape
s.hello()
s.raw([b"\xff\xff\xff\xff\x01", b""])  # not a header
s.call(0, 5, version=1)  # another protocol version
s.raw([wire_pb2.CallHeader(version=PROTOCOL_VERSION, call_id=50).SerializeToString()])  # no payload frame
s.raw([wire_pb2.CallHeader(version=PROTOCOL_VERSION, call_id=51).SerializeToString(), b"", b"", b""])
s.call(0, 5, session=0)  # no session
s.call(0, 5, session=77)  # unknown session
s.call(0, 5, incarnation=12345)  # another run
s.call(999, 0)  # no such object
s.call(0, 99)  # no such method
s.call(0, method("rom.Manager", "Create")[0], b"\x0a\x05\xff\xfe\xfd\xfc\xfb")  # not UTF-8
s.call(0, method("rom.Manager", "Create")[0], b"\x0a\xff\xff")  # not a message
seeds["refusals"] = s

# Every built-in type, created with an empty init and every method called with an empty input.
for svc_file in sorted(glob.glob(os.path.join(tmp, "rom/builtins/*_pb2.py"))):
    mod = sys.modules["rom.builtins." + os.path.basename(svc_file)[:-3]]
    for svc in mod.DESCRIPTOR.services_by_name.values():
        s = Session()
        s.hello()
        obj = s.create(svc.full_name)
        for m in svc.methods:
            s.call(obj, m.index, b"", timeout=100)
        s.manager("Release", wire_pb2.RefRequest(id=obj))
        seeds["type_" + svc.name] = s

for name, s in seeds.items():
    write("fuzz_dispatch", name, s.out)

# --- fuzz_client: answers to the client's calls, in fuzz_client.c's order ------------------------------------
# hello, ping, Create Dict, Dict.Get, Dict.Keys, Dict.Items, Dict.Len x2 (async), [release: one-way],
# Create Queue, Queue.Get, [release], Goodbye. Control bit 4: the call id is set to the call's.
PATCH = 4


def reply(status=0, payload=b"", error="", incarnation=0, call_id=1):  # an id: a header is never empty
    return [wire_pb2.ReplyHeader(call_id=call_id, status=status, error=error,
                                 incarnation=incarnation).SerializeToString(), payload]


def batch(entries):
    out = b""
    for h, p in entries:
        out += varint(len(h)) + h + varint(len(p)) + p
    return [b"", out]


def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80])
        v >>= 7
    return out + bytes([v])


hello_reply = wire_pb2.HelloReply(session=0x1234, max_message=1 << 20, incarnation=99, secret=7).SerializeToString()
ref = lambda i, t: wire_pb2.ObjectRef(endpoint="inproc://fuzz-client", id=i, type=t).SerializeToString()  # noqa
size = msg_class(pool.FindMessageTypeByName("rom.builtins.Size"))
items = dict_pb2.DictItems(items=[dict_pb2.DictItem(key=V(string_value="k"), value=V(ref_value=wire_pb2.ObjectRef(
    endpoint="inproc://fuzz-client", id=4, type="rom.builtins.List")))]).SerializeToString()
ok_run = [
    reply(payload=hello_reply, incarnation=99),
    reply(),
    reply(payload=ref(1, "rom.builtins.Dict")),
    reply(payload=V(string_value="v").SerializeToString()),
    reply(payload=variant_pb2.VariantList(items=[V(int_value=1), V(bytes_value=b"\x00")]).SerializeToString()),
    reply(payload=items),
    reply(payload=size(size=1).SerializeToString()),
    reply(payload=size(size=1).SerializeToString()),
    reply(payload=ref(2, "rom.builtins.Queue")),
    reply(payload=msg_class(pool.FindMessageTypeByName("rom.builtins.SyncItem"))().SerializeToString()),
    reply(),
]
write("fuzz_client", "ok", b"".join(frames_message(r, PATCH) for r in ok_run))
# Errors in each reply, a restart's incarnation, a lost session.
err_run = [ok_run[0], reply(status=5, error="no"), ok_run[2], reply(status=8, error="missing", incarnation=1),
           reply(status=18, error="lost"), ok_run[0]]
write("fuzz_client", "errors", b"".join(frames_message(r, PATCH) for r in err_run))
# The async pair answered in one batch (its ids not patched: 7 and 8 are the calls' own ids, in order).
ids = [wire_pb2.ReplyHeader(call_id=i, status=0).SerializeToString() for i in (8, 7)]
batch_run = ok_run[:6] + [batch([(ids[0], size(size=2).SerializeToString()), (ids[1], b"")])]
write("fuzz_client", "batch", b"".join(frames_message(r, PATCH if i < 6 else 0) for i, r in enumerate(batch_run)))
patched_batch = ok_run[:6] + [batch([(reply()[0], size(size=3).SerializeToString()), (reply()[0], b"")])]
write("fuzz_client", "batch_patched", b"".join(frames_message(r, PATCH) for r in patched_batch))
# Malformed: a header that is not one, a single-frame reply, extra frames, a cut batch, deep payload.
deep = V(string_value="x").SerializeToString()
nest = struct_pb2.Value(number_value=1)
for _ in range(40):
    nest = struct_pb2.Value(list_value=struct_pb2.ListValue(values=[nest]))
bad_run = [ok_run[0], [b"\xff\xff\xff\x01", b""], reply()[0:1], reply() + [b"extra"], ok_run[2],
           [b"", batch([(reply()[0], deep)])[1][:-2]], reply(payload=nest.SerializeToString())]
write("fuzz_client", "malformed", b"".join(frames_message(r, PATCH) for r in bad_run))
write("fuzz_client", "hello_only", frames_message(ok_run[0], PATCH))

# --- fuzz_wire: [selector][bytes] -----------------------------------------------------------------------------
h = wire_pb2.CallHeader(version=PROTOCOL_VERSION, call_id=42, object_id=3, method=2, timeout_ms=1500, session=9,
                        flags=BATCH_OK, type_hash=0xdeadbeef, incarnation=77).SerializeToString()
write("fuzz_wire", "call_header", b"\x00" + h)
write("fuzz_wire", "reply_header", b"\x01" + reply(status=8, error="object 3: no such object", incarnation=1)[0])
write("fuzz_wire", "batch", b"\x02" + batch([(reply(call_id=1)[0], b"\x08\x01"), (reply(call_id=2, status=5,
                                                                                          error="e")[0], b"")])[1])
write("fuzz_wire", "value_deep", b"\x03" + nest.SerializeToString())
write("fuzz_wire", "variant_list", b"\x04" + variant_pb2.VariantList(items=[V(int_value=-1), V(ref_value=wire_pb2.ObjectRef(
    endpoint="ipc:///tmp/x", id=5, type="rom.builtins.Dict"))]).SerializeToString())
write("fuzz_wire", "create_request", b"\x05" + wire_pb2.CreateRequest(type="rom.builtins.Dict", name="d",
                                                                         args=items, exist_ok=True).SerializeToString())

# --- fuzz_codegen: CodeGeneratorRequests as protoc sends them ----------------------------------------------
capture = os.path.join(tmp, "protoc-gen-capture")
with open(capture, "w") as f:
    f.write("#!/bin/sh\ncat > \"$ROM_CAPTURE\"\n")  # an empty response: no files, no error
os.chmod(capture, 0o755)
sources = [(os.path.join(ROOT, "idl"), p) for p in protos if p != "rom/options.proto"]
for root_dir in ("tests/integration/proto", "tests/codegen/accept", "tests/codegen/refuse", "examples/counter",
                 "examples/shared_class"):
    base = os.path.join(ROOT, root_dir)
    for p in sorted(glob.glob(os.path.join(base, "**/*.proto"), recursive=True)):
        sources.append((base, os.path.relpath(p, base)))
for base, rel in sources:
    name = rel.replace("/", "_").replace(".proto", "")
    if "refuse" in base:
        name = "refuse_" + name
    out = os.path.join(CORPUS, "fuzz_codegen", name)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    env = dict(os.environ, ROM_CAPTURE=out)
    r = subprocess.run(["protoc", "--plugin=protoc-gen-capture=" + capture, "--capture_out", tmp, "-I", base,
                        "-I", os.path.join(ROOT, "idl"), "-I", PROTOBUF_INCLUDE, rel], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("skipped %s: %s" % (rel, r.stderr.strip()), file=sys.stderr)
        if os.path.exists(out):
            os.unlink(out)
        continue
    # Comments of the imports (descriptor.proto's are 40 kB) are never read: the seeds stay small. Those of
    # the file to generate stay (protoc-gen-rom copies an rpc's comments).
    request = plugin_pb2.CodeGeneratorRequest()
    with open(out, "rb") as f:
        request.ParseFromString(f.read())
    for proto in request.proto_file:
        if proto.name not in request.file_to_generate:
            proto.ClearField("source_code_info")
    with open(out, "wb") as f:
        f.write(request.SerializeToString())

shutil.rmtree(tmp)
for t in sorted(os.listdir(CORPUS)):
    files = os.listdir(os.path.join(CORPUS, t))
    print("%-14s %3d seeds, %6d bytes" % (t, len(files), sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)))
