"""rom's statuses (runtime/include/rom/rom_status.h) and the exceptions they become in Python."""

OK = 0
APP_ERROR = 1
NO_OBJECT = 2
NO_METHOD = 3
BAD_REQUEST = 4
TIMEOUT = 5
UNAVAILABLE = 6
DENIED = 7
EMPTY = 8
FULL = 9
CLOSED = 10
EXISTS = 11
NO_TYPE = 12
WRONG_TYPE = 13
TOO_LARGE = 14
INVALID = 15
NOMEM = 16
BROKEN = 17
INTERNAL = 18
DEFERRED = 19
NOT_FOUND = 20
OUT_OF_RANGE = 21
SESSION_LOST = 22
CHANGED = 23
LIMIT = 24

NAMES = {value: name for name, value in globals().items() if name.isupper() and isinstance(value, int)}

STRERROR = {
    OK: 'ok', APP_ERROR: 'application error', NO_OBJECT: 'no such object', NO_METHOD: 'no such method',
    BAD_REQUEST: 'bad request', TIMEOUT: 'timed out', UNAVAILABLE: 'unavailable', DENIED: 'denied',
    EMPTY: 'empty', FULL: 'full', CLOSED: 'closed', EXISTS: 'exists', NO_TYPE: 'no such type',
    WRONG_TYPE: 'wrong type', TOO_LARGE: 'too large', INVALID: 'invalid argument', NOMEM: 'out of memory',
    BROKEN: 'broken', INTERNAL: 'internal error', DEFERRED: 'deferred', NOT_FOUND: 'not found',
    OUT_OF_RANGE: 'out of range', SESSION_LOST: 'session lost', CHANGED: 'changed during iteration',
    LIMIT: 'a server limit was reached',
}


class RomError(Exception):
    """A status with no closer Python exception: .status (the number), .name ('NO_OBJECT', ...) and the
    server's text (which names the object and method that failed, and why)."""

    def __init__(self, status, text=''):
        self.status = status
        self.name = NAMES.get(status, str(status))
        self.text = text
        super().__init__('%s: %s' % (STRERROR.get(status, 'unknown status'), text) if text
                         else STRERROR.get(status, 'unknown status'))


class RemoteError(RomError, RuntimeError):
    """The object refused the call (APP_ERROR), like multiprocessing's RemoteError."""


class SessionLost(RomError, ConnectionError):
    """The server ended this process's session while it lived: locks it held were released, its references
    were taken again on a new session."""


class LimitError(RomError, MemoryError):
    """The server refused for size or quota (NOMEM, TOO_LARGE, LIMIT): nothing was done. A MemoryError, as
    Python's own for an allocation too large; .text names the limit (max_message, max_objects, ...)."""


def error(status, text, context=None):
    """The exception for a failed call. `context` names what a NOT_FOUND or OUT_OF_RANGE means to the
    caller: 'key' (KeyError), 'index' (IndexError), 'attr' (AttributeError), 'value' (ValueError)."""
    import queue
    import threading
    if status == NOT_FOUND:
        return {'key': KeyError, 'index': IndexError, 'attr': AttributeError,
                'value': ValueError}.get(context, KeyError)(text)
    if status == OUT_OF_RANGE:
        return (IndexError if context in ('index', 'key') else OverflowError if context == 'number'
                else ValueError)(text)
    if status == EMPTY:
        return queue.Empty()
    if status == FULL:
        return queue.Full()
    if status == BROKEN:
        return threading.BrokenBarrierError(text)
    if status == WRONG_TYPE:
        return TypeError(text)
    if status == TIMEOUT:
        return TimeoutError(text)
    if status == UNAVAILABLE:
        return ConnectionError(text)
    if status == DENIED:
        return PermissionError(text)
    if status == CLOSED:
        return EOFError(text)
    if status == CHANGED:
        return RuntimeError(text)
    if status in (NOMEM, TOO_LARGE, LIMIT):
        # A refusal for size or quota: nothing was done, as Python's MemoryError for a list too large.
        return LimitError(status, text)
    if status == SESSION_LOST:
        return SessionLost(status, text)
    if status == APP_ERROR:
        return RemoteError(status, text)
    return RomError(status, text)
