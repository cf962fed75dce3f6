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
"""
import atexit
import hashlib
import itertools
import os
import threading
import weakref

import zmq
import zmq.utils.z85

from . import errors
from . import wire_pb2

VERSION = 2                  # wire.proto, Version.VERSION_CURRENT
MANAGER_ID = 0
HELLO, CREATE, LOOKUP, RETAIN, RELEASE, PING, GOODBYE, REFLECT, LIST_OBJECTS, STATS = range(10)  # rpc order
MARGIN = 2.0                 # seconds a caller waits past a deadline it gave the server (rom_proxy.h)
CALL_TIMEOUT = 60.0          # a call that does not wait: how long its reply may take
CONNECT_TIMEOUT = 5.0


def type_hash(name):
    """FNV-1a (32 bits) of a type name, as rom_type_hash (): the server checks the caller calls what it
    believes it calls."""
    h = 2166136261
    for byte in name.encode():
        h = ((h ^ byte) * 16777619) & 0xffffffff
    return h or 1


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
        self._sockets = []
        self._monitors = []
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
                    # The parent's sockets and context are not ours: keep them unclosed (closing would
                    # touch the parent's ZMQ state), forget them, start over.
                    _ORPHANS.append((self._context, self._sockets, self._monitors, self._local))
                    forked = self.session != 0
                    self._reset()
                    self._forked = forked

    def _socket(self):
        self._check_fork()
        sock = getattr(self._local, 'socket', None)
        if sock is None:
            with self._lock:
                if self._context is None:
                    self._context = zmq.Context()
                sock = self._context.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.IMMEDIATE, 1)
            sock.setsockopt(zmq.RECONNECT_IVL, 100)
            if self._keys:
                sock.curve_serverkey, sock.curve_publickey, sock.curve_secretkey = self._keys
            # Its monitor tells a waiting call at once that the connection dropped (the server died), as
            # C's channels answer UNAVAILABLE then rather than waiting the deadline out.
            self._local.monitor = sock.get_monitor_socket(zmq.EVENT_DISCONNECTED)
            self._monitors.append(self._local.monitor)
            sock.connect(self.endpoint)
            self._local.socket = sock
            self._local.joined = 0
            self._sockets.append(sock)
        return sock

    def _channel(self):
        """This thread's socket, joined to the session (hello first if it is not)."""
        sock = self._socket()
        if self._local.joined != self._generation or not self._generation:
            self._join(sock)
        return sock

    def _join(self, sock, timeout=None):
        """Say hello on `sock`: join the session, or open one (the first, after fork, after a loss)."""
        retake = lost = False
        with self._lock:
            old_session = self.session
            req = wire_pb2.HelloRequest(version=VERSION, pid=os.getpid())
            if old_session:
                req.join, req.secret = old_session, self.secret
            reply = self._roundtrip(sock, MANAGER_ID, HELLO, req, wire_pb2.HelloReply, 0,
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

    def _roundtrip(self, sock, object_id, method, req, reply_cls, type_h, wait, what, server_ms=0,
                   incarnation=0, hello=False):
        """Send one call on `sock` and wait up to `wait` seconds (None: no end) for its reply. Returns the
        reply message, raises the status's exception (raw: (status, text) in a RomError)."""
        call_id = next(self._ids)
        header = wire_pb2.CallHeader(version=VERSION, call_id=call_id, object_id=object_id, method=method,
                                     timeout_ms=server_ms, session=0 if hello else self.session,
                                     type_hash=type_h, incarnation=incarnation)
        monitor = getattr(self._local, 'monitor', None)
        while monitor is not None and monitor.poll(0):
            monitor.recv_multipart()        # a drop between calls: the connection came back since, or not
        frames = [header.SerializeToString(), req.SerializeToString()]
        deadline = None if wait is None else _now() + wait
        # With no connection (ZMQ_IMMEDIATE) a send would block: wait for one within the call's time.
        while True:
            try:
                sock.send_multipart(frames, flags=zmq.NOBLOCK, copy=True)
                break
            except zmq.Again:
                left = None if deadline is None else deadline - _now()
                if left is not None and left <= 0:
                    raise ConnectionError('%s: no connection to %s within %.1f s (no server there?)'
                                          % (what, self.endpoint, wait)) from None
                sock.poll(100 if left is None else max(1, min(100, int(left * 1000))), zmq.POLLOUT)
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        if monitor is not None:
            poller.register(monitor, zmq.POLLIN)
        while True:
            left = None if deadline is None else max(0, deadline - _now())
            ready = dict(poller.poll(None if left is None else int(left * 1000) + 1))
            if monitor is not None and monitor in ready:
                monitor.recv_multipart()
                self._local.joined = 0      # a connection that comes back says hello again
                raise ConnectionError('%s: the connection to %s dropped while the call waited (the server '
                                      'died or stopped)' % (what, self.endpoint))
            if sock not in ready:
                if deadline is not None and _now() >= deadline:
                    if hello:
                        raise ConnectionError(
                            'connect %s: the server did not answer its hello within %.1f s (no server there, '
                            'or %s)' % (self.endpoint, wait,
                                        'another authkey' if self._keys else 'it wants an authkey'))
                    raise TimeoutError('%s: no reply within %.1f s' % (what, wait))
                continue
            frames = sock.recv_multipart()
            if len(frames) != 2 or not frames[0]:
                continue            # not a reply of ours (batched replies are never asked for)
            rh = wire_pb2.ReplyHeader.FromString(frames[0])
            if rh.call_id != call_id:
                continue            # the late reply of a call given up on
            if rh.status != errors.OK:
                raise _Failed(rh.status, rh.error or '%s: %s' % (what, errors.STRERROR.get(rh.status, '?')),
                              rh.incarnation)
            return reply_cls.FromString(frames[1])

    def call(self, object_id, method, req, reply_cls, type_name=None, timeout=None, wait=False,
             what=None, incarnation=0):
        """Call `method` (its index) of object `object_id`. timeout: seconds the server may wait (a blocking
        method: the call's own deadline), None for no deadline; wait: the method waits (so no default
        client-side limit applies when timeout is None). Raises _Failed for a failed status."""
        what = what or '%s#%d.%d' % (type_name or 'rom.Manager', object_id, method)
        if timeout is not None:
            server_ms = max(1, int(timeout * 1000 + 0.999))
            client_wait = timeout + MARGIN
        else:
            server_ms = 0
            client_wait = None if wait else CALL_TIMEOUT
        type_h = type_hash(type_name) if type_name else 0
        for attempt in (0, 1):
            sock = self._channel()
            try:
                return self._roundtrip(sock, object_id, method, req, reply_cls, type_h, client_wait, what,
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
        try:
            self.call(MANAGER_ID, RELEASE, wire_pb2.RefRequest(id=object_id), wire_pb2.Empty)
        except Exception:
            pass

    def goodbye(self):
        """End the session (its references are released) and close the sockets."""
        if self._pid != os.getpid() or not self.session:
            return
        try:
            sock = self._socket()
            self._roundtrip(sock, MANAGER_ID, GOODBYE, wire_pb2.Empty(), wire_pb2.Empty, 0, 2.0,
                            'rom.Manager#0.Goodbye')
        except Exception:
            pass
        self.session = 0
        for sock in self._sockets:
            try:
                sock.disable_monitor()
            except zmq.ZMQError:
                pass
            sock.close(linger=0)
        for monitor in self._monitors:
            monitor.close(linger=0)
        self._sockets = []
        self._monitors = []
        self._local = threading.local()
        if self._context is not None:
            self._context.term()
            self._context = None


class _Failed(Exception):
    def __init__(self, status, text, incarnation=0):
        super().__init__(text)
        self.status, self.text, self.incarnation = status, text, incarnation


def _now():
    import time
    return time.monotonic()


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
