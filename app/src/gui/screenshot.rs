//! `--screenshot`: renders the window offscreen (egui_kittest's wgpu renderer, no display server needed) and
//! writes a PNG, for documentation and smoke tests.

use super::app::NncubeApp;
use super::settings::Tab;
use anyhow::Context;
use std::path::Path;

/// Window size of screenshots, in points.
pub const SIZE: egui::Vec2 = egui::vec2(1280.0, 800.0);

/// Waits for `app`'s background work, shows `tab`, renders a frame and writes it to `path` as PNG.
pub fn render_to_png(mut app: NncubeApp, tab: Tab, path: &Path) -> anyhow::Result<()> {
    app.wait_for_tasks();
    app.settings.tab = tab;
    let mut harness = egui_kittest::Harness::builder()
        .with_size(SIZE)
        .with_accessibility_check(false)
        // Model and tensor names may use characters the bundled fonts lack: draw a box, never panic.
        .allow_missing_glyphs()
        .wgpu()
        .build_ui_state(|ui, app: &mut NncubeApp| app.draw(ui), app);
    // A few frames let panels and tables settle their sizes.
    harness.run_steps(4);
    let image = harness
        .render()
        .map_err(anyhow::Error::msg)
        .context("cannot render the window offscreen (needs a Vulkan or GL driver such as mesa lavapipe/llvmpipe)")?;
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .context("cannot encode the screenshot as PNG")?;
    nncube_core::files::write_file(path, png.get_ref()).context("cannot write the screenshot")
}
