"""The built-in types behave as Python's SyncManager proxies."""
import queue
import threading
import time

import pytest


def test_dict(manager):
    d = manager.dict({'a': 1}, b=2)
    d['x'] = 0
    d['x'] += 1
    assert d['x'] == 1 and len(d) == 3 and 'a' in d and 'zz' not in d
    assert d.keys() == ['a', 'b', 'x'] and d.values() == [1, 2, 1]
    assert d.items() == [('a', 1), ('b', 2), ('x', 1)]
    assert d.get('nope') is None and d.get('nope', 7) == 7
    assert d.setdefault('s', 's') == 's' and d.setdefault('s', 't') == 's'
    assert d.pop('s') == 's' and d.pop('s', None) is None
    with pytest.raises(KeyError):
        d.pop('s')
    with pytest.raises(KeyError):
        del d['s']
    d.update({'u': 1.5}, v=b'\x00', w=None, t=True)
    assert d['u'] == 1.5 and d['v'] == b'\x00' and d['w'] is None and d['t'] is True
    assert d.popitem() == ('t', True)
    assert d.copy() == dict(d.items()) and list(d) == d.keys()
    assert d.incr('n', 5) == 5 and d['n'] == 5
    d[2**64 - 1] = -2**63
    assert d[2**64 - 1] == -2**63
    d.clear()
    assert len(d) == 0
    with pytest.raises(KeyError):
        d.popitem()


def test_list(manager):
    l = manager.list([3, 1, 2])
    l.append(4)
    l.extend([5, 6])
    assert l[:] == [3, 1, 2, 4, 5, 6] and l[-1] == 6 and l[1:3] == [1, 2] and l[::2] == [3, 2, 5]
    with pytest.raises(IndexError):
        l[100]
    with pytest.raises(IndexError):
        l[100] = 1
    l[0] = 'zero'
    assert l[0] == 'zero'
    l.insert(0, 'first')
    assert l.pop(0) == 'first' and l.pop() == 6
    assert l.index(2) == 2 and l.count(2) == 1 and 2 in l
    with pytest.raises(ValueError):
        l.index('nope')
    with pytest.raises(ValueError):
        l.remove('nope')
    l.remove('zero')
    l.sort()
    assert l[:] == [1, 2, 4, 5]
    l.sort(reverse=True)
    l.reverse()
    assert list(l) == [1, 2, 4, 5]
    l[1:3] = ['a', 'b', 'c']
    del l[0]
    del l[-2:]
    assert l[:] == ['a', 'b']
    l += ['c']
    l *= 2
    assert l[:] == ['a', 'b', 'c', 'a', 'b', 'c'] and len(l) == 6
    l.clear()
    with pytest.raises(IndexError):
        l.pop()


def test_value_and_array(manager):
    v = manager.Value('i', 5)
    v.value += 1
    assert v.value == 6 and v.typecode == 'i' and v.add(4) == 10
    assert v.compare_and_swap(10, 0) == (True, 0)
    with pytest.raises((TypeError, ValueError)):
        v.value = 'text'
    with pytest.raises((OverflowError, ValueError)):
        v.value = 2**40
    d = manager.Value('d', 0.5)
    d.value *= 3
    assert d.value == 1.5
    s = manager.Value('s', 'abc')
    s.value += 'd'
    assert s.value == 'abcd'
    a = manager.Array('i', [1, 2, 3])
    a[0] = 9
    assert a[:] == [9, 2, 3] and len(a) == 3 and a[-1] == 3 and list(a) == [9, 2, 3]
    a[1:3] = [7, 8]
    assert a[:] == [9, 7, 8]
    with pytest.raises(IndexError):
        a[3]
    z = manager.Array('d', 4)
    assert z[:] == [0.0] * 4


def test_namespace(manager):
    ns = manager.Namespace(x=1)
    ns.y = 'two'
    ns.x += 1
    assert ns.x == 2 and ns.y == 'two'
    with pytest.raises(AttributeError):
        ns.missing
    del ns.y
    with pytest.raises(AttributeError):
        ns.y
    assert repr(ns) == 'Namespace(x=2)'


def test_set(manager):
    s = manager.set([1, 2])
    s.add(3)
    s.discard(9)
    assert len(s) == 3 and 2 in s and set(s) == {1, 2, 3}
    with pytest.raises(KeyError):
        s.remove(9)
    s.update([4], [5])
    assert s.copy() == {1, 2, 3, 4, 5}
    assert s.intersection({1, 9}) == {1} and s.issuperset({1, 2}) and not s.isdisjoint({1})
    s.clear()
    with pytest.raises(KeyError):
        s.pop()


def test_lock(manager):
    lock = manager.Lock()
    with lock:
        assert lock.locked()
        results = []
        t = threading.Thread(target=lambda: results.append(lock.acquire(timeout=0.2)))
        t.start()
        t.join()
        assert results == [False]
        assert not _other_thread(lambda: lock.acquire(False))
    assert not lock.locked()
    assert lock.acquire(timeout=1)
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


def _other_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_rlock(manager):
    r = manager.RLock()
    with r:
        with r:
            assert _other_thread(lambda: r.acquire(timeout=0.1)) is False
    assert _other_thread(lambda: (r.acquire(), r.release())) == (True, None)


def test_lock_waiter_gets_it_on_release(manager):
    lock = manager.Lock()
    lock.acquire()
    got = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(timeout=10)))
    t.start()
    time.sleep(0.2)
    lock.release()
    t.join()
    assert got == [True]


def test_semaphores(manager):
    s = manager.Semaphore(2)
    assert s.acquire() and s.acquire() and not s.acquire(timeout=0.1)
    s.release()
    assert s.get_value() == 1
    b = manager.BoundedSemaphore(1)
    with pytest.raises(ValueError):
        b.release()
    with b:
        assert not b.acquire(False)


def test_event(manager):
    e = manager.Event()
    assert not e.is_set() and e.wait(0.1) is False
    t = threading.Timer(0.1, e.set)
    t.start()
    assert e.wait(10) is True and e.is_set()
    t.join()
    e.clear()
    assert not e.wait(0)


def test_condition(manager):
    c = manager.Condition()
    box = manager.list()

    def producer():
        with c:
            box.append(1)
            c.notify()
    with c:
        threading.Timer(0.1, producer).start()
        assert c.wait_for(lambda: len(box) == 1, timeout=10)
        assert c.wait(0.05) is False
    with pytest.raises(RuntimeError):
        c.notify()


def test_barrier(manager):
    b = manager.Barrier(2)
    out = []
    t = threading.Thread(target=lambda: out.append(b.wait(10)))
    t.start()
    out.append(b.wait(10))
    t.join()
    assert sorted(out) == [0, 1] and b.parties == 2
    with pytest.raises(threading.BrokenBarrierError):
        b.wait(0.1)
    assert b.broken
    b.reset()
    b.abort()
    with pytest.raises(threading.BrokenBarrierError):
        b.wait()


def test_queue(manager):
    q = manager.Queue()
    with pytest.raises(queue.Empty):
        q.get(timeout=0.2)
    with pytest.raises(queue.Empty):
        q.get_nowait()
    q.put(1)
    q.put('two')
    q.put((3, [4]))                     # any picklable value
    assert q.qsize() == 3 and not q.empty()
    assert [q.get(), q.get(), q.get(timeout=1)] == [1, 'two', (3, [4])]
    small = manager.Queue(1)
    small.put(1)
    assert small.full()
    with pytest.raises(queue.Full):
        small.put(2, timeout=0.1)
    with pytest.raises(queue.Full):
        small.put_nowait(2)
    threading.Timer(0.1, lambda: q.put('late')).start()
    assert q.get(timeout=10) == 'late'


def test_joinable_queue(manager):
    q = manager.JoinableQueue()
    for i in range(3):
        q.put(i)

    def worker():
        while q.get() is not None:
            q.task_done()
        q.task_done()
    t = threading.Thread(target=worker)
    t.start()
    q.join()
    q.put(None)
    t.join()
    with pytest.raises(ValueError):
        q.task_done()


def test_pipe(manager):
    a, b = manager.Pipe()
    a.send({'x': 1})
    assert b.poll(1) and b.recv() == {'x': 1}
    b.send_bytes(b'raw')
    assert a.recv_bytes() == b'raw'
    r, w = manager.Pipe(duplex=False)
    w.send(5)
    w.close()
    assert r.recv() == 5
    with pytest.raises(EOFError):
        r.recv()
