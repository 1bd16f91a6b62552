"""The pipe protocol seen from the controller: malformed input lines are
ignored with one line on stderr, missing fields are filled in, display
lines are compact JSON with a size limit, end of file stops the game."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import RigTest  # noqa: E402

MiB = 1 << 20


class MalformedInput(RigTest):

    def assert_ignored(self, raw: bytes, reason: str):
        keys = []
        self.device.on_key = lambda d: keys.append(d.key)
        self.rig.send(raw)
        self.rig.send({'type': 'key', 'key': 'after'})   # the game goes on
        self.wait_until(lambda: keys == ['after'], what='the key after the bad line')
        lines = [line for line in self.rig.stderr().splitlines() if 'ignored an input line' in line]
        self.assertEqual(len(lines), 1, self.rig.stderr())
        self.assertIn(reason, lines[0])

    def test_not_json(self):
        self.assert_ignored(b'{"type": "key", \n', 'not JSON')

    def test_not_utf8(self):
        self.assert_ignored(b'{"type": "key", "key": "\xff"}\n', 'not UTF-8')

    def test_not_an_object(self):
        self.assert_ignored(b'[1, 2]\n', 'not a JSON object')

    def test_no_type(self):
        self.assert_ignored(b'{"key": "up"}\n', 'no "type" string')

    def test_nan_is_not_json(self):
        self.assert_ignored(b'{"type": "acceleration", "x": NaN}\n', 'not JSON')

    def test_deep_nesting(self):
        self.assert_ignored(b'[' * 60000 + b'\n', 'not JSON')

    def test_required_fields(self):
        self.assert_ignored(b'{"type": "key"}\n', 'key without a valid "key"')

    def test_collision_needs_two_sprites_with_ids(self):
        self.assert_ignored(b'{"type": "sprite_collision", "overlap": "in", "sprites": [{}]}\n',
                            'sprite_collision needs')

    def test_line_over_64_kib(self):
        self.assert_ignored(b'{"type": "key", "key": "' + b'x' * (64 << 10) + b'"}\n',
                            'longer than 65536 bytes')

    def test_line_over_64_kib_sent_in_pieces(self):
        keys = []
        self.device.on_key = lambda d: keys.append(d.key)
        for _ in range(3):
            self.rig.send(b'x' * 40000)
        self.rig.send(b'x\n{"type": "key", "key": "after"}\n')
        self.wait_until(lambda: keys == ['after'])
        self.assertEqual(self.rig.stderr().count('ignored an input line'), 1)

    def test_a_line_of_exactly_64_kib_is_accepted(self):
        keys = []
        self.device.on_key = lambda d: keys.append(d.key)
        head = b'{"type": "key", "key": "'
        line = head + b'k' * ((64 << 10) - len(head) - 2) + b'"}'
        self.assertEqual(len(line), 64 << 10)
        self.rig.send(line + b'\n')
        self.wait_until(lambda: keys)
        self.assertEqual(self.rig.stderr(), '')

    def test_blank_lines_are_skipped_silently(self):
        self.rig.send(b'\n  \n')
        self.rig.send({'type': 'key', 'key': 'up'})
        self.wait_until(lambda: self.device.key.key == 'up')
        self.assertEqual(self.rig.stderr(), '')

    def test_unknown_types_reach_on_data_and_the_history(self):
        seen = []
        self.device.on_data = seen.append
        self.rig.send({'type': 'something_new', 'n': 1})
        self.wait_until(lambda: seen)
        self.assertEqual(seen[0].n, 1)
        self.assertEqual(len(self.device.all_data('something_new')), 1)


class FilledIn(RigTest):

    def received(self, event):
        got = []
        self.device.on_key = got.append
        self.rig.send(event)
        self.wait_until(lambda: got)
        return got[0]

    def test_missing_fields_are_filled_as_the_browser_did(self):
        data = self.received({'type': 'key', 'key': 'up'})
        self.assertEqual(data.device_id, 'dev')
        self.assertEqual(data.device_nr, 0)
        self.assertIsInstance(data.time_stamp, float)

    def test_given_fields_are_kept(self):
        data = self.received({'type': 'key', 'key': 'up', 'device_id': 'dev', 'time_stamp': 12.5,
                              'device_nr': 3})
        self.assertEqual((data.device_id, data.time_stamp, data.device_nr), ('dev', 12.5, 3))

    def test_wrong_types_are_replaced(self):
        data = self.received({'type': 'key', 'key': 'up', 'device_id': 5, 'time_stamp': 'now',
                              'device_nr': True})
        self.assertEqual(data.device_id, 'dev')
        self.assertIsInstance(data.time_stamp, float)
        self.assertEqual(data.device_nr, 0)


class DisplayLines(RigTest):

    def test_one_mib_passes(self):
        self.device.add_sprite(id='big', text='x' * MiB)
        self.assertEqual(len(self.rig.next(timeout=5)['sprite']['text']), MiB)

    def test_up_to_the_limit_passes_and_over_it_is_refused(self):
        limit = self.shim.MAX_DISPLAY_LINE
        self.assertEqual(limit, 8 * MiB)
        probe = {'type': 'blob', 'time_stamp': 1.5, 'device_id': 'dev', 'data': ''}
        overhead = len(self.shim._encode_json(probe)) + 1
        self.device.send({**probe, 'data': 'y' * (limit - overhead)})
        self.rig.next(timeout=5)
        self.assertEqual(len(self.rig.raw_lines[-1]) + 1, limit)   # + the newline
        with self.assertRaisesRegex(self.shim.MessageTooLarge, 'display message too large'):
            self.device.send({**probe, 'data': 'y' * (limit - overhead + 1)})
        with self.assertRaises(ValueError):   # MessageTooLarge is a ValueError
            self.device.add_sprite(id='huge', text='z' * (9 * MiB))
        self.assertEqual(self.rig.drain(), [])

    def test_nan_and_infinity_become_null(self):
        self.device.add_sprite(id='n', pos_x=float('nan'), pos_y=float('inf'))
        self.assertEqual(self.rig.next()['sprite'], {'id': 'n', 'pos_x': None, 'pos_y': None})

    def test_bytes_become_base64_and_other_objects_raise(self):
        self.device.send({'type': 'raw', 'data': b'\x00\x01'})
        self.assertEqual(self.rig.next()['data'], 'AAE=')
        with self.assertRaisesRegex(TypeError, 'not JSON serializable'):
            self.device.send({'type': 'raw', 'data': {1, 2}})

    def test_lone_surrogates_do_not_break_utf8(self):
        self.device.notify('bad \ud800 text')
        self.rig.next()
        self.rig.raw_lines[-1].decode('utf-8')   # strict: must not raise


class EndOfFile(RigTest):

    def test_eof_on_fd3_exits_at_once_with_status_0(self):
        os.close(self.rig.to_game)
        self.wait_until(lambda: self.rig.exits == [0])
        self.rig.to_game = os.open(os.devnull, os.O_WRONLY)   # for tearDown to close

    def test_nothing_is_written_after_a_control_line(self):
        self.rig.runtime.finish('crash', 'Boom', 2)
        self.device.notify('too late')
        self.assertEqual(self.rig.drain(), [{'cf': 'crash', 'detail': 'Boom'}])
        self.assertEqual(self.rig.exits, [2])


if __name__ == '__main__':
    import unittest
    unittest.main()
