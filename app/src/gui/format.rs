//! Number formatting shared by the tabs: byte sizes and large counts.

/// Bytes as `512 B`, `41.3 KiB` or `2.10 MiB`.
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    if n < 1024 {
        format!("{n} B")
    } else if f < KIB * KIB {
        format!("{:.1} KiB", f / KIB)
    } else {
        format!("{:.2} MiB", f / (KIB * KIB))
    }
}

/// A count with thousands separators: `2,656,768` (the text report's formatting).
pub use nncube_core::report::thousands as count;

/// A shape as `1×49×10×64`.
pub fn shape(dims: &[usize]) -> String {
    if dims.is_empty() {
        return "scalar".to_string();
    }
    dims.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("×")
}

/// `name` cut to at most `max` characters, keeping the end (TFLite names end with the useful part).
fn ellipsis_start(name: &str, max: usize) -> String {
    let n = name.chars().count();
    if n <= max || max == 0 {
        name.to_string()
    } else {
        let tail: String = name.chars().skip(n - (max - 1)).collect();
        format!("…{tail}")
    }
}

/// The short display name of a layer or tensor (the text report's [`nncube_core::report::display_name`]), cut
/// to at most `max` characters; the full name belongs in a hover text.
pub fn short_name(name: &str, max: usize) -> String {
    ellipsis_start(&nncube_core::report::display_name(name), max)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(2048), "2.0 KiB");
        assert_eq!(super::bytes(3 * 1024 * 1024), "3.00 MiB");
        assert_eq!(super::count(2_656_768), "2,656,768");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::shape(&[1, 49, 10]), "1×49×10");
        assert_eq!(super::ellipsis_start("model/conv2d", 7), "…conv2d");
    }
}
