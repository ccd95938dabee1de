//! A process executed a new image: its policy changes, unless `-i`,
//! `permit[inherit]` or `permit[detach]` says otherwise.

use systrace_policy::ast::PermitFlag;

use crate::error::Result;
use crate::tracer::{Pid, Tracer};

use super::Engine;

impl Engine {
    /// Thread `former` executed `image`, and is now process `pid` (its own
    /// id, or the leader's after a multi-threaded exec). Its `permit[...]`
    /// flag, set when its `execve` was permitted, says what follows.
    pub(super) fn exec(
        &mut self,
        tracer: &mut dyn Tracer,
        pid: Pid,
        former: Pid,
        image: &str,
    ) -> Result<()> {
        if former != pid {
            if let Some(proc) = self.procs.remove(&former) {
                self.procs.insert(pid, proc);
            }
            self.roots.remove(&former);
            self.cwds.remove(&former);
            self.cwds.remove(&pid);
        }
        let Some(proc) = self.procs.get_mut(&pid) else {
            let binary = self.adopt(pid, 0, image);
            return self.enter_binary(tracer, pid, binary);
        };
        proc.image = image.to_string();
        let flag = std::mem::take(&mut proc.on_exec);
        if proc.detached {
            return Ok(());
        }
        match flag {
            PermitFlag::Detach => {
                proc.detached = true;
                tracer.detach(pid)
            }
            PermitFlag::Inherit => Ok(()),
            PermitFlag::None if self.options.inherit => Ok(()),
            PermitFlag::None if without_path(image) => {
                // A memfd or a deleted file: no name is its own, so none
                // picks its policy; it keeps its caller's.
                let policy = self.binaries.list[proc.binary].name.clone();
                self.log.write(&format!(
                    "process {pid} runs {image}, an image without a path: it keeps the policy of {policy}"
                ));
                Ok(())
            }
            PermitFlag::None => {
                let binary = self.binary(image);
                if let Some(p) = self.procs.get_mut(&pid) {
                    p.binary = binary;
                }
                self.enter_binary(tracer, pid, binary)
            }
        }
    }
}

/// Whether `image` (as `/proc/PID/exe` names it) is an image without a
/// path of its own: a memfd (`/memfd:NAME (deleted)`), a deleted or
/// unlinked file (`... (deleted)`), or anything not absolute.
pub(super) fn without_path(image: &str) -> bool {
    !image.starts_with('/') || image.starts_with("/memfd:") || image.ends_with(" (deleted)")
}
