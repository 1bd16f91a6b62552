# Prints the CPUs it may run on, once (test_sandbox.py, Pinning): cf-fight
# keeps a fight on the CPU it starts on unless --no-pin.
import json
import os

print("CPUS " + json.dumps(sorted(os.sched_getaffinity(0))))


class Main:
    def decide_tick(self, tick, me, enemy):
        return "N"
