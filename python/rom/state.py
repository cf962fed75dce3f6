"""Watches of declared state (a service with `option (rom.state) = "Msg"`) from Python: rom.Watch, rom.Poll and
rom.Unwatch, as C's rom_watch_* (runtime/state/state_api.c) speak them (idl/rom/state.proto).

    w = rom.watch(board, 'per_key')           # a proxy of a state type; a field's dotted name, or '' (all)
    w.initial, w.version                      # the state when the watch began (a message), its version
    for change in w.changes(timeout=5):       # Change: path, names, op, value, key, index, version, ...
        print(change.to_json())

The engine's five methods follow the type's rpcs in its method table (rom_state.h: ROM_STATE_METHODS), so
their indexes are len(rpcs) + 0..4. A poll is a long poll: the server answers when a change comes or its
deadline passes. Descriptors come from the type's ServiceDescriptor (an imported _pb2 or reflection).
"""
import collections
import os

from google.protobuf import descriptor
from google.protobuf import json_format

from . import client as _client
from . import errors
from . import state_pb2
from . import usertypes
from . import wire_pb2

STATE_OPTION = 50873           # rom/options.proto: extend ServiceOptions { string state = 50873; }
APPLY, BATCH, WATCH, POLL, UNWATCH = range(5)   # after the rpcs, in ROM_STATE_METHODS' order
OP_NAMES = {v.number: v.name[len('STATE_OP_'):] for v in state_pb2.StateOpCode.DESCRIPTOR.values}
_POLL_SLICE = 10.0             # a watch without a deadline polls in slices of this many seconds


def _varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def _option_string(options, number):
    """A string option of `options` (a ServiceOptions) by field number, read from its wire form: the option is
    an extension the connection's pool knows, protobuf's default pool need not (its unknown fields keep it)."""
    buf = options.SerializeToString()
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        wire = key & 7
        if wire == 0:
            _, i = _varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = _varint(buf, i)
            if key >> 3 == number:
                return buf[i:i + n].decode()
            i += n
        else:
            return None           # groups: not in an options message of rom's
    return None


def state_message(service):
    """The state message's Descriptor of a state type's ServiceDescriptor, or None for a type without state.
    The option names it as (rom.init) does: relative to the service's package, or fully qualified."""
    name = _option_string(service.GetOptions(), STATE_OPTION)
    if not name:
        return None
    pool = service.file.pool
    package = service.file.package
    for candidate in ((package + '.' + name) if package else name, name.lstrip('.')):
        try:
            return pool.FindMessageTypeByName(candidate)
        except KeyError:
            pass
    raise errors.RomError(errors.NOT_FOUND, '%s: its state message %r is not in its descriptors'
                          % (service.full_name, name))


def resolve_path(msg_desc, path):
    """Field numbers and FieldDescriptors of a dotted field path ('inner.a'; '' for the whole state) or of a
    sequence of field numbers. KeyError naming the field when there is none (a path may go down through
    singular message fields only, as the engine's)."""
    if isinstance(path, str):
        parts = [p for p in path.split('.') if p] if path else []
    else:
        parts = list(path)
    numbers, fields = [], []
    desc = msg_desc
    for part in parts:
        if desc is None:
            raise KeyError('%s: %s is not a message field, it has no field %r'
                           % (msg_desc.full_name, '.'.join(f.name for f in fields), part))
        f = desc.fields_by_number.get(part) if isinstance(part, int) else desc.fields_by_name.get(part)
        if f is None:
            raise KeyError('%s has no field %r' % (desc.full_name, part))
        numbers.append(f.number)
        fields.append(f)
        singular_msg = f.message_type is not None and f.label != descriptor.FieldDescriptor.LABEL_REPEATED
        desc = f.message_type if singular_msg else None
    return numbers, fields


def _is_map(f):
    return (f is not None and f.message_type is not None and f.label == descriptor.FieldDescriptor.LABEL_REPEATED
            and f.message_type.GetOptions().map_entry)


class Change:
    """One change, as C's rom_change_t: `path` (field numbers; () for the whole state), `names` (dotted),
    `op` (its name: 'ADD', 'APPEND', 'PUT', ...; 'SET' of the whole state for an rpc), `value` (the field's new
    value, or the item or map value concerned: a Python value or a message; None when the change carries
    none), `key` (maps), `index` (repeated), `version`; `missed` > 0 with `state` (the whole state then) when
    the subscriber's queue overflowed; `ended` when the object is gone."""

    def __init__(self, watch, version, path=(), op='SET', value=None, key=None, index=None, missed=0,
                 state=None, ended=False):
        self._watch = watch
        self.path, self.op, self.value, self.key, self.index = tuple(path), op, value, key, index
        self.version, self.missed, self.state, self.ended = version, missed, state, ended

    @property
    def names(self):
        return '.'.join(f.name for f in resolve_path(self._watch.state_type, self.path)[1]) if self.path else ''

    def to_json(self):
        """A dict for json.dumps: path, op, value (and key, index) in json_format's forms (int64 as a string,
        bytes as base64, enums by name, messages as objects), version; missed and state; ended."""
        out = {'version': self.version}
        if self.ended:
            out['ended'] = True
            return out
        out['path'], out['op'] = self.names, self.op
        if self.missed:
            out['missed'] = self.missed
            out['state'] = _message_json(self.state)
            return out
        value_json, key_json = self._watch._json(self)
        if self.key is not None:
            out['key'] = key_json
        if self.index is not None:
            out['index'] = self.index
        if self.value is not None:
            out['value'] = value_json
        return out

    def __repr__(self):
        return 'Change(%r)' % self.to_json()


def _message_json(msg):
    try:
        return json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                         including_default_value_fields=True)
    except TypeError:      # protobuf >= 5: the option was renamed
        return json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True)


class Watch:
    """A subscription to a state object's changes (or to one field's and those below it), as rom_watch_new ().
    The server keeps up to `queue` changes for it (0: 1024); past that it counts them as missed and the next
    change carries the state. close () unsubscribes; so does the end of this process's session."""

    def __init__(self, proxy, path='', queue=0):
        self._proxy = proxy
        self._client = proxy._client
        service = proxy._service
        if service is None:
            raise errors.RomError(errors.WRONG_TYPE, '%s#%d: no descriptors for this type, so no state to watch'
                                  % (proxy._type, proxy._id))
        self.state_type = state_message(service)
        if self.state_type is None:
            raise errors.RomError(errors.WRONG_TYPE, '%s#%d: not a declared-state type (its service has no '
                                  'option (rom.state)), nothing to watch' % (proxy._type, proxy._id))
        self._base = len(service.methods)
        self._descs = usertypes.descriptors(self._client)
        self.path, self._fields = resolve_path(self.state_type, path)
        self._queue = queue
        self._pending = collections.deque()
        self._ended = False
        self._subscribe()

    def _call(self, method, req, reply_cls, timeout=None):
        """Call an engine method; a failed status raises client._Failed (the caller says what it means)."""
        name = ('rom.Apply', 'rom.Batch', 'rom.Watch', 'rom.Poll', 'rom.Unwatch')[method]
        return self._client.call(self._proxy._id, self._base + method, req, reply_cls, type_name=self._proxy._type,
                                 timeout=timeout, incarnation=self._proxy._incarnation,
                                 what='%s#%d.%s' % (self._proxy._type, self._proxy._id, name))

    def _subscribe(self):
        try:
            start = self._call(WATCH, state_pb2.WatchRequest(path=self.path, queue=self._queue),
                               state_pb2.WatchStart)
        except _client._Failed as failed:
            raise errors.error(failed.status, failed.text, 'key') from None
        self.id, self.version = start.watch, start.version
        self.initial = self._unpack_state(start.state)
        self._pid = os.getpid()
        self._pending.clear()

    def _unpack_state(self, data):
        msg = self._descs.message_class(self.state_type)()
        msg.ParseFromString(data)
        return msg

    # --- values -----------------------------------------------------------------------------------------

    def _target(self, path):
        """The field a change's value belongs to (None: the whole state)."""
        try:
            fields = resolve_path(self.state_type, path)[1]
        except KeyError:
            return None
        return fields[-1] if fields else None

    def _py(self, value, field, msg_type):
        """A StateValue as Python: the int, float, bool, str, bytes, or a message of `msg_type`."""
        kind = value.WhichOneof('kind')
        if kind is None:
            return None
        if kind == 'message':
            if msg_type is None:
                return value.message
            msg = self._descs.message_class(msg_type)()
            msg.ParseFromString(value.message)
            return msg
        return getattr(value, kind)

    def _json(self, change):
        """(value, key) of a change in json_format's forms, made by storing them in a scratch message of the
        field's own type and printing that: the field's descriptor decides (int64 as a string, enums by
        name)."""
        f = self._target(change.path)
        if f is None:
            return (_message_json(change.value) if change.value is not None else None), None
        scratch = self._descs.message_class(f.containing_type)()
        slot = getattr(scratch, f.name)
        if _is_map(f):
            value_f = f.message_type.fields_by_name['value']
            key = change.key if change.key is not None else _zero(f.message_type.fields_by_name['key'])
            if change.value is None:
                (k, _), = _message_json_entry(scratch, f, slot, key, None, value_f)
                return None, k
            (k, v), = _message_json_entry(scratch, f, slot, key, change.value, value_f)
            return v, k
        if f.label == descriptor.FieldDescriptor.LABEL_REPEATED:
            if change.value is None:
                return None, None
            if f.message_type is not None:
                slot.add().CopyFrom(change.value)
            else:
                slot.append(change.value)
            return _message_json(scratch)[f.name][0], None
        if change.value is None:
            return None, None
        if f.message_type is not None:
            slot.CopyFrom(change.value)
        else:
            setattr(scratch, f.name, change.value)
        return _message_json(scratch)[f.name], None

    def _change(self, c):
        f = self._target(c.path)
        value_type = key = None
        if f is None:
            value_type = self.state_type if not c.path else None
        elif _is_map(f):
            value_type = f.message_type.fields_by_name['value'].message_type
            key = self._py(c.key, None, None)
        else:
            value_type = f.message_type
        value = self._py(c.value, f, value_type)
        repeated = f is not None and f.label == descriptor.FieldDescriptor.LABEL_REPEATED and not _is_map(f)
        return Change(self, c.version, c.path, OP_NAMES.get(c.op, str(c.op)), value, key,
                      c.index if repeated else None)

    # --- polling ----------------------------------------------------------------------------------------

    def next(self, timeout=None):
        """The next change, waiting up to `timeout` seconds (None: until one comes): a Change, or None when
        none came in time. After the change with .ended, raises EOFError (the object is gone)."""
        if self._ended:
            raise EOFError('the watched object is gone')
        if self._pid != os.getpid():        # a forked child: a subscription of its own, as C's
            self._subscribe()
        deadline = None if timeout is None else _client._now() + timeout
        while not self._pending:
            left = _POLL_SLICE if deadline is None else min(_POLL_SLICE, deadline - _client._now())
            if deadline is not None and left <= 0 and timeout != 0:
                return None
            try:
                reply = self._call(POLL, state_pb2.WatchPoll(watch=self.id), state_pb2.Changes,
                                   timeout=max(left, 0.001))
            except _client._Failed as failed:
                if failed.status not in (errors.CLOSED, errors.NO_OBJECT):   # else: the object died
                    raise errors.error(failed.status, failed.text, 'key') from None
                reply = state_pb2.Changes(ended=True, version=self.version)
            for c in reply.changes:
                self._pending.append(self._change(c))
            if reply.missed:
                self._pending.append(Change(self, reply.version, (), 'SET', missed=reply.missed,
                                            state=self._unpack_state(reply.state)))
            if reply.ended:
                self._pending.append(Change(self, reply.version, ended=True))
            if timeout == 0 and not self._pending:
                return None
        change = self._pending.popleft()
        self.version = max(self.version, change.version)
        if change.ended:
            self._ended = True
        return change

    def changes(self, timeout=None):
        """Iterate over the changes as they come; stops when none comes within `timeout` seconds (None: never)
        or the object is gone (after yielding the change with .ended)."""
        while not self._ended:
            change = self.next(timeout)
            if change is None:
                return
            yield change

    __iter__ = changes

    def close(self):
        """Unsubscribe (the server drops this watch's queue)."""
        if self._ended or self._pid != os.getpid() or not self._client.session:
            self._ended = True
            return
        self._ended = True
        try:
            self._call(UNWATCH, state_pb2.WatchPoll(watch=self.id), wire_pb2.Empty)
        except (_client._Failed, ConnectionError, TimeoutError):
            pass      # the object or the server is gone: so is the watch

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _zero(f):
    return f.default_value


def _message_json_entry(scratch, f, slot, key, value, value_f):
    """The (key, value) json_format prints for map field `f` of `scratch` holding only key: value (a missing
    value: the value field's default, the printed one then unused)."""
    if value_f.message_type is not None:
        entry = slot[key]               # a message-valued map makes its entry on access
        if value is not None:
            entry.CopyFrom(value)
    else:
        slot[key] = value if value is not None else value_f.default_value
    return list(_message_json(scratch)[f.name].items())


def watch(proxy, path='', queue=0):
    """Watch `proxy`'s object (a declared-state type): every change, or those of the field at `path` (dotted
    names, 'inner.a', or field numbers) and below it. Returns a Watch (a context manager, iterable)."""
    return Watch(proxy, path, queue)
