//! `custody export` and `custody verify-report`: an incident's review written to a
//! directory with its signed manifest, and the check a third party runs on it with
//! the organisation's key alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use store::exports;
use store::review_log::Actor;

use super::progress::Progress;
use super::store::StoreArgs;
use super::Outcome;

/// `custody export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The incident to export.
    #[arg(long)]
    pub incident: i64,
    /// The directory to write (created; files in it are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Also print the report to `report.pdf` (listed in the signed manifest), with
    /// Debian's Chromium headless (`CUSTODY_CHROMIUM` names another browser binary).
    #[arg(long)]
    pub pdf: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `custody verify-report`.
#[derive(Debug, Args)]
pub struct VerifyReportArgs {
    /// The export: a directory, or the `export.tar` the console downloads.
    pub path: PathBuf,
    /// The exporting server's public key (a file, or the key itself); repeatable.
    #[arg(long, required = true)]
    pub trust: Vec<String>,
    /// A witness policy (`witness <vkey>` lines, `quorum <k>`): the export's log
    /// checkpoint must be cosigned by the quorum.
    #[arg(long, value_name = "FILE")]
    pub witnesses: Option<PathBuf>,
}

/// Exit code when an export does not verify.
const EXIT_CHANGED: u8 = 4;

/// The printable report as a PDF, printed by a headless Chromium.
mod pdf {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// The longest a print may take.
    const TIME_LIMIT: Duration = Duration::from_secs(120);

    /// The browser: `CUSTODY_CHROMIUM`, or the first of Chromium's usual names on `PATH`.
    fn browser() -> Result<PathBuf, String> {
        if let Some(path) = std::env::var_os("CUSTODY_CHROMIUM") {
            return Ok(PathBuf::from(path));
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| {
                "no Chromium found to print it: install Debian's chromium (apt-get install \
                 chromium) or set CUSTODY_CHROMIUM, or print report.html from a browser"
                    .to_owned()
            })
    }

    /// `html` (the report: no script, nothing fetched) printed to PDF, with scripts
    /// off and a throwaway browser profile.
    pub fn print(html: &[u8]) -> Result<Vec<u8>, String> {
        let browser = browser()?;
        let work = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
        let page = work.path().join("report.html");
        let out = work.path().join("report.pdf");
        std::fs::write(&page, html).map_err(|e| format!("writing the page: {e}"))?;
        let mut child = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-javascript",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!(
                "--user-data-dir={}",
                work.path().join("profile").display()
            ))
            .arg(format!("--print-to-pdf={}", out.display()))
            .arg(format!("file://{}", page.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", browser.display()))?;
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() < TIME_LIMIT => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "{} did not print within {} s",
                        browser.display(),
                        TIME_LIMIT.as_secs()
                    ));
                }
                Err(e) => return Err(format!("waiting for {}: {e}", browser.display())),
            }
        };
        let pdf = std::fs::read(&out).map_err(|_| {
            format!(
                "{} printed no PDF (it exited with {status})",
                browser.display()
            )
        })?;
        if !pdf.starts_with(b"%PDF-") {
            return Err(format!(
                "{} wrote something that is not a PDF",
                browser.display()
            ));
        }
        Ok(pdf)
    }
}

/// Runs `custody export`.
pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = args.store.open().await?;
        let key = args.store.key(&db).await?;
        let log = store::tlog::LogKey::load(&db, &key, None).await?;
        let bar = Progress::new("exporting");
        let made = exports::export(
            &db,
            &key,
            &log,
            Actor::Cli,
            exports::Scope::Incident(args.incident),
            &|done, total| bar.update(done, total),
            args.pdf.then_some(&pdf::print as &exports::PdfMaker),
        )
        .await?
        .with_context(|| format!("no incident {}", args.incident))?;
        bar.finish();
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?;
        for (name, bytes) in &made.files {
            let path = args.out.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            println!("{}  {} bytes", path.display(), bytes.len());
        }
        std::fs::write(
            args.out.join("server.pub"),
            format!("{}\n", key.public_key().to_hex()),
        )?;
        println!(
            "verify with: custody verify-report {} --trust {}",
            args.out.display(),
            args.out.join("server.pub").display()
        );
        db.close().await;
        Ok(())
    })
}

/// The files of an export at `path` (a directory or a tar archive), by name.
fn read_export(path: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    if path.is_dir() {
        for entry in
            std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))?
        {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // The key the exporter wrote beside its export is not part of it.
            if entry.file_type()?.is_file() && name != evidence::report::KEY_FILE {
                files.insert(name, std::fs::read(entry.path())?);
            }
        }
    } else {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        files = evidence::report::read_tar(&bytes).map_err(anyhow::Error::msg)?;
    }
    Ok(files)
}

/// Runs `custody verify-report`: exit 0 when the export is exactly what was signed.
pub fn verify_report(args: &VerifyReportArgs) -> Outcome {
    let run = || -> anyhow::Result<u8> {
        let keys = super::keys::read_trusted(&args.trust)?;
        let files = read_export(&args.path)?;
        match evidence::report::verify_export(&files, &keys) {
            Ok(manifest) => {
                println!("verified: {}", manifest.summary());
                for f in &manifest.files {
                    println!("  {}  {}", f.sha256, f.name);
                }
                let policy = match &args.witnesses {
                    Some(path) => Some(
                        evidence::tlog::WitnessPolicy::parse(
                            &std::fs::read_to_string(path)
                                .with_context(|| format!("reading {}", path.display()))?,
                        )
                        .with_context(|| format!("{} is not a witness policy", path.display()))?,
                    ),
                    None => None,
                };
                let anchoring =
                    evidence::tlog::ExportAnchoring::of(&files, &manifest, &keys, policy.as_ref());
                if matches!(anchoring, evidence::tlog::ExportAnchoring::Failed(_)) {
                    println!("NOT ANCHORED: {}", args.path.display());
                }
                for line in anchoring.lines() {
                    println!("{line}");
                }
                Ok(if anchoring.holds(policy.is_some()) {
                    0
                } else {
                    EXIT_CHANGED
                })
            }
            Err(problems) => {
                println!("NOT VERIFIED: {}", args.path.display());
                for p in problems {
                    println!("  {p}");
                }
                Ok(EXIT_CHANGED)
            }
        }
    };
    match run() {
        Ok(code) => Outcome::Code(code),
        Err(e) => Outcome::Failed(e),
    }
}
