//! Lowering a [`FilterIr`] to classic BPF.
//!
//! Layout:
//!
//! ```text
//!     ld  [arch]
//!     jeq #ARCH_1, 0, <past block 1>      ; or jeq 1, 0 + ja when far
//!     <block 1>                            ; ends in returns only
//!     jeq #ARCH_2, 0, <past block 2>
//!     <block 2>
//!     ret #otherwise
//! block:
//!     ld  [nr]
//!     jset #BITS, 0, 1                     ; only with refuse_bits
//!     ret #refusal
//!     <tree>
//! tree over segments s[0..n]:
//!     n == 1:  ret #verdict(s[0])          ; or the check of s[0]
//!     else:    jge #start(s[n/2]), <right>, 0
//!              <tree s[0..n/2]>
//!              <tree s[n/2..n]>
//! check (one number, its guard over the argument registers):
//!     <guard, jumping to ALLOW where it holds, to TRACE where not>
//! ALLOW: ret #allow
//! TRACE: ret #trace
//! a test args[i] & mask == value, per 32-bit half the mask covers:
//!     ld  [16 + 8*i]                       ; low half (+4: high half)
//!     and #mask                            ; unless the mask is all ones
//!     jeq #value, <next half or true>, <false>
//! ```
//!
//! Every block and subtree ends in a return, so nothing falls through into
//! the code after it, and a jump over a block only needs that block's
//! length. A conditional jump reaches at most 255 instructions: a longer
//! one becomes the condition over a `JA` (whose offset is 32 bits). Inside
//! a check every jump goes forward to its own labels; a check with a jump
//! too long for its 8 bits is not emitted, and its number is traced.
//!
//! A program too long for the kernel loses its checks, the longest first,
//! until it fits: those calls are then traced, as without a check.

use systrace_core::Guard;

use super::SockFilter;
use super::consts::{
    ALU_AND_K, JA, JEQ_K, JGE_K, JSET_K, LD_W_ABS, MAX_INSNS, OFF_ARCH, OFF_NR, RET_K, arg_word,
};
use super::ir::{ArchRules, FilterIr, Leaf, Verdict};

/// Why a filter could not be emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// More instructions than the kernel accepts in one filter.
    #[error("seccomp filter of {0} instructions exceeds the kernel's limit of 4096")]
    TooLong(usize),
}

/// Lower `ir` to a program; checks that do not fit are dropped (their
/// calls traced).
pub fn emit(ir: &FilterIr) -> Result<Vec<SockFilter>, EmitError> {
    let mut ir = std::borrow::Cow::Borrowed(ir);
    loop {
        match emit_all(&ir) {
            Err(EmitError::TooLong(n)) => {
                // Drop the longest check, if any is left.
                let longest = ir
                    .arches
                    .iter()
                    .enumerate()
                    .flat_map(|(a, arch)| arch.checks.iter().map(move |(&nr, g)| (g.size(), a, nr)))
                    .max();
                let Some((_, a, nr)) = longest else {
                    return Err(EmitError::TooLong(n));
                };
                ir.to_mut().arches[a].checks.remove(&nr);
            }
            done => return done,
        }
    }
}

/// Lower `ir`, every check included.
fn emit_all(ir: &FilterIr) -> Result<Vec<SockFilter>, EmitError> {
    let mut out = vec![SockFilter::stmt(LD_W_ABS, OFF_ARCH)];
    for arch in &ir.arches {
        let block = arch_block(arch);
        skip_unless(&mut out, JEQ_K, arch.audit_arch, block.len());
        out.extend(block);
    }
    out.push(ret(ir.otherwise));
    if out.len() > MAX_INSNS {
        return Err(EmitError::TooLong(out.len()));
    }
    Ok(out)
}

/// The block for one architecture: load the number, refuse by bits, then
/// the search tree.
fn arch_block(arch: &ArchRules) -> Vec<SockFilter> {
    let mut out = vec![SockFilter::stmt(LD_W_ABS, OFF_NR)];
    if let Some((bits, verdict)) = arch.refuse_bits {
        out.push(SockFilter::jump(JSET_K, bits, 0, 1));
        out.push(ret(verdict));
    }
    tree(&arch.leaves(), &mut out);
    out
}

/// The binary search over `segs` (a run of a table's segments, which
/// together cover the numbers that can reach this subtree).
fn tree(segs: &[(u32, Leaf<'_>)], out: &mut Vec<SockFilter>) {
    match segs {
        [(_, Leaf::Verdict(verdict))] => return out.push(ret(*verdict)),
        [(_, Leaf::Check(guard))] => {
            return out.extend(check(guard).unwrap_or_else(|| vec![ret(Verdict::Trace)]));
        }
        _ => {}
    }
    let mid = segs.len() / 2;
    let mut left = Vec::new();
    tree(&segs[..mid], &mut left);
    // Numbers >= the right half's first start go right, the others fall
    // into the left half.
    jump_if(out, JGE_K, segs[mid].0, left.len());
    out.extend(left);
    tree(&segs[mid..], out);
}

/// Emit "if `A op k`, skip the next `len` instructions".
fn jump_if(out: &mut Vec<SockFilter>, op: u16, k: u32, len: usize) {
    match u8::try_from(len) {
        Ok(jt) => out.push(SockFilter::jump(op, k, jt, 0)),
        Err(_) => {
            out.push(SockFilter::jump(op, k, 0, 1));
            out.push(SockFilter::stmt(JA, len as u32));
        }
    }
}

/// Emit "unless `A op k`, skip the next `len` instructions".
fn skip_unless(out: &mut Vec<SockFilter>, op: u16, k: u32, len: usize) {
    match u8::try_from(len) {
        Ok(jf) => out.push(SockFilter::jump(op, k, 0, jf)),
        Err(_) => {
            out.push(SockFilter::jump(op, k, 1, 0));
            out.push(SockFilter::stmt(JA, len as u32));
        }
    }
}

fn ret(verdict: Verdict) -> SockFilter {
    SockFilter::stmt(RET_K, verdict.ret_value())
}

/// An instruction of a check, its jumps to labels not yet placed.
#[derive(Clone, Copy, Debug)]
enum Sym {
    /// As it is.
    Insn(SockFilter),
    /// `jeq #k, <label t>, <label f>`.
    Jeq(u32, usize, usize),
    /// `ja <label>`.
    Ja(usize),
    /// Where a label stands.
    Label(usize),
}

/// The code of a check: `ret ALLOW` where `guard` holds of the registers,
/// `ret TRACE` where it does not. `None` when a jump inside it would be
/// too long.
fn check(guard: &Guard) -> Option<Vec<SockFilter>> {
    const ALLOW: usize = 0;
    const TRACE: usize = 1;
    let mut syms = Vec::new();
    let mut labels = 2;
    test(guard, ALLOW, TRACE, &mut labels, &mut syms);
    syms.extend([
        Sym::Label(ALLOW),
        Sym::Insn(ret(Verdict::Allow)),
        Sym::Label(TRACE),
        Sym::Insn(ret(Verdict::Trace)),
    ]);
    // Place the labels, then resolve the jumps.
    let mut at = vec![0usize; labels];
    let mut pc = 0;
    for sym in &syms {
        match sym {
            Sym::Label(l) => at[*l] = pc,
            _ => pc += 1,
        }
    }
    let mut out = Vec::with_capacity(pc);
    for sym in syms {
        let next = out.len() + 1;
        match sym {
            Sym::Label(_) => {}
            Sym::Insn(insn) => out.push(insn),
            Sym::Ja(l) => {
                let k = u32::try_from(at[l].checked_sub(next)?).ok()?;
                out.push(SockFilter::stmt(JA, k));
            }
            Sym::Jeq(k, t, f) => {
                let jt = u8::try_from(at[t].checked_sub(next)?).ok()?;
                let jf = u8::try_from(at[f].checked_sub(next)?).ok()?;
                out.push(SockFilter::jump(JEQ_K, k, jt, jf));
            }
        }
    }
    Some(out)
}

/// The code of "if `guard` go to label `yes`, else to `no`", every label it
/// makes placed after the code that jumps to it.
fn test(guard: &Guard, yes: usize, no: usize, labels: &mut usize, out: &mut Vec<Sym>) {
    let mut label = || {
        *labels += 1;
        *labels - 1
    };
    match guard {
        Guard::True => out.push(Sym::Ja(yes)),
        Guard::False => out.push(Sym::Ja(no)),
        Guard::Not(g) => test(g, no, yes, labels, out),
        Guard::And(a, b) => {
            let then = label();
            test(a, then, no, labels, out);
            out.push(Sym::Label(then));
            test(b, yes, no, labels, out);
        }
        Guard::Or(a, b) => {
            let otherwise = label();
            test(a, yes, otherwise, labels, out);
            out.push(Sym::Label(otherwise));
            test(b, yes, no, labels, out);
        }
        &Guard::Bits { arg, mask, value } => {
            let halves: Vec<(bool, u32, u32)> = [
                (false, mask as u32, value as u32),
                (true, (mask >> 32) as u32, (value >> 32) as u32),
            ]
            .into_iter()
            .filter(|&(_, m, _)| m != 0)
            .collect();
            for (i, &(high, m, v)) in halves.iter().enumerate() {
                out.push(Sym::Insn(SockFilter::stmt(LD_W_ABS, arg_word(arg, high))));
                if m != u32::MAX {
                    out.push(Sym::Insn(SockFilter::stmt(ALU_AND_K, m)));
                }
                if i + 1 == halves.len() {
                    out.push(Sym::Jeq(v, yes, no));
                } else {
                    let next = label();
                    out.push(Sym::Jeq(v, next, no));
                    out.push(Sym::Label(next));
                }
            }
        }
    }
}
