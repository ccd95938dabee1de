//! The systrace engine: everything that decides, nothing that traces.
//!
//! A backend (ptrace on Linux in `systrace-linux`, or the scripted
//! [`fake::FakeTracer`]) implements [`Tracer`]: it reports [`Event`]s and
//! carries out [`Decision`]s. The [`engine::Engine`] translates each stopped
//! call ([`translate`], from the syscall descriptions of [`calls`]),
//! evaluates it against the policy of the binary the process runs, and
//! decides in one of three [`engine::Mode`]s: ask a frontend ([`protocol`]),
//! enforce, or learn.
//!
//! ```
//! use systrace_core::engine::{Engine, Mode, Options};
//! use systrace_core::env::SystemEnvironment;
//! use systrace_core::fake::FakeTracer;
//! use systrace_core::log::Log;
//! use systrace_core::{Decision, RawCall};
//! use systrace_policy::Abi;
//! use systrace_policy::store::Store;
//!
//! let dir = std::env::temp_dir().join(format!("systrace-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("usr_bin_demo"), "Policy: /usr/bin/demo, Emulation: linux64\n\tlinux64-getpid: permit\n").unwrap();
//!
//! let options = Options { mode: Mode::Enforce, ..Options::default() };
//! let env = SystemEnvironment::with(None, Some("doc"), None);
//! let mut engine = Engine::new(options, Store::new(Some(dir.clone()), None), env, Log::Memory(Vec::new()));
//!
//! // A scripted process calls getpid (39), then read (0).
//! let mut tracer = FakeTracer::new();
//! tracer.set_cwd(7, "/").set_image(7, "/usr/bin/demo");
//! for nr in [39, 0] {
//!     tracer.push_call(7, RawCall { abi: Abi::X86_64, nr, args: [0; 6] });
//! }
//! engine.start(&mut tracer, 7, "/usr/bin/demo").unwrap();
//! engine.run(&mut tracer, 7).unwrap();
//! assert_eq!(tracer.decisions(), [(7, Decision::Permit), (7, Decision::Deny(1))]);
//! assert!(engine.log().lines()[0].starts_with("deny user: doc, prog: /usr/bin/demo, pid: 7(0)[0]"));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
#![forbid(unsafe_code)]

pub mod calls;
pub mod cmdline;
pub mod consts;
pub mod engine;
pub mod env;
pub mod error;
pub mod fake;
pub mod fault;
pub mod format;
pub mod log;
pub mod pid;
pub mod protocol;
pub mod tracer;
pub mod translate;

pub use error::{Error, Result};
pub use tracer::{
    Block, Checked, Decision, Event, ExitStatus, FastPath, Guard, Inspect, KernelRefusal,
    OPEN_HOW_SIZE, Pid, Pointer, RawCall, Reach, Stop, Tracer,
};
