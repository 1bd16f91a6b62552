# Sandbox: the memory limit must stop it — {"cf":"memory"} (MemoryError) or a kill by the memory cgroup, verdict memory, the host unaffected.
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
device.add_text('allocating...', id='status')
hoard = []
while True:
    hoard.append(bytearray(16 << 20))
    hoard[-1][::4096] = b'x' * len(hoard[-1][::4096])   # touch every page
