#!/usr/bin/python3
"""Reference facts for uniseg's NIfTI reader, computed by nibabel (an independent reader).

Run with Debian's Python, which has nibabel and numpy:

    /usr/bin/python3 scripts/nifti_reference.py generate   # rebuild test/fixtures/nifti/{nibabel,synthetic}
    /usr/bin/python3 scripts/nifti_reference.py inspect FILE...   # print nibabel's view of files as JSON

`generate` copies nibabel's small single-file test images (CI has no nibabel), writes a set of
tiny synthetic edge-case files with nibabel, and records in each folder's reference.json what
nibabel reads from every file: first-volume shape, frame count, datatype, byte order, affine,
qform/sform codes, axis codes, scaling, and statistics and probe values of the scaled first
volume. `inspect` is used by the round-trip test to ask nibabel about files uniseg wrote.
"""

import argparse
import json
import os
import shutil
import sys

try:
    import nibabel as nib
    import numpy as np
except ImportError as error:  # pragma: no cover - depends on the interpreter
    sys.exit(f"nifti_reference.py needs nibabel and numpy (use /usr/bin/python3 on Debian): {error}")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "test", "fixtures", "nifti")
DEFAULT_CORPUS = "/usr/lib/python3/dist-packages/nibabel/tests/data"
DEBIAN_COPYRIGHT = "/usr/share/doc/python3-nibabel/copyright"

# nibabel's single-file images small enough to commit (about 0.5 MB together). Skipped on
# purpose: .hdr/.img pairs (uniseg reads single files only) and row_major.dconn.nii (CIFTI-2).
CORPUS_FILES = [
    "anatomical.nii",
    "example4d.nii.gz",
    "example_nifti2.nii.gz",
    "functional.nii",
    "reoriented_anat_moved.nii",
    "resampled_anat_moved.nii",
    "standard.nii.gz",
]

SHAPE = (7, 6, 5)


def first_volume(img):
    """The scaled first 3D volume as float64 (what uniseg returns, up to float32 rounding)."""
    proxy = img.dataobj
    index = (slice(None),) * 3 + (0,) * (len(img.shape) - 3)
    data = np.asanyarray(proxy[index] if len(img.shape) > 3 else proxy[...]).astype(np.float64)
    while data.ndim < 3:
        data = data[..., np.newaxis]
    return data


def probe_indices(shape, count=8, seed=1234):
    nx, ny, nz = shape
    picks = [(0, 0, 0), (nx - 1, ny - 1, nz - 1), (nx // 2, ny // 2, nz // 2)]
    rng = np.random.RandomState(seed)
    for _ in range(count):
        picks.append(tuple(int(rng.randint(0, n)) for n in shape))
    return picks


def describe(path):
    img = nib.load(path)
    hdr = img.header
    data = first_volume(img)
    bad = ~np.isfinite(data)
    clean = np.where(bad, 0.0, data)
    dtype = hdr.get_data_dtype()
    slope, inter = img.dataobj.slope, img.dataobj.inter
    qform, qcode = hdr.get_qform(coded=True)
    sform, scode = hdr.get_sform(coded=True)
    return {
        "file": os.path.basename(path),
        "nifti_version": 2 if isinstance(hdr, nib.Nifti2Header) else 1,
        "shape": [int(n) for n in data.shape],
        "frames": int(np.prod(img.shape[3:])) if len(img.shape) > 3 else 1,
        "dtype": dtype.newbyteorder("=").name,
        "little_endian": bool(dtype.byteorder == "<" or (dtype.byteorder in "=|" and sys.byteorder == "little")),
        "affine": img.affine.tolist(),
        "qform_code": int(qcode),
        "sform_code": int(scode),
        "qform": None if qform is None else qform.tolist(),
        "sform": None if sform is None else sform.tolist(),
        "qfac": float(hdr["pixdim"][0]),
        "axcodes": list(nib.aff2axcodes(img.affine)),
        "scaled": bool(not (slope == 1 and inter == 0)),
        "slope": float(slope),
        "inter": float(inter),
        "nonfinite": int(bad.sum()),
        "min": float(clean.min()),
        "max": float(clean.max()),
        "mean": float(clean.mean()),
        "sum": float(clean.sum()),
        "probes": [{"index": list(ijk), "value": float(clean[ijk])} for ijk in probe_indices(data.shape)],
    }


def grid(dtype, low, high, seed):
    rng = np.random.RandomState(seed)
    if np.dtype(dtype).kind == "f":
        return (low + (high - low) * rng.random_sample(SHAPE)).astype(dtype)
    values = rng.randint(low, high, size=SHAPE, dtype=np.int64)
    values.flat[0], values.flat[-1] = low, high - 1  # make the extremes appear
    return values.astype(dtype)


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def affine_of(rot, zooms, offset):
    aff = np.eye(4)
    aff[:3, :3] = rot @ np.diag(zooms)
    aff[:3, 3] = offset
    return aff


def save(img, path, dtype):
    img.set_data_dtype(dtype)
    nib.save(img, path)


def write_big_endian_scaled(path):
    """int16, big-endian, scl_slope 0.5 / scl_inter -10, written byte by byte so nibabel cannot rescale."""
    raw = grid(np.int16, -300, 300, 1)
    hdr = nib.Nifti1Header(endianness=">")
    hdr.set_data_shape(SHAPE)
    hdr.set_data_dtype(np.int16)
    hdr.set_sform(affine_of(np.eye(3), (0.8, 0.9, 2.5), (-10.5, 20.25, -30.0)), code=1)
    hdr.set_qform(affine_of(np.eye(3), (0.8, 0.9, 2.5), (-10.5, 20.25, -30.0)), code=1)
    hdr.set_slope_inter(0.5, -10.0)
    hdr["vox_offset"] = 352
    with open(path, "wb") as f:
        f.write(hdr.binaryblock)
        f.write(b"\0" * 4)
        f.write(raw.astype(">i2").tobytes(order="F"))
    img = nib.load(path)
    assert img.header.endianness == ">" and img.dataobj.slope == 0.5 and img.dataobj.inter == -10.0


def write_synthetic(out):
    os.makedirs(out, exist_ok=True)
    write_big_endian_scaled(os.path.join(out, "be_int16_scaled.nii"))

    tilted = affine_of(rotation(0.2, -0.1, 0.35), (1.1, 0.7, 1.9), (12.0, -8.5, 40.0))
    save(nib.Nifti2Image(grid(np.float32, -5, 5, 2), tilted), os.path.join(out, "nifti2_float32.nii"), np.float32)

    img = nib.Nifti2Image(grid(np.int32, -70000, 70000, 11), tilted, header=nib.Nifti2Header(endianness=">"))
    path = os.path.join(out, "nifti2_be_int32.nii")
    save(img, path, np.int32)
    assert nib.load(path).header.endianness == ">"

    # qform only, rotated, left-handed grid: nibabel stores qfac = pixdim[0] = -1.
    flipped = affine_of(rotation(0.3, 0.15, -0.4) @ np.diag([1, 1, -1]), (1.5, 1.2, 3.0), (-20.0, 15.0, 60.0))
    img = nib.Nifti1Image(grid(np.int16, -1000, 1000, 3), None)
    img.set_qform(flipped, code=1)
    img.set_sform(None, code=0)
    path = os.path.join(out, "qform_only_qfac_neg.nii.gz")
    save(img, path, np.int16)
    written = nib.load(path).header
    assert written["pixdim"][0] == -1 and written["sform_code"] == 0 and written["qform_code"] == 1

    # Both transforms set and different, qform_code > sform_code: nibabel still takes the sform.
    img = nib.Nifti1Image(grid(np.int16, -50, 50, 10), None)
    img.set_qform(flipped, code=2)
    img.set_sform(tilted, code=1)
    save(img, os.path.join(out, "sform_and_qform.nii"), np.int16)

    img = nib.Nifti1Image(grid(np.uint8, 0, 256, 4), None)
    img.header.set_zooms((2.0, 3.0, 4.0))
    path = os.path.join(out, "no_xform_uint8.nii")
    save(img, path, np.uint8)
    written = nib.load(path).header
    assert written["qform_code"] == 0 and written["sform_code"] == 0

    plain = affine_of(np.diag([-1, 1, 1]), (0.9, 0.9, 1.5), (100.0, -80.0, -50.0))
    save(nib.Nifti1Image(grid(np.uint16, 0, 60000, 5), plain), os.path.join(out, "uint16.nii.gz"), np.uint16)
    save(nib.Nifti1Image(grid(np.float64, -1e6, 1e6, 6), plain), os.path.join(out, "float64.nii"), np.float64)
    save(nib.Nifti1Image(grid(np.int8, -128, 128, 7), plain), os.path.join(out, "int8.nii"), np.int8)
    save(nib.Nifti1Image(grid(np.uint32, 0, 4_000_000_000, 8), plain), os.path.join(out, "uint32.nii"), np.uint32)
    frames = np.stack([grid(np.float32, 0, 1, 9 + n) for n in range(3)], axis=-1)
    save(nib.Nifti1Image(frames, tilted), os.path.join(out, "float32_4d.nii.gz"), np.float32)


def copy_corpus(corpus, out):
    os.makedirs(out, exist_ok=True)
    for name in CORPUS_FILES:
        shutil.copyfile(os.path.join(corpus, name), os.path.join(out, name))
    with open(os.path.join(out, "SOURCE.md"), "w") as f:
        f.write(
            "# nibabel test images\n\n"
            "Copied unchanged from nibabel's test data (Debian package python3-nibabel 5.0,\n"
            "`nibabel/tests/data/`) by `scripts/nifti_reference.py generate`, so that the tests can\n"
            "compare uniseg's reader against nibabel without nibabel installed. nibabel is\n"
            "distributed under the Expat (MIT) license; its notice is in LICENSE.nibabel.\n"
            "`reference.json` holds what nibabel 5.0 reads from each file.\n"
        )
    if os.path.exists(DEBIAN_COPYRIGHT):
        copy_license(os.path.join(out, "LICENSE.nibabel"))


def copy_license(target):
    """The copyright holders and Expat license text, as Debian's copyright file states them."""
    with open(DEBIAN_COPYRIGHT) as f:
        text = f.read()
    stanzas = text.split("\n\n")
    holders = next(s for s in stanzas if s.startswith("Files: *"))
    expat = next(s for s in stanzas if s.startswith("License: Expat"))
    with open(target, "w") as f:
        f.write("nibabel (https://github.com/nipy/nibabel)\n\n" + holders + "\n\n" + expat + "\n")


def write_reference(folder, names):
    entries = [describe(os.path.join(folder, name)) for name in names]
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"generator": "scripts/nifti_reference.py", "nibabel": nib.__version__, "files": entries}, f, indent=1)
        f.write("\n")


def generate(args):
    corpus_out = os.path.join(args.out, "nibabel")
    synthetic_out = os.path.join(args.out, "synthetic")
    copy_corpus(args.corpus, corpus_out)
    write_reference(corpus_out, CORPUS_FILES)
    write_synthetic(synthetic_out)
    names = sorted(n for n in os.listdir(synthetic_out) if n.endswith((".nii", ".nii.gz")))
    write_reference(synthetic_out, names)
    total = sum(os.path.getsize(os.path.join(d, n)) for d in (corpus_out, synthetic_out) for n in os.listdir(d))
    print(f"wrote {corpus_out} and {synthetic_out} ({total} bytes)")


def inspect(args):
    json.dump([describe(path) for path in args.files], sys.stdout, indent=1)
    sys.stdout.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="rebuild the NIfTI fixtures and their reference.json files")
    gen.add_argument("--out", default=DEFAULT_OUT, help=f"fixture root (default {DEFAULT_OUT})")
    gen.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"nibabel test data folder (default {DEFAULT_CORPUS})")
    gen.set_defaults(run=generate)
    ins = sub.add_parser("inspect", help="print nibabel's reading of the given files as JSON")
    ins.add_argument("files", nargs="+")
    ins.set_defaults(run=inspect)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
