# A bot that raises at import inside the standard library, called from
# its line 4: the crash names that line, not the library's.
import json
PLAN = json.loads("not json")


class Main:
    def decide_tick(self, tick, me, enemy):
        return "N"
