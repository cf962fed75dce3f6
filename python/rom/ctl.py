"""romctl: look into a rom server and call its objects from a shell, through its reflection.

    romctl ENDPOINT list                          the live objects: id, type, name, refs
    romctl ENDPOINT describe TYPE                 its rpcs, their input and output messages' fields
    romctl ENDPOINT call NAME|ID METHOD '{json}'  call a method with JSON in, JSON out
    romctl ENDPOINT watch NAME|ID [PATH]          a declared-state object's changes, one JSON line each
    romctl ENDPOINT ping
    romctl ENDPOINT stats

Exit status: 0 ok, 1 the call failed (the status name and the server's text on stderr), 2 usage.
"""
import argparse
import json
import os
import sys
import time

from google.protobuf import descriptor
from google.protobuf import json_format

from . import client as _client
from . import errors
from . import proxies
from . import state
from . import usertypes
from . import wire_pb2


class Failed(Exception):
    pass


def _parser():
    p = argparse.ArgumentParser(prog='romctl', description='Look into a rom server and call its objects.')
    p.add_argument('endpoint', metavar='ENDPOINT', help='the server: ipc://PATH or tcp://HOST:PORT')
    p.add_argument('--authkey-env', metavar='VAR', help='read the server\'s authkey from environment variable VAR')
    p.add_argument('--timeout', type=float, default=5.0, metavar='SECONDS',
                   help='how long to wait for the server to answer its hello (default 5)')
    sub = p.add_subparsers(dest='command', metavar='COMMAND', required=True)
    sp = sub.add_parser('list', help='the live objects: id, type, name, refs')
    sp.add_argument('--type', default='', help='only objects of this type')
    sp = sub.add_parser('describe', help='a type\'s rpcs and their messages (from reflection)')
    sp.add_argument('type', metavar='TYPE', help='a type name, e.g. demo.Counter; "-" for every type')
    sp = sub.add_parser('call', help='call a method: JSON in, JSON out')
    sp.add_argument('object', metavar='NAME|ID', help='the object: its name, or its id (romctl list)')
    sp.add_argument('method', metavar='METHOD', help='the rpc: its name (Add) or snake_case (add)')
    sp.add_argument('json', metavar='JSON', nargs='?', default='{}', help='the input message as JSON (default {})')
    sp = sub.add_parser('watch', help='print a declared-state object\'s changes, one JSON line each',
                        description='Watch an object of a declared-state type (option (rom.state)): print each '
                        'change as one JSON line {"version", "path", "op", "value", "key", "index"} (json_format\'s '
                        'forms: int64 as a string, bytes as base64, enums by name), until interrupted, --count '
                        'changes or --timeout seconds. A change with "missed" carries the whole "state" (the '
                        'server dropped that many for a full queue); {"ended": true} when the object is gone.')
    sp.add_argument('object', metavar='NAME|ID', help='the object: its name, or its id (romctl list)')
    sp.add_argument('path', metavar='PATH', nargs='?', default='',
                    help='only changes of this field and below it: dotted names (hits, inner.a); default every change')
    sp.add_argument('--count', type=int, default=0, metavar='N', help='stop after N changes')
    sp.add_argument('--timeout', dest='watch_timeout', type=float, default=None, metavar='SECONDS',
                    help='stop after SECONDS')
    sp.add_argument('--initial', action='store_true',
                    help='first print the state when the watch began: {"version": V, "state": {...}}')
    sp.add_argument('--queue', type=int, default=0, metavar='N',
                    help='changes the server keeps for this watcher (default 1024); past it they are missed')
    sub.add_parser('ping', help='check that the server answers')
    sub.add_parser('stats', help='the server\'s statistics')
    return p


def _connect(args):
    authkey = None
    if args.authkey_env:
        authkey = os.environ.get(args.authkey_env)
        if authkey is None:
            raise Failed('--authkey-env %s: no such environment variable' % args.authkey_env)
    client = _client.Client(args.endpoint, authkey, timeout=args.timeout)
    _client._CLIENTS[(args.endpoint, authkey)] = client     # its Goodbye at exit
    return proxies.Manager(client)


def _fields(msg_desc, indent):
    lines = []
    for f in msg_desc.fields:
        label = 'repeated ' if f.label == descriptor.FieldDescriptor.LABEL_REPEATED else ''
        if f.message_type is not None:
            kind = f.message_type.full_name
        elif f.enum_type is not None:
            kind = f.enum_type.full_name
        else:
            kind = _SCALARS.get(f.type, str(f.type))
        lines.append('%s%s%s %s = %d;' % (indent, label, kind, f.name, f.number))
    return lines


_SCALARS = {getattr(descriptor.FieldDescriptor, 'TYPE_' + n.upper()): n for n in (
    'double', 'float', 'int64', 'uint64', 'int32', 'fixed64', 'fixed32', 'bool', 'string', 'bytes', 'uint32',
    'sfixed32', 'sfixed64', 'sint32', 'sint64')}


def _describe(m, type_name, out):
    service = m.describe(type_name)
    out.write('service %s {\n' % service.full_name)
    messages = []
    for method in service.methods:
        out.write('  rpc %s(%s) returns (%s);   // method %d, %s ()\n' % (
            method.name, method.input_type.full_name, method.output_type.full_name, method.index,
            usertypes.snake_case(method.name)))
        for msg in (method.input_type, method.output_type):
            if msg not in messages:
                messages.append(msg)
    out.write('}\n')
    for msg in messages:
        out.write('message %s {\n' % msg.full_name)
        for line in _fields(msg, '  '):
            out.write(line + '\n')
        out.write('}\n')


def _to_json(msg, pool):
    try:
        text = json_format.MessageToJson(msg, including_default_value_fields=True, indent=None,
                                         descriptor_pool=pool)
    except TypeError:      # protobuf >= 5: the option was renamed
        text = json_format.MessageToJson(msg, always_print_fields_with_no_presence=True, indent=None,
                                         descriptor_pool=pool)
    return text


def _object(m, args):
    """The proxy of NAME|ID."""
    if args.object.isdigit():
        object_id = int(args.object)
        infos = [o for o in m.list_objects() if o.id == object_id]
        if not infos:
            raise errors.RomError(errors.NO_OBJECT, 'no object #%d at %s (romctl %s list shows them)'
                                  % (object_id, args.endpoint, args.endpoint))
        proxy = proxies.from_token('%s#%d#%s' % (m.endpoint, object_id, infos[0].type), m._client.authkey)
    else:
        try:
            proxy = m.lookup(args.object)
        except KeyError:
            raise errors.RomError(errors.NO_OBJECT, 'no object named %r at %s' % (args.object, args.endpoint))
    return proxy


def _call(m, args, out):
    proxy = _object(m, args)
    if proxy._service is None:
        raise errors.RomError(errors.NOT_FOUND, '%s: the server has no descriptors for this type' % proxy._type)
    service = proxy._service
    method = service.methods_by_name.get(args.method) or {
        usertypes.snake_case(x.name): x for x in service.methods}.get(args.method)
    if method is None:
        raise errors.RomError(errors.NO_METHOD, '%s has no rpc %r (it has %s)' % (
            proxy._type, args.method, ', '.join(x.name for x in service.methods)))
    d = usertypes.descriptors(m._client)
    msg = d.message_class(method.input_type)()
    try:
        json_format.Parse(args.json, msg, descriptor_pool=d.pool)
    except json_format.ParseError as e:
        raise errors.RomError(errors.BAD_REQUEST, 'the input is no %s: %s' % (method.input_type.full_name, e))
    if isinstance(proxy, proxies.ObjectProxy):
        reply = proxy.invoke(method.name, msg)
    else:       # a built-in type: its proxy class has Python's methods; call the rpc itself
        reply = proxies._raw(m._client.call, proxy._id, method.index, msg, d.message_class(method.output_type),
                             type_name=proxy._type, incarnation=proxy._incarnation,
                             what='%s#%d.%s' % (proxy._type, proxy._id, method.name))
    out.write(_to_json(reply, d.pool) + '\n')


def _watch(m, args, out):
    proxy = _object(m, args)
    if proxy._service is None or state.state_message(proxy._service) is None:
        raise errors.RomError(errors.WRONG_TYPE, '%s (%s) is not of a declared-state type (no option (rom.state) '
                              'in its service): nothing to watch' % (args.object, proxy._type))
    try:
        w = state.watch(proxy, args.path, args.queue)
    except KeyError as e:
        raise errors.RomError(errors.NOT_FOUND, e.args[0] if e.args else str(e)) from None
    deadline = None if args.watch_timeout is None else time.monotonic() + args.watch_timeout
    # One line per change, flushed at once: a reader at the other end of a pipe sees each as it comes.
    if args.initial:
        out.write(json.dumps({'version': w.version, 'state': state._message_json(w.initial)}) + '\n')
        out.flush()
    seen = 0
    try:
        while not args.count or seen < args.count:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            change = w.next(left)
            if change is None:
                break
            out.write(json.dumps(change.to_json()) + '\n')
            out.flush()
            seen += 1
            if change.ended:
                break
    except KeyboardInterrupt:      # the usual way to stop a watch: not a failure
        pass
    finally:
        w.close()


def run(argv=None, out=sys.stdout):
    args = _parser().parse_args(argv)
    m = _connect(args)
    if args.command == 'ping':
        m.ping()
        out.write('ok %s\n' % args.endpoint)
    elif args.command == 'list':
        out.write('%-6s %-32s %-24s %s\n' % ('ID', 'TYPE', 'NAME', 'REFS'))
        for o in m.list_objects(args.type):
            out.write('%-6d %-32s %-24s %d\n' % (o.id, o.type, o.name or '-', o.refs))
    elif args.command == 'stats':
        s = m.stats()
        for field in wire_pb2.ServerStats.DESCRIPTOR.fields:
            out.write('%-12s %s\n' % (field.name, getattr(s, field.name)))
    elif args.command == 'describe':
        if args.type == '-':
            fds = m.reflect()
            names = ['%s.%s' % (f.package, s.name) if f.package else s.name for f in fds.file for s in f.service]
            for i, name in enumerate(n for n in names if n != 'rom.Manager'):
                out.write('\n' if i else '')
                _describe(m, name, out)
        else:
            _describe(m, args.type, out)
    elif args.command == 'call':
        _call(m, args, out)
    elif args.command == 'watch':
        _watch(m, args, out)


def main(argv=None):
    try:
        run(argv)
        sys.stdout.flush()
    except BrokenPipeError:      # romctl ... | head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except errors.RomError as e:
        sys.stderr.write('romctl: %s: %s\n' % (e.name, e.text or e))
        return 1
    except (ConnectionError, TimeoutError, PermissionError, Failed) as e:
        name = {ConnectionError: 'UNAVAILABLE', TimeoutError: 'TIMEOUT', PermissionError: 'DENIED'}.get(type(e))
        sys.stderr.write('romctl: %s%s\n' % (name + ': ' if name else '', e))
        return 1
    except KeyError as e:
        sys.stderr.write('romctl: NOT_FOUND: %s\n' % (e.args[0] if e.args else e))
        return 1
    except Exception as e:     # a failed status with a Python exception of its own (ValueError, ...)
        sys.stderr.write('romctl: %s: %s\n' % (type(e).__name__, e))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
