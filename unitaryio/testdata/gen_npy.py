"""Writes the .npy fixtures of unitaryio's tests with numpy itself.

Run from this directory: python3 gen_npy.py. Every file is either written by
numpy (np.save, np.lib.format.write_array) or has a hand-made header that
numpy's own np.load was checked to read (the script refuses to write a
variant numpy cannot load). MANIFEST lists each file, the numpy version and
the matrix each holds (the same 4x4 unitary U, or its real or single
precision form), so the Go test compares against one reference.
"""
import io
import os

import numpy as np

rng = np.random.default_rng(7)
z = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
U, _ = np.linalg.qr(z)  # a 4x4 unitary (complex128)
R, _ = np.linalg.qr(rng.normal(size=(4, 4)))  # a 4x4 real orthogonal (float64)

files = {}


def save(name, arr, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, arr)
    else:
        np.lib.format.write_array(buf, arr, version=version)
    files[name] = buf.getvalue()


save("c16.npy", U)
save("c16_fortran.npy", np.asfortranarray(U))
save("c16_bigendian.npy", U.astype(">c16"))
save("c16_v2.npy", U, version=(2, 0))
save("c16_v3.npy", U, version=(3, 0))
save("c8.npy", U.astype(np.complex64))
save("c8_bigendian.npy", U.astype(">c8"))
save("f8.npy", R)
save("f8_fortran.npy", np.asfortranarray(R))


def with_header(text, arr):
    """A version 1.0 file with header text (padded as numpy pads)."""
    h = text.encode("latin1")
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * (pad % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + arr.tobytes(order="C")


variants = {
    "hdr_no_trailing_comma.npy": "{'descr': '<c16', 'fortran_order': False, 'shape': (4, 4)}",
    "hdr_reordered.npy": "{'shape': (4, 4), 'fortran_order': False, 'descr': '<c16', }",
    "hdr_reordered_no_comma.npy": "{'fortran_order': False, 'shape': (4, 4), 'descr': '<c16'}",
    "hdr_double_quotes.npy": '{"descr": "<c16", "fortran_order": False, "shape": (4, 4)}',
    "hdr_compact.npy": "{'descr':'<c16','fortran_order':False,'shape':(4,4)}",
    "hdr_tuple_trailing_comma.npy": "{'descr': '<c16', 'fortran_order': False, 'shape': (4, 4,), }",
    "hdr_spaces_newlines.npy": "{ 'descr' : '<c16' ,\n  'fortran_order' : False ,\n  'shape' : ( 4 , 4 ) }",
}
for name, text in variants.items():
    data = with_header(text, U.astype("<c16"))
    back = np.load(io.BytesIO(data))  # numpy must read it
    assert back.dtype == np.complex128 and np.array_equal(back, U), name
    files[name] = data

for name, data in files.items():
    back = np.load(io.BytesIO(data))
    assert back.shape == (4, 4), name
    with open(name, "wb") as f:
        f.write(data)

with open("MANIFEST", "w") as f:
    f.write("# written by gen_npy.py with numpy %s\n" % np.__version__)
    f.write("# U (complex128, row-major, real imag pairs), then R (float64):\n")
    f.write("U " + " ".join("%r %r" % (float(v.real), float(v.imag)) for v in U.ravel()) + "\n")
    f.write("R " + " ".join("%r" % float(v) for v in R.ravel()) + "\n")
    for name in sorted(files):
        f.write(name + "\n")
