"""sleep, set_timeout, subscribe_async / animate jobs, blocking subscribe,
report (keeps the highest), and the callback pool's hand-over."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import RigTest  # noqa: E402


class Timing(RigTest):

    def test_sleep(self):
        started = time.monotonic()
        self.device.sleep(0.2)
        self.assertGreaterEqual(time.monotonic() - started, 0.19)

    def test_set_timeout_calls_once_after_the_time(self):
        calls = []
        started = time.monotonic()
        job = self.device.set_timeout(lambda: calls.append(time.monotonic() - started), time=0.2)
        self.assertIsInstance(job, self.shim.ThreadJob)
        self.wait_until(lambda: calls)
        self.assertGreaterEqual(calls[0], 0.19)
        job.join(1)
        self.assertEqual(len(calls), 1)
        self.assertFalse(job.is_alive())
        self.assertFalse(job.is_running)

    def test_set_timeout_repeat_and_aliases(self):
        calls = []
        for alias in (self.device.set_timeout, self.device.execute_in, self.device.run_in,
                      self.device.schedule):
            alias(lambda: calls.append(1), time=0.02, repeat=3).join(2)
        self.assertEqual(len(calls), 12)

    def test_job_callbacks_get_a_data_frame_and_the_connector(self):
        frames = []
        self.rig.send({'type': 'key', 'key': 'up'})
        self.wait_until(lambda: self.device.key.key == 'up')
        job = self.device.set_timeout(lambda frame, connector: frames.append((frame, connector)),
                                      time=0.01)
        job.join(2)
        frame, connector = frames[0]
        self.assertIs(connector, self.device)
        self.assertIsInstance(frame, self.shim.DataFrame)
        self.assertEqual(frame.key.key, 'up')
        self.assertEqual(frame.acceleration.x, 0)   # the placeholder
        self.assertIs(frame.job, job)

    def test_subscribe_async_runs_until_cancelled(self):
        calls = []
        job = self.device.subscribe_async(lambda frame: calls.append(frame.job.iteration), 0.02)
        self.wait_until(lambda: len(calls) >= 3)
        self.assertTrue(job.is_running)
        job.cancel()
        job.join(1)
        self.assertFalse(job.is_alive())
        count = len(calls)
        time.sleep(0.1)
        self.assertEqual(len(calls), count)
        self.assertEqual(calls[:3], [2, 3, 4])   # the original counts from 1, then increments
        self.assertGreater(job.time_s, 0)
        self.assertRegex(job.id, r'^job_\d+$')

    def test_animate_and_stop_all(self):
        calls = []
        jobs = [self.device.animate(lambda: calls.append(1), interval=0.02),
                self.device.animate(lambda: calls.append(2), interval=0.02)]
        self.wait_until(lambda: 1 in calls and 2 in calls)
        self.device.stop_all_animations()
        for job in jobs:
            job.join(1)
            self.assertFalse(job.is_alive())

    def test_an_exception_stops_only_its_job(self):
        calls = []

        def broken():
            raise RuntimeError('job failed')

        bad = self.device.subscribe_async(broken, 0.02)
        good = self.device.subscribe_async(lambda: calls.append(1), 0.02)
        bad.join(1)
        self.assertFalse(bad.is_alive())
        self.wait_until(lambda: len(calls) >= 5)
        good.cancel()
        self.assertIn('RuntimeError: job failed', self.rig.stderr())
        self.assertEqual(self.rig.exits, [])

    def test_thread_job_used_directly(self):
        calls = []
        job = self.shim.ThreadJob(lambda j: calls.append(j), 0.01, iterations=2)
        job.start()
        job.join(1)
        self.assertEqual(calls, [job, job])
        self.assertEqual(job.iteration, 3)

    def test_blocking_subscribe_delivers_events_on_its_own_thread(self):
        keys, threads = [], []

        def on_key(data):
            keys.append(data.key)
            threads.append(threading.current_thread())
            if data.key == 'stop':
                self.device.cancel_subscription()

        self.device.on_key = on_key
        ticks = []
        subscriber = threading.Thread(
            target=self.device.subscribe, args=(lambda: ticks.append(1), 0.02), daemon=True)
        subscriber.start()
        self.wait_until(lambda: len(ticks) >= 2)
        self.rig.send({'type': 'key', 'key': 'a'})
        self.rig.send({'type': 'key', 'key': 'stop'})
        subscriber.join(2)
        self.assertFalse(subscriber.is_alive())
        self.assertEqual(keys, ['a', 'stop'])
        self.assertEqual(set(threads), {subscriber})
        self.rig.send({'type': 'key', 'key': 'after'})   # back to the callback pool
        self.wait_until(lambda: keys[-1] == 'after')
        self.assertIsNot(threads[-1], subscriber)

    def test_cancle_subscription(self):
        flag = self.shim.CancleSubscription()
        self.assertTrue(flag.is_running)
        flag.cancel()
        self.assertFalse(flag.is_running)


class Report(RigTest):

    def scores(self):
        return [m['score'] for m in self.rig.drain() if m['type'] == 'report_score']

    def test_report_keeps_the_highest(self):
        for value in (5, 3, 5, 7, 6):
            self.device.report(value)
        self.assertEqual(self.scores(), [5, 5, 7])

    def test_non_numbers_are_always_sent_as_in_the_original(self):
        for value in (5, 'ten', 1, 0.5):
            self.device.report(value)
        self.assertEqual(self.scores(), [5, 'ten', 1])

    def test_other_report_types_are_kept_apart(self):
        self.device.report(5)
        self.device.report(1, report_type='lives')
        messages = self.rig.drain()
        self.assertEqual([(m['type'], m['score']) for m in messages],
                         [('report_score', 5), ('lives', 1)])


class Pool(RigTest):

    def test_a_slow_callback_hands_the_next_events_over(self):
        events = []

        def on_key(data):
            events.append(('start', data.key))
            if data.key == 'slow':
                time.sleep(0.6)
            events.append(('end', data.key))

        self.device.on_key = on_key
        self.rig.send({'type': 'key', 'key': 'slow'})
        self.wait_until(lambda: events)
        time.sleep(0.15)   # the slow callback now counts as slow
        self.rig.send({'type': 'key', 'key': 'quick'})
        self.wait_until(lambda: ('end', 'quick') in events, timeout=0.4,
                        what='the quick key during the slow callback')
        self.wait_until(lambda: ('end', 'slow') in events)

    def test_at_most_eight_callbacks_wait_at_once(self):
        self.device.on_key = lambda data: self.device.input(data.key)
        for index in range(10):
            self.rig.send({'type': 'key', 'key': str(index)})
        prompts = [self.rig.take('input_prompt')['question'] for _ in range(8)]
        self.assertEqual(prompts, [str(i) for i in range(8)])
        self.assertEqual([m for m in self.rig.drain(0.3) if m['type'] == 'input_prompt'], [])
        self.rig.send({'type': 'input_response', 'response': 'x'})
        self.assertEqual(self.rig.take('input_prompt')['question'], '8')
        for _ in range(9):
            self.rig.send({'type': 'input_response', 'response': 'x'})
        self.assertEqual(self.rig.take('input_prompt')['question'], '9')
        self.wait_until(lambda: self.rig.runtime.dispatcher.in_flight() == 0)


if __name__ == '__main__':
    import unittest
    unittest.main()
