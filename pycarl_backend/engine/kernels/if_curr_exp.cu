// IF_curr_exp: one thread per neuron; ring-buffer input, exact membrane update
// (iaf_psc_exp propagators computed on the host), refractoriness, threshold,
// reset and spike output, fused. Every floating-point operation is the
// correctly rounded double operation in the order of the NumPy path
// (neurons.IFCurrExp.update), so CPU and GPU agree bit for bit.
#include "emit_spike.cu"

extern "C" __global__ void if_curr_exp_step(
    int n, const int *clock, int slots, long long width, double *ring,
    const int *col_exc, const int *col_inh,
    double *v, double *isyn_exc, double *isyn_inh, int *refr_left,
    const double *v_rest, const double *i_offset, const double *v_reset, const double *v_thresh,
    const double *p_mem, const double *p_current, const double *p_exc_decay,
    const double *p_inh_decay, const double *p_exc_to_v, const double *p_inh_to_v,
    const int *refr_steps, const double *i_ext, int gid_base, SPIKE_OUTPUT_PARAMS)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int step = clock[0];
    long long row = (long long)(step % slots) * width;
    double *in_e = ring + row + col_exc[i];
    double *in_i = ring + row + col_inh[i];
    double input_exc = *in_e, input_inh = *in_i;
    *in_e = 0.0;  // consume the slot
    *in_i = 0.0;

    double current = i_ext ? __dadd_rn(i_offset[i], i_ext[i]) : i_offset[i];
    double vr = v_rest[i], vm = v[i];
    double ie = isyn_exc[i], ii = isyn_inh[i];
    double v_free = __dadd_rn(vr, __dmul_rn(p_mem[i], __dsub_rn(vm, vr)));
    v_free = __dadd_rn(v_free, __dmul_rn(p_current[i], current));
    v_free = __dadd_rn(v_free, __dmul_rn(p_exc_to_v[i], ie));
    v_free = __dadd_rn(v_free, __dmul_rn(p_inh_to_v[i], ii));

    int left = refr_left[i];
    if (left > 0) left -= 1; else vm = v_free;
    isyn_exc[i] = __dadd_rn(__dmul_rn(ie, p_exc_decay[i]), input_exc);
    isyn_inh[i] = __dadd_rn(__dmul_rn(ii, p_inh_decay[i]), input_inh);
    if (vm >= v_thresh[i]) {
        vm = v_reset[i];
        left = refr_steps[i];
        emit_spike(i, gid_base, step, SPIKE_OUTPUT_ARGS);
    }
    v[i] = vm;
    refr_left[i] = left;
}
