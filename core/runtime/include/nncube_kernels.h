/*
 * nncube runtime: the kernel library generated networks call.
 *
 * C99, freestanding-friendly: int8 kernels use only <stdint.h>, <stddef.h> and <string.h> and no float math;
 * float kernels use <math.h> only for expf (softmax). No allocation, no global state.
 *
 * Memory contract (the memory planner relies on it): window and pixel-wise kernels iterate over output pixels in
 * increasing NHWC order (batch, y, x). Once a kernel writes any byte of output pixel p, it afterwards only reads
 * input needed by output pixels >= p - 3. Elementwise kernels write element i after reading input element i and
 * never read earlier elements again, so they may run in place. No kernel uses memcpy between overlapping ranges.
 */
#ifndef NNCUBE_KERNELS_H
#define NNCUBE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Geometry of a 2-D window operator on NHWC tensors (convolution, depthwise convolution, pooling). */
typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_top, pad_left;
} nncube_window;

/* Quantized output stage: per-channel (or replicated per-tensor) multipliers and shifts, offsets and clamp. */
typedef struct {
    int32_t input_offset;  /* -input zero point */
    int32_t filter_offset; /* -filter zero point (0 for symmetric per-channel weights) */
    int32_t output_offset; /* output zero point */
    int32_t act_min, act_max;
    const int32_t *multiplier; /* one per output channel, in [0, 2^31) as TFLite's QuantizeMultiplier gives */
    const int32_t *shift;      /* one per output channel */
} nncube_quant_s8;

/* Float clamp of a fused activation. */
typedef struct {
    float act_min, act_max;
} nncube_clamp_f32_params;

/* Fully connected geometry: `batches` rows of `in_features`, `out_features` outputs; weights are [out, in]. */
typedef struct {
    int32_t batches, in_features, out_features;
} nncube_fc_shape;

/* Convolution. float: filter [out_c, k_h, k_w, in_c]; bias [out_c] or NULL. int8: filter and bias in the
 * matmul layout (see nncube_matmul_s8 below) with depth = k_h * k_w * in_c. */
void nncube_conv2d_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                      const int8_t *filter, const int32_t *bias, int8_t *output);
void nncube_conv2d_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                       const float *filter, const float *bias, float *output);
/* nncube_conv2d_s8 for first layers (few input channels, short patches: nncube_conv_first.c), same arguments and
 * results; layers outside its conditions go to nncube_conv2d_s8. The code generator calls it only for such layers,
 * so other networks do not link it. */
void nncube_conv2d_s8_first(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output);

/* int8 1x1 convolution without padding (any stride) whose layer the code generator checked (whole int8 clamp,
 * right shifts in [1, 22] or dead channels, |accumulator| < 2^30): `records` holds one record per output channel
 * (twice the folded bias, the filter, then multiplier, rounding constant with the output offset, right shift;
 * layouts in nncube_conv1x1.c). `small`: in_c 8, 16 or 32 (filter as doubled 16-bit lanes); `wide`: in_c a
 * multiple of 16 in [64, 256] (filter as int8). Same memory contract as nncube_conv2d_s8. Separate entry points,
 * so that a network links only the loops it uses. */
void nncube_conv1x1_small_s8(const nncube_window *w, const int32_t *records, const int8_t *input, int8_t *output);
void nncube_conv1x1_wide_s8(const nncube_window *w, const int32_t *records, const int8_t *input, int8_t *output);

/* Convolution followed by pooling in one kernel (Op::ConvPool2d), no intermediate buffer: `conv` is the
 * convolution's geometry (out_* = the unpooled result), `q` / `c` its output stage; `pool` the pooling geometry
 * (in_* = conv out_*); pool_kind NNCUBE_POOL_MAX or NNCUBE_POOL_AVERAGE; then the pool's clamp. */
#define NNCUBE_POOL_MAX 0
#define NNCUBE_POOL_AVERAGE 1
void nncube_conv_pool2d_s8(const nncube_window *conv, const nncube_quant_s8 *q, const nncube_window *pool,
                           int32_t pool_kind, int32_t pool_act_min, int32_t pool_act_max, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, int8_t *output);
/* 1x1 convolution + pooling with the wide channel records of nncube_conv1x1_wide_s8 (out_c <= 256, pooling windows
 * of at most 256 pixels, records requantizing to the conv result's quantization): per pooled pixel its window's
 * conv pixels in blocks (`wide`: in_c 64 to 128, blocks of 6; `deep`: in_c 144 to 256, blocks of 5 and a last
 * one of 4) through the records' loop, folded into per-channel pool accumulators, then the pooled values as
 * nncube_conv_pool2d_s8. Reads only the pooled pixel's receptive field before writing it. */
void nncube_conv_pool1x1_wide_s8(const nncube_window *conv, const nncube_window *pool, int32_t pool_kind,
                                 int32_t pool_act_min, int32_t pool_act_max, const int32_t *records,
                                 const int8_t *input, int8_t *output);
void nncube_conv_pool1x1_deep_s8(const nncube_window *conv, const nncube_window *pool, int32_t pool_kind,
                                 int32_t pool_act_min, int32_t pool_act_max, const int32_t *records,
                                 const int8_t *input, int8_t *output);
void nncube_conv_pool2d_f32(const nncube_window *conv, const nncube_clamp_f32_params *c, const nncube_window *pool,
                            int32_t pool_kind, const nncube_clamp_f32_params *pool_clamp, const float *input,
                            const float *filter, const float *bias, float *output);

/* Depthwise convolution. Filter [1, k_h, k_w, out_c] with out_c = in_c * depth_multiplier; bias or NULL. The int8
 * paired-tap path (depth multiplier >= 2) re-arranges its per-channel tap records on the stack once per call (at
 * most 1.9 KiB). */
void nncube_depthwise_conv2d_s8(const nncube_window *w, int32_t depth_multiplier, const nncube_quant_s8 *q,
                                const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output);
void nncube_depthwise_conv2d_f32(const nncube_window *w, int32_t depth_multiplier,
                                 const nncube_clamp_f32_params *c, const float *input, const float *filter,
                                 const float *bias, float *output);

/* Int8 depthwise 3x3 convolution, depth multiplier 1 (dilation 1 across), on the layout code generation writes
 * (core/src/codegen/pack_depthwise.rs, described in nncube_depthwise_3x3.c): filter, bias with the input offset
 * folded in and requantization records, 34 words per group of 4 channels. `q` gives the input offset and the clamp
 * (its multiplier and shift may be NULL). Code generation calls it only for layers within the narrow
 * requantization's bounds (right shifts 1 to 22, |bias| + 9 * 255 * 255 < 2^30) with at most 256 channels. Stack:
 * a zero-point row of in_c bytes. */
void nncube_depthwise_3x3_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                             const uint32_t *packed, int8_t *output);

/* Fully connected. float: weights [out_features, in_features]; bias [out_features] or NULL. int8: weights and
 * bias in the matmul layout (see nncube_matmul_s8 below) with depth = in_features. `q->multiplier` holds
 * `per_channel ? out_features : 1` entries. */
void nncube_fully_connected_s8(const nncube_fc_shape *s, const nncube_quant_s8 *q, int per_channel,
                               const int8_t *input, const int8_t *weights, const int32_t *bias, int8_t *output);
void nncube_fully_connected_f32(const nncube_fc_shape *s, const nncube_clamp_f32_params *c, const float *input,
                                const float *weights, const float *bias, float *output);

/* Pooling (k_h x k_w window; in_c == out_c). The int8 versions clamp to [act_min, act_max]. */
void nncube_average_pool_s8(const nncube_window *w, int32_t act_min, int32_t act_max, const int8_t *input,
                            int8_t *output);
void nncube_average_pool_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                             float *output);
void nncube_max_pool_s8(const nncube_window *w, int32_t act_min, int32_t act_max, const int8_t *input,
                        int8_t *output);
void nncube_max_pool_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                         float *output);

/* Elementwise add of two same-shaped int8 tensors, TFLite's rescaling (inputs shifted left by `left_shift`). */
typedef struct {
    int32_t input1_offset, input2_offset, output_offset;
    int32_t left_shift;
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
} nncube_add_s8_params;

void nncube_add_s8(const nncube_add_s8_params *p, size_t count, const int8_t *a, const int8_t *b, int8_t *output);
void nncube_add_f32(const nncube_clamp_f32_params *c, size_t count, const float *a, const float *b, float *output);
/* Elementwise a - b of same-shaped tensors (same parameters and rescaling as add). */
void nncube_sub_s8(const nncube_add_s8_params *p, size_t count, const int8_t *a, const int8_t *b, int8_t *output);
void nncube_sub_f32(const nncube_clamp_f32_params *c, size_t count, const float *a, const float *b, float *output);

/* Elementwise a * b of same-shaped int8 tensors: requantize((a + input1_offset) * (b + input2_offset)). */
typedef struct {
    int32_t input1_offset, input2_offset, output_offset;
    int32_t multiplier, shift;
    int32_t act_min, act_max;
} nncube_mul_s8_params;

void nncube_mul_s8(const nncube_mul_s8_params *p, size_t count, const int8_t *a, const int8_t *b, int8_t *output);
void nncube_mul_f32(const nncube_clamp_f32_params *c, size_t count, const float *a, const float *b, float *output);

/* Softmax over the last dimension (`depth` elements per row). int8 in, int8 out (zero point -128, scale 1/256). */
typedef struct {
    int32_t input_multiplier; /* beta * input scale, as a Q31 multiplier for 5 integer bits */
    int32_t input_left_shift;
    int32_t diff_min; /* differences below this give an output of -128 */
} nncube_softmax_s8_params;

void nncube_softmax_s8(const nncube_softmax_s8_params *p, int32_t rows, int32_t depth, const int8_t *input,
                       int8_t *output);
void nncube_softmax_f32(float beta, int32_t rows, int32_t depth, const float *input, float *output);

/* Elementwise int8 requantization + clamp: out = clamp(output_zero_point + requantize(in - input_zero_point)).
 * Used for relu / relu6 / relu-n1-to-1 and int8 -> int8 quantize. */
typedef struct {
    int32_t input_zero_point;
    int32_t multiplier, shift;
    int32_t output_zero_point;
    int32_t act_min, act_max;
} nncube_requant_s8_params;

void nncube_requantize_s8(const nncube_requant_s8_params *p, size_t count, const int8_t *input, int8_t *output);
/* Elementwise float clamp (relu family on float tensors). */
void nncube_clamp_array_f32(const nncube_clamp_f32_params *c, size_t count, const float *input, float *output);
/* float -> int8: clamp(round(x / scale) + zero_point, -128, 127) (round half away from zero). */
void nncube_quantize_f32_s8(float scale, int32_t zero_point, size_t count, const float *input, int8_t *output);
/* int8 -> float: (float)((double)scale * (x - zero_point)). */
void nncube_dequantize_s8_f32(float scale, int32_t zero_point, size_t count, const int8_t *input, float *output);

/* Concatenation: for each of `outer` slices, input k contributes `chunk_bytes[k]` bytes, in input order. */
void nncube_concatenation(size_t outer, size_t count, const uint8_t *const *inputs, const size_t *chunk_bytes,
                          uint8_t *output);

/* Constant padding of a tensor of rank <= 4, described as 4-D (leading dimensions of size 1). */
typedef struct {
    int32_t in_dims[4];
    int32_t out_dims[4];
    int32_t before[4];
    int32_t elem_bytes;
} nncube_pad_params;

/* `fill` holds one element (elem_bytes bytes). Output elements are produced in row-major order. */
void nncube_pad(const nncube_pad_params *p, const uint8_t *fill, const uint8_t *input, uint8_t *output);

/* The blocked int8 matrix product shared by convolution, conv+pool and fully connected (nncube_matmul.c).
 * Matmul layout (written by the code generator, docs/kernels.md): rows of `depth` values padded with zeros to
 * R = 4 * ceil(depth / 4) bytes; channels 2j and 2j+1 are stored together in 2R bytes at offset 2j * R as
 * alternating 4-byte groups (row 2j bytes 0-3, row 2j+1 bytes 0-3, row 2j bytes 4-7, ...); an odd last channel
 * c is stored alone at c * R. The bias has the input offset folded in: bias[c] - zp_in * sum_k w[c][k]. */
typedef struct {
    const nncube_quant_s8 *q; /* offsets, clamp; multiplier/shift per channel, or entry 0 for all */
    const int8_t *filter;     /* matmul layout */
    const int32_t *bias;      /* folded bias [out channels], or NULL (sums start at 0) */
    int32_t depth;            /* values per row */
    int per_channel;          /* 0: q->multiplier[0] / q->shift[0] for every channel */
} nncube_matmul_s8_args;

/* Output channels [c_begin, c_end) of one row a0 (a1 == NULL) or two rows a0, a1 of `depth` int8 values:
 * out_r[c - c_begin] = requantize(sum_k (a_r[k] + input_offset) * (filter[c][k] + filter_offset) + bias[c])
 * with the unfolded bias. c_begin is even; c_end is even or the number of channels.
 * Writes channel pairs in increasing order (row 0, then row 1). Outputs must not overlap the rows (for the
 * rows of two consecutive output pixels, the memory contract above guarantees it). */
void nncube_matmul_s8(const nncube_matmul_s8_args *m, int32_t c_begin, int32_t c_end, const int8_t *a0,
                      const int8_t *a1, int8_t *out0, int8_t *out1);
/* 1 where nncube_matmul_s8_widened exists: the matmul's assembly paths (Thumb-2 with DSP, GCC, optimized,
 * without NNCUBE_NO_ASM). */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__) && !defined(__clang__) && \
    defined(__thumb2__) && defined(__OPTIMIZE__) && !defined(NNCUBE_NO_ASM)
#define NNCUBE_MATMUL_WIDENED 1
#else
#define NNCUBE_MATMUL_WIDENED 0
#endif
#if NNCUBE_MATMUL_WIDENED
/* nncube_matmul_s8 for two rows already widened by the caller (im2col patches widened while gathered): per group
 * of 4 values k..k+3, four words: SXTB16 of row 0's word (values k, k+2 as 16-bit lanes), SXTB16 ROR #8 of it
 * (k+1, k+3), then the same two for row 1. depth is a multiple of 4, bias is set, filter_offset is 0, c_begin and c_end even. */
void nncube_matmul_s8_widened(const nncube_matmul_s8_args *m, int32_t c_begin, int32_t c_end, const uint32_t *rows,
                              int8_t *out0, int8_t *out1);
#endif
/* Value k of channel c (of `channels`) of a filter in the matmul layout. */
int8_t nncube_matmul_weight(const int8_t *filter, int32_t depth, int32_t channels, int32_t c, int32_t k);

/* Longest im2col row (k_h * k_w * in_c) the fast convolutions gather on the stack (two rows at a time);
 * longer rows fall back to a direct, slower loop. */
#define NNCUBE_IM2COL_MAX_DEPTH 1152

/* The matmul row of conv output pixel (b, oy, ox): a pointer into `input` for a 1x1 unpadded window, else the
 * k_h * k_w * in_c patch gathered into `buf` (padding taps hold the input zero point, so they add nothing), or
 * NULL when the patch is longer than NNCUBE_IM2COL_MAX_DEPTH (`buf` holds that many bytes). */
const int8_t *nncube_conv_row_s8(const nncube_window *w, int32_t input_offset, const int8_t *input, int32_t b,
                                 int32_t oy, int32_t ox, int8_t *buf);
/* The int32 sum nncube_matmul_s8 computes for conv output (b, oy, ox, oc), tap by tap without a patch (for
 * patches longer than NNCUBE_IM2COL_MAX_DEPTH); filter and bias in the matmul layout. */
int32_t nncube_conv_sum_direct_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                                  const int8_t *filter, const int32_t *bias, int32_t b, int32_t oy, int32_t ox,
                                  int32_t oc);

/* Channels [c0, c0 + n) of int8 conv output pixel (b, oy, ox) into out[0 .. n), requantized and clamped, one value
 * at a time through nncube_conv_sum_direct_s8 (patches too long for the stack; shared with conv+pool). */
void nncube_conv_pixel_direct_s8(const nncube_window *w, const nncube_quant_s8 *q, const int8_t *input,
                                 const int8_t *filter, const int32_t *bias, int32_t b, int32_t oy, int32_t ox,
                                 int32_t c0, int32_t n, int8_t *out);
/* The float convolution value at (b, oy, ox, oc) with its clamp, summed in nncube_conv2d_f32's order (shared with
 * conv+pool). */
float nncube_conv_value_f32(const nncube_window *w, const nncube_clamp_f32_params *c, const float *input,
                            const float *filter, const float *bias, int32_t b, int32_t oy, int32_t ox, int32_t oc);
/* Clips the pooling window of output (oy, ox) to the input: [*y0, *y1) x [*x0, *x1) in input coordinates
 * (shared by the pooling and the fused conv+pool kernels). */
void nncube_pool_window(const nncube_window *w, int32_t oy, int32_t ox, int32_t *y0, int32_t *y1, int32_t *x0,
                        int32_t *x1);

#ifdef __cplusplus
}
#endif

#endif /* NNCUBE_KERNELS_H */
