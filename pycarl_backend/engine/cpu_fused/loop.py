"""The compiled step loop: many steps per call, no Python per step.

Per step, in the order of Engine._step: every neuron group's update (ring
input, state, refractoriness, threshold), its recorded spikes and state
samples; then the propagation of the step's spikes, pre-synaptic group by
group in the order of the NumPy path's `blocks_by_pre`, each spike's synapses
in CSR order, so that every ring cell sums its inputs in the same order.

The tables (int64 rows) and pools are built by stepper.py; their columns are
named by the constants below.
"""
from numba import njit

from . import loihi_kernels as lk
from . import neuron_kernels as nk

# group table columns (G_BOUNDED: 1 where a Loihi group's currents cannot wrap in
# this run, LoihiSpec.bounded)
G_MODEL, G_FIRST, G_SIZE, G_STATE, G_PAR, G_UNIFORM, G_RING, G_INJ, G_INJ_LINKS, \
    G_INJ_NLINKS, G_INJ_NSCHED, G_BOUNDED, G_COLS = range(13)
# model ids (models.py)
IF_CURR_EXP, IF_COND_EXP, IF_CURR_DELTA, IZHIKEVICH, IF_CURR_ALPHA, IF_COND_ALPHA = range(6)
# chip groups computed by Loihi compartments (loihi_kernels.py): one current, or two
LOIHI, LOIHI_SPLIT = 6, 7
# adaptive exponential IF (neuron_kernels.py eif_cond_exp, eif_cond_alpha)
EIF_COND_EXP, EIF_COND_ALPHA = 8, 9
# pre-synaptic entry columns: kind (0 neuron group, 1 source), index, first block, end block
P_KIND, P_INDEX, P_BLOCK0, P_BLOCK1, P_COLS = range(5)
# block table columns
# (B_WEIGHT: offset in the weight pool of kind B_WKIND, or -1: every synapse has weight
# uniform_weight[b]; B_WTABLE: offset of a W_CODES16 block's table; B_DELAY8: uint8 delays)
B_INDPTR, B_SYN, B_POST16, B_DELAY, B_DELAY_OFF, B_COLUMN, B_WEIGHT, B_WKIND, B_WTABLE, \
    B_DELAY8, B_COLS = range(11)
# weight kinds (engine/weight_storage.py): the pools of the tuple `weights`
W_FLOAT64, W_FLOAT32, W_CODES16 = range(3)
# state-record table columns
# (R_STATE: pool index of the variable's first cell)
R_STATE, R_INTERVAL, R_TAKEN, R_FILLED, R_NCELLS, R_BUF, R_CELLS, R_COLS = range(8)


@njit(cache=True, inline="always", error_model="numpy")
def _cells(model, n, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io, flag):
    if model == IF_CURR_EXP:
        nk.if_curr_exp(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == IF_COND_EXP:
        nk.if_cond_exp(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == IF_CURR_DELTA:
        nk.if_curr_delta(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == IZHIKEVICH:
        nk.izhikevich(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == IF_CURR_ALPHA:
        nk.if_curr_alpha(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == IF_COND_ALPHA:
        nk.if_cond_alpha(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == EIF_COND_EXP:
        nk.eif_cond_exp(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == EIF_COND_ALPHA:
        nk.eif_cond_alpha(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag)
    elif model == LOIHI or model == LOIHI_SPLIT:
        lk.loihi(n, model == LOIHI_SPLIT, uniform, bounded, st, so, par, po, left, g0, ring, be,
                 iext, io, flag)


@njit(cache=True, error_model="numpy")
def _cells_serial(model, n, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io,
                  flag):
    _cells(model, n, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io, flag)


@njit(cache=True, parallel=True, error_model="numpy")
def _cells_parallel(model, n, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io,
                    flag):
    """The same updates with the cells split among numba's threads (each cell's
    arithmetic unchanged, so the numbers are the serial loop's)."""
    _cells(model, n, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io, flag)


@njit(cache=True, inline="always", error_model="numpy")
def _update_group(small, large, gt, parallel_min, st, par, left, rsteps, ring, be, iext, io,
                  flag, fired, nf):
    """One step of group `gt`: its cells updated by `large` when it has at least
    parallel_min cells, else by `small`; appends its fired cells to `fired` from `nf`."""
    model, n, g0 = gt[G_MODEL], gt[G_SIZE], gt[G_FIRST]
    so, po, uniform, bounded = gt[G_STATE], gt[G_PAR], gt[G_UNIFORM] == 1, gt[G_BOUNDED] == 1
    if n >= parallel_min:
        large(model, n, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io, flag)
    else:
        small(model, n, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io, flag)
    return nk.compact(n, g0, flag, left, rsteps, fired, nf)


@njit(cache=True, error_model="numpy")
def _inject(gt, k, iext, inj_table, inj_cells, inj_cols):
    """iext of the group's cells for window step k: zero, then each link's
    amplitude added in link order (GroupInjection.current's scatter_add)."""
    g0, n = gt[G_FIRST], gt[G_SIZE]
    for i in range(n):
        iext[g0 + i] = 0.0
    row = gt[G_INJ] + k * gt[G_INJ_NSCHED]
    for j in range(gt[G_INJ_LINKS], gt[G_INJ_LINKS] + gt[G_INJ_NLINKS]):
        iext[g0 + inj_cells[j]] += inj_table[row + inj_cols[j]]


@njit(cache=True, inline="always")
def _stored(weight, table, t0, i):
    """Weight i of a float64 or float32 pool (float32 to float64 is exact)."""
    return weight[i]


@njit(cache=True, inline="always")
def _coded(codes, table, t0, i):
    """Weight i of the uint16 code pool: its block's table entry."""
    return table[t0 + codes[i]]


# The delivery loops: one loop per delay case (_by_storage picks it), inlined
# for each weight form (w_at is a compiled function argument, which only an
# inlined callee can take and still be cached).
@njit(cache=True, inline="always", error_model="numpy")
def _deliver_uniform(ring, spikes, s0, s1, rows, syn, targets, base, shared, w_uniform, w_at,
                     weight, table, t0, w0):
    """Each spike's synapses in CSR order into the ring row at `base` (one delay).
    Weight k is w_uniform where `shared`, else w_at(weight, table, t0, w0 + k)."""
    for s in range(s0, s1):
        pre = spikes[s]
        if shared:
            for k in range(syn + rows[pre], syn + rows[pre + 1]):
                ring[base + targets[k]] += w_uniform
        else:
            for k in range(syn + rows[pre], syn + rows[pre + 1]):
                ring[base + targets[k]] += w_at(weight, table, t0, w0 + k)


@njit(cache=True, inline="always", error_model="numpy")
def _deliver_varied(ring, spikes, s0, s1, rows, syn, targets, column, slot_now, slots, width,
                    shared, w_uniform, w_at, weight, table, t0, w0, delays, d0):
    """As _deliver_uniform with per-synapse delays (an int16 or uint8 pool): the
    arrival slot is slot_now + d wrapped once (d < slots), the same index as
    (step + d) % slots."""
    for s in range(s0, s1):
        pre = spikes[s]
        for k in range(syn + rows[pre], syn + rows[pre + 1]):
            at = slot_now + delays[d0 + k]
            w = w_uniform if shared else w_at(weight, table, t0, w0 + k)
            ring[(at - slots if at >= slots else at) * width + column + targets[k]] += w


@njit(cache=True, error_model="numpy")
def _propagate(bt, w_uniform, step, spikes, s0, s1, ring, slots, width, indptr, post16, post32,
               weights, delays):
    """One block's synapses of `spikes`; `weights` = (float64, float32, uint16 code,
    code table) pools, `delays` = (int16, uint8) pools (synapse_pool.py)."""
    if bt[B_POST16]:
        _by_storage(bt, w_uniform, step, spikes, s0, s1, ring, slots, width, indptr, post16,
                    weights, delays)
    else:
        _by_storage(bt, w_uniform, step, spikes, s0, s1, ring, slots, width, indptr, post32,
                    weights, delays)


@njit(cache=True, error_model="numpy")
def _by_storage(bt, w_uniform, step, spikes, s0, s1, ring, slots, width, indptr, targets,
                weights, delays):
    """The delivery loop for the block's delay (one, or per synapse and its width)
    and weight form (shared, float64, float32, codes)."""
    rows = indptr[bt[B_INDPTR]:]
    syn, column, slot_now, shared = bt[B_SYN], bt[B_COLUMN], step % slots, bt[B_WEIGHT] < 0
    w0, delay, d0, t0 = bt[B_WEIGHT] - syn, bt[B_DELAY], bt[B_DELAY_OFF] - syn, bt[B_WTABLE]
    weight64, weight32, codes16, table = weights
    delay16, delay8 = delays
    kind = W_FLOAT64 if shared else bt[B_WKIND]
    if delay >= 0:
        at = slot_now + delay
        base = (at - slots if at >= slots else at) * width + column
        if kind == W_FLOAT64:
            _deliver_uniform(ring, spikes, s0, s1, rows, syn, targets, base, shared, w_uniform,
                             _stored, weight64, table, t0, w0)
        elif kind == W_FLOAT32:
            _deliver_uniform(ring, spikes, s0, s1, rows, syn, targets, base, shared, w_uniform,
                             _stored, weight32, table, t0, w0)
        else:
            _deliver_uniform(ring, spikes, s0, s1, rows, syn, targets, base, shared, w_uniform,
                             _coded, codes16, table, t0, w0)
    elif bt[B_DELAY8]:
        _varied_delays(ring, spikes, s0, s1, rows, syn, targets, column, slot_now, slots, width,
                       shared, w_uniform, kind, weights, t0, w0, delay8, d0)
    else:
        _varied_delays(ring, spikes, s0, s1, rows, syn, targets, column, slot_now, slots, width,
                       shared, w_uniform, kind, weights, t0, w0, delay16, d0)


@njit(cache=True, inline="always", error_model="numpy")
def _varied_delays(ring, spikes, s0, s1, rows, syn, targets, column, slot_now, slots, width,
                   shared, w_uniform, kind, weights, t0, w0, delays, d0):
    weight64, weight32, codes16, table = weights
    if kind == W_FLOAT64:
        _deliver_varied(ring, spikes, s0, s1, rows, syn, targets, column, slot_now, slots, width,
                        shared, w_uniform, _stored, weight64, table, t0, w0, delays, d0)
    elif kind == W_FLOAT32:
        _deliver_varied(ring, spikes, s0, s1, rows, syn, targets, column, slot_now, slots, width,
                        shared, w_uniform, _stored, weight32, table, t0, w0, delays, d0)
    else:
        _deliver_varied(ring, spikes, s0, s1, rows, syn, targets, column, slot_now, slots, width,
                        shared, w_uniform, _coded, codes16, table, t0, w0, delays, d0)


@njit(cache=True, inline="always", error_model="numpy")
def _record(g0, start, nf, fired, recorded, step, out_steps, out_gids, n_out):
    """The recorded ones of a group's fired cells fired[start:nf] into the output."""
    for s in range(start, nf):
        if recorded[g0 + fired[s]]:
            out_steps[n_out] = step
            out_gids[n_out] = g0 + fired[s]
            n_out += 1
    return n_out


@njit(cache=True, error_model="numpy")
def _propagate_step(k, step, pre_table, fired, fired_start, fired_end, src_cells, src_bounds,
                    blocks, uniform_weight, ring, slots, width, indptr, post16, post32, weight,
                    delay16):
    """The spikes of window step k (global `step`): neuron groups' from `fired`,
    sources' as scheduled, pre-synaptic entry by entry."""
    for q in range(pre_table.shape[0]):
        pt = pre_table[q]
        j = pt[P_INDEX]
        if pt[P_KIND] == 0:
            spikes, s0, s1 = fired, fired_start[j], fired_end[j]
        else:
            spikes, s0, s1 = src_cells, src_bounds[j, k], src_bounds[j, k + 1]
        if s1 <= s0:
            continue
        for b in range(pt[P_BLOCK0], pt[P_BLOCK1]):
            _propagate(blocks[b], uniform_weight[b], step, spikes, s0, s1, ring, slots,
                       width, indptr, post16, post32, weight, delay16)


@njit(cache=True, inline="always", error_model="numpy")
def _two_group_steps(gt, st, par, left, rsteps, ring, be, be2, flag, f1):
    """Steps t and t + 1 of group `gt` in one pass (neuron_kernels.two_steps)."""
    model, n, g0 = gt[G_MODEL], gt[G_SIZE], gt[G_FIRST]
    so, po, uniform = gt[G_STATE], gt[G_PAR], gt[G_UNIFORM] == 1
    if model == IF_CURR_EXP:
        nk.two_steps(nk._curr_exp_cell, nk._load_curr_exp, n, uniform, st, so, par, po, left,
                     g0, rsteps, ring, be, be2, flag, f1)
    elif model == LOIHI or model == LOIHI_SPLIT:
        lk.two_steps(n, model == LOIHI_SPLIT, uniform, gt[G_BOUNDED] == 1, st, so, par, po, left,
                     g0, rsteps, ring, be, be2, flag, f1)


@njit(cache=True, inline="always", error_model="numpy")
def _steps(small, large, window, neurons, injection, synapses, output, records):
    """The body of run_steps and run_steps_parallel (their arguments in tuples: a
    call with more than 30 arguments cannot be inlined); a group's cells are
    updated by `large` when it has at least `parallel_min` cells, else by `small`.

    pair_row > 0 (stepper.pairable): the window's steps are taken two at a time,
    each cell updated for both in one pass (_two_group_steps; the flags of the
    second step at flag[pair_row + cell]), then each step's spikes recorded and
    propagated in order, which is the one-step loop's order of every sum."""
    first, k0, k1, parallel_min, inj_first, n_out, max_new, slots, width, pair_row = window
    groups, st, par, left, rsteps, recorded, ring, iext, flag, fired, fired_start, \
        fired_end = neurons
    inj_table, inj_cells, inj_cols = injection
    pre_table, blocks, uniform_weight, indptr, post16, post32, weight, delay16, src_cells, \
        src_bounds = synapses
    out_steps, out_gids = output
    rec_table, rec_cells, rec_buf = records
    n_groups = groups.shape[0]
    k = k0
    while k < k1:
        pair = pair_row > 0 and k + 1 < k1
        if n_out + (2 if pair else 1) * max_new > out_steps.size:
            return k, n_out
        step = first + k
        slot_base = (step % slots) * width
        if pair:
            slot_next = ((step + 1) % slots) * width
            for g in range(n_groups):
                gt = groups[g]
                _two_group_steps(gt, st, par, left, rsteps, ring, slot_base + gt[G_RING],
                                 slot_next + gt[G_RING], flag, pair_row + gt[G_FIRST])
            for j in range(2):
                nf = 0
                for g in range(n_groups):
                    gt = groups[g]
                    g0 = gt[G_FIRST]
                    fired_start[g] = nf
                    nf = nk.compact_flags(gt[G_SIZE], g0 + j * pair_row, g0, False, flag, left,
                                          rsteps, fired, nf)
                    fired_end[g] = nf
                    n_out = _record(g0, fired_start[g], nf, fired, recorded, step + j,
                                    out_steps, out_gids, n_out)
                _propagate_step(k + j, step + j, pre_table, fired, fired_start, fired_end,
                                src_cells, src_bounds, blocks, uniform_weight, ring, slots,
                                width, indptr, post16, post32, weight, delay16)
            k += 2
            continue
        nf = 0
        for g in range(n_groups):
            gt = groups[g]
            if gt[G_INJ] >= 0:
                _inject(gt, k - inj_first, iext, inj_table, inj_cells, inj_cols)
            start = nf
            fired_start[g] = start
            # a group without injected current reads none (io -1: its kernel adds 0.0)
            io = gt[G_FIRST] if gt[G_INJ] >= 0 else -1
            nf = _update_group(small, large, gt, parallel_min, st, par, left, rsteps, ring,
                               slot_base + gt[G_RING], iext, io, flag, fired, nf)
            fired_end[g] = nf
            n_out = _record(gt[G_FIRST], start, nf, fired, recorded, step, out_steps, out_gids,
                            n_out)
        _sample(rec_table, rec_cells, rec_buf, st, step + 1)
        _propagate_step(k, step, pre_table, fired, fired_start, fired_end, src_cells,
                        src_bounds, blocks, uniform_weight, ring, slots, width, indptr, post16,
                        post32, weight, delay16)
        k += 1
    return k1, n_out


@njit(cache=True, nogil=True, error_model="numpy")
def run_steps(first, k0, k1, groups, parallel_min, st, par, left, rsteps, recorded,
              ring, slots, width, iext, inj_first, inj_table, inj_cells, inj_cols,
              pre_table, blocks, uniform_weight, indptr, post16, post32, weight, delay16,
              src_cells, src_bounds, flag, fired, fired_start, fired_end,
              out_steps, out_gids, n_out, max_new,
              rec_table, rec_cells, rec_buf, pair_row):
    """Steps first+k0 .. first+k1-1 of the window that starts at `first`, on one thread.

    Recorded spikes go to out_steps/out_gids from n_out; the loop stops early
    (returning the next k) when the next step might not fit (max_new per step).
    Returns (next k, n_out).
    """
    return _steps(_cells_serial, _cells_serial,
                  window=(first, k0, k1, parallel_min, inj_first, n_out, max_new, slots, width,
                          pair_row),
                  neurons=(groups, st, par, left, rsteps, recorded, ring, iext, flag, fired,
                           fired_start, fired_end),
                  injection=(inj_table, inj_cells, inj_cols),
                  synapses=(pre_table, blocks, uniform_weight, indptr, post16, post32, weight,
                            delay16, src_cells, src_bounds),
                  output=(out_steps, out_gids), records=(rec_table, rec_cells, rec_buf))


@njit(cache=True, nogil=True, error_model="numpy")
def run_steps_parallel(first, k0, k1, groups, parallel_min, st, par, left, rsteps, recorded,
                       ring, slots, width, iext, inj_first, inj_table, inj_cells, inj_cols,
                       pre_table, blocks, uniform_weight, indptr, post16, post32, weight, delay16,
                       src_cells, src_bounds, flag, fired, fired_start, fired_end,
                       out_steps, out_gids, n_out, max_new,
                       rec_table, rec_cells, rec_buf, pair_row):
    """As run_steps, the groups of at least parallel_min cells updated by numba's
    threads (compiled only where a run asks for threads)."""
    return _steps(_cells_serial, _cells_parallel,
                  window=(first, k0, k1, parallel_min, inj_first, n_out, max_new, slots, width,
                          pair_row),
                  neurons=(groups, st, par, left, rsteps, recorded, ring, iext, flag, fired,
                           fired_start, fired_end),
                  injection=(inj_table, inj_cells, inj_cols),
                  synapses=(pre_table, blocks, uniform_weight, indptr, post16, post32, weight,
                            delay16, src_cells, src_bounds),
                  output=(out_steps, out_gids), records=(rec_table, rec_cells, rec_buf))




@njit(cache=True, error_model="numpy")
def _sample(rec_table, rec_cells, rec_buf, st, time_step):
    """StateRecord.maybe_sample for every record, at time `time_step` (in steps)."""
    for r in range(rec_table.shape[0]):
        rt = rec_table[r]
        interval = rt[R_INTERVAL]
        if time_step % interval != 0 or time_step // interval != rt[R_TAKEN]:
            continue
        n = rt[R_NCELLS]
        row = rt[R_BUF] + rt[R_FILLED] * n
        base = rt[R_STATE]
        for c in range(n):
            rec_buf[row + c] = st[base + rec_cells[rt[R_CELLS] + c]]
        rt[R_FILLED] += 1
        rt[R_TAKEN] += 1
