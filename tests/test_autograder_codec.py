"""The wire format between the sandbox child and the grader: plain data only, validated."""
import json
import struct

import numpy as np
import pytest

from nncourse.autograder.driver import Missing, Opaque, pack, unpack


def test_round_trip_keeps_types_and_values():
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": (1, 2.5, None, "x"), "c": [True, np.float64(1.5)],
             "d": float("nan"), "e": Missing(), "f": object()}
    back = unpack(pack(value))
    assert back["a"].dtype == np.float32 and back["a"].shape == (2, 3) and back["a"][1, 2] == 5
    assert back["b"] == (1, 2.5, None, "x")
    assert back["c"][0] is True and isinstance(back["c"][1], np.float64)
    assert np.isnan(back["d"]) and isinstance(back["e"], Missing) and isinstance(back["f"], Opaque)


def _forge(header: dict, body: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


@pytest.mark.parametrize("message,words", [
    (_forge({"tree": {"__nd__": 0}, "arrays": [["|O", [1], 0, 8]]}, b"\0" * 8), "refused dtype"),
    (_forge({"tree": {"__nd__": 0}, "arrays": [["<f8", [4], 0, 32]]}, b"\0" * 8), "outside the message"),
    (_forge({"tree": {"__nd__": 0}, "arrays": [["<f8", [4], 0, 16]]}, b"\0" * 32), "does not match"),
    (b"\xff" * 8 + b"{}", "truncated header"),
    (_forge({"tree": {"__evil__": 1}, "arrays": []}), "unknown encoded value"),
])
def test_forged_messages_are_refused(message, words):
    with pytest.raises(ValueError, match=words):
        unpack(message)
