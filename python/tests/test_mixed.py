"""C and Python processes on the same objects, with exact totals: the C side is rom_py_helper.c, which
reaches Python's objects by their tokens as any C process would."""
import select
import subprocess

from conftest import HELPER, helper


def test_counter_incremented_from_c_and_python(manager):
    d = manager.dict(hits=0)
    c_side = [subprocess.Popen([HELPER, 'dict-incr', d.token, 'hits', '300']) for _ in range(2)]
    for _ in range(300):
        d.incr('hits')
    for p in c_side:
        assert p.wait(60) == 0
    assert d['hits'] == 900


def test_lock_guards_read_modify_write_from_both(manager):
    d = manager.dict(n=0)
    lock = manager.Lock()
    c_side = subprocess.Popen([HELPER, 'lock-count', lock.token, d.token, 'n', '200'])
    for _ in range(200):
        with lock:
            d['n'] += 1                   # not atomic: only the lock makes the total exact
    assert c_side.wait(60) == 0
    assert d['n'] == 400


def test_value_added_from_both(manager):
    v = manager.Value('q', 0)
    c_side = subprocess.Popen([HELPER, 'value-add', v.token, '250'])
    for _ in range(250):
        v.add(1)
    assert c_side.wait(60) == 0
    assert v.value == 500


def test_queue_fed_by_c_drained_by_python(manager):
    q = manager.Queue(8)                  # bounded: the C producer waits for the Python consumer
    c_side = subprocess.Popen([HELPER, 'queue-put', q.token, '500'])
    got = [q.get(timeout=10) for _ in range(500)]
    assert c_side.wait(60) == 0
    assert got == list(range(500))        # in order, none lost, none twice


def test_queue_fed_by_python_drained_by_c(manager):
    q = manager.Queue()
    c_side = subprocess.Popen([HELPER, 'queue-get', q.token, '100'], stdout=subprocess.PIPE, text=True)
    for i in range(100):
        q.put(i)
    out, _ = c_side.communicate(timeout=60)
    assert c_side.returncode == 0 and int(out) == sum(range(100))


def test_lock_taken_in_c_waited_for_in_python(manager):
    lock = manager.Lock()
    c_side = subprocess.Popen([HELPER, 'lock-hold', lock.token, '300'], stdout=subprocess.PIPE, text=True)
    assert c_side.stdout.readline() == 'locked\n'
    assert lock.acquire(False) is False
    assert lock.acquire(timeout=10)       # granted once C releases it
    assert c_side.stdout.readline() == 'released\n'
    lock.release()
    assert c_side.wait(60) == 0


def test_lock_taken_in_python_waited_for_in_c(manager):
    lock = manager.Lock()
    lock.acquire()
    c_side = subprocess.Popen([HELPER, 'lock-hold', lock.token, '0'], stdout=subprocess.PIPE, text=True)
    ready = select.select([c_side.stdout], [], [], 0.5)[0]
    assert not ready                      # C waits while Python holds it
    lock.release()
    assert c_side.stdout.readline() == 'locked\n'
    assert c_side.wait(60) == 0


def test_event_set_by_python_seen_by_c(manager):
    e = manager.Event()
    assert helper('event-wait', e.token, 100) == 'timeout\n'
    e.set()
    assert helper('event-wait', e.token, 5000) == 'set\n'
