//! Frame time of the configurator, measured headless: `cargo bench -p nncube --bench gui_frame`.
//!
//! Opens a model (default: MLPerf Tiny vww_96_int8 from ../shared/models, or the path in `NNCUBE_BENCH_MODEL`),
//! then for each tab draws 300 frames of a 1280×800 window with the pointer sweeping across it (so hover
//! paths run) and times each frame: egui layout of the whole window plus tessellation into triangles (what a
//! frame costs on the CPU before the GPU draws it). Prints mean, 99th percentile and max per tab. This is a
//! benchmark, not a test: it asserts nothing. Run as a test (`cargo test --all-targets`, no `--bench` argument) it
//! draws a few frames per tab only, to show that it still works.

use nncube::gui::{NncubeApp, OpenRequest, Settings, Tab};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Frames timed per tab, and warm-up frames before them: (benchmark, smoke run under `cargo test`).
const FRAMES: (usize, usize) = (300, 3);
const WARMUP: (usize, usize) = (20, 1);
const SIZE: egui::Vec2 = egui::vec2(1280.0, 800.0);

fn model_path() -> PathBuf {
    std::env::var_os("NNCUBE_BENCH_MODEL").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/models/mlperf-tiny/vww_96_int8.tflite")
        },
        PathBuf::from,
    )
}

/// Times `frames` frames of `app` on its current tab after `warmup` untimed ones; returns the frame times.
fn time_frames(app: &mut NncubeApp, (warmup, frames): (usize, usize)) -> Vec<Duration> {
    let ctx = egui::Context::default();
    let mut times = Vec::with_capacity(frames);
    for frame in 0..warmup + frames {
        // The pointer sweeps the central area in a zigzag.
        let t = frame as f32 / 37.0;
        let pos = egui::pos2(
            300.0 + (t.sin() * 0.5 + 0.5) * 950.0,
            80.0 + ((t * 0.7).cos() * 0.5 + 0.5) * 700.0,
        );
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SIZE)),
            events: vec![egui::Event::PointerMoved(pos)],
            time: Some(frame as f64 / 60.0),
            ..Default::default()
        };
        let started = Instant::now();
        let mut output = ctx.run_ui(input, |ui| app.draw(ui));
        // No GPU here: the font atlas updates are dropped, not uploaded.
        output.textures_delta.clear();
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = started.elapsed();
        std::hint::black_box(primitives);
        if frame >= warmup {
            times.push(elapsed);
        }
    }
    times
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = times.iter().map(|&d| ms(d)).sum::<f64>() / times.len().max(1) as f64;
    let p99 = times
        .get(times.len() * 99 / 100)
        .copied()
        .unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    println!(
        "{name:<22} frames {:>4}  mean {mean:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        times.len(),
        ms(p99),
        ms(max)
    );
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let counts = if bench {
        (WARMUP.0, FRAMES.0)
    } else {
        (WARMUP.1, FRAMES.1)
    };
    let model = model_path();
    let mut app = NncubeApp::new(Settings::default());
    app.open(OpenRequest::Path(model.clone()));
    app.wait_for_tasks();
    if let Some(err) = app.errors().first() {
        eprintln!("cannot open {}: {err}", model.display());
        std::process::exit(1);
    }
    println!(
        "model {} ({} layers after optimization), window {}×{}",
        model.display(),
        app.model().map_or(0, |m| m.graph.nodes.len()),
        SIZE.x,
        SIZE.y
    );
    for tab in [Tab::Memory, Tab::Graph, Tab::Report] {
        app.settings.tab = tab;
        report(tab.title(), time_frames(&mut app, counts));
    }
    // The whole graph on screen: every box is a widget.
    app.settings.tab = Tab::Graph;
    app.views_mut().graph.zoom = 0.1;
    report("Graph (whole graph)", time_frames(&mut app, counts));
    app.views_mut().graph.optimized = false;
    report("Graph (original)", time_frames(&mut app, counts));
    // A board with six RAM regions: one pool line or lane each.
    app.settings.config.board = Some("nucleo-h743zi2".into());
    app.refresh_analysis();
    app.wait_for_tasks();
    app.settings.tab = Tab::Memory;
    report("Memory (H743, 6 pools)", time_frames(&mut app, counts));
}
