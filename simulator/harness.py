# harness.py — the Python side of a coderunner (embedded in cf_sandbox).
#
# Imported once by the forkserver (so every bot starts with Python warm);
# serve() runs in each coderunner after the sandbox is in place.
#
# Protocol, on the bot's own pipes (never stdout/stderr, which are its log):
#   fd 3, controller -> bot: 4-byte big-endian length + JSON
#       first  {"t": "init", "name": str, "code": str, "context": object}
#       then   {"t": "call", "id": int, "m": str, "a": [args]}
#   fd 4, bot -> controller: the same framing
#       {"id": int, "ok": value}       the method returned value
#       {"id": int, "raised": str}     the method raised (last line, and the
#                                      line of the bot's code: "(line N)")
#       {"crash": str}                 import error (naming its line), no Main, exit, ...
#       {"memory": str}                MemoryError: out of memory
# A reply larger than SB_MSG_MAX counts as the call raising.
#
# The bot's code never exists as a file: it arrives in the init message and
# is compiled as the module "bot". Everything written here is as untrusted
# as the bot itself (same process); the controller checks every byte.

import gc
import json
import os
import sys
import types

_REQ = 3
_REP = 4
_MSG_MAX = 60 * 1024
_INIT_MAX = 16 << 20

# The modules bots use most, and traceback (the harness's error paths).
# A sandbox that runs many fights (cf-simulator) imports them once, in the
# forkserver (prepare(True)), so no bot pays for them; cf-fight runs one
# fight and leaves them to the bot that needs them, as a plain `python3
# bot.py` would: warming them would cost its start more than it saves.
_WARM = ("traceback", "random", "math", "collections", "itertools", "functools", "heapq",
         "bisect", "copy", "time")

# One encoder for every reply, rather than one per json.dumps call.
_encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_encode = _encoder.encode

# encode() builds its C encoder anew at every call, about a microsecond of
# a call's few: replies use one built once, with the arguments encode()
# gives it and its circular-reference markers emptied before each use, as a
# new one's are (the same text, the same errors). Without the C module,
# encode() itself.
_markers = {}
_c_encoder = json.encoder.c_make_encoder
if _c_encoder is not None:
    _c_encoder = _c_encoder(_markers, _encoder.default, json.encoder.encode_basestring_ascii,
                            _encoder.indent, _encoder.key_separator, _encoder.item_separator,
                            _encoder.sort_keys, _encoder.skipkeys, _encoder.allow_nan)


def _encode_dict(obj):
    if _c_encoder is None:
        return _encode(obj)
    _markers.clear()
    return "".join(_c_encoder(obj, 0))


# json.loads of a compact message is mostly its wrapping (two whitespace
# matches, two calls): the scanner takes the message directly, and anything
# it does not take whole goes through json.loads, for its exact result or
# error.
_scan = json.JSONDecoder().scan_once


def _loads(text):
    try:
        obj, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)
    return obj if end == len(text) else json.loads(text)


def _warm_up():
    """The first compile() in a process costs ~0.7 ms of one-time set-up;
    pay it here, once, rather than in every bot's first call."""
    source = ("class Main:\n"
              "    def decide_tick(self, tick, me, enemy):\n"
              "        return {'m': [tick, me, enemy]}\n")
    scope = {}
    exec(compile(source, "warm.py", "exec"), scope)
    value = scope["Main"]().decide_tick(0, {"x": 1}, None)
    json.loads(json.dumps({"id": 1, "ok": value}, separators=(",", ":"), allow_nan=False))


# Bytes read past the end of the last message. A request and its header
# come in one write: one read takes both (and now and then the start of
# what follows, kept here for the next _recv).
_pending = b""


# O_NONBLOCK belongs to the pipe, not to this process's use of it, and the
# bot may set it (os.set_blocking on its descriptors): a read that finds
# nothing, or a write to a full pipe, then fails with BlockingIOError
# instead of waiting. The harness puts the pipe back to blocking and does
# it again, as many times as the bot undoes it (its CPU, its limits).
def _read_some():
    while True:
        try:
            b = os.read(_REQ, 1 << 16)
            break
        except BlockingIOError:
            os.set_blocking(_REQ, True)
    if not b:
        os._exit(0)  # the controller is gone: nothing left to do
    return b


def _recv(limit):
    global _pending
    buf = _pending
    while len(buf) < 4:
        buf += _read_some()
    n = int.from_bytes(buf[:4], "big")
    if n > limit:
        os._exit(70)
    end = 4 + n
    if len(buf) < end:
        chunks = [buf]
        have = len(buf)
        while have < end:
            b = _read_some()
            chunks.append(b)
            have += len(b)
        buf = b"".join(chunks)
    _pending = buf[end:]
    return _loads(buf[4:end].decode("utf-8"))


def _write_some(data):
    while True:
        try:
            return os.write(_REP, data)
        except BlockingIOError:
            os.set_blocking(_REP, True)


def _send_raw(data):
    frame = len(data).to_bytes(4, "big") + data
    k = _write_some(frame)
    if k < len(frame):
        rest = memoryview(frame)[k:]
        while rest:
            rest = rest[_write_some(rest):]


def _send(obj):
    _send_raw(_encode(obj).encode("utf-8"))


def _print_exc():
    import traceback
    traceback.print_exc()


def _last_line(exc):
    try:
        import traceback
        line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    except Exception:
        line = type(exc).__name__
    return line[:500]


def _bot_line(exc, name):
    """The line of the bot's own code where exc arose: a SyntaxError's own
    line, else the innermost frame of the traceback in the bot's code
    (compiled under its name); None when the bot's code is not in it."""
    if isinstance(exc, SyntaxError) and exc.filename == name and exc.lineno:
        return exc.lineno
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _with_line(exc, name):
    """The exception's last line, naming the line of the bot's code."""
    text = _last_line(exc)
    line = _bot_line(exc, name)
    return text if line is None else "%s (line %d)" % (text, line)


def _flush():
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass


def _die(kind, text, status):
    try:
        _send({kind: text})
    except Exception:
        pass
    _flush()
    os._exit(status)


def serve():
    init = _recv(_INIT_MAX)
    name = str(init.get("name", "bot.py"))
    module = types.ModuleType("bot")
    module.__file__ = name
    sys.modules["bot"] = module
    try:
        code = compile(init["code"], name, "exec")
        exec(code, module.__dict__)
        main = getattr(module, "Main", None)
        if main is None:
            _die("crash", "the bot defines no class Main", 2)
        instance = main()
        instance.context = init.get("context", {})
    except MemoryError as e:
        _die("memory", _last_line(e), 3)
    except BaseException as e:
        _print_exc()
        _die("crash", _with_line(e, name), 2)
    _flush()

    while True:
        msg = _recv(_MSG_MAX)
        cid = msg.get("id")
        try:
            method = getattr(instance, str(msg["m"]), None)
            if not callable(method):
                raise AttributeError("Main has no %s" % str(msg["m"])[:100])
            value = method(*msg.get("a", []))
            data = _encode_dict({"id": cid, "ok": value}).encode("utf-8")
            if len(data) > _MSG_MAX:
                raise ValueError("return value too large (%d bytes)" % len(data))
        except MemoryError as e:
            _die("memory", _last_line(e), 3)
        except Exception as e:
            _print_exc()
            data = json.dumps({"id": cid, "raised": _with_line(e, name)}).encode("utf-8")
        except BaseException as e:  # SystemExit, KeyboardInterrupt: the bot quits
            _die("crash", _last_line(e) or type(e).__name__, 2)
        _flush()
        _send_raw(data)


def prepare(warm):
    """Called once by the forkserver, after the import: warm (a sandbox for
    many fights) imports _WARM; then the first compile() is paid and the
    heap frozen."""
    if warm:
        for name in _WARM:
            try:
                __import__(name)
            except Exception:
                pass
    _warm_up()
    # Objects that exist now are never collected in a coderunner: the cyclic
    # GC then leaves their pages alone, so fewer of them are copied on write.
    gc.freeze()
