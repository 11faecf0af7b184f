#!/usr/bin/env python3
"""Exports a PyTorch model's initialized weights, one safetensors file per seed, for
`initcheck check --weights DIR` (README, "Check your own PyTorch init").

Usage: python3 scripts/export_init.py MODULE:FACTORY --seeds R --out DIR [--force]

MODULE is a Python file (path/to/models.py) or an importable module name (the current directory
is on the path); FACTORY is a function in it that takes no arguments and returns an
nn.Module. For each seed s in 0..R-1 the script calls torch.manual_seed(s), builds the model
with FACTORY() and writes its floating-point state_dict as F32 to DIR/seed_NNNN.safetensors
(json + numpy; the `safetensors` package is not needed). initcheck reads the tensors named
X.weight (Linear [out, in] or Conv2d [out, in, k, k]) and X.bias, in natural name order.

Existing files are never overwritten without --force, and a DIR holding other *.safetensors
files is refused (initcheck would read them as seeds too). Bad input: one line on stderr,
exit 2. Needs Debian's python3-torch and python3-numpy.
"""

import argparse
import importlib
import importlib.util
import json
import os
import struct
import sys


class UsageError(Exception):
    """Bad input: printed on one line, exit 2."""


def split_spec(spec):
    """(MODULE, FACTORY) of 'MODULE:FACTORY'."""
    module_name, sep, factory_name = spec.rpartition(":")
    if not sep or not module_name or not factory_name:
        raise UsageError(f"'{spec}' is not MODULE:FACTORY (e.g. models.py:make_mlp)")
    return module_name, factory_name


def check_out_dir(out, names, force):
    """Refuses an --out that is a file, holds .safetensors files other than `names` (initcheck
    would read them as seeds too), or holds some of `names` without --force."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} exists and is not a directory")
    if not os.path.isdir(out):
        return
    present = sorted(f for f in os.listdir(out) if f.endswith(".safetensors"))
    others = [f for f in present if f not in names]
    if others:
        raise UsageError(f"{out} holds other .safetensors files ({others[0]}, ...) that "
                         "initcheck would read as seeds too; use an empty directory")
    if present and not force:
        raise UsageError(f"{os.path.join(out, present[0])} exists; use --force to overwrite")


def load_factory(module_name, factory_name):
    try:
        if module_name.endswith(".py") or os.sep in module_name:
            if not os.path.isfile(module_name):
                raise UsageError(f"module file '{module_name}' does not exist")
            sys.path.insert(0, os.path.dirname(os.path.abspath(module_name)))  # its siblings
            loaded = importlib.util.spec_from_file_location("export_init_user_module", module_name)
            module = importlib.util.module_from_spec(loaded)
            loaded.loader.exec_module(module)
        else:
            sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except UsageError:
        raise
    except Exception as e:  # the user's module failed to import: report it on one line
        raise UsageError(f"cannot import '{module_name}': {type(e).__name__}: {e}") from e
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise UsageError(f"'{module_name}' has no function '{factory_name}'")
    return factory


def safetensors_bytes(tensors, metadata):
    """The safetensors encoding of {name: float32 numpy array} (little-endian, 8-byte aligned)."""
    header = {"__metadata__": metadata}
    offset = 0
    for name, array in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(a.tobytes() for a in tensors.values())


def main():
    parser = argparse.ArgumentParser(
        description="Write a model's initialized weights for R seeds as safetensors files "
                    "(one per seed) for `initcheck check --weights DIR`.")
    parser.add_argument("factory", metavar="MODULE:FACTORY",
                        help="a .py file or module, and a function in it returning an nn.Module")
    parser.add_argument("--seeds", type=int, required=True, metavar="R",
                        help="number of seeds (files), 2 or more: seeds 0..R-1")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument("--force", action="store_true", help="overwrite existing seed files")
    args = parser.parse_args()

    try:
        if not 2 <= args.seeds <= 1_000_000:
            raise UsageError(f"--seeds must be in [2, 1000000], got {args.seeds}")
        module_name, factory_name = split_spec(args.factory)
        names = [f"seed_{s:04d}.safetensors" for s in range(args.seeds)]
        check_out_dir(args.out, names, args.force)  # before the slow import of torch
        try:
            import numpy as np
            import torch
        except ImportError as e:
            raise UsageError(f"{e.name} is not installed (Debian: apt-get install python3-torch "
                             "python3-numpy)") from e
        factory = load_factory(module_name, factory_name)
        os.makedirs(args.out, exist_ok=True)
        for seed, name in enumerate(names):
            torch.manual_seed(seed)
            try:
                model = factory()
            except Exception as e:
                raise UsageError(f"{args.factory}() raised {type(e).__name__}: {e}") from e
            if not isinstance(model, torch.nn.Module):
                raise UsageError(f"{args.factory}() returned {type(model).__name__}, not an "
                                 "nn.Module")
            tensors = {k: v.detach().to(torch.float32).contiguous().cpu().numpy().astype("<f4")
                       for k, v in model.state_dict().items() if v.is_floating_point()}
            if not tensors:
                raise UsageError(f"{args.factory}() returned a model without parameters")
            data = safetensors_bytes(tensors, {"seed": str(seed), "factory": args.factory,
                                               "torch": torch.__version__,
                                               "numpy": np.__version__})
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(data)
        print(f"export_init.py: wrote {args.seeds} files to {args.out}")
    except UsageError as e:
        print(f"export_init.py: {' '.join(str(e).split())}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        print(f"export_init.py: {e.filename or args.out}: {e.strerror}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
