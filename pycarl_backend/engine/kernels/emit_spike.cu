// Shared by the neuron-model kernels (included textually by engine/gpu.py; by
// nvcc -I in tests): append a spike to the step's spike list and, for recorded
// cells, to the group's spike record. Both appends use atomic counters, so the
// order within one step is arbitrary; each cell fires at most once per step.

// The spike-output parameters, last in every neuron kernel's signature:
//   spikes, spike_count: the spike lists (global ids) and their lengths; a
//     step kernel uses list 0 and count step & 1 (propagate_spikes resets the
//     other), a pipelined kernel list and count step % 3 (pipeline.cu);
//   group_of: neuron -> its group's row in the record tables;
//   group_start: group -> first neuron of the group in this kernel;
//   recorded: neuron -> 1 if its spikes are recorded;
//   rec_steps, rec_cells: group -> address of its record's int32 step / cell arrays;
//   rec_count, rec_capacity: group -> recorded spikes so far / length of those arrays.
#define RECORD_PARAMS \
    const int *group_of, const int *group_start, const unsigned char *recorded, \
    const long long *rec_steps, const long long *rec_cells, unsigned long long *rec_count, \
    const long long *rec_capacity
#define RECORD_ARGS group_of, group_start, recorded, rec_steps, rec_cells, rec_count, rec_capacity
#define SPIKE_OUTPUT_PARAMS int *spikes, int *spike_count, RECORD_PARAMS

// the neuron's ring-buffer input of this step (excitatory and inhibitory
// columns), the slot consumed
__device__ __forceinline__ void take_input(double *ring, int step, int slots, long long width,
                                           int col_e, int col_i, double *input_exc,
                                           double *input_inh)
{
    long long row = (long long)(step % slots) * width;
    *input_exc = ring[row + col_e];
    *input_inh = ring[row + col_i];
    ring[row + col_e] = 0.0;
    ring[row + col_i] = 0.0;
}

__device__ __forceinline__ void emit_spike(int i, int gid_base, int step, int *step_spikes,
                                           int *step_count, RECORD_PARAMS)
{
    step_spikes[atomicAdd(step_count, 1)] = gid_base + i;
    if (recorded[i]) {
        int g = group_of[i];
        unsigned long long k = atomicAdd(rec_count + g, 1ULL);
        // the host sizes the arrays before each chunk of steps so that k < capacity;
        // it checks the counts after the chunk and raises if one ever ran over
        if ((long long)k < rec_capacity[g]) {
            ((int *)rec_steps[g])[k] = step;
            ((int *)rec_cells[g])[k] = i - group_start[g];
        }
    }
}

// the end of a neuron's step: threshold (then reset, refractory period and the
// spike), and the membrane and refractory counter stored
__device__ __forceinline__ void fire_and_store(
    int i, double vm, int left, const double *v_thresh, const double *v_reset,
    const int *refr_steps, double *v, int *refr_left, int gid_base, int step,
    int *step_spikes, int *step_count, RECORD_PARAMS)
{
    if (vm >= v_thresh[i]) {
        vm = v_reset[i];
        left = refr_steps[i];
        emit_spike(i, gid_base, step, step_spikes, step_count, RECORD_ARGS);
    }
    v[i] = vm;
    refr_left[i] = left;
}

// the body of a model's step kernel, `update` being its per-neuron step (the
// spikes go to list 0 and count step & 1; propagate_spikes follows)
#define STEP_KERNEL_BODY(update, MODEL_ARGS) \
    int i = blockIdx.x * blockDim.x + threadIdx.x; \
    if (i >= n) return; \
    int step = clock[0]; \
    update(i, step, slots, width, ring, MODEL_ARGS, spikes, spike_count + (step & 1), \
           RECORD_ARGS);
