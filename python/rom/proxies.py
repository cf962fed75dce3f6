"""Proxies of rom's built-in types (idl/rom/builtins/*.proto) that behave as Python's SyncManager proxies."""
import pickle
import threading
import time
import weakref

from google.protobuf import empty_pb2
from google.protobuf import symbol_database

from . import client as _client
from . import errors
from . import usertypes as _types
from . import wire_pb2
from .builtins import array_pb2, dict_pb2, list_pb2, namespace_pb2, pipe_pb2, queue_pb2, set_pb2
from .builtins import sync_item_pb2, sync_pb2, value_pb2, variant_pb2

_SYM = symbol_database.Default()
INT64_MIN, INT64_MAX, UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1
PICKLE_TYPE = 'python.pickle'     # a SyncItem whose bytes are a Python pickle (tuples, lists, ...)
PROXY_TYPES = {}                  # full type name -> proxy class
_METHODS = {}                     # (service descriptor, rpc name) -> (index, input class, output class)


# --- values -------------------------------------------------------------------------------------------------

def to_variant(value, out=None):
    """A Python value as a Variant: None, bool, int (int64, else uint64), float, str, bytes, a proxy."""
    v = variant_pb2.Variant() if out is None else out
    if value is None:
        pass
    elif isinstance(value, bool):
        v.bool_value = value
    elif isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            v.int_value = value
        elif 0 <= value <= UINT64_MAX:
            v.uint_value = value
        else:
            raise OverflowError('%d does not fit a 64-bit integer' % value)
    elif isinstance(value, float):
        v.double_value = value
    elif isinstance(value, str):
        v.string_value = value
    elif isinstance(value, (bytes, bytearray, memoryview)):
        v.bytes_value = bytes(value)
    elif isinstance(value, BaseProxy):
        v.ref_value.CopyFrom(value._ref())
    else:
        raise TypeError('a %s cannot be stored in a shared object (None, bool, int, float, str, bytes or '
                        'a proxy can)' % type(value).__name__)
    return v


def from_variant(client, v):
    kind = v.WhichOneof('kind')
    if kind is None:
        return None
    if kind == 'ref_value':
        return proxy_from_ref(client, v.ref_value, retain=True)
    return getattr(v, kind)


def to_item(value):
    item = sync_item_pb2.SyncItem()
    try:
        to_variant(value, item.value)
    except TypeError:
        item.value.bytes_value = pickle.dumps(value)
        item.type = PICKLE_TYPE
    return item


def from_item(client, item):
    if not item.type:
        return from_variant(client, item.value)
    if item.type == PICKLE_TYPE:
        return pickle.loads(item.value.bytes_value)
    try:
        return _SYM.GetSymbol(item.type).FromString(item.value.bytes_value)
    except KeyError:
        return item.value.bytes_value


def proxy_from_ref(client, ref, retain):
    """A proxy of an ObjectRef. retain: take a reference (Create and Lookup already gave one)."""
    if ref.endpoint and ref.endpoint != client.endpoint:
        client = _client.client_for(ref.endpoint, client.authkey)
    if retain:
        _raw(client.call, _client.MANAGER_ID, _client.RETAIN, wire_pb2.RefRequest(id=ref.id), wire_pb2.Empty,
             what='%s#%d (taking a reference)' % (ref.type, ref.id))
    cls = PROXY_TYPES.get(ref.type) or _types.proxy_class(client, ref.type, ObjectProxy) or ObjectProxy
    return cls(client, ref.id, ref.type)


def from_token(token, authkey=None):
    """The proxy of a token 'endpoint#id#type' (what C's rom_proxy_to_token () gives, and BaseProxy.token)."""
    try:
        rest, type_name = token.rsplit('#', 1)
        endpoint, object_id = rest.rsplit('#', 1)
        object_id = int(object_id)
    except ValueError:
        raise ValueError('%r is not a proxy token (endpoint#id#type)' % (token,)) from None
    client = _client.client_for(endpoint, authkey)
    return proxy_from_ref(client, wire_pb2.ObjectRef(endpoint=endpoint, id=object_id, type=type_name),
                          retain=True)


def _rebuild(token, authkey=None):
    return from_token(token, authkey)


def _raw(fn, *args, context=None, **kw):
    try:
        return fn(*args, **kw)
    except _client._Failed as failed:
        raise errors.error(failed.status, failed.text, context) from None


# --- the proxy base -----------------------------------------------------------------------------------------

class BaseProxy:
    """One reference to one shared object, given back when the proxy is collected. Picklable (its token):
    another process (a multiprocessing child, say) gets a proxy of the same object.

    Pipelined calls: a method `m_async (...)` sends the call of `m (...)` and returns a rom.Future at once
    (f.result (timeout=None) gives what m returns or raises what m raises); many are in flight on one
    connection, their replies matched by call id. `m_oneway (...)` asks for no reply (returns None; an
    error is never heard of); a sync call or a Future's result () after it sees its effect (one connection's
    calls run in order). As the sync calls, a proxy may be used by any thread, but a Future belongs to the
    thread that made it (and is not inherited across fork): see rom.Future."""
    _type = None
    _service = None

    def __init__(self, client, object_id, type_name=None):
        self._client = client
        self._id = object_id
        if type_name and self._type is None:
            self._type = type_name
        self._incarnation = client.incarnation
        serial = client.attach(self)
        fin = weakref.finalize(self, client.release, object_id, serial)
        fin.atexit = False       # at exit the session's Goodbye releases everything at once

    def _ref(self):
        return wire_pb2.ObjectRef(endpoint=self._client.endpoint, id=self._id, type=self._type)

    @property
    def token(self):
        """'endpoint#id#type': what C's rom_<type>_from_token () and rom.from_token () take."""
        return '%s#%d#%s' % (self._client.endpoint, self._id, self._type)

    def __reduce__(self):
        # As Python's proxies: the authkey goes along only to a child multiprocessing starts (spawn,
        # forkserver), never into other pickles.
        from multiprocessing.context import get_spawning_popen
        if get_spawning_popen() is not None and self._client.authkey:
            return _rebuild, (self.token, self._client.authkey)
        return _rebuild, (self.token,)

    def _method_info(self, name):
        """(index, input class, output class) of rpc `name`, looked up once per service: a call spends
        no time in descriptors."""
        key = (self._service, name)
        info = _METHODS.get(key)
        if info is None:
            method = self._service.methods_by_name[name]
            info = _METHODS[key] = (method.index, _SYM.GetSymbol(method.input_type.full_name),
                                    _SYM.GetSymbol(method.output_type.full_name))
        return info

    def _call(self, _method, msg=None, timeout=None, wait=False, context=None, **fields):
        index, in_cls, out_cls = self._method_info(_method)
        if msg is None:
            msg = in_cls(**fields)
        try:
            return self._client.call(self._id, index, msg, out_cls, type_name=self._type, timeout=timeout,
                                     wait=wait, what='%s#%d.%s' % (self._type, self._id, _method),
                                     incarnation=self._incarnation)
        except _client._Failed as failed:
            raise errors.error(failed.status, failed.text, context) from None

    def _call_async(self, _method, msg=None, timeout=None, wait=False, context=None, post=None, remap=None,
                    oneway=False, **fields):
        """_call sent without waiting: a Future of post(reply) (the reply itself without post), whose
        exception is the one _call would raise (the status's, for `context`, then remap(exc) when given).
        oneway: no reply is asked for (returns None)."""
        index, in_cls, out_cls = self._method_info(_method)
        if msg is None:
            msg = in_cls(**fields)

        def convert(reply, exc):
            if exc is None:
                return reply if post is None else post(reply)
            raise (remap(exc) if remap is not None else exc)
        return self._client.call_async(self._id, index, msg, out_cls, type_name=self._type, timeout=timeout,
                                       wait=wait, what='%s#%d.%s' % (self._type, self._id, _method),
                                       incarnation=self._incarnation, convert=convert, oneway=oneway,
                                       context=context)

    def _wrap(self, v):
        return from_variant(self._client, v)

    def _wrapped(self, reply):
        return from_variant(self._client, reply)

    def __repr__(self):
        return '<%s %s#%d at %s>' % (type(self).__name__, self._type, self._id, self._client.endpoint)


def _proxy(type_name, module):
    short = type_name.rsplit('.', 1)[1]

    def register(cls):
        cls._type = type_name
        cls._service = module.DESCRIPTOR.services_by_name[short]
        PROXY_TYPES[type_name] = cls
        return cls
    return register


class ObjectProxy(BaseProxy):
    """A proxy of an object of a type of your own (a C servant): when its descriptors are known (an imported
    _pb2, or the server's reflection) its class has a method per rpc in snake_case, taking and returning
    messages (keyword arguments build the input); else callmethod () with your own _pb2 messages."""

    def invoke(self, method, msg=None, timeout=None, **fields):
        """Call rpc `method` (its .proto name, or snake_case) with `msg` (or a message built of `fields`);
        returns the output message."""
        if self._service is None:
            raise TypeError('%s: no descriptors for this type (no _pb2 imported, none from the server)'
                            % self._type)
        desc = self._service.methods_by_name.get(method)
        if desc is None:
            desc = {_types.snake_case(m.name): m for m in self._service.methods}.get(method)
        if desc is None:
            raise AttributeError('%s has no rpc %r (it has %s)' % (
                self._type, method, ', '.join(m.name for m in self._service.methods)))
        d = _types.descriptors(self._client)
        if msg is None:
            msg = d.message_class(desc.input_type)(**fields)
        elif fields:
            raise TypeError('%s: a message or keyword arguments, not both' % method)
        return _raw(self._client.call, self._id, desc.index, msg, d.message_class(desc.output_type),
                    type_name=self._type, timeout=timeout, incarnation=self._incarnation,
                    what='%s#%d.%s' % (self._type, self._id, desc.name))

    def callmethod(self, index, request, reply_cls, timeout=None):
        return _raw(self._client.call, self._id, index, request, reply_cls, type_name=self._type,
                    timeout=timeout, incarnation=self._incarnation)

    def _rpc(self, method):
        if self._service is None:
            raise TypeError('%s: no descriptors for this type (no _pb2 imported, none from the server)'
                            % self._type)
        desc = self._service.methods_by_name.get(method)
        if desc is None:
            desc = {_types.snake_case(m.name): m for m in self._service.methods}.get(method)
        if desc is None:
            raise AttributeError('%s has no rpc %r (it has %s)' % (
                self._type, method, ', '.join(m.name for m in self._service.methods)))
        return desc

    def invoke_async(self, method, msg=None, timeout=None, oneway=False, **fields):
        """invoke () sent without waiting: a rom.Future of the output message (None when oneway)."""
        desc = self._rpc(method)
        d = _types.descriptors(self._client)
        if msg is None:
            msg = d.message_class(desc.input_type)(**fields)
        elif fields:
            raise TypeError('%s: a message or keyword arguments, not both' % method)
        return self._client.call_async(self._id, desc.index, msg, d.message_class(desc.output_type),
                                       type_name=self._type, timeout=timeout, incarnation=self._incarnation,
                                       what='%s#%d.%s' % (self._type, self._id, desc.name), oneway=oneway)

    def __getattr__(self, name):
        # rpc_async / rpc_oneway of a user type's rpc (its snake_case method is made by rom.usertypes).
        for suffix, oneway in (('_async', False), ('_oneway', True)):
            if name.endswith(suffix) and not name.startswith('_') and self.__dict__.get('_service', type(
                    self)._service) is not None:
                rpc = self._rpc(name[:-len(suffix)]).name     # AttributeError for no such rpc

                def call(_msg=None, *, _timeout=None, **fields):
                    return self.invoke_async(rpc, _msg, timeout=_timeout, oneway=oneway, **fields)
                call.__name__ = name
                return call
        raise AttributeError('%r object has no attribute %r' % (type(self).__name__, name))


def _none(reply):
    return None


def _timeout(block, timeout):
    """(nowait, server timeout in seconds or None) of Python's block/timeout arguments."""
    if not block:
        return True, None
    if timeout is None or timeout < 0:
        return False, None
    if timeout == 0:
        return True, None
    return False, timeout


# --- containers ---------------------------------------------------------------------------------------------

@_proxy('rom.builtins.Dict', dict_pb2)
class DictProxy(BaseProxy):
    def _key(self, key, fallback=None, has_fallback=False):
        msg = dict_pb2.DictKey()
        to_variant(key, msg.key)
        if has_fallback:
            msg.fallback.SetInParent()          # present even when None (an empty Variant)
            to_variant(fallback, msg.fallback)
        return msg

    def __getitem__(self, key):
        try:
            return self._wrap(self._call('Get', self._key(key), context='key'))
        except KeyError:
            raise KeyError(key) from None

    def __setitem__(self, key, value):
        msg = dict_pb2.DictItem()
        to_variant(key, msg.key)
        to_variant(value, msg.value)
        self._call('Set', msg, context='key')

    def __delitem__(self, key):
        try:
            self._call('Delete', self._key(key), context='key')
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key):
        return self._call('Contains', self._key(key)).value

    def __len__(self):
        return self._call('Len').size

    def __iter__(self):
        return iter(self.keys())

    def get(self, key, default=None):
        return self._wrap(self._call('Get', self._key(key, default, True), context='key'))

    def pop(self, key, *default):
        if len(default) > 1:
            raise TypeError('pop expected at most 2 arguments, got %d' % (1 + len(default)))
        msg = self._key(key, default[0] if default else None, bool(default))
        try:
            return self._wrap(self._call('Pop', msg, context='key'))
        except KeyError:
            raise KeyError(key) from None

    def popitem(self):
        try:
            item = self._call('PopItem', context='key')
        except KeyError:
            raise KeyError('popitem(): dictionary is empty') from None
        return self._wrap(item.key), self._wrap(item.value)

    def setdefault(self, key, default=None):
        msg = dict_pb2.DictItem()
        to_variant(key, msg.key)
        to_variant(default, msg.value)
        return self._wrap(self._call('SetDefault', msg, context='key'))

    def keys(self):
        return [self._wrap(v) for v in self._call('Keys').items]

    def values(self):
        return [self._wrap(v) for v in self._call('Values').items]

    def items(self):
        return [(self._wrap(i.key), self._wrap(i.value)) for i in self._call('Items').items]

    def _items(self, other=(), **kw):
        msg = dict_pb2.DictItems()
        pairs = other.items() if hasattr(other, 'items') else other
        for key, value in list(pairs) + list(kw.items()):
            item = msg.items.add()
            to_variant(key, item.key)
            to_variant(value, item.value)
        return msg

    def update(self, other=(), **kw):
        self._call('Update', self._items(other, **kw), context='key')

    def clear(self):
        self._call('Clear')

    def copy(self):
        return dict(self.items())

    def incr(self, key, delta=1):
        """d[key] += delta, atomically (a missing key counts from 0); returns the new value."""
        msg = dict_pb2.DictItem()
        to_variant(key, msg.key)
        to_variant(delta, msg.value)
        return self._wrap(self._call('Increment', msg, context='number'))

    # Pipelined forms (BaseProxy's docstring): d.set_async (k, v) is d[k] = v, d.getitem_async (k) is d[k].
    def _item(self, key, value):
        msg = dict_pb2.DictItem()
        to_variant(key, msg.key)
        to_variant(value, msg.value)
        return msg

    def _key_error(self, key):
        return lambda exc: KeyError(key) if isinstance(exc, KeyError) else exc

    def set_async(self, key, value):
        return self._call_async('Set', self._item(key, value), context='key', post=_none)

    def set_oneway(self, key, value):
        self._call_async('Set', self._item(key, value), oneway=True)

    def getitem_async(self, key):
        return self._call_async('Get', self._key(key), context='key', post=self._wrapped,
                                remap=self._key_error(key))

    def get_async(self, key, default=None):
        return self._call_async('Get', self._key(key, default, True), context='key', post=self._wrapped)

    def delitem_async(self, key):
        return self._call_async('Delete', self._key(key), context='key', remap=self._key_error(key))

    def pop_async(self, key, *default):
        msg = self._key(key, default[0] if default else None, bool(default))
        return self._call_async('Pop', msg, context='key', post=self._wrapped, remap=self._key_error(key))

    def contains_async(self, key):
        return self._call_async('Contains', self._key(key), post=lambda r: r.value)

    def len_async(self):
        return self._call_async('Len', post=lambda r: r.size)

    def update_async(self, other=(), **kw):
        return self._call_async('Update', self._items(other, **kw), context='key', post=_none)

    def incr_async(self, key, delta=1):
        return self._call_async('Increment', self._item(key, delta), context='number', post=self._wrapped)

    def incr_oneway(self, key, delta=1):
        self._call_async('Increment', self._item(key, delta), oneway=True)

    def __ior__(self, other):
        self.update(other)
        return self

    def __or__(self, other):
        return dict(self.items()) | dict(other)

    def __eq__(self, other):
        return dict(self.items()) == (dict(other.items()) if isinstance(other, DictProxy) else other)

    __hash__ = None

    def __str__(self):
        return str(dict(self.items()))


def _bounds(s):
    start = 0 if s.start is None else s.start
    stop = INT64_MAX if s.stop is None else s.stop
    return max(INT64_MIN, min(INT64_MAX, start)), max(INT64_MIN, min(INT64_MAX, stop))


@_proxy('rom.builtins.List', list_pb2)
class ListProxy(BaseProxy):
    def __len__(self):
        return self._call('Len').size

    def __getitem__(self, i):
        if isinstance(i, slice):
            if i.step not in (None, 1):
                return self[:][i]
            start, stop = _bounds(i)
            return [self._wrap(v) for v in self._call('GetSlice', start=start, stop=stop).items]
        return self._wrap(self._call('Get', index=_index(i), context='index'))

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            if i.step not in (None, 1):
                items = self[:]
                items[i] = value
                self[:] = items
                return
            start, stop = _bounds(i)
            msg = list_pb2.SliceItems(start=start, stop=stop)
            for v in value:
                to_variant(v, msg.items.add())
            self._call('SetSlice', msg, context='index')
            return
        msg = variant_pb2.IndexedValue(index=_index(i))
        to_variant(value, msg.value)
        self._call('Set', msg, context='index')

    def __delitem__(self, i):
        if isinstance(i, slice):
            if i.step not in (None, 1):
                items = self[:]
                del items[i]
                self[:] = items
                return
            start, stop = _bounds(i)
            self._call('DeleteSlice', start=start, stop=stop)
            return
        self._call('Delete', index=_index(i), context='index')

    def __iter__(self):
        return iter(self[:])

    def __contains__(self, value):
        return self._call('Contains', to_variant(value)).value

    def append(self, value):
        self._call('Append', to_variant(value))

    def append_async(self, value):
        return self._call_async('Append', to_variant(value), post=_none)

    def append_oneway(self, value):
        self._call_async('Append', to_variant(value), oneway=True)

    def getitem_async(self, i):
        return self._call_async('Get', index=_index(i), context='index', post=self._wrapped)

    def setitem_async(self, i, value):
        msg = variant_pb2.IndexedValue(index=_index(i))
        to_variant(value, msg.value)
        return self._call_async('Set', msg, context='index', post=_none)

    def len_async(self):
        return self._call_async('Len', post=lambda r: r.size)

    def extend(self, values):
        msg = variant_pb2.VariantList()
        for v in values:
            to_variant(v, msg.items.add())
        self._call('Extend', msg)

    def insert(self, i, value):
        msg = variant_pb2.IndexedValue(index=_index(i))
        to_variant(value, msg.value)
        self._call('Insert', msg, context='index')

    def pop(self, i=-1):
        try:
            return self._wrap(self._call('Pop', list_pb2.PopAt(index=_index(i)), context='index'))
        except IndexError as e:
            raise IndexError('pop from empty list' if 'empty' in str(e) else 'pop index out of range') \
                from None

    def index(self, value, start=0, stop=None):
        msg = list_pb2.Find(start=start, stop=0 if stop is None else stop, bounded=stop is not None)
        to_variant(value, msg.value)
        try:
            return self._call('IndexOf', msg, context='value').size
        except ValueError:
            raise ValueError('%r is not in list' % (value,)) from None

    def remove(self, value):
        try:
            self._call('Remove', to_variant(value), context='value')
        except ValueError:
            raise ValueError('list.remove(x): x not in list') from None

    def count(self, value):
        return self._call('Count', to_variant(value)).size

    def clear(self):
        self._call('Clear')

    def reverse(self):
        self._call('Reverse')

    def sort(self, key=None, reverse=False):
        if key is None:
            self._call('Sort', reverse=reverse)
        else:
            self[:] = sorted(self[:], key=key, reverse=reverse)

    def __iadd__(self, values):
        self.extend(values)
        return self

    def __imul__(self, n):
        self._call('Imul', times=n)
        return self

    def __add__(self, other):
        return self[:] + list(other)

    def __mul__(self, n):
        return self[:] * n

    def __eq__(self, other):
        return self[:] == (other[:] if isinstance(other, ListProxy) else other)

    __hash__ = None

    def __str__(self):
        return str(self[:])


def _index(i):
    if not isinstance(i, int):
        i = i.__index__()
    return max(INT64_MIN, min(INT64_MAX, i))


@_proxy('rom.builtins.Set', set_pb2)
class SetProxy(BaseProxy):
    def _list(self, values):
        msg = variant_pb2.VariantList()
        for v in values:
            to_variant(v, msg.items.add())
        return msg

    def add(self, value):
        self._call('Add', to_variant(value))

    def add_async(self, value):
        return self._call_async('Add', to_variant(value), post=_none)

    def add_oneway(self, value):
        self._call_async('Add', to_variant(value), oneway=True)

    def contains_async(self, value):
        return self._call_async('Contains', to_variant(value), post=lambda r: r.value)

    def discard(self, value):
        self._call('Discard', to_variant(value))

    def remove(self, value):
        self._call('Remove', to_variant(value), context='key')

    def pop(self):
        try:
            return self._wrap(self._call('Pop', context='key'))
        except KeyError:
            raise KeyError('pop from an empty set') from None

    def __contains__(self, value):
        return self._call('Contains', to_variant(value)).value

    def __len__(self):
        return self._call('Len').size

    def __iter__(self):
        return iter(self._items())

    def _items(self):
        return [self._wrap(v) for v in self._call('Items').items]

    def clear(self):
        self._call('Clear')

    def update(self, *others):
        for other in others:
            self._call('Update', self._list(other))

    def difference_update(self, *others):
        for other in others:
            self._call('DifferenceUpdate', self._list(other))

    def intersection_update(self, *others):
        for other in others:
            self._call('IntersectionUpdate', self._list(other))

    def symmetric_difference_update(self, other):
        self._call('SymmetricDifferenceUpdate', self._list(other))

    def union(self, *others):
        return set(self._items()).union(*others)

    def intersection(self, other):
        return set(self._wrap(v) for v in self._call('Intersection', self._list(other)).items)

    def difference(self, other):
        return set(self._wrap(v) for v in self._call('Difference', self._list(other)).items)

    def symmetric_difference(self, other):
        return set(self._wrap(v) for v in self._call('SymmetricDifference', self._list(other)).items)

    def isdisjoint(self, other):
        return self._call('IsDisjoint', self._list(other)).value

    def issubset(self, other):
        return self._call('IsSubset', self._list(other)).value

    def issuperset(self, other):
        return self._call('IsSuperset', self._list(other)).value

    def copy(self):
        return set(self._items())

    def __ior__(self, other):
        self.update(other)
        return self

    def __str__(self):
        return str(set(self._items()))


@_proxy('rom.builtins.Namespace', namespace_pb2)
class NamespaceProxy(BaseProxy):
    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        try:
            return self._wrap(self._call('GetAttr', name=name, context='attr'))
        except AttributeError:
            raise AttributeError("'Namespace' object has no attribute '%s'" % name) from None

    def __setattr__(self, name, value):
        if name.startswith('_'):
            return object.__setattr__(self, name, value)
        msg = namespace_pb2.Attribute(name=name)
        to_variant(value, msg.value)
        self._call('SetAttr', msg)

    def __delattr__(self, name):
        if name.startswith('_'):
            return object.__delattr__(self, name)
        try:
            self._call('DelAttr', name=name, context='attr')
        except AttributeError:
            raise AttributeError(name) from None

    def _attributes(self):
        return {a.name: self._wrap(a.value) for a in self._call('List').attributes}

    def __repr__(self):
        return 'Namespace(%s)' % ', '.join('%s=%r' % kv for kv in sorted(self._attributes().items()))


TYPECODES = set('?BHILQbdfhilqsy')


@_proxy('rom.builtins.Value', value_pb2)
class ValueProxy(BaseProxy):
    def get(self):
        return self._wrap(self._call('Get'))

    def set(self, value):
        self._call('Set', to_variant(value), context='number')

    value = property(get, set)

    def add(self, delta=1):
        """value += delta, atomically; returns the new value."""
        return self._wrap(self._call('Add', to_variant(delta), context='number'))

    def get_async(self):
        return self._call_async('Get', post=self._wrapped)

    def set_async(self, value):
        return self._call_async('Set', to_variant(value), context='number', post=_none)

    def set_oneway(self, value):
        self._call_async('Set', to_variant(value), oneway=True)

    def add_async(self, delta=1):
        return self._call_async('Add', to_variant(delta), context='number', post=self._wrapped)

    def add_oneway(self, delta=1):
        self._call_async('Add', to_variant(delta), oneway=True)

    def compare_and_swap(self, expected, desired):
        """Store `desired` if the value is `expected`: (swapped, the value now)."""
        msg = value_pb2.CompareAndSwap()
        to_variant(expected, msg.expected)
        to_variant(desired, msg.desired)
        reply = self._call('Cas', msg, context='number')
        return reply.swapped, self._wrap(reply.current)

    @property
    def typecode(self):
        return chr(self._call('GetTypecode').typecode)

    def __repr__(self):
        return '%s(%r, %r)' % (type(self).__name__, self.typecode, self.get())


def _elements(typecode, values):
    msg = array_pb2.Elements()
    field = ('bools' if typecode == '?' else 'doubles' if typecode in 'fd'
             else 'uints' if typecode in 'BHILQ' else 'ints')
    getattr(msg, field).extend(values)
    return msg


def _from_elements(msg):
    return list(msg.ints or msg.uints or msg.doubles or msg.bools)


@_proxy('rom.builtins.Array', array_pb2)
class ArrayProxy(BaseProxy):
    def __len__(self):
        return self._call('Len').size

    @property
    def typecode(self):
        return chr(self._call('GetTypecode').typecode)

    def __getitem__(self, i):
        if isinstance(i, slice):
            if i.step not in (None, 1):
                return self[:][i]
            start, stop = _bounds(i)
            return _from_elements(self._call('GetSlice', start=start, stop=stop))
        return self._wrap(self._call('Get', index=_index(i), context='index'))

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            if i.step not in (None, 1):
                raise ValueError('an Array proxy assigns slices of step 1 only')
            start, stop = _bounds(i)
            msg = array_pb2.SliceAssign(items=_elements(self.typecode, value))
            msg.slice.start, msg.slice.stop = start, stop
            self._call('SetSlice', msg, context='index')
            return
        msg = variant_pb2.IndexedValue(index=_index(i))
        to_variant(value, msg.value)
        self._call('Set', msg, context='index')

    def __iter__(self):
        return iter(self[:])

    def tolist(self):
        return self[:]

    def __str__(self):
        return str(self[:])


# --- synchronization ----------------------------------------------------------------------------------------

def _thread():
    return threading.get_ident() & 0xffffffffffffffff


class _Acquirer(BaseProxy):
    def acquire(self, blocking=True, timeout=-1):
        nowait, wait = _timeout(blocking, timeout)
        try:
            self._call('Acquire', nowait=nowait, thread=_thread(), timeout=wait, wait=True)
        except TimeoutError:
            return False
        return True

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


@_proxy('rom.builtins.Lock', sync_pb2)
class LockProxy(_Acquirer):
    def release(self):
        self._call('Release', thread=_thread())

    def locked(self):
        return self._call('State', thread=_thread()).locked


@_proxy('rom.builtins.RLock', sync_pb2)
class RLockProxy(LockProxy):
    pass


@_proxy('rom.builtins.Semaphore', sync_pb2)
class SemaphoreProxy(_Acquirer):
    def acquire(self, blocking=True, timeout=None):
        return super().acquire(blocking, -1 if timeout is None else timeout)

    def release(self, n=1):
        try:
            self._call('Release', n=n)
        except errors.RemoteError as e:
            raise ValueError('Semaphore released too many times (%s)' % e.text) from None

    def get_value(self):
        return self._call('Value').value


@_proxy('rom.builtins.BoundedSemaphore', sync_pb2)
class BoundedSemaphoreProxy(SemaphoreProxy):
    pass


@_proxy('rom.builtins.Event', sync_pb2)
class EventProxy(BaseProxy):
    def is_set(self):
        return self._call('IsSet').value

    def set(self):
        self._call('Set')

    def set_async(self):
        return self._call_async('Set', post=_none)

    def clear(self):
        self._call('Clear')

    def wait(self, timeout=None):
        nowait, wait = _timeout(True, timeout)
        try:
            self._call('Wait', nowait=nowait, timeout=wait, wait=True)
        except TimeoutError:
            return False
        return True


@_proxy('rom.builtins.Condition', sync_pb2)
class ConditionProxy(_Acquirer):
    def release(self):
        self._call('Release', thread=_thread())

    def wait(self, timeout=None):
        nowait, wait = _timeout(True, timeout)
        if nowait:
            wait = 0.001
        try:
            self._call('Wait', sync_pb2.OwnerRequest(thread=_thread()), timeout=wait, wait=True)
        except TimeoutError:
            self.acquire()         # a Wait that timed out answers without the lock: take it back
            return False
        except errors.RemoteError as e:
            raise RuntimeError('cannot wait on un-acquired lock (%s)' % e.text) from None
        return True

    def wait_for(self, predicate, timeout=None):
        result = predicate()
        if result:
            return result
        end = None if timeout is None else time.monotonic() + timeout
        while not result:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                break
            self.wait(left)
            result = predicate()
        return result

    def notify(self, n=1):
        try:
            self._call('Notify', n=n, thread=_thread())
        except errors.RemoteError as e:
            raise RuntimeError('cannot notify on un-acquired lock (%s)' % e.text) from None

    def notify_all(self):
        try:
            self._call('NotifyAll', thread=_thread())
        except errors.RemoteError as e:
            raise RuntimeError('cannot notify on un-acquired lock (%s)' % e.text) from None

    notifyAll = notify_all


@_proxy('rom.builtins.Barrier', sync_pb2)
class BarrierProxy(BaseProxy):
    def wait(self, timeout=None):
        if timeout is None:
            default = self._call('State').timeout_ms
            timeout = default / 1000.0 if default else None
        nowait, wait = _timeout(True, timeout)
        try:
            return self._call('Wait', nowait=nowait, timeout=wait, wait=True).value
        except TimeoutError:
            raise threading.BrokenBarrierError() from None

    def abort(self):
        self._call('Abort')

    def reset(self):
        self._call('Reset')

    @property
    def parties(self):
        return self._call('State').parties

    @property
    def n_waiting(self):
        return self._call('State').waiting

    @property
    def broken(self):
        return self._call('State').broken


@_proxy('rom.builtins.Queue', queue_pb2)
class QueueProxy(BaseProxy):
    def put(self, obj, block=True, timeout=None):
        nowait, wait = _timeout(block, timeout)
        self._call('Put', queue_pb2.PutRequest(item=to_item(obj), nowait=nowait), timeout=wait, wait=True)

    def get(self, block=True, timeout=None):
        nowait, wait = _timeout(block, timeout)
        return from_item(self._client, self._call('Get', nowait=nowait, timeout=wait, wait=True))

    def put_async(self, obj, block=True, timeout=None):
        nowait, wait = _timeout(block, timeout)
        return self._call_async('Put', queue_pb2.PutRequest(item=to_item(obj), nowait=nowait), timeout=wait,
                                wait=True, post=_none)

    def put_oneway(self, obj):
        """put (obj) asking for no reply: a full queue (maxsize) drops it unheard of."""
        self._call_async('Put', queue_pb2.PutRequest(item=to_item(obj), nowait=True), oneway=True)

    def get_async(self, block=True, timeout=None):
        nowait, wait = _timeout(block, timeout)
        return self._call_async('Get', nowait=nowait, timeout=wait, wait=True,
                                post=lambda r: from_item(self._client, r))

    def put_nowait(self, obj):
        return self.put(obj, False)

    def get_nowait(self):
        return self.get(False)

    def qsize(self):
        return self._call('Qsize').value

    def empty(self):
        return self._call('Empty').value

    def full(self):
        return self._call('Full').value


@_proxy('rom.builtins.JoinableQueue', queue_pb2)
class JoinableQueueProxy(QueueProxy):
    def task_done(self):
        try:
            self._call('TaskDone')
        except errors.RemoteError:
            raise ValueError('task_done() called too many times') from None

    def join(self):
        self._call('Join', wait=True)


@_proxy('rom.builtins.Pipe', pipe_pb2)
class ConnectionProxy(BaseProxy):
    """One end of a Pipe, as multiprocessing.connection.Connection."""

    def send(self, obj):
        try:
            self._call('Send', to_item(obj))
        except EOFError:
            raise BrokenPipeError('the other end of the pipe is closed') from None

    def recv(self):
        return from_item(self._client, self._call('Recv', wait=True))

    def send_bytes(self, buf, offset=0, size=None):
        buf = bytes(buf)
        self.send(buf[offset:] if size is None else buf[offset:offset + size])

    def recv_bytes(self, maxlength=None):
        data = self.recv()
        if not isinstance(data, bytes):
            raise TypeError('received a %s, not bytes' % type(data).__name__)
        return data

    def poll(self, timeout=0.0):
        end = None if timeout is None else time.monotonic() + timeout
        while not self._call('Poll').value:
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.005)
        return True

    def close(self):
        self._call('Close')

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- the manager --------------------------------------------------------------------------------------------

class Manager:
    """What rom.connect () returns: SyncManager's methods, each creating a shared object on the server."""

    def __init__(self, client):
        self._client = client

    @property
    def endpoint(self):
        return self._client.endpoint

    def create(self, type_name, init=None, name=None, exist_ok=False, init_msg=None):
        """A new object of `type_name` ('rom.builtins.Dict', 'demo.Counter', ...), `init` (or init_msg) its
        creation message; with a name, others find it with lookup (). A user type's proxy has its rpcs as
        methods (rom.types)."""
        if init is None:
            init = init_msg
        req = wire_pb2.CreateRequest(type=type_name, name=name or '', exist_ok=exist_ok,
                                     args=init.SerializeToString() if init is not None else b'')
        ref = _raw(self._client.call, _client.MANAGER_ID, _client.CREATE, req, wire_pb2.ObjectRef,
                   what='creating a %s' % type_name)
        return proxy_from_ref(self._client, ref, retain=False)

    def lookup(self, name, type_name=''):
        req = wire_pb2.LookupRequest(name=name, type=type_name)
        try:
            ref = _raw(self._client.call, _client.MANAGER_ID, _client.LOOKUP, req, wire_pb2.ObjectRef,
                       what='looking up %r' % name, context='key')
        except errors.RomError as e:
            if e.status != errors.NO_OBJECT:
                raise
            raise KeyError(name) from None
        return proxy_from_ref(self._client, ref, retain=False)

    def ping(self):
        _raw(self._client.call, _client.MANAGER_ID, _client.PING, wire_pb2.Empty(), wire_pb2.Empty)

    def list_objects(self, type_name=''):
        """The server's live objects (wire_pb2.ObjectInfo: id, type, name, refs, sessions), by id."""
        return list(_raw(self._client.call, _client.MANAGER_ID, _client.LIST_OBJECTS,
                         wire_pb2.ListObjectsRequest(type=type_name), wire_pb2.ObjectList).objects)

    def stats(self):
        """The server's wire_pb2.ServerStats."""
        return _raw(self._client.call, _client.MANAGER_ID, _client.STATS, wire_pb2.Empty(), wire_pb2.ServerStats)

    def describe(self, type_name):
        """The ServiceDescriptor of a type (from an imported _pb2, else the server's reflection)."""
        return _types.descriptors(self._client).service(type_name)

    def reflect(self, types=()):
        """The server's FileDescriptorSet of `types` (none: all), loaded into this connection's pool."""
        return _types.descriptors(self._client).reflect(types)

    def dict(self, *args, **kw):
        init = dict_pb2.DictItems()
        for key, value in dict(*args, **kw).items():
            item = init.items.add()
            to_variant(key, item.key)
            to_variant(value, item.value)
        return self.create('rom.builtins.Dict', init)

    def list(self, sequence=()):
        init = variant_pb2.VariantList()
        for v in sequence:
            to_variant(v, init.items.add())
        return self.create('rom.builtins.List', init)

    def set(self, iterable=()):
        init = variant_pb2.VariantList()
        for v in iterable:
            to_variant(v, init.items.add())
        return self.create('rom.builtins.Set', init)

    def Namespace(self, **kw):
        init = namespace_pb2.Attributes()
        for name, value in kw.items():
            to_variant(value, init.attributes.add(name=name).value)
        return self.create('rom.builtins.Namespace', init)

    def Value(self, typecode, value, lock=True):
        if typecode not in TYPECODES:
            raise ValueError('typecode %r: one of %s' % (typecode, ''.join(sorted(TYPECODES))))
        init = value_pb2.ValueInit(typecode=ord(typecode))
        to_variant(value, init.value)
        return self.create('rom.builtins.Value', init)

    def Array(self, typecode, sequence, lock=True):
        if typecode not in TYPECODES - set('sy'):
            raise ValueError('typecode %r: one of %s' % (typecode, ''.join(sorted(TYPECODES - set('sy')))))
        init = array_pb2.ArrayInit(typecode=ord(typecode))
        if isinstance(sequence, int):
            init.length = sequence
        else:
            init.items.CopyFrom(_elements(typecode, sequence))
        return self.create('rom.builtins.Array', init)

    def Lock(self):
        return self.create('rom.builtins.Lock')

    def RLock(self):
        return self.create('rom.builtins.RLock')

    def Semaphore(self, value=1):
        return self.create('rom.builtins.Semaphore', sync_pb2.SemaphoreInit(value=value))

    def BoundedSemaphore(self, value=1):
        return self.create('rom.builtins.BoundedSemaphore', sync_pb2.SemaphoreInit(value=value))

    def Event(self):
        return self.create('rom.builtins.Event')

    def Condition(self, lock=None):
        if lock is not None:
            raise ValueError('a rom Condition has a lock of its own (an RLock): pass no lock')
        return self.create('rom.builtins.Condition')

    def Barrier(self, parties, action=None, timeout=None):
        if action is not None:
            raise ValueError('a rom Barrier runs no action (it would run in the server)')
        init = sync_pb2.BarrierInit(parties=parties, timeout_ms=int(timeout * 1000) if timeout else 0)
        return self.create('rom.builtins.Barrier', init)

    def Queue(self, maxsize=0):
        return self.create('rom.builtins.Queue', queue_pb2.QueueInit(maxsize=maxsize))

    def JoinableQueue(self, maxsize=0):
        return self.create('rom.builtins.JoinableQueue', queue_pb2.QueueInit(maxsize=maxsize))

    def Pipe(self, duplex=True):
        first = self.create('rom.builtins.Pipe', pipe_pb2.PipeInit(duplex=duplex))
        second = self.create('rom.builtins.Pipe', pipe_pb2.PipeInit(duplex=duplex, peer=first._id))
        return first, second

    def shutdown(self):
        """End this process's session: every reference it holds is released."""
        self._client.goodbye()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


del empty_pb2
