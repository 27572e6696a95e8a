//! NumPy `.npy` and `.npz` files: the exchange format of `nncube run` and the validation tests.
//!
//! `.npy`: format versions 1, 2 and 3 are read (little-endian or byte-order-free dtypes, C order only); version 1
//! is written (version 2 when the header needs it). Dtypes: `i1 u1 i2 i4 i8 f4 b1`.
//! `.npz`: a zip archive of `.npy` members. Reading accepts `np.savez` output (stored members, including the
//! zip64 extra fields NumPy writes); compressed members (`np.savez_compressed`) are refused with a hint. Writing
//! produces stored members with a fixed timestamp, so output is deterministic.

use crate::interp::TensorData;
use crate::ir::{DType, num_elements};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a `.npy`/`.npz` file could not be read or written. Every variant names the file.
#[derive(Debug, Error)]
pub enum NpyError {
    /// The file could not be read or written.
    #[error("cannot access {path}: {io}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error (in the message, not a separate `source`: an error chain shows it once).
        io: std::io::Error,
    },
    /// The file is not a valid `.npy`/`.npz`, or uses a feature this reader does not support.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

fn format_err(path: &Path, message: impl Into<String>) -> NpyError {
    NpyError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

const MAGIC: &[u8] = b"\x93NUMPY";

fn descr_of(dtype: DType) -> &'static str {
    match dtype {
        DType::I8 => "|i1",
        DType::U8 => "|u1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F32 => "<f4",
        DType::Bool => "|b1",
    }
}

fn dtype_of(descr: &str) -> Option<DType> {
    let (order, code) = descr.split_at(1);
    if !matches!(order, "<" | "|" | "=") {
        return None;
    }
    Some(match code {
        "i1" => DType::I8,
        "u1" => DType::U8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "f4" => DType::F32,
        "b1" => DType::Bool,
        _ => return None,
    })
}

/// Encodes one array as `.npy` bytes.
fn encode_npy(t: &TensorData) -> Vec<u8> {
    let shape = match t.shape.len() {
        0 => "()".to_string(),
        1 => format!("({},)", t.shape[0]),
        _ => format!(
            "({})",
            t.shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        descr_of(t.dtype)
    );
    let version1 = header.len() + 1 + 10 <= u16::MAX as usize;
    let prefix = if version1 { 10 } else { 12 };
    let total = (prefix + header.len() + 1).div_ceil(64) * 64;
    header.push_str(&" ".repeat(total - prefix - header.len() - 1));
    header.push('\n');
    let mut out = Vec::with_capacity(total + t.bytes.len());
    out.extend_from_slice(MAGIC);
    if version1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&t.bytes);
    out
}

/// The value of `key` in NumPy's header dict, as raw text.
fn header_field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[start..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}'])?
    };
    Some(rest[..end].trim())
}

/// Decodes `.npy` bytes; `path` names the file in errors.
fn decode_npy(bytes: &[u8], path: &Path) -> Result<TensorData, NpyError> {
    let bad = |m: &str| format_err(path, m.to_string());
    if !bytes.starts_with(MAGIC) || bytes.len() < 10 {
        return Err(bad(
            "not a NumPy .npy file (missing the \\x93NUMPY magic); save the array with numpy.save",
        ));
    }
    let (header_len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => {
            return Err(format_err(
                path,
                format!("unsupported .npy format version {v}"),
            ));
        }
    };
    let header = bytes
        .get(start..start + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated or non-text .npy header"))?;
    let descr = header_field(header, "descr")
        .map(|d| d.trim_matches(['\'', '"']))
        .ok_or_else(|| bad("the .npy header has no 'descr'"))?;
    let dtype = dtype_of(descr).ok_or_else(|| {
        format_err(
            path,
            format!("unsupported dtype '{descr}'; use little-endian int8, uint8, int16, int32, int64, float32 or bool"),
        )
    })?;
    if header_field(header, "fortran_order") != Some("False") {
        return Err(bad(
            "Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray",
        ));
    }
    let shape_text =
        header_field(header, "shape").ok_or_else(|| bad("the .npy header has no 'shape'"))?;
    let shape = shape_text
        .trim_matches(['(', ')'])
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format_err(path, format!("bad shape {shape_text} in the .npy header")))?;
    let data = &bytes[start + header_len..];
    let expected = num_elements(&shape) * dtype.size_bytes();
    if data.len() != expected {
        return Err(format_err(
            path,
            format!(
                "holds {} data bytes but shape {shape:?} of {dtype} needs {expected}",
                data.len()
            ),
        ));
    }
    Ok(TensorData::from_bytes(dtype, shape, data.to_vec()))
}

/// Reads a `.npy` file.
pub fn read_npy(path: &Path) -> Result<TensorData, NpyError> {
    let bytes = std::fs::read(path).map_err(|source| NpyError::Io {
        path: path.to_path_buf(),
        io: source,
    })?;
    decode_npy(&bytes, path)
}

/// Writes a `.npy` file (complete or not at all: the bytes go to a temporary file that is then renamed).
pub fn write_npy(path: &Path, t: &TensorData) -> Result<(), NpyError> {
    write_atomic(path, &encode_npy(t))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), NpyError> {
    crate::files::write_file(path, bytes).map_err(|crate::files::FilesError::Io { io, .. }| {
        NpyError::Io {
            path: path.to_path_buf(),
            io,
        }
    })
}

/// CRC-32 (IEEE), as zip requires.
fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, e) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *e = c;
    }
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// Encodes named arrays as `.npz` bytes (stored zip; member `name` becomes `name.npy`).
fn encode_npz(arrays: &[(String, TensorData)]) -> Result<Vec<u8>, String> {
    const DOS_DATE_1980_01_01: u16 = 0x21;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, t) in arrays {
        let data = encode_npy(t);
        let file_name = format!("{name}.npy");
        let offset =
            u32::try_from(out.len()).map_err(|_| "the .npz would exceed 4 GiB".to_string())?;
        let size =
            u32::try_from(data.len()).map_err(|_| format!("array `{name}` exceeds 4 GiB"))?;
        let crc = crc32(&data);
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&0u16.to_le_bytes()); // stored
            v.extend_from_slice(&0u16.to_le_bytes()); // time
            v.extend_from_slice(&DOS_DATE_1980_01_01.to_le_bytes());
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&(file_name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(file_name.as_bytes());
        out.extend_from_slice(&data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(file_name.as_bytes());
    }
    let cd_offset =
        u32::try_from(out.len()).map_err(|_| "the .npz would exceed 4 GiB".to_string())?;
    let count =
        u16::try_from(arrays.len()).map_err(|_| "too many arrays for one .npz".to_string())?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

/// Writes a `.npz` file (complete or not at all).
pub fn write_npz(path: &Path, arrays: &[(String, TensorData)]) -> Result<(), NpyError> {
    let bytes = encode_npz(arrays).map_err(|m| format_err(path, m))?;
    write_atomic(path, &bytes)
}

fn le16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le32(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32::from_le_bytes(
        b.get(at..at + 4)?.try_into().ok()?,
    )))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Decodes `.npz` bytes into `(name without .npy, array)` pairs in archive order.
fn decode_npz(bytes: &[u8], path: &Path) -> Result<Vec<(String, TensorData)>, NpyError> {
    let bad = |m: String| format_err(path, m);
    let truncated = || format_err(path, "truncated or damaged .npz (zip) archive".to_string());
    let eocd = (0..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..].starts_with(&0x0605_4b50u32.to_le_bytes()))
        .ok_or_else(|| {
            bad("not a .npz file (no zip directory); save arrays with numpy.savez".into())
        })?;
    let mut count = le16(bytes, eocd + 10).ok_or_else(truncated)? as u64;
    let mut cd = le32(bytes, eocd + 16).ok_or_else(truncated)?;
    if (count == 0xffff || cd == 0xffff_ffff) && eocd >= 20 {
        // Zip64: the locator precedes the end record and points at the zip64 end record.
        let loc = eocd - 20;
        if le32(bytes, loc) == Some(0x0706_4b50) {
            let rec = le64(bytes, loc + 8).ok_or_else(truncated)? as usize;
            count = le64(bytes, rec + 32).ok_or_else(truncated)?;
            cd = le64(bytes, rec + 48).ok_or_else(truncated)?;
        }
    }
    let mut pos = cd as usize;
    let mut out = Vec::new();
    for _ in 0..count {
        if le32(bytes, pos) != Some(0x0201_4b50) {
            return Err(truncated());
        }
        let method = le16(bytes, pos + 10).ok_or_else(truncated)?;
        let mut size = le32(bytes, pos + 20).ok_or_else(truncated)?;
        let name_len = le16(bytes, pos + 28).ok_or_else(truncated)?;
        let extra_len = le16(bytes, pos + 30).ok_or_else(truncated)?;
        let comment_len = le16(bytes, pos + 32).ok_or_else(truncated)?;
        let mut local = le32(bytes, pos + 42).ok_or_else(truncated)?;
        let name = bytes
            .get(pos + 46..pos + 46 + name_len)
            .ok_or_else(truncated)?;
        let name = String::from_utf8_lossy(name).into_owned();
        // Zip64 extra field: 64-bit values replace the 32-bit fields that hold 0xffffffff, in a fixed order.
        let mut extra = pos + 46 + name_len;
        let extra_end = extra + extra_len;
        while extra + 4 <= extra_end {
            let id = le16(bytes, extra).ok_or_else(truncated)?;
            let len = le16(bytes, extra + 2).ok_or_else(truncated)?;
            if id == 1 {
                let mut at = extra + 4;
                if size == 0xffff_ffff {
                    at += 8; // uncompressed size comes first
                    size = le64(bytes, at).ok_or_else(truncated)?;
                    at += 8;
                } else if le32(bytes, pos + 24) == Some(0xffff_ffff) {
                    at += 8;
                }
                if local == 0xffff_ffff {
                    local = le64(bytes, at).ok_or_else(truncated)?;
                }
            }
            extra += 4 + len;
        }
        pos = extra_end + comment_len;
        if method != 0 {
            return Err(bad(format!(
                "member `{name}` is compressed (np.savez_compressed); save the arrays with numpy.savez instead"
            )));
        }
        let local = local as usize;
        if le32(bytes, local) != Some(0x0403_4b50) {
            return Err(truncated());
        }
        let data_start = local
            + 30
            + le16(bytes, local + 26).ok_or_else(truncated)?
            + le16(bytes, local + 28).ok_or_else(truncated)?;
        let data = bytes
            .get(data_start..data_start + size as usize)
            .ok_or_else(truncated)?;
        let member = path.join(&name);
        let t = decode_npy(data, &member)?;
        out.push((name.strip_suffix(".npy").unwrap_or(&name).to_string(), t));
    }
    Ok(out)
}

/// Reads a `.npz` file.
pub fn read_npz(path: &Path) -> Result<Vec<(String, TensorData)>, NpyError> {
    let bytes = std::fs::read(path).map_err(|source| NpyError::Io {
        path: path.to_path_buf(),
        io: source,
    })?;
    decode_npz(&bytes, path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trip_every_dtype() {
        let p = Path::new("x.npy");
        for t in [
            TensorData::from_i8(vec![2, 3], &[1, -2, 3, -4, 5, -128]),
            TensorData::from_f32(vec![3], &[0.5, -1.25, 3.0]),
            TensorData::from_i32(vec![], &[7]),
            TensorData::from_i64(vec![1, 1], &[-9]),
        ] {
            let bytes = encode_npy(&t);
            assert_eq!(bytes.len() % 64, (t.bytes.len()) % 64);
            assert_eq!(decode_npy(&bytes, p).unwrap(), t);
        }
    }

    #[test]
    fn npz_round_trip() {
        let arrays = vec![
            ("a".to_string(), TensorData::from_i8(vec![2], &[1, 2])),
            (
                "b".to_string(),
                TensorData::from_f32(vec![1, 2], &[1.0, 2.0]),
            ),
        ];
        let bytes = encode_npz(&arrays).unwrap();
        assert_eq!(decode_npz(&bytes, Path::new("x.npz")).unwrap(), arrays);
    }

    #[test]
    fn crc_matches_reference() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn errors_name_the_file() {
        let e = decode_npy(b"hello world", Path::new("in.npy"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("in.npy"), "{e}");
        let mut bad = encode_npy(&TensorData::from_i8(vec![4], &[1, 2, 3, 4]));
        bad.pop();
        let e = decode_npy(&bad, Path::new("in.npy"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs 4"), "{e}");
    }
}
