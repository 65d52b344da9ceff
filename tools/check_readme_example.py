#!/usr/bin/env python3
"""Exit 1 unless the first C++ block of README.md is examples/readme/main.cpp (whose
first line, a comment, is left out), so that the README's example is code that builds."""

import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = (root / "README.md").read_text(encoding="utf-8")
block = re.search(r"```cpp\n(.*?)```", readme, re.S)
example = (root / "examples" / "readme" / "main.cpp").read_text(encoding="utf-8")
example_code = example.split("\n", 1)[1]
if block is None or block.group(1) != example_code:
    print("README.md's example differs from examples/readme/main.cpp; make them the same",
          file=sys.stderr)
    sys.exit(1)
print("README.md's example is examples/readme/main.cpp")
