#!/usr/bin/python3
"""Makes the small weight fixtures beside this script with real numpy and torch (Debian's python3-numpy 1.24 and
python3-torch 1.13): pickles of numpy arrays at protocols 0, 2, 4 and 5 (numpy's _frombuffer) (dtypes, Fortran order, big-endian, 0-d and
empty arrays, a numpy scalar), torch.save checkpoints (zip format; views sharing a storage; an nn.Module state dict
with _metadata), and one legacy (non-zip) torch file. expected.json records, per file and tensor, the shape, dtype
and SHA-256 of the C-contiguous little-endian bytes.

Run: /usr/bin/python3 tests/Fixtures/weights/make_fixtures.py
"""
import collections
import hashlib
import json
import os
import pickle

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def digest(array):
    a = np.array(array, order="C", copy=True)  # ascontiguousarray would turn 0-d into 1-d
    a = a.astype(a.dtype.newbyteorder("<")) if a.dtype.byteorder == ">" else a
    return {"shape": list(a.shape), "dtype": str(a.dtype), "sha256": hashlib.sha256(a.tobytes()).hexdigest()}


def numpy_model():
    rng = np.random.default_rng(20240601)
    model = collections.OrderedDict()
    model["conv.weight"] = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    model["conv.bias"] = np.array([0.5, -0.25], dtype=np.float32)
    model["half"] = rng.standard_normal((5,)).astype(np.float16)
    model["double"] = rng.standard_normal((2, 2)).astype(np.float64)
    model["steps"] = np.arange(-3, 3, dtype=np.int64)
    model["int32"] = np.array([[1, -2], [3, 4]], dtype=np.int32)
    model["bytes"] = np.arange(250, 256, dtype=np.uint8)
    model["mask"] = np.array([True, False, True])
    model["fortran"] = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
    model["big_endian"] = np.arange(4, dtype=">f4").reshape(2, 2)
    model["scalar0d"] = np.array(3.25, dtype=np.float32)
    model["empty"] = np.zeros((0, 3), dtype=np.float32)
    return model


def main():
    expected = {}
    model = numpy_model()
    for protocol in (0, 2, 4, 5):
        name = f"numpy_proto{protocol}.pkl"
        data = {"model": dict(model), "__author__": "fixture", "matching_heuristics": False, "extra": np.float32(1.5)}
        with open(os.path.join(HERE, name), "wb") as f:
            pickle.dump(data, f, protocol=protocol)
        expected[name] = {k: digest(v) for k, v in model.items()}

    # torch.save of a Detectron2-style checkpoint: views of one storage, a transpose, dtypes.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    state = collections.OrderedDict()
    state["backbone.weight"] = base
    state["backbone.weight_t"] = base.t()
    state["backbone.row2"] = base[2]
    state["backbone.col3"] = base[:, 3]
    state["head.half"] = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float16)
    state["head.count"] = torch.tensor(7, dtype=torch.int64)
    state["head.flags"] = torch.tensor([True, False])
    torch.save({"model": state, "iteration": 7, "optimizer": {"state": {}, "param_groups": [{"lr": 0.02, "params": [0, 1]}]}},
               os.path.join(HERE, "torch_checkpoint.pth"))
    expected["torch_checkpoint.pth"] = {k: digest(v.numpy()) for k, v in state.items()}

    # A real module state dict (an OrderedDict carrying _metadata), saved bare.
    torch.manual_seed(0)
    conv = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    sd = conv.state_dict()
    torch.save(sd, os.path.join(HERE, "torch_state_dict.pth"))
    expected["torch_state_dict.pth"] = {k: digest(v.numpy()) for k, v in sd.items()}

    # The pre-1.6 format Detserve refuses with a hint.
    torch.save(state, os.path.join(HERE, "torch_legacy.pth"), _use_new_zipfile_serialization=False)

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
