"""input / prompt / select / alert block until the browser answers; an
input_response answers the OLDEST open prompt unless its time_stamp names
one exactly; answers that come early wait for the next prompt."""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import RigTest  # noqa: E402


class Asking:
    """Runs a blocking call on a thread and keeps its result."""

    def __init__(self, call, *args, **kwargs):
        self.result = None
        self.thread = threading.Thread(target=self._run, args=(call, args, kwargs), daemon=True)
        self.thread.start()

    def _run(self, call, args, kwargs):
        self.result = call(*args, **kwargs)

    def blocked(self, seconds=0.15) -> bool:
        self.thread.join(seconds)
        return self.thread.is_alive()

    def answer(self, seconds=2.0):
        self.thread.join(seconds)
        if self.thread.is_alive():
            raise AssertionError('still blocked')
        return self.result


class Prompts(RigTest):

    def test_input_blocks_until_the_response(self):
        asking = Asking(self.device.input, 'Name?')
        prompt = self.rig.take('input_prompt')
        self.assertEqual(prompt['question'], 'Name?')
        self.assertTrue(asking.blocked())
        self.rig.send({'type': 'input_response', 'response': 'Ada'})
        self.assertEqual(asking.answer(), 'Ada')

    def test_cancelled_prompt_returns_none(self):
        asking = Asking(self.device.prompt, 'Age?', input_type='number')
        self.assertEqual(self.rig.take('input_prompt')['input_type'], 'number')
        self.rig.send({'type': 'input_response'})
        self.assertIsNone(asking.answer())

    def test_response_values_pass_unchanged(self):
        asking = Asking(self.device.input, 'n?')
        self.rig.take('input_prompt')
        self.rig.send({'type': 'input_response', 'response': 42})
        self.assertEqual(asking.answer(), 42)

    def test_oldest_open_prompt_is_answered_first(self):
        first = Asking(self.device.input, 'first?')
        self.rig.take('input_prompt')
        second = Asking(self.device.input, 'second?')
        self.rig.take('input_prompt')
        self.rig.send({'type': 'input_response', 'response': 'A'})
        self.assertEqual(first.answer(), 'A')
        self.assertTrue(second.blocked())
        self.rig.send({'type': 'input_response', 'response': 'B'})
        self.assertEqual(second.answer(), 'B')

    def test_exact_time_stamp_picks_its_prompt(self):
        first = Asking(self.device.input, 'first?')
        self.rig.take('input_prompt')
        second = Asking(self.device.input, 'second?')
        stamp = self.rig.take('input_prompt')['time_stamp']
        self.rig.send({'type': 'input_response', 'response': 'B', 'time_stamp': stamp})
        self.assertEqual(second.answer(), 'B')
        self.assertTrue(first.blocked())
        self.rig.send({'type': 'input_response', 'response': 'A', 'time_stamp': 12.5})
        self.assertEqual(first.answer(), 'A')

    def test_an_early_answer_waits_for_the_next_prompt(self):
        self.rig.send({'type': 'input_response', 'response': 'early'})
        self.rig.settle(0.1)
        self.assertEqual(self.device.input('late?'), 'early')

    def test_select_and_options_with_tolist(self):
        class Array:
            def tolist(self):
                return ['a', 'b']

        asking = Asking(self.device.select, 'Pick', Array())
        prompt = self.rig.take('input_prompt')
        self.assertEqual((prompt['input_type'], prompt['options']), ('select', ['a', 'b']))
        self.rig.send({'type': 'input_response', 'response': 'b'})
        self.assertEqual(asking.answer(), 'b')

    def test_the_response_reaches_the_data_history(self):
        asking = Asking(self.device.input, '?')
        self.rig.take('input_prompt')
        self.rig.send({'type': 'input_response', 'response': 'x'})
        asking.answer()
        self.assertEqual(self.device.all_data('input_response')[0].response, 'x')


class Alerts(RigTest):

    def test_alert_blocks_until_confirmed(self):
        asking = Asking(self.device.alert, 'Careful!')
        message = self.rig.take('notification')
        self.assertEqual((message['message'], message['alert']), ('Careful!', True))
        self.assertTrue(asking.blocked())
        self.rig.send({'type': 'alert_confirm'})
        asking.answer()

    def test_notify_with_alert_and_oldest_first(self):
        first = Asking(self.device.notify, 'one', alert=True)
        self.rig.take('notification')
        second = Asking(self.device.print, 'two', alert=True)
        self.rig.take('notification')
        self.rig.send({'type': 'alert_confirm', 'displayed_at': 1})
        first.answer()
        self.assertTrue(second.blocked())
        self.rig.send({'type': 'alert_confirm'})
        second.answer()

    def test_a_plain_notification_does_not_block(self):
        self.device.notify('hi', display_time=1)   # returns at once
        self.assertFalse(self.rig.take('notification')['alert'])

    def test_an_early_confirmation_waits_for_the_next_alert(self):
        self.rig.send({'type': 'alert_confirm'})
        self.rig.settle(0.1)
        self.device.alert('late')


if __name__ == '__main__':
    import unittest
    unittest.main()
