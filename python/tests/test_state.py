"""Watches of declared state from Python (rom/state.py): pyst.Board (python/tests/proto/pyst.proto, hosted by
rom_py_server) changed from C by rom_py_helper state-ops; the changes come as C's rom_watch_next () gives
them: path, op, value, key, index, version, in order; a full queue says how many were missed."""
import pytest

import rom
import rom.state
from conftest import helper

# What one round of `rom_py_helper state-ops` does, as (dotted path, op, value, key, index) of each change.
ROUND = [('hits', 'ADD', 5, None, None), ('log', 'APPEND', 'item0', None, 0), ('per_key', 'INCR', 3, 'k', None),
         ('per_key', 'DEL', None, 'k', None), ('inner.a', 'SET', 1 << 40, None, None), ('mode', 'SET', 1, None, None),
         ('raw', 'SET', b'\0\1', None, None), ('', 'SET', None, None, None)]


def _seen(changes):
    return [(c.names, c.op, c.value, c.key, c.index) for c in changes]


def test_every_change_in_order(manager):
    b = manager.create('pyst.Board')
    with rom.watch(b) as w:
        assert w.initial.hits == 0 and w.path == []
        v0 = w.version
        helper('state-ops', b.token, 1)
        changes = [w.next(5) for _ in ROUND]
        assert _seen(changes) == ROUND
        assert [c.version for c in changes] == list(range(v0 + 1, v0 + 1 + len(ROUND)))
        assert w.next(0.2) is None                      # nothing more: a timeout, not an error
        assert changes[4].to_json() == {'version': v0 + 5, 'path': 'inner.a', 'op': 'SET',
                                        'value': str(1 << 40)}
        assert changes[5].to_json()['value'] == 'MODE_ON' and changes[6].to_json()['value'] == 'AAE='


def test_field_filter_and_rpc_changes(manager):
    b = manager.create('pyst.Board')
    w = rom.watch(b, 'per_key')
    nested = rom.watch(b, [4, 1])                       # field numbers too: inner.a
    helper('state-ops', b.token, 1)
    # A field's watcher sees its own changes and the whole-state ones (an rpc's), nothing else.
    assert _seen(w.changes(timeout=0.5)) == [ROUND[2], ROUND[3], ROUND[7]]
    assert _seen(nested.changes(timeout=0.5)) == [ROUND[4], ROUND[7]]
    assert b.bump(by=1).by == 8
    assert w.next(5).op == 'SET'
    w.close()
    nested.close()


def test_missed_changes_carry_the_state(manager):
    b = manager.create('pyst.Board')
    w = rom.watch(b, queue=2)
    helper('state-ops', b.token, 1)
    first = [w.next(5), w.next(5)]
    assert _seen(first) == ROUND[:2]
    missed = w.next(5)
    assert missed.missed == len(ROUND) - 2 and missed.version == first[1].version + len(ROUND) - 2
    assert missed.state.hits == 7 and list(missed.state.log) == ['item0'] and missed.state.mode == 1
    assert missed.to_json()['state']['hits'] == '7'


def test_refusals(manager):
    b = manager.create('pyst.Board')
    with pytest.raises(KeyError, match='no field'):
        rom.watch(b, 'nope')
    with pytest.raises(KeyError, match='not a message field'):
        rom.watch(b, 'hits.x')
    with pytest.raises(rom.RomError, match='not a declared-state type'):
        rom.watch(manager.create('test.Tally'))
