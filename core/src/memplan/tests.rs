//! Tests of the memory planner: the kernel contract by brute-force simulation, plans on hand-made graphs,
//! pool errors, and property tests on random graphs (the checker accepts every plan; plans respect the bounds).

use super::overlap::{
    CONTRACT_LAG_PIXELS, conv_pool_geometry, elementwise_geometry, fully_connected_geometry,
    rule_from_geometry, window_geometry,
};
use super::*;
use crate::ir::{
    Activation, ConstData, DType, Graph, Op, Padding2d, TensorType, Window2d, infer_output_types,
};
use proptest::prelude::*;

// ---------- brute-force simulation of the kernel access order ----------

/// The exact input bytes each output pixel of a window kernel reads (written independently of `overlap`).
fn window_reads(
    shape: [usize; 4],
    out_hw: (usize, usize),
    k: (usize, usize),
    stride: (usize, usize),
    dil: (usize, usize),
    pad: (usize, usize),
    elem: usize,
) -> Vec<Vec<usize>> {
    let [n, h, w, c] = shape;
    let mut out = Vec::new();
    for b in 0..n {
        for oy in 0..out_hw.0 {
            for ox in 0..out_hw.1 {
                let mut bytes = Vec::new();
                for ky in 0..k.0 {
                    for kx in 0..k.1 {
                        let iy = (oy * stride.0 + ky * dil.0) as i64 - pad.0 as i64;
                        let ix = (ox * stride.1 + kx * dil.1) as i64 - pad.1 as i64;
                        if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                            continue;
                        }
                        for ch in 0..c {
                            let e = ((b * h + iy as usize) * w + ix as usize) * c + ch;
                            bytes.extend(e * elem..(e + 1) * elem);
                        }
                    }
                }
                out.push(bytes);
            }
        }
    }
    out
}

/// Simulates the contract with the output `shift` bytes after the input: pixel by pixel, write the pixel's bytes,
/// then check that no byte still needed by pixels ≥ p − 3 was overwritten.
fn placement_is_safe(reads: &[Vec<usize>], in_bytes: usize, out_pixel: usize, shift: i64) -> bool {
    let mut clobbered = vec![false; in_bytes];
    for p in 0..reads.len() {
        for byte in p * out_pixel..(p + 1) * out_pixel {
            let at = shift + byte as i64;
            if at >= 0 && (at as usize) < in_bytes {
                clobbered[at as usize] = true;
            }
        }
        let still_needed = &reads[p.saturating_sub(CONTRACT_LAG_PIXELS)..];
        if still_needed.iter().flatten().any(|&b| clobbered[b]) {
            return false;
        }
    }
    true
}

/// Checks a rule against the simulation: safe at and below `max_shift`, at and above `min_shift_above`,
/// unsafe just inside both thresholds (so both are exact).
fn assert_rule_exact(rule: OverlapRule, reads: &[Vec<usize>], in_bytes: usize, out_pixel: usize) {
    let out_bytes = (reads.len() * out_pixel) as i64;
    let lo = (rule.max_shift - 3 * out_pixel as i64).max(-out_bytes - 1);
    for shift in lo..=rule.max_shift {
        assert!(
            placement_is_safe(reads, in_bytes, out_pixel, shift),
            "{rule:?}: {shift} should be safe"
        );
    }
    for shift in rule.min_shift_above..rule.min_shift_above + 8 {
        assert!(
            placement_is_safe(reads, in_bytes, out_pixel, shift),
            "{rule:?}: {shift} should be safe"
        );
    }
    assert!(
        !placement_is_safe(reads, in_bytes, out_pixel, rule.max_shift + 1),
        "{rule:?}: max_shift not tight"
    );
    assert!(
        !placement_is_safe(reads, in_bytes, out_pixel, rule.min_shift_above - 1),
        "{rule:?}: min_shift_above not tight"
    );
}

fn ty(dtype: DType, shape: &[usize]) -> TensorType {
    TensorType::new(dtype, shape.to_vec())
}

#[test]
fn window_rules_match_brute_force_simulation() {
    let mut checked = 0;
    for &(h, w) in &[(5usize, 4usize), (6, 6), (3, 7)] {
        for &c in &[1usize, 3] {
            for &oc in &[1usize, 2, 8] {
                for &(k, s, d) in &[
                    (1usize, 1usize, 1usize),
                    (1, 2, 1),
                    (3, 1, 1),
                    (3, 2, 1),
                    (2, 2, 1),
                    (3, 1, 2),
                ] {
                    for same in [false, true] {
                        for (ie, oe) in [
                            (DType::I8, DType::I8),
                            (DType::I8, DType::F32),
                            (DType::F32, DType::I8),
                        ] {
                            let (pt, pb) = Padding2d::tflite_1d(same, h, k, s, d);
                            let (pl, pr) = Padding2d::tflite_1d(same, w, k, s, d);
                            let window = Window2d {
                                stride_h: s,
                                stride_w: s,
                                dilation_h: d,
                                dilation_w: d,
                                padding: Padding2d {
                                    top: pt,
                                    bottom: pb,
                                    left: pl,
                                    right: pr,
                                },
                            };
                            let Some((oh, ow)) = window.output_hw(h, w, k, k) else {
                                continue;
                            };
                            let input = ty(ie, &[1, h, w, c]);
                            let output = ty(oe, &[1, oh, ow, oc]);
                            let geo = window_geometry(&input, &output, window, k, k).unwrap();
                            let rule = rule_from_geometry(&geo).unwrap();
                            let reads = window_reads(
                                [1, h, w, c],
                                (oh, ow),
                                (k, k),
                                (s, s),
                                (d, d),
                                (pt, pl),
                                ie.size_bytes(),
                            );
                            assert_rule_exact(
                                rule,
                                &reads,
                                input.size_bytes(),
                                oc * oe.size_bytes(),
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} geometries checked");
}

/// The input bytes each pooled pixel of the fused conv + pool kernel reads: the union of the receptive fields of
/// the conv pixels in its pooling window (clipped to the conv output), enumerated independently of `overlap`.
fn conv_pool_reads(
    conv_reads: &[Vec<usize>],
    conv_hw: (usize, usize),
    pooled_hw: (usize, usize),
    k: (usize, usize),
    stride: (usize, usize),
    pad: (usize, usize),
) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for py in 0..pooled_hw.0 {
        for px in 0..pooled_hw.1 {
            let mut bytes = Vec::new();
            for fy in 0..k.0 {
                for fx in 0..k.1 {
                    let y = (py * stride.0 + fy) as i64 - pad.0 as i64;
                    let x = (px * stride.1 + fx) as i64 - pad.1 as i64;
                    if y < 0 || x < 0 || y >= conv_hw.0 as i64 || x >= conv_hw.1 as i64 {
                        continue;
                    }
                    bytes.extend(&conv_reads[y as usize * conv_hw.1 + x as usize]);
                }
            }
            bytes.sort_unstable();
            bytes.dedup();
            out.push(bytes);
        }
    }
    out
}

#[test]
fn conv_pool_rules_match_brute_force_simulation() {
    let mut checked = 0;
    for &(h, w) in &[(6usize, 6usize), (7, 5)] {
        for &(c, oc) in &[(1usize, 2usize), (3, 8), (2, 1)] {
            for &(k, s, same) in &[
                (3usize, 1usize, true),
                (3, 2, true),
                (1, 1, false),
                (3, 1, false),
            ] {
                for &(pk, ps, psame) in &[(2usize, 2usize, false), (3, 2, true), (2, 1, false)] {
                    for (ie, oe) in [(DType::I8, DType::I8), (DType::F32, DType::F32)] {
                        let (pt, pb) = Padding2d::tflite_1d(same, h, k, s, 1);
                        let (pl, pr) = Padding2d::tflite_1d(same, w, k, s, 1);
                        let window = Window2d {
                            stride_h: s,
                            stride_w: s,
                            dilation_h: 1,
                            dilation_w: 1,
                            padding: Padding2d {
                                top: pt,
                                bottom: pb,
                                left: pl,
                                right: pr,
                            },
                        };
                        let Some((ch, cw)) = window.output_hw(h, w, k, k) else {
                            continue;
                        };
                        let (qt, qb) = Padding2d::tflite_1d(psame, ch, pk, ps, 1);
                        let (ql, qr) = Padding2d::tflite_1d(psame, cw, pk, ps, 1);
                        let pool_window = Window2d {
                            stride_h: ps,
                            stride_w: ps,
                            dilation_h: 1,
                            dilation_w: 1,
                            padding: Padding2d {
                                top: qt,
                                bottom: qb,
                                left: ql,
                                right: qr,
                            },
                        };
                        let Some((ph, pw)) = pool_window.output_hw(ch, cw, pk, pk) else {
                            continue;
                        };
                        let pool = crate::ir::PoolAttrs {
                            kind: crate::ir::PoolKind::Max,
                            filter_h: pk,
                            filter_w: pk,
                            window: pool_window,
                            activation: Activation::None,
                            conv_output: ty(oe, &[1, ch, cw, oc]),
                        };
                        let input = ty(ie, &[1, h, w, c]);
                        let output = ty(oe, &[1, ph, pw, oc]);
                        let geo = conv_pool_geometry(&input, &output, window, k, k, &pool).unwrap();
                        let rule = rule_from_geometry(&geo).unwrap();
                        let conv_reads = window_reads(
                            [1, h, w, c],
                            (ch, cw),
                            (k, k),
                            (s, s),
                            (1, 1),
                            (pt, pl),
                            ie.size_bytes(),
                        );
                        let reads = conv_pool_reads(
                            &conv_reads,
                            (ch, cw),
                            (ph, pw),
                            (pk, pk),
                            (ps, ps),
                            (qt, ql),
                        );
                        assert_rule_exact(rule, &reads, input.size_bytes(), oc * oe.size_bytes());
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} geometries checked");
}

#[test]
fn elementwise_and_fully_connected_rules_match_brute_force() {
    for (shape, ie, oe) in [
        (vec![1usize, 4, 3, 2], DType::I8, DType::I8),
        (vec![2, 5], DType::I8, DType::F32),
        (vec![1, 3, 3, 4], DType::F32, DType::I8),
    ] {
        let input = ty(ie, &shape);
        let output = ty(oe, &shape);
        let rule = rule_from_geometry(&elementwise_geometry(&input, &output).unwrap()).unwrap();
        let c = *shape.last().unwrap();
        let reads: Vec<Vec<usize>> = (0..input.num_elements() / c)
            .map(|p| (p * c * ie.size_bytes()..(p + 1) * c * ie.size_bytes()).collect())
            .collect();
        assert_rule_exact(rule, &reads, input.size_bytes(), c * oe.size_bytes());
        // Same element size: the output may sit up to four pixels (p − 3 … p) below the input.
        if ie == oe {
            assert_eq!(rule.max_shift, -4 * (c * ie.size_bytes()) as i64);
        }
    }
    let input = ty(DType::I8, &[3, 10]);
    let output = ty(DType::I8, &[3, 4]);
    let rule = rule_from_geometry(&fully_connected_geometry(&input, &output).unwrap()).unwrap();
    let reads: Vec<Vec<usize>> = (0..3).map(|r| (r * 10..(r + 1) * 10).collect()).collect();
    assert_rule_exact(rule, &reads, 30, 4);
}

#[test]
fn stride_two_and_expanding_pointwise_overlap_most_of_the_input() {
    // 3×3 stride 2 on 16×16×3 → 8×8×8: within a row the output (8 B/pixel) outruns the input (6 B/pixel); the
    // binding pixel is p = 10 (need = lo(7) = 7·2·3 = 42, end of p = 11·8 = 88).
    let window = Window2d {
        stride_h: 2,
        stride_w: 2,
        dilation_h: 1,
        dilation_w: 1,
        padding: Padding2d {
            top: 0,
            bottom: 1,
            left: 0,
            right: 1,
        },
    };
    let geo = window_geometry(
        &ty(DType::I8, &[1, 16, 16, 3]),
        &ty(DType::I8, &[1, 8, 8, 8]),
        window,
        3,
        3,
    )
    .unwrap();
    let rule = rule_from_geometry(&geo).unwrap();
    assert_eq!(rule.max_shift, 42 - 88);
    // Expanding 1×1 (8 → 16 channels): the output may end four input pixels + one output pixel's worth of the
    // remaining drift before the input's end.
    let window = Window2d {
        stride_h: 1,
        stride_w: 1,
        dilation_h: 1,
        dilation_w: 1,
        padding: Padding2d::default(),
    };
    let geo = window_geometry(
        &ty(DType::I8, &[1, 4, 4, 8]),
        &ty(DType::I8, &[1, 4, 4, 16]),
        window,
        1,
        1,
    )
    .unwrap();
    let rule = rule_from_geometry(&geo).unwrap();
    assert_eq!(rule.max_shift, 8 * 12 - 16 * 16);
}

// ---------- graphs built with the IR API ----------

/// Builds random small graphs from a list of op codes; every graph verifies.
struct Builder {
    g: Graph,
    cur: crate::ir::TensorId,
    history: Vec<crate::ir::TensorId>,
}

impl Builder {
    fn new(h: usize, w: usize, c: usize) -> Builder {
        let mut g = Graph::new("random");
        let x = g.add_tensor("x", ty(DType::I8, &[1, h, w, c]));
        g.inputs = vec![x];
        Builder {
            g,
            cur: x,
            history: vec![x],
        }
    }

    fn push(&mut self, op: Op, inputs: Vec<Option<crate::ir::TensorId>>) {
        let name = format!("n{}", self.g.nodes.len());
        let out = self.g.add_tensor(name.clone(), ty(DType::I8, &[1]));
        let id = self.g.add_node(name, op, inputs, vec![out]);
        let inferred = infer_output_types(&self.g, self.g.node(id)).unwrap();
        self.g.tensor_mut(out).ty.shape = inferred[0].shape.clone();
        self.cur = out;
        self.history.push(out);
    }

    fn shape(&self) -> Vec<usize> {
        self.g.tensor(self.cur).ty.shape.clone()
    }

    fn window(&self, k: usize, s: usize, same: bool) -> Window2d {
        let sh = self.shape();
        let (t, b) = Padding2d::tflite_1d(same, sh[1], k, s, 1);
        let (l, r) = Padding2d::tflite_1d(same, sh[2], k, s, 1);
        Window2d {
            stride_h: s,
            stride_w: s,
            dilation_h: 1,
            dilation_w: 1,
            padding: Padding2d {
                top: t,
                bottom: b,
                left: l,
                right: r,
            },
        }
    }

    fn add(&mut self, code: u8, p: u8) {
        let sh = self.shape();
        let c = sh[3];
        let small = sh[1] < 3 || sh[2] < 3;
        match code % 6 {
            0 | 1 => {
                let k = if small || p % 2 == 0 { 1 } else { 3 };
                let s = if small || p % 3 != 0 { 1 } else { 2 };
                let oc = 1 + (p as usize * 7) % 12;
                let wt = self.g.add_const(
                    "w",
                    ty(DType::I8, &[oc, k, k, c]),
                    ConstData::from_i8(&vec![1; oc * k * k * c]),
                );
                let window = self.window(k, s, p % 5 != 0);
                self.push(
                    Op::Conv2d {
                        window,
                        activation: Activation::Relu,
                    },
                    vec![Some(self.cur), Some(wt), None],
                );
            }
            2 => {
                let k = if small { 1 } else { 3 };
                let wt = self.g.add_const(
                    "dw",
                    ty(DType::I8, &[1, k, k, c]),
                    ConstData::from_i8(&vec![1; k * k * c]),
                );
                let window = self.window(k, 1 + (p as usize % 2) * usize::from(!small), true);
                self.push(
                    Op::DepthwiseConv2d {
                        window,
                        depth_multiplier: 1,
                        activation: Activation::None,
                    },
                    vec![Some(self.cur), Some(wt), None],
                );
            }
            3 => {
                // Residual: add the current tensor to an earlier one of the same shape, else a relu.
                let cur = self.cur;
                let other = self
                    .history
                    .iter()
                    .rev()
                    .skip(1)
                    .find(|&&t| self.g.tensor(t).ty.shape == sh)
                    .copied();
                match other {
                    Some(o) => self.push(
                        Op::Add {
                            activation: Activation::None,
                        },
                        vec![Some(o), Some(cur)],
                    ),
                    None => self.push(Op::Relu, vec![Some(cur)]),
                }
            }
            4 if !small => {
                let window = self.window(2, 2, false);
                self.push(
                    Op::MaxPool2d {
                        filter_h: 2,
                        filter_w: 2,
                        window,
                        activation: Activation::None,
                    },
                    vec![Some(self.cur)],
                );
            }
            _ => {
                // A view: swap the H and W extents.
                let out = self
                    .g
                    .add_tensor("view", ty(DType::I8, &[1, sh[2], sh[1], c]));
                let name = format!("n{}", self.g.nodes.len());
                self.g
                    .add_node(name, Op::Reshape, vec![Some(self.cur)], vec![out]);
                self.cur = out;
                self.history.push(out);
            }
        }
    }

    fn finish(mut self, extra_output: Option<usize>) -> Graph {
        self.g.outputs = vec![self.cur];
        if let Some(k) = extra_output {
            let t = self.history[k % self.history.len()];
            if !self.g.outputs.contains(&t) {
                self.g.outputs.push(t);
            }
        }
        self.g.verify().unwrap();
        self.g
    }
}

fn chain(codes: &[(u8, u8)]) -> Graph {
    let mut b = Builder::new(8, 8, 3);
    for &(c, p) in codes {
        b.add(c, p);
    }
    b.finish(None)
}

#[test]
fn every_plan_of_a_residual_graph_is_valid_and_between_the_bounds() {
    let g = chain(&[
        (0, 2),
        (0, 4),
        (3, 0),
        (2, 1),
        (5, 0),
        (0, 3),
        (3, 0),
        (4, 0),
        (1, 1),
    ]);
    for allow in [true, false] {
        for (inputs, outputs) in [(true, true), (false, true), (true, false), (false, false)] {
            let options = PlanOptions {
                allow_kernel_overlap: allow,
                inputs_in_activations: inputs,
                outputs_in_activations: outputs,
                ..PlanOptions::default()
            };
            let plan = plan(&g, &options).unwrap();
            check_plan(&g, &plan).unwrap();
            assert!(plan.total_bytes >= plan.full_overlap_bound);
            if !allow {
                assert!(plan.total_bytes >= plan.no_overlap_bound);
                assert!(plan.overlaps.is_empty());
            }
            assert_eq!(plan.caller_owned.contains(&g.inputs[0]), !inputs);
        }
    }
}

#[test]
fn views_share_their_input_buffer_and_extend_its_life() {
    let g = chain(&[(0, 2), (5, 0), (0, 2)]);
    let plan = plan(&g, &PlanOptions::default()).unwrap();
    let view = g.nodes[1].output().unwrap();
    let src = g.nodes[0].output().unwrap();
    assert_eq!(plan.location(view), plan.location(src));
    let b = plan.buffers.iter().find(|b| b.tensor == src).unwrap();
    assert_eq!(
        (b.first_step, b.last_step, b.aliases.clone()),
        (0, 2, vec![view])
    );
    assert_eq!(plan.buffers.len(), 3);
}

#[test]
fn a_graph_output_read_by_the_last_node_is_never_overwritten() {
    // relu(y) is the last node; y is also a graph output, so relu's output must not overlap it.
    let mut b = Builder::new(6, 6, 4);
    b.add(0, 2);
    let y = b.cur;
    b.add(3, 0);
    let g = b.finish(Some(1));
    assert!(g.outputs.contains(&y) && g.nodes.last().unwrap().inputs.contains(&Some(y)));
    let p = plan(&g, &PlanOptions::default()).unwrap();
    check_plan(&g, &p).unwrap();
    assert!(p.overlaps.iter().all(|o| o.input != y), "{:?}", p.overlaps);
    // Force the overlap an elementwise node would otherwise allow: the checker refuses it.
    let mut forced = p.clone();
    let y_off = forced
        .buffers
        .iter()
        .find(|b| b.tensor == y)
        .unwrap()
        .offset;
    let out = g.nodes.last().unwrap().output().unwrap();
    let out_size = forced
        .buffers
        .iter()
        .find(|b| b.tensor == out)
        .unwrap()
        .size_bytes;
    forced
        .buffers
        .iter_mut()
        .find(|b| b.tensor == y)
        .unwrap()
        .offset = y_off + 1000;
    forced
        .buffers
        .iter_mut()
        .find(|b| b.tensor == out)
        .unwrap()
        .offset = y_off + 1000 - out_size + 16;
    forced.pools[0].used_bytes = u64::MAX / 2;
    assert!(matches!(
        check_plan(&g, &forced).unwrap_err(),
        CheckError::Overlap { .. }
    ));
}

#[test]
fn the_checker_rejects_overlaps_the_contract_forbids() {
    let g = chain(&[(0, 2), (0, 4), (0, 2)]);
    let mut p = plan(
        &g,
        &PlanOptions {
            allow_kernel_overlap: false,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    check_plan(&g, &p).unwrap();
    // Put the last conv's output exactly over its input: the contract forbids shift 0.
    let (last_in, last_out) = (g.nodes[2].input(0).unwrap(), g.nodes[2].output().unwrap());
    let in_off = p
        .buffers
        .iter()
        .find(|b| b.tensor == last_in)
        .unwrap()
        .offset;
    p.buffers
        .iter_mut()
        .find(|b| b.tensor == last_out)
        .unwrap()
        .offset = in_off;
    p.pools[0].used_bytes = u64::MAX / 2;
    p.options.allow_kernel_overlap = true;
    let err = check_plan(&g, &p).unwrap_err();
    assert!(matches!(err, CheckError::Overlap { .. }), "{err}");
    // Misalignment is caught too.
    p.buffers
        .iter_mut()
        .find(|b| b.tensor == last_out)
        .unwrap()
        .offset = in_off + 1_000_001;
    assert!(matches!(
        check_plan(&g, &p).unwrap_err(),
        CheckError::BadPlacement { .. }
    ));
}

#[test]
fn kernel_overlap_makes_a_chain_smaller_than_the_no_overlap_bound() {
    let g = chain(&[(0, 1), (2, 0), (0, 3), (2, 0), (0, 5)]);
    let p = plan(&g, &PlanOptions::default()).unwrap();
    check_plan(&g, &p).unwrap();
    assert!(!p.overlaps.is_empty());
    assert!(
        p.total_bytes < p.no_overlap_bound,
        "{} vs {}",
        p.total_bytes,
        p.no_overlap_bound
    );
}

#[test]
fn a_pool_too_small_names_the_tensor_and_the_shortfall() {
    let g = chain(&[(0, 2), (0, 4)]);
    let need = plan(&g, &PlanOptions::default()).unwrap().total_bytes;
    let options = PlanOptions {
        pools: vec![MemoryPool {
            name: "SRAM1".into(),
            size_bytes: need - 10,
            speed_rank: 0,
        }],
        ..PlanOptions::default()
    };
    let err = plan(&g, &options).unwrap_err();
    let PlanError::DoesNotFit {
        tensor,
        shortfall_bytes,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(g.tensors.iter().any(|t| &t.name == tensor));
    assert!(*shortfall_bytes > 0 && *shortfall_bytes <= 10 + 4, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("SRAM1") && text.contains(tensor.as_str()),
        "{text}"
    );
}

#[test]
fn hot_buffers_go_to_the_fast_pool_and_the_rest_spill() {
    let g = chain(&[(0, 2), (0, 4), (2, 0), (0, 3)]);
    let need = plan(&g, &PlanOptions::default()).unwrap().total_bytes;
    let options = PlanOptions {
        pools: vec![
            MemoryPool {
                name: "AXI SRAM".into(),
                size_bytes: 1 << 20,
                speed_rank: 1,
            },
            MemoryPool {
                name: "DTCM".into(),
                size_bytes: need / 2,
                speed_rank: 0,
            },
        ],
        ..PlanOptions::default()
    };
    let p = plan(&g, &options).unwrap();
    check_plan(&g, &p).unwrap();
    assert_eq!(p.pools[0].name, "DTCM");
    assert!(p.pools[0].used_bytes > 0 && p.pools[0].used_bytes <= need / 2);
    assert!(p.pools[1].used_bytes > 0);
}

#[test]
fn alignment_is_respected_and_zero_is_rejected() {
    let g = chain(&[(0, 2), (2, 0), (0, 4)]);
    let p = plan(
        &g,
        &PlanOptions {
            alignment: 16,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    assert!(p.buffers.iter().all(|b| b.offset % 16 == 0));
    check_plan(&g, &p).unwrap();
    assert_eq!(
        plan(
            &g,
            &PlanOptions {
                alignment: 0,
                ..PlanOptions::default()
            }
        )
        .unwrap_err(),
        PlanError::InvalidAlignment(0)
    );
}

#[test]
fn timeline_and_svg_show_every_buffer_and_the_bounds() {
    let g = chain(&[(0, 2), (3, 0), (0, 4)]);
    let p = plan(&g, &PlanOptions::default()).unwrap();
    let t = timeline(&p, &g);
    assert_eq!(t.rects.len(), p.buffers.len());
    assert!(
        t.rects
            .iter()
            .all(|r| r.y1 <= p.total_bytes && r.x1 <= t.steps)
    );
    let svg = svg::render_svg(&t);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(&format!("no-overlap bound: {} B", p.no_overlap_bound)));
    assert!(svg.contains(&format!("full-overlap bound: {} B", p.full_overlap_bound)));
    assert_eq!(svg.matches("<title>").count(), p.buffers.len());
}

#[test]
fn plans_are_deterministic() {
    let g = chain(&[(0, 2), (0, 4), (3, 0), (2, 1), (0, 3), (3, 0)]);
    assert_eq!(
        plan(&g, &PlanOptions::default()),
        plan(&g, &PlanOptions::default())
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_graphs_get_valid_plans_above_the_lower_bound(
        codes in prop::collection::vec((0u8..6, 0u8..30), 1..10),
        h in 3usize..10,
        w in 3usize..10,
        c in 1usize..5,
        extra in prop::option::of(0usize..20),
        alignment in prop::sample::select(vec![1u64, 2, 4, 8]),
        inputs_in in any::<bool>(),
        outputs_in in any::<bool>(),
    ) {
        let mut b = Builder::new(h, w, c);
        for &(code, p) in &codes {
            b.add(code, p);
        }
        let g = b.finish(extra);
        let options = PlanOptions {
            alignment,
            inputs_in_activations: inputs_in,
            outputs_in_activations: outputs_in,
            search_iterations: 200,
            ..PlanOptions::default()
        };
        let p = plan(&g, &options).unwrap();
        prop_assert!(check_plan(&g, &p).is_ok(), "{:?}", check_plan(&g, &p));
        prop_assert!(p.total_bytes >= p.full_overlap_bound);
        prop_assert!(p.full_overlap_bound <= p.no_overlap_bound);
        // Never worse than plain greedy-by-size on the same buffers and allowed overlaps.
        let live = liveness::Liveness::of(&g, !inputs_in, !outputs_in);
        let planned: Vec<usize> = live.planned().map(|(i, _)| i).collect();
        let items: Vec<place::Item> = planned
            .iter()
            .map(|&b| place::Item { size: live.buffers[b].size_bytes, first: live.buffers[b].first_step, last: live.buffers[b].last_step })
            .collect();
        let pairs: Vec<place::Pair> = liveness::allowed_overlaps(&g, &live)
            .iter()
            .filter_map(|a| Some(place::Pair {
                output: planned.iter().position(|&b| b == a.output)?,
                input: planned.iter().position(|&b| b == a.input)?,
                rule: a.rule,
            }))
            .collect();
        prop_assert!(p.total_bytes <= place::greedy_by_size(&items, &pairs, alignment).total);
    }
}

#[test]
fn a_model_fitting_no_pool_names_every_pool_with_its_own_shortfall() {
    let g = chain(&[(0, 2), (0, 4)]);
    let largest = plan(&g, &PlanOptions::default())
        .unwrap()
        .buffers
        .iter()
        .map(|b| b.size_bytes)
        .max()
        .unwrap();
    let pool = |name: &str, size_bytes: u64, speed_rank: u32| MemoryPool {
        name: name.into(),
        size_bytes,
        speed_rank,
    };
    let options = PlanOptions {
        pools: vec![pool("DTCM", largest - 8, 0), pool("SRAM", largest - 4, 1)],
        ..PlanOptions::default()
    };
    let text = plan(&g, &options).unwrap_err().to_string();
    assert!(
        text.contains(&format!("DTCM {} B (", largest - 8))
            && text.contains(&format!("SRAM {} B (", largest - 4))
            && text.matches(" B short)").count() == 2,
        "{text}"
    );
}

#[test]
fn the_most_read_buffers_go_to_the_fast_pool_first() {
    // The fast pool can hold the largest buffer alone: the most densely read buffer (bytes touched per byte)
    // goes there even though it is large, and a less used buffer that would have fitted just as well does not.
    let g = chain(&[(0, 2), (0, 4), (2, 0), (0, 3)]);
    let single = plan(&g, &PlanOptions::default()).unwrap();
    let largest = single.buffers.iter().map(|b| b.size_bytes).max().unwrap();
    let fast_bytes = largest + 8;
    let options = PlanOptions {
        pools: vec![
            MemoryPool {
                name: "FAST".into(),
                size_bytes: fast_bytes,
                speed_rank: 0,
            },
            MemoryPool {
                name: "SLOW".into(),
                size_bytes: 1 << 20,
                speed_rank: 1,
            },
        ],
        ..PlanOptions::default()
    };
    let p = plan(&g, &options).unwrap();
    check_plan(&g, &p).unwrap();
    let live = super::liveness::Liveness::of(&g, false, false);
    let density = |t| {
        let b = live.buffer(t).unwrap();
        super::bytes_touched(&g, &live, b) as f64 / live.buffers[b].size_bytes as f64
    };
    let densest = p
        .buffers
        .iter()
        .max_by(|a, b| density(a.tensor).total_cmp(&density(b.tensor)))
        .unwrap();
    assert_eq!(
        densest.pool, 0,
        "the most read buffer is not in the fast pool"
    );
    assert!(p.buffers.iter().any(|b| b.pool == 1));
    // Largest-first would have taken a different, less read buffer of the largest size first.
    let first_by_size = p
        .buffers
        .iter()
        .filter(|b| b.size_bytes == largest)
        .min_by_key(|b| b.tensor)
        .unwrap();
    assert!(density(first_by_size.tensor) < density(densest.tensor));
    assert_eq!(first_by_size.pool, 1);
}
