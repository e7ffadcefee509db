"""The checkpoint checksum, written from its definition in nn.serialize's docstring.

Written apart from the library on purpose: a test that compares the two
checks that the format is what the docstring promises, so that any other
reader can verify a checkpoint without chainrule.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from typing import Any

QUIET_NAN = bytes.fromhex("000000000000f87f")  # 0x7ff8000000000000, little-endian
NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def checksum_of(document: dict[str, Any]) -> str:
    """The "checksum" a checkpoint document should carry."""
    state = document["state_dict"]
    text = json.dumps([document["model"], list(state)], sort_keys=True, separators=(",", ":"))
    data = bytearray(text.encode("ascii") + b"\n")
    for entry in state.values():
        x = NON_FINITE[entry] if isinstance(entry, str) else float(entry)
        data += QUIET_NAN if math.isnan(x) else struct.pack("<d", x)
    return "sha256:" + hashlib.sha256(bytes(data)).hexdigest()
