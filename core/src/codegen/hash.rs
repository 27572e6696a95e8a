//! The model hash written into generated code: FNV-1a 64 of the IR's canonical JSON bytes.

use crate::ir::Graph;

/// FNV-1a, 64-bit.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The hash of a graph (its serde JSON form is deterministic: vectors in order, no maps), as 16 hex digits.
pub fn model_hash(graph: &Graph) -> String {
    let bytes = serde_json::to_vec(graph).unwrap_or_default();
    format!("{:016x}", fnv1a64(&bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv_known_vectors() {
        assert_eq!(super::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
