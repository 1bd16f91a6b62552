"""The shape of every display message the shim writes (the original's
emit('new_data', data) payloads, plus the server's movement ids)."""
import base64
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import RigTest  # noqa: E402

PNG = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')


class DisplayMessages(RigTest):

    def assertMessage(self, message, expected: dict):
        """message has exactly expected's fields plus time_stamp and device_id."""
        self.assertIsInstance(message.pop('time_stamp'), float)
        self.assertEqual(message.pop('device_id'), 'dev')
        self.assertEqual(message, expected)

    def test_sprite(self):
        sprite_id = self.device.add_sprite(id='s', pos_x=1, pos_y=2, width=3, height=4,
                                           color='red', clickable=True, form='round')
        self.assertEqual(sprite_id, 's')
        self.assertMessage(self.rig.next(), {'type': 'sprite', 'sprite': {
            'id': 's', 'clickable': True, 'color': 'red', 'form': 'round', 'height': 4,
            'pos_x': 1, 'pos_y': 2, 'width': 3}})

    def test_sprite_without_id_gets_one(self):
        sprite_id = self.device.add_sprite(pos_x=1)
        self.assertRegex(sprite_id, r'^sprite\d{5}$')
        self.assertEqual(self.rig.next()['sprite'], {'id': sprite_id, 'pos_x': 1})

    def test_circle_square_rectangle_ellipse_text(self):
        self.device.add_circle(1, 2, 3, 'red', id='c')
        self.assertEqual(self.rig.next()['sprite'], {
            'id': 'c', 'color': 'red', 'form': 'round', 'height': 6, 'pos_x': 1, 'pos_y': 2,
            'width': 6})
        self.device.add_square(1, 2, 5, id='q', anchor=[0.5, 0.5])
        self.assertEqual(self.rig.next()['sprite'], {
            'id': 'q', 'form': 'rectangle', 'height': 5, 'pos_x': 1, 'pos_y': 2,
            'anchor': [0.5, 0.5], 'width': 5})
        self.device.add_rectangle(1, 2, 8, 4, id='r', z_index=3, border_style='dashed')
        self.assertEqual(self.rig.next()['sprite'], {
            'id': 'r', 'border_style': 'dashed', 'form': 'rectangle', 'height': 4, 'pos_x': 1,
            'pos_y': 2, 'width': 8, 'z_index': 3})
        self.device.add_ellipse(0, 0, 2, 7, id='e')
        self.assertEqual(self.rig.next()['sprite'], {
            'id': 'e', 'form': 'round', 'height': 2, 'pos_x': 0, 'pos_y': 0, 'width': 7})
        self.device.add_text('abcd', 1, 1, id='t', font_color='white', background_color='blue')
        # height: playground height / 20; width: len * height * (h / w) / 4
        self.assertEqual(self.rig.next()['sprite'], {
            'id': 't', 'color': 'blue', 'form': 'rectangle', 'height': 5.0, 'pos_x': 1,
            'pos_y': 1, 'text': 'abcd', 'font_color': 'white', 'width': 5.0})

    def test_unknown_keyword_is_ignored_as_in_the_original(self):
        self.device.add_circle(id='c', size=10)   # add_circle has no size
        self.assertEqual(self.rig.next()['sprite'], {'id': 'c', 'form': 'round'})

    def test_sprites(self):
        with self.device.add_sprites() as add:
            add(id='a', radius=2)
            add(id='b', size=3, color='red')
        self.assertMessage(self.rig.next(), {'type': 'sprites', 'sprites': [
            {'id': 'a', 'height': 4, 'width': 4}, {'id': 'b', 'color': 'red', 'height': 3,
                                                   'width': 3}]})
        self.assertEqual([s.id for s in self.device.sprites], ['a', 'b'])

    def test_sprites_block_raising_sends_nothing(self):
        with self.assertRaises(ZeroDivisionError):
            with self.device.add_sprites() as add:
                add(id='a')
                1 / 0
        self.assertEqual(self.rig.drain(), [])

    def test_movements_get_the_servers_sequence_ids(self):
        with self.device.apply_movements(id='a', repeat=2) as move:
            move(direction=[0, 1], time_span=0.1, speed=4)
            move(movement='absolute', pos=[5, 5], time=1)
        message = self.rig.next()
        self.assertEqual(message['sprite'], {'id': 'a', 'movements': {
            'repeat': 2, 'cancel_previous': True, 'movements': [
                {'movement': 'relative', 'direction': [0, 1], 'time_span': 0.1, 'speed': 4,
                 'id': 's-1'},
                {'movement': 'absolute', 'to': [5, 5], 'time': 1, 'speed': 1, 'id': 's-2'}]}})
        self.device.move_to('a', [1, 2], time=2, via=[0, 0])
        movements = self.rig.next()['sprite']['movements']
        self.assertEqual(movements, {'cancel_previous': True, 'movements': [
            {'movement': 'absolute', 'to': [0, 0], 'time': 1.0, 'id': 's-3'},
            {'movement': 'absolute', 'to': [1, 2], 'time': 1.0, 'id': 's-4'}]})
        self.device.apply_movement('a', [1, 0], speed=2, distance=3)
        self.assertEqual(self.rig.next()['sprite']['movements']['movements'], [
            {'movement': 'relative', 'direction': [1, 0], 'speed': 2, 'distance': 3,
             'id': 's-5'}])
        # the local sprite keeps the movements as given, without ids
        self.assertNotIn('id', self.device.get_sprite('a').movements['movements'][0])

    def test_remove_sprite(self):
        self.device.add_sprite(id='a')
        self.rig.next()
        self.device.remove_sprite('a')
        self.assertMessage(self.rig.next(), {'type': 'remove_sprite', 'id': 'a'})
        self.assertIsNone(self.device.get_sprite('a'))

    def test_lines(self):
        line_id = self.device.add_line(0, 1, 2, 3, line_width=2, color='red')
        self.assertRegex(line_id, r'^line\d{5}$')
        self.assertMessage(self.rig.next(), {'type': 'line', 'line': {
            'x1': 0, 'y1': 1, 'x2': 2, 'y2': 3, 'line_width': 2, 'color': 'red', 'id': line_id}})
        self.device.update_line(line_id, x2=9)
        self.assertEqual(self.rig.next()['line'], {'x2': 9, 'id': line_id})
        with self.device.add_lines() as add:
            add(0, 0, 1, 1, id='l1')
            add(x1=1, y1=1, x2=2, y2=2, id='l2', z_index=4)
        self.assertMessage(self.rig.next(), {'type': 'lines', 'lines': [
            {'x1': 0, 'y1': 0, 'x2': 1, 'y2': 1, 'id': 'l1'},
            {'x1': 1, 'y1': 1, 'x2': 2, 'y2': 2, 'z_index': 4, 'id': 'l2'}]})
        self.device.remove_line('l1')
        self.assertMessage(self.rig.next(), {'type': 'remove_line', 'id': 'l1'})

    def test_clear_and_clean_playground(self):
        self.device.clear_playground()
        self.assertMessage(self.rig.next(), {'type': 'clear_playground'})
        self.device.clean_playground()
        self.assertMessage(self.rig.next(), {'type': 'clean_playground'})

    def test_playground_config(self):
        self.device.configure_playground(width=100, height=50, origin_x=20, origin_y=25,
                                         color='white', image='bg')
        self.assertMessage(self.rig.next(), {'type': 'playground_config', 'config': {
            'width': 100, 'height': 50, 'shift_x': -20, 'shift_y': -25, 'color': 'white',
            'image': 'bg', 'images': [], 'audio_tracks': []}})
        self.device.configure_playground(shift_x=3)
        self.assertEqual(self.rig.next()['config'], {'shift_x': 3, 'shift_y': 0, 'images': [],
                                                     'audio_tracks': []})

    def test_playground_images_and_tracks_travel_as_data_urls(self):
        with tempfile.TemporaryDirectory() as folder:
            os.mkdir(os.path.join(folder, 'images'))
            os.mkdir(os.path.join(folder, 'tracks'))
            with open(os.path.join(folder, 'images', 'dot.PNG'), 'wb') as f:
                f.write(PNG)
            with open(os.path.join(folder, 'images', 'tri.svg'), 'w') as f:
                f.write('<svg viewBox="0 0 1 1"/>')
            with open(os.path.join(folder, 'images', 'notes.txt'), 'w') as f:
                f.write('not an image')
            with open(os.path.join(folder, 'tracks', 'beep.MP3'), 'wb') as f:
                f.write(b'ID3fake')
            self.device.configure_playground(images=os.path.join(folder, 'images'),
                                             audio_tracks=os.path.join(folder, 'tracks'))
        config = self.rig.next()['config']
        self.assertEqual(config['images'], [
            {'name': 'dot', 'image': 'data:image/png;base64,' + base64.b64encode(PNG).decode(),
             'type': 'png'},
            {'name': 'tri', 'image': '<svg viewBox="0 0 1 1"/>', 'type': 'svg'}])
        self.assertEqual(config['audio_tracks'], [
            {'name': 'beep', 'audio': 'data:audio/mpeg;base64,' + base64.b64encode(b'ID3fake')
             .decode(), 'type': 'mp3'}])

    def test_missing_image_folder_raises_as_in_the_original(self):
        with self.assertRaisesRegex(Exception, 'Image path .* not found'):
            self.device.configure_playground(images='/nonexistent/images')

    def test_svg_image(self):
        self.device.add_svg_to_playground('tri', '<svg/>')
        self.assertMessage(self.rig.next(), {'type': 'playground_config', 'config': {
            'images': [{'name': 'tri', 'image': '<svg/>', 'type': 'svg'}]}})

    def test_notification(self):
        self.device.notify('hello', display_time=2)
        self.assertMessage(self.rig.next(), {'type': 'notification', 'message': 'hello',
                                             'alert': False, 'time': 2000})
        self.device.print('again')
        self.assertEqual(self.rig.next()['time'], -1000)

    def test_audio(self):
        self.device.play_sound('goat', volume=0.5)
        self.assertMessage(self.rig.next(), {'type': 'start_audio', 'name': 'goat',
                                             'repeat': False, 'volume': 0.5})
        self.device.play_sound('goat', id='g1', repeat=True)
        self.assertEqual(self.rig.next()['id'], 'g1')
        self.device.stop_sound(id='g1')
        self.assertMessage(self.rig.next(), {'type': 'stop_audio', 'id': 'g1'})

    def test_grid(self):
        self.device.set_grid([['red', 'blue'], ['#fff', (1, 2, 3)]], base_color='red')
        self.assertMessage(self.rig.next(), {'type': 'grid', 'grid': [
            ['red', 'blue'], ['#fff', [1, 2, 3]]], 'base_color': 'red'})
        self.device.set_grid_at(0, 1, 'green')
        self.assertMessage(self.rig.next(), {'type': 'grid_update', 'row': 0, 'column': 1,
                                             'color': 'green'})
        self.assertEqual(self.device.get_grid, [['red', 'green'], ['#fff', (1, 2, 3)]])
        self.device.update_cell(cell_number=3, color='black')
        self.assertEqual(self.rig.next()['number'], 3)
        self.assertEqual(self.device.get_grid_at(cell_number=3), 'black')
        self.device.update_grid(enumerate=True)
        self.assertMessage(self.rig.next(), {'type': 'grid_update', 'enumerate': True})

    def test_grid_from_digit_lines_and_growth(self):
        self.device.set_image('90\n09')
        self.assertEqual(self.rig.next()['grid'], '90\n09')
        self.assertEqual(self.device.get_grid, [['9', '0'], ['0', '9']])
        self.device.set_grid_at(2, 3, 'red')   # outside: the local grid grows
        self.rig.next()
        self.assertEqual(self.device.get_grid, [['9', '0', 0, 0], ['0', '9', 0, 0],
                                                [0, 0, 0, 'red']])
        self.device.setup_grid(2, 3, enumerate=True)
        self.assertEqual(self.rig.next()['grid'], [[0, 0, 0], [0, 0, 0]])
        self.device.reset_grid()
        self.assertEqual(self.rig.next()['grid'], [['white']])

    def test_color(self):
        for given, sent in (('red', 'red'), (3, 'rgba(255,0,0,0.3333333333333333)'),
                            ((1, 2, 3), 'rgb(1,2,3)'), ((1, 2, 3, 0.5), 'rgba(1,2,3,0.5)'),
                            ('9', 'rgba(255,0,0,1.0)')):
            self.device.set_color(given)
            self.assertMessage(self.rig.next(), {'type': 'color', 'color': sent})

    def test_input_prompt_shape(self):
        self.rig.send({'type': 'input_response', 'response': 'x'})
        self.device.input('Name?', input_type='datetime')
        self.assertMessage(self.rig.next(), {'type': 'input_prompt', 'question': 'Name?',
                                             'input_type': 'datetime-local', 'options': None})

    def test_report_score(self):
        self.device.report(5)
        self.assertMessage(self.rig.next(), {'type': 'report_score', 'score': 5,
                                             'deliver_to': '__GAME_RUNNER__'})

    def test_delivery_options_are_kept(self):
        self.device.send({'type': 'custom', 'n': 1}, broadcast=True)
        self.assertMessage(self.rig.next(), {'type': 'custom', 'n': 1, 'broadcast': True})
        self.device.unicast_to({'type': 'custom'}, 0)
        self.assertMessage(self.rig.next(), {'type': 'custom', 'unicast_to': 0})
        self.device.send_to('other', {'type': 'custom'})
        self.assertMessage(self.rig.next(), {'type': 'custom', 'deliver_to': 'other'})
        self.device.broadcast({'type': 'custom'})
        self.assertTrue(self.rig.next()['broadcast'])

    def test_typeless_message_becomes_unknown_and_cf_is_dropped(self):
        self.device.send({'cf': 'end', 'x': 1})
        self.assertMessage(self.rig.next(), {'type': 'unknown', 'x': 1})

    def test_disconnect_stops_sound_then_ends(self):
        self.device.disconnect()
        self.assertMessage(self.rig.next(), {'type': 'stop_audio'})
        self.assertEqual(self.rig.next(), {'cf': 'end'})
        self.assertEqual(self.rig.exits, [0])

    def test_lines_are_compact_utf8_json(self):
        self.device.notify('Grüezi ★')
        self.rig.next()
        raw = self.rig.raw_lines[-1]
        self.assertIn('Grüezi ★'.encode('utf-8'), raw)
        self.assertNotIn(b'\n', raw)
        self.assertNotIn(b': ', raw)


if __name__ == '__main__':
    import unittest
    unittest.main()
