//! A classic BPF interpreter for seccomp programs, for the tests only: it
//! checks a program the way the kernel's loader does (length, jump
//! targets, loads within `seccomp_data`, a return at the end) and runs it
//! over a `seccomp_data`.

use systrace_linux::seccomp::SockFilter;
use systrace_linux::seccomp::consts::{
    ALU_AND_K, JA, JEQ_K, JGE_K, JGT_K, JSET_K, LD_W_ABS, MAX_INSNS, RET_K, SECCOMP_DATA_LEN,
};

/// The input of a filter: `struct seccomp_data`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Data {
    pub nr: u32,
    pub arch: u32,
    pub ip: u64,
    pub args: [u64; 6],
}

impl Data {
    /// A call with no arguments.
    pub fn call(nr: u32, arch: u32) -> Data {
        Data {
            nr,
            arch,
            ..Data::default()
        }
    }

    /// A call with these argument registers.
    pub fn with_args(nr: u32, arch: u32, args: [u64; 6]) -> Data {
        Data {
            nr,
            arch,
            args,
            ..Data::default()
        }
    }

    /// The 32-bit word at `off`, as the kernel lays the structure out in
    /// this machine's byte order.
    fn word(&self, off: u32) -> u32 {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(&self.nr.to_ne_bytes());
        bytes.extend_from_slice(&self.arch.to_ne_bytes());
        bytes.extend_from_slice(&self.ip.to_ne_bytes());
        for a in self.args {
            bytes.extend_from_slice(&a.to_ne_bytes());
        }
        let off = off as usize;
        u32::from_ne_bytes(bytes[off..off + 4].try_into().unwrap())
    }
}

/// `BPF_RET | BPF_A`: return the accumulator (the tests use it to read
/// what a load gives; the compiler never emits it).
pub const RET_A: u16 = (libc::BPF_RET | libc::BPF_A) as u16;

/// What a run ended with: the return value and how many instructions ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub ret: u32,
    pub steps: usize,
}

/// Check `prog` as the kernel would before accepting it.
pub fn validate(prog: &[SockFilter]) -> Result<(), String> {
    if prog.is_empty() || prog.len() > MAX_INSNS {
        return Err(format!("bad length {}", prog.len()));
    }
    for (pc, insn) in prog.iter().enumerate() {
        let next = pc + 1;
        match insn.code {
            LD_W_ABS => {
                if insn.k % 4 != 0 || insn.k >= SECCOMP_DATA_LEN {
                    return Err(format!("{pc}: bad load offset {}", insn.k));
                }
            }
            JA => {
                if next + insn.k as usize >= prog.len() {
                    return Err(format!("{pc}: ja out of range"));
                }
            }
            JEQ_K | JGT_K | JGE_K | JSET_K => {
                let far = next + usize::from(insn.jt.max(insn.jf));
                if far >= prog.len() {
                    return Err(format!("{pc}: jump out of range"));
                }
            }
            RET_K | RET_A | ALU_AND_K => {}
            code => {
                return Err(format!(
                    "{pc}: opcode {code:#x} not used by seccomp filters here"
                ));
            }
        }
    }
    if !matches!(prog.last().map(|i| i.code), Some(RET_K | RET_A)) {
        return Err("does not end in a return".into());
    }
    Ok(())
}

/// Run a validated program.
pub fn run(prog: &[SockFilter], data: Data) -> Run {
    let mut a = 0u32;
    let mut pc = 0usize;
    let mut steps = 0;
    loop {
        let insn = prog[pc];
        steps += 1;
        pc += 1;
        match insn.code {
            LD_W_ABS => a = data.word(insn.k),
            ALU_AND_K => a &= insn.k,
            JA => pc += insn.k as usize,
            JEQ_K | JGT_K | JGE_K | JSET_K => {
                let holds = match insn.code {
                    JEQ_K => a == insn.k,
                    JGT_K => a > insn.k,
                    JGE_K => a >= insn.k,
                    _ => a & insn.k != 0,
                };
                pc += usize::from(if holds { insn.jt } else { insn.jf });
            }
            RET_K => return Run { ret: insn.k, steps },
            RET_A => return Run { ret: a, steps },
            code => panic!("opcode {code:#x}"),
        }
    }
}
