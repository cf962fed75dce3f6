"""User types from Python: test.Tally (tests/integration/proto/test.proto, hosted by rom_py_server), its
descriptors from the server's reflection (no _pb2 of it is imported), its rpcs as snake_case methods."""
import pytest

import rom
from conftest import helper


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
