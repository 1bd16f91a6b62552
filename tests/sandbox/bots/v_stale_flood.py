# Floods its reply pipe with stale replies (to call 1) while its call sleeps:
# the call must still time out, within its limits.
import os, threading, json
def flood():
    frame = json.dumps({"id": 1, "ok": "N"}).encode()
    frame = len(frame).to_bytes(4, "big") + frame
    while True:
        os.write(4, frame * 100)
class Main:
    def __init__(self):
        self.started = False
    def decide_tick(self, tick, me, enemy):
        if tick == 1 and not self.started:
            self.started = True
            threading.Thread(target=flood, daemon=True).start()
            import time; time.sleep(10)
        return 'N'
