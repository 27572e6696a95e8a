//! `nncube gui [MODEL|PROJECT]` (also plain `nncube`): the desktop configurator, or a PNG of it with `--screenshot`.

use crate::gui::{self, Tab};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `nncube gui`.
#[derive(Debug, Default, Args)]
pub struct GuiArgs {
    /// A model (.tflite) or project (.ron) to open; the built-in model when absent.
    pub input: Option<PathBuf>,
    /// Render the window offscreen into this PNG file and exit (no display needed).
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// The tab shown in the screenshot.
    #[arg(long, value_enum, default_value = "report", requires = "screenshot")]
    pub tab: Tab,
    /// The target board of the screenshot (see `nncube boards`).
    #[arg(long, value_name = "ID", requires = "screenshot")]
    pub board: Option<String>,
    /// Run the tab's job first (Validate: validation; Board: generate, build and benchmark) and show its result.
    #[arg(long, requires = "screenshot")]
    pub run: bool,
}

/// Runs the command.
pub fn run(args: GuiArgs) -> anyhow::Result<()> {
    match &args.screenshot {
        Some(png) => gui::run_screenshot(args.input, args.tab, png, args.board, args.run),
        None => gui::run_window(args.input),
    }
}
