//! Validation metrics in STM32Cube.AI's vocabulary, computed on real (dequantized) values.
//!
//! With `r` the reference, `p` the predicted values and `e = p − r` over all N elements of all samples
//! (definitions in docs/metrics.md):
//! `rmse = √(Σe²/N)`, `mae = Σ|e|/N`, `l2r = ‖e‖₂ / ‖r‖₂`, `mean = Σe/N`, `std = √(Σ(e − mean)²/N)`,
//! `nse = 1 − Σe² / Σ(r − r̄)²`, `cos = r·p / (‖r‖₂‖p‖₂)`, `max_abs = max|e|`, and for classifiers
//! `acc` = fraction of samples whose argmax agrees.

use crate::interp::TensorData;
use crate::ir::{DType, Quant};
use serde::{Deserialize, Serialize};

/// Agreement between a reference and a predicted output over a set of samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Fraction of samples whose argmax agrees (classifiers only).
    pub acc: Option<f64>,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Relative L2 error: ‖p − r‖₂ / ‖r‖₂ (0 when both are zero, infinite when only `r` is).
    pub l2r: f64,
    /// Mean of the error `p − r`.
    pub mean: f64,
    /// Standard deviation (population) of the error.
    pub std: f64,
    /// Nash–Sutcliffe efficiency: 1 − Σe² / Σ(r − r̄)² (1 is perfect; 1 when r is constant and e = 0).
    pub nse: f64,
    /// Cosine similarity of `r` and `p` (1 when both are zero).
    pub cos: f64,
    /// Largest absolute error.
    pub max_abs: f64,
    /// Number of samples compared.
    pub samples: usize,
}

/// Real values of a tensor: `scale · (q − zero_point)` for quantized integers (per-channel along its axis),
/// the values themselves otherwise.
pub fn dequantize(t: &TensorData, quant: Option<&Quant>) -> Vec<f64> {
    let raw = t.to_f64_lossy();
    match (quant, t.dtype) {
        (None, _) | (_, DType::F32) => raw,
        (Some(Quant::PerTensor { scale, zero_point }), _) => raw
            .into_iter()
            .map(|v| f64::from(*scale) * (v - f64::from(*zero_point)))
            .collect(),
        (Some(q @ Quant::PerChannel { axis, .. }), _) => {
            let inner: usize = t.shape.get(axis + 1..).map_or(1, |s| s.iter().product());
            let channels = t.shape.get(*axis).copied().unwrap_or(1).max(1);
            raw.into_iter()
                .enumerate()
                .map(|(i, v)| {
                    let c = (i / inner.max(1)) % channels;
                    f64::from(q.scale(c)) * (v - f64::from(q.zero_point(c)))
                })
                .collect()
        }
    }
}

fn argmax(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv { (i, x) } else { (bi, bv) }
        })
        .0
}

/// Compares `predicted` with `reference`, one flattened real-valued vector per sample (pairs beyond the shorter
/// list, and elements beyond the shorter vector, are ignored). `classifier` enables `acc`.
pub fn compare(reference: &[Vec<f64>], predicted: &[Vec<f64>], classifier: bool) -> Metrics {
    let pairs: Vec<(&Vec<f64>, &Vec<f64>)> = reference.iter().zip(predicted).collect();
    let (mut n, mut se, mut ae, mut sum_e, mut rr, mut pp, mut rp, mut max_abs, mut sum_r) =
        (0f64, 0f64, 0f64, 0f64, 0f64, 0f64, 0f64, 0f64, 0f64);
    for (r, p) in &pairs {
        for (&r, &p) in r.iter().zip(p.iter()) {
            let e = p - r;
            n += 1.0;
            se += e * e;
            ae += e.abs();
            sum_e += e;
            rr += r * r;
            pp += p * p;
            rp += r * p;
            sum_r += r;
            max_abs = max_abs.max(e.abs());
        }
    }
    let n1 = n.max(1.0);
    let mean = sum_e / n1;
    let r_mean = sum_r / n1;
    let (mut var_e, mut var_r) = (0f64, 0f64);
    for (r, p) in &pairs {
        for (&r, &p) in r.iter().zip(p.iter()) {
            var_e += (p - r - mean).powi(2);
            var_r += (r - r_mean).powi(2);
        }
    }
    let ratio = |num: f64, den: f64, both_zero: f64| {
        if den > 0.0 {
            num / den
        } else if num == 0.0 {
            both_zero
        } else {
            f64::INFINITY
        }
    };
    let acc = classifier.then(|| {
        let agree = pairs.iter().filter(|(r, p)| argmax(r) == argmax(p)).count();
        agree as f64 / pairs.len().max(1) as f64
    });
    Metrics {
        acc,
        rmse: (se / n1).sqrt(),
        mae: ae / n1,
        l2r: ratio(se.sqrt(), rr.sqrt(), 0.0),
        mean,
        std: (var_e / n1).sqrt(),
        nse: 1.0 - ratio(se, var_r, 0.0),
        cos: ratio(rp, (rr * pp).sqrt(), 1.0),
        max_abs,
        samples: pairs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_outputs_are_perfect() {
        let r = vec![vec![0.1, 0.7, 0.2], vec![0.5, 0.2, 0.3]];
        let m = compare(&r, &r, true);
        assert_eq!(m.acc, Some(1.0));
        assert_eq!(
            (m.rmse, m.mae, m.l2r, m.mean, m.std, m.max_abs),
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        );
        assert!((m.nse - 1.0).abs() < 1e-12 && (m.cos - 1.0).abs() < 1e-12);
    }

    #[test]
    fn known_values() {
        let r = vec![vec![1.0, 2.0, 3.0, 4.0]];
        let p = vec![vec![1.5, 2.0, 2.0, 4.0]];
        let m = compare(&r, &p, true);
        // e = [0.5, 0, −1, 0]
        assert!((m.rmse - (1.25f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((m.mae - 0.375).abs() < 1e-12);
        assert!((m.mean + 0.125).abs() < 1e-12);
        assert!((m.l2r - 1.25f64.sqrt() / 30f64.sqrt()).abs() < 1e-12);
        assert!((m.nse - (1.0 - 1.25 / 5.0)).abs() < 1e-12);
        assert_eq!(m.max_abs, 1.0);
        assert_eq!(m.acc, Some(1.0));
        let swapped = compare(&[vec![0.0, 1.0]], &[vec![1.0, 0.0]], true);
        assert_eq!(swapped.acc, Some(0.0));
        assert!(swapped.cos.abs() < 1e-12);
    }

    #[test]
    fn dequantizes_per_tensor() {
        let t = TensorData::from_i8(vec![2], &[-128, 0]);
        let q = Quant::PerTensor {
            scale: 0.5,
            zero_point: -128,
        };
        assert_eq!(dequantize(&t, Some(&q)), vec![0.0, 64.0]);
    }
}
