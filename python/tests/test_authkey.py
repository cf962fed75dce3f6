"""An authkey: the same CURVE keys as C (runtime/src/auth.c), so Python and C clients share one server."""
import multiprocessing
import os

import pytest

import rom
from rom import client as rom_client
from conftest import Server, helper

AUTHKEY = 'py-secret'


@pytest.fixture(scope='module')
def secure():
    s = Server(AUTHKEY)
    yield s
    s.stop()


def test_right_authkey_connects(secure):
    m = rom.connect(secure.endpoint, authkey=AUTHKEY.encode())
    d = m.dict(n=0)
    d['n'] += 1
    assert d['n'] == 1


def test_c_client_with_the_same_authkey(secure):
    m = rom.connect(secure.endpoint, authkey=AUTHKEY)
    d = m.dict(n=0)
    helper('dict-incr', d.token, 'n', 50, env=dict(os.environ, ROM_AUTHKEY=AUTHKEY))
    assert d['n'] == 50


def test_wrong_or_missing_authkey_is_refused(secure, monkeypatch):
    monkeypatch.delenv('ROM_AUTHKEY', raising=False)
    for key in ('not-it', None):
        with pytest.raises(ConnectionError):
            rom_client.Client(secure.endpoint, key, timeout=0.5)


def test_keys_are_curve_keys():
    server_public, client_public, client_secret = rom_client.derive_keys(AUTHKEY)
    assert len(server_public) == len(client_public) == len(client_secret) == 40
    assert rom_client.derive_keys(AUTHKEY.encode()) == rom_client.derive_keys(AUTHKEY)


def _child(d):
    d.incr('n', 10)


def test_spawned_child_gets_the_authkey(secure, monkeypatch):
    monkeypatch.delenv('ROM_AUTHKEY', raising=False)
    m = rom.connect(secure.endpoint, authkey=AUTHKEY)
    d = m.dict(n=0)
    p = multiprocessing.get_context('spawn').Process(target=_child, args=(d,))
    p.start()
    p.join(30)
    assert p.exitcode == 0 and d['n'] == 10
