# play_harness.py — starts one arcade game: the Python side of cf-play.
#
# A long-lived parent (the zygote) executes this file once, as a module,
# before it forks game processes; executing it only defines names (no fd
# touched, no thread, no I/O). In each game process the caller then runs
#
#     serve_play(shim)            shim: the source text of
#                                 smartphone_connector.py, or the module
#                                 load_shim() made of it (the zygote may
#                                 load it once, before forking)
#
# serve_play reads the init message, installs the shim as the module
# `smartphone_connector`, writes the game under /tmp/game and runs it as
# `python game.py` would. It never returns normally: the process ends with
# the game (see smartphone_connector.py for the pipe protocol and the rule
# that decides when a game has ended). Its other parameters (game_dir,
# read_fd, write_fd) default to /tmp/game, 3 and 4; tests change them.
# load_shim(source) executes the shim's source as a fresh module registered
# as smartphone_connector (and its submodules); it is pure.
#
# Init message (fd 3): a 4-byte big-endian length, then that many bytes of
# UTF-8 JSON, at most 32 MiB:
#     {"t": "play", "title": str, "code": str}      a one-file game
#     {"t": "play", "title": str, "bundle": str}    base64 of a .zip
# End of file before it: exit 0 (the controller is gone). Any other problem
# with it: {"cf": "crash", "detail": "init: <reason>"} on fd 4, exit 70.
#
# The game: `code` is written to /tmp/game/game.py. A bundle is unpacked
# into /tmp/game with zipfile under caps — at most 1000 entries, 64 MiB in
# all, 16 MiB a file; no absolute path, no `..`, no symlink or device file,
# names valid UTF-8 (zips without the UTF-8 flag are read as UTF-8, not
# cp437; backslashes count as `/`). The entry point is `game.py` at the top,
# else the only top-level .py; with no top-level .py and a single top-level
# folder (ignoring `__MACOSX`-like `__*` and `.*` folders), the same rule
# inside that folder, as the original Game Runner did. Any violation: the
# game does not start, {"cf": "crash", "detail": "bundle: <reason>"}, exit 2.
#
# The script runs with __name__ == "__main__", __file__ its path,
# sys.argv == [path], its folder first on sys.path and as the working
# folder, `random` freshly seeded (a forked zygote would otherwise give every
# game the same numbers), and new sys.stdout / sys.stderr objects on fds 1
# and 2 (UTF-8, line-buffered, backslashreplace), so that nothing a zygote
# left in the old buffers reaches the game's log.
# Exit statuses: 0 ended ({"cf":"end"}) or controller gone, 2 crash, 3 out
# of memory, 70 bad init message.

import base64
import binascii
import builtins
import io
import json
import linecache
import os
import posixpath
import random
import stat
import sys
import traceback
import types
import zipfile
from importlib.machinery import SourceFileLoader

GAME_DIR = '/tmp/game'
INIT_MAX = 32 << 20
BUNDLE_MAX_ENTRIES = 1000
BUNDLE_MAX_TOTAL = 64 << 20
BUNDLE_MAX_FILE = 16 << 20
SHIM_NAME = 'smartphone_connector'
SHIM_FILENAME = 'smartphone_connector.py'

EXIT_CRASH = 2
EXIT_BAD_INIT = 70


class InitError(Exception):
    """The init message is not what the contract says."""


class BundleError(Exception):
    """The bundle breaks a rule; the message is the reason shown to the player."""


# ---------------------------------------------------------------------------
# The shim
# ---------------------------------------------------------------------------

def load_shim(source: str, name: str = SHIM_NAME) -> types.ModuleType:
    """Executes the shim's source as a fresh module and registers it (with
    its submodules) in sys.modules. Pure: safe in the zygote."""
    module = types.ModuleType(name)
    module.__file__ = SHIM_FILENAME
    module.__path__ = []          # a package, as the original was
    module.__package__ = name
    # No file exists in the sandbox: give tracebacks the source lines.
    linecache.cache[SHIM_FILENAME] = (len(source), None, source.splitlines(True), SHIM_FILENAME)
    sys.modules[name] = module
    exec(compile(source, SHIM_FILENAME, 'exec', dont_inherit=True), module.__dict__)
    install_shim(module, name)
    return module


def install_shim(module: types.ModuleType, name: str = SHIM_NAME):
    """Makes `import smartphone_connector[.colors|.types|...]` find the shim."""
    sys.modules[name] = module
    for sub_name, sub_module in getattr(module, '_submodules', {}).items():
        sys.modules[f'{name}.{sub_name}'] = sub_module


# ---------------------------------------------------------------------------
# The init message
# ---------------------------------------------------------------------------

def _read_exact(fd: int, count: int) -> bytes:
    chunks = []
    while count > 0:
        try:
            chunk = os.read(fd, min(count, 1 << 20))
        except InterruptedError:
            continue
        if not chunk:
            os._exit(0)  # the controller is gone: nothing to do
        chunks.append(chunk)
        count -= len(chunk)
    return b''.join(chunks)


def read_init(fd: int) -> dict:
    """Reads and checks the framed init message (raises InitError)."""
    length = int.from_bytes(_read_exact(fd, 4), 'big')
    if length > INIT_MAX:
        raise InitError(f'message too large ({length} bytes, at most {INIT_MAX})')
    try:
        init = json.loads(_read_exact(fd, length).decode('utf-8'))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InitError(f'not UTF-8 JSON ({str(exc)[:80]})') from None
    if not isinstance(init, dict) or init.get('t') != 'play':
        raise InitError('not a {"t": "play"} object')
    if not isinstance(init.get('title', ''), str):
        raise InitError('"title" must be a string')
    has_code, has_bundle = isinstance(init.get('code'), str), isinstance(init.get('bundle'), str)
    if has_code == has_bundle:
        raise InitError('exactly one of "code" and "bundle" (strings) is required')
    return init


def _refuse_init(write_fd: int, reason: str):
    line = json.dumps({'cf': 'crash', 'detail': f'init: {reason}'}) + '\n'
    try:
        os.write(write_fd, line.encode('utf-8'))
    finally:
        os._exit(EXIT_BAD_INIT)


# ---------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------

def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as UTF-8 text with '/' separators."""
    name = info.orig_filename
    if not info.flag_bits & 0x800:
        # zipfile read the name as cp437; zips from Linux and macOS write
        # UTF-8 without saying so. Take the bytes back and read them as UTF-8.
        try:
            name = name.encode('cp437').decode('utf-8')
        except (UnicodeEncodeError, UnicodeDecodeError):
            raise BundleError(f'an entry name is not valid UTF-8: {name!r}') from None
    if '\0' in name:
        raise BundleError(f'an entry name contains a NUL byte: {name!r}')
    return name.replace('\\', '/')


def _entry_parts(name: str) -> list:
    """The path components of an entry, checked: relative, no '..'."""
    if name.startswith('/') or (len(name) > 1 and name[1] == ':' and name[0].isalpha()):
        raise BundleError(f'absolute path: {name}')
    parts = [part for part in name.split('/') if part not in ('', '.')]
    if '..' in parts:
        raise BundleError(f'path with "..": {name}')
    return parts


def _entry_is_dir(info: zipfile.ZipInfo, name: str) -> bool:
    """Directory or regular file; links and device files are refused."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise BundleError(f'symbolic link: {name}')
    if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
        raise BundleError(f'device or special file: {name}')
    return kind == stat.S_IFDIR or name.endswith('/')


def plan_bundle(archive: zipfile.ZipFile) -> list:
    """[(parts, info or None for a folder)] for every entry, all rules checked."""
    infos = archive.infolist()
    if len(infos) > BUNDLE_MAX_ENTRIES:
        raise BundleError(f'more than {BUNDLE_MAX_ENTRIES} entries ({len(infos)})')
    plan, seen, total = [], set(), 0
    for info in infos:
        name = _entry_name(info)
        parts = _entry_parts(name)
        is_dir = _entry_is_dir(info, name)
        if not parts:
            continue  # "./" and the like
        if tuple(parts) in seen:
            raise BundleError(f'duplicate entry: {"/".join(parts)}')
        seen.add(tuple(parts))
        if not is_dir:
            if info.file_size > BUNDLE_MAX_FILE:
                raise BundleError(f'file larger than {BUNDLE_MAX_FILE} bytes: {name}')
            total += info.file_size
            if total > BUNDLE_MAX_TOTAL:
                raise BundleError(f'more than {BUNDLE_MAX_TOTAL} bytes uncompressed')
        plan.append((parts, None if is_dir else info))
    return plan


def _python_files_at(plan: list, prefix: list) -> list:
    depth = len(prefix) + 1
    return sorted(parts[-1] for parts, info in plan
                  if info is not None and len(parts) == depth and parts[:-1] == prefix
                  and parts[-1].endswith('.py'))


def _entry_in(plan: list, prefix: list):
    """game.py, else the only .py file directly in the folder `prefix`;
    None when there is no .py there."""
    scripts = _python_files_at(plan, prefix)
    if 'game.py' in scripts:
        return prefix + ['game.py']
    if len(scripts) == 1:
        return prefix + scripts
    if scripts:
        where = '/'.join(prefix) + '/' if prefix else 'the top level'
        raise BundleError(f'several .py files at {where} and none is game.py')
    return None


def find_entry(plan: list) -> list:
    """The entry point's path components (rules in the file header)."""
    entry = _entry_in(plan, [])
    if entry is not None:
        return entry
    folders = {parts[0] for parts, info in plan if len(parts) > 1 or info is None}
    folders = {f for f in folders if not (f.startswith('__') or f.startswith('.'))}
    if len(folders) == 1:
        entry = _entry_in(plan, [folders.pop()])
        if entry is not None:
            return entry
    raise BundleError('no game.py and no single .py file at the top level '
                      '(or in a single top-level folder)')


def _extract(archive: zipfile.ZipFile, plan: list, dest: str):
    """Writes the planned entries below dest, counting the bytes really
    written (declared sizes could lie)."""
    total = 0
    for parts, info in plan:
        target = os.path.join(dest, *parts)
        try:
            if info is None:
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            written = 0
            with archive.open(info) as source, open(target, 'xb') as out:
                while True:
                    chunk = source.read(1 << 16)
                    if not chunk:
                        break
                    written += len(chunk)
                    total += len(chunk)
                    if written > BUNDLE_MAX_FILE or total > BUNDLE_MAX_TOTAL:
                        raise BundleError(f'{posixpath.join(*parts)} unpacks to more than '
                                          'allowed')
                    out.write(chunk)
        except BundleError:
            raise
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError,
                ValueError) as exc:
            raise BundleError(f'cannot unpack {posixpath.join(*parts)}: {exc}') from None
        except Exception as exc:  # zlib.error and other decompressor errors
            raise BundleError(f'cannot unpack {posixpath.join(*parts)}: {exc}') from None


def unpack_bundle(data: bytes, dest: str) -> str:
    """Unpacks a zip into dest (checking every rule first); returns the
    entry point's path."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except UnicodeDecodeError:
        raise BundleError('an entry name is not valid UTF-8') from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BundleError(f'not a zip file ({exc})') from None
    with archive:
        plan = plan_bundle(archive)
        entry = find_entry(plan)
        _extract(archive, plan, dest)
    return os.path.join(dest, *entry)


def prepare_game(init: dict, game_dir: str) -> str:
    """Writes the game of the init message under game_dir; returns the
    script to run."""
    os.makedirs(game_dir, exist_ok=True)
    if isinstance(init.get('code'), str):
        path = os.path.join(game_dir, 'game.py')
        with open(path, 'w', encoding='utf-8', errors='surrogatepass') as out:
            out.write(init['code'])
        return path
    try:
        data = base64.b64decode(init['bundle'], validate=True)
    except (binascii.Error, ValueError):
        raise BundleError('not valid base64') from None
    return unpack_bundle(data, game_dir)


# ---------------------------------------------------------------------------
# Running the script
# ---------------------------------------------------------------------------

def _fresh_main(path: str) -> types.ModuleType:
    """The __main__ module `python path` would create."""
    main = types.ModuleType('__main__')
    main.__file__ = path
    main.__builtins__ = builtins
    main.__loader__ = SourceFileLoader('__main__', path)
    main.__spec__ = None
    main.__package__ = None
    main.__cached__ = None
    sys.modules['__main__'] = main
    return main


def _fresh_std_streams():
    """New sys.stdout/sys.stderr on fds 1 and 2: whatever a zygote left in
    the old buffers must not reach this game's log, and line buffering lets
    the log show prints as they happen. UTF-8, never failing on a print."""
    for name, fd in (('stdout', 1), ('stderr', 2)):
        try:
            stream = open(fd, 'w', buffering=1, encoding='utf-8', errors='backslashreplace',
                          closefd=False)
        except OSError:
            continue
        setattr(sys, name, stream)


def _set_process_like_python(path: str):
    folder = os.path.dirname(path)
    os.chdir(folder)
    sys.argv = [path]
    sys.path.insert(0, folder)
    random.seed()  # a forked zygote would give every game the same numbers


def _print_script_exception(exc: BaseException):
    """The traceback `python game.py` would print: without this file's frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next
    try:
        traceback.print_exception(type(exc), exc, tb)
    except Exception:
        pass


def _last_line(exc: BaseException) -> str:
    try:
        line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    except Exception:
        line = type(exc).__name__
    return line[:500]


def run_script(path: str, runtime):
    """Runs the game's script as __main__, then keeps the game going until
    it has ended (runtime: the shim's _runtime)."""
    _set_process_like_python(path)
    main = _fresh_main(path)
    try:
        with open(path, 'rb') as source:
            code = compile(source.read(), path, 'exec', dont_inherit=True)
        exec(code, main.__dict__)
    except SystemExit as exc:
        runtime.exit_requested(exc)
        return
    except MemoryError as exc:
        _print_script_exception(exc)
        runtime.out_of_memory(exc)
        return
    except BaseException as exc:
        _print_script_exception(exc)
        runtime.finish('crash', _last_line(exc), EXIT_CRASH)
        return
    runtime.run_until_idle()


def serve_play(shim, game_dir: str = GAME_DIR, read_fd: int = 3, write_fd: int = 4):
    """The game process's entry point (see the file header)."""
    _fresh_std_streams()
    try:
        init = read_init(read_fd)
    except InitError as exc:
        _refuse_init(write_fd, str(exc))
    module = load_shim(shim) if isinstance(shim, str) else shim
    install_shim(module)
    runtime = module._runtime
    runtime.attach(read_fd, write_fd)
    try:
        script = prepare_game(init, game_dir)
    except BundleError as exc:
        runtime.finish('crash', f'bundle: {exc}', EXIT_CRASH)
        return
    except OSError as exc:
        runtime.finish('crash', f'bundle: cannot write the game ({exc})', EXIT_CRASH)
        return
    run_script(script, runtime)
