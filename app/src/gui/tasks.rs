//! Background tasks: slow work (model import and optimization, memory planning, file dialogs, validation,
//! compilation, QEMU runs) runs on its own thread and reports through a channel that the UI polls once per frame,
//! so the frame loop never blocks.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// A task that is still running.
struct Running {
    id: u64,
    label: String,
    handle: JoinHandle<()>,
}

/// Runs jobs producing `T` on background threads.
pub struct Tasks<T> {
    tx: Sender<(u64, T)>,
    rx: Receiver<(u64, T)>,
    running: Vec<Running>,
    next_id: u64,
}

/// What polling found: finished results, and tasks that died without a result.
pub struct Finished<T> {
    /// Results, in completion order.
    pub results: Vec<T>,
    /// Labels of tasks whose thread ended without sending a result (a bug).
    pub lost: Vec<String>,
}

impl<T: Send + 'static> Default for Tasks<T> {
    fn default() -> Self {
        let (tx, rx) = channel();
        Self {
            tx,
            rx,
            running: Vec::new(),
            next_id: 0,
        }
    }
}

impl<T: Send + 'static> Tasks<T> {
    /// Starts `job` on a new thread; `label` is shown next to the spinner while it runs.
    pub fn spawn(&mut self, label: impl Into<String>, job: impl FnOnce() -> T + Send + 'static) {
        let id = self.next_id;
        self.next_id += 1;
        let tx = self.tx.clone();
        let handle = std::thread::spawn(move || {
            // The receiver only disappears when the app is closing; the result is then unwanted.
            let _ = tx.send((id, job()));
        });
        self.running.push(Running {
            id,
            label: label.into(),
            handle,
        });
    }

    /// Labels of the running tasks.
    pub fn running(&self) -> Vec<&str> {
        self.running.iter().map(|r| r.label.as_str()).collect()
    }

    /// True when no task is running.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    /// Collects what has finished, without waiting.
    pub fn poll(&mut self) -> Finished<T> {
        // A thread sends its result before it ends, so a thread seen finished here has a result in the
        // channel unless it died first.
        let ended: Vec<u64> = self
            .running
            .iter()
            .filter(|r| r.handle.is_finished())
            .map(|r| r.id)
            .collect();
        let mut results = Vec::new();
        while let Ok((id, result)) = self.rx.try_recv() {
            self.running.retain(|r| r.id != id);
            results.push(result);
        }
        let mut lost = Vec::new();
        self.running.retain(|r| {
            let dead = ended.contains(&r.id);
            if dead {
                lost.push(r.label.clone());
            }
            !dead
        });
        Finished { results, lost }
    }

    /// Waits until every running task has finished (for tests, screenshots and the command line).
    pub fn wait(&mut self) -> Finished<T> {
        let mut all = Finished {
            results: Vec::new(),
            lost: Vec::new(),
        };
        while !self.running.is_empty() {
            if let Ok((id, result)) = self.rx.recv_timeout(std::time::Duration::from_millis(20)) {
                self.running.retain(|r| r.id != id);
                all.results.push(result);
            }
            let mut f = self.poll();
            all.results.append(&mut f.results);
            all.lost.append(&mut f.lost);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_and_running_tasks_are_listed() {
        let mut tasks = Tasks::default();
        let (go_tx, go_rx) = channel::<()>();
        tasks.spawn("slow", move || {
            let _ = go_rx.recv();
            7
        });
        assert_eq!(tasks.running(), vec!["slow"]);
        assert!(tasks.poll().results.is_empty());
        go_tx.send(()).unwrap();
        let done = tasks.wait();
        assert_eq!(done.results, vec![7]);
        assert!(done.lost.is_empty());
        assert!(tasks.is_idle());
    }
}
