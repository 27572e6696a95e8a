//! Writing output files so that none is ever half-written: a file's bytes go to a sibling `<name>.partial` file
//! that is then renamed over the target (a rename within one directory is atomic), so a reader sees the old file
//! or the new one, never a mix; an error leaves the target as it was. A tree of files ([`write_tree`]) is written
//! file by file that way, creating the directories it needs.

use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why an output file could not be written.
#[derive(Debug, Error)]
pub enum FilesError {
    /// A directory could not be created or a file written. The OS error is part of the message, not a separate
    /// `source`, so an error chain (`{err:#}`) shows it once.
    #[error("cannot {what} {path}: {io}")]
    Io {
        /// What failed ("write", "create the directory").
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        io: std::io::Error,
    },
}

/// Writes `bytes` to `path`, complete or not at all (through a sibling `.partial` file renamed over `path`).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), FilesError> {
    let failed = |io| FilesError::Io {
        what: "write",
        path: path.to_path_buf(),
        io,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(failed)?;
    std::fs::rename(&tmp, path).map_err(|io| {
        let _ = std::fs::remove_file(&tmp);
        failed(io)
    })
}

/// Writes each of `files` (path relative to `dir`, contents) under `dir` with [`write_file`], creating `dir` and
/// the subdirectories; returns the paths written, in the order given.
pub fn write_tree<P: AsRef<Path>, C: AsRef<[u8]>>(
    dir: &Path,
    files: impl IntoIterator<Item = (P, C)>,
) -> Result<Vec<PathBuf>, FilesError> {
    let create_dir = |path: &Path| {
        std::fs::create_dir_all(path).map_err(|io| FilesError::Io {
            what: "create the directory",
            path: path.to_path_buf(),
            io,
        })
    };
    create_dir(dir)?;
    let mut written = Vec::new();
    for (rel, contents) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            create_dir(parent)?;
        }
        write_file(&path, contents.as_ref())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_file_replaces_whole_and_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old contents, longer than the new ones").unwrap();
        write_file(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.txt"]);
    }

    #[test]
    fn write_file_error_names_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("out.txt");
        let err = write_file(&path, b"x").unwrap_err().to_string();
        assert!(err.starts_with("cannot write "), "{err}");
        assert!(err.contains("missing-dir/out.txt: "), "{err}");
        let e = write_file(&path, b"x").unwrap_err();
        assert!(
            std::error::Error::source(&e).is_none(),
            "the OS error is in the message: a source would show it twice in an error chain"
        );
        assert!(!path.exists());
    }

    #[test]
    fn write_tree_creates_subdirectories_and_returns_paths_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        let written = write_tree(&root, [("b/c.txt", "c"), ("a.txt", "a")]).unwrap();
        assert_eq!(written, [root.join("b/c.txt"), root.join("a.txt")]);
        assert_eq!(std::fs::read_to_string(root.join("b/c.txt")).unwrap(), "c");
        assert_eq!(std::fs::read_to_string(root.join("a.txt")).unwrap(), "a");
        assert!(
            write_tree(&dir.path().join("empty"), Vec::<(&str, &str)>::new())
                .unwrap()
                .is_empty()
        );
        assert!(dir.path().join("empty").is_dir());
    }

    #[test]
    fn write_tree_error_names_the_directory_it_cannot_create() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), "").unwrap();
        let err = write_tree(&dir.path().join("file"), [("x", "x")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot create the directory "), "{err}");
    }
}
