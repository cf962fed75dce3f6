"""A minimal ZMTP 3.0 peer (RFC 23/ZMTP, NULL mechanism only) over a plain socket: the Python client's direct
path to a rom server's ROUTER, speaking as a DEALER.

Why: with pyzmq every message crosses threads twice on the client's side (the caller hands it to libzmq's
I/O thread, which later wakes the caller through a mailbox), and on a loaded machine those hops cost far more
than the call itself. Here the calling thread writes and reads the connection itself: a call is one send and
(after a poll) one recv, as Python's own BaseManager does on its unix socket.

What it does and does not do. ipc://path (AF_UNIX; ipc://@name for Linux's abstract namespace) and
tcp://host:port (TCP_NODELAY, as libzmq sets it). The 64-byte greeting, then READY with Socket-Type=DEALER and
Identity=a random routing id (16 bytes, top bit set: ids starting with a zero byte are ZMQ's own), as the C
client's channels (runtime/src/channel.c): the server keys a session's connections by routing id. Messages
are frames (flags MORE 0x01, LONG 0x02, COMMAND 0x04; 1- or 8-byte big-endian sizes). The server's READY and
ERROR commands are understood, PING is answered with PONG (rom's server sends none, ZMTP 3.1 peers may), other
commands are ignored. No CURVE: a client with an authkey stays on pyzmq (client.py).

A Dealer is one thread's connection: not thread-safe (as a ZMQ socket is not). It connects when it first
sends and again, with a fresh routing id, after it dropped, as a ZMQ socket reconnects by itself. A drop
(EOF, ECONNRESET, an ERROR command) shows as Dropped from recv (); sends wait for a connection until their
deadline, as pyzmq's with ZMQ_IMMEDIATE. After os.fork () a child that uses an inherited Dealer never touches
the parent's connection: it closes its copy of the descriptor (the parent's stays open) and connects anew.
"""
import os
import select
import socket
import time

_now = time.monotonic

MORE, LONG, COMMAND = 0x01, 0x02, 0x04
GREETING_SIZE = 64
RECONNECT_IVL = 0.1            # seconds between connection attempts, as client.py's ZMQ_RECONNECT_IVL
_CHUNK = 65536
_POLLIN = select.POLLIN | select.POLLHUP | select.POLLERR
_POLLOUT = select.POLLOUT | select.POLLHUP | select.POLLERR

# signature (0xFF, 8 bytes of padding, 0x7F), version 3.0, mechanism "NULL" padded to 20, as-server 0, filler.
GREETING = b'\xff' + bytes(8) + b'\x7f' + b'\x03\x00' + b'NULL'.ljust(20, b'\0') + b'\x00' + bytes(31)
assert len(GREETING) == GREETING_SIZE

# Bumped in a fork's child: a Dealer made before it is the parent's (see Dealer._check_fork).
_forks = 0


def _after_fork():
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_after_fork)


class Dropped(ConnectionError):
    """The connection dropped (the server closed it, died, or refused the handshake)."""


class ProtocolError(Dropped):
    """The peer does not speak ZMTP 3 with the NULL mechanism as we do: the connection is closed."""


def new_routing_id():
    """16 random bytes, the first with its top bit set (ZMQ reserves ids that start with a zero byte)."""
    rid = bytearray(os.urandom(16))
    rid[0] |= 0x80
    return bytes(rid)


def frame(data, flags=0):
    """One ZMTP frame: flags, its size (1 byte, or 8 with LONG), the body."""
    n = len(data)
    if n < 256:
        return bytes((flags, n)) + data
    return bytes((flags | LONG,)) + n.to_bytes(8, 'big') + data


def command(name, body=b''):
    """A command frame: name size, name, its body."""
    return frame(bytes((len(name),)) + name + body, COMMAND)


def properties(props):
    """The metadata of READY: each name (1-byte size) and value (4-byte size)."""
    out = b''
    for name, value in props:
        out += bytes((len(name),)) + name + len(value).to_bytes(4, 'big') + value
    return out


def parse_properties(data):
    """READY's metadata -> {name (lower case, as names are case-insensitive): value}."""
    props = {}
    i = 0
    while i < len(data):
        n = data[i]
        name = bytes(data[i + 1:i + 1 + n]).decode('ascii', 'replace').lower()
        i += 1 + n
        if i + 4 > len(data):
            raise ProtocolError('a truncated READY property')
        size = int.from_bytes(data[i:i + 4], 'big')
        props[name] = bytes(data[i + 4:i + 4 + size])
        i += 4 + size
    if i != len(data):
        raise ProtocolError('a truncated READY property')
    return props


def parse_endpoint(endpoint):
    """ipc://path or tcp://host:port -> (family, address); ValueError for anything else."""
    if endpoint.startswith('ipc://'):
        path = endpoint[6:]
        if path.startswith('@'):
            path = '\0' + path[1:]            # the abstract namespace, as libzmq reads ipc://@name
        return socket.AF_UNIX, path
    if endpoint.startswith('tcp://'):
        host, sep, port = endpoint[6:].rpartition(':')
        if not sep or not port.isdigit():
            raise ValueError('%s: tcp:// wants host:port' % endpoint)
        if host.startswith('[') and host.endswith(']'):
            host = host[1:-1]
        return socket.AF_INET, (host, int(port))   # AF_INET6 too: create_connection resolves the host
    raise ValueError('%s: a direct ZMTP connection supports ipc:// and tcp:// only' % endpoint)


def _left_ms(deadline):
    """poll ()'s timeout for `deadline` (None: -1, no end), rounded up so a poll never ends early."""
    if deadline is None:
        return -1
    left = deadline - _now()
    return 0 if left <= 0 else int(left * 1000) + 1


class Dealer:
    """One thread's connection to a ROUTER, made (again) on demand: send (), recv (), check (), close ()."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self._family, self._address = parse_endpoint(endpoint)
        self.routing_id = new_routing_id()
        self._sock = None
        self._poll = None
        self._forks = _forks
        self._buf = bytearray()     # received bytes not consumed yet, from _off on
        self._off = 0
        self._need = 0              # bytes the frame being received still lacks (reads ask for that much)
        self.peer = {}              # the server's READY properties (socket-type, ...)
        self.last_error = None      # why the last connection attempt failed (for the caller's message)

    # --- the connection ------------------------------------------------------------------------------------

    def _check_fork(self):
        """In a fork's child: forget the parent's connection (closing only our copy of its descriptor: the
        parent's connection stays up) and its routing id (the server would hand the parent's peer over to
        us), so the next send connects anew."""
        if self._forks != _forks:
            self._forks = _forks
            if self._sock is not None:
                self._sock.close()
                self._sock = None
            self.routing_id = new_routing_id()
            self._buf = bytearray()
            self._off = 0

    def connected(self):
        return self._sock is not None

    def _connect(self, deadline):
        """Connect and handshake, trying again every RECONNECT_IVL until `deadline`. Returns whether it is
        connected; a peer that answers but refuses (ERROR, not ZMTP 3) raises."""
        while True:
            try:
                self._connect_once(deadline)
                return True
            except ProtocolError:
                raise
            except OSError as e:      # nobody there (yet): ENOENT, ECONNREFUSED, a timeout, a reset
                self.last_error = e
                self._drop()
            left = None if deadline is None else deadline - _now()
            if left is not None and left <= 0:
                return False
            time.sleep(RECONNECT_IVL if left is None else min(RECONNECT_IVL, left))

    def _connect_once(self, deadline):
        left = None if deadline is None else max(0.001, deadline - _now())
        if self._family == socket.AF_UNIX:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(left)
                sock.connect(self._address)
            except BaseException:
                sock.close()
                raise
        else:
            sock = socket.create_connection(self._address, timeout=left)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # a call is one small write
        # Non-blocking from here on: every wait is a poll () with the caller's deadline.
        sock.setblocking(False)
        self._sock = sock
        self._poll = select.poll()
        self._poll.register(sock, _POLLIN)
        self._buf = bytearray()
        self._off = 0
        self.peer = {}
        ready = command(b'READY', properties([(b'Socket-Type', b'DEALER'), (b'Identity', self.routing_id)]))
        # Our greeting and READY at once: with NULL nothing of ours depends on what the server says first.
        if not self._write(GREETING + ready, deadline):
            raise socket.timeout('the handshake was not sent in time')
        while len(self._buf) < GREETING_SIZE:
            if not self._fill(deadline):
                raise socket.timeout('no greeting in time')
        greeting = bytes(self._buf[:GREETING_SIZE])
        self._off = GREETING_SIZE
        if greeting[0] != 0xff or not greeting[9] & 1:
            raise self._refuse('not a ZMTP peer (greeting %r)' % greeting[:10])
        if greeting[10] < 3:
            raise self._refuse('ZMTP %d.%d: version 3 is needed' % (greeting[10], greeting[11]))
        mechanism = greeting[12:32].rstrip(b'\0')
        if mechanism != b'NULL':
            raise self._refuse('the server wants the %s mechanism (an authkey?)' % mechanism.decode('ascii',
                                                                                                    'replace'))
        while True:
            if self._parse() is not None:
                raise self._refuse('a message before READY')
            if self.peer:
                return
            if not self._fill(deadline):
                raise socket.timeout('no READY in time')

    def _refuse(self, why):
        self._drop()
        return ProtocolError('%s: %s' % (self.endpoint, why))

    def _drop(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def close(self):
        self._drop()
        self._buf = bytearray()
        self._off = 0

    def abandon(self):
        """A fork's child drops its copy of the parent's connection (the parent's stays up)."""
        self._forks = -1
        self._check_fork()

    # --- sending ---------------------------------------------------------------------------------------

    def send(self, frames, deadline):
        """Send a message (a list of frames), connecting first when there is no connection; wait until
        `deadline` (None: no end) for a connection and for room. Returns False when it could not be sent in
        time (a message cut short closes the connection: the server drops its part)."""
        if self._forks != _forks:
            self._check_fork()
        last = len(frames) - 1
        data = b''.join([frame(f, MORE if i < last else 0) for i, f in enumerate(frames)])
        while True:
            if self._sock is None and not self._connect(deadline):
                return False
            try:
                if self._write(data, deadline):
                    return True
                self._drop()           # in part: the stream is cut mid-frame, it cannot go on
                return False
            except OSError:            # EPIPE, ECONNRESET: it dropped since; the message went nowhere
                self._drop()
                if deadline is not None and _now() >= deadline:
                    return False

    def _write(self, data, deadline):
        sock = self._sock
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent == len(data):
            return True
        view = memoryview(data)
        poll = select.poll()
        poll.register(sock, _POLLOUT)
        while sent < len(data):
            if not poll.poll(_left_ms(deadline)):
                if deadline is not None and _now() >= deadline:
                    return False
                continue
            try:
                sent += sock.send(view[sent:])
            except BlockingIOError:
                pass
        return True

    # --- receiving -------------------------------------------------------------------------------------

    def _fill(self, deadline):
        """Read what the socket has, waiting for it until `deadline`. Returns False at the deadline; raises
        Dropped when the connection closed."""
        sock = self._sock
        if sock is None:
            raise Dropped('%s: not connected' % self.endpoint)
        if not self._poll.poll(_left_ms(deadline)):
            return False
        try:
            data = sock.recv(min(max(_CHUNK, self._need), 1 << 20))
        except BlockingIOError:
            return True
        except OSError as e:
            self._drop()
            raise Dropped('%s: %s' % (self.endpoint, e)) from None
        if not data:
            self._drop()
            raise Dropped('%s: the server closed the connection' % self.endpoint)
        buf = self._buf
        if self._off and self._off == len(buf):
            self._buf = bytearray(data)
            self._off = 0
        else:
            if self._off > _CHUNK:       # drop what was consumed: keeps the buffer small in a pipeline
                del buf[:self._off]
                self._off = 0
            buf += data
        return True

    def _parse(self):
        """The next message whole in the buffer (a list of frames), or None. Commands are handled here."""
        buf = self._buf
        end = len(buf)
        off = self._off
        frames = []
        while True:
            if end - off < 2:
                return None
            flags = buf[off]
            if flags & LONG:
                if end - off < 9:
                    return None
                start = off + 9
                stop = start + int.from_bytes(buf[off + 1:start], 'big')
            else:
                start = off + 2
                stop = start + buf[off + 1]
            if stop > end:
                self._need = stop - end
                return None
            body = bytes(buf[start:stop])
            off = stop
            if flags & COMMAND:
                self._off = off
                self._command(body)
                frames = []
                continue
            frames.append(body)
            if not flags & MORE:
                self._off = off
                self._need = 0
                return frames

    def _command(self, body):
        n = body[0] if body else 0
        name, rest = body[1:1 + n], body[1 + n:]
        if name == b'READY':
            self.peer = parse_properties(rest) or {'socket-type': b''}
        elif name == b'ERROR':
            reason = rest[1:1 + rest[0]].decode('utf-8', 'replace') if rest else ''
            self._drop()
            raise ProtocolError('%s: the server refused the connection: %s' % (self.endpoint, reason))
        elif name == b'PING':
            # PING: a TTL (2 bytes), then a context the PONG echoes.
            if self._sock is not None:
                self._write(command(b'PONG', rest[2:]), _now() + 1.0)
        # Anything else (PONG, SUBSCRIBE, a future command): nothing for a DEALER to do.

    def recv(self, deadline):
        """The next message (a list of frames), waiting for it until `deadline` (None: no end; a time past:
        none, only what is there). None at the deadline; Dropped when the connection dropped (messages
        received before the drop come first)."""
        while True:
            msg = self._parse()
            if msg is not None:
                return msg
            if not self._fill(deadline):
                return None

    def check(self):
        """Between calls: whether the connection dropped since the last one (it is closed then; the next
        send connects again). What came meanwhile is kept for recv ()."""
        if self._forks != _forks:
            self._check_fork()
        if self._sock is None or not self._poll.poll(0):
            return False
        try:
            self._fill(0)
        except Dropped:
            return True
        return False
