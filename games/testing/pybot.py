"""Runs one bot for test_templates: a stand-in for the sandbox's harness.

Reads one JSON request a line on stdin, {"method": name, "args": [...]},
calls it on the bot's single Main() instance and answers one line:
{"ok": value} or {"raise": "text"}. Not a sandbox: only for our own
starter bots.
"""
import importlib.util
import json
import sys


def main():
    spec = importlib.util.spec_from_file_location("bot", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    instance = module.Main()
    instance.context = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            value = getattr(instance, request["method"])(*request["args"])
            answer = {"ok": value}
        except Exception as e:  # the call's failure, as the harness reports it
            answer = {"raise": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


main()
