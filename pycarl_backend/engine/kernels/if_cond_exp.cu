// IF_cond_exp: one thread per neuron, the step of neurons.IFCondExp.update
// fused: membrane solved exactly at the step-averaged conductances, then the
// conductances decay and take up the ring-buffer input, then the threshold.
// exp() here is CUDA's (within 1 ulp of the host's), so CPU and GPU agree to
// rounding, not bit for bit.
#include "emit_spike.cu"
#include "pipeline.cu"

#define IF_COND_EXP_PARAMS \
    const int *col_exc, const int *col_inh, \
    double *v, double *gsyn_exc, double *gsyn_inh, int *refr_left, \
    const double *v_rest, const double *cm, const double *e_rev_E, const double *e_rev_I, \
    const double *v_thresh, const double *v_reset, const double *i_offset, \
    const double *p_exc_decay, const double *p_inh_decay, const double *exc_step_mean, \
    const double *inh_step_mean, const double *g_leak, \
    const int *refr_steps, const double *i_ext, double dt, int gid_base
#define IF_COND_EXP_ARGS \
    col_exc, col_inh, v, gsyn_exc, gsyn_inh, refr_left, v_rest, cm, e_rev_E, e_rev_I, v_thresh, \
    v_reset, i_offset, p_exc_decay, p_inh_decay, exc_step_mean, inh_step_mean, g_leak, \
    refr_steps, i_ext, dt, gid_base

__device__ __forceinline__ void if_cond_exp_update(
    int i, int step, int slots, long long width, double *ring, IF_COND_EXP_PARAMS,
    int *step_spikes, int *step_count, RECORD_PARAMS)
{
    double input_exc, input_inh;
    take_input(ring, step, slots, width, col_exc[i], col_inh[i], &input_exc, &input_inh);

    double current = i_ext ? i_offset[i] + i_ext[i] : i_offset[i];
    double ge = gsyn_exc[i], gi = gsyn_inh[i];
    double g_e = ge * exc_step_mean[i];
    double g_i = gi * inh_step_mean[i];
    double gl = g_leak[i];
    double g_total = gl + g_e + g_i;
    double v_inf = (gl * v_rest[i] + g_e * e_rev_E[i] + g_i * e_rev_I[i] + current) / g_total;
    double vm = v[i];
    double v_free = v_inf + (vm - v_inf) * exp(-dt * g_total / cm[i]);

    int left = refr_left[i];
    if (left > 0) { left -= 1; vm = v_reset[i]; } else vm = v_free;
    gsyn_exc[i] = ge * p_exc_decay[i] + input_exc;
    gsyn_inh[i] = gi * p_inh_decay[i] + input_inh;
    fire_and_store(i, vm, left, v_thresh, v_reset, refr_steps, v, refr_left, gid_base, step,
                   step_spikes, step_count, RECORD_ARGS);
}

extern "C" __global__ void if_cond_exp_step(
    int n, const int *clock, int slots, long long width, double *ring, IF_COND_EXP_PARAMS,
    SPIKE_OUTPUT_PARAMS)
{
    STEP_KERNEL_BODY(if_cond_exp_update, IF_COND_EXP_ARGS)
}

extern "C" __global__ void if_cond_exp_pipelined(
    int n, int *clock, int slots, long long width, double *ring, IF_COND_EXP_PARAMS,
    SPIKE_OUTPUT_PARAMS, int capacity, PROPAGATION_PARAMS)
{
    PIPELINED_STEP(if_cond_exp_update, IF_COND_EXP_ARGS)
}
