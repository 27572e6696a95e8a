//! Project files: the model path and the [`Config`], in RON, so a configuration can be saved, shared and reopened.
//!
//! The model path is stored relative to the project file when both share an ancestor directory, so a project
//! moves with its repository; no absolute path is written when a relative one exists.

use super::settings::Config;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

/// Version of the project file format.
pub const PROJECT_FORMAT_VERSION: u32 = 1;

/// A saved project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Format version ([`PROJECT_FORMAT_VERSION`]).
    pub version: u32,
    /// The model file, relative to the project file's directory; `None` for the built-in default model.
    pub model: Option<PathBuf>,
    /// The configuration.
    #[serde(default)]
    pub config: Config,
}

/// True when `path` looks like a project file (by extension).
pub fn is_project_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ron"))
}

impl Project {
    /// Reads a project file; the returned model path is resolved against the project's directory.
    pub fn load(path: &Path) -> anyhow::Result<Project> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read project file {}", path.display()))?;
        let mut project: Project = ron::from_str(&text).with_context(|| {
            format!(
                "project file {} is not a valid nncube project; fix the reported field",
                path.display()
            )
        })?;
        anyhow::ensure!(
            project.version == PROJECT_FORMAT_VERSION,
            "project file {} has format version {}, this nncube reads version {PROJECT_FORMAT_VERSION}",
            path.display(),
            project.version
        );
        if let Some(model) = &project.model {
            let dir = path.parent().unwrap_or(Path::new(""));
            project.model = Some(dir.join(model));
        }
        Ok(project)
    }

    /// Writes the project to `path` (model path made relative to `path`'s directory), replacing the file whole.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path.parent().unwrap_or(Path::new(""));
        let stored = Project {
            model: self.model.as_deref().map(|m| relative_to(dir, m)),
            ..self.clone()
        };
        let pretty = ron::ser::PrettyConfig::new().struct_names(true);
        let text =
            ron::ser::to_string_pretty(&stored, pretty).context("cannot serialize the project")?;
        nncube_core::files::write_file(path, (text + "\n").as_bytes())
            .context("cannot save the project")
    }
}

/// `target` expressed relative to directory `base`; `target` unchanged when no common ancestor exists.
fn relative_to(base: &Path, target: &Path) -> PathBuf {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .map(|a| normalize(&a))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let (base, target_abs) = (abs(base), abs(target));
    let b: Vec<_> = base.components().collect();
    let t: Vec<_> = target_abs.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    if common <= 1 {
        return target.to_path_buf();
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c.as_os_str());
    }
    rel
}

/// Removes `.` and resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_keeps_the_configuration_and_resolves_the_model() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("models")).unwrap();
        std::fs::create_dir(dir.path().join("projects")).unwrap();
        let model = dir.path().join("models/m.tflite");
        let mut config = Config::default();
        config.memory.alignment = 32;
        config.board = Some("some-board".into());
        let project = Project {
            version: PROJECT_FORMAT_VERSION,
            model: Some(model.clone()),
            config,
        };
        let path = dir.path().join("projects/p.ron");
        project.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"../models/m.tflite\""), "{text}");
        let loaded = Project::load(&path).unwrap();
        assert_eq!(loaded.config, project.config);
        assert_eq!(normalize(&loaded.model.unwrap()), model);
    }

    #[test]
    fn unknown_fields_and_other_versions_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.ron");
        std::fs::write(
            &path,
            "Project(version: 1, model: None, config: Config(colour: 3))",
        )
        .unwrap();
        let err = format!("{:#}", Project::load(&path).unwrap_err());
        assert!(err.contains("colour"), "{err}");
        std::fs::write(&path, "Project(version: 9, model: None)").unwrap();
        let err = format!("{:#}", Project::load(&path).unwrap_err());
        assert!(err.contains("version 9"), "{err}");
    }

    #[test]
    fn relative_paths_walk_up_and_down() {
        assert_eq!(
            relative_to(Path::new("/a/b/projects"), Path::new("/a/shared/m.tflite")),
            PathBuf::from("../../shared/m.tflite")
        );
        assert_eq!(
            relative_to(Path::new("/a/b"), Path::new("/a/b/c/m.tflite")),
            PathBuf::from("c/m.tflite")
        );
    }
}
