//! The configuration an engineer picks in the left panel, and the app state that persists between runs.
//!
//! [`Config`] is what a project file stores next to the model path; [`Settings`] adds what belongs to the
//! user rather than the project (recent files, the open tab) and is saved by eframe's persistence.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How many recent files the File menu remembers.
const MAX_RECENT: usize = 8;

/// The inference runtime the generated project uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// nncube's own C kernels, generated for the model.
    #[default]
    Native,
    /// TensorFlow Lite Micro as the runtime (not implemented yet).
    TflmMicro,
}

impl Runtime {
    /// Every runtime, in the order the configuration panel lists them.
    pub const ALL: [Runtime; 2] = [Runtime::Native, Runtime::TflmMicro];

    /// The name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Runtime::Native => "nncube native C",
            Runtime::TflmMicro => "TensorFlow Lite Micro",
        }
    }

    /// Why the runtime cannot be chosen, or `None` when it can.
    pub fn unavailable_reason(self) -> Option<&'static str> {
        match self {
            Runtime::Native => None,
            Runtime::TflmMicro => Some("not implemented yet"),
        }
    }
}

/// Where activations live and how buffers are aligned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemoryOptions {
    /// Place the model inputs inside the activation buffer (otherwise the application owns them).
    pub inputs_in_activations: bool,
    /// Place the model outputs inside the activation buffer (otherwise the application owns them).
    pub outputs_in_activations: bool,
    /// Byte alignment of every activation buffer (a power of two).
    pub alignment: u32,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        Self {
            inputs_in_activations: true,
            outputs_in_activations: true,
            alignment: 4,
        }
    }
}

/// The alignments the configuration panel offers.
pub const ALIGNMENTS: [u32; 5] = [1, 4, 8, 16, 32];

/// Everything a project configures besides the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The runtime the generated code uses.
    pub runtime: Runtime,
    /// The target board's name (from the board list), if one is chosen.
    pub board: Option<String>,
    /// Activation buffer options.
    pub memory: MemoryOptions,
    /// The C name of the generated network (prefix of every generated symbol).
    pub model_name: String,
    /// Where the generated project is written, relative to the project file.
    pub output_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            runtime: Runtime::Native,
            board: None,
            memory: MemoryOptions::default(),
            model_name: "network".to_string(),
            output_dir: PathBuf::from("build/nncube"),
        }
    }
}

/// The central tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    /// Summary cards and the per-layer table.
    #[default]
    Report,
    /// The optimized (or imported) network graph and layer details.
    Graph,
    /// The memory planner's buffer timeline.
    Memory,
    /// Validation of the generated C against the reference interpreter (host, virtual board).
    Validate,
    /// Generate the project, build it and benchmark it on a virtual board.
    Board,
}

impl Tab {
    /// Every tab, in display order.
    pub const ALL: [Tab; 5] = [
        Tab::Report,
        Tab::Graph,
        Tab::Memory,
        Tab::Validate,
        Tab::Board,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Report => "Report",
            Tab::Graph => "Graph",
            Tab::Memory => "Memory",
            Tab::Validate => "Validate",
            Tab::Board => "Board",
        }
    }
}

/// The state saved between runs (eframe persistence).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The current configuration.
    pub config: Config,
    /// Recently opened models and projects, most recent first.
    pub recent: Vec<PathBuf>,
    /// The open tab.
    pub tab: Tab,
}

impl Settings {
    /// Puts `path` at the top of the recent files, without duplicates, keeping at most [`MAX_RECENT`].
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_most_recent_first_and_bounded() {
        let mut s = Settings::default();
        for i in 0..(MAX_RECENT + 3) {
            s.remember(PathBuf::from(format!("m{i}.tflite")));
        }
        s.remember(PathBuf::from("m5.tflite"));
        assert_eq!(s.recent.len(), MAX_RECENT);
        assert_eq!(s.recent[0], PathBuf::from("m5.tflite"));
        assert_eq!(
            s.recent.iter().filter(|p| p.ends_with("m5.tflite")).count(),
            1
        );
    }
}
