// Pipelined stepping (engine/gpu.py, PYCARL_PIPELINED_STEP=1, for one neuron
// model whose every synaptic delay is 2 steps or more): one launch per step
// updates the neurons at step t, reading ring slot t, and propagates the
// spikes of step t-1, into slots t+1 and later, so the two halves never touch
// the same slot and need no grid-wide barrier between them. Spike lists and
// counts are triple-buffered by step % 3: step t appends to list t%3, reads
// list (t-1)%3 (complete: the previous launch wrote it) and clears count
// (t+1)%3 for the next step. After a window, propagate_last_spikes sends the
// window's last step.
#include "propagate.cu"

// the body of a pipelined kernel: `update(i, step, slots, width, ring, MODEL_ARGS,
// step_spikes, step_count, RECORD_ARGS)` is the model's per-neuron step
#define PIPELINED_STEP(update, MODEL_ARGS) \
    int step = clock[0]; \
    int i = blockIdx.x * blockDim.x + threadIdx.x; \
    int current = step % 3; \
    if (i < n) \
        update(i, step, slots, width, ring, MODEL_ARGS, spikes + (long long)current * capacity, \
               spike_count + current, RECORD_ARGS); \
    if (step > clock[1]) { \
        int previous = (step - 1) % 3; \
        propagate_spike_list(step - 1, step - 1 - clock[1], slots, width, ring, \
                             spikes + (long long)previous * capacity, spike_count[previous], \
                             PROPAGATION_ARGS); \
    } \
    if (blockIdx.x == 0 && threadIdx.x == 0) spike_count[(step + 1) % 3] = 0; \
    finish_step(clock, step);

extern "C" __global__ void propagate_last_spikes(
    const int *clock, int slots, long long width, double *ring,
    const int *spikes, const int *spike_count, int capacity, PROPAGATION_PARAMS)
{
    int step = clock[0] - 1;
    int buffer = step % 3;
    propagate_spike_list(step, step - clock[1], slots, width, ring,
                         spikes + (long long)buffer * capacity, spike_count[buffer],
                         PROPAGATION_ARGS);
}
