"""Input events: callbacks as the original dispatched them (0/1/2
arguments, on()/remove(), aliases), DictX payloads enriched from the local
sprite table, the data history, the server's echo and timer."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import Rig, RigTest  # noqa: E402


def appender(log, value):
    """A one-parameter callback that logs value (a defaulted parameter
    would count: the original passes (data, connector) to two)."""
    return lambda data: log.append(value)


def collision(first, second, overlap='in'):
    return {'type': 'sprite_collision', 'overlap': overlap, 'sprites': [first, second]}


class Callbacks(RigTest):

    def record(self):
        calls = []
        return calls, (lambda *args: calls.append(args))

    def test_zero_one_and_two_arguments(self):
        calls = []
        self.device.on_key = lambda: calls.append('none')
        self.device.on('key', lambda data: calls.append(('one', data.key)))
        self.device.on('key', lambda data, connector: calls.append(('two', connector)))
        self.device.on('key', lambda a, b, c: calls.append('three'))   # never called
        self.rig.send({'type': 'key', 'key': 'up'})
        self.wait_until(lambda: len(calls) == 3, what='three callbacks')
        self.rig.settle(0.1)
        self.assertEqual(calls, ['none', ('one', 'up'), ('two', self.device)])

    def test_on_aliases_replace_and_remove(self):
        calls = []
        first = lambda d: calls.append('first')   # noqa: E731
        second = lambda d: calls.append('second')   # noqa: E731
        self.device.on('object_clicked', first)
        self.device.on('sprite_clicked', second)
        self.rig.send({'type': 'sprite_clicked', 'id': 'a'})
        self.wait_until(lambda: len(calls) == 2)
        self.device.remove('object_clicked', first)
        self.rig.send({'type': 'sprite_clicked', 'id': 'a'})
        self.wait_until(lambda: len(calls) == 3)
        self.device.on('sprite_clicked', first, replace=True)
        self.rig.send({'type': 'sprite_clicked', 'id': 'a'})
        self.wait_until(lambda: len(calls) == 4)
        self.device.remove('sprite_clicked')
        self.rig.send({'type': 'sprite_clicked', 'id': 'a'})
        self.rig.settle()
        self.assertEqual(calls, ['first', 'second', 'second', 'first'])
        with self.assertRaises(ValueError):   # as list.remove in the original
            self.device.remove('sprite_clicked', first)

    def test_every_alias(self):
        seen = []
        for event in ('acc', 'object_out', 'object_removed', 'collision', 'object_collision',
                      'object_clicked'):
            self.device.on(event, appender(seen, event))
        self.rig.send({'type': 'acceleration', 'x': 1, 'y': 2, 'z': 3})
        self.rig.send({'type': 'sprite_out', 'id': 'a'})
        self.rig.send({'type': 'sprite_removed', 'id': 'a'})
        self.rig.send(collision({'id': 'a'}, {'id': 'b'}))
        self.rig.send({'type': 'sprite_clicked', 'id': 'a'})
        self.wait_until(lambda: len(seen) == 6)
        self.assertEqual(sorted(seen), sorted(['acc', 'object_out', 'object_removed', 'collision',
                                               'object_collision', 'object_clicked']))

    def test_unknown_event_warns_and_is_ignored(self):
        self.device.on('keys', lambda: None)
        self.assertIn("unknown event 'keys'", self.rig.stderr())

    def test_function_keys_sensor_and_pointer(self):
        seen = []
        for name in ('on_key', 'on_f1', 'on_f2', 'on_f3', 'on_f4', 'on_sensor',
                     'on_acceleration', 'on_gyro', 'on_pointer'):
            setattr(self.device, name, appender(seen, name))
        self.rig.send({'type': 'key', 'key': 'F3'})
        self.rig.send({'type': 'acceleration', 'x': 1, 'y': 2, 'z': 3, 'interval': 16})
        self.rig.send({'type': 'gyro', 'alpha': 1, 'beta': 2, 'gamma': 3, 'absolute': False})
        self.rig.send({'type': 'pointer', 'context': 'color', 'x': 1, 'y': 2})
        self.wait_until(lambda: len(seen) == 7)
        self.assertEqual(seen, ['on_key', 'on_f3', 'on_sensor', 'on_acceleration', 'on_sensor',
                                'on_gyro', 'on_pointer'])

    def test_payload_is_dictx_with_the_browsers_fields(self):
        got = []
        self.device.on_key = got.append
        self.rig.send({'type': 'key', 'key': 'left'})
        self.wait_until(lambda: got)
        data = got[0]
        self.assertIsInstance(data, self.shim.DictX)
        self.assertEqual((data.type, data.key, data.device_id, data.device_nr),
                         ('key', 'left', 'dev', 0))
        self.assertIsInstance(data.time_stamp, float)

    def test_callback_exception_prints_traceback_and_the_game_goes_on(self):
        calls = []

        def broken(data):
            raise ValueError('boom in callback')

        self.device.on_key = broken
        self.device.on('key', lambda d: calls.append(d.key))
        self.rig.send({'type': 'key', 'key': 'up'})
        self.rig.send({'type': 'key', 'key': 'down'})
        self.wait_until(lambda: len(calls) == 2)
        log = self.rig.stderr()
        self.assertEqual(log.count('ValueError: boom in callback'), 2)
        self.assertIn('Traceback (most recent call last)', log)
        self.assertIn('in broken', log)
        self.assertEqual(self.rig.exits, [])

    def test_subclass_methods_are_callbacks(self):
        calls = []

        class Game(self.shim.Connector):
            def on_key(self, data):
                calls.append(data.key)

        game = Game('x', 'dev')
        self.rig.send({'type': 'key', 'key': 'up'})
        self.wait_until(lambda: calls == ['up'])
        self.assertTrue(game._listens())
        self.assertFalse(self.device._listens())

    def test_callbacks_run_in_arrival_order(self):
        keys = []
        self.device.on_key = lambda d: keys.append(d.key)
        for index in range(50):
            self.rig.send({'type': 'key', 'key': str(index)})
        self.wait_until(lambda: len(keys) == 50)
        self.assertEqual(keys, [str(i) for i in range(50)])

    def test_a_blocked_callback_does_not_hold_up_the_next_events(self):
        keys = []

        def on_key(data):
            if data.key == 'ask':
                keys.append(('answer', self.device.input('?')))
            else:
                keys.append(data.key)

        self.device.on_key = on_key
        self.rig.send({'type': 'key', 'key': 'ask'})
        self.rig.take('input_prompt')
        self.rig.send({'type': 'key', 'key': 'up'})
        self.wait_until(lambda: keys == ['up'], what='the key behind the prompt')
        self.rig.send({'type': 'input_response', 'response': 'yes'})
        self.wait_until(lambda: keys == ['up', ('answer', 'yes')])


class Enrichment(RigTest):

    def setUp(self):
        super().setUp()
        self.got = []
        self.device.add_sprite(id='player', collision_detection=True, pos_x=0, pos_y=0,
                               direction=[1, 0], speed=2)
        self.device.add_sprite(id='star', pos_x=5, pos_y=5, text='*')
        self.rig.drain()

    def receive(self, attribute, event):
        setattr(self.device, attribute, self.got.append)
        self.rig.send(event)
        self.wait_until(lambda: self.got, what=attribute)
        return self.got.pop()

    def test_sprite_out(self):
        data = self.receive('on_sprite_out', {'type': 'sprite_out', 'id': 'star'})
        self.assertEqual(data.sprite, {'id': 'star', 'pos_x': 5, 'pos_y': 5, 'text': '*'})
        self.assertIs(data.object, data.sprite)
        self.assertIsNot(data.sprite, self.device.get_sprite('star'))   # a copy

    def test_sprite_removed_leaves_the_table(self):
        data = self.receive('on_sprite_removed', {'type': 'sprite_removed', 'id': 'star'})
        self.assertEqual(data.sprite.text, '*')
        self.assertIsNone(self.device.get_sprite('star'))

    def test_unknown_sprite_is_not_enriched(self):
        data = self.receive('on_sprite_out', {'type': 'sprite_out', 'id': 'ghost'})
        self.assertNotIn('sprite', data)
        with self.assertRaises(AttributeError):
            data.sprite

    def test_border_overlap(self):
        data = self.receive('on_border_overlap', {
            'type': 'border_overlap', 'id': 'player', 'border': 'left',
            'collision_detection': True, 'x': -1, 'y': 0})
        self.assertEqual(data.sprite.direction, [1, 0])
        self.assertEqual(data.border, 'left')

    def test_auto_movement_pos_updates_the_table(self):
        data = self.receive('on_auto_movement_pos', {
            'type': 'auto_movement_pos', 'id': 'player', 'movement_id': 's-1', 'x': 7, 'y': 8})
        self.assertEqual((data.object.pos_x, data.object.pos_y), (7, 8))
        self.assertEqual(self.device.get_sprite('player').pos_x, 7)

    def test_auto_movement_pos_init_and_repeats_are_dropped(self):
        reports = []
        self.device.on_auto_movement_pos = reports.append
        for movement_id in ('init', 's-1', 's-1', 's-2'):
            self.rig.send({'type': 'auto_movement_pos', 'id': 'player',
                           'movement_id': movement_id, 'x': 1, 'y': 1})
        self.rig.settle(0.2)
        self.assertEqual([r.movement_id for r in reports], ['s-1', 's-2'])

    def test_sprite_clicked_object_is_none_as_in_the_original(self):
        data = self.receive('on_sprite_clicked', {'type': 'sprite_clicked', 'id': 'star',
                                                  'text': '*', 'x': 5, 'y': 5})
        self.assertIsNone(data.object)
        self.assertEqual(data.id, 'star')

    def test_collision_uses_local_sprites_at_reported_positions(self):
        data = self.receive('on_sprite_collision', collision(
            {'id': 'player', 'collision_detection': True, 'pos_x': 4, 'pos_y': 4},
            {'id': 'star', 'collision_detection': False, 'pos_x': 5, 'pos_y': 6}))
        first, second = data.sprites
        self.assertEqual(first, {'id': 'player', 'collision_detection': True, 'pos_x': 4,
                                 'pos_y': 4, 'direction': [1, 0], 'speed': 2})
        self.assertEqual(second, {'id': 'star', 'pos_x': 5, 'pos_y': 6, 'text': '*'})
        self.assertIs(data.objects, data.sprites)
        self.assertEqual(self.device.get_sprite('player').pos_x, 0)   # the table is unchanged

    def test_collision_puts_the_detecting_sprite_first(self):
        self.device.add_sprite(id='wall', collision_detection=False)
        data = self.receive('on_sprite_collision', collision(
            {'id': 'wall', 'collision_detection': False, 'pos_x': 1, 'pos_y': 1},
            {'id': 'player', 'collision_detection': True, 'pos_x': 2, 'pos_y': 2}))
        self.assertEqual([(s.id, s.pos_x) for s in data.sprites], [('player', 2), ('wall', 1)])

    def test_collision_with_unknown_sprites(self):
        data = self.receive('on_sprite_collision', collision({'id': 'x', 'pos_x': 1},
                                                             {'id': 'y', 'pos_x': 2}))
        self.assertEqual([s.id for s in data.objects], ['x', 'y'])
        self.assertIsInstance(data.objects[0], self.shim.DictX)

    def test_overlap_in_and_out(self):
        seen = []
        self.device.on_overlap_in = lambda d: seen.append('in')
        self.device.on_overlap_out = lambda d: seen.append('out')
        self.rig.send(collision({'id': 'player'}, {'id': 'star'}, 'in'))
        self.rig.send(collision({'id': 'player'}, {'id': 'star'}, 'out'))
        self.wait_until(lambda: seen == ['in', 'out'])


class History(RigTest):

    def test_all_data_latest_and_shortcuts(self):
        for key in ('up', 'down', 'left'):
            self.rig.send({'type': 'key', 'key': key})
        self.rig.send({'type': 'acceleration', 'x': 1, 'y': 2, 'z': 3})
        self.rig.send({'type': 'pointer', 'context': 'grid', 'row': 1, 'column': 2, 'number': 3})
        self.rig.send({'type': 'pointer', 'context': 'color', 'x': 1, 'y': 1})
        self.wait_until(lambda: len(self.device.data_list) == 6)
        self.assertEqual([m.key for m in self.device.key_data()], ['up', 'down', 'left'])
        self.assertEqual(self.device.latest_key().key, 'left')
        self.assertEqual(self.device.key.key, 'left')
        self.assertEqual(self.device.acceleration.x, 1)
        self.assertEqual(self.device.latest_data('acceleration').z, 3)
        self.assertEqual(self.device.grid_pointer.number, 3)
        self.assertEqual(self.device.color_pointer.context, 'color')
        self.assertEqual(len(self.device.pointer_data()), 2)
        self.assertEqual(len(self.device.grid_pointer_data()), 1)
        self.assertEqual(len(self.device.all_data()), 6)
        self.assertEqual(len(self.device.all_data('key', device_id='__ALL_DEVICES__')), 3)
        self.assertEqual(self.device.all_data('key', device_id='someone else'), [])

    def test_placeholders_before_any_data(self):
        self.assertEqual(self.device.latest_gyro(), self.shim.default('gyro'))
        self.assertEqual(self.device.key.key, '')
        self.assertEqual(self.device.latest_data('key', device_id='nobody'),
                         self.shim.default('key'))
        self.assertEqual(self.device.latest_data('nothing'), {})

    def test_only_the_last_few_unless_recording(self):
        for index in range(8):
            self.rig.send({'type': 'key', 'key': str(index)})
        self.wait_until(lambda: self.device.latest_key().key == '7')
        self.assertEqual([m.key for m in self.device.key_data()], ['3', '4', '5', '6', '7'])
        self.device.start_recording()
        self.assertTrue(self.device.is_recording)
        for index in range(8):
            self.rig.send({'type': 'key', 'key': str(index)})
        self.wait_until(lambda: len(self.device.key_data()) == 8)
        self.device.stop_recording()
        self.device.clean_data()
        self.assertEqual(self.device.data_list, [])

    def test_own_messages_come_back_as_the_server_echoed_them(self):
        seen = []
        self.device.on_data = lambda d: seen.append(d.type)
        self.device.add_sprite(id='a')
        self.device.send({'type': 'message', 'text': 'hi'})
        self.device.send_to('other-device', {'type': 'private'})
        self.device.report(3)     # goes to __GAME_RUNNER__, not back
        self.wait_until(lambda: seen == ['sprite', 'message'])
        self.rig.settle()
        self.assertEqual(seen, ['sprite', 'message'])
        self.assertEqual(self.device.all_data('sprite')[0].sprite.id, 'a')

    def test_broadcast_data_callback(self):
        seen = []
        self.device.on_broadcast_data = lambda d: seen.append(d.type)
        self.device.broadcast({'type': 'shout'})
        self.rig.send({'type': 'key', 'key': 'up'})
        self.rig.send({'type': 'key', 'key': 'up', 'broadcast': True})
        self.wait_until(lambda: seen == ['shout', 'key'])


class Connectors(RigTest):

    def test_events_before_the_first_connector_are_kept(self):
        rig = Rig()
        try:
            rig.send({'type': 'key', 'key': 'early'})
            time.sleep(0.1)
            device = rig.connector()
            self.assertEqual(device.latest_key().key, 'early')
        finally:
            rig.close()

    def test_every_connector_gets_the_events(self):
        second = self.rig.connector('dev2')
        self.rig.send({'type': 'key', 'key': 'up'})
        self.wait_until(lambda: second.latest_key(device_id='dev2').key == 'up')
        self.assertEqual(self.device.latest_key(device_id='dev').key, 'up')

    def test_one_device_world(self):
        self.assertEqual([d.device_nr for d in self.device.devices], [0, -1])
        self.assertEqual(self.device.client_device.device_nr, 0)
        self.assertTrue(self.device.client_device.is_client)
        self.assertEqual(self.device.device.device_nr, -1)
        self.assertEqual((self.device.device_count, self.device.client_count), (2, 1))
        self.assertEqual(self.device.joined_rooms, ['dev'])
        self.device.join_room('other')
        self.device.leave_room('other')
        self.assertTrue(self.device.set_device_nr(5))
        self.assertEqual(self.device.device.device_nr, 5)
        self.assertEqual(self.device.server_url, 'http://ignored')
        self.assertEqual(self.rig.drain(), [])

    def test_on_timer_fires_every_second(self):
        ticks = []
        self.device.on_timer = ticks.append
        self.wait_until(lambda: ticks, timeout=2.5, what='a timer tick')
        self.assertIsInstance(ticks[0].time, float)


if __name__ == '__main__':
    import unittest
    unittest.main()
