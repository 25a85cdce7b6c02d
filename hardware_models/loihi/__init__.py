"""Loihi's own arithmetic: bit-accurate compartments (compartment.py), the
chip's weight and delay encoding (encoding.py) and the translation of PyNN
cells into Loihi parameters (translate.py)."""
