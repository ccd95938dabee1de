//! The tables: medians per case and pinning, against the native run of the
//! same workload; then what failed.

use std::time::Duration;

use crate::commands::Workload;
use crate::tracers::How;
use crate::{Case, Kind};

fn median(v: &[u64]) -> Option<u64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

/// `1234567` as `1.23M`.
fn short(x: f64) -> String {
    match x {
        x if x >= 1e6 => format!("{:.2}M", x / 1e6),
        x if x >= 1e3 => format!("{:.1}k", x / 1e3),
        x => format!("{x:.0}"),
    }
}

pub(crate) fn report(
    cases: &[Case],
    workloads: &[Workload],
    pinnings: &[bool],
    rounds: usize,
    took: Duration,
) {
    println!(
        "{rounds} rounds in {:.0?}, medians; ratio against native of the same workload and pinning",
        took
    );
    println!(
        "µs/call: per call of one thread (loops); calls/s: of the whole process; \
         stops/run: seccomp stops the tracer saw; spread: (max-min)/median"
    );
    for w in workloads {
        println!("{:<8} {}", w.name, w.about);
    }
    for &pinned in pinnings {
        let p = usize::from(!pinned);
        println!();
        println!(
            "{}",
            if pinned {
                "pinned: tracer and tracee on CPU 0"
            } else {
                "unpinned"
            }
        );
        println!(
            "{:<12} {:<36} {:>10} {:>7} {:>9} {:>11} {:>8} {:>9} {:>7}",
            "workload",
            "how",
            "median ms",
            "ratio",
            "µs/call",
            "overhead µs",
            "calls/s",
            "stops/run",
            "spread"
        );
        for case in cases {
            row(case, cases, p);
        }
    }
    let troubled: Vec<&Case> = cases
        .iter()
        .filter(|c| c.disabled.is_some() || !c.failures.is_empty() || !c.denied.is_empty())
        .collect();
    if !troubled.is_empty() {
        println!();
        println!("failures and denials");
    }
    for case in troubled {
        let who = format!("{} / {}", case.workload, case.how.label());
        if let Some(why) = &case.disabled {
            println!("{who}: not run: {why}");
        }
        if let Some(first) = case.failures.first() {
            println!(
                "{who}: {} runs failed (not timed); first: {first}",
                case.failures.len()
            );
        }
        if let Some(first) = case.denied.first() {
            println!(
                "{who}: ran, but the engine denied {} calls over all runs; first: {first}",
                case.denied.len()
            );
        }
    }
}

fn row(case: &Case, cases: &[Case], p: usize) {
    let how = case.how.label();
    if case.disabled.is_some() {
        println!(
            "{:<12} {how:<36} {:>10}",
            case.workload, "not run (see failures)"
        );
        return;
    }
    let Some(med) = median(&case.times[p]) else {
        if !case.failures.is_empty() {
            println!(
                "{:<12} {how:<36} {:>10}",
                case.workload, "FAILED (see failures)"
            );
        }
        return;
    };
    let native = cases
        .iter()
        .find(|c| c.how == How::Native && c.workload == case.workload)
        .and_then(|c| median(&c.times[p]))
        .filter(|&n| n > 0);
    let (lo, hi) = (
        case.times[p].iter().min().copied().unwrap_or(0),
        case.times[p].iter().max().copied().unwrap_or(0),
    );
    let ratio = native.map_or("-".into(), |n| format!("{:.3}", med as f64 / n as f64));
    let (per_call, overhead, rate) = match case.kind {
        Kind::Loop { calls, threads, .. } => {
            let per = |ns: u64| ns as f64 / calls.max(1) as f64 / 1000.0;
            (
                format!("{:.3}", per(med)),
                native.map_or("-".into(), |n| format!("{:.3}", per(med) - per(n))),
                short((calls * threads) as f64 / (med as f64 / 1e9)),
            )
        }
        Kind::Command(_) => ("-".into(), "-".into(), "-".into()),
    };
    let stops = median(&case.stops).map_or("-".into(), |s| short(s as f64));
    let denied = if case.denied.is_empty() {
        String::new()
    } else {
        format!("  {} calls denied!", case.denied.len())
    };
    println!(
        "{:<12} {how:<36} {:>10.1} {ratio:>7} {per_call:>9} {overhead:>11} {rate:>8} {stops:>9} {:>6.1}%{denied}",
        case.workload,
        med as f64 / 1e6,
        (hi - lo) as f64 / med as f64 * 100.0
    );
}
