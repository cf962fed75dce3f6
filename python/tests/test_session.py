"""The wire protocol and the session: hello, calls, errors as exceptions, references released when a proxy
is collected or its process ends, fork, threads, multiprocessing children."""
import gc
import multiprocessing
import os
import threading
import time

import pytest

import rom
from rom import client as rom_client
from rom import errors


def test_connect_shares_one_client(server, manager):
    assert rom.connect(server.endpoint)._client is manager._client
    assert manager._client.session != 0
    manager.ping()


def test_connect_nobody_there(tmp_path, monkeypatch):
    monkeypatch.setattr(rom_client, 'CONNECT_TIMEOUT', 0.3)
    with pytest.raises(ConnectionError):
        rom_client.Client('ipc://%s/none.sock' % tmp_path, timeout=0.3)


def test_type_hash_matches_c():
    # rom_type_hash () of status.c: FNV-1a 32.
    assert rom_client.type_hash('') == 2166136261
    assert rom_client.type_hash('a') == 0xe40c292c


def test_statuses_become_python_exceptions(manager):
    d = manager.dict()
    with pytest.raises(KeyError):
        d['missing']
    with pytest.raises(TypeError):
        d[manager.list()] = 1            # a reference cannot be a key: WRONG_TYPE
    with pytest.raises(TypeError):
        d['x'] = object()                # nothing to store it as
    with pytest.raises(rom.RomError) as info:
        manager.create('no.SuchType')
    assert info.value.status == errors.NO_TYPE and 'no.SuchType' in str(info.value)
    with pytest.raises(KeyError):
        manager.lookup('nobody-has-this-name')


def test_named_objects(manager):
    d = manager.create('rom.builtins.Dict', name='py-named')
    d['k'] = 'v'
    assert manager.lookup('py-named')['k'] == 'v'
    with pytest.raises(rom.RomError) as info:
        manager.create('rom.builtins.Dict', name='py-named')
    assert info.value.status == errors.EXISTS
    assert manager.create('rom.builtins.Dict', name='py-named', exist_ok=True)['k'] == 'v'


def test_token_round_trip(manager):
    d = manager.dict(a=1)
    assert d.token == '%s#%d#rom.builtins.Dict' % (manager.endpoint, d._id)
    other = rom.from_token(d.token)
    assert isinstance(other, rom.DictProxy) and other['a'] == 1


def test_collected_proxy_releases_its_reference(manager):
    d = manager.dict(a=1)
    token = d.token
    del d
    gc.collect()
    with pytest.raises(rom.RomError) as info:       # its only reference was released: the object is gone
        rom.from_token(token)
    assert info.value.status == errors.NO_OBJECT


def test_a_second_proxy_keeps_the_object(manager):
    d = manager.dict(a=1)
    other = rom.from_token(d.token)
    del d
    gc.collect()
    assert other['a'] == 1


def test_proxies_in_containers(manager):
    outer = manager.dict()
    inner = manager.list([1, 2])
    outer['inner'] = inner
    got = outer['inner']
    assert isinstance(got, rom.ListProxy) and got[:] == [1, 2]
    got.append(3)
    assert inner[:] == [1, 2, 3]


def test_threads_have_their_own_sockets(manager):
    c = manager.dict(n=0)
    q = manager.Queue()
    got = []
    t = threading.Thread(target=lambda: got.append(q.get(timeout=10)))
    t.start()
    c.incr('n')                           # not held up by the other thread's waiting get
    assert c['n'] == 1
    q.put('x')
    t.join()
    assert got == ['x']


def test_fork_child_uses_inherited_proxies(manager):
    d = manager.dict(n=0)
    lock = manager.Lock()
    pids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for _ in range(50):
                    with lock:
                        d['n'] += 1
            except BaseException:
                code = 1
            os._exit(code)
        pids.append(pid)
    for pid in pids:
        assert os.waitpid(pid, 0)[1] == 0
    assert d['n'] == 150


def test_fork_child_exit_keeps_parent_objects(manager):
    d = manager.dict(n=1)
    pid = os.fork()
    if pid == 0:
        d['n'] = 2                         # takes its own reference in its own session
        os._exit(0)
    os.waitpid(pid, 0)
    gc.collect()
    assert d['n'] == 2                     # the child's session ended; the parent's reference remains


def _mp_worker(d, q, lock, n):
    for _ in range(n):
        with lock:
            d['n'] += 1
    q.put(os.getpid())


@pytest.mark.parametrize('method', ['fork', 'spawn'])
def test_multiprocessing_children(manager, method):
    ctx = multiprocessing.get_context(method)
    d = manager.dict(n=0)
    q = manager.Queue()
    lock = manager.Lock()
    procs = [ctx.Process(target=_mp_worker, args=(d, q, lock, 40)) for _ in range(3)]
    for p in procs:
        p.start()
    pids = sorted(q.get(timeout=30) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert pids == sorted(p.pid for p in procs)
    assert d['n'] == 120


def test_a_dead_process_releases_its_lock(manager):
    lock = manager.Lock()
    pid = os.fork()
    if pid == 0:
        lock.acquire()
        os._exit(0)                        # no release, no goodbye: the connection closing ends the session
    os.waitpid(pid, 0)
    assert lock.acquire(timeout=5)
    lock.release()


def test_a_waiting_call_learns_the_server_died():
    from conftest import Server
    s = Server()
    q = rom.connect(s.endpoint).Queue()
    threading.Timer(0.3, s.stop).start()
    start = time.monotonic()
    with pytest.raises(ConnectionError):
        q.get()                            # would wait without end
    assert time.monotonic() - start < 10


def test_release_collected_during_a_call_waits_for_it(manager):
    # A finalizer runs wherever the garbage collector does, possibly in the middle of a call reading this
    # thread's connection: its Release is kept until that call is done, then sent.
    d = manager.dict(a=1)
    token = d.token
    client = manager._client
    local = client._enter()             # as if a call of this thread were in progress
    try:
        del d
        gc.collect()
        assert local.deferred
    finally:
        client._leave(local)
    assert not local.deferred
    with pytest.raises(rom.RomError) as info:       # released once the "call" was done
        rom.from_token(token)
    assert info.value.status == errors.NO_OBJECT
