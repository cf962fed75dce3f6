"""Fixtures of python/tests: a rom server (python/tests/rom_py_server.c, built by CMake) per test module, and
the C helper of the mixed tests. ctest gives their paths and the built package (ROM_PY_BUILD, ROM_PY_SERVER,
ROM_PY_HELPER); run by hand, they default to build/."""
import os
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get('ROM_PY_BUILD') or os.path.join(HERE, '..', '..', 'build', 'python')
SERVER = os.environ.get('ROM_PY_SERVER') or os.path.join(BUILD, 'rom_py_server')
HELPER = os.environ.get('ROM_PY_HELPER') or os.path.join(BUILD, 'rom_py_helper')
sys.path.insert(0, BUILD)
os.environ['PYTHONPATH'] = BUILD + os.pathsep + os.environ.get('PYTHONPATH', '')

import rom  # noqa: E402


class Server:
    def __init__(self, authkey=None):
        self.dir = tempfile.mkdtemp(prefix='rom-py-')
        self.endpoint = 'ipc://%s/server.sock' % self.dir
        args = [SERVER, self.endpoint] + ([authkey] if authkey else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith('ready '), 'rom_py_server did not start: %r' % line

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope='module')
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope='module')
def manager(server):
    return rom.connect(server.endpoint)


def helper(*args, env=None, check=True):
    """Run the C helper (rom_py_helper.c) and return its output."""
    out = subprocess.run([HELPER] + [str(a) for a in args], capture_output=True, text=True, timeout=60,
                         env=env)
    if check:
        assert out.returncode == 0, out.stderr
    return out.stdout
