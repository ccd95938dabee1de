//! The frontend protocol: how systrace asks what to do with a system call
//! that no rule matched (spec §6).
//!
//! * [`EventLine`] prints the one line that describes the call (§6.2).
//! * A [`Channel`] carries lines to and from the frontend: a program started
//!   with `-g` ([`Process`]), the controlling terminal with `-t`
//!   ([`Terminal`]), or an in-memory [`Script`] for tests.
//! * [`ask`] runs the answer loop: it writes the event line, reads answers,
//!   prints diagnostics, and returns the decided [`Answer`]. It is generic
//!   over the channel and the [`Style`] of framing (`OKAY`/`WRONG` for a
//!   connected frontend, the `Answer: ` prompt on a terminal). The engine
//!   takes part through the [`Question`] trait.
//! * [`load_templates`] reads the template files that `templates` lists and
//!   `template N` applies (§1.1); [`builtin_templates`] stand in when there
//!   is no template directory.
//!
//! Only protocol lines go to the frontend: unlike the original, which
//! pointed its own stdout at the frontend's socket, nothing else the engine
//! prints can reach it.

mod ask;
mod builtin;
mod channel;
mod event;
mod menu;
mod process;
mod templates;

pub use ask::{
    Answer, NOT_A_PROMPT_ANSWER, OKAY, PARSE_ERROR, PROMPT, Question, SYNTAX_ERROR, Style,
    TEMPLATE_UNMATCHED, UNMATCHED_FREED, WRONG, ask,
};
pub use builtin::builtin_templates;
pub use channel::{Channel, Script, Terminal, WaitInput};
pub use event::{Args, EventLine};
pub use menu::Subject;
pub use process::Process;
pub use templates::{Skipped, Template, TemplateSet, load_templates, parse_template};
