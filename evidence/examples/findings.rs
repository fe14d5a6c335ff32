//! Prints the attribution-gap findings of a bundle under the default policy:
//! `cargo run -p evidence --example findings -- BUNDLE ROOTFILE`, where ROOTFILE
//! holds the organisation root's public key (hex, base64 or PEM). One line per
//! finding: severity, rule code, the events it names, then its detail; on stderr,
//! how long verification and the analysis took (a bench figure for large bundles).

use std::sync::Mutex;

use evidence::bundle::{verify_and_read, Limits};
use evidence::event::Event;
use evidence::findings::{analyse, Policy};
use evidence::keys::PublicKey;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(bundle), Some(root)) = (args.first(), args.get(1)) else {
        eprintln!("usage: findings BUNDLE ROOTFILE");
        std::process::exit(2);
    };
    let read = |path: &str| {
        std::fs::read(path).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        })
    };
    let bytes = read(bundle);
    let root_text = String::from_utf8_lossy(&read(root)).into_owned();
    let root = PublicKey::from_text(root_text.trim()).unwrap_or_else(|e| {
        eprintln!("{}: not a public key: {e}", args.get(1).map_or("", |s| s));
        std::process::exit(1);
    });
    let started = std::time::Instant::now();
    let events: Mutex<Vec<(usize, Event)>> = Mutex::new(Vec::new());
    let report = verify_and_read(&bytes, &[root], &Limits::default(), 1, &|_, _| {}, &|e| {
        if let Ok(mut events) = events.lock() {
            events.push((e.index, e.event.clone()));
        }
    })
    .unwrap_or_else(|e| {
        eprintln!("{bundle}: {e}");
        std::process::exit(1);
    });
    let mut events = events.into_inner().unwrap_or_default();
    events.sort_by_key(|(i, _)| *i);
    let verified = started.elapsed();
    let findings = analyse(&report, &events, &Policy::default());
    eprintln!(
        "verified and read in {:.0} ms, analysed in {:.0} ms",
        verified.as_secs_f64() * 1e3,
        (started.elapsed() - verified).as_secs_f64() * 1e3
    );
    println!(
        "{bundle}: {} ({} events), {} findings",
        report.status().code(),
        report.events().len(),
        findings.len()
    );
    for f in &findings {
        println!(
            "  {:<6} {:<24} [{}] {}",
            f.severity().as_str(),
            f.rule.code(),
            f.events
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(","),
            f.detail
        );
    }
}
