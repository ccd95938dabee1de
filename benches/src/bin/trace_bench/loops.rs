//! The loops timed from inside (`--workload`): the program measures its own
//! loop and prints `ns ELAPSED`, so start-up and the tracer's set-up are not
//! counted.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::die;

/// `--workload getpid N`, `--workload open-close FILE N`,
/// `--workload stat FILE N` or
/// `--workload threads FILE THREADS TOTAL`: run the loop, print
/// `ns ELAPSED`.
pub(crate) fn workload(args: &[String]) -> ! {
    let count = |i: usize| -> u64 {
        args.get(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| die("bad count"))
    };
    let file = || args.get(1).cloned().unwrap_or_else(|| die("no file"));
    let elapsed = match args.first().map(String::as_str) {
        Some("getpid") => getpid(count(1)),
        Some("open-close") => {
            let (path, n) = (file(), count(2));
            let start = Instant::now();
            open_close(&path, n);
            start.elapsed()
        }
        Some("stat") => {
            let (path, n) = (file(), count(2));
            let start = Instant::now();
            for _ in 0..n {
                // One statx(2) each.
                std::hint::black_box(std::fs::metadata(&path).unwrap_or_else(|e| die(e)));
            }
            start.elapsed()
        }
        Some("threads") => threads(&file(), count(2), count(3)),
        _ => die("unknown workload"),
    };
    println!("ns {}", elapsed.as_nanos());
    std::process::exit(0)
}

fn getpid(n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        // One getpid(2) each: the C library no longer caches it.
        std::hint::black_box(std::process::id());
    }
    start.elapsed()
}

/// `n` times: openat(2), then close(2) when the file is dropped.
fn open_close(path: &str, n: u64) {
    for _ in 0..n {
        let file = std::fs::File::open(path).unwrap_or_else(|e| die(e));
        drop(std::hint::black_box(file));
    }
}

/// `threads` threads share `total` open/close pairs; the time from the
/// moment they are all started and released together to the last one's
/// end (thread creation is not counted).
fn threads(path: &str, threads: u64, total: u64) -> Duration {
    let threads = threads.max(1);
    let each = total / threads;
    let gate = Arc::new(Barrier::new(threads as usize + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (gate, path) = (Arc::clone(&gate), path.to_string());
            std::thread::spawn(move || {
                gate.wait();
                open_close(&path, each);
            })
        })
        .collect();
    gate.wait();
    let start = Instant::now();
    for h in handles {
        h.join().unwrap_or_else(|_| die("a thread panicked"));
    }
    start.elapsed()
}
