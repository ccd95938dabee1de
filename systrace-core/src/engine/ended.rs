//! The `pidname` of a process that ended lately.
//!
//! Programs signal their children as those exit: Python's
//! `multiprocessing.Pool` ends its workers with `SIGTERM`, some of which
//! have already exited. A process that has exited and is not reaped yet
//! still holds its pid, but the kernel no longer shows its image
//! (`/proc/PID/exe` goes with its memory), so the backend cannot name it
//! and `kill` of it was judged as `pidname eq "<unknown>"`: a policy
//! learned while the worker was alive denied it on the next run, and the
//! program failed where the kernel would have let the signal through to
//! nothing.
//!
//! A target the backend cannot name that is one of the processes the
//! engine follows, or followed until it ended lately (see
//! `Engine::ended`), is named by the image it had: its exit may reach the
//! engine after the call that signals it. A pid that names another process by then is
//! named by that process where the backend can read it, which it always
//! can for a tracer running as root; the kernel's own permission checks
//! on the signal apply as ever.

use std::path::Path;

use crate::calls::{self, Translator};
use crate::format::{self, PidTarget};
use crate::pid::Pid;
use crate::translate::{Translation, path};

impl super::Engine {
    /// Name by their images the `pidname` targets of `tr` that the backend
    /// could not name and that the engine follows or followed lately, in
    /// the view of a process whose root is `root`.
    pub(super) fn name_ended_targets(&self, tr: &mut Translation, root: &Path) {
        let Some(desc) = calls::desc(tr.call.abi, tr.call.nr) else {
            return;
        };
        for (spec, t) in desc.args.iter().zip(tr.args.iter_mut()) {
            if spec.translator != Translator::Pidname {
                continue;
            }
            let target = format::pid_target(tr.call.args[usize::from(spec.arg)] as i64);
            let (PidTarget::Process(pid) | PidTarget::Group(pid)) = target else {
                continue;
            };
            if t.value.as_deref() != Some(target.render(None).as_str()) {
                continue;
            }
            let ended = Pid::try_from(pid)
                .ok()
                .and_then(|pid| self.known(pid))
                .map(|proc| proc.image.as_str())
                .filter(|image| image.starts_with('/'));
            let Some(image) = ended else {
                continue;
            };
            let shown =
                path::in_view(root, Path::new(image)).unwrap_or_else(|| image.as_bytes().to_vec());
            t.value = Some(target.render(Some(&format::bytes(&shown))));
        }
    }
}
