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
//!     n == 1:  ret #verdict(s[0])
//!     else:    jge #start(s[n/2]), <right>, 0
//!              <tree s[0..n/2]>
//!              <tree s[n/2..n]>
//! ```
//!
//! Every block and subtree ends in a return, so nothing falls through into
//! the code after it, and a jump over a block only needs that block's
//! length. A conditional jump reaches at most 255 instructions: a longer
//! one becomes the condition over a `JA` (whose offset is 32 bits).

use super::SockFilter;
use super::consts::{JA, JEQ_K, JGE_K, JSET_K, LD_W_ABS, MAX_INSNS, OFF_ARCH, OFF_NR, RET_K};
use super::ir::{ArchRules, FilterIr, Verdict};

/// Why a filter could not be emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// More instructions than the kernel accepts in one filter.
    #[error("seccomp filter of {0} instructions exceeds the kernel's limit of 4096")]
    TooLong(usize),
}

/// Lower `ir` to a program.
pub fn emit(ir: &FilterIr) -> Result<Vec<SockFilter>, EmitError> {
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
    tree(arch.table.segments(), &mut out);
    out
}

/// The binary search over `segs` (a run of a table's segments, which
/// together cover the numbers that can reach this subtree).
fn tree(segs: &[(u32, Verdict)], out: &mut Vec<SockFilter>) {
    if let [(_, verdict)] = segs {
        out.push(ret(*verdict));
        return;
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
