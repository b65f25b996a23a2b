"""Drive the student's objects: construct, call, collect what came back.

This is the ONLY grader code that touches student objects. It knows no expected values and imports
neither ``reference`` nor the rest of ``autograder`` (the sandbox child loads this file by path),
so it can run inside the student's kernel (nbgrader mode) or in the sandboxed child.

It also holds the wire codec: values travel as JSON plus raw little-endian numeric buffers (never
pickle), so whatever the child sends back is inert data for the parent.
"""
from __future__ import annotations

import json
import math
import struct
import traceback

import numpy as np

#: What the parent accepts from the child, per message: far above the largest honest answer (three
#: bike-sharing frames, about 25 MB of arrays and 1 MB of JSON), far below the machine's memory.
MAX_MESSAGE = 96 * 1024 * 1024  # bytes in all
MAX_HEADER = 4 * 1024 * 1024    # bytes of JSON (its Python objects take up to ~40x as much)
MAX_ARRAYS = 10_000             # numeric buffers in one message
MAX_ITEMS = 1_000_000  # list/dict entries encoded per container
MAX_DEPTH = 12
_NUMERIC_KINDS = "biuf"


# ---------------------------------------------------------------------------------- codec

def _encode(value, arrays: list, depth: int = 0):
    if depth > MAX_DEPTH:
        return {"__obj__": "nested too deeply", "repr": ""}
    if isinstance(value, Missing):
        return {"__missing__": True}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind in _NUMERIC_KINDS:
            return {"__np__": _encode(value.item(), arrays, depth + 1), "dtype": value.dtype.str}
        return {"__obj__": type(value).__name__, "repr": repr(value)[:200]}
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) < 2 ** 53 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(float(value))}
    if isinstance(value, np.ndarray):
        array = np.asarray(value).view(np.ndarray)
        if array.dtype.kind == "O":
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError):
                return {"__obj__": "ndarray of objects", "repr": repr(value)[:200]}
        if array.dtype.kind == "M":
            return {"__dates__": [str(v) for v in array.astype("datetime64[s]").ravel().tolist()][:10**6],
                    "shape": list(array.shape)}
        if array.dtype.kind not in _NUMERIC_KINDS:
            return {"__obj__": f"ndarray of {array.dtype}", "repr": repr(value)[:200]}
        if array.dtype.itemsize > 8:
            array = array.astype(np.float64)
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        arrays.append(array)
        return {"__nd__": len(arrays) - 1}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, arrays, depth + 1) for v in list(value)[:MAX_ITEMS]]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {"__dict__": [[k if isinstance(k, str) else repr(k), _encode(v, arrays, depth + 1)]
                             for k, v in list(value.items())[:MAX_ITEMS]]}
    try:
        text = repr(value)[:200]
    except Exception:  # noqa: BLE001 - a student's __repr__ may raise anything
        text = "?"
    return {"__obj__": type(value).__name__, "repr": text}


def pack(value) -> bytes:
    """``value`` (numbers, strings, arrays, lists, tuples, dicts) as bytes: header length, JSON, buffers."""
    arrays: list = []
    tree = _encode(value, arrays)
    specs, offset = [], 0
    for array in arrays:
        specs.append([array.dtype.str, list(array.shape), offset, array.nbytes])
        offset += array.nbytes
    header = json.dumps({"tree": tree, "arrays": specs}, allow_nan=False).encode()
    return b"".join([struct.pack("<Q", len(header)), header, *(a.tobytes() for a in arrays)])


class Opaque:
    """Something that is not plain data (a student object), kept only as its type name and repr."""

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


class Missing:
    """An attribute the student's object did not have."""

    def __repr__(self) -> str:
        return "<missing>"


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7f, *range(0x80, 0xa0)]}
_CONTROL.update({0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t"})
_CONTROL.update({c: f"\\u{c:04x}" for c in [0x200e, 0x200f, *range(0x202a, 0x202f), *range(0x2066, 0x206a)]})
_CONTROL.update({c: "\ufffd" for c in range(0xd800, 0xe000)})  # lone surrogates cannot be printed or saved


def inert(text: str) -> str:
    """Text from student code made safe to show: one line, no terminal escapes or direction marks,
    no lone surrogates (each becomes U+FFFD or a visible escape)."""
    return text.translate(_CONTROL)


def _decode(tree, arrays, clean):
    if isinstance(tree, str):
        return clean(tree)
    if isinstance(tree, list):
        return [_decode(v, arrays, clean) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if len(tree) > 2:
        raise ValueError("unknown encoded value")
    if "__nd__" in tree:
        index = tree["__nd__"]
        if type(index) is not int or not 0 <= index < len(arrays):
            raise ValueError("array index outside the message")
        return arrays[index]
    if "__float__" in tree:
        return float(str(tree["__float__"]))
    if "__np__" in tree:
        dtype = np.dtype(str(tree["dtype"]))
        if dtype.kind not in _NUMERIC_KINDS or dtype.itemsize > 8:
            raise ValueError("bad scalar dtype")
        value = _decode(tree["__np__"], arrays, clean)
        if type(value) not in (bool, int, float):
            raise ValueError("bad scalar value")
        return dtype.type(value)
    if "__tuple__" in tree:
        return tuple(_decode(v, arrays, clean) for v in _list(tree["__tuple__"]))
    if "__dict__" in tree:
        pairs = _list(tree["__dict__"])
        if not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in pairs):
            raise ValueError("bad dict encoding")
        return {clean(k): _decode(v, arrays, clean) for k, v in pairs}
    if "__dates__" in tree:
        dates = [str(d) for d in _list(tree["__dates__"])]
        return np.array(dates, dtype="datetime64[s]").reshape([int(s) for s in _list(tree["shape"])])
    if "__missing__" in tree:
        return Missing()
    if "__obj__" in tree:
        return Opaque(clean(str(tree["__obj__"]))[:100], clean(str(tree.get("repr", "")))[:200])
    raise ValueError(f"unknown encoded value {sorted(map(str, tree))[:3]}")


def _list(value) -> list:
    if not isinstance(value, list):
        raise ValueError("expected a list in the encoding")
    return value


def unpack(data: bytes, *, untrusted: bool = False):
    """The inverse of :func:`pack`, validating every length, dtype and shape. ``untrusted`` (what the
    child sends): sizes bounded by MAX_MESSAGE/MAX_HEADER/MAX_ARRAYS, every string made :func:`inert`.
    Raises ValueError (and nothing else) for anything that is not a well-formed message."""
    try:
        return _unpack(data, untrusted)
    except ValueError:
        raise
    except Exception as err:  # noqa: BLE001 - RecursionError, TypeError, MemoryError... of a forged message
        raise ValueError(f"malformed message ({type(err).__name__})") from None


def _unpack(data: bytes, untrusted: bool):
    if len(data) < 8 or (untrusted and len(data) > MAX_MESSAGE):
        raise ValueError(f"message of {len(data)} bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError("truncated header")
    if untrusted and n > MAX_HEADER:
        raise ValueError(f"header of {n} bytes")
    header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    if not isinstance(header, dict) or set(header) != {"tree", "arrays"}:
        raise ValueError("bad header")
    specs = _list(header["arrays"])
    if untrusted and len(specs) > MAX_ARRAYS:
        raise ValueError(f"{len(specs)} arrays in one message")
    body = memoryview(data)[8 + n:]
    arrays = []
    for spec in specs:
        dtype_str, shape, offset, nbytes = _list(spec)
        dtype = np.dtype(str(dtype_str))
        if dtype.kind not in _NUMERIC_KINDS or dtype.itemsize > 8:
            raise ValueError(f"refused dtype {dtype}")
        shape = tuple(int(s) for s in _list(shape))
        if len(shape) > 32 or any(s < 0 for s in shape) or math.prod(shape) * dtype.itemsize != nbytes:
            raise ValueError("array size does not match its shape")
        if type(offset) is not int or offset < 0 or offset + nbytes > len(body):
            raise ValueError("array outside the message")
        arrays.append(np.frombuffer(body[offset:offset + nbytes], dtype=dtype).reshape(shape).copy())
    return _decode(header["tree"], arrays, inert if untrusted else str)


MISSING = {"__missing__": True}


# ---------------------------------------------------------------------------------- ops
# Each op drives one student function or class with the case's inputs and returns what it did. Where
# that function needs collaborators, they are the grader's own stand-ins below (no solution of any
# assignment: a stand-in layer scales, it does not learn), so that a bug elsewhere costs nothing here.

class _ParamLayer:
    """A stand-in layer for optimizer checks: just weights, biases and their gradients."""

    trainable = True

    def __init__(self, weights, biases):
        self.weights, self.biases = weights, biases

    def __repr__(self) -> str:
        return f"layer(weights {self.weights.shape})"


class _ProbeLayer:
    """A stand-in layer for Network and fit: forward multiplies by ``scale`` and adds ``shift``,
    backward multiplies the d-values by ``scale``; both record what they were given."""

    def __init__(self, scale: float, shift: float, weights=None):
        self.scale, self.shift, self.seen, self.dseen = scale, shift, [], []
        if weights is not None:  # a layer the optimizer may move
            self.weights, self.biases = weights.copy(), np.zeros((weights.shape[0], 1))

    def forward_pass(self, values):
        self.seen.append(np.array(values, dtype=float))
        if hasattr(self, "weights"):
            return self.weights @ np.asarray(values, dtype=float) + self.shift
        return self.scale * np.asarray(values, dtype=float) + self.shift

    def backward_pass(self, dvalues):
        self.dseen.append(np.array(dvalues, dtype=float))
        if hasattr(self, "weights"):
            self.dweights, self.dbiases = np.full_like(self.weights, 0.5), np.full_like(self.biases, 0.25)
            return self.weights.T @ np.asarray(dvalues, dtype=float)
        return self.scale * np.asarray(dvalues, dtype=float)

    def __repr__(self) -> str:
        return "layer"


def _attr(obj, name):
    value = getattr(obj, name, _ABSENT)
    return _MissingValue if value is _ABSENT else value


_ABSENT = object()
_MissingValue = Missing()


def _dense(Dense, weights, biases):
    layer = Dense(weights.shape[1], weights.shape[0])
    layer.weights, layer.biases = weights.copy(), biases.copy()
    return layer


def op_value(objs, args):
    return {"value": objs[args["name"]]}


def op_call(objs, args):
    inputs = [a.copy() if isinstance(a, np.ndarray) else a for a in args["args"]]
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in inputs]
    result = objs[args["name"]](*inputs, **args.get("kwargs", {}))
    changed = [i for i, (a, b) in enumerate(zip(inputs, before))
               if b is not None and not (a.shape == b.shape and np.array_equal(a, b))]
    return {"result": result, "changed": changed}


def op_dense_init(objs, args):
    layer = objs["Dense"](args["n_inputs"], args["n_neurons"])
    return {"weights": _attr(layer, "weights"), "biases": _attr(layer, "biases")}


def op_dense_forward(objs, args):
    layer = _dense(objs["Dense"], args["weights"], args["biases"])
    inputs = args["inputs"].copy()
    outputs = layer.forward_pass(inputs)
    return {"outputs": outputs, "inputs_changed": not np.array_equal(inputs, args["inputs"])}


def op_dense_backward(objs, args):
    """An earlier forward pass first (``earlier``), then the one whose backward pass is judged."""
    layer = _dense(objs["Dense"], args["weights"], args["biases"])
    if args.get("earlier") is not None:
        layer.forward_pass(args["earlier"].copy())
    layer.forward_pass(args["inputs"].copy())
    returned = layer.backward_pass(args["dvalues"].copy())
    return {"returned": returned, "dweights": _attr(layer, "dweights"),
            "dbiases": _attr(layer, "dbiases"), "dinputs": _attr(layer, "dinputs")}


def _probe_network(objs, args):
    layers = [_ProbeLayer(scale, shift) for scale, shift in args["probes"]]
    return objs["Network"](layers), layers


def op_network_forward(objs, args):
    network, layers = _probe_network(objs, args)
    stored = _attr(network, "layers")
    same = isinstance(stored, (list, tuple)) and len(stored) == len(layers) and all(
        a is b for a, b in zip(stored, layers))
    outputs = network.forward_pass(args["inputs"].copy())
    return {"outputs": outputs, "layers_kept": same, "seen": [layer.seen for layer in layers]}


def op_network_backward(objs, args):
    network, layers = _probe_network(objs, args)
    network.forward_pass(args["inputs"].copy())
    returned = network.backward_pass(args["dvalues"].copy())
    return {"returned": returned, "dseen": [layer.dseen for layer in layers]}


def op_activation(objs, args):
    layer = objs[args["cls"]]()
    if args.get("earlier") is not None:
        layer.forward_pass(args["earlier"].copy())
    inputs = args["inputs"].copy()
    outputs = layer.forward_pass(inputs)
    outputs = outputs.copy() if isinstance(outputs, np.ndarray) else outputs
    changed = not np.array_equal(inputs, args["inputs"])
    returned = layer.backward_pass(args["dvalues"].copy())
    return {"outputs": outputs, "returned": returned, "inputs_changed": changed}


def op_loss(objs, args):
    loss = objs[args["cls"]]()
    if args.get("earlier") is not None:
        loss.forward_pass(*(a.copy() for a in args["earlier"]))
    value = loss.forward_pass(args["predictions"].copy(), args["targets"].copy())
    return {"value": value, "dvalues": loss.backward_pass()}


def _epoch(generator, limit: int) -> list:
    batches = []
    for pair in generator:
        batches.append(pair)
        if len(batches) > limit:
            break  # an endless generator: enough to show it
    return batches


def op_mini_batches(objs, args):
    """One epoch of batches for each seed in ``seeds`` (the same seed twice: reproducible?)."""
    limit = args["inputs"].shape[1] + 1
    return {"epochs": [_epoch(objs["mini_batches"](args["inputs"].copy(), args["targets"].copy(),
                                                    args["batch_size"], seed), limit) for seed in args["seeds"]]}


def op_optimizer(objs, args):
    optimizer = objs[args["cls"]](**args["kwargs"])
    layers = [_ParamLayer(w.copy(), b.copy()) for w, b in zip(args["weights"], args["biases"])]
    trajectory = []
    for step in args["gradients"]:
        for layer, (dw, db) in zip(layers, step):
            layer.dweights, layer.dbiases = dw.copy(), db.copy()
        optimizer.step(layers)
        trajectory.append([[layer.weights.copy() if isinstance(layer.weights, np.ndarray) else layer.weights,
                            layer.biases.copy() if isinstance(layer.biases, np.ndarray) else layer.biases]
                           for layer in layers])
    return {"trajectory": trajectory}


class _ProbeLoss:
    """fit's stand-in loss: the mean absolute difference; its d-values are recognisable."""

    def forward_pass(self, predictions, targets):
        self.difference = np.asarray(predictions, dtype=float) - np.asarray(targets, dtype=float)
        return float(np.mean(np.abs(self.difference)))

    def backward_pass(self):
        return np.sign(self.difference) / self.difference.size


class _ProbeOptimizer:
    """fit's stand-in optimizer: counts its steps and which layers it was given; moves nothing."""

    def __init__(self):
        self.steps, self.given = 0, []

    def step(self, layers):
        self.steps += 1
        self.given.append([isinstance(layer, _ProbeLayer) and hasattr(layer, "weights")
                           for layer in (layers if isinstance(layers, (list, tuple)) else [layers])])


def _probe_dense(Dense, weights) -> _ProbeLayer:
    """fit's stand-in layer with weights, also an instance of the notebook's Dense if it can be (so a fit
    that picks the layers to train by isinstance(layer, Dense) finds it); none of Dense's code runs."""
    if isinstance(Dense, type):
        try:
            return type("Dense", (_ProbeLayer, Dense), {"__init__": _ProbeLayer.__init__})(1.0, 0.0, weights=weights)
        except Exception:  # noqa: BLE001 - a Dense that cannot be subclassed: the plain stand-in
            pass
    return _ProbeLayer(1.0, 0.0, weights=weights)


def probe_order(seed, n: int) -> np.ndarray:
    """The order in which fit's stand-in mini_batches takes the samples for ``seed`` (None: no seed)."""
    return np.random.default_rng([abs(seed) if seed is not None else 0, 7 if seed is not None else 8]).permutation(n)


def op_fit(objs, args):
    """fit with the grader's network, loss, optimizer and mini-batches: only fit itself is the student's,
    once for each seed in ``seeds``.

    The stand-in ``mini_batches`` (put in fit's globals for the call) records the batch size and seed
    it is given; its order is :func:`probe_order` of the seed, which the parent recomputes."""
    fit = objs["fit"]
    return {"runs": [_fit_once(fit, args, seed) for seed in args["seeds"]]}


def _fit_once(fit, args, seed):
    calls = []

    def mini_batches(inputs, targets, batch_size=64, seed=0):
        seed = int(seed) if isinstance(seed, (int, np.integer)) else None
        calls.append([int(batch_size) if isinstance(batch_size, (int, np.integer)) else -1, seed])
        order = probe_order(seed, np.shape(inputs)[1])
        for start in range(0, len(order), int(batch_size)):
            chosen = order[start:start + int(batch_size)]
            yield inputs[:, chosen], targets[:, chosen]

    class Network:  # defined here, so that no other check's student code can borrow it
        def __init__(self, layers):
            self.layers = list(layers)

        def forward_pass(self, values):
            for layer in self.layers:
                values = layer.forward_pass(values)
            return values

        def backward_pass(self, dvalues):
            for layer in reversed(self.layers):
                dvalues = layer.backward_pass(dvalues)
            return dvalues

    names = getattr(fit, "__globals__", {})
    layers = [_probe_dense(names.get("Dense"), args["weights"]), _ProbeLayer(1.0, 0.0)]
    optimizer = _ProbeOptimizer()
    saved = names.get("mini_batches", _ABSENT)
    names["mini_batches"] = mini_batches
    try:
        history = fit(Network(layers), _ProbeLoss(), optimizer, args["inputs"].copy(), args["targets"].copy(),
                      args["epochs"], args["batch_size"], seed)
    finally:
        if saved is _ABSENT:
            names.pop("mini_batches", None)
        else:
            names["mini_batches"] = saved
    losses = getattr(history, "loss", history)
    if not isinstance(losses, (list, tuple, np.ndarray)):
        losses = list(losses) if hasattr(losses, "__iter__") else losses
    return {"losses": losses, "calls": calls, "steps": optimizer.steps, "given": optimizer.given,
            "backward": len(layers[-1].dseen)}


def _frame_from(encoded):
    import pandas as pd
    frame = pd.DataFrame({c: v for c, v in zip(encoded["columns"], encoded["values"])})
    if "dteday" in frame:
        frame["dteday"] = pd.to_datetime(frame["dteday"])
    return frame


def _frame_out(frame):
    """A DataFrame as plain data: column names and one array per column (dates as strings)."""
    import pandas as pd
    if not isinstance(frame, pd.DataFrame):
        return frame
    columns, values = [str(c) for c in frame.columns], []
    for c in frame.columns:
        column = frame[c]
        column = column.iloc[:, 0] if isinstance(column, pd.DataFrame) else column
        if column.dtype.kind == "M":
            values.append(column.dt.strftime("%Y-%m-%d").to_list())
        elif column.dtype.kind in "biuf":
            values.append(column.to_numpy())
        else:
            try:
                values.append(pd.to_datetime(column).dt.strftime("%Y-%m-%d").to_list())
            except (TypeError, ValueError):
                values.append([str(v) for v in column.to_list()])
    return {"frame": True, "columns": columns, "values": values, "index": np.asarray(frame.index)}


def op_frame_call(objs, args):
    """A preparation function on frames; ``changed``: whether it modified the frames it was given."""
    frames = [_frame_from(f) for f in args["frames"]]
    copies = [f.copy(deep=True) for f in frames]
    result = objs[args["name"]](*frames)
    changed = [i for i, (a, b) in enumerate(zip(frames, copies)) if not (a.shape == b.shape and a.equals(b))]
    if isinstance(result, tuple):
        return {"result": tuple(_frame_out(r) for r in result), "changed": changed}
    return {"result": _frame_out(result), "changed": changed}


def op_predict(objs, args):
    return {"predictions": objs["network"].forward_pass(args["inputs"].copy())}


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


# ---------------------------------------------------------------------------------- running

def describe_error(err: BaseException) -> dict:
    """The exception's type, message and the last line of the student's code it passed through."""
    where = ""
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename.startswith("<"):  # student cells are compiled as "<cell answer_...>"
            where = f"{frame.filename.strip('<>')}, line {frame.lineno}: {(frame.line or '').strip()}"
    try:
        message = str(err)
    except Exception:  # noqa: BLE001
        message = "?"
    return {"__error__": type(err).__name__, "message": message[:600], "where": where[:300]}


def run_case(objs: dict, case: dict) -> dict:
    """Run one case; any exception (even SystemExit) becomes an error record, never a crash."""
    try:
        return OPS[case["op"]](objs, case["args"])
    except BaseException as err:  # noqa: BLE001 - student code may raise anything, incl. SystemExit
        return describe_error(err)


def run_check(namespace: dict, check: dict) -> dict:
    """Run every case of one check on the names it needs from ``namespace``."""
    missing = [name for name in check["needs"] if name not in namespace]
    if missing:
        return {"missing": missing}
    objs = {name: namespace[name] for name in check["needs"]}
    return {"cases": [run_case(objs, case) for case in check["cases"]]}


def bounded(result: dict) -> dict:
    """A check's result as it will be sent: every case's outputs packable and of a bounded size (an
    answer too large or that cannot be packed becomes that case's error record, not a lost check)."""
    cases = result.get("cases") if isinstance(result, dict) else None
    if cases is None:
        return result
    budget = MAX_MESSAGE // (2 * max(1, len(cases)))
    header_budget = MAX_HEADER // (2 * max(1, len(cases)))
    kept = []
    for outputs in cases:
        try:
            packed = pack(outputs)
        except BaseException as err:  # noqa: BLE001 - an output that cannot be packed
            kept.append(describe_error(err))
            continue
        if len(packed) > budget or int.from_bytes(packed[:8], "little") > header_budget:
            outputs = {"__error__": "AnswerTooLarge", "message": f"the answer takes {len(packed) / 1e6:.0f} MB; "
                       f"the grader reads at most {budget / 1e6:.0f} MB per case", "where": ""}
        kept.append(outputs)
    return {"cases": kept}
