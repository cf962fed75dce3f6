"""User types (a .proto service of your own, hosted by a C server) from Python, through their descriptors.

A type's ServiceDescriptor comes from the _pb2 modules the program imported (protobuf's default pool), else
from the server (Manager.Reflect: a FileDescriptorSet, loaded into a descriptor pool of the connection).
Its proxy class has one method per rpc, in snake_case (Add -> add, GetTotal -> get_total), the method index
being the rpc's order in the service (as protoc-gen-rom numbers them):

    c = m.create('demo.Counter', name='hits')
    c.increment(by=5)                 # keyword arguments build the input message
    c.increment(demo_pb2.Amount(by=5))
"""
import re

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory
from google.protobuf import symbol_database

from . import client as _client
from . import errors
from . import wire_pb2

_SYM = symbol_database.Default()


def snake_case(name):
    return re.sub(r'(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])', r'_\1\2', name).lower()


class Descriptors:
    """The descriptors a connection knows of: the default pool's (imported _pb2), then its server's."""

    def __init__(self, client):
        self._client = client
        self.pool = descriptor_pool.DescriptorPool()
        self._files = set()
        self._factory = message_factory.MessageFactory(self.pool)

    def reflect(self, types=()):
        """Load the .proto files of `types` (none: every type the server hosts) from the server."""
        try:
            fds = self._client.call(_client.MANAGER_ID, _client.REFLECT,
                                    wire_pb2.ReflectRequest(types=list(types)), descriptor_pb2.FileDescriptorSet,
                                    what='reflecting %s' % (', '.join(types) or 'every type'))
        except _client._Failed as failed:
            raise errors.error(failed.status, failed.text, 'key') from None
        for f in fds.file:
            if f.name not in self._files:
                self.pool.Add(f)
                self._files.add(f.name)
        return fds

    def service(self, type_name, reflect=True):
        """The ServiceDescriptor of `type_name`: an imported _pb2's, else the server's. KeyError when
        neither knows it (or reflect is False and no _pb2 has it)."""
        try:
            return descriptor_pool.Default().FindServiceByName(type_name)
        except KeyError:
            pass
        try:
            return self.pool.FindServiceByName(type_name)
        except KeyError:
            if not reflect:
                raise
        self.reflect([type_name])
        return self.pool.FindServiceByName(type_name)

    def message_class(self, desc):
        if desc.file.pool is descriptor_pool.Default():
            try:
                return _SYM.GetSymbol(desc.full_name)
            except KeyError:
                return message_factory.MessageFactory(desc.file.pool).GetPrototype(desc)
        getter = getattr(message_factory, 'GetMessageClass', None)
        return getter(desc) if getter else self._factory.GetPrototype(desc)


def descriptors(client):
    d = getattr(client, '_descriptors', None)
    if d is None:
        d = client._descriptors = Descriptors(client)
    return d


_CLASSES = {}    # (pool id, type name) -> proxy class


def proxy_class(client, type_name, base):
    """A subclass of `base` (ObjectProxy) with the methods of `type_name`'s service, or None when its
    descriptors cannot be found (no _pb2, and the server has none for it)."""
    d = descriptors(client)
    try:
        service = d.service(type_name)
    except (KeyError, errors.RomError, TypeError):
        return None
    key = (id(service.file.pool), type_name)
    cls = _CLASSES.get(key)
    if cls is None:
        ns = {'_service': service, '__doc__': 'A proxy of %s (its rpcs in snake_case).' % type_name}
        for method in service.methods:
            ns[snake_case(method.name)] = _method(method)
        cls = _CLASSES[key] = type(service.name + 'Proxy', (base,), ns)
    return cls


def _method(method):
    def call(self, _msg=None, *, _timeout=None, **fields):
        return self.invoke(method.name, _msg, timeout=_timeout, **fields)
    call.__name__ = snake_case(method.name)
    call.__doc__ = '%s(%s) returns (%s)' % (method.name, method.input_type.full_name,
                                             method.output_type.full_name)
    return call
