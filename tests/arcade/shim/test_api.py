"""The public surface of the original smartphone_connector 0.0.115: every
name `from smartphone_connector import *` gave, the submodules and their
names, the Connector's methods and attributes, and the helpers' behaviour.
The name lists were taken from the original package (imported with a
stand-in socketio)."""
import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import RigTest, load_shim  # noqa: E402

STAR_IMPORT = """
A AbsoluteAutoMovement Acc AccMsg AlertConfirm AlertConfirmMsg Any AutoMovement AutoMovementPos
AutoMovementPosMsg B BaseColor BaseMsg BorderOverlap BorderOverlapMsg
CHARTEABLE_DATA_MSG_THRESHOLD Callable CallbackSignature CancleSubscription ClassConsts
ClassProps ClientData ClientDataMsgInputType ClientMsg ColorGrid ColorPointer ColorPointerMsg
Colors Connector CssColorType DATA_MSG_THRESHOLD DEFAULT_PLAYGROUND_CONFIG DataFrame DataMsg
DataType DeliveryOptions Device DeviceJoinedMsg DeviceLeftMsg DevicesMsg DictX Enum ErrorMsg
Event EventAliases G Grid GridMsg GridPointer GridPointerMsg Gyro GyroMsg InformationMsg
InputResponse InputResponseMsg InputType Key KeyMsg KeyMsgF1 KeyMsgF2 KeyMsgF3 KeyMsgF4 Line
LineMsg List Literal Notification Number ObjectClickedMsg ObjectCollisionMsg ObjectOutMsg
ObjectRemovedMsg OnAccelerationSignature OnAll_dataSignature OnAutoMovementPosSignature
OnBorderOverlapSignature OnBroadcastDataSignature OnClientDeviceSignature OnDataSignature
OnDeviceSignature OnDevicesSignature OnErrorSignature OnF1Signature OnF2Signature
OnF3Signature OnF4Signature OnGyroSignature OnKeySignature OnOverlapInSignature
OnOverlapOutSignature OnPointerSignature OnRoomJoinedSignature OnRoomLeftSignature
OnSensorSignature OnSpriteClickedSignature OnSpriteCollisionSignature OnSpriteOutSignature
OnSpriteRemovedSignature OnTimerSignature Optional Path PlaygroundConfig PlaygroundConfigMsg
PointerData PointerDataMsg R RelativeAutoMovement RgbColor SocketEvents Sprite
SpriteAutoMovement SpriteBase SpriteClicked SpriteClickedMsg SpriteCollision
SpriteCollisionMsg SpriteForm SpriteMsg SpriteOut SpriteOutMsg SpriteRemoved SpriteRemovedMsg
SubscriptionCallbackSignature T ThreadJob TimeStampedMsg TimerMsg Tuple TypeVar Union Unknown
UnknownMsg UpdateLine UpdateLineMsg UpdateSprite UpdateSpriteMsg annotations cast colors
contextmanager data_threshold dataclass datetime deepcopy default default_data_frame dictx
first flatten helpers image_to_lines lines_to_grid logging noop overload randint random
random_color repeat signature socketio sys time_ns time_s timings to_css_color to_datetime
try_or types without_none
""".split()

SUBMODULES = {
    'types': """
A AbsoluteAutoMovement Acc AccMsg AlertConfirm AlertConfirmMsg AutoMovement AutoMovementPos
AutoMovementPosMsg B BaseColor BaseMsg BorderOverlap BorderOverlapMsg ClientData
ClientDataMsgInputType ClientMsg ColorGrid ColorPointer ColorPointerMsg CssColorType DataFrame
DataMsg DataType DeliveryOptions Device DeviceJoinedMsg DeviceLeftMsg DevicesMsg DictX Enum
ErrorMsg G Grid GridMsg GridPointer GridPointerMsg Gyro GyroMsg InformationMsg InputResponse
InputResponseMsg InputType Key KeyMsg KeyMsgF1 KeyMsgF2 KeyMsgF3 KeyMsgF4 Line LineMsg List
Literal Notification Number ObjectClickedMsg ObjectCollisionMsg ObjectOutMsg ObjectRemovedMsg
Optional PlaygroundConfig PlaygroundConfigMsg PointerData PointerDataMsg R
RelativeAutoMovement RgbColor SocketEvents Sprite SpriteAutoMovement SpriteBase SpriteClicked
SpriteClickedMsg SpriteCollision SpriteCollisionMsg SpriteForm SpriteMsg SpriteOut
SpriteOutMsg SpriteRemoved SpriteRemovedMsg ThreadJob TimeStampedMsg TimerMsg Tuple Union
Unknown UnknownMsg UpdateLine UpdateLineMsg UpdateSprite UpdateSpriteMsg annotations
dataclass default default_data_frame overload""",
    'helpers': """
Callable ClassConsts ClassProps CssColorType List Path RgbColor T TimeStampedMsg TypeVar Union
datetime first flatten image_to_lines lines_to_grid random random_color time_ns time_s
to_css_color to_datetime try_or without_none""",
    'colors': 'Colors Enum sample',
    'timings': 'Callable CancleSubscription ThreadJob signature threading time_ns',
    'dictx': 'DictX',
}

CONNECTOR = """
acceleration acceleration_data add_circle add_ellipse add_line add_lines add_objects
add_rectangle add_sprite add_sprites add_square add_svg_to_playground add_text alert all_data
animate apply_movement apply_movements broadcast cancel_async_subscriptions cancel_subscription
clean_data clean_playground clear_data clear_playground client_count client_device
client_devices color_pointer color_pointer_data configure_playground connect
current_time_stamp data data_list device device_count device_id devices disconnect emit
execute_in get_circle get_ellipse get_grid get_grid_at get_object get_rectangle get_sprite
get_square grid_pointer grid_pointer_data gyro gyro_data input is_recording join_room
joined_room_count key key_data latest_acceleration latest_color_pointer latest_data
latest_grid_pointer latest_gyro latest_key latest_pointer leave_room move_to notify on
on_acceleration on_all_data on_auto_movement_pos on_border_overlap on_broadcast_data
on_client_device on_data on_device on_devices on_error on_f1 on_f2 on_f3 on_f4 on_gyro on_key
on_overlap_in on_overlap_out on_pointer on_room_joined on_room_left on_sensor
on_sprite_clicked on_sprite_collision on_sprite_out on_sprite_removed on_timer play_sound
pointer pointer_data print prompt remove remove_line remove_object remove_sprite report
reset_grid room_member_count room_members run_in schedule select send send_to server_url
set_color set_device_nr set_grid set_grid_at set_image set_timeout set_update_interval
setup_grid sio sleep sprites start_recording stop_all_animations stop_recording stop_sound
subscribe subscribe_async unicast_to update_cell update_circle update_ellipse update_grid
update_line update_lines update_object update_objects update_rectangle update_sprite
update_sprites update_square update_text wait
""".split()

DATA_TYPES = ['acceleration', 'alert_confirm', 'all_data', 'border_overlap', 'clear_playground',
              'clean_playground', 'color', 'grid', 'grid_update', 'gyro', 'input_prompt',
              'input_response', 'key', 'notification', 'playground_config', 'pointer',
              'remove_sprite', 'sprite', 'sprites', 'sprite_clicked', 'sprite_collision',
              'sprite_out', 'sprite_removed', 'remove_line', 'line', 'lines', 'unknown',
              'start_audio', 'stop_audio', 'auto_movement_pos']


class Names(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.shim = load_shim()

    def test_star_import_gives_exactly_the_originals_names(self):
        scope = {}
        exec('from smartphone_connector import *', scope)
        del scope['__builtins__']
        self.assertEqual(sorted(scope), sorted(STAR_IMPORT))

    def test_submodules_import_and_hold_the_originals_names(self):
        import importlib
        for name, names in SUBMODULES.items():
            module = importlib.import_module(f'smartphone_connector.{name}')
            self.assertIs(getattr(self.shim, name), module)
            public = {n for n in vars(module) if not n.startswith('_')}
            self.assertEqual(public, set(names.split()), name)
        from smartphone_connector.types import KeyMsg, DataType
        from smartphone_connector.colors import Colors
        self.assertIs(Colors, self.shim.Colors)
        self.assertIs(KeyMsg, self.shim.KeyMsg)
        self.assertIs(DataType, self.shim.DataType)

    def test_version(self):
        self.assertEqual(self.shim.__version__, '0.0.115')

    def test_data_types(self):
        self.assertEqual([t.value for t in self.shim.DataType], DATA_TYPES)
        self.assertEqual(self.shim.DataType.KEY, 'key')
        self.assertEqual(f'{self.shim.DataType.KEY}', 'key')
        self.assertEqual(self.shim.SocketEvents.NEW_DATA, 'new_data')
        self.assertEqual(self.shim.InputType.DATETIME, 'datetime')
        self.assertEqual(self.shim.SpriteForm.ROUND, 'round')

    def test_thread_job_api(self):
        for name in ('cancel', 'stop', 'id', 'is_running', 'iteration', 'reset_time', 'time_s'):
            self.assertTrue(hasattr(self.shim.ThreadJob, name), name)


class ConnectorSurface(RigTest):

    def test_every_public_name_of_the_original(self):
        missing = [name for name in CONNECTOR if not hasattr(self.device, name)]
        self.assertEqual(missing, [])

    def test_device_id_is_stripped_and_kept(self):
        device = self.rig.connector('  spaced  ')
        self.assertEqual(device.device_id, 'spaced')

    def test_sio_stand_in(self):
        self.assertTrue(self.device.sio.connected)
        self.device.sio.sleep(0.01)
        self.device.sio.emit('new_data', {'type': 'via_sio'})
        self.assertEqual(self.rig.next()['type'], 'via_sio')
        self.assertEqual(self.shim.socketio.Client, type(self.device.sio))

    def test_sprite_table(self):
        self.assertIsNone(self.device.get_sprite())
        self.device.add_circle(id='a', radius=1)
        self.device.update_circle(id='a', color='red')
        self.device.add_square(id='b')
        self.assertEqual(self.device.get_sprite().id, 'a')
        self.assertEqual(self.device.get_circle('a'),
                         {'id': 'a', 'form': 'round', 'height': 2, 'width': 2, 'color': 'red'})
        self.assertIs(self.device.get_object('b'), self.device.sprites[1])
        self.device.clean_playground()
        self.assertEqual(self.device.sprites, [])

    def test_current_time_stamp_is_unique(self):
        stamps = [self.device.current_time_stamp for _ in range(100)]
        self.assertEqual(len(set(stamps)), 100)

    def test_misc_no_ops(self):
        self.device.connect()
        self.device.clear_data()
        self.device.emit('join_room', {'room': 'x'})
        self.assertEqual(self.rig.drain(), [])


class Helpers(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.shim = load_shim()

    def test_dictx(self):
        DictX = self.shim.DictX
        data = DictX({'a': {'b': 1}, 'c': [1]})
        self.assertEqual(data.a.b, 1)
        self.assertIsInstance(data['a'], DictX)
        data.d = 4
        self.assertEqual(data['d'], 4)
        del data.d
        self.assertNotIn('d', data)
        self.assertFalse(hasattr(data, 'missing'))
        with self.assertRaises(KeyError):
            data['missing']
        with self.assertRaises(AttributeError):
            data['missing']
        with self.assertRaises(AttributeError):
            del data.missing
        self.assertEqual(data.get('missing', 0), 0)
        self.assertEqual(repr(DictX({'x': 1})), "<DictX {'x': 1}>")
        import copy
        clone = copy.deepcopy(DictX({'a': DictX({'b': [1]})}))
        self.assertIsInstance(clone.a, DictX)

    def test_colors(self):
        Colors = self.shim.Colors
        self.assertEqual(len(Colors), 141)
        self.assertEqual(Colors.REBECCAPURPLE, 'rebeccapurple')
        self.assertEqual((str(Colors.RED), repr(Colors.RED), f'{Colors.RED}'),
                         ('red', 'red', 'red'))
        self.assertEqual([Colors.next() for _ in range(2)], [Colors.ALICEBLUE,
                                                              Colors.ANTIQUEWHITE])
        shuffled = [Colors.random() for _ in range(141)]
        self.assertEqual(sorted(shuffled), sorted(Colors))

    def test_helper_functions(self):
        shim = self.shim
        self.assertRegex(shim.random_color(), r'^rgb\(\d{1,3}, \d{1,3}, \d{1,3}\)$')
        stamp = shim.time_s()
        self.assertAlmostEqual(stamp, __import__('time').time(), delta=1)
        self.assertEqual(round(stamp, 3), stamp)
        self.assertEqual(shim.without_none({'a': None, 'b': 0}), {'b': 0})
        self.assertEqual(shim.flatten([[1], [2, 3]]), [1, 2, 3])
        self.assertEqual(shim.first(lambda x: x > 1, [1, 2, 3]), 2)
        self.assertIsNone(shim.first(lambda x: x.nope, [1]))
        self.assertEqual(shim.try_or(lambda: 1 / 0, 'dflt'), 'dflt')
        self.assertEqual(shim.image_to_lines('  12 \n\n 34'), ['12', '34'])
        self.assertEqual(shim.lines_to_grid(['12']), [['1', '2']])
        self.assertEqual(shim.to_css_color(''), 'rgba(255,0,0,0.0)')
        self.assertEqual(shim.to_css_color(9, (0, 0, 255)), 'rgba(0,0,255,1.0)')
        self.assertEqual(shim.to_datetime(1600000000000), datetime.datetime.fromtimestamp(1.6e9))
        self.assertEqual(shim.to_datetime({'time_stamp': 1.6e9}),
                         datetime.datetime.fromtimestamp(1.6e9))
        self.assertEqual(shim.data_threshold('gyro'), 120)
        self.assertEqual(shim.data_threshold('key'), 5)

        class Consts:
            A = 1
            B = 2
        self.assertEqual(shim.ClassProps(Consts), ['A', 'B'])
        self.assertEqual(shim.ClassConsts(Consts), [1, 2])

    def test_defaults(self):
        shim = self.shim
        self.assertEqual(shim.default('key'), {'time_stamp': 0, 'device_id': '',
                                               'device_nr': -999, 'type': 'key', 'key': ''})
        self.assertEqual(shim.default('grid_pointer').context, 'grid')
        self.assertEqual(shim.default('nothing'), {})
        frame = shim.default_data_frame()
        self.assertEqual(list(frame), ['key', 'acceleration', 'gyro', 'color_pointer',
                                       'grid_pointer', 'pointer', 'border_overlap',
                                       'sprite_clicked', 'sprite_collision', 'sprite_out'])
        self.assertEqual(shim.DEFAULT_PLAYGROUND_CONFIG, {'width': 100, 'height': 100,
                                                          'shift_x': 0, 'shift_y': 0})
        self.assertEqual(shim.TimerMsg(2).time, 2)
        self.assertFalse(shim.DeliveryOptions().broadcast)

    def test_loading_has_no_side_effects(self):
        import threading
        before = threading.active_count()
        load_shim()
        self.assertEqual(threading.active_count(), before)


if __name__ == '__main__':
    unittest.main()
