"""Run python/tests with pytest, or skip (exit 77, ctest's SKIP_RETURN_CODE) when this python lacks one of
Debian's python3-zmq, python3-protobuf, python3-pytest."""
import os
import sys


def main():
    missing = []
    for module, package in (('zmq', 'python3-zmq'), ('google.protobuf', 'python3-protobuf'),
                            ('pytest', 'python3-pytest')):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        print('python/tests skipped: %s has no %s (scripts/install-deps installs them)'
              % (sys.executable, ', '.join(missing)))
        sys.exit(77)

    import pytest

    sys.exit(pytest.main([os.path.dirname(os.path.abspath(__file__)), '-p', 'no:cacheprovider']
                         + sys.argv[1:]))


if __name__ == '__main__':    # multiprocessing's spawn children import this module again
    main()
