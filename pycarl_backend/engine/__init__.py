"""The array engine: NumPy on the CPU, CuPy on a GPU (see backend.py)."""
