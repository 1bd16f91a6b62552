"""Bundles: every cap and rule of play_harness's unpacking (each violation
refuses the whole game), and the entry point rules."""
import io
import os
import stat
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import harness, make_zip  # noqa: E402

MiB = 1 << 20


def patched(data: bytes, old: bytes, new: bytes) -> bytes:
    """The zip with a name's bytes replaced in both of its headers."""
    assert data.count(old) == 2, data.count(old)
    return data.replace(old, new)


def zip_with_mode(name: str, mode: int, content: bytes = b'x') -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('game.py', 'pass')
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = mode << 16
        archive.writestr(info, content)
    return buffer.getvalue()


class BundleTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dest = os.path.join(self.tmp.name, 'game')

    def tearDown(self):
        self.tmp.cleanup()

    def unpack(self, data: bytes) -> str:
        return os.path.relpath(harness.unpack_bundle(data, self.dest), self.dest)

    def refused(self, data: bytes, reason: str, checked_before_writing: bool = True):
        with self.assertRaises(harness.BundleError) as caught:
            self.unpack(data)
        self.assertIn(reason, str(caught.exception))
        if checked_before_writing:
            self.assertFalse(os.path.exists(self.dest) and os.listdir(self.dest),
                             'nothing is written for a refused bundle')


class Caps(BundleTest):

    def test_at_most_1000_entries(self):
        files = {f'f{i}.txt': '' for i in range(999)}
        self.assertEqual(self.unpack(make_zip({'game.py': '', **files})), 'game.py')
        self.tearDown()
        self.setUp()
        self.refused(make_zip({'game.py': '', 'extra.txt': '', **files}),
                     'more than 1000 entries (1001)')

    def test_at_most_16_mib_a_file(self):
        self.assertEqual(self.unpack(make_zip({'game.py': '', 'a.bin': b'\0' * (16 * MiB)})),
                         'game.py')
        self.tearDown()
        self.setUp()
        self.refused(make_zip({'game.py': '', 'a.bin': b'\0' * (16 * MiB + 1)}),
                     'file larger than 16777216 bytes: a.bin')

    def test_at_most_64_mib_in_all(self):
        files = {f'part{i}.bin': b'\0' * (16 * MiB) for i in range(4)}
        self.refused(make_zip({'game.py': 'x = 1', **files}), 'more than 67108864 bytes')

    def test_no_absolute_paths(self):
        self.refused(make_zip({'game.py': '', '/etc/evil': 'x'}), 'absolute path: /etc/evil')
        self.refused(make_zip({'game.py': '', 'C:/evil': 'x'}), 'absolute path')

    def test_no_dot_dot(self):
        self.refused(make_zip({'game.py': '', 'a/../../evil': 'x'}), 'path with "..": a/../../evil')
        self.refused(make_zip({'game.py': '', '..\\evil': 'x'}), 'path with ".."')

    def test_no_symlinks(self):
        self.refused(make_zip({'game.py': ''}, symlinks={'link': '/etc/passwd'}),
                     'symbolic link: link')

    def test_no_device_or_special_files(self):
        for kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
            with self.subTest(kind=kind):
                self.refused(zip_with_mode('dev', kind | 0o644), 'device or special file: dev')

    def test_names_must_be_utf8(self):
        flagless = patched(make_zip({'game.py': '', 'XX.txt': 'x'}), b'XX.txt', b'\xff\xfe.txt')
        self.refused(flagless, 'an entry name is not valid UTF-8')
        flagged = patched(make_zip({'game.py': '', 'ä.txt': 'x'}), 'ä'.encode(), b'\xc3\x28')
        self.refused(flagged, 'an entry name is not valid UTF-8')

    def test_no_nul_in_names(self):
        self.refused(patched(make_zip({'game.py': '', 'aXb': 'x'}), b'aXb', b'a\0b'),
                     'NUL byte')

    def test_no_duplicates(self):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            data = make_zip({'game.py': ''})
            buffer = io.BytesIO(data)
            with zipfile.ZipFile(buffer, 'a') as archive:
                archive.writestr('game.py', 'again')
        self.refused(buffer.getvalue(), 'duplicate entry: game.py')

    def test_not_a_zip(self):
        self.refused(b'PK\x03\x04 not really', 'not a zip file')

    def test_corrupt_data(self):
        data = bytearray(make_zip({'game.py': 'print("hello, world " * 20)'}))
        start = data.index(b'print')
        data[start:start + 5] = b'PRINT'   # the CRC no longer matches
        self.refused(bytes(data), 'cannot unpack game.py', checked_before_writing=False)


class Names(BundleTest):

    def test_utf8_names_without_the_flag_are_read_as_utf8(self):
        data = patched(make_zip({'game.py': '', 'XX.txt': 'x'}), b'XX.txt', 'ä.txt'.encode())
        self.unpack(data)
        self.assertTrue(os.path.exists(os.path.join(self.dest, 'ä.txt')))

    def test_backslashes_are_separators(self):
        self.unpack(make_zip({'game.py': '', 'images\\cookie.png': 'x'}))
        self.assertTrue(os.path.exists(os.path.join(self.dest, 'images', 'cookie.png')))

    def test_folders_and_files_keep_their_content(self):
        self.unpack(make_zip({'game.py': 'pass', 'lib/': '', 'lib/mod.py': 'X = 1'}))
        with open(os.path.join(self.dest, 'lib', 'mod.py')) as f:
            self.assertEqual(f.read(), 'X = 1')


class EntryPoint(BundleTest):

    def test_game_py_at_the_top_wins(self):
        self.assertEqual(self.unpack(make_zip({'a.py': '', 'game.py': '', 'z.py': ''})),
                         'game.py')

    def test_else_the_only_top_level_py(self):
        self.assertEqual(self.unpack(make_zip({'snake.py': '', 'lib/x.py': '', 'readme.md': ''})),
                         'snake.py')

    def test_several_top_level_py_without_game_py(self):
        self.refused(make_zip({'a.py': '', 'b.py': ''}),
                     'several .py files at the top level and none is game.py')

    def test_single_folder_is_looked_into(self):
        self.assertEqual(self.unpack(make_zip({'proj/game.py': '', 'proj/util.py': ''})),
                         'proj/game.py')
        self.tearDown()
        self.setUp()
        self.assertEqual(self.unpack(make_zip({'proj/main.py': '', 'proj/images/a.png': '',
                                               'README.txt': ''})), 'proj/main.py')

    def test_macos_and_hidden_folders_do_not_count(self):
        self.assertEqual(self.unpack(make_zip({'proj/main.py': '', '__MACOSX/proj/._main.py': '',
                                               '.git/config': ''})), 'proj/main.py')

    def test_two_folders_or_no_python(self):
        self.refused(make_zip({'a/game.py': '', 'b/game.py': ''}), 'no game.py and no single')
        self.refused(make_zip({'readme.txt': ''}), 'no game.py and no single')
        self.refused(make_zip({'proj/sub/game.py': ''}), 'no game.py and no single')
        self.refused(make_zip({}), 'no game.py and no single')

    def test_several_py_in_the_single_folder(self):
        self.refused(make_zip({'proj/a.py': '', 'proj/b.py': ''}),
                     'several .py files at proj/ and none is game.py')

    def test_one_file_game(self):
        path = harness.prepare_game({'t': 'play', 'code': 'print("ü")'}, self.dest)
        self.assertEqual(path, os.path.join(self.dest, 'game.py'))
        with open(path, encoding='utf-8') as f:
            self.assertEqual(f.read(), 'print("ü")')

    def test_bundle_must_be_base64(self):
        with self.assertRaisesRegex(harness.BundleError, 'not valid base64'):
            harness.prepare_game({'t': 'play', 'bundle': 'not base64!'}, self.dest)


if __name__ == '__main__':
    unittest.main()
