# smartphone_connector.py — the arcade's stand-in for the `smartphone_connector`
# library (version 0.0.115, https://github.com/lebalz/smartphone-connector,
# MIT licence) that the original "Game Runner" games are written against.
#
# The original talked to a socket.io server that relayed messages between the
# Python script and the player's browser. Here there is no network: the game
# process talks to our controller over two pipes, and the controller talks to
# the browser. This file is written from scratch after the original's
# behaviour; none of its code is copied.
#
# How it is loaded: play_harness.serve_play() executes this source as the
# module `smartphone_connector` (plus the submodule names `.colors`, `.dictx`,
# `.helpers`, `.timings`, `.types` the original had) and calls
# _runtime.attach(3, 4). Executing it has no side effects (no fd, no thread,
# no I/O), so a zygote may load it before forking.
#
# The contract with the controller (fixed):
#   fd 0 /dev/null; fd 1, 2 the game's log; fd 3 controller -> game; fd 4
#   game -> controller. After play_harness has read the framed init message
#   from fd 3, both directions carry newline-delimited JSON objects (UTF-8).
#   game -> controller
#     * display messages: the `data` dicts the original passed to
#       emit('new_data', data), with their "type" (sprite, sprites,
#       remove_sprite, line, lines, remove_line, clear_playground,
#       clean_playground, playground_config, notification, input_prompt,
#       start_audio, stop_audio, grid, grid_update, color, report_score, and
#       whatever a game passes to send()/broadcast()). A line is at most
#       8 MiB (newline included); a bigger one raises MessageTooLarge in the
#       caller. A type-less send() gets "type": "unknown" as the original
#       server gave it, and a top-level "cf" key is dropped (it marks control
#       lines).
#     * control lines, with "cf" instead of "type":
#         {"cf": "end"}                      the game ended by itself (exit 0)
#         {"cf": "crash", "detail": str}     uncaught exception (exit 2)
#         {"cf": "memory", "detail": str}    MemoryError (exit 3)
#       Nothing is written after a control line.
#   controller -> game: input events with a "type" (key, acceleration, gyro,
#     pointer, sprite_clicked, sprite_collision, border_overlap, sprite_out,
#     sprite_removed, auto_movement_pos, input_response, alert_confirm; any
#     other type is kept in the data history and passed to on_data). At most
#     64 KiB a line (newline excluded). A malformed line — not a UTF-8 JSON
#     object with a string "type", or without a field the shim needs (key's
#     "key", the "id" of sprite events, collision "sprites", pointer
#     "context", auto_movement_pos "x"/"y") — is ignored with one line on
#     stderr. Missing device_id, time_stamp and device_nr are filled in as
#     the browser did (this game's device id, now, 0). End of file on fd 3
#     means the controller is gone: the process exits at once (status 0,
#     nothing written).
#
# What differs from the original, and why:
#   * One device. The player's browser is device 0 (a client) and the script
#     device -1; `devices`, `client_device`, `device`, `room_members` describe
#     exactly these two. join_room/leave_room/clear_data do nothing,
#     set_device_nr renumbers the script device and returns True, send_to /
#     unicast_to / broadcast all reach the one browser (with the original's
#     deliver_to / unicast_to / broadcast fields kept in the message).
#     on_device, on_devices, on_client_device, on_all_data, on_error,
#     on_room_joined and on_room_left never fire: nothing here produces them.
#   * The server's part is done here: the script's own messages come back to
#     it (data history, on_data) as the server echoed them; sprite movements
#     get their sequence ids ("id": "s-N") as the server added them; repeated
#     or "init" auto_movement_pos reports are dropped as the server dropped
#     them; on_timer fires every second as the server's timer did.
#   * Images and audio tracks in playground_config travel as data: URLs
#     ("data:image/png;base64,..."; SVG stays text as in the original)
#     instead of socket.io binary attachments; name and type are kept.
#   * input/prompt/select/alert wait for an input_response / alert_confirm:
#     one whose time_stamp is exactly that of an open prompt answers it,
#     otherwise it answers the OLDEST open prompt; an answer that arrives
#     while no prompt is open is kept for the next one.
#   * Callbacks run on a small pool of threads (at most 8) in arrival order;
#     when a callback blocks (input, sleep) or runs over 0.1 s another thread
#     takes the next event — the original ran every event on a thread of its
#     own, which a sandbox of ~60 threads cannot afford. At most 10000 events
#     wait for a free thread (beyond, the oldest is dropped, with a line on
#     stderr). Exceptions in callbacks print a full traceback (the original
#     only logged the message) and the game goes on; an exception in a
#     subscribe_async/set_timeout job stops that job, as in the original.
#   * Ending: disconnect() ends the game at once ({"cf": "end"}, exit 0), from
#     any thread; code after it does not run (in the original it ran, but
#     could no longer reach the browser). sys.exit() anywhere in the game
#     (main script or callback) ends it too. A main script that returns (or
#     calls wait()) keeps the game running while something can still happen;
#     the game has ended by itself once, for 50 ms in a row: no input
#     callback is registered (on_* attribute or on()) for an event that can
#     arrive here (key, f1-f4, pointer, acceleration, gyro, sensor, data,
#     broadcast_data, sprite_out/removed/collision/clicked, overlap_in/out,
#     border_overlap, auto_movement_pos, timer — on_timer counts, it ticks
#     forever), no callback is queued or running (one parked in wait() does
#     not count), no subscribe_async/animate/set_timeout job is alive, and
#     no non-daemon thread of the game is alive. The original Game Runner
#     appended wait() to every script, which never returned: such a game
#     ran until the player left. Exit statuses: 0 end, 2 crash, 3 memory.
#   * Fixed bugs: latest_grid_pointer returned the colour pointer; the
#     collision enrichment that should put the collision-detecting sprite
#     first made both entries the same sprite; audio tracks given by an
#     absolute path were never loaded and suffixes were case-sensitive;
#     per-instance state (sprites, callbacks, data) was shared by all
#     Connectors; a finished ThreadJob still said is_running. NaN/Infinity
#     in a display message become null (JSON has no such numbers).
#   * `socketio` and Connector.sio are inert stand-ins (sleep/wait/emit go to
#     the Connector); message classes of `.types` are plain DictX subclasses
#     kept for annotations.
from __future__ import annotations

import base64 as _base64
import dataclasses as _dataclasses
import json as _json
import logging
import math as _math
import os as _os
import random
import sys
import threading
import time as _time
import traceback as _traceback
import types as _stdtypes
from collections import deque as _deque
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from inspect import signature
from itertools import repeat
from pathlib import Path
from random import randint
from time import time_ns
from typing import Any, Callable, List, Literal, Optional, Tuple, TypeVar, Union, cast, overload

__version__ = '0.0.115'

# Exactly what `from smartphone_connector import *` gave in the original.
__all__ = [
    'A', 'AbsoluteAutoMovement', 'Acc', 'AccMsg', 'AlertConfirm', 'AlertConfirmMsg', 'Any',
    'AutoMovement', 'AutoMovementPos', 'AutoMovementPosMsg', 'B', 'BaseColor', 'BaseMsg',
    'BorderOverlap', 'BorderOverlapMsg', 'CHARTEABLE_DATA_MSG_THRESHOLD', 'Callable',
    'CallbackSignature', 'CancleSubscription', 'ClassConsts', 'ClassProps', 'ClientData',
    'ClientDataMsgInputType', 'ClientMsg', 'ColorGrid', 'ColorPointer', 'ColorPointerMsg',
    'Colors', 'Connector', 'CssColorType', 'DATA_MSG_THRESHOLD', 'DEFAULT_PLAYGROUND_CONFIG',
    'DataFrame', 'DataMsg', 'DataType', 'DeliveryOptions', 'Device', 'DeviceJoinedMsg',
    'DeviceLeftMsg', 'DevicesMsg', 'DictX', 'Enum', 'ErrorMsg', 'Event', 'EventAliases', 'G',
    'Grid', 'GridMsg', 'GridPointer', 'GridPointerMsg', 'Gyro', 'GyroMsg', 'InformationMsg',
    'InputResponse', 'InputResponseMsg', 'InputType', 'Key', 'KeyMsg', 'KeyMsgF1', 'KeyMsgF2',
    'KeyMsgF3', 'KeyMsgF4', 'Line', 'LineMsg', 'List', 'Literal', 'Notification', 'Number',
    'ObjectClickedMsg', 'ObjectCollisionMsg', 'ObjectOutMsg', 'ObjectRemovedMsg',
    'OnAccelerationSignature', 'OnAll_dataSignature', 'OnAutoMovementPosSignature',
    'OnBorderOverlapSignature', 'OnBroadcastDataSignature', 'OnClientDeviceSignature',
    'OnDataSignature', 'OnDeviceSignature', 'OnDevicesSignature', 'OnErrorSignature',
    'OnF1Signature', 'OnF2Signature', 'OnF3Signature', 'OnF4Signature', 'OnGyroSignature',
    'OnKeySignature', 'OnOverlapInSignature', 'OnOverlapOutSignature', 'OnPointerSignature',
    'OnRoomJoinedSignature', 'OnRoomLeftSignature', 'OnSensorSignature',
    'OnSpriteClickedSignature', 'OnSpriteCollisionSignature', 'OnSpriteOutSignature',
    'OnSpriteRemovedSignature', 'OnTimerSignature', 'Optional', 'Path', 'PlaygroundConfig',
    'PlaygroundConfigMsg', 'PointerData', 'PointerDataMsg', 'R', 'RelativeAutoMovement',
    'RgbColor', 'SocketEvents', 'Sprite', 'SpriteAutoMovement', 'SpriteBase', 'SpriteClicked',
    'SpriteClickedMsg', 'SpriteCollision', 'SpriteCollisionMsg', 'SpriteForm', 'SpriteMsg',
    'SpriteOut', 'SpriteOutMsg', 'SpriteRemoved', 'SpriteRemovedMsg',
    'SubscriptionCallbackSignature', 'T', 'ThreadJob', 'TimeStampedMsg', 'TimerMsg', 'Tuple',
    'TypeVar', 'Union', 'Unknown', 'UnknownMsg', 'UpdateLine', 'UpdateLineMsg', 'UpdateSprite',
    'UpdateSpriteMsg', 'annotations', 'cast', 'colors', 'contextmanager', 'data_threshold',
    'dataclass', 'datetime', 'deepcopy', 'default', 'default_data_frame', 'dictx', 'first',
    'flatten', 'helpers', 'image_to_lines', 'lines_to_grid', 'logging', 'noop', 'overload',
    'randint', 'random', 'random_color', 'repeat', 'signature', 'socketio', 'sys', 'time_ns',
    'time_s', 'timings', 'to_css_color', 'to_datetime', 'try_or', 'types', 'without_none',
]

# Limits of the pipe protocol (see the header).
MAX_DISPLAY_LINE = 8 << 20          # bytes of one display line, newline included
MAX_INPUT_LINE = 64 << 10           # bytes of one input line, newline excluded
_EARLY_EVENTS_MAX = 256             # events kept until the first Connector exists
_EARLY_ANSWERS_MAX = 64             # answers kept until a prompt opens
BROWSER_DEVICE_NR = 0
SCRIPT_DEVICE_NR = -1


class MessageTooLarge(ValueError):
    """A display message longer than MAX_DISPLAY_LINE once encoded."""


# ---------------------------------------------------------------------------
# dictx: dicts with attribute access
# ---------------------------------------------------------------------------

class _MissingKey(KeyError, AttributeError):
    """A missing DictX key. The original raised AttributeError for d['x'] (so
    that hasattr and deepcopy work); being a KeyError as well lets the
    ordinary `except KeyError` work too."""


class DictX(dict):
    """A dict whose keys can be read and written as attributes: data.key.
    Nested plain dicts come back as DictX (a shallow copy), as in the
    original."""

    def __getitem__(self, key):
        try:
            value = dict.__getitem__(self, key)
        except KeyError:
            raise _MissingKey(key) from None
        return DictX(value) if type(value) is dict else value

    def __getattr__(self, key):
        return self[key]

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __repr__(self):
        return '<DictX ' + dict.__repr__(self) + '>'


# ---------------------------------------------------------------------------
# colors: the CSS colour names
# ---------------------------------------------------------------------------

_CSS_COLOR_NAMES = """
aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkkhaki darkmagenta
darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue
darkslategray darkturquoise darkviolet deeppink deepskyblue dimgray dodgerblue firebrick
floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray green greenyellow
honeydew hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen
lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgreen lightgrey
lightpink lightsalmon lightseagreen lightskyblue lightslategray lightsteelblue lightyellow
lime limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple
mediumseagreen mediumslateblue mediumspringgreen mediumturquoise mediumvioletred
midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange
orangered orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff
peru pink plum powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon
sandybrown seagreen seashell sienna silver skyblue slateblue slategray snow springgreen
steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
yellowgreen
""".split()

# Iteration state of Colors.next() / Colors.random(). The shuffle is drawn on
# first use, not at load time, so that forked games do not share it.
_color_cycle = {'next': 0, 'random': 0, 'order': None}


class _ColorEnum(str, Enum):
    def __repr__(self):
        return self._value_

    def __str__(self):
        return self._value_

    def __format__(self, spec):
        return format(self._value_, spec)

    @classmethod
    def next(cls):
        """The colours one after the other, from the first, round and round."""
        members = list(cls)
        _color_cycle['next'] = (_color_cycle['next'] + 1) % len(members)
        return members[_color_cycle['next'] - 1]

    @classmethod
    def random(cls):
        """Every colour once in a random order, then again in the same order."""
        members = list(cls)
        if _color_cycle['order'] is None:
            _color_cycle['order'] = random.sample(range(len(members)), len(members))
        _color_cycle['random'] = (_color_cycle['random'] + 1) % len(members)
        return members[_color_cycle['order'][_color_cycle['random'] - 1]]


Colors = _ColorEnum('Colors', [(name.upper(), name) for name in _CSS_COLOR_NAMES],
                    module=__name__, qualname='Colors')


# ---------------------------------------------------------------------------
# types: enums, message classes (for annotations) and default messages
# ---------------------------------------------------------------------------

class _StrEnum(str, Enum):
    """A str enum that formats as its value, as str enums did before 3.11."""

    def __format__(self, spec):
        return format(self._value_, spec)


Number = Union[float, int]


class InputType(_StrEnum):
    TEXT = 'text'
    NUMBER = 'number'
    DATETIME = 'datetime'
    DATE = 'date'
    TIME = 'time'
    SELECT = 'select'


class SocketEvents(_StrEnum):
    ALL_DATA = 'all_data'
    CLEAR_DATA = 'clear_data'
    DATA_STORE = 'data_store'
    DEVICE = 'device'
    DEVICES = 'devices'
    ERROR_MSG = 'error_msg'
    GET_ALL_DATA = 'get_all_data'
    GET_DEVICES = 'get_devices'
    INFORMATION_MSG = 'information_msg'
    JOIN_ROOM = 'join_room'
    LEAVE_ROOM = 'leave_room'
    NEW_DATA = 'new_data'
    NEW_DEVICE = 'new_device'
    REMOVE_ALL = 'remove_all'
    ROOM_JOINED = 'room_joined'
    ROOM_LEFT = 'room_left'
    SET_NEW_DEVICE_NR = 'set_new_device_nr'
    TIMER = 'timer'


class DataType(_StrEnum):
    ACCELERATION = 'acceleration'
    ALERT_CONFIRM = 'alert_confirm'
    ALL_DATA = 'all_data'
    BORDER_OVERLAP = 'border_overlap'
    CLEAR_PLAYGROUND = 'clear_playground'
    CLEAN_PLAYGROUND = 'clean_playground'
    COLOR = 'color'
    GRID = 'grid'
    GRID_UPDATE = 'grid_update'
    GYRO = 'gyro'
    INPUT_PROMPT = 'input_prompt'
    INPUT_RESPONSE = 'input_response'
    KEY = 'key'
    NOTIFICATION = 'notification'
    PLAYGROUND_CONFIG = 'playground_config'
    POINTER = 'pointer'
    REMOVE_SPRITE = 'remove_sprite'
    SPRITE = 'sprite'
    SPRITES = 'sprites'
    SPRITE_CLICKED = 'sprite_clicked'
    SPRITE_COLLISION = 'sprite_collision'
    SPRITE_OUT = 'sprite_out'
    SPRITE_REMOVED = 'sprite_removed'
    REMOVE_LINE = 'remove_line'
    LINE = 'line'
    LINES = 'lines'
    UNKNOWN = 'unknown'
    START_AUDIO = 'start_audio'
    STOP_AUDIO = 'stop_audio'
    AUTO_MOVEMENT_POS = 'auto_movement_pos'


class ClientDataMsgInputType(_StrEnum):
    DATE = 'date'
    DATETIME_LOCAL = 'datetime-local'
    NUMBER = 'number'
    SELECT = 'select'
    TEXT = 'text'
    TIME = 'time'


class SpriteForm(_StrEnum):
    RECTANGLE = 'rectangle'
    ROUND = 'round'


R = int
G = int
B = int
A = float
RgbColor = Union[Tuple[R, G, B], List[int]]
CssColorType = Union[int, str, RgbColor, Tuple[R, G, B, A], List[float], List[Union[int, float]]]
BaseColor = Union[str, RgbColor]
ColorGrid = Union[CssColorType, List[str], List[CssColorType], List[List[CssColorType]]]


# Built with real types rather than `@dataclass` on string annotations, which
# would need this module registered in sys.modules while it is executed.
TimerMsg = _dataclasses.make_dataclass('TimerMsg', [('time', float, 0)])
DeliveryOptions = _dataclasses.make_dataclass('DeliveryOptions', [
    ('broadcast', bool, False), ('unicast_to', Optional[int], None),
    ('deliver_to', Optional[str], None), ('device_id', Optional[str], None)])
TimerMsg.__module__ = DeliveryOptions.__module__ = __name__


# The message classes only name the shapes of the dicts games receive (for
# annotations such as `def on_key(data: KeyMsg)`); every message is a DictX.
class TimeStampedMsg(DictX): pass
class BaseMsg(TimeStampedMsg): pass
class DataMsg(BaseMsg): pass
class Device(DictX): pass
class DevicesMsg(TimeStampedMsg): pass
class DeviceJoinedMsg(BaseMsg): pass
class DeviceLeftMsg(BaseMsg): pass
class Key(DataMsg): pass
class KeyMsg(Key): pass
class KeyMsgF1(KeyMsg): pass
class KeyMsgF2(KeyMsg): pass
class KeyMsgF3(KeyMsg): pass
class KeyMsgF4(KeyMsg): pass
class PointerData(DataMsg): pass
class PointerDataMsg(PointerData): pass
class ColorPointer(PointerDataMsg): pass
class ColorPointerMsg(ColorPointer): pass
class GridPointer(PointerDataMsg): pass
class GridPointerMsg(GridPointer): pass
class Acc(BaseMsg): pass
class AccMsg(Acc): pass
class Gyro(BaseMsg): pass
class GyroMsg(Gyro): pass
class DataFrame(DictX): pass
class ErrorMsg(BaseMsg): pass
class InformationMsg(TimeStampedMsg): pass
class InputResponse(DataMsg): pass
class InputResponseMsg(InputResponse): pass
class AlertConfirm(DataMsg): pass
class AlertConfirmMsg(AlertConfirm): pass
class Grid(DataMsg): pass
class GridMsg(Grid): pass
class Notification(DataMsg): pass
class PlaygroundConfig(DataMsg): pass
class PlaygroundConfigMsg(PlaygroundConfig): pass
class RelativeAutoMovement(DictX): pass
class AbsoluteAutoMovement(DictX): pass
class SpriteAutoMovement(DictX): pass
class AutoMovementPos(DictX): pass
class AutoMovementPosMsg(AutoMovementPos): pass
class Sprite(DataMsg): pass
class SpriteMsg(Sprite): pass
class UpdateSprite(DataMsg): pass
class UpdateSpriteMsg(UpdateSprite): pass
class Line(DataMsg): pass
class LineMsg(Line): pass
class UpdateLine(DataMsg): pass
class UpdateLineMsg(UpdateLine): pass
class SpriteBase: pass
class SpriteCollision(DataMsg): pass
class SpriteCollisionMsg(SpriteCollision): pass
class BorderOverlap(DataMsg): pass
class BorderOverlapMsg(BorderOverlap): pass
class SpriteClicked(DataMsg): pass
class SpriteClickedMsg(SpriteClicked): pass
class SpriteOut(DataMsg): pass
class SpriteOutMsg(SpriteOut): pass
class SpriteRemoved(DataMsg): pass
class SpriteRemovedMsg(SpriteRemoved): pass
class Unknown(DictX): pass
class UnknownMsg(Unknown): pass


AutoMovement = Union[RelativeAutoMovement, AbsoluteAutoMovement]
ObjectCollisionMsg = SpriteCollisionMsg
ObjectClickedMsg = SpriteClickedMsg
ObjectOutMsg = SpriteOutMsg
ObjectRemovedMsg = SpriteRemovedMsg
ClientMsg = Union[KeyMsg, GridMsg, AccMsg, GyroMsg, PointerDataMsg, InputResponseMsg,
                  AlertConfirmMsg, SpriteMsg, UpdateSpriteMsg, PlaygroundConfigMsg, SpriteOutMsg,
                  SpriteCollisionMsg, UnknownMsg]
ClientData = Union[Key, Grid, Acc, Gyro, PointerData, InputResponse, AlertConfirm, Sprite,
                   UpdateSprite, PlaygroundConfig, SpriteOut, SpriteCollision, Unknown,
                   Notification]


def _default_fields(kind: str) -> Optional[dict]:
    """The fields of the placeholder message of each kind (None: unknown)."""
    pointer = {'x': 0, 'y': 0, 'width': -1, 'height': -1, 'displayed_at': 0}
    return {
        'key': {'type': 'key', 'key': ''},
        'acceleration': {'x': 0, 'y': 0, 'z': 0, 'interval': 16},
        'gyro': {'alpha': 0, 'beta': 0, 'gamma': 0, 'absolute': False},
        'color_pointer': {'type': 'pointer', 'context': 'color', **pointer},
        'grid_pointer': {'type': 'pointer', 'context': 'grid', **pointer},
        'pointer': {'type': 'pointer', 'context': 'color', **pointer},
        'border_overlap': {'type': 'border_overlap', 'border': 'left',
                           'collision_detection': False, 'x': 0, 'y': 0, 'id': ''},
        'sprite_clicked': {'type': 'sprite_clicked', 'id': '', 'text': '', 'x': 0, 'y': 0},
        'sprite_collision': {
            'type': 'sprite_collision',
            'sprites': [DictX({'id': 's1', 'collision_detection': True, 'pos_x': -10,
                               'pos_y': 20}),
                        DictX({'id': 's2', 'collision_detection': True, 'pos_x': -15,
                               'pos_y': 20})],
            'overlap': 'in'},
        'sprite_out': {'type': 'sprite_out', 'id': ''},
        'notification': {'type': 'notification', 'message': '', 'alter': False, 'time': 3000},
    }.get(kind)


def default(type: str) -> DictX:
    """A placeholder message of the given kind: what latest_data() returns
    before anything of that kind arrived."""
    fields = _default_fields(type)
    if fields is None:
        return DictX({})
    return DictX({'time_stamp': 0, 'device_id': '', 'device_nr': -999, **fields})


_FRAME_KINDS = ('key', 'acceleration', 'gyro', 'color_pointer', 'grid_pointer', 'pointer',
                'border_overlap', 'sprite_clicked', 'sprite_collision', 'sprite_out')


def default_data_frame():
    return DictX({kind: default(kind) for kind in _FRAME_KINDS})


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

T = TypeVar('T')


def ClassProps(cls) -> List[str]:
    return [name for name in cls.__dict__.keys() if name[:2] != '__']


def ClassConsts(cls) -> List[str]:
    return [cls.__dict__[name] for name in ClassProps(cls)]


def time_s() -> float:
    """The current time in seconds since the epoch, to the millisecond."""
    return (time_ns() // 1000000) / 1000.0


def without_none(raw: dict) -> dict:
    """A copy of raw without its None values (first level only)."""
    return {k: v for k, v in raw.items() if v is not None}


def flatten(list_of_lists: List[List]) -> List:
    return [item for inner in list_of_lists for item in inner]


def to_datetime(data: Union[TimeStampedMsg, int, float]) -> datetime:
    """The datetime of a message's time_stamp (or of a number of seconds or
    milliseconds since the epoch); now when there is no time_stamp."""
    is_number = isinstance(data, (int, float))
    if not is_number and 'time_stamp' not in data:
        return datetime.now()
    stamp = data if is_number else data['time_stamp']
    if stamp > 1000000000000:  # milliseconds
        stamp = stamp / 1000.0
    return datetime.fromtimestamp(stamp)


def to_css_color(color: CssColorType, base_color: RgbColor = (255, 0, 0)) -> str:
    """A CSS colour: strings pass, 0..9 is a brightness of base_color, and
    (r, g, b[, a]) becomes rgb()/rgba()."""
    if isinstance(color, str):
        if len(color) > 1:
            return color
        color = int(color, 10) if len(color) == 1 else 0
    if isinstance(color, int):
        if base_color is None or len(base_color) < 3:
            base_color = (255, 0, 0)
        return f'rgba({base_color[0]},{base_color[1]},{base_color[2]},{color / 9})'
    if len(color) == 3:
        return f'rgb({color[0]},{color[1]},{color[2]})'
    if len(color) > 3:
        return f'rgba({color[0]},{color[1]},{color[2]},{color[3]})'
    raise AttributeError(color)


def random_color() -> str:
    """A random colour such as 'rgb(127, 1, 36)'."""
    return f'rgb({random.randint(0, 255)}, {random.randint(0, 255)}, {random.randint(0, 255)})'


def try_or(func, default=None, expected_exc=(Exception,)):
    try:
        return func()
    except expected_exc:
        return default


def first(filter_func: Callable[[T], bool], list_: List[T]) -> Union[T, None]:
    """The first item for which filter_func is true (errors count as false)."""
    return next((item for item in list_ if try_or(lambda: filter_func(item), False)), None)


def image_to_lines(image: str):
    return [line.strip() for line in image.splitlines(False) if line.strip()]


def lines_to_grid(lines: List[str]):
    return [[*line] for line in lines]


def noop(x):
    pass


DATA_MSG_THRESHOLD = 5
CHARTEABLE_DATA_MSG_THRESHOLD = 120  # around 2 seconds @ 16ms


def data_threshold(data_type: str) -> int:
    """How many messages of a kind the data history keeps (when not recording)."""
    if data_type in ('acceleration', 'gyro'):
        return CHARTEABLE_DATA_MSG_THRESHOLD
    return DATA_MSG_THRESHOLD


DEFAULT_PLAYGROUND_CONFIG = DictX({'width': 100, 'height': 100, 'shift_x': 0, 'shift_y': 0})


# ---------------------------------------------------------------------------
# Calling game code
# ---------------------------------------------------------------------------

def _arity(func) -> int:
    """How many parameters func declares; the original chose between f(),
    f(data) and f(data, connector) by this count."""
    try:
        return len(signature(func).parameters)
    except (TypeError, ValueError):
        return 1  # no signature to read (some builtins): pass the data


def _is_callback(func) -> bool:
    """False for the unset defaults (None and noop, also bound as a method)."""
    return func is not None and func is not noop and getattr(func, '__func__', None) is not noop


def _call_with_data(func, data, connector):
    """Calls func with as many of (data, connector) as it takes; like the
    original, a function taking more than two parameters is not called."""
    count = _arity(func)
    if count == 0:
        return func()
    if count == 1:
        return func(data)
    if count == 2:
        return func(data, connector)
    return None


def _print_game_exception(what: str, exc: BaseException):
    """Prints the traceback of an exception raised by game code, without the
    frame of the shim that called it."""
    try:
        tb = exc.__traceback__
        skipped = tb
        while skipped is not None and skipped.tb_frame.f_globals is globals():
            skipped = skipped.tb_next
        if skipped is not None:  # keep the shim's frames when the error is the shim's
            tb = skipped
        sys.stderr.write(f'Exception in {what}:\n')
        _traceback.print_exception(type(exc), exc, tb)
        sys.stderr.flush()
    except Exception:
        pass


def _run_game_code(what: str, func, *args):
    """Runs game code on a shim thread (callback, job): an exception prints a
    traceback and the game goes on; sys.exit() ends the game; MemoryError
    ends it with a memory report. Returns True when func returned."""
    try:
        func(*args)
        return True
    except SystemExit as exc:
        _runtime.exit_requested(exc)
    except MemoryError as exc:
        _runtime.out_of_memory(exc)
    except Exception as exc:
        _print_game_exception(what, exc)
    return False


# ---------------------------------------------------------------------------
# timings: jobs that call game code at intervals
# ---------------------------------------------------------------------------

class CancleSubscription:
    """The flag a blocking subscribe() loop runs on (the original's spelling)."""

    def __init__(self):
        self._running = True

    @property
    def is_running(self):
        return self._running

    def cancel(self):
        self._running = False


class ThreadJob(threading.Thread):
    """A thread that calls callback every interval seconds, `iterations` times
    (forever by default); callback gets the job itself when it takes a
    parameter. cancel()/stop() ends it."""

    _counter = 0
    _counter_lock = threading.Lock()

    @classmethod
    def _next_id(cls):
        with cls._counter_lock:
            cls._counter += 1
            return f'job_{cls._counter}'

    def __init__(self, callback: Callable, interval: float, iterations: int = float('inf')):
        job_id = self._next_id()
        # Daemon: the ending rule watches jobs itself (see _Runtime.is_idle).
        super().__init__(name=job_id, daemon=True)
        self.callback = callback
        self.event = threading.Event()
        self.interval = interval
        self._job_id = job_id
        self._iterations = iterations
        self._iteration = 0
        self._running = False
        self._t_start = time_ns()
        self._t_stop = self._t_start

    def cancel(self):
        self._running = False
        self._t_stop = time_ns()
        self.event.set()

    stop = cancel

    @property
    def id(self):
        return self._job_id

    @property
    def is_running(self):
        return self._running

    @property
    def iteration(self):
        return self._iteration

    def start(self):
        self._running = True
        super().start()
        self._t_start = time_ns()

    def reset_time(self):
        self._t_start = time_ns()

    @property
    def time_s(self):
        """Seconds since the job started (until it stopped)."""
        end = time_ns() if self._running else self._t_stop
        return (end - self._t_start) / 1000000000.0

    def run(self):
        # The count starts at 1 before the first call, as in the original:
        # the loop makes exactly `iterations` calls.
        self._iteration += 1
        call = self.callback if _arity(self.callback) == 0 else (lambda: self.callback(self))
        try:
            if self._iterations == 0:
                return
            while not self.event.wait(self.interval) and self._iteration <= self._iterations:
                self._iteration += 1
                if not _run_game_code(f'job {self._job_id}', call):
                    return  # an exception stops the job, as in the original
        finally:
            if self._running:
                self._running = False
                self._t_stop = time_ns()


# ---------------------------------------------------------------------------
# The link to the controller
# ---------------------------------------------------------------------------

def _finite(value):
    """value with every NaN/Infinity float replaced by None (JSON has none)."""
    if isinstance(value, float) and not _math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_default(value):
    """Encodes what json cannot: bytes as base64 (socket.io sent them as
    binary), objects with tolist() (numpy arrays) as lists."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _base64.b64encode(bytes(value)).decode('ascii')
    if callable(getattr(value, 'tolist', None)):
        return value.tolist()
    raise TypeError(f'Object of type {type(value).__name__} is not JSON serializable')


def _encode_json(obj) -> bytes:
    """One compact JSON line body, valid UTF-8 (lone surrogates become '?')."""
    options = dict(ensure_ascii=False, allow_nan=False, separators=(',', ':'),
                   default=_json_default)
    try:
        text = _json.dumps(obj, **options)
    except ValueError as exc:
        if 'ircular' in str(exc):
            raise
        text = _json.dumps(_finite(obj), **options)
    return text.encode('utf-8', 'replace')


def _write_all(fd: int, data: bytes):
    view = memoryview(data)
    while view:
        written = _os.write(fd, view)
        view = view[written:]


def _stderr_line(text: str):
    """One line on the game's log, straight to fd 2 (never raises)."""
    try:
        _os.write(2, (text.rstrip('\n') + '\n').encode('utf-8', 'replace'))
    except OSError:
        pass


def _flush_std():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _last_line(exc: BaseException) -> str:
    """The last line of exc's traceback, as the crash detail."""
    try:
        line = _traceback.format_exception_only(type(exc), exc)[-1].strip()
    except Exception:
        line = type(exc).__name__
    return line[:500]


_MEMORY_LINE = b'{"cf":"memory","detail":"MemoryError"}\n'

# What each input event type must carry for the shim to use it (a line
# without these is malformed): field -> accepted Python types.
_TEXT = (str,)
_NUMBER = (int, float)
_REQUIRED_FIELDS = {
    'key': {'key': _TEXT},
    'pointer': {'context': _TEXT},
    'sprite_clicked': {'id': _TEXT},
    'sprite_out': {'id': _TEXT},
    'sprite_removed': {'id': _TEXT},
    'border_overlap': {'id': _TEXT, 'border': _TEXT},
    'auto_movement_pos': {'id': _TEXT, 'x': _NUMBER, 'y': _NUMBER},
    'sprite_collision': {'sprites': (list,), 'overlap': _TEXT},
}


def _reject_constant(name):
    raise ValueError(f'{name} is not JSON')


def _parse_event(raw: bytes):
    """(event dict, None) for a well-formed input line, else (None, reason)."""
    try:
        event = _json.loads(raw.decode('utf-8'), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        return None, 'not UTF-8'
    except (ValueError, RecursionError) as exc:
        return None, f'not JSON ({str(exc)[:80]})'
    if not isinstance(event, dict):
        return None, 'not a JSON object'
    kind = event.get('type')
    if not isinstance(kind, str):
        return None, 'no "type" string'
    for field, accepted in _REQUIRED_FIELDS.get(kind, {}).items():
        value = event.get(field)
        if not isinstance(value, accepted) or isinstance(value, bool):
            return None, f'{kind} without a valid "{field}"'
    if kind == 'sprite_collision':
        sprites = event['sprites']
        if len(sprites) != 2 or not all(isinstance(s, dict) and isinstance(s.get('id'), str)
                                        for s in sprites):
            return None, 'sprite_collision needs "sprites": two objects with an "id"'
    return event, None


class _Dispatcher:
    """Runs event callbacks off the reader thread, in arrival order.

    One worker normally does the work, so callbacks see events in order.
    When it blocks in a shim wait (input, alert, sleep) or has run longer
    than SLOW_S, another worker may take the next event, so that a callback
    waiting for the player cannot hold up the events that answer it (the
    original ran each event on a thread of its own). Idle workers leave
    after IDLE_EXIT_S. At most MAX_QUEUED events wait; beyond, the oldest
    is dropped (with a line on stderr)."""

    MAX_WORKERS = 8
    MAX_QUEUED = 10000
    SLOW_S = 0.1
    IDLE_EXIT_S = 5.0

    class _Run:
        __slots__ = ('since', 'blocked', 'parked')

        def __init__(self):
            self.since = _time.monotonic()
            self.blocked = 0      # depth of shim waits the worker is in
            self.parked = False   # in wait() for good: not in flight any more

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._queue = _deque()
        self._workers = 0
        self._idle = 0
        self._dropped = 0
        self._running = {}   # thread ident -> _Run

    def submit(self, task: Callable[[], None]):
        with self._cond:
            if len(self._queue) >= self.MAX_QUEUED:
                # Callbacks stuck for good while events keep coming: memory
                # must not grow without bound. The oldest event goes.
                self._queue.popleft()
                self._dropped += 1
                if self._dropped in (1, 1000, 100000):
                    _stderr_line(f'smartphone_connector: {self._dropped} events dropped: '
                                 'the callbacks do not keep up')
            self._queue.append(task)
            self._kick()

    def in_flight(self) -> int:
        """Events queued or being handled (parked workers excluded)."""
        with self._cond:
            return len(self._queue) + sum(1 for run in self._running.values() if not run.parked)

    @contextmanager
    def blocking(self, forever: bool = False):
        """Marks the calling worker (if it is one) as waiting, so that the
        next event may go to another worker."""
        with self._cond:
            run = self._running.get(threading.get_ident())
            if run is not None:
                run.blocked += 1
                run.parked = run.parked or forever
                self._kick()
        try:
            yield
        finally:
            if run is not None:
                with self._cond:
                    run.blocked -= 1
                    run.since = _time.monotonic()

    def _has_active(self) -> bool:
        """Is a worker running a callback that has neither blocked nor run long?"""
        now = _time.monotonic()
        return any(not run.blocked and now - run.since < self.SLOW_S
                   for run in self._running.values())

    def _kick(self):
        """Called with the lock held: gets a worker onto the queue's head if
        no active worker will get to it first."""
        if not self._queue or self._has_active():
            return
        if self._idle:
            self._cond.notify()
        elif self._workers < self.MAX_WORKERS:
            try:
                threading.Thread(target=self._work, name='cf-callbacks', daemon=True).start()
            except RuntimeError:  # no thread left (the game took them all): retry later
                return
            self._workers += 1

    def _next_task(self):
        """Called with the lock held: the next task, or None when this worker
        has been idle long enough to leave."""
        idle_until = _time.monotonic() + self.IDLE_EXIT_S
        while True:
            if self._queue and not self._has_active():
                return self._queue.popleft()
            remaining = idle_until - _time.monotonic()
            if remaining <= 0 and not self._queue:
                return None
            # With work queued behind an active worker, look again soon: that
            # worker may turn slow and the queue must not wait for it.
            timeout = self.SLOW_S if self._queue else remaining
            self._idle += 1
            self._cond.wait(timeout)
            self._idle -= 1

    def _work(self):
        me = threading.get_ident()
        with self._cond:
            while True:
                task = self._next_task()
                if task is None:
                    self._workers -= 1
                    return
                self._running[me] = self._Run()
                self._cond.release()
                try:
                    task()
                except BaseException as exc:  # tasks handle game errors; this is a shim bug
                    _print_game_exception('the shim (event dispatch)', exc)
                finally:
                    self._cond.acquire()
                    del self._running[me]


class _Runtime:
    """What all Connectors of the process share: the pipes to the
    controller, the callback dispatcher, events that came before the first
    Connector, and the rules for ending the game."""

    IDLE_CHECK_S = 0.025
    IDLE_STABLE_S = 0.05

    def __init__(self):
        self.exit = _os._exit          # tests put a recorder here
        self.read_fd = None
        self.write_fd = None
        self.ended = False             # a control line went out: nothing more
        self.closed = False            # the controller closed fd 3
        self.main_thread = threading.main_thread()
        self.dispatcher = _Dispatcher()
        self.connectors = []
        self.parked = set()            # idents of threads parked in wait()
        self._early_events = _deque()
        self._write_lock = threading.RLock()
        self._lock = threading.Lock()
        self._movement_seq = 0

    # -- set-up -------------------------------------------------------------

    def attach(self, read_fd: int, write_fd: int):
        """Starts talking to the controller: display lines go to write_fd, a
        reader thread takes input lines from read_fd."""
        self.write_fd = write_fd
        self.read_fd = read_fd
        self.main_thread = threading.current_thread()
        threading.excepthook = self._thread_excepthook
        threading.Thread(target=self._read_loop, name='cf-reader', daemon=True).start()
        threading.Thread(target=self._timer_loop, name='cf-timer', daemon=True).start()

    def register(self, connector: 'Connector'):
        with self._lock:
            self.connectors.append(connector)
            early = list(self._early_events)
            self._early_events.clear()
        for event in early:
            connector._receive(event)

    # -- writing ------------------------------------------------------------

    def send_display(self, message: dict) -> dict:
        """Writes one display message; returns the message as written (the
        dict the controller will see, for the echo)."""
        message = dict(message)
        message.pop('cf', None)
        message.setdefault('type', 'unknown')
        message = self._with_movement_ids(message)
        body = _encode_json(message)
        if len(body) + 1 > MAX_DISPLAY_LINE:
            raise MessageTooLarge(
                f'display message too large: {len(body) + 1} bytes of "{message["type"]}" '
                f'(at most {MAX_DISPLAY_LINE} bytes)')
        self._write(body + b'\n')
        return message

    def _with_movement_ids(self, message: dict) -> dict:
        """Gives every movement of a sprite message its sequence id, as the
        original server did before relaying it (the browser reports them
        back in auto_movement_pos)."""
        kind = message.get('type')
        if kind == 'sprite' and isinstance(message.get('sprite'), dict):
            message['sprite'] = self._sprite_with_movement_ids(message['sprite'])
        elif kind == 'sprites' and isinstance(message.get('sprites'), list):
            message['sprites'] = [self._sprite_with_movement_ids(s) if isinstance(s, dict) else s
                                  for s in message['sprites']]
        return message

    def _sprite_with_movement_ids(self, sprite: dict) -> dict:
        movements = sprite.get('movements')
        if not isinstance(movements, dict) or not isinstance(movements.get('movements'), list):
            return sprite
        numbered = []
        for movement in movements['movements']:
            if isinstance(movement, dict):
                with self._lock:
                    self._movement_seq += 1
                    movement = {**movement, 'id': f's-{self._movement_seq}'}
            numbered.append(movement)
        return {**sprite, 'movements': {**movements, 'movements': numbered}}

    def _write(self, data: bytes):
        if self.write_fd is None:
            raise RuntimeError('smartphone_connector: no controller link '
                               '(the game must be started by the play harness)')
        with self._write_lock:
            if self.ended:
                return
            try:
                _write_all(self.write_fd, data)
            except BrokenPipeError:
                self.closed = True
                self.exit(0)  # the controller is gone

    def finish(self, kind: str, detail: Optional[str] = None, status: int = 0):
        """Sends the final control line and ends the process."""
        _flush_std()
        message = {'cf': kind}
        if detail is not None:
            message['detail'] = detail
        try:
            line = _encode_json(message) + b'\n'
        except MemoryError:
            line = _MEMORY_LINE
        with self._write_lock:
            if not self.ended:
                self.ended = True
                if self.write_fd is not None:
                    try:
                        _write_all(self.write_fd, line)
                    except OSError:
                        pass
            self.exit(status)

    def exit_requested(self, exc: SystemExit):
        """sys.exit() in the game: a normal end, with Python's message."""
        if exc.code is not None and not isinstance(exc.code, int):
            _stderr_line(str(exc.code))
        self.finish('end', None, 0)

    def out_of_memory(self, exc: MemoryError):
        try:
            detail = _last_line(exc)
        except MemoryError:
            detail = 'MemoryError'
        self.finish('memory', detail, 3)

    def _thread_excepthook(self, args):
        """Threads the game starts itself: as in Python, plus MemoryError."""
        if issubclass(args.exc_type, MemoryError):
            self.out_of_memory(args.exc_value)
        elif not issubclass(args.exc_type, SystemExit):
            threading.__excepthook__(args)

    # -- reading ------------------------------------------------------------

    def _read_loop(self):
        pending = bytearray()
        discarding = False  # inside a line already found too long
        while True:
            try:
                chunk = _os.read(self.read_fd, 65536)
            except InterruptedError:
                continue
            except OSError:
                chunk = b''
            if not chunk:
                self.closed = True
                self.exit(0)  # the controller is gone: stop at once
                return
            pending += chunk
            while True:
                end = pending.find(b'\n')
                if end < 0:
                    break
                line = bytes(pending[:end])
                del pending[:end + 1]
                if discarding:
                    discarding = False
                elif len(line) > MAX_INPUT_LINE:
                    self._complain(f'longer than {MAX_INPUT_LINE} bytes')
                elif line.strip():
                    self._take_line(line)
            if len(pending) > MAX_INPUT_LINE and not discarding:
                self._complain(f'longer than {MAX_INPUT_LINE} bytes')
                discarding = True
            if discarding:
                pending.clear()

    def _complain(self, reason: str):
        _stderr_line(f'smartphone_connector: ignored an input line: {reason}')

    def _take_line(self, line: bytes):
        try:
            event, problem = _parse_event(line)
            if problem:
                self._complain(problem)
                return
            with self._lock:
                connectors = list(self.connectors)
                if not connectors:
                    if len(self._early_events) >= _EARLY_EVENTS_MAX:
                        self._early_events.popleft()
                    self._early_events.append(event)
                    return
            for index, connector in enumerate(connectors):
                connector._receive(event if index == 0 else deepcopy(event))
        except MemoryError as exc:
            self.out_of_memory(exc)
        except Exception as exc:  # never let one line stop the reader
            _print_game_exception('the shim (input line)', exc)

    def echo(self, message: dict, room: Optional[str], everyone: bool):
        """Delivers a message the game sent back to the Connectors in its
        room, as the original server relayed it to every socket there."""
        for connector in list(self.connectors):
            if everyone or connector.device_id == room:
                connector._receive(deepcopy(message), echo=True)

    def _timer_loop(self):
        """The original server sent every client {'time': now} each second."""
        while not (self.ended or self.closed):
            _time.sleep(1.0)
            message = DictX({'time': time_s()})
            for connector in list(self.connectors):
                if connector._callbacks_for('on_timer'):
                    self.dispatcher.submit(
                        lambda c=connector: c._callback('on_timer', DictX(message)))

    # -- ending -------------------------------------------------------------

    def is_idle(self) -> bool:
        """True when nothing the game does can happen any more (see header)."""
        if any(connector._listens() for connector in list(self.connectors)):
            return False
        if self.dispatcher.in_flight():
            return False
        me = threading.current_thread()
        for thread in threading.enumerate():
            if thread is me or thread.ident in self.parked:
                continue
            if isinstance(thread, ThreadJob) or not thread.daemon:
                return False
        return True

    def run_until_idle(self):
        """The main script is done: keep the game alive while something can
        still happen, then end it."""
        idle_since = None
        while not self.ended:
            if self.is_idle():
                now = _time.monotonic()
                if idle_since is None:
                    idle_since = now
                elif now - idle_since >= self.IDLE_STABLE_S:
                    self.finish('end', None, 0)
                    return
            else:
                idle_since = None
            _time.sleep(self.IDLE_CHECK_S)

    def park_forever(self):
        """wait() outside the main thread: this thread stays until the end."""
        self.parked.add(threading.get_ident())
        with self.dispatcher.blocking(forever=True):
            threading.Event().wait()


_runtime = _Runtime()


# ---------------------------------------------------------------------------
# Prompts and alerts waiting for the player
# ---------------------------------------------------------------------------

class _Answers:
    """Prompts (or alerts) waiting for the browser's answer, oldest first,
    and answers that came while none was open."""

    def __init__(self):
        self._cond = threading.Condition()
        self._waiting = []      # [time_stamp, answer or None], in opening order
        self._early = _deque(maxlen=_EARLY_ANSWERS_MAX)

    def open(self, time_stamp: float) -> list:
        with self._cond:
            slot = [time_stamp, self._early.popleft() if self._early else None]
            self._waiting.append(slot)
            return slot

    def answer(self, message: DictX, exact_time_stamp: Optional[float]):
        """The prompt opened at exact_time_stamp takes the answer, else the
        oldest open one; with none open it waits for the next."""
        with self._cond:
            unanswered = [slot for slot in self._waiting if slot[1] is None]
            target = None
            if exact_time_stamp is not None:
                target = next((s for s in unanswered if s[0] == exact_time_stamp), None)
            if target is None and unanswered:
                target = unanswered[0]
            if target is None:
                self._early.append(message)
                return
            target[1] = message
            self._cond.notify_all()

    def wait(self, slot: list) -> DictX:
        with self._cond:
            while slot[1] is None:
                self._cond.wait()
            self._waiting.remove(slot)
            return slot[1]

    def cancel(self, slot: list):
        """Closes a slot whose prompt never reached the browser."""
        with self._cond:
            if slot in self._waiting:
                self._waiting.remove(slot)
            if slot[1] is not None:
                self._early.appendleft(slot[1])


# ---------------------------------------------------------------------------
# socketio stand-in
# ---------------------------------------------------------------------------

class _SocketStandIn:
    """Connector.sio: no socket, but what a game may call on it works."""

    def __init__(self, connector: 'Connector'):
        self._connector = connector
        self.connected = True
        self.sid = 'game'

    def sleep(self, seconds: float = 0):
        self._connector.sleep(seconds)

    def wait(self):
        self._connector.wait()

    def emit(self, event: str, data: Optional[dict] = None, **_options):
        self._connector.emit(event, {} if data is None else data)

    def on(self, event, handler=None, **_options):
        return handler if handler is not None else (lambda func: func)

    def connect(self, *_args, **_options):
        pass

    def disconnect(self):
        self._connector.disconnect()


socketio = _stdtypes.ModuleType('socketio', 'Stand-in: the arcade has no socket.io.')
socketio.Client = _SocketStandIn


# ---------------------------------------------------------------------------
# Connector
# ---------------------------------------------------------------------------

# Event names of on()/remove(), with the aliases the original accepted.
_EVENT_ALIASES = {
    'acc': 'acceleration', 'object_out': 'sprite_out', 'object_removed': 'sprite_removed',
    'collision': 'sprite_collision', 'object_collision': 'sprite_collision',
    'object_clicked': 'sprite_clicked',
}
_EVENTS = ('key', 'f1', 'f2', 'f3', 'f4', 'pointer', 'acceleration', 'gyro', 'sensor', 'data',
           'broadcast_data', 'all_data', 'device', 'client_device', 'devices', 'error',
           'room_joined', 'room_left', 'sprite_out', 'sprite_removed', 'sprite_collision',
           'overlap_in', 'overlap_out', 'border_overlap', 'sprite_clicked', 'auto_movement_pos',
           'timer')
# The events that can happen here: a callback for one of them keeps a game
# whose main script returned alive.
_LIVE_EVENTS = ('key', 'f1', 'f2', 'f3', 'f4', 'pointer', 'acceleration', 'gyro', 'sensor',
                'data', 'broadcast_data', 'sprite_out', 'sprite_removed', 'sprite_collision',
                'overlap_in', 'overlap_out', 'border_overlap', 'sprite_clicked',
                'auto_movement_pos', 'timer')
_F_KEYS = {'F1': 'on_f1', 'F2': 'on_f2', 'F3': 'on_f3', 'F4': 'on_f4'}
_IMAGE_MIME = {'jpg': 'image/jpeg', 'jpeg': 'image/jpeg', 'png': 'image/png', 'gif': 'image/gif',
               'bmp': 'image/bmp', 'webp': 'image/webp'}
_AUDIO_MIME = {'mp3': 'audio/mpeg', 'wav': 'audio/wav', 'ogg': 'audio/ogg'}


def _data_url(mime: str, raw: bytes) -> str:
    return f'data:{mime};base64,' + _base64.b64encode(raw).decode('ascii')


def _find_asset_dir(path: Union[Path, str], what: str) -> Path:
    """A relative folder is looked for below the script's folder (the first
    match at any depth), then relative to the working folder, as in the
    original."""
    folder = Path(path)
    if not folder.is_absolute():
        for candidate in Path(sys.argv[0]).parent.rglob(str(folder)):
            if candidate.is_dir():
                folder = candidate
                break
    if not folder.is_dir():
        raise Exception(f'{what} path {folder} not found')
    return folder


def _load_images(path) -> List[dict]:
    images = []
    for item in sorted(_find_asset_dir(path, 'Image').iterdir()):
        suffix = item.suffix.lower()[1:]
        if suffix in _IMAGE_MIME:
            images.append({'name': item.stem, 'image': _data_url(_IMAGE_MIME[suffix],
                                                                 item.read_bytes()),
                           'type': suffix})
        elif suffix == 'svg':
            images.append({'name': item.stem, 'image': item.read_text('utf-8'), 'type': 'svg'})
    return images


def _load_tracks(path) -> List[dict]:
    tracks = []
    for item in sorted(_find_asset_dir(path, 'audio_tracks').iterdir()):
        suffix = item.suffix.lower()[1:]
        if suffix in _AUDIO_MIME:
            tracks.append({'name': item.stem, 'audio': _data_url(_AUDIO_MIME[suffix],
                                                                 item.read_bytes()),
                           'type': suffix})
    return tracks


def _sprite_fields(id, clickable, collision_detection, color, border_color, border_style,
                   border_width, direction, distance, form, height, pos_x, pos_y, anchor,
                   reset_time, speed, text, font_color, font_size, rotate, image, time_span,
                   width, movements, z_index) -> dict:
    """The sprite dict of a sprite message: given fields only, a fresh id
    when none is given."""
    return without_none({
        'id': id if id is not None else f'sprite{randint(10000, 99999)}',
        'clickable': clickable, 'collision_detection': collision_detection, 'color': color,
        'border_color': border_color, 'border_style': border_style, 'border_width': border_width,
        'direction': direction, 'distance': distance, 'form': form, 'height': height,
        'pos_x': pos_x, 'pos_y': pos_y, 'anchor': anchor, 'reset_time': reset_time,
        'speed': speed, 'text': text, 'font_color': font_color, 'font_size': font_size,
        'rotate': rotate, 'image': image, 'time_span': time_span, 'width': width,
        'movements': movements, 'z_index': z_index,
    })


def _line_fields(x1, y1, x2, y2, line_width, color, z_index, id) -> dict:
    return without_none({
        'x1': x1, 'y1': y1, 'x2': x2, 'y2': y2, 'line_width': line_width, 'color': color,
        'z_index': z_index, 'id': id if id is not None else f'line{randint(10000, 99999)}',
    })


def _relative_or_absolute(movement, direction, pos, speed, time_span, distance) -> Optional[dict]:
    """One movement of a sprite's movement sequence, or None (with the
    original's warning) when its arguments do not make one."""
    if movement == 'absolute':
        if pos is None:
            logging.warning('No position provided for absolute movement, skipping...')
        elif time_span is None and speed is None:
            logging.warning('No time or speed provided for absolute movement, skipping...')
        else:
            return without_none({'movement': 'absolute', 'to': pos, 'time': time_span,
                                 'speed': speed})
        return None
    if direction is None:
        logging.warning('No direction provided for relative movement, skipping...')
    elif speed is None:
        logging.warning('No speed provided for relative movement, skipping...')
    else:
        return without_none({'movement': 'relative', 'direction': direction,
                             'time_span': time_span, 'speed': speed, 'distance': distance})
    return None


class Connector:
    """The game's connection to the player's browser (see the file header
    for what differs from the original)."""

    # Callbacks: assign a function taking (), (data) or (data, connector).
    # Class-level defaults, so that a subclass may define them as methods.
    on_key = noop
    on_f1 = noop
    on_f2 = noop
    on_f3 = noop
    on_f4 = noop
    on_pointer = noop
    on_acceleration = noop
    on_gyro = noop
    on_sensor = noop
    on_data = noop
    on_broadcast_data = noop
    on_all_data = noop
    on_device = noop
    on_client_device = noop
    on_devices = noop
    on_error = noop
    on_room_joined = noop
    on_room_left = noop
    on_sprite_out = noop
    on_sprite_removed = noop
    on_sprite_collision = noop
    on_overlap_in = noop
    on_overlap_out = noop
    on_border_overlap = noop
    on_sprite_clicked = noop
    on_auto_movement_pos = noop
    on_timer = noop

    def __init__(self, server_url: str, device_id: str):
        device_id = device_id.strip()
        self._server_url = server_url
        self._device_id = device_id
        self._lock = threading.RLock()
        for event in _EVENTS:
            setattr(self, f'_on_{event}', [])
        # data history (what the original received from the server)
        self.data = DictX({})
        self._current_frames = DictX({device_id: default_data_frame()})
        self._latest = default_data_frame()
        self._recording = False
        # what this game has put on the display
        self._sprites = []
        self._lines = []
        self._playground_config = deepcopy(DEFAULT_PLAYGROUND_CONFIG)
        self._grid = [[]]
        self._reportings = DictX({})
        self._movements_seen = {}   # sprite id -> movement ids already reported
        # waiting for the player
        self._prompts = _Answers()
        self._alerts = _Answers()
        # subscriptions
        self._subscriber = None
        self._subscription_job = None
        self._blocked_mode = False
        self._blocked_msgs = []
        self._async_jobs = []
        self._last_time_stamp = -1
        self._last_sub_time = 0
        # the one browser and this script, as the server would list them
        self._script_device = Device({'device_id': device_id, 'is_client': False,
                                      'device_nr': SCRIPT_DEVICE_NR, 'socket_id': 'game',
                                      'is_silent': False})
        self._browser_device = Device({'device_id': device_id, 'is_client': True,
                                       'device_nr': BROWSER_DEVICE_NR, 'socket_id': 'browser',
                                       'is_silent': False})
        self.device = self._script_device
        self.room_members = [self._browser_device, self._script_device]
        self.joined_rooms = [device_id]
        self.sio = _SocketStandIn(self)
        _runtime.register(self)

    # -- callbacks: on / remove ----------------------------------------------

    def _callback_list(self, event: str) -> list:
        event = _EVENT_ALIASES.get(event, event)
        if event not in _EVENTS:
            logging.warning(f'smartphone_connector: unknown event {event!r}')
            return []
        return getattr(self, f'_on_{event}')

    def on(self, event: Union[Event, EventAliases], function: CallbackSignature,
           replace: bool = False):
        """Adds a callback for event (after the on_<event> attribute's)."""
        funcs = self._callback_list(event)
        if replace:
            funcs.clear()
        funcs.append(function)

    def remove(self, event: Union[Event, EventAliases],
               function: Optional[CallbackSignature] = None):
        """Removes a callback added with on(); all of them without function."""
        funcs = self._callback_list(event)
        if function is None:
            funcs.clear()
        else:
            funcs.remove(function)

    def _callbacks_for(self, name: str) -> list:
        """The set callbacks of on_<event>: the attribute's, then on()'s."""
        funcs = [getattr(self, name, None), *getattr(self, '_' + name, ())]
        return [func for func in funcs if _is_callback(func)]

    def _callback(self, name: str, data):
        for func in self._callbacks_for(name):
            _run_game_code(f'callback {name}', _call_with_data, func, data, self)

    def _listens(self) -> bool:
        return any(self._callbacks_for(f'on_{event}') for event in _LIVE_EVENTS)

    # -- properties ----------------------------------------------------------

    @property
    def devices(self) -> List[Device]:
        return [self._browser_device, self._script_device]

    @property
    def server_url(self):
        return self._server_url

    @property
    def device_id(self):
        return self._device_id

    @property
    def current_time_stamp(self):
        """Now (time_s), made unique by a microsecond step when repeated."""
        with self._lock:
            stamp = time_s()
            if stamp == self._last_time_stamp:
                self._last_sub_time += 0.000001
                return stamp + self._last_sub_time
            self._last_sub_time = 0
            self._last_time_stamp = stamp
            return stamp

    @property
    def sprites(self) -> List[Sprite]:
        return self._sprites

    def get_sprite(self, id: str = None) -> Union[Sprite, None]:
        """The sprite with that id (the first sprite without id), or None."""
        if not self._sprites:
            return None
        if id is None:
            return self._sprites[0]
        return first(lambda sprite: sprite.id == id, self._sprites)

    get_circle = get_sprite
    get_ellipse = get_sprite
    get_square = get_sprite
    get_rectangle = get_sprite
    get_object = get_sprite

    @property
    def client_device(self):
        return self._browser_device

    @property
    def device_count(self) -> int:
        return len(self.devices)

    @property
    def client_devices(self) -> List[Device]:
        return [device for device in self.devices if device['is_client']]

    @property
    def client_count(self) -> int:
        return len(self.client_devices)

    @property
    def joined_room_count(self) -> int:
        return len(self.joined_rooms)

    @property
    def room_member_count(self) -> int:
        return len(self.room_members)

    # -- sending -------------------------------------------------------------

    def emit(self, event: str, data: dict = None, **delivery_opts):
        """Sends data: 'new_data' goes to the browser; time_stamp and
        device_id are added when missing, delivery options become fields."""
        if data is None:
            data = {}
        if 'time_stamp' not in data:
            data['time_stamp'] = self.current_time_stamp
        if 'device_id' in delivery_opts:
            data['device_id'] = delivery_opts['device_id']
        if 'deliver_to' in delivery_opts:
            data['deliver_to'] = delivery_opts['deliver_to']
        if 'device_id' not in data:
            data['device_id'] = self.device_id
        if delivery_opts.get('broadcast'):
            data['broadcast'] = True
        if type(delivery_opts.get('unicast_to')) == int:
            data.pop('broadcast', None)
            data['unicast_to'] = delivery_opts['unicast_to']
        if event == SocketEvents.NEW_DATA:
            self._deliver(data)
        # Other socket events (clear_data, join_room, ...) only concerned the
        # server and other devices: there is none here.

    def _deliver(self, data: dict):
        """Writes a display message, then hands it back to the Connectors the
        original server relayed it to: those of its room (deliver_to, else
        its device_id), or all of them for a broadcast."""
        written = _runtime.send_display(data)
        unicast = written.get('unicast_to')
        if type(unicast) == int and unicast == BROWSER_DEVICE_NR:
            return  # the server sent it to the browser alone
        room = written.get('deliver_to')
        if not isinstance(room, str):
            room = written.get('device_id')
        _runtime.echo(written, room, everyone=bool(written.get('broadcast')))

    def send_to(self, to: str, data: DataMsg, **delivery_opts):
        data['deliver_to'] = to
        self.emit(SocketEvents.NEW_DATA, data=data, **delivery_opts)

    def send(self, data: DataMsg, **delivery_opts):
        self.emit(SocketEvents.NEW_DATA, data=data, **delivery_opts)

    def broadcast(self, data: DataMsg):
        self.emit(SocketEvents.NEW_DATA, data=data, broadcast=True)

    def unicast_to(self, data: DataMsg, device_nr: int):
        self.emit(SocketEvents.NEW_DATA, data=data, unicast_to=device_nr)

    def connect(self):
        """Already connected: the controller link exists from the start."""

    def clear_data(self):
        """Cleared the server's store of this device: there is none here."""

    # -- notifications and prompts -------------------------------------------

    def alert(self, message: str, unicast_to: int = None):
        """Shows message until the player confirms it; blocks until then."""
        self.notify(message=message, alert=True, unicast_to=unicast_to)

    def print(self, message: str, display_time: float = -1, alert: bool = False,
              **delivery_opts):
        return self.notify(message, display_time=display_time, alert=alert, **delivery_opts)

    def notify(self, message: str, display_time: float = -1, alert: bool = False,
               **delivery_opts):
        """Shows message for display_time seconds (-1: until dismissed); with
        alert=True the player must confirm it and the call blocks until then."""
        stamp = self.current_time_stamp
        slot = self._alerts.open(stamp) if alert else None
        try:
            self.emit(SocketEvents.NEW_DATA,
                      data={'type': 'notification', 'time_stamp': stamp, 'message': message,
                            'alert': alert, 'time': display_time * 1000},
                      **delivery_opts)
        except BaseException:
            if slot is not None:
                self._alerts.cancel(slot)
            raise
        if slot is not None:
            with _runtime.dispatcher.blocking():
                self._alerts.wait(slot)

    def input(self, question: str, input_type: str = 'text', options: List[str] = None,
              unicast_to: int = None) -> Union[str, None]:
        return self.prompt(question, input_type=input_type, options=options,
                           unicast_to=unicast_to)

    def select(self, question: str, options: List[str], unicast_to: int = None):
        return self.prompt(question, input_type='select', options=options,
                           unicast_to=unicast_to)

    def prompt(self, question: str, input_type: str = 'text', options: List[str] = None,
               unicast_to: int = None) -> Union[str, None]:
        """Asks the player; blocks until the answer, None when cancelled.
        input_type: text, number, datetime, date, time, select (options)."""
        stamp = self.current_time_stamp
        if callable(getattr(options, 'tolist', None)):
            options = cast(Any, options).tolist()
        if input_type == 'datetime':
            input_type = 'datetime-local'
        slot = self._prompts.open(stamp)
        try:
            self.emit(SocketEvents.NEW_DATA,
                      {'type': 'input_prompt', 'question': question, 'input_type': input_type,
                       'options': options, 'time_stamp': stamp},
                      unicast_to=unicast_to)
        except BaseException:
            self._prompts.cancel(slot)
            raise
        with _runtime.dispatcher.blocking():
            response = self._prompts.wait(slot)
        if 'response' in response:
            return response['response']
        return None

    # -- data history --------------------------------------------------------

    @property
    def data_list(self) -> List[ClientMsg]:
        """Every message received (all device ids), oldest first."""
        with self._lock:
            messages = [m for by_type in self.data.values() for ms in by_type.values()
                        for m in ms]
        messages.sort(key=lambda m: m['time_stamp'])
        return messages

    def all_data(self, data_type: str = None, device_id: str = None) -> List[ClientMsg]:
        """The messages received of a type (all types by default) from
        device_id (this one by default; '__ALL_DEVICES__' for all), oldest
        first."""
        if device_id is None:
            device_id = self.device_id
        with self._lock:
            if device_id == '__ALL_DEVICES__':
                device_ids = list(self.data.keys())
            elif device_id in self.data:
                device_ids = [device_id]
            else:
                return []
            messages = []
            for dev in device_ids:
                by_type = dict.__getitem__(self.data, dev)
                for kind in (list(by_type.keys()) if data_type is None else [data_type]):
                    if kind in by_type:
                        messages.extend(dict.__getitem__(by_type, kind))
        messages.sort(key=lambda m: m['time_stamp'])
        return messages

    def pointer_data(self, device_id: str = '__ALL_DEVICES__'):
        return self.all_data('pointer', device_id=device_id)

    def color_pointer_data(self, device_id: str = '__ALL_DEVICES__') -> List[ColorPointer]:
        return [m for m in self.pointer_data(device_id=device_id) if m.get('context') == 'color']

    def grid_pointer_data(self, device_id: str = '__ALL_DEVICES__') -> List[GridPointer]:
        return [m for m in self.pointer_data(device_id=device_id) if m.get('context') == 'grid']

    def gyro_data(self, device_id: str = '__ALL_DEVICES__') -> List[GyroMsg]:
        return self.all_data('gyro', device_id=device_id)

    def acceleration_data(self, device_id: str = '__ALL_DEVICES__') -> List[AccMsg]:
        return self.all_data('acceleration', device_id=device_id)

    def key_data(self, device_id: str = '__ALL_DEVICES__') -> List[KeyMsg]:
        return self.all_data('key', device_id=device_id)

    def latest_data(self, data_type: DataType = None,
                    device_id: str = None) -> Union[ClientMsg, None]:
        """The last message of a type from device_id (this one by default,
        '__ALL_DEVICES__' for any); a placeholder when there is none."""
        if device_id is None:
            device_id = self.device_id
        with self._lock:
            if device_id == '__ALL_DEVICES__':
                frame = deepcopy(self._latest)
            elif device_id in self._current_frames:
                frame = deepcopy(dict.__getitem__(self._current_frames, device_id))
            else:
                frame = None
        if frame is None:
            return default(data_type if data_type is not None else 'key')
        if data_type is None:
            return sorted(frame.values(), reverse=True, key=lambda m: m['time_stamp'])[0]
        if data_type in frame:
            return frame[data_type]
        return default(data_type)

    def latest_pointer(self, device_id: str = '__ALL_DEVICES__'):
        return self.latest_data(device_id=device_id, data_type='pointer')

    def latest_color_pointer(self, device_id: str = '__ALL_DEVICES__'):
        return self.latest_data(device_id=device_id, data_type='color_pointer')

    def latest_grid_pointer(self, device_id: str = '__ALL_DEVICES__'):
        return self.latest_data(device_id=device_id, data_type='grid_pointer')

    def latest_gyro(self, device_id: str = '__ALL_DEVICES__') -> Union[None, GyroMsg]:
        return self.latest_data(device_id=device_id, data_type='gyro')

    def latest_acceleration(self, device_id: str = '__ALL_DEVICES__') -> Union[None, AccMsg]:
        return self.latest_data(device_id=device_id, data_type='acceleration')

    def latest_key(self, device_id: str = '__ALL_DEVICES__') -> Union[None, KeyMsg]:
        return self.latest_data(device_id=device_id, data_type='key')

    @property
    def pointer(self) -> PointerDataMsg:
        return self.latest_pointer(device_id=self.device_id)

    @property
    def color_pointer(self) -> ColorPointerMsg:
        return self.latest_color_pointer(device_id=self.device_id)

    @property
    def grid_pointer(self) -> GridPointerMsg:
        return self.latest_grid_pointer(device_id=self.device_id)

    @property
    def gyro(self) -> GyroMsg:
        return self.latest_gyro(device_id=self.device_id)

    @property
    def acceleration(self) -> AccMsg:
        return self.latest_acceleration(device_id=self.device_id)

    @property
    def key(self) -> KeyMsg:
        return self.latest_key(device_id=self.device_id)

    def clean_data(self):
        """Forgets all received data."""
        with self._lock:
            self.data = DictX({})

    def start_recording(self):
        """Keeps every message from now on (not only the last few of a type)."""
        self.clean_data()
        self._recording = True

    def stop_recording(self):
        self._recording = False

    @property
    def is_recording(self):
        return self._recording

    # -- the playground -------------------------------------------------------

    def add_svg_to_playground(self, name: str, raw_svg: str, **delivery_opts):
        """Adds an SVG image (its text) the sprites can show by name."""
        image = {'name': name, 'image': raw_svg, 'type': 'svg'}
        self._playground_config.setdefault('images', []).append(image)
        self.emit(SocketEvents.NEW_DATA,
                  {'type': 'playground_config', 'config': {'images': [image]}},
                  **delivery_opts)

    def configure_playground(self,
                             width: Optional[Number] = None,
                             height: Optional[Number] = None,
                             origin_x: Optional[Number] = None,
                             origin_y: Optional[Number] = None,
                             shift_x: Optional[Number] = None,
                             shift_y: Optional[Number] = None,
                             color: Optional[Union[Colors, str]] = None,
                             images: Optional[Union[Path, str]] = None,
                             audio_tracks: Optional[Union[Path, str]] = None,
                             image: Optional[str] = None,
                             **delivery_opts):
        """Sets the playground's size (units of your choice), origin, colour,
        background image; images / audio_tracks name folders whose files
        (jpg, png, gif, bmp, webp, svg / mp3, wav, ogg) are sent along."""
        if origin_x is not None:
            shift_x = -origin_x
        if origin_y is not None:
            shift_y = -origin_y
        raw_images = _load_images(images) if images is not None else []
        raw_tracks = _load_tracks(audio_tracks) if audio_tracks is not None else []
        config = without_none({
            'width': width, 'height': height,
            'shift_x': shift_x if shift_x is not None else 0,
            'shift_y': shift_y if shift_y is not None else 0,
            'color': color, 'image': image, 'images': raw_images, 'audio_tracks': raw_tracks,
        })
        # As the original: newly sent files come first, the ones sent before
        # follow (the browser keeps them all).
        if raw_images and 'images' in self._playground_config:
            config['images'] = [*raw_images, *self._playground_config['images']]
        if raw_tracks and 'audio_tracks' in self._playground_config:
            config['audio_tracks'] = [*raw_tracks, *self._playground_config['audio_tracks']]
        self._playground_config.update(config)
        self.emit(SocketEvents.NEW_DATA, {'type': 'playground_config', 'config': config},
                  **delivery_opts)

    def _store_sprite(self, sprite: dict):
        with self._lock:
            known = first(lambda s: s['id'] == sprite['id'], self._sprites)
            if known is not None:
                known.update(sprite)
            else:
                self._sprites.append(DictX(sprite))

    @contextmanager
    def add_sprites(self, **delivery_opts):
        """Collects sprites added in the with-block and sends them as one
        message:  with device.add_sprites() as add: add(id='a', ...)"""
        sprites = []

        def sprite(id: Optional[str] = None, clickable: Optional[bool] = None,
                   collision_detection: Optional[bool] = None,
                   color: Optional[Union[Colors, str]] = None,
                   border_color: Optional[Union[Colors, str]] = None,
                   border_width: Optional[int] = None, border_style: Optional[str] = None,
                   direction: Optional[List[Number]] = None, distance: Optional[Number] = None,
                   form: Optional[str] = None, height: Optional[Number] = None,
                   pos_x: Optional[Number] = None, pos_y: Optional[Number] = None,
                   size: Optional[Number] = None, radius: Optional[Number] = None,
                   anchor: Optional[Tuple[Number, Number]] = None,
                   reset_time: Optional[Number] = None, speed: Optional[Number] = None,
                   text: Optional[str] = None, font_color: Optional[str] = None,
                   font_size: Optional[Number] = None, image: Optional[str] = None,
                   time_span: Optional[Number] = None, width: Optional[Number] = None,
                   rotate: Optional[Number] = None, movements: Optional[SpriteAutoMovement] = None,
                   z_index: Optional[int] = None, **rest) -> str:
            if size is not None:
                width = height = size
            if radius is not None:
                width = height = radius * 2
            fields = _sprite_fields(id, clickable, collision_detection, color, border_color,
                                    border_style, border_width, direction, distance, form,
                                    height, pos_x, pos_y, anchor, reset_time, speed, text,
                                    font_color, font_size, rotate, image, time_span, width,
                                    movements, z_index)
            sprites.append(fields)
            return fields['id']

        yield sprite  # an exception in the block sends nothing
        for fields in sprites:
            self._store_sprite(fields)
        self.emit(SocketEvents.NEW_DATA, {'type': 'sprites', 'sprites': sprites},
                  **delivery_opts)

    update_sprites = add_sprites
    add_objects = add_sprites
    update_objects = add_sprites

    def apply_movement(self, id: str, direction: Optional[Tuple[Number, Number]] = None,
                       time_span: Optional[Number] = None, speed: Optional[Number] = 1,
                       distance: Optional[Number] = None,
                       pos: Optional[Tuple[Number, Number]] = None,
                       time: Optional[Number] = None,
                       movement: Optional[Literal['relative', 'absolute']] = None,
                       cancel_previous: Optional[bool] = True):
        """Moves the sprite once: in direction (relative, by default) or to
        pos (movement='absolute')."""
        if time is not None and time_span is None:
            time_span = time
        step = _relative_or_absolute(movement, direction, pos, speed, time_span, distance)
        if step is None:
            return
        self.update_sprite(id=id, movements={'cancel_previous': cancel_previous,
                                             'movements': [step]})

    @contextmanager
    def apply_movements(self, id: str, repeat: Optional[int] = None,
                        cycle: Optional[bool] = None, cancel_previous: Optional[bool] = True):
        """Collects a sequence of movements for one sprite:
        with device.apply_movements(id='a') as move: move(direction=[0, 1], time_span=1)"""
        movements = []

        def movement(direction: Tuple[Number, Number] = None, time_span: Optional[Number] = None,
                     time: Optional[Number] = None, speed: Optional[Number] = 1,
                     distance: Optional[Number] = None,
                     movement: Optional[Literal['absolute', 'relative']] = 'relative',
                     pos: Optional[Tuple[Number, Number]] = None):
            if time is not None and time_span is None:
                time_span = time
            step = _relative_or_absolute(movement, direction, pos, speed, time_span, distance)
            if step is not None:
                movements.append(step)

        yield movement  # an exception in the block sends nothing
        self.update_sprite(id=id, movements=without_none({
            'cycle': cycle, 'repeat': repeat, 'cancel_previous': cancel_previous,
            'movements': movements}))

    def move_to(self, id: str, pos: Tuple[Number, Number], speed: Optional[Number] = None,
                time: Optional[Number] = None, time_span: Optional[Number] = None,
                via: Optional[Tuple[Number, Number]] = None,
                cancel_previous: Optional[bool] = True):
        """Moves the sprite to pos (through via) at speed or within time."""
        if time is None and time_span is not None:
            time = time_span
        half = time / 2 if time is not None and via is not None else None
        movements = []
        if via is not None:
            movements.append(without_none({'movement': 'absolute', 'to': via, 'speed': speed,
                                           'time': time / 2 if time is not None else None}))
        movements.append(without_none({'movement': 'absolute', 'to': pos, 'speed': speed,
                                       'time': half}))
        self.update_sprite(id=id, movements={'movements': movements,
                                             'cancel_previous': cancel_previous})

    def play_sound(self, name: str, id: Optional[str] = None, repeat: bool = False,
                   volume: float = 0.8, **delivery_opts):
        """Plays an audio track sent with configure_playground (volume 0..1)."""
        self.emit(SocketEvents.NEW_DATA,
                  without_none({'type': 'start_audio', 'name': name, 'repeat': repeat,
                                'volume': volume, 'id': id}),
                  **delivery_opts)

    def stop_sound(self, name: Optional[str] = None, id: Optional[str] = None, **delivery_opts):
        self.emit(SocketEvents.NEW_DATA, without_none({'type': 'stop_audio', 'name': name,
                                                       'id': id}),
                  **delivery_opts)

    def add_circle(self, pos_x: Optional[Number] = None, pos_y: Optional[Number] = None,
                   radius: Optional[Number] = None, color: Optional[Union[Colors, str]] = None,
                   border_color: Optional[Union[Colors, str]] = None,
                   border_width: Optional[int] = None, border_style: Optional[str] = None,
                   id: Optional[str] = None, anchor: Optional[Tuple[Number, Number]] = None,
                   clickable: Optional[bool] = None, collision_detection: Optional[bool] = None,
                   direction: Optional[Tuple[Number, Number]] = None,
                   distance: Optional[Number] = None, reset_time: Optional[Number] = None,
                   speed: Optional[Number] = None, text: Optional[str] = None,
                   font_color: Optional[str] = None, font_size: Optional[Number] = None,
                   image: Optional[str] = None, time_span: Optional[Number] = None,
                   rotate: Optional[Number] = None, z_index: Optional[int] = None,
                   movements: Optional[SpriteAutoMovement] = None, **delivery_opts) -> str:
        """Adds (or, with a known id, updates) a round sprite; returns its id."""
        diameter = radius * 2 if radius is not None else None
        return self.add_sprite(
            id=id, form='round', clickable=clickable, collision_detection=collision_detection,
            color=color, direction=direction, distance=distance, height=diameter,
            width=diameter, pos_x=pos_x, pos_y=pos_y, anchor=anchor, reset_time=reset_time,
            speed=speed, text=text, image=image, time_span=time_span, rotate=rotate,
            border_color=border_color, border_width=border_width, border_style=border_style,
            font_color=font_color, font_size=font_size, z_index=z_index, movements=movements,
            **delivery_opts)

    update_circle = add_circle

    def add_ellipse(self, pos_x: Optional[Number] = None, pos_y: Optional[Number] = None,
                    height: Optional[Number] = None, width: Optional[Number] = None,
                    color: Optional[Union[Colors, str]] = None,
                    border_color: Optional[Union[Colors, str]] = None,
                    border_width: Optional[int] = None, border_style: Optional[str] = None,
                    id: Optional[str] = None, anchor: Optional[Tuple[Number, Number]] = None,
                    clickable: Optional[bool] = None, collision_detection: Optional[bool] = None,
                    direction: Optional[List[Number]] = None, distance: Optional[Number] = None,
                    reset_time: Optional[Number] = None, speed: Optional[Number] = None,
                    text: Optional[str] = None, font_color: Optional[str] = None,
                    font_size: Optional[Number] = None, image: Optional[str] = None,
                    time_span: Optional[Number] = None, rotate: Optional[Number] = None,
                    z_index: Optional[int] = None, movements: Optional[SpriteAutoMovement] = None,
                    **delivery_opts) -> str:
        """Adds (or updates) an elliptic sprite; returns its id."""
        return self.add_sprite(
            id=id, form='round', clickable=clickable, collision_detection=collision_detection,
            color=color, direction=direction, distance=distance, height=height, width=width,
            pos_x=pos_x, pos_y=pos_y, anchor=anchor, reset_time=reset_time, speed=speed,
            text=text, image=image, time_span=time_span, rotate=rotate,
            border_color=border_color, border_width=border_width, border_style=border_style,
            font_color=font_color, font_size=font_size, z_index=z_index, movements=movements,
            **delivery_opts)

    update_ellipse = add_ellipse

    def add_square(self, pos_x: Number = None, pos_y: Number = None, size: Number = None,
                   color: Optional[Union[Colors, str]] = None,
                   border_color: Optional[Union[Colors, str]] = None,
                   border_width: Optional[int] = None, border_style: Optional[str] = None,
                   anchor: Optional[Tuple[Number, Number]] = None, id: Optional[str] = None,
                   clickable: Optional[bool] = None, collision_detection: Optional[bool] = None,
                   direction: Optional[List[Number]] = None, distance: Optional[Number] = None,
                   reset_time: Optional[Number] = None, speed: Optional[Number] = None,
                   text: Optional[str] = None, font_color: Optional[str] = None,
                   font_size: Optional[Number] = None, image: Optional[str] = None,
                   time_span: Optional[Number] = None, rotate: Optional[Number] = None,
                   z_index: Optional[int] = None, movements: Optional[SpriteAutoMovement] = None,
                   **delivery_opts) -> str:
        """Adds (or updates) a square sprite; returns its id."""
        return self.add_sprite(
            id=id, form='rectangle', height=size, width=size, clickable=clickable,
            collision_detection=collision_detection, color=color, direction=direction,
            distance=distance, pos_x=pos_x, pos_y=pos_y, anchor=anchor, reset_time=reset_time,
            speed=speed, text=text, image=image, time_span=time_span, rotate=rotate,
            border_color=border_color, border_width=border_width, border_style=border_style,
            font_color=font_color, font_size=font_size, z_index=z_index, movements=movements,
            **delivery_opts)

    update_square = add_square

    def add_rectangle(self, pos_x: Number = None, pos_y: Number = None, width: Number = None,
                      height: Number = None, color: Optional[Union[Colors, str]] = None,
                      border_color: Optional[Union[Colors, str]] = None,
                      border_width: Optional[int] = None, border_style: Optional[str] = None,
                      anchor: Optional[Tuple[Number, Number]] = None, id: Optional[str] = None,
                      clickable: Optional[bool] = None,
                      collision_detection: Optional[bool] = None,
                      direction: Optional[List[Number]] = None,
                      distance: Optional[Number] = None, reset_time: Optional[Number] = None,
                      speed: Optional[Number] = None, text: Optional[str] = None,
                      font_color: Optional[str] = None, font_size: Optional[Number] = None,
                      image: Optional[str] = None, time_span: Optional[Number] = None,
                      rotate: Optional[Number] = None, z_index: Optional[int] = None,
                      movements: Optional[SpriteAutoMovement] = None, **delivery_opts) -> str:
        """Adds (or updates) a rectangular sprite; returns its id."""
        return self.add_sprite(
            id=id, form='rectangle', height=height, width=width, clickable=clickable,
            collision_detection=collision_detection, color=color, direction=direction,
            distance=distance, pos_x=pos_x, pos_y=pos_y, anchor=anchor, reset_time=reset_time,
            speed=speed, text=text, image=image, time_span=time_span, rotate=rotate,
            border_color=border_color, border_width=border_width, border_style=border_style,
            font_color=font_color, font_size=font_size, movements=movements, z_index=z_index,
            **delivery_opts)

    update_rectangle = add_rectangle

    def add_text(self, text: str, pos_x: Optional[Number] = None, pos_y: Optional[Number] = None,
                 height: Optional[Number] = None,
                 background_color: Optional[Union[Colors, str]] = None,
                 border_color: Optional[Union[Colors, str]] = None,
                 border_width: Optional[int] = None, border_style: Optional[str] = None,
                 font_color: Optional[str] = None, font_size: Optional[Number] = None,
                 id: Optional[str] = None, anchor: Optional[Tuple[Number, Number]] = None,
                 clickable: Optional[bool] = None, collision_detection: Optional[bool] = None,
                 direction: Optional[List[Number]] = None, distance: Optional[Number] = None,
                 reset_time: Optional[Number] = None, speed: Optional[Number] = None,
                 image: Optional[str] = None, time_span: Optional[Number] = None,
                 rotate: Optional[Number] = None, z_index: Optional[int] = None,
                 movements: Optional[SpriteAutoMovement] = None, **delivery_opts) -> str:
        """Adds (or updates) a text sprite, sized from the text's length and
        the playground's proportions; returns its id."""
        config = DictX({'width': 100, 'height': 100})
        config.update(without_none(deepcopy(self._playground_config)))
        if height is None:
            height = config.height / 20
        text = str(text)
        width = len(text) * (height * config.height / config.width) / 4
        return self.add_sprite(
            id=id, form='rectangle', height=height, width=width, clickable=clickable,
            collision_detection=collision_detection, color=background_color,
            direction=direction, distance=distance, pos_x=pos_x, pos_y=pos_y, anchor=anchor,
            reset_time=reset_time, speed=speed, text=text, image=image, time_span=time_span,
            rotate=rotate, border_color=border_color, border_width=border_width,
            border_style=border_style, font_color=font_color, font_size=font_size,
            z_index=z_index, movements=movements, **delivery_opts)

    update_text = add_text

    def add_sprite(self, id: Optional[str] = None, clickable: Optional[bool] = None,
                   collision_detection: Optional[bool] = None,
                   color: Optional[Union[Colors, str]] = None,
                   border_color: Optional[Union[Colors, str]] = None,
                   border_width: Optional[int] = None, border_style: Optional[str] = None,
                   direction: Optional[List[Number]] = None, distance: Optional[Number] = None,
                   form: Optional[Union[SpriteForm, Literal['round', 'rectangle']]] = None,
                   height: Optional[Number] = None, pos_x: Optional[Number] = None,
                   pos_y: Optional[Number] = None,
                   anchor: Optional[Tuple[Number, Number]] = None,
                   reset_time: Optional[Number] = None, speed: Optional[Number] = None,
                   text: Optional[str] = None, font_color: Optional[str] = None,
                   font_size: Optional[Number] = None, image: Optional[str] = None,
                   time_span: Optional[Number] = None, width: Optional[Number] = None,
                   rotate: Optional[Number] = None, z_index: Optional[int] = None,
                   movements: Optional[SpriteAutoMovement] = None, **delivery_opts) -> str:
        """Adds a sprite, or updates the given fields of the sprite with that
        id; returns its id."""
        sprite = _sprite_fields(id, clickable, collision_detection, color, border_color,
                                border_style, border_width, direction, distance, form, height,
                                pos_x, pos_y, anchor, reset_time, speed, text, font_color,
                                font_size, rotate, image, time_span, width, movements, z_index)
        self._store_sprite(sprite)
        self.emit(SocketEvents.NEW_DATA, {'type': 'sprite', 'sprite': sprite}, **delivery_opts)
        return sprite['id']

    update_sprite = add_sprite
    update_object = add_sprite

    def clear_playground(self, **delivery_opts):
        """Empties the playground and resets its configuration (images and
        tracks must be sent again)."""
        with self._lock:
            self._sprites = []
            self._lines = []
            self._movements_seen.clear()
            self._playground_config = deepcopy(DEFAULT_PLAYGROUND_CONFIG)
        self.emit(SocketEvents.NEW_DATA, {'type': 'clear_playground'})
        self.sleep(0.2)  # as the original: give the browser time to clear

    def clean_playground(self, **delivery_opts):
        """Removes sprites and lines; configuration, images, tracks stay."""
        with self._lock:
            self._sprites = []
            self._lines = []
            self._movements_seen.clear()
        self.emit(SocketEvents.NEW_DATA, {'type': 'clean_playground'})

    def remove_sprite(self, sprite_id: str, **delivery_opts):
        with self._lock:
            known = first(lambda s: s.id == sprite_id, self._sprites)
            if known is not None:
                self._sprites.remove(known)
            self._movements_seen.pop(sprite_id, None)
        self.emit(SocketEvents.NEW_DATA, {'type': 'remove_sprite', 'id': sprite_id},
                  **delivery_opts)

    remove_object = remove_sprite

    def _store_line(self, line: dict):
        with self._lock:
            known = first(lambda l: l['id'] == line['id'], self._lines)
            if known is not None:
                known.update(line)
            else:
                self._lines.append(DictX(line))

    def add_line(self, x1: Number, y1: Number, x2: Number, y2: Number,
                 line_width: Optional[Number] = None, color: Optional[Union[Colors, str]] = None,
                 id: Optional[str] = None, z_index: Optional[int] = None, **delivery_opts) -> str:
        """Adds (or, with a known id, updates) a line; returns its id."""
        line = _line_fields(x1, y1, x2, y2, line_width, color, z_index, id)
        self._store_line(line)
        self.emit(SocketEvents.NEW_DATA, {'type': 'line', 'line': line}, **delivery_opts)
        return line['id']

    def update_line(self, id: str, x1: Optional[Number] = None, y1: Optional[Number] = None,
                    x2: Optional[Number] = None, y2: Optional[Number] = None,
                    line_width: Optional[Number] = None,
                    color: Optional[Union[Colors, str]] = None, z_index: Optional[int] = None,
                    **delivery_opts) -> str:
        return self.add_line(id=id, x1=x1, y1=y1, x2=x2, y2=y2, line_width=line_width,
                             color=color, z_index=z_index, **delivery_opts)

    @contextmanager
    def add_lines(self, **delivery_opts):
        """Collects lines added in the with-block and sends them as one message."""
        lines = []

        def line(x1: Number = None, y1: Number = None, x2: Number = None, y2: Number = None,
                 line_width: Optional[Number] = None, color: Optional[Union[Colors, str]] = None,
                 id: Optional[str] = None, z_index: Optional[int] = None) -> str:
            fields = _line_fields(x1, y1, x2, y2, line_width, color, z_index, id)
            lines.append(fields)
            return fields['id']

        yield line  # an exception in the block sends nothing
        for fields in lines:
            self._store_line(fields)
        self.emit(SocketEvents.NEW_DATA, {'type': 'lines', 'lines': lines}, **delivery_opts)

    update_lines = add_lines

    def remove_line(self, line_id: str, **delivery_opts):
        with self._lock:
            known = first(lambda l: l.id == line_id, self._lines)
            if known is not None:
                self._lines.remove(known)
        self.emit(SocketEvents.NEW_DATA, {'type': 'remove_line', 'id': line_id},
                  **delivery_opts)

    # -- the colour grid and panel --------------------------------------------

    @property
    def get_grid(self) -> List[List[CssColorType]]:
        """A copy of the grid last sent (always two-dimensional)."""
        return deepcopy(self._grid_2d())

    def _grid_2d(self):
        grid = self._grid
        if len(grid) > 0 and type(grid[0]) != str and hasattr(grid[0], '__getitem__'):
            return grid
        return [grid]

    def get_grid_at(self, row: Optional[int] = None, column: Optional[int] = None,
                    cell_number: Optional[int] = None) -> Optional[CssColorType]:
        """The colour of a cell (by row and column, or its number from 1 at
        the top left); None outside the grid."""
        grid = self._grid_2d()
        if cell_number is not None:
            row = (cell_number - 1) // len(grid[0])
            column = (cell_number - 1) % len(grid[0])
        elif row is None or column is None:
            return None
        if len(grid) <= row or len(grid[row]) <= column:
            return None
        return grid[row][column]

    def update_cell(self, row: Optional[int] = None, column: Optional[int] = None,
                    color: Optional[CssColorType] = None, cell_number: Optional[int] = None,
                    base_color: Optional[BaseColor] = None, **delivery_opts):
        self.update_grid(row=row, column=column, color=color, cell_number=cell_number,
                         base_color=base_color, **delivery_opts)

    def set_grid_at(self, row: Optional[int] = None, column: Optional[int] = None,
                    color: Optional[CssColorType] = None, cell_number: Optional[int] = None,
                    base_color: Optional[BaseColor] = None, **delivery_opts):
        self.update_grid(row=row, column=column, color=color, cell_number=cell_number,
                         base_color=base_color, **delivery_opts)

    def update_grid(self, row: Optional[int] = None, column: Optional[int] = None,
                    color: Optional[CssColorType] = None, cell_number: Optional[int] = None,
                    base_color: Optional[BaseColor] = None, enumerate: bool = None,
                    **delivery_opts):
        """Sets one cell (row/column or cell_number), and/or the base colour
        or the numbering of the grid."""
        message = {'type': 'grid_update', 'row': row, 'column': column, 'number': cell_number,
                   'color': color, 'base_color': base_color, 'enumerate': enumerate,
                   'time_stamp': self.current_time_stamp}
        self._set_local_cell(row=row, column=column, color=color, cell_number=cell_number)
        self.emit(SocketEvents.NEW_DATA, without_none(message), **delivery_opts)

    def set_image(self, image: Union[List[str], str], base_color: BaseColor = None,
                  enumerate: bool = None, **delivery_opts):
        """Draws lines of digits 0-9 (brightness of base_color) on the grid."""
        return self.set_grid(image, base_color=base_color, enumerate=enumerate, **delivery_opts)

    def reset_grid(self, **delivery_opts):
        self.set_grid([['white']], **delivery_opts)

    def setup_grid(self, rows: int, columns: int, color: Optional[CssColorType] = None,
                   enumerate: Optional[bool] = None, base_color: Optional[BaseColor] = None,
                   **delivery_opts):
        """A rows x columns grid of one colour (0 by default, on white)."""
        fill = color if color is not None else 0
        grid = [[fill for _ in range(columns)] for _ in range(rows)]
        if base_color is None:
            base_color = 'white'
        self.set_grid(grid, enumerate=enumerate, base_color=base_color, **delivery_opts)

    def _set_local_cell(self, row=None, column=None, color=None, cell_number=None):
        """Keeps the local copy of the grid in step with a cell update,
        growing it as the browser would."""
        if row is None and cell_number is None:
            return
        grid = self.get_grid
        if len(grid) == 0:
            grid = [[]]
        columns = len(grid[0]) if grid[0] is not None else 0
        if cell_number is not None:
            index = cell_number - 1
            row, column = divmod(index, columns if columns else 1)
        if column is None:
            return
        while len(grid[0]) <= column:
            for cells in grid:
                cells.append(0)
        while len(grid) <= row:
            grid.append(list(repeat(0, len(grid[0]))))
        grid[row][column] = color
        self._grid = grid

    def _set_local_grid(self, grid: ColorGrid):
        raw = deepcopy(grid)
        if isinstance(raw, str):
            raw = lines_to_grid(image_to_lines(raw))
        if isinstance(raw, int):
            raw = [[raw]]
        if len(raw) < 1:
            return
        if isinstance(raw[0], str):
            raw = lines_to_grid(cast(List[str], raw))
        self._grid = list(raw)

    def set_grid(self, grid: ColorGrid, base_color: BaseColor = None, enumerate: bool = None,
                 **delivery_opts):
        """Shows a grid: rows of colours (CSS strings, (r, g, b[, a]), or 0-9
        as brightness of base_color), a list of digit strings, or one string
        of digit lines."""
        if callable(getattr(grid, 'tolist', None)):
            grid = cast(Any, grid).tolist()
        self._set_local_grid(grid)
        message = {'type': 'grid', 'grid': grid, 'base_color': base_color,
                   'enumerate': enumerate, 'time_stamp': self.current_time_stamp}
        self.emit(SocketEvents.NEW_DATA, without_none(message), **delivery_opts)

    def set_color(self, color: CssColorType, **delivery_opts):
        """Sets the colour panel's background (any CSS colour, (r, g, b), 0-9)."""
        self.emit(SocketEvents.NEW_DATA, {'type': 'color', 'color': to_css_color(color)},
                  **delivery_opts)

    # -- devices and rooms (one device here) -----------------------------------

    def set_device_nr(self, new_device_nr: int, device_id: str = None,
                      current_device_nr: int = None, max_wait: float = 5) -> bool:
        """Renumbers this script's device; always succeeds here."""
        self._script_device['device_nr'] = new_device_nr
        return True

    def join_room(self, device_id: str):
        """Rooms of other devices: there are none here."""

    def leave_room(self, device_id: str):
        """Rooms of other devices: there are none here."""

    # -- time ----------------------------------------------------------------

    def sleep(self, seconds: float = 0) -> None:
        """Waits; callbacks go on running meanwhile."""
        with _runtime.dispatcher.blocking():
            _time.sleep(seconds)

    def _data_frame(self, job: Optional[ThreadJob]) -> DataFrame:
        own = self._device_id
        return DataFrame({
            'key': self.latest_key(device_id=own) or default('key'),
            'acceleration': self.latest_acceleration(device_id=own) or default('acceleration'),
            'gyro': self.latest_gyro(device_id=own) or default('gyro'),
            'color_pointer': self.latest_color_pointer(device_id=own) or default('color_pointer'),
            'grid_pointer': self.latest_grid_pointer(device_id=own) or default('grid_pointer'),
            'job': job,
        })

    def _distribute_dataframe(self, to=None, job: Optional[ThreadJob] = None):
        """Calls a subscriber with (), (frame) or (frame, connector)."""
        callback = to if to is not None else self._subscriber
        if callback is None:
            return None
        count = _arity(callback)
        if count == 0:
            return callback()
        if count == 1:
            return callback(self._data_frame(job))
        if count == 2:
            return callback(self._data_frame(job), self)
        return None

    def animate(self, callback: SubscriptionCallbackSignature = None, interval: float = 0.05,
                iteration_count: int = float('inf')) -> Union[ThreadJob, CancleSubscription]:
        return self.subscribe_async(callback=callback, interval=interval,
                                    iteration_count=iteration_count)

    def subscribe_async(self, callback: SubscriptionCallbackSignature = None,
                        interval: float = 0.05,
                        iteration_count: int = float('inf')) -> Union[ThreadJob, CancleSubscription]:
        """Calls callback every interval seconds on a thread of its own;
        returns the job (job.cancel() stops it)."""
        return self.subscribe(callback=callback, interval=interval, blocking=False,
                              iteration_count=iteration_count)

    def set_update_interval(self, interval: float):
        return self.subscribe(interval=interval, blocking=True)

    def set_timeout(self, callback: SubscriptionCallbackSignature = None, time: float = 0.05,
                    repeat: int = 1, blocking=False):
        """Calls callback after `time` seconds (`repeat` times)."""
        return self.subscribe(callback=callback, interval=time, iteration_count=repeat,
                              blocking=blocking)

    execute_in = set_timeout
    run_in = set_timeout
    schedule = set_timeout

    def subscribe(self, callback: SubscriptionCallbackSignature = None, interval: float = 0.05,
                  blocking: bool = True, iteration_count: int = float('inf')):
        """blocking=True: the calling thread calls callback every interval
        (and delivers the events that came meanwhile) until
        cancel_subscription(); blocking=False: as subscribe_async."""
        if not blocking:
            job = ThreadJob(lambda job: self._distribute_dataframe(to=callback, job=job),
                            interval, iterations=iteration_count)
            self._async_jobs.append(job)
            job.start()
            return job
        self._subscriber = callback
        self._blocked_mode = True
        self._subscription_job = CancleSubscription()
        running = self._subscription_job
        try:
            while running.is_running:
                started = time_s()
                self._distribute_dataframe()
                with self._lock:
                    waiting = self._blocked_msgs
                    self._blocked_msgs = []
                for message in waiting:
                    self._distribute(message)
                spent = time_s() - started
                if spent < interval:
                    self.sleep(interval - spent)
        finally:
            self._blocked_mode = False
        return None

    def cancel_subscription(self):
        if self._subscription_job is not None:
            self._subscription_job.cancel()
            self._subscription_job = None

    def cancel_async_subscriptions(self):
        for job in self._async_jobs:
            job.cancel()
        self._async_jobs.clear()

    stop_all_animations = cancel_async_subscriptions

    def report(self, value: Union[int, str] = None,
               report_type: Literal['report_score'] = 'report_score',
               to: str = '__GAME_RUNNER__'):
        """Reports a score; a lower number than the best reported is ignored."""
        if report_type in self._reportings:
            previous = self._reportings[report_type]
            if type(value) in (int, float) and type(previous) in (int, float):
                if value < previous:
                    return
        self._reportings[report_type] = value
        self.send({'type': report_type, 'score': value, 'deliver_to': to})

    def wait(self):
        """In the main script: the game goes on while callbacks or jobs can
        still run, then ends. Elsewhere: this thread waits for the end."""
        if threading.current_thread() is _runtime.main_thread:
            _runtime.run_until_idle()
        else:
            _runtime.park_forever()

    def disconnect(self):
        """Ends the game: sounds stop, jobs stop, the controller is told."""
        if not self.sio.connected:
            return
        self.stop_sound()
        self.cancel_async_subscriptions()
        self.cancel_subscription()
        self.sio.connected = False
        _runtime.finish('end', None, 0)

    # -- receiving -----------------------------------------------------------

    def _receive(self, event: dict, echo: bool = False):
        """Takes one message from the browser (or an echo of our own): the
        data history and answers to prompts at once, callbacks queued."""
        data = DictX(event)
        if not echo:
            self._fill_in(data)
        if not isinstance(data.get('device_id'), str) or 'type' not in data:
            return
        if data['type'] == 'auto_movement_pos' and not self._first_movement_report(data):
            return
        self._record(data)
        if data['type'] == 'input_response':
            self._prompts.answer(data, self._exact_stamp(event))
        elif data['type'] == 'alert_confirm':
            self._alerts.answer(data, self._exact_stamp(event))
        _runtime.dispatcher.submit(lambda: self._dispatch(data))

    def _fill_in(self, data: DictX):
        """What the browser added to every message it sent."""
        if not isinstance(data.get('device_id'), str):
            data['device_id'] = self._device_id
        stamp = data.get('time_stamp')
        if not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
            data['time_stamp'] = time_s()
        nr = data.get('device_nr')
        if not isinstance(nr, int) or isinstance(nr, bool):
            data['device_nr'] = BROWSER_DEVICE_NR

    @staticmethod
    def _exact_stamp(event: dict) -> Optional[float]:
        """The time_stamp the controller gave (not filled in), if any."""
        stamp = event.get('time_stamp')
        if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
            return stamp
        return None

    def _first_movement_report(self, data: DictX) -> bool:
        """The original server passed on each movement's position once, and
        never that of the implicit 'init' movement."""
        movement_id = data.get('movement_id')
        if movement_id == 'init':
            return False
        if movement_id is None:
            return True
        with self._lock:
            seen = self._movements_seen.setdefault(data['id'], set())
            if movement_id in seen:
                return False
            seen.add(movement_id)
        return True

    def _record(self, data: DictX):
        with self._lock:
            device, kind = data['device_id'], data['type']
            by_type = self.data.get(device)
            if by_type is None:
                by_type = self.data[device] = DictX({})
            messages = by_type.get(kind)
            if messages is None:
                messages = by_type[kind] = []
            if not self._recording and len(messages) >= data_threshold(kind):
                messages.pop(0)
            messages.append(data)
            self._update_frames(data)

    def _update_frames(self, data: DictX):
        device, kind = data['device_id'], data['type']
        frame = self._current_frames.get(device)
        if frame is None:
            frame = self._current_frames[device] = default_data_frame()
        self._latest[kind] = data
        if kind in ('key', 'acceleration', 'gyro'):
            frame[kind] = data
        elif kind == 'pointer':
            context_key = f"{data.get('context')}_pointer"
            frame[context_key] = data
            self._latest[context_key] = data

    def _dispatch(self, data: DictX):
        if self._blocked_mode:  # a blocking subscribe() delivers it
            with self._lock:
                self._blocked_msgs.append(data)
            return
        self._distribute(data)

    def _enrich_with_sprite(self, data: DictX, sprite_id) -> Optional[DictX]:
        """Adds a copy of the local sprite as data.sprite and data.object."""
        sprite = self.get_sprite(sprite_id)
        if sprite is not None:
            copy = deepcopy(sprite)
            data.update({'sprite': copy, 'object': copy})
        return sprite

    def _enrich_collision(self, data: DictX):
        """Replaces the two reported sprites by copies of the local ones (at
        the reported positions), the collision-detecting one first."""
        raw = [DictX(s) for s in data['sprites']]
        known = [self.get_sprite(s.get('id')) for s in raw]
        if known[0] is not None and 'collision_detection' in known[0] \
                and not known[0]['collision_detection']:
            raw.reverse()
            known.reverse()
        sprites = []
        for reported, local in zip(raw, known):
            if local is None:
                sprites.append(reported)
                continue
            copy = deepcopy(local)
            for field in ('pos_x', 'pos_y'):
                if field in reported:
                    copy[field] = reported[field]
            sprites.append(copy)
        data['sprites'] = sprites
        data['objects'] = sprites

    def _distribute(self, data: DictX):
        """Calls the callbacks for one message, as the original did."""
        kind = data.get('type')
        if kind in ('acceleration', 'gyro'):
            self._callback('on_sensor', data)
        if kind == 'key':
            self._callback('on_key', data)
            if data['key'] in _F_KEYS:
                self._callback(_F_KEYS[data['key']], data)
        elif kind == 'acceleration':
            self._callback('on_acceleration', data)
        elif kind == 'gyro':
            self._callback('on_gyro', data)
        elif kind == 'pointer':
            self._callback('on_pointer', data)
        elif kind == 'sprite_out':
            self._enrich_with_sprite(data, data.get('id'))
            self._callback('on_sprite_out', data)
        elif kind == 'sprite_removed':
            sprite = self._enrich_with_sprite(data, data.get('id'))
            if sprite is not None:
                with self._lock:
                    if sprite in self._sprites:
                        self._sprites.remove(sprite)
            self._callback('on_sprite_removed', data)
        elif kind == 'auto_movement_pos':
            sprite = self.get_sprite(data.get('id'))
            if sprite is not None:
                sprite['pos_x'] = data['x']
                sprite['pos_y'] = data['y']
                self._enrich_with_sprite(data, data.get('id'))
            self._callback('on_auto_movement_pos', data)
        elif kind == 'sprite_collision':
            self._enrich_collision(data)
            self._callback('on_sprite_collision', data)
            if data.get('overlap') == 'in':
                self._callback('on_overlap_in', data)
            elif data.get('overlap') == 'out':
                self._callback('on_overlap_out', data)
        elif kind == 'border_overlap':
            self._enrich_with_sprite(data, data.get('id'))
            self._callback('on_border_overlap', data)
        elif kind == 'sprite_clicked':
            data['object'] = data['sprite'] if 'sprite' in data else None
            self._callback('on_sprite_clicked', data)
        elif kind == 'playground_config' and isinstance(data.get('config'), dict):
            with self._lock:
                self._playground_config = deepcopy(DEFAULT_PLAYGROUND_CONFIG)
                self._playground_config.update(data['config'])
        if data.get('broadcast'):
            self._callback('on_broadcast_data', data)
        self._callback('on_data', data)


# ---------------------------------------------------------------------------
# Callback signatures (annotations only)
# ---------------------------------------------------------------------------

OnKeySignature = Union[Callable[[], None], Callable[[KeyMsg], None],
                       Callable[[KeyMsg, Connector], None]]
OnF1Signature = OnF2Signature = OnF3Signature = OnF4Signature = OnKeySignature
OnPointerSignature = Union[Callable[[Union[ColorPointer, GridPointer]], None],
                           Callable[[Union[ColorPointer, GridPointer], Connector], None]]
OnAccelerationSignature = Union[Callable[[AccMsg], None], Callable[[AccMsg, Connector], None]]
OnGyroSignature = Union[Callable[[GyroMsg], None], Callable[[GyroMsg, Connector], None]]
OnSensorSignature = Union[Callable[[Union[GyroMsg, AccMsg]], None],
                          Callable[[Union[GyroMsg, AccMsg], Connector], None]]
OnDataSignature = Union[Callable[[DataMsg], None], Callable[[DataMsg, Connector], None]]
OnBroadcastDataSignature = OnDataSignature
OnAll_dataSignature = Union[Callable[[List[DataMsg]], None],
                            Callable[[List[DataMsg], Connector], None]]
OnDeviceSignature = Union[Callable[[Device], None], Callable[[Device, Connector], None]]
OnClientDeviceSignature = OnDeviceSignature
OnDevicesSignature = Union[Callable[[List[Device]], None], Callable[[List[Device], Connector], None]]
OnErrorSignature = Union[Callable[[ErrorMsg], None], Callable[[ErrorMsg, Connector], None]]
OnRoomJoinedSignature = Union[Callable[[DeviceJoinedMsg], None],
                              Callable[[DeviceJoinedMsg, Connector], None]]
OnRoomLeftSignature = Union[Callable[[DeviceLeftMsg], None],
                            Callable[[DeviceLeftMsg, Connector], None]]
OnSpriteOutSignature = Union[Callable[[SpriteOutMsg], None],
                             Callable[[SpriteOutMsg, Connector], None]]
OnSpriteRemovedSignature = Union[Callable[[SpriteRemovedMsg], None],
                                 Callable[[SpriteRemovedMsg, Connector], None]]
OnSpriteCollisionSignature = Union[Callable[[SpriteCollisionMsg], None],
                                   Callable[[SpriteCollisionMsg, Connector], None]]
OnOverlapInSignature = OnOverlapOutSignature = OnSpriteCollisionSignature
OnBorderOverlapSignature = Union[Callable[[BorderOverlapMsg], None],
                                 Callable[[BorderOverlapMsg, Connector], None]]
OnSpriteClickedSignature = Union[Callable[[SpriteClickedMsg], None],
                                 Callable[[SpriteClickedMsg, Connector], None]]
OnAutoMovementPosSignature = Union[Callable[[AutoMovementPosMsg], None],
                                   Callable[[AutoMovementPosMsg, Connector], None]]
SubscriptionCallbackSignature = Union[Callable[[], None], Callable[[DataFrame], None],
                                      Callable[[DataFrame, Connector], None]]
OnTimerSignature = Union[Callable[[TimerMsg], None], Callable[[TimerMsg, Connector], None]]
Event = Literal['key', 'f1', 'f2', 'f3', 'f4', 'pointer', 'acceleration', 'gyro', 'sensor',
                'data', 'broadcast_data', 'all_data', 'device', 'client_device', 'devices',
                'error', 'room_joined', 'room_left', 'sprite_out', 'sprite_removed',
                'sprite_collision', 'overlap_in', 'overlap_out', 'border_overlap',
                'sprite_clicked', 'auto_movement_pos', 'timer']
EventAliases = Literal['acc', 'object_out', 'object_removed', 'object_collision', 'collision',
                       'object_clicked']
CallbackSignature = Union[
    OnKeySignature, OnPointerSignature, OnAccelerationSignature, OnGyroSignature,
    OnSensorSignature, OnDataSignature, OnAll_dataSignature, OnDeviceSignature,
    OnDevicesSignature, OnErrorSignature, OnRoomJoinedSignature, OnRoomLeftSignature,
    OnSpriteOutSignature, OnSpriteRemovedSignature, OnSpriteCollisionSignature,
    OnBorderOverlapSignature, OnSpriteClickedSignature, OnAutoMovementPosSignature]


# ---------------------------------------------------------------------------
# The original's submodules, as views of this module
# ---------------------------------------------------------------------------

def _submodule(name: str, names: str) -> _stdtypes.ModuleType:
    module = _stdtypes.ModuleType(f'{__name__}.{name}')
    here = globals()
    for attr in names.split():
        setattr(module, attr, here[attr])
    return module


_SUBMODULE_NAMES = {
    'colors': 'Colors Enum',
    'dictx': 'DictX',
    'helpers': 'Callable ClassConsts ClassProps CssColorType List Path RgbColor T TimeStampedMsg '
               'TypeVar Union datetime first flatten image_to_lines lines_to_grid random '
               'random_color time_ns time_s to_css_color to_datetime try_or without_none',
    'timings': 'Callable CancleSubscription ThreadJob signature threading time_ns',
    'types': 'A AbsoluteAutoMovement Acc AccMsg AlertConfirm AlertConfirmMsg AutoMovement '
             'AutoMovementPos AutoMovementPosMsg B BaseColor BaseMsg BorderOverlap '
             'BorderOverlapMsg ClientData ClientDataMsgInputType ClientMsg ColorGrid '
             'ColorPointer ColorPointerMsg CssColorType DataFrame DataMsg DataType '
             'DeliveryOptions Device DeviceJoinedMsg DeviceLeftMsg DevicesMsg DictX Enum '
             'ErrorMsg G Grid GridMsg GridPointer GridPointerMsg Gyro GyroMsg InformationMsg '
             'InputResponse InputResponseMsg InputType Key KeyMsg KeyMsgF1 KeyMsgF2 KeyMsgF3 '
             'KeyMsgF4 Line LineMsg List Literal Notification Number ObjectClickedMsg '
             'ObjectCollisionMsg ObjectOutMsg ObjectRemovedMsg Optional PlaygroundConfig '
             'PlaygroundConfigMsg PointerData PointerDataMsg R RelativeAutoMovement RgbColor '
             'SocketEvents Sprite SpriteAutoMovement SpriteBase SpriteClicked SpriteClickedMsg '
             'SpriteCollision SpriteCollisionMsg SpriteForm SpriteMsg SpriteOut SpriteOutMsg '
             'SpriteRemoved SpriteRemovedMsg ThreadJob TimeStampedMsg TimerMsg Tuple Union '
             'Unknown UnknownMsg UpdateLine UpdateLineMsg UpdateSprite UpdateSpriteMsg '
             'annotations dataclass default default_data_frame overload',
}
_submodules = {name: _submodule(name, names) for name, names in _SUBMODULE_NAMES.items()}
_submodules['colors'].sample = random.sample
colors = _submodules['colors']
dictx = _submodules['dictx']
helpers = _submodules['helpers']
timings = _submodules['timings']
types = _submodules['types']
