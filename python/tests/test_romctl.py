"""romctl (rom/ctl.py, through build/python/romctl) against rom_py_server: list, describe, call with JSON,
ping, stats, and its exit codes (0 ok, 1 the call failed, 2 usage)."""
import json
import os
import signal
import subprocess
import time

import pytest

import rom

from conftest import BUILD, Server, helper

ROMCTL = os.environ.get('ROMCTL') or os.path.join(BUILD, 'romctl')


def romctl(*args, env=None):
    return subprocess.run([ROMCTL] + [str(a) for a in args], capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture(scope='module')
def tally(manager):
    t = manager.create('test.Tally', name='ctl-tally')
    t.add(value=3)
    return t


def test_ping_and_stats(server):
    out = romctl(server.endpoint, 'ping')
    assert out.returncode == 0 and out.stdout.startswith('ok '), out.stderr
    out = romctl(server.endpoint, 'stats')
    assert out.returncode == 0, out.stderr
    stats = dict(line.split(None, 1) for line in out.stdout.splitlines())
    assert int(stats['pid']) == server.proc.pid and int(stats['sessions']) >= 1


def test_list(server, tally):
    out = romctl(server.endpoint, 'list')
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()[1:]]
    assert [str(tally._id), 'test.Tally', 'ctl-tally', '1'] in rows


def test_describe(server):
    out = romctl(server.endpoint, 'describe', 'test.Tally')
    assert out.returncode == 0, out.stderr
    assert 'rpc Add(test.Number) returns (test.Number);' in out.stdout
    assert 'message test.Number {\n  int64 value = 1;\n}' in out.stdout
    assert 'message test.Blob {\n  string label = 1;\n  bytes data = 2;\n}' in out.stdout


def test_call_json(server, tally):
    out = romctl(server.endpoint, 'call', 'ctl-tally', 'Add', '{"value": 4}')
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {'value': '7'}
    out = romctl(server.endpoint, 'call', tally._id, 'get')
    assert json.loads(out.stdout) == {'value': '7'}
    out = romctl(server.endpoint, 'call', 'ctl-tally', 'echo', '{"label": "hi", "data": "AAE="}')
    assert json.loads(out.stdout) == {'label': 'hi', 'data': 'AAE='}
    assert tally.get().value == 7


def test_failures_exit_1(server, tally):
    out = romctl(server.endpoint, 'call', 'no-such-object', 'get')
    assert out.returncode == 1 and 'NO_OBJECT' in out.stderr and 'no-such-object' in out.stderr
    out = romctl(server.endpoint, 'call', 'ctl-tally', 'fail', '{"value": 1}')
    assert out.returncode == 1 and 'APP_ERROR' in out.stderr and 'asked to fail with 1' in out.stderr
    out = romctl(server.endpoint, 'call', 'ctl-tally', 'nope')
    assert out.returncode == 1 and 'NO_METHOD' in out.stderr
    out = romctl(server.endpoint, 'call', 'ctl-tally', 'add', '{"bogus": 1}')
    assert out.returncode == 1 and 'BAD_REQUEST' in out.stderr
    out = romctl(server.endpoint, 'describe', 'no.Such')
    assert out.returncode == 1 and 'NO_TYPE' in out.stderr
    out = romctl('--timeout', '0.3', 'ipc:///nonexistent/rom.sock', 'ping')
    assert out.returncode == 1 and 'UNAVAILABLE' in out.stderr and 'nonexistent' in out.stderr


def test_usage_exit_2(server):
    for args in ([], [server.endpoint], [server.endpoint, 'bogus'], [server.endpoint, 'call', 'x'],
                 [server.endpoint, 'describe']):
        out = romctl(*args)
        assert out.returncode == 2 and 'usage:' in out.stderr, args
    out = romctl(server.endpoint, 'call', '--help')
    assert out.returncode == 0 and 'NAME|ID' in out.stdout


def test_authkey_env():
    s = Server(authkey='ctl-secret')
    try:
        env = dict(os.environ, ROM_CTL_KEY='ctl-secret')
        out = romctl('--authkey-env', 'ROM_CTL_KEY', s.endpoint, 'ping', env=env)
        assert out.returncode == 0, out.stderr
        out = romctl('--timeout', '0.5', s.endpoint, 'ping')
        assert out.returncode == 1 and 'UNAVAILABLE' in out.stderr
        out = romctl('--authkey-env', 'ROM_CTL_NOPE', s.endpoint, 'ping')
        assert out.returncode == 1 and 'ROM_CTL_NOPE' in out.stderr
    finally:
        s.stop()


# romctl watch: one JSON line per change, in json_format's forms (int64 as a string, enums by name, bytes as
# base64), the changes rom_py_helper state-ops makes from C (test_state.ROUND).
def _round_json(v0, only=None):
    lines = [{'path': 'hits', 'op': 'ADD', 'value': '5'},
             {'path': 'log', 'op': 'APPEND', 'index': 0, 'value': 'item0'},
             {'path': 'per_key', 'op': 'INCR', 'key': 'k', 'value': '3'},
             {'path': 'per_key', 'op': 'DEL', 'key': 'k'},
             {'path': 'inner.a', 'op': 'SET', 'value': '1099511627776'},
             {'path': 'mode', 'op': 'SET', 'value': 'MODE_ON'},
             {'path': 'raw', 'op': 'SET', 'value': 'AAE='},
             {'path': '', 'op': 'SET'}]
    for i, line in enumerate(lines):
        line['version'] = v0 + 1 + i
    return [line for i, line in enumerate(lines) if only is None or i in only]


def _watch(endpoint, *args):
    """romctl watch ... --initial, started: (process, the initial line) once it is subscribed."""
    proc = subprocess.Popen([ROMCTL, endpoint, 'watch', '--initial'] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = json.loads(proc.stdout.readline())
    return proc, first


def test_watch_prints_each_change(server, manager):
    b = manager.create('pyst.Board', name='ctl-board')
    proc, first = _watch(server.endpoint, 'ctl-board', '--count', 8)
    assert first['state']['hits'] == '0'
    helper('state-ops', b.token, 1)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert [json.loads(line) for line in out.splitlines()] == _round_json(first['version'])


def test_watch_a_field_by_id(server, manager):
    b = manager.create('pyst.Board')
    proc, first = _watch(server.endpoint, b._id, 'per_key', '--count', 3)
    helper('state-ops', b.token, 1)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert [json.loads(line) for line in out.splitlines()] == _round_json(first['version'], only=(2, 3, 7))
    proc, first = _watch(server.endpoint, b._id, 'inner.a', '--timeout', 0.5)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == '' and first['state']['inner'] == {'a': '1099511627776', 'b': ''}


def test_watch_failures(server, manager):
    manager.create('test.Tally', name='ctl-not-state')
    out = romctl(server.endpoint, 'watch', 'ctl-not-state')
    assert out.returncode == 1 and 'WRONG_TYPE' in out.stderr and 'not of a declared-state type' in out.stderr
    manager.create('pyst.Board', name='ctl-board2')
    out = romctl(server.endpoint, 'watch', 'ctl-board2', 'no_such_field')
    assert out.returncode == 1 and 'NOT_FOUND' in out.stderr and 'no_such_field' in out.stderr
    out = romctl(server.endpoint, 'watch', 'no-such-board')
    assert out.returncode == 1 and 'NO_OBJECT' in out.stderr
    out = romctl(server.endpoint, 'watch')
    assert out.returncode == 2 and 'usage:' in out.stderr
    out = romctl(server.endpoint, 'watch', 'ctl-board2', '--count', 'x')
    assert out.returncode == 2
    out = romctl(server.endpoint, 'watch', '--help')
    assert out.returncode == 0 and 'NAME|ID' in out.stdout and '--count' in out.stdout


def test_watch_until_interrupted(server, manager):
    b = manager.create('pyst.Board')
    proc, _ = _watch(server.endpoint, b._id)
    b.bump(by=1)
    assert json.loads(proc.stdout.readline())['op'] == 'SET'      # each line as it comes, not at exit
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == '', err


def test_watch_ends_with_its_server():
    s = Server()
    try:
        rom.connect(s.endpoint).create('pyst.Board', name='ending-board')
        proc, first = _watch(s.endpoint, 'ending-board')
        time.sleep(1)         # its poll waits on the server by then (a poll sent once the server stops it
    finally:                  # refuses UNAVAILABLE, as C's rom_watch_next () would return)
        s.stop()              # the server answers the waiting poll `ended` as it stops
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [{'version': first['version'], 'ended': True}]
