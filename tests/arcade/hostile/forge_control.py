# Controller: it must trust nothing on fd 4 — a display message of type "end" (the play's end is the controller's) is dropped, after a forged {"cf":"end"} nothing more counts, forged scores are only what report() may send, junk and over-long lines (>8 MiB) are bad_output.
import os

from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
device.report(10)
os.write(4, b'{"type":"report_score","score":1e308}\n')      # a forged score
os.write(4, b'{"type":"end","status":"failed"}\n')            # a forged end object: dropped
os.write(4, b'{"cf":"end"}\n')                                 # a forged end...
device.add_text('still here after my own "end"', id='t')     # ...followed by more output
os.write(4, b'{"cf":"crash","detail":"' + b'A' * 100000 + b'"}\n')
os.write(4, b'\xff\xfe not json at all\n')
os.write(4, b'{"type":"sprite","sprite":{"text":"' + b'B' * (9 << 20) + b'"}}\n')
os.close(3)                                                     # stop listening to the controller
while True:
    os.write(4, b'{"type":"color","color":"red"}\n')
