// Spike propagation into the delay ring buffer, one launch per step for all
// projections, and the device clock. Everything that changes from step to
// step is read on the device (clock = {step, first step of the window,
// finished blocks}), so
// the launches of a step are the same every step and can be replayed from a
// CUDA graph.
//
// The step's spikes are the spike sources' (the window's schedule sliced by
// src_bounds) followed by the neurons' (spike list with the device-side
// count spike_count[step & 1]). Every spike gets `lanes` threads (a multiple
// of 32, as many as the grid allows), which stride over its rows in every
// synapse block leaving its group and atomically add the weight into
// ring[(step + delay) % slots][column]. Block formats (b_format bits):
// 1 = int32 indptr (else int64), 2 = uint16 targets (else int32), as
// SynapseBlock stores them.
#ifndef PYCARL_PROPAGATE_CU
#define PYCARL_PROPAGATE_CU

#define PROPAGATION_PARAMS \
    const int *src_spikes, const int *src_bounds, \
    const int *gid_group, const int *group_first_gid, const int *group_block_start, \
    const long long *b_indptr, const long long *b_post, const long long *b_weight, \
    const long long *b_delay, const int *b_delay_scalar, const long long *b_col_base, \
    const int *b_format
#define PROPAGATION_ARGS \
    src_spikes, src_bounds, gid_group, group_first_gid, group_block_start, b_indptr, b_post, \
    b_weight, b_delay, b_delay_scalar, b_col_base, b_format

// the spikes of `step` (the k_window-th step of the window): the sources' and n_neuron
// from `neuron_spikes`, spread over the whole grid
__device__ void propagate_spike_list(int step, int k_window, int slots, long long width,
                                     double *ring, const int *neuron_spikes, int n_neuron,
                                     PROPAGATION_PARAMS)
{
    long long tid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long total = (long long)gridDim.x * blockDim.x;
    int src_offset = src_bounds[k_window];
    int n_src = src_bounds[k_window + 1] - src_offset;
    long long n = (long long)n_src + n_neuron;
    long long lanes = n ? (total / n) & ~31LL : 32;
    if (lanes < 32) lanes = 32;
    long long lane = tid % lanes;
    for (long long s = tid / lanes; s < n; s += total / lanes) {
        int gid = s < n_src ? src_spikes[src_offset + s] : neuron_spikes[s - n_src];
        int g = gid_group[gid];
        long long local = gid - group_first_gid[g];
        for (int e = group_block_start[g]; e < group_block_start[g + 1]; ++e) {
            int format = b_format[e];
            long long begin, end;
            if (format & 1) {
                begin = ((const int *)b_indptr[e])[local];
                end = ((const int *)b_indptr[e])[local + 1];
            } else {
                begin = ((const long long *)b_indptr[e])[local];
                end = ((const long long *)b_indptr[e])[local + 1];
            }
            const int *post32 = (const int *)b_post[e];
            const unsigned short *post16 = (const unsigned short *)b_post[e];
            const double *weight = (const double *)b_weight[e];
            const short *delay = (const short *)b_delay[e];
            int delay0 = b_delay_scalar[e];
            long long col_base = b_col_base[e];
            for (long long k = begin + lane; k < end; k += lanes) {
                int d = delay ? (int)delay[k] : delay0;
                long long slot = (step + d) % slots;
                long long post = (format & 2) ? (long long)post16[k] : (long long)post32[k];
                atomicAdd(ring + slot * width + col_base + post, weight[k]);
            }
        }
    }
}

// the last block to finish advances the clock: every thread of every block
// has read the step by then
__device__ void finish_step(int *clock, int step)
{
    __syncthreads();
    if (threadIdx.x == 0) {
        __threadfence();
        if (atomicAdd((unsigned int *)(clock + 2), 1u) == gridDim.x - 1) {
            clock[2] = 0;
            clock[0] = step + 1;
        }
    }
}

extern "C" __global__ void propagate_spikes(
    int *clock, int slots, long long width, double *ring,
    const int *src_spikes, const int *src_bounds, const int *spikes, int *spike_count,
    const int *gid_group, const int *group_first_gid, const int *group_block_start,
    const long long *b_indptr, const long long *b_post, const long long *b_weight,
    const long long *b_delay, const int *b_delay_scalar, const long long *b_col_base,
    const int *b_format)
{
    int step = clock[0];
    if (blockIdx.x == 0 && threadIdx.x == 0) spike_count[(step + 1) & 1] = 0;  // next step's
    propagate_spike_list(step, step - clock[1], slots, width, ring, spikes,
                         spike_count[step & 1], PROPAGATION_ARGS);
    finish_step(clock, step);
}

#endif
