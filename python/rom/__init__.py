"""rom: a pure-Python client of rom servers (a C remote-object manager), with the proxies of Python's
SyncManager.

    import rom
    m = rom.connect('ipc:///tmp/app.sock')           # authkey='...' for a server started with one
    d = m.dict()
    d['x'] = 0
    d['x'] += 1
    lock = m.Lock()
    with lock:
        ...
    q = m.Queue()
    q.get(timeout=1)                                 # queue.Empty after 1 s
    for change in rom.watch(board, 'hits'):          # a declared-state object's changes (rom/state.py)
        ...
    fs = [d.incr_async('n') for _ in range(1000)]    # pipelined: 1000 calls in flight on one connection
    rom.wait_all(fs)[-1]                             # their results in order (rom.Future: .result ())

Needs python3-zmq and python3-protobuf only. docs/design.md, "The Python client", says what it implements.
"""
from . import client as _client
from .client import Future, wait_all
from .errors import RomError, RemoteError, SessionLost
from .proxies import (BaseProxy, DictProxy, ListProxy, SetProxy, NamespaceProxy, ValueProxy, ArrayProxy,
                      LockProxy, RLockProxy, SemaphoreProxy, BoundedSemaphoreProxy, EventProxy,
                      ConditionProxy, BarrierProxy, QueueProxy, JoinableQueueProxy, ConnectionProxy,
                      ObjectProxy, Manager, from_token)
from .state import watch, Watch, Change

__all__ = ['connect', 'from_token', 'Future', 'wait_all', 'RomError', 'RemoteError', 'SessionLost', 'Manager', 'BaseProxy',
           'DictProxy', 'ListProxy', 'SetProxy', 'NamespaceProxy', 'ValueProxy', 'ArrayProxy', 'LockProxy',
           'RLockProxy', 'SemaphoreProxy', 'BoundedSemaphoreProxy', 'EventProxy', 'ConditionProxy',
           'BarrierProxy', 'QueueProxy', 'JoinableQueueProxy', 'ConnectionProxy', 'ObjectProxy',
           'watch', 'Watch', 'Change']


def connect(endpoint, authkey=None):
    """A manager of the rom server at `endpoint` (ipc://path, tcp://host:port). authkey (str or bytes): the
    server's, as C's rom_client_opts_t.authkey (the same CURVE keys are derived from it). The connection
    is the process's: a second connect () to the same endpoint and authkey shares it. Raises
    ConnectionError when no server answers (or it refuses the authkey) within 5 s."""
    return Manager(_client.client_for(endpoint, authkey))
