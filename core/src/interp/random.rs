//! Seeded random inputs: a small own PRNG (SplitMix64) so results are identical on every platform and release.
//!
//! Integer inputs are uniform over the dtype's full range; `f32` inputs are uniform in `[0, 1)`; booleans are 0/1.

use super::TensorData;
use crate::ir::{DType, Graph};

/// SplitMix64: a tiny, well-mixed 64-bit generator.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// One value per graph input, drawn from a generator seeded with `seed` (inputs in graph order, elements in
/// row-major order). Integer types are uniform over their full range, `f32` uniform in `[0, 1)`.
pub fn random_inputs(graph: &Graph, seed: u64) -> Vec<TensorData> {
    let mut rng = SplitMix64(seed);
    graph
        .inputs
        .iter()
        .map(|&id| {
            let ty = &graph.tensor(id).ty;
            let n = ty.num_elements();
            let mut bytes = Vec::with_capacity(ty.size_bytes());
            for _ in 0..n {
                let r = rng.next_u64();
                match ty.dtype {
                    DType::F32 => {
                        // 24 random mantissa bits: exactly representable, uniform in [0, 1).
                        let v = (r >> 40) as f32 / (1u64 << 24) as f32;
                        bytes.extend_from_slice(&v.to_le_bytes());
                    }
                    DType::Bool => bytes.push((r >> 63) as u8),
                    other => bytes.extend_from_slice(&r.to_le_bytes()[..other.size_bytes()]),
                }
            }
            TensorData::from_bytes(ty.dtype, ty.shape.clone(), bytes)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::TensorType;

    #[test]
    fn deterministic_and_in_range() {
        let mut g = Graph::new("g");
        let a = g.add_tensor("a", TensorType::new(DType::F32, vec![1000]));
        let b = g.add_tensor("b", TensorType::new(DType::I8, vec![1000]));
        g.inputs = vec![a, b];
        let x = random_inputs(&g, 7);
        assert_eq!(x, random_inputs(&g, 7));
        assert_ne!(x, random_inputs(&g, 8));
        assert!(x[0].as_f32().iter().all(|v| (0.0..1.0).contains(v)));
        let ints = x[1].as_i8();
        assert!(ints.contains(&-128) || ints.iter().any(|&v| v < -120));
        assert!(ints.iter().any(|&v| v > 120));
    }
}
