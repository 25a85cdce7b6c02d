"""Compressed sparse rows (CSR, or CSC when the rows are postsynaptic cells): the
engine's connectivity layout, built and read here.

An ``indptr`` of n_rows + 1 offsets; row r's entries are indptr[r]:indptr[r + 1].
Rows are built by a stable sort, so entries keep their insertion order within a row.
"""
import numpy as np

from .backend import repeat_arange


def host_csr(n_rows, rows, *columns):
    """(indptr int64, each column sorted by row) on the host; stable."""
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=n_rows)
    return (np.concatenate([[0], np.cumsum(counts)]),) + tuple(c[order] for c in columns)


def host_order_by_row(n_rows, rows):
    """(indptr int64, entry indices grouped by row) on the host; stable (a CSC view)."""
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=n_rows)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), order.astype(np.int64)


def device_csr(cp, n_rows, rows, post, weight, delay):
    """CSR by presynaptic cell, sorted on the GPU (the host argsort takes minutes for
    the microcircuit's 0.3 billion synapses).

    Stable, as host_csr. Returns device indptr, post and weight, and host delays.
    """
    rows_d = cp.asarray(np.asarray(rows, dtype=np.int64))
    indptr = cp.concatenate([cp.zeros(1, cp.int64),
                             cp.cumsum(cp.bincount(rows_d, minlength=n_rows))])
    # unique keys (row, position), so that any sort gives the stable order
    order = cp.argsort((rows_d << 32) | cp.arange(rows_d.size, dtype=cp.int64))
    del rows_d
    post_d = cp.asarray(post)[order]
    weight_d = cp.asarray(weight)[order]
    delay_h = cp.asnumpy(cp.asarray(delay)[order])
    return indptr, post_d, weight_d, delay_h


def row_of_each_entry(indptr, dtype=np.int64):
    """Host array: the row of every entry (indptr on the host)."""
    return np.repeat(np.arange(indptr.size - 1, dtype=dtype), np.diff(indptr))


def expand_rows(xp, indptr, rows):
    """Entries of the compressed rows `rows` (CSR or CSC `indptr`), and each one's
    position in `rows`; (None, None) when the rows are empty."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return None, None
    row_of_entry = repeat_arange(xp, counts, total)
    # entry k of row r sits at starts[r] + (k - offset of row r's first entry)
    shift = starts - (xp.cumsum(counts) - counts)
    idx = shift[row_of_entry] + xp.arange(total)
    return idx, row_of_entry
