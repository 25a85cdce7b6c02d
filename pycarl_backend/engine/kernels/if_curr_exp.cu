// IF_curr_exp: one thread per neuron; ring-buffer input, exact membrane update
// (iaf_psc_exp propagators computed on the host), refractoriness, threshold,
// reset and spike output, fused. Every floating-point operation is the
// correctly rounded double operation in the order of the NumPy path
// (neurons.IFCurrExp.update), so CPU and GPU agree bit for bit.
#include "emit_spike.cu"
#include "pipeline.cu"

#define IF_CURR_EXP_PARAMS \
    const int *col_exc, const int *col_inh, \
    double *v, double *isyn_exc, double *isyn_inh, int *refr_left, \
    const double *v_rest, const double *i_offset, const double *v_reset, const double *v_thresh, \
    const double *p_mem, const double *p_current, const double *p_exc_decay, \
    const double *p_inh_decay, const double *p_exc_to_v, const double *p_inh_to_v, \
    const int *refr_steps, const double *i_ext, int gid_base
#define IF_CURR_EXP_ARGS \
    col_exc, col_inh, v, isyn_exc, isyn_inh, refr_left, v_rest, i_offset, v_reset, v_thresh, \
    p_mem, p_current, p_exc_decay, p_inh_decay, p_exc_to_v, p_inh_to_v, refr_steps, i_ext, \
    gid_base

__device__ __forceinline__ void if_curr_exp_update(
    int i, int step, int slots, long long width, double *ring, IF_CURR_EXP_PARAMS,
    int *step_spikes, int *step_count, RECORD_PARAMS)
{
    double input_exc, input_inh;
    take_input(ring, step, slots, width, col_exc[i], col_inh[i], &input_exc, &input_inh);

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
    fire_and_store(i, vm, left, v_thresh, v_reset, refr_steps, v, refr_left, gid_base, step,
                   step_spikes, step_count, RECORD_ARGS);
}

extern "C" __global__ void if_curr_exp_step(
    int n, const int *clock, int slots, long long width, double *ring, IF_CURR_EXP_PARAMS,
    SPIKE_OUTPUT_PARAMS)
{
    STEP_KERNEL_BODY(if_curr_exp_update, IF_CURR_EXP_ARGS)
}

extern "C" __global__ void if_curr_exp_pipelined(
    int n, int *clock, int slots, long long width, double *ring, IF_CURR_EXP_PARAMS,
    SPIKE_OUTPUT_PARAMS, int capacity, PROPAGATION_PARAMS)
{
    PIPELINED_STEP(if_curr_exp_update, IF_CURR_EXP_ARGS)
}
