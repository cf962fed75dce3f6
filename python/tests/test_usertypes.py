"""User types from Python: test.Tally (tests/integration/proto/test.proto, hosted by rom_py_server), its
descriptors from the server's reflection (no _pb2 of it is imported here), its rpcs as snake_case methods;
and from _pb2 modules a program imported (build/python/tests_pb2, by protoc --python_out), in a process of
its own so that this one's default pool stays without them."""
import os
import subprocess
import sys
import textwrap

import pytest

import rom
from conftest import BUILD, helper

TEST_PB2 = os.environ.get('ROM_PY_TEST_PB2') or os.path.join(BUILD, 'tests_pb2')


def test_tally_methods_from_reflection(manager):
    t = manager.create('test.Tally', name='py-tally')
    assert type(t).__name__ == 'TallyProxy'
    assert [m for m in ('add', 'get', 'fail', 'echo') if hasattr(t, m)] == ['add', 'get', 'fail', 'echo']
    assert t.add(value=5).value == 5
    number = type(t.get())                      # the reflected test.Number
    assert t.add(number(value=2)).value == 7
    assert t.get().value == 7
    echo = t.echo(label='x', data=b'\0\1')
    assert (echo.label, echo.data) == ('x', b'\0\1')
    assert t.invoke('Get').value == 7 and t.invoke('get').value == 7


def test_tally_from_python_and_c(manager):
    t = manager.create('test.Tally', name='shared-tally')
    for _ in range(50):
        t.add(value=1)
    helper('tally-add', t.token, 70)
    other = manager.lookup('shared-tally')
    assert type(other).__name__ == 'TallyProxy'
    assert other.get().value == 120


def test_init_and_errors(manager):
    d = rom.usertypes.descriptors(manager._client)           # the connection's pool, reflected
    init_cls = d.message_class(d.pool.FindMessageTypeByName('test.TallyInit'))
    t = manager.create('test.Tally', init_msg=init_cls(start=40))
    assert t.get().value == 40
    with pytest.raises(rom.RemoteError) as e:
        t.fail(value=1)
    assert 'asked to fail with 1' in str(e.value)
    with pytest.raises(AttributeError):
        t.invoke('nope')
    with pytest.raises(KeyError):
        manager.lookup('no-such-tally')


def test_server_side_views(manager):
    t = manager.create('test.Tally', name='listed-tally')
    infos = {o.name: o for o in manager.list_objects('test.Tally')}
    assert infos['listed-tally'].id == t._id and infos['listed-tally'].refs >= 1
    stats = manager.stats()
    assert stats.objects >= 1 and stats.sessions >= 1 and stats.types > 0
    service = manager.describe('test.Tally')
    assert [m.name for m in service.methods][:3] == ['Add', 'Get', 'Fail']
    assert service.methods_by_name['Add'].input_type.full_name == 'test.Number'


# A program that imports its types' _pb2: create, calls and watches use their descriptors and classes, and
# the server's reflection is never asked (Descriptors.reflect fails if it is).
PB2_PROGRAM = textwrap.dedent('''
    import sys
    import test_pb2, pyst_pb2
    import rom, rom.usertypes
    from google.protobuf import descriptor_pool

    def no_reflect(self, types=()):
        raise AssertionError('reflection used for %s' % (types,))
    rom.usertypes.Descriptors.reflect = no_reflect

    m = rom.connect(sys.argv[1])
    t = m.create('test.Tally', init_msg=test_pb2.TallyInit(start=40), name='pb2-tally')
    assert type(t).__name__ == 'TallyProxy' and t._service.file.pool is descriptor_pool.Default()
    n = t.add(value=2)
    assert type(n) is test_pb2.Number and n.value == 42
    assert t.add(test_pb2.Number(value=1)).value == 43
    assert type(m.lookup('pb2-tally').get()) is test_pb2.Number
    echo = t.echo(label='x', data=b'\\0')
    assert type(echo) is test_pb2.Blob and (echo.label, echo.data) == ('x', b'\\0')
    b = m.create('pyst.Board', init_msg=pyst_pb2.Stats(hits=5))
    w = rom.watch(b, 'hits')
    assert type(w.initial) is pyst_pb2.Stats and w.initial.hits == 5
    assert type(b.bump(by=1)) is pyst_pb2.Amount
    assert w.next(5).to_json()['op'] == 'SET'
    assert not rom.usertypes.descriptors(m._client)._files       # nothing was loaded from the server
    print('ok')
''')


def test_types_from_imported_pb2(server):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([TEST_PB2, BUILD, os.environ.get('PYTHONPATH', '')]))
    out = subprocess.run([sys.executable, '-c', PB2_PROGRAM, server.endpoint], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0 and out.stdout == 'ok\n', out.stderr


def test_tally_number_is_reflected_here(manager):
    # This process imported no _pb2 of test.proto: its classes are the connection's pool's.
    t = manager.create('test.Tally')
    assert t._service.file.pool is rom.usertypes.descriptors(manager._client).pool
    assert 'test_pb2' not in sys.modules
