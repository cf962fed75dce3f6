"""The client side of rom's wire protocol (idl/rom/wire.proto, docs/design.md), in Python.

A call is two ZMQ frames on a DEALER socket, [CallHeader][input], answered [ReplyHeader][output]; replies are
matched by call_id (a reply to a call this thread gave up on is dropped). Every thread has a socket of its
own, as C's channels: a waiting call (q.get (), lock.acquire ()) of one thread never holds up another's.
Sessions belong to connections: the first socket opens the session (Manager.Hello), every other one joins it
with its secret. Object references belong to the session: each proxy holds one (Create and Lookup give it,
a proxy made from a reference takes one with Retain) and gives it back (Release) when it is collected; the
session's end (Goodbye at exit, or the connection closing when the process dies) gives back the rest.

After os.fork () the child has none of its parent's sockets nor its session: its first call opens a session
of its own and every proxy it inherited takes its reference again there (as Python's proxies do after fork).

Pipelined calls (call_async, Future): a call is sent and its Future kept in the thread's table of calls in
flight (call_id -> Future); whoever reads the thread's socket next (a sync call, a Future's result (), the
send of another async call) hands each reply to the Future its call_id names. Many calls are in flight on one
connection that way, as C's rom_proxy_call_async (). A Future belongs to the thread (and process) that made
it: its reply arrives on that thread's socket, which no other thread may read (ZMQ sockets are not
thread-safe), so result () in another thread works only once the Future is done. One-way calls
(CALL_ONEWAY) get no reply at all: nothing to wait for, and an error is never heard of.

Two transports carry a thread's calls, behind one small interface (a channel: send (), recv () with a
deadline, check () for a drop between calls, close (), abandon () after fork; a drop shows as zmtp.Dropped):
  - zmtp.Dealer (zmtp.py): ZMTP spoken by the calling thread itself on a plain socket, for ipc:// and tcp://
    without an authkey, the default. No libzmq thread in between: a call is one write and one read.
  - _ZmqChannel: a pyzmq DEALER and its monitor, for CURVE (an authkey), other endpoints, and whoever sets
    ROM_PY_TRANSPORT=zmq (the tests run the suite both ways).
"""
import atexit
import hashlib
import itertools
import os
import threading
import weakref
from time import monotonic as _now

from zmq import zmq_poll as _zmq_poll

import zmq
import zmq.utils.z85

from . import errors
from . import wire_pb2
from . import zmtp
from .zmtp import Dropped

VERSION = 2                  # wire.proto, Version.VERSION_CURRENT
MANAGER_ID = 0
HELLO, CREATE, LOOKUP, RETAIN, RELEASE, PING, GOODBYE, REFLECT, LIST_OBJECTS, STATS = range(10)  # rpc order
MARGIN = 2.0                 # seconds a caller waits past a deadline it gave the server (rom_proxy.h)
CALL_TIMEOUT = 60.0          # a call that does not wait: how long its reply may take
CONNECT_TIMEOUT = 5.0
# Calls in flight per thread before a new async call waits for a reply (any: the oldest may be a get that
# waits for an item). Unread replies wait in the server's ROUTER pipe to us (which drops a peer's messages
# past its high-water mark of 1000), the kernel's socket buffer and, on pyzmq, our socket's own pipe. Only
# the server's pipe can be counted on: the client's I/O thread may lag on a loaded machine, and the kernel's
# buffer may take as few as ~200 small replies (each write of the server's I/O thread is charged ~1 KiB).
# That pipe's writer learns of what was read only every 500 messages (libzmq's low-water mark, half its
# 1000), so it may count itself full with 501 in it, and the server's own liveness probes (lease.c) take
# slots in it too. 400 in flight stays under its worst case alone, on either transport: none is ever lost
# however far ahead the caller sends. (At 1000 on pyzmq, a test with 1000 unread replies lost one in about
# four runs on a loaded machine.) The cost: a thread's 401st call waits while its 400 earlier ones all
# wait on the server (gets of an empty queue, say).
MAX_IN_FLIGHT = 400
# Plain ints: pyzmq's flags are enums whose | and & cost a microsecond each on the hot path.
_EVENTS, _POLLIN = int(zmq.EVENTS), int(zmq.POLLIN)
_NOBLOCK, _SNDMORE_NOBLOCK = int(zmq.NOBLOCK), int(zmq.SNDMORE | zmq.NOBLOCK)
CALL_FLAGS_ONEWAY = 1        # wire.proto, CallFlags.CALL_ONEWAY


_TYPE_HASHES = {}


def type_hash(name):
    """FNV-1a (32 bits) of a type name, as rom_type_hash (): the server checks the caller calls what it
    believes it calls. Cached: every call sends it, and the loop in Python costs microseconds."""
    h = _TYPE_HASHES.get(name)
    if h is None:
        h = _TYPE_HASHES[name] = _fnv1a(name)
    return h


def _fnv1a(name):
    h = 2166136261
    for byte in name.encode():
        h = ((h ^ byte) * 16777619) & 0xffffffff
    return h or 1


def use_zmtp(endpoint, authkey):
    """Whether a client of `endpoint` speaks ZMTP itself (zmtp.py) rather than through pyzmq: without an
    authkey (CURVE is pyzmq's), on ipc:// or tcp://, unless ROM_PY_TRANSPORT=zmq asks for pyzmq."""
    if os.environ.get('ROM_PY_TRANSPORT', '').lower() == 'zmq' or authkey:
        return False
    return endpoint.startswith(('ipc://', 'tcp://'))


class _ZmqChannel:
    """A thread's pyzmq DEALER. Its monitor tells a waiting call at once that the connection dropped (the
    server died), as C's channels answer UNAVAILABLE then rather than waiting the deadline out."""

    def __init__(self, context, endpoint, keys):
        sock = self.sock = context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.IMMEDIATE, 1)
        sock.setsockopt(zmq.RECONNECT_IVL, 100)
        if keys:
            sock.curve_serverkey, sock.curve_publickey, sock.curve_secretkey = keys
        self.monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        sock.connect(endpoint)
        self.polls = [(sock, zmq.POLLIN), (self.monitor, zmq.POLLIN)]

    def check(self):
        """Whether the connection dropped since the last call (ZMQ reconnects by itself). EVENTS is read
        without a poll: this runs on every call."""
        dropped = False
        monitor = self.monitor
        while monitor.getsockopt(_EVENTS) & _POLLIN:
            monitor.recv_multipart()
            dropped = True
        return dropped

    def send(self, frames, deadline):
        """Send a message. With no connection (ZMQ_IMMEDIATE) a send would block: wait for one until
        `deadline`; returns False if none came."""
        sock = self.sock
        last = len(frames) - 1
        while True:
            try:
                for i, f in enumerate(frames):
                    # Once the first frame is sent the others cannot block.
                    sock.send(f, _SNDMORE_NOBLOCK if i < last else _NOBLOCK)
                return True
            except zmq.Again:
                left = None if deadline is None else deadline - _now()
                if left is not None and left <= 0:
                    return False
                sock.poll(100 if left is None else max(1, min(100, int(left * 1000))), zmq.POLLOUT)

    def recv(self, deadline):
        """The next message, waiting until `deadline` (None: no end); None at the deadline; Dropped when
        the monitor says the connection dropped (a message that is there comes first)."""
        while True:
            # zmq_poll itself, not a zmq.Poller: the sugar's registering and dict cost microseconds a call.
            ready = _zmq_poll(self.polls, zmtp._left_ms(deadline))
            for sock, _ in ready:
                if sock is self.sock:
                    return self.sock.recv_multipart()
            if ready:
                self.monitor.recv_multipart()
                raise Dropped('the connection dropped')
            if deadline is not None and _now() >= deadline:
                return None

    def close(self):
        try:
            self.sock.disable_monitor()
        except zmq.ZMQError:
            pass
        self.sock.close(linger=0)
        self.monitor.close(linger=0)

    def abandon(self):
        """After fork: the parent's sockets are not ours and closing them would touch the parent's ZMQ
        state. They are kept unclosed (_ORPHANS)."""
        _ORPHANS.append(self)


def derive_keys(authkey):
    """The CURVE key pairs of an authkey, as runtime/src/auth.c: the Z85 of SHA-256 (label NUL authkey) is
    each side's secret key. Returns (server_public, client_public, client_secret)."""
    if isinstance(authkey, str):
        authkey = authkey.encode()
    if b'\0' in authkey:
        raise ValueError('an authkey cannot hold a NUL byte (C reads it as a string)')
    keys = []
    for label in (b'rom.curve.server.v1', b'rom.curve.client.v1'):
        secret = zmq.utils.z85.encode(hashlib.sha256(label + b'\0' + authkey).digest())
        keys.append((zmq.curve_public(secret), secret))
    return keys[0][0], keys[1][0], keys[1][1]


class Client:
    """One connection to a server (its session), shared by the process's threads and proxies."""

    def __init__(self, endpoint, authkey=None, timeout=CONNECT_TIMEOUT):
        self.endpoint = endpoint
        self.authkey = authkey
        self._keys = derive_keys(authkey) if authkey else None
        self._zmtp = use_zmtp(endpoint, authkey)
        self._connect_timeout = timeout
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._proxies = weakref.WeakValueDictionary()    # serial -> proxy: the references to take again
        self._serials = itertools.count(1)
        self._reset()
        self._channel()           # connect and say hello now: a wrong endpoint or authkey fails here

    def _reset(self):
        """A client with no session in this process (new, or inherited across fork)."""
        self._pid = os.getpid()
        self._context = None
        self._local = threading.local()
        self._channels = []      # every thread's, to close at goodbye () or abandon after fork
        self._held = set()       # serials of the proxies whose reference this process holds
        self.session = 0
        self.secret = 0
        self.incarnation = 0
        self._generation = 0
        self.max_message = 0

    # --- sockets and the session -----------------------------------------------------------------------

    def _check_fork(self):
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    # The parent's connections and context are not ours: forget them, start over (each
                    # channel knows how to let go of its own: abandon ()).
                    _ORPHANS.append((self._context, self._local))
                    for channel in self._channels:
                        channel.abandon()
                    forked = self.session != 0
                    self._reset()
                    self._forked = forked

    def _socket(self):
        """This thread's channel (made on first use: a zmtp.Dealer connects on its first send)."""
        self._check_fork()
        chan = getattr(self._local, 'chan', None)
        if chan is None:
            if self._zmtp:
                chan = zmtp.Dealer(self.endpoint)
            else:
                with self._lock:
                    if self._context is None:
                        self._context = zmq.Context()
                    chan = _ZmqChannel(self._context, self.endpoint, self._keys)
            self._local.chan = chan
            self._local.joined = 0
            self._local.pending = {}      # call_id -> Future: this thread's async calls in flight
            with self._lock:
                self._channels.append(chan)
        return chan

    def _channel(self):
        """This thread's channel, joined to the session (hello first if it is not)."""
        chan = self._socket()
        if self._local.joined != self._generation or not self._generation:
            self._join(chan)
        return chan

    def _join(self, chan, timeout=None):
        """Say hello on `chan`: join the session, or open one (the first, after fork, after a loss)."""
        retake = lost = False
        with self._lock:
            old_session = self.session
            req = wire_pb2.HelloRequest(version=VERSION, pid=os.getpid())
            if old_session:
                req.join, req.secret = old_session, self.secret
            reply = self._roundtrip(chan, MANAGER_ID, HELLO, req, wire_pb2.HelloReply, 0,
                                    timeout or self._connect_timeout, 'rom.Manager#0.Hello', hello=True)
            self.max_message = reply.max_message
            if not reply.joined:
                restarted = self.incarnation != 0 and reply.incarnation != self.incarnation
                self.session, self.secret, self.incarnation = reply.session, reply.secret, reply.incarnation
                self._generation += 1
                forked = getattr(self, '_forked', False)
                self._forked = False
                retake = (old_session != 0 or forked) and not restarted
                lost = old_session != 0 and not restarted and bool(reply.lost)
            self._local.joined = self._generation
        if retake:
            for serial, proxy in list(self._proxies.items()):
                try:
                    self.call(MANAGER_ID, RETAIN, wire_pb2.RefRequest(id=proxy._id), wire_pb2.Empty)
                    self._held.add(serial)
                except Exception:      # its object is gone: its calls will say so
                    pass
        if lost:
            raise errors.SessionLost(errors.SESSION_LOST,
                                     'this client\'s session at %s was ended by the server while this process '
                                     'lived (%s): locks it held were released; it has a new session now'
                                     % (self.endpoint, reply.lost))

    # --- calls ----------------------------------------------------------------------------------------------

    def _roundtrip(self, chan, object_id, method, req, reply_cls, type_h, wait, what, server_ms=0,
                   incarnation=0, hello=False):
        """Send one call on `chan` and wait up to `wait` seconds (None: no end) for its reply. Returns the
        reply message, raises the status's exception (raw: (status, text) in a RomError)."""
        call_id = next(self._ids)
        header = wire_pb2.CallHeader(version=VERSION, call_id=call_id, object_id=object_id, method=method,
                                     timeout_ms=server_ms, session=0 if hello else self.session,
                                     type_hash=type_h, incarnation=incarnation)
        pending = self._local.pending
        # A drop between calls (the connection came back since, or comes back for this send): the calls in
        # flight on it will get no reply.
        if chan.check() and pending:
            self._fail_pending(': the connection to %s dropped before its reply came' % self.endpoint)
        deadline = None if wait is None else _now() + wait
        self._send(chan, header.SerializeToString(), req.SerializeToString(), deadline, what, wait)
        while True:
            try:
                frames = chan.recv(deadline)
            except Dropped:
                self._dropped(what)
            if frames is None:
                if deadline is not None and _now() >= deadline:
                    if hello:
                        raise ConnectionError(
                            'connect %s: the server did not answer its hello within %.1f s (no server there, '
                            'or %s)' % (self.endpoint, wait,
                                        'another authkey' if self._keys else 'it wants an authkey'))
                    raise TimeoutError('%s: no reply within %.1f s' % (what, wait))
                continue
            if len(frames) != 2 or not frames[0]:
                continue            # not a reply of ours (batched replies are never asked for)
            rh = wire_pb2.ReplyHeader.FromString(frames[0])
            if rh.call_id != call_id:
                # An async call's reply (its Future takes it), or the late reply of a call given up on.
                if pending:
                    fut = pending.pop(rh.call_id, None)
                    if fut is not None:
                        fut._reply(rh, frames[1])
                continue
            if rh.status != errors.OK:
                raise _Failed(rh.status, rh.error or '%s: %s' % (what, errors.STRERROR.get(rh.status, '?')),
                              rh.incarnation)
            return reply_cls.FromString(frames[1])

    def _send(self, chan, header, payload, deadline, what, wait):
        """Send [header][payload] on `chan`, waiting for a connection until `deadline`."""
        if not chan.send([header, payload], deadline):
            raise ConnectionError('%s: no connection to %s within %.1f s (no server there?)'
                                  % (what, self.endpoint, wait))

    def _dropped(self, what):
        """The connection dropped while this thread waited: every call in flight on it fails."""
        self._local.joined = 0      # a connection that comes back says hello again
        text = (': the connection to %s dropped while the call waited (the server died or stopped)'
                % self.endpoint)
        self._fail_pending(text)
        raise ConnectionError(what + text)

    def _fail_pending(self, text):
        """Fail every call in flight on this thread's connection (each with its name, then `text`)."""
        pending = getattr(self._local, 'pending', None)
        if pending:
            for fut in list(pending.values()):
                fut._fail(ConnectionError(fut._what + text))
            pending.clear()

    def _pump(self, fut, timeout):
        local = self._local
        local.busy = getattr(local, 'busy', 0) + 1
        try:
            return self._pump_replies(fut, timeout)
        finally:
            self._leave(local)

    def _enter(self):
        """A call (or a wait for replies) begins on this thread: see release ()."""
        local = self._local
        local.busy = getattr(local, 'busy', 0) + 1
        return local

    def _leave(self, local):
        local.busy -= 1
        if not local.busy and getattr(local, 'deferred', None) and local is self._local:
            ids, local.deferred = local.deferred, []
            for object_id in ids:
                self.release_now(object_id)

    def _pump_replies(self, fut, timeout):
        """Read this thread's socket until `fut` is done or `timeout` seconds (None: its own deadline)
        pass, handing every reply to the Future it answers. Returns whether `fut` is done."""
        chan = self._local.chan
        pending = self._local.pending
        end = fut._deadline
        if timeout is not None:
            mine = _now() + timeout
            end = mine if end is None or mine < end else end
        while not fut._done:
            # In a pipeline the replies are usually there already: recv () returns them without a wait.
            try:
                frames = chan.recv(end)
            except Dropped:
                try:
                    self._dropped(fut._what)
                except ConnectionError:
                    return True      # fut failed with the others
            if frames is not None:
                if len(frames) != 2 or not frames[0]:
                    continue         # not a reply of ours (batched replies are never asked for)
                rh = wire_pb2.ReplyHeader.FromString(frames[0])
                other = pending.pop(rh.call_id, None)
                if other is not None:
                    other._reply(rh, frames[1])
            elif end is not None and _now() >= end:
                if fut._deadline is not None and _now() >= fut._deadline:
                    pending.pop(fut._call_id, None)    # its reply, should it come, is dropped
                    fut._fail(TimeoutError('%s: no reply within %.1f s' % (fut._what, fut._wait)))
                    return True
                return False
        return True

    def call_async(self, *args, **kwargs):
        """Send a call and return its Future at once (None for a oneway call: no reply comes). The
        arguments are call ()'s; convert(reply, exc) -> value (or raises) makes the Future's result of the
        reply message, or of the exception the status became (exc; reply None)."""
        local = self._enter()
        try:
            return self._call_async(*args, **kwargs)
        finally:
            self._leave(local)

    def _call_async(self, object_id, method, req, reply_cls, type_name=None, timeout=None, wait=False,
                    what=None, incarnation=0, convert=None, oneway=False, context=None):
        chan = self._channel()            # checks for a fork first
        pending = self._local.pending
        if len(pending) >= MAX_IN_FLIGHT:
            self._pump(_Room(pending, MAX_IN_FLIGHT), None)      # any reply makes room (the oldest may be a waiting get)
        if timeout is not None:
            server_ms = max(1, int(timeout * 1000 + 0.999))
            client_wait = timeout + MARGIN
        else:
            server_ms = 0
            client_wait = None if wait else CALL_TIMEOUT
        fut = Future(self, object_id, method, req.SerializeToString(), reply_cls,
                     type_hash(type_name) if type_name else 0, server_ms, client_wait,
                     what or '%s#%d.%d' % (type_name or 'rom.Manager', object_id, method), incarnation, convert,
                     context)
        fut._start(chan, CALL_FLAGS_ONEWAY if oneway else 0)
        if oneway:
            return None
        return fut

    def call(self, object_id, method, req, reply_cls, type_name=None, timeout=None, wait=False,
             what=None, incarnation=0):
        """Call `method` (its index) of object `object_id`. timeout: seconds the server may wait (a blocking
        method: the call's own deadline), None for no deadline; wait: the method waits (so no default
        client-side limit applies when timeout is None). Raises _Failed for a failed status."""
        local = self._enter()
        try:
            return self._call(object_id, method, req, reply_cls, type_name, timeout, wait, what, incarnation)
        finally:
            self._leave(local)

    def _call(self, object_id, method, req, reply_cls, type_name, timeout, wait, what, incarnation):
        what = what or '%s#%d.%d' % (type_name or 'rom.Manager', object_id, method)
        if timeout is not None:
            server_ms = max(1, int(timeout * 1000 + 0.999))
            client_wait = timeout + MARGIN
        else:
            server_ms = 0
            client_wait = None if wait else CALL_TIMEOUT
        type_h = type_hash(type_name) if type_name else 0
        for attempt in (0, 1):
            chan = self._channel()
            try:
                return self._roundtrip(chan, object_id, method, req, reply_cls, type_h, client_wait, what,
                                       server_ms, incarnation)
            except _Failed as failed:
                # Refused before it ran: this connection is not (or no longer) in the session, e.g. it came
                # back after a server restart or a lost session. Say hello again and try once more.
                if attempt == 0 and failed.status in (errors.DENIED, errors.SESSION_LOST) and self.session:
                    self._local.joined = 0
                    continue
                raise

    # --- references -------------------------------------------------------------------------------------

    def attach(self, proxy):
        serial = next(self._serials)
        self._proxies[serial] = proxy
        self._held.add(serial)
        return serial

    def release(self, object_id, serial):
        """A proxy was collected: give its reference back, if this process took one for it (a proxy
        inherited across fork that was never used here holds none)."""
        self._proxies.pop(serial, None)
        if self._pid != os.getpid() or serial not in self._held or _EXITING:
            return
        self._held.discard(serial)
        local = self._local
        if getattr(local, 'busy', 0):
            # Collected while this thread is inside a call of this client (a finalizer runs wherever the
            # garbage collector does, in the middle of reading the connection, say): a call now would read
            # that connection from under the one in progress. It is sent once that one is done.
            if getattr(local, 'deferred', None) is None:
                local.deferred = []
            local.deferred.append(object_id)
            return
        self.release_now(object_id)

    def release_now(self, object_id):
        # A short limit (1 s for the server, 3 s here): a collected proxy of a server that is gone must not
        # hold up whatever its finalizer interrupted for a call's 60 s.
        try:
            self.call(MANAGER_ID, RELEASE, wire_pb2.RefRequest(id=object_id), wire_pb2.Empty, timeout=1.0)
        except Exception:
            pass

    def goodbye(self):
        """End the session (its references are released) and close the connections."""
        if self._pid != os.getpid() or not self.session:
            return
        local = self._enter()         # (a release collected meanwhile is moot: the session ends)
        try:
            chan = self._socket()
            self._roundtrip(chan, MANAGER_ID, GOODBYE, wire_pb2.Empty(), wire_pb2.Empty, 0, 2.0,
                            'rom.Manager#0.Goodbye')
        except Exception:
            pass
        finally:
            local.busy -= 1
        self.session = 0
        for chan in self._channels:
            chan.close()
        self._channels = []
        self._local = threading.local()
        if self._context is not None:
            self._context.term()
            self._context = None


class _Failed(Exception):
    def __init__(self, status, text, incarnation=0):
        super().__init__(text)
        self.status, self.text, self.incarnation = status, text, incarnation


class _Room:
    """What call_async waits for when MAX_IN_FLIGHT calls are in flight: room for one more,
    as _pump sees a Future (done, no deadline of its own)."""
    _deadline = None
    _what = 'waiting for room among the calls in flight'

    def __init__(self, pending, limit):
        self._pending = pending
        self._limit = limit

    @property
    def _done(self):
        return len(self._pending) < self._limit


class Future:
    """The result to come of an async call (call_async, a proxy's *_async methods), as
    concurrent.futures.Future: result (timeout=None) returns it or raises what the sync call would raise;
    exception (timeout=None), done (). It belongs to the thread that made it (its reply comes on that
    thread's socket): result () from another thread raises RuntimeError unless it is done already. Not
    usable across fork (the child has none of its parent's calls in flight)."""

    __slots__ = ('_client', '_local', '_object_id', '_method', '_payload', '_reply_cls', '_type_h',
                 '_server_ms', '_wait', '_what', '_incarnation', '_convert', '_call_id', '_deadline', '_done',
                 '_value', '_exc', '_retried', '_thread', '_context')

    def __init__(self, client, object_id, method, payload, reply_cls, type_h, server_ms, wait, what,
                 incarnation, convert, context=None):
        self._client = client
        self._context = context
        self._local = client._local
        self._object_id, self._method, self._payload = object_id, method, payload
        self._reply_cls, self._type_h, self._server_ms, self._wait = reply_cls, type_h, server_ms, wait
        self._what, self._incarnation, self._convert = what, incarnation, convert
        self._done = False
        self._value = self._exc = None
        self._retried = False
        self._thread = threading.get_ident()

    def _start(self, chan, flags=0):
        client = self._client
        self._call_id = next(client._ids)
        self._deadline = None if self._wait is None else _now() + self._wait
        header = wire_pb2.CallHeader(version=VERSION, call_id=self._call_id, object_id=self._object_id,
                                     method=self._method, timeout_ms=self._server_ms, session=client.session,
                                     type_hash=self._type_h, incarnation=self._incarnation, flags=flags)
        if not flags:
            # In the table before the send: a reply can only be read after it, but a failed send removes it.
            self._local.pending[self._call_id] = self
        try:
            client._send(chan, header.SerializeToString(), self._payload, self._deadline, self._what,
                         self._wait)
        except BaseException:
            self._local.pending.pop(self._call_id, None)
            raise

    def _reply(self, rh, payload):
        if rh.status == errors.OK:
            try:
                reply = self._reply_cls.FromString(payload)
                self._value = self._convert(reply, None) if self._convert else reply
            except BaseException as e:
                self._exc = e
            self._done = True
            return
        if (not self._retried and rh.status in (errors.DENIED, errors.SESSION_LOST)
                and self._client.session and self._client._pid == os.getpid()):
            # Refused before it ran (this connection is not in the session, as call () retries): say hello
            # again and send it once more. The hello reads this socket, so other replies still reach theirs.
            self._retried = True
            client = self._client
            client._local.joined = 0
            try:
                self._start(client._channel())
                return
            except BaseException as e:
                self._fail(e)
                return
        self._fail(errors.error(rh.status, rh.error or '%s: %s' % (
            self._what, errors.STRERROR.get(rh.status, '?')), self._context))

    def _fail(self, exc):
        if self._convert is not None:
            try:
                self._value = self._convert(None, exc)
                self._done = True
                return
            except BaseException as e:
                exc = e
        self._exc = exc
        self._done = True

    def done(self):
        return self._done

    def _settle(self, timeout):
        if self._done:
            return
        if self._thread != threading.get_ident() or self._client._pid != os.getpid():
            raise RuntimeError('%s: a rom Future is waited for in the thread (and process) that made it'
                               % self._what)
        if self._local is not self._client._local:
            # goodbye () (Manager.shutdown) closed the sockets this call was in flight on.
            self._fail(ConnectionError('%s: the session ended (shutdown) before its reply came' % self._what))
            return
        if not self._client._pump(self, timeout):
            raise TimeoutError('%s: not done within %.3g s' % (self._what, timeout))

    def result(self, timeout=None):
        """The call's result, waiting up to `timeout` seconds (None: the call's own deadline) for it; raises
        the call's exception, or TimeoutError (the call stays in flight: result () may be asked again)."""
        self._settle(timeout)
        if self._exc is not None:
            raise self._exc
        return self._value

    def exception(self, timeout=None):
        """The call's exception, or None when it succeeded."""
        self._settle(timeout)
        return self._exc

    def __repr__(self):
        return '<rom.Future %s %s>' % (self._what, 'done' if self._done else 'pending')


def wait_all(futures, timeout=None):
    """Wait for every Future of `futures` (None entries, from one-way calls, are skipped); returns their
    results in order. Raises the first failed call's exception, or TimeoutError when they are not all done
    within `timeout` seconds."""
    futures = [f for f in futures if f is not None]
    end = None if timeout is None else _now() + timeout
    for f in futures:
        f._settle(None if end is None else max(0.0, end - _now()))
    return [f.result() for f in futures]


_ORPHANS = []                 # contexts and sockets inherited across fork: never closed in the child
_CLIENTS = {}                 # (endpoint, authkey) -> Client, for proxies unpickled in another process
_CLIENTS_LOCK = threading.Lock()
_EXITING = False


def client_for(endpoint, authkey=None):
    """The process's client of `endpoint` (connecting it on first use)."""
    if authkey is None:
        authkey = os.environ.get('ROM_AUTHKEY') or None
    if isinstance(authkey, bytes):
        authkey = authkey.decode()
    key = (endpoint, authkey)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = Client(endpoint, authkey)
        return client


def _at_exit():
    global _EXITING
    _EXITING = True
    for client in list(_CLIENTS.values()):
        client.goodbye()


atexit.register(_at_exit)
