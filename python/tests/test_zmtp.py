"""rom/zmtp.py, the Python client's own ZMTP 3.0 peer, against fake servers written here (a listening unix
socket, or a socketpair): the handshake as a ZMQ ROUTER does it, frames short and long, bytes that arrive a
few at a time, commands (PING, ERROR), a server that closes mid-call, a fork child's own connection. The
rest of the suite runs the client over it against the real server (and again over pyzmq: ROM_PY_TRANSPORT)."""
import gc
import os
import socket
import threading
import time

import pytest

from rom import zmtp

SERVER_GREETING = b'\xff' + bytes(7) + b'\x01\x7f\x03\x01' + b'NULL'.ljust(20, b'\0') + bytes(32)
SERVER_READY = zmtp.command(b'READY', zmtp.properties([(b'Socket-Type', b'ROUTER'), (b'Identity', b'')]))


@pytest.fixture(autouse=True)
def collected_first():
    # Proxies left over by earlier test modules, whose servers are gone, release their references when
    # collected (up to 3 s each): collect them now rather than in the middle of a timed test here.
    gc.collect()


def read_exactly(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        assert chunk, 'the client closed the connection'
        data += chunk
    return data


def read_frame(conn):
    """(flags, body) of the next frame the client sent."""
    flags = read_exactly(conn, 1)[0]
    size = int.from_bytes(read_exactly(conn, 8 if flags & zmtp.LONG else 1), 'big')
    return flags, read_exactly(conn, size)


def read_message(conn):
    frames = []
    while True:
        flags, body = read_frame(conn)
        assert not flags & zmtp.COMMAND
        frames.append(body)
        if not flags & zmtp.MORE:
            return frames


def handshake(conn, greeting=SERVER_GREETING, ready=SERVER_READY):
    """The server's side of the handshake: returns the client's READY properties."""
    conn.sendall(greeting + ready)
    assert read_exactly(conn, 64) == zmtp.GREETING
    flags, body = read_frame(conn)
    assert flags & zmtp.COMMAND and body[0] == 5 and body[1:6] == b'READY'
    return zmtp.parse_properties(body[6:])


class FakeServer:
    """A unix socket that accepts connections and runs `serve(conn)` for each, in a thread."""

    def __init__(self, tmp_path, serve):
        self.path = str(tmp_path / 'fake.sock')
        self.endpoint = 'ipc://' + self.path
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen(8)
        self.serve = serve
        self.peers = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            props = handshake(conn)
            self.peers.append(props)
            try:
                self.serve(conn)
            except (AssertionError, OSError):
                pass

    def close(self):
        self.listener.close()


def echo(conn):
    while True:
        conn.sendall(b''.join(zmtp.frame(f, zmtp.MORE if i + 1 < len(m) else 0)
                              for m in [read_message(conn)] for i, f in enumerate(m)))


def soon(seconds=10.0):
    return time.monotonic() + seconds


def test_greeting_layout():
    g = zmtp.GREETING
    assert len(g) == 64 and g[0] == 0xff and g[9] == 0x7f and g[10:12] == b'\x03\x00'
    assert g[12:32] == b'NULL' + bytes(16) and g[32] == 0 and g[33:] == bytes(31)


def test_frames_short_and_long():
    assert zmtp.frame(b'abc') == b'\x00\x03abc'
    assert zmtp.frame(b'x' * 255, zmtp.MORE) == b'\x01\xff' + b'x' * 255
    assert zmtp.frame(b'x' * 256) == b'\x02' + (256).to_bytes(8, 'big') + b'x' * 256


def test_handshake_and_ready_properties(tmp_path):
    server = FakeServer(tmp_path, echo)
    d = zmtp.Dealer(server.endpoint)
    assert d.send([b'hello', b'world'], soon())
    assert d.recv(soon()) == [b'hello', b'world']
    props = server.peers[0]
    assert props['socket-type'] == b'DEALER'
    assert props['identity'] == d.routing_id and len(d.routing_id) == 16 and d.routing_id[0] & 0x80
    assert d.peer['socket-type'] == b'ROUTER'
    d.close()
    server.close()


@pytest.mark.parametrize('size', [0, 255, 256, 70000, 3 << 20])
def test_long_frames_round_trip(tmp_path, size):
    server = FakeServer(tmp_path, echo)
    d = zmtp.Dealer(server.endpoint)
    body = os.urandom(size)
    assert d.send([b'h', body], soon())
    assert d.recv(soon()) == [b'h', body]
    d.close()
    server.close()


def _pair():
    """A Dealer on one end of a socketpair (handshake done by hand on the other end)."""
    ours, theirs = socket.socketpair()
    d = zmtp.Dealer('ipc:///unused')
    ours.setblocking(False)
    d._sock = ours
    import select
    d._poll = select.poll()
    d._poll.register(ours, select.POLLIN)
    return d, theirs


def test_partial_reads_one_byte_at_a_time():
    d, theirs = _pair()
    wire = (SERVER_GREETING + SERVER_READY + zmtp.frame(b'head', zmtp.MORE) + zmtp.frame(b'y' * 300)
            + zmtp.frame(b'second'))

    def dribble():
        for i in range(len(wire)):
            theirs.send(wire[i:i + 1])
            if i % 50 == 0:
                time.sleep(0.001)
    t = threading.Thread(target=dribble)
    t.start()
    # The handshake's reading half, as _connect_once does it.
    while len(d._buf) < 64:
        assert d._fill(soon())
    assert bytes(d._buf[:64]) == SERVER_GREETING
    d._off = 64
    while not d.peer:
        assert d._parse() is None
        if not d.peer:
            assert d._fill(soon())
    assert d.recv(soon()) == [b'head', b'y' * 300]
    assert d.recv(soon()) == [b'second']
    t.join()
    assert d.recv(time.monotonic() + 0.05) is None          # nothing more: None at the deadline
    theirs.close()


def test_ping_gets_pong_and_error_drops():
    d, theirs = _pair()
    theirs.sendall(zmtp.command(b'PING', b'\x00\x0actx') + zmtp.frame(b'after'))
    assert d.recv(soon()) == [b'after']
    theirs.settimeout(5)
    flags, body = read_frame(theirs)
    assert flags & zmtp.COMMAND and body == b'\x04PONGctx'
    theirs.sendall(zmtp.command(b'ERROR', b'\x06denied'))
    with pytest.raises(zmtp.Dropped, match='denied'):
        d.recv(soon())
    assert not d.connected()
    theirs.close()


def test_server_closes_mid_call(tmp_path):
    def close_after_reading(conn):
        read_message(conn)          # the call arrives, and the server goes away without a reply
    server = FakeServer(tmp_path, close_after_reading)
    d = zmtp.Dealer(server.endpoint)
    assert d.send([b'call', b''], soon()), d.last_error
    start = time.monotonic()
    with pytest.raises(ConnectionError):
        d.recv(soon(30))
    assert time.monotonic() - start < 5
    assert not d.connected()
    server.close()


def test_reset_by_peer_is_a_drop():
    d, theirs = _pair()
    theirs.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\0\0\0\0\0\0\0')
    theirs.close()
    with pytest.raises(ConnectionError):
        d.recv(soon())


def test_no_server_send_waits_then_fails(tmp_path):
    d = zmtp.Dealer('ipc://%s/nobody.sock' % tmp_path)
    start = time.monotonic()
    assert not d.send([b'x'], time.monotonic() + 0.3)
    assert 0.25 < time.monotonic() - start < 3


def test_reconnects_after_a_drop(tmp_path):
    first = []

    def serve(conn):
        if not first:
            first.append(1)
            read_message(conn)      # the first connection closes once its call came, without a reply
            return
        echo(conn)
    server = FakeServer(tmp_path, serve)
    d = zmtp.Dealer(server.endpoint)
    assert d.send([b'a'], soon())
    with pytest.raises(ConnectionError):
        d.recv(soon())
    assert d.send([b'b'], soon())  # a new connection, the same routing id (the server hands it over)
    assert d.recv(soon()) == [b'b']
    assert server.peers[0]['identity'] == server.peers[1]['identity']
    server.close()


def test_fork_child_makes_its_own_connection(tmp_path):
    server = FakeServer(tmp_path, echo)
    d = zmtp.Dealer(server.endpoint)
    assert d.send([b'parent'], soon())
    assert d.recv(soon()) == [b'parent']
    parent_fd = d._sock.fileno()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            ok = d.send([b'child'], soon()) and d.recv(soon()) == [b'child']
            os.write(w, d.routing_id)
            code = 0 if ok else 2
        finally:
            os._exit(code)
    os.close(w)
    child_id = os.read(r, 64)
    os.close(r)
    assert os.waitpid(pid, 0)[1] == 0
    assert len(server.peers) == 2 and child_id != d.routing_id
    assert server.peers[1]['identity'] == child_id
    # The parent's connection was not touched by the child: it still works, on the same descriptor.
    assert d._sock.fileno() == parent_fd
    assert d.send([b'again'], soon())
    assert d.recv(soon()) == [b'again']
    server.close()


def test_refuses_a_curve_server(tmp_path):
    curve = bytearray(SERVER_GREETING)
    curve[12:32] = b'CURVE'.ljust(20, b'\0')

    def serve(conn):
        pass
    listener = socket.socket(socket.AF_UNIX)
    path = str(tmp_path / 'curve.sock')
    listener.bind(path)
    listener.listen(1)

    def accept():
        conn, _ = listener.accept()
        conn.sendall(bytes(curve))
        time.sleep(1)
        conn.close()
    threading.Thread(target=accept, daemon=True).start()
    d = zmtp.Dealer('ipc://' + path)
    with pytest.raises(ConnectionError, match='CURVE'):
        d.send([b'x'], soon())
    listener.close()


def test_endpoints():
    assert zmtp.parse_endpoint('ipc:///tmp/x.sock') == (socket.AF_UNIX, '/tmp/x.sock')
    assert zmtp.parse_endpoint('ipc://@abstract') == (socket.AF_UNIX, '\0abstract')
    assert zmtp.parse_endpoint('tcp://127.0.0.1:5555') == (socket.AF_INET, ('127.0.0.1', 5555))
    assert zmtp.parse_endpoint('tcp://[::1]:5555')[1] == ('::1', 5555)
    with pytest.raises(ValueError):
        zmtp.parse_endpoint('inproc://x')
