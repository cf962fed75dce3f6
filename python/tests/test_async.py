"""Pipelined calls from Python (rom.Future, rom.wait_all, the proxies' *_async and *_oneway forms) against
rom_py_server: many calls in flight on one connection, replies matched by call id, errors and timeouts
surfacing through result ()."""
import queue
import threading
import time

import pytest

import rom


def test_thousand_pipelined_increments_exact(manager):
    d = manager.dict()
    futures = [d.incr_async('n') for _ in range(1000)]
    results = rom.wait_all(futures)
    assert results == list(range(1, 1001))          # in order: one connection's calls run in order
    assert d['n'] == 1000


def test_value_add_async_results_in_order(manager):
    v = manager.Value('q', 0)
    futures = [v.add_async(i) for i in range(1, 301)]
    assert [f.result() for f in futures] == [i * (i + 1) // 2 for i in range(1, 301)]
    assert v.value == 300 * 301 // 2


def test_more_in_flight_than_the_window(manager):
    # Past MAX_IN_FLIGHT (400, either transport) a new call first waits for a reply: none is
    # lost to a high-water mark.
    d = manager.dict()
    futures = [d.incr_async(i % 7) for i in range(3000)]
    rom.wait_all(futures)
    assert sum(d.values()) == 3000


def test_errors_surface_through_result(manager):
    d = manager.dict(a=1)
    f_missing = d.getitem_async('nope')
    f_ok = d.getitem_async('a')
    f_del = d.delitem_async('gone')
    f_pop = d.pop_async('gone')
    f_default = d.get_async('gone', 5)
    assert f_ok.result() == 1
    with pytest.raises(KeyError) as info:
        f_missing.result()
    assert info.value.args == ('nope',)
    with pytest.raises(KeyError):
        f_del.result()
    with pytest.raises(KeyError):
        f_pop.result()
    assert f_default.result() == 5
    assert isinstance(f_missing.exception(), KeyError)
    assert f_ok.exception() is None

    lst = manager.list([1])
    with pytest.raises(IndexError):
        lst.getitem_async(5).result()
    d['s'] = 'text'
    with pytest.raises(TypeError):                  # Increment of a str: WRONG_TYPE, as the sync call
        d.incr_async('s').result()
    with pytest.raises(TypeError):
        d.incr('s')


def test_wait_all_raises_the_first_failure(manager):
    d = manager.dict()
    futures = [d.set_async('k', 1), d.getitem_async('missing'), d.set_async('j', 2)]
    with pytest.raises(KeyError):
        rom.wait_all(futures)
    assert futures[2].done() and futures[2].result() is None
    assert d.copy() == {'k': 1, 'j': 2}


def test_timeout(manager):
    q = manager.Queue()
    f = q.get_async()                               # waits on the server until an item comes
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        f.result(timeout=0.2)
    assert 0.15 < time.monotonic() - t0 < 2
    assert not f.done()
    q.put('late')                                   # a sync call while f is in flight
    assert f.result(timeout=5) == 'late'            # the same Future, asked again

    # The server's own deadline: the call's timeout comes back as queue.Empty, as q.get (timeout=...).
    with pytest.raises(queue.Empty):
        q.get_async(timeout=0.1).result()


def test_result_after_interleaved_sync_calls(manager):
    d = manager.dict()
    v = manager.Value('i', 10)
    f1 = v.add_async(5)
    f2 = d.set_async('x', 'y')
    # Sync calls read the thread's socket: they hand the async replies that come first to their Futures.
    d['z'] = 1
    assert d['z'] == 1
    assert len(d) == 2
    assert f1.done() and f2.done()
    assert f1.result() == 15
    assert f2.result() is None
    assert d['x'] == 'y'


def test_oneway_then_sync_sees_the_effect(manager):
    v = manager.Value('q', 0)
    for _ in range(500):
        assert v.add_oneway(1) is None
    assert v.get() == 500                           # calls on one connection run in order
    d = manager.dict()
    for i in range(100):
        d.set_oneway(i, i * i)
    d.incr_oneway('n', 3)
    assert len(d) == 101 and d[9] == 81 and d['n'] == 3


def test_async_forms_of_other_proxies(manager):
    lst = manager.list()
    rom.wait_all([lst.append_async(i) for i in range(10)])
    assert lst[:] == list(range(10))
    assert lst.len_async().result() == 10
    lst.setitem_async(0, 'a').result()
    assert lst.getitem_async(0).result() == 'a'
    s = manager.set()
    rom.wait_all([s.add_async(i % 3) for i in range(9)])
    assert s.contains_async(2).result() and len(s) == 3
    q = manager.Queue()
    rom.wait_all([q.put_async(('t', i)) for i in range(5)])
    assert [q.get_async().result() for _ in range(5)] == [('t', i) for i in range(5)]
    e = manager.Event()
    e.set_async().result()
    assert e.is_set()
    d = manager.dict()
    assert d.update_async({'a': 1}).result() is None
    assert d.contains_async('a').result() and d.len_async().result() == 1


def test_user_type_async(manager):
    # test.Tally (a C servant): its rpcs' *_async and *_oneway forms, and a failure as the sync call's.
    t = manager.create('test.Tally')
    futures = [t.add_async(value=1) for _ in range(200)]
    assert [f.result().value for f in futures] == list(range(1, 201))
    assert t.add_oneway(value=5) is None
    assert t.get().value == 205
    f = t.fail_async(value=1)                       # APP_ERROR
    with pytest.raises(rom.RemoteError) as info:
        f.result()
    with pytest.raises(rom.RemoteError) as sync_info:
        t.fail(value=1)
    assert str(info.value) == str(sync_info.value)
    with pytest.raises(AttributeError):
        t.nothing_async


def test_future_belongs_to_its_thread(manager):
    q = manager.Queue()
    f = q.get_async()
    errors = []

    def other():
        try:
            f.result(timeout=0.1)
        except RuntimeError as e:
            errors.append(e)
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert errors, 'result () of a pending Future in another thread must refuse'
    q.put(1)
    assert f.result(timeout=5) == 1


def test_threads_pipeline_independently(manager):
    d = manager.dict()

    def work(key):
        rom.wait_all([d.incr_async(key) for _ in range(300)])
    threads = [threading.Thread(target=work, args=(k,)) for k in 'abc']
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert d.copy() == {'a': 300, 'b': 300, 'c': 300}


def test_replies_wait_while_the_caller_sleeps(manager):
    # A window's worth of calls whose replies nobody reads for a while: all of them must still be there (none
    # dropped by a full pipe on the server's side), on either transport.
    v = manager.Value('q', 0)
    futures = [v.add_async(1) for _ in range(1000)]
    time.sleep(0.5)
    assert [f.result() for f in futures] == list(range(1, 1001))
