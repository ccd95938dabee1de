//! A process executed a new image: its policy changes, unless `-i`,
//! `permit[inherit]` or `permit[detach]` says otherwise.

use systrace_policy::ast::PermitFlag;

use crate::error::Result;
use crate::tracer::{Pid, Tracer};

use super::Engine;

impl Engine {
    pub(super) fn exec(&mut self, tracer: &mut dyn Tracer, pid: Pid, image: &str) -> Result<()> {
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
