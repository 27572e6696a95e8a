//! The int8 depthwise 3×3 layers (depth multiplier 1) laid out at generation time for the kernel
//! `nncube_depthwise_3x3_s8` (`core/runtime/src/nncube_depthwise_3x3.c`, docs/kernels.md "Depthwise 3×3 on a
//! generation-time layout"), in the order it reads them: per group of 4 channels (the last one padded with zero
//! channels) 34 little-endian 32-bit words,
//!
//! - 4 × `2·(bias[c] − zp_in·Σ_t w[t][c])`: the bias with the input offset folded in (`Σ (x + o)·w = Σ x·w +
//!   o·Σ w`), so the taps multiply raw input bytes; a tap outside the input reads the input zero point and adds
//!   `zp·w`, which the fold cancels exactly;
//! - 9 taps × 2 words `(2w[c] | 2w[c+2] << 16)`, `(2w[c+1] | 2w[c+3] << 16)`: the int16 lanes that `SXTB16` and
//!   `SXTB16 ROR #8` make of 4 input bytes, so one `LDRD` brings a tap widened; the taps (and the bias) are
//!   doubled, the doubled sum being what the narrow requantization multiplies;
//! - 4 requantization records `(multiplier, 2^(r−1) + zp_out·2^r, r)` with `r` the right shift;
//!
//! then, after the groups, `2·bias[c]` for every channel (padded like the groups): the bias without the fold, from
//! which the clipped border windows start when they read only their taps inside the input (widened with the input
//! offset: `Σ_inside (x + o)·w`).
//!
//! [`plan`] decides which layers take the kernel (the bounds under which its arithmetic is exact); the lowering
//! and the weights table both ask it, so they always agree.

use crate::arith::channel_multiplier;
use crate::ir::{Activation, DType, Graph, Node, Op};

/// Most channels of a layer the kernel takes (its zero-point row of `in_c` bytes lives on the stack).
pub const MAX_CHANNELS: usize = 256;
/// Largest right shift whose output offset folds into the rounding constant inside int32.
const MAX_RIGHT: i32 = 22;
/// Bound on `|bias| + 9·255·255` that keeps every doubled sum inside int32.
const ACC_BOUND: i64 = 1 << 30;
/// 32-bit words per group of 4 channels.
pub const GROUP_WORDS: usize = 34;

/// What the packed layout of one eligible layer is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthwisePlan {
    channels: usize,
    /// `[3][3][channels]` filter taps, as imported.
    filter: Vec<i8>,
    bias: Vec<i32>,
    in_zp: i32,
    out_zp: i32,
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
}

/// The plan of `node` when it is an int8 3×3 depthwise convolution with depth multiplier 1 and dilation 1 across,
/// constant weights, at most [`MAX_CHANNELS`] channels and requantization within the kernel's bounds (right
/// shifts 1 to 22, multipliers ≥ 0, `|bias| + 9·255·255 < 2^30`); `None` for any other node (it keeps the
/// general depthwise kernel).
pub fn plan(graph: &Graph, node: &Node) -> Option<DepthwisePlan> {
    let Op::DepthwiseConv2d {
        window,
        depth_multiplier: 1,
        activation,
    } = &node.op
    else {
        return None;
    };
    if window.dilation_w != 1 || *activation == Activation::Tanh {
        return None;
    }
    let (input, filter, output) = (
        graph.tensor(node.input(0)?),
        graph.tensor(node.input(1)?),
        graph.tensor(node.output()?),
    );
    if [input, filter, output]
        .iter()
        .any(|t| t.ty.dtype != DType::I8)
    {
        return None;
    }
    let &[1, 3, 3, channels] = filter.ty.shape.as_slice() else {
        return None;
    };
    if channels == 0
        || channels > MAX_CHANNELS
        || input.ty.shape.get(3) != Some(&channels)
        || output.ty.shape.get(3) != Some(&channels)
    {
        return None;
    }
    let (in_scale, in_zp) = input.ty.per_tensor_quant()?;
    let (out_scale, out_zp) = output.ty.per_tensor_quant()?;
    let fq = filter.ty.quant.as_ref()?;
    let weights = filter.data.as_ref()?.as_i8();
    let bias = match node.input(2) {
        Some(b) => graph.tensor(b).data.as_ref()?.as_i32(),
        None => vec![0; channels],
    };
    if weights.len() != 9 * channels || bias.len() != channels {
        return None;
    }
    let mut multipliers = Vec::with_capacity(channels);
    let mut shifts = Vec::with_capacity(channels);
    for (c, &b) in bias.iter().enumerate() {
        let q = channel_multiplier(in_scale, fq.scale(c), out_scale);
        let within = fq.zero_point(c) == 0
            && q.multiplier >= 0
            && (-MAX_RIGHT..=-1).contains(&q.shift)
            && i64::from(b).abs() + 9 * 255 * 255 < ACC_BOUND;
        if !within {
            return None;
        }
        multipliers.push(q.multiplier);
        shifts.push(q.shift);
    }
    Some(DepthwisePlan {
        channels,
        filter: weights,
        bias,
        in_zp,
        out_zp,
        multipliers,
        shifts,
    })
}

impl DepthwisePlan {
    /// The packed stream (module docs), `(GROUP_WORDS + 4) · 4` bytes per group of 4 channels.
    pub fn pack(&self) -> Vec<u8> {
        let groups = self.channels.div_ceil(4);
        let mut words: Vec<u32> = Vec::with_capacity(groups * GROUP_WORDS);
        let tap = |t: usize, c: usize| -> i32 {
            if c < self.channels {
                2 * i32::from(self.filter[t * self.channels + c])
            } else {
                0
            }
        };
        let lanes = |lo: i32, hi: i32| (lo as u16 as u32) | ((hi as u16 as u32) << 16);
        for g in 0..groups {
            let c0 = 4 * g;
            for c in c0..c0 + 4 {
                words.push(self.folded_bias(c).wrapping_mul(2) as u32);
            }
            for t in 0..9 {
                words.push(lanes(tap(t, c0), tap(t, c0 + 2)));
                words.push(lanes(tap(t, c0 + 1), tap(t, c0 + 3)));
            }
            for c in c0..c0 + 4 {
                words.extend(self.record(c));
            }
        }
        for c in 0..4 * groups {
            words.push(self.bias.get(c).map_or(0, |b| b.wrapping_mul(2) as u32));
        }
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// `bias[c] − zp_in·Σ_t w[t][c]` (0 for a padding channel), wrapping like the C sums.
    fn folded_bias(&self, c: usize) -> i32 {
        if c >= self.channels {
            return 0;
        }
        let sum: i32 = (0..9)
            .map(|t| i32::from(self.filter[t * self.channels + c]))
            .sum();
        self.bias[c].wrapping_sub(self.in_zp.wrapping_mul(sum))
    }

    /// Channel c's requantization record (zeros for a padding channel).
    fn record(&self, c: usize) -> [u32; 3] {
        if c >= self.channels {
            return [0; 3];
        }
        let right = (-self.shifts[c]) as u32;
        let rounding = (1u32 << right >> 1).wrapping_add((self.out_zp as u32) << right);
        [self.multipliers[c] as u32, rounding, right]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(channels: usize, in_zp: i32) -> DepthwisePlan {
        DepthwisePlan {
            channels,
            filter: (0..9 * channels)
                .map(|i| (i as i8).wrapping_sub(20))
                .collect(),
            bias: (0..channels).map(|c| 100 * c as i32 - 7).collect(),
            in_zp,
            out_zp: -3,
            multipliers: vec![1 << 30; channels],
            shifts: (0..channels).map(|c| -1 - c as i32).collect(),
        }
    }

    fn word(bytes: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([
            bytes[4 * i],
            bytes[4 * i + 1],
            bytes[4 * i + 2],
            bytes[4 * i + 3],
        ])
    }

    #[test]
    fn groups_hold_bias_taps_and_records_in_read_order() {
        let p = plan_of(6, -128);
        let bytes = p.pack();
        assert_eq!(bytes.len(), 2 * (GROUP_WORDS + 4) * 4);
        // Channel 1: taps t·6 + 1 − 20, Σ over t = 9·(1 − 20) + 6·36 = 45; bias 93 + 128·45.
        assert_eq!(word(&bytes, 1) as i32, 2 * (93 + 128 * 45));
        // Tap 4 of group 0: lanes (c0, c2) then (c1, c3), doubled.
        let (f, f1) = (word(&bytes, 4 + 8), word(&bytes, 4 + 9));
        let w = |c: i32| 2 * (24 + c - 20);
        assert_eq!(
            ((f & 0xffff) as u16 as i16, (f >> 16) as u16 as i16),
            (w(0) as i16, w(2) as i16)
        );
        assert_eq!(
            ((f1 & 0xffff) as u16 as i16, (f1 >> 16) as u16 as i16),
            (w(1) as i16, w(3) as i16)
        );
        // Channel 2's record: right shift 3, rounding 4 + (−3 << 3).
        let r = 22 + 3 * 2;
        assert_eq!(
            (
                word(&bytes, r),
                word(&bytes, r + 1) as i32,
                word(&bytes, r + 2)
            ),
            (1 << 30, 4 - 24, 3)
        );
        // Group 1 holds channels 4 and 5; channels 6 and 7 are zero padding.
        let g1 = GROUP_WORDS;
        assert_eq!(word(&bytes, g1 + 2), 0);
        assert_eq!(word(&bytes, g1 + 4) >> 16, 0);
        assert_eq!(word(&bytes, g1 + 22 + 6), 0);
        assert_ne!(word(&bytes, g1 + 22 + 3), 0);
        // After the groups: the doubled biases without the fold (channel 5: 493), then zero padding.
        let unfolded = 2 * GROUP_WORDS;
        assert_eq!(word(&bytes, unfolded + 5) as i32, 2 * 493);
        assert_eq!(word(&bytes, unfolded + 7), 0);
    }
}
