#!/usr/bin/env python3
"""The harness for bash scripts: `python3 scripts/harness/cli.py COMMAND`.

    free-port           prints a loopback TCP port nobody listens on
    json EXPRESSION     reads JSON on stdin and prints `document EXPRESSION`, e.g. `['pass']['maxUses']`
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness import server  # noqa: E402 - after the path is set


def main(arguments):
    if arguments == ["free-port"]:
        print(server.free_port())
        return 0
    if len(arguments) == 2 and arguments[0] == "json":
        # The expression is the calling script's own text (a subscript or a method call), never input.
        print(eval("document" + arguments[1], {"document": json.load(sys.stdin)}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
