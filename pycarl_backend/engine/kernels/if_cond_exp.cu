// IF_cond_exp: one thread per neuron, the step of neurons.IFCondExp.update
// fused: membrane solved exactly at the step-averaged conductances, then the
// conductances decay and take up the ring-buffer input, then the threshold.
// exp() here is CUDA's (within 1 ulp of the host's), so CPU and GPU agree to
// rounding, not bit for bit.
#include "emit_spike.cu"

extern "C" __global__ void if_cond_exp_step(
    int n, const int *clock, int slots, long long width, double *ring,
    const int *col_exc, const int *col_inh,
    double *v, double *gsyn_exc, double *gsyn_inh, int *refr_left,
    const double *v_rest, const double *cm, const double *e_rev_E, const double *e_rev_I,
    const double *v_thresh, const double *v_reset, const double *i_offset,
    const double *p_exc_decay, const double *p_inh_decay, const double *exc_step_mean,
    const double *inh_step_mean, const double *g_leak,
    const int *refr_steps, const double *i_ext, double dt, int gid_base, SPIKE_OUTPUT_PARAMS)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int step = clock[0];
    long long row = (long long)(step % slots) * width;
    double *in_e = ring + row + col_exc[i];
    double *in_i = ring + row + col_inh[i];
    double input_exc = *in_e, input_inh = *in_i;
    *in_e = 0.0;
    *in_i = 0.0;

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
    if (vm >= v_thresh[i]) {
        vm = v_reset[i];
        left = refr_steps[i];
        emit_spike(i, gid_base, step, SPIKE_OUTPUT_ARGS);
    }
    v[i] = vm;
    refr_left[i] = left;
}
