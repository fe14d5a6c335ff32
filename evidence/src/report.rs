//! Verifiable exports: a manifest naming the SHA-256 of every file of an export and
//! of every source bundle, in a DSSE envelope signed by the exporting server's key.
//! [`verify_export`] proves, from the files and a trusted key alone, that nothing in
//! an export was changed, added or removed, and names the file when something was.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dsse;
use crate::keys::PublicKey;

/// The `payloadType` of a signed export manifest.
pub const MANIFEST_TYPE: &str = "application/vnd.custody.export-manifest+json";
/// The name of the signed manifest inside an export.
pub const MANIFEST_FILE: &str = "manifest.dsse.json";
/// The name of the exporting server's public key, which an export's archive carries
/// beside its files as a convenience. It is never part of the export: the manifest
/// does not list it and [`verify_export`] passes over it, because trust comes only
/// from the keys the verifier is given (a key shipped with the files proves nothing).
pub const KEY_FILE: &str = "server.pub";

/// One file of an export.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Its name in the export (no directories).
    pub name: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What an export holds and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifest {
    /// `custody.export.v1`.
    pub format: String,
    /// What was exported, for people (`incident 4`, say).
    pub scope: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// Who exported it (an account name).
    pub exported_by: String,
    /// The export's files.
    pub files: Vec<ManifestFile>,
    /// SHA-256 of every source bundle, hex.
    pub bundles: Vec<String>,
}

impl Manifest {
    /// What was exported, by whom and when, for people: `incident 4 (5 files, 2
    /// source bundles), exported T by U`.
    pub fn summary(&self) -> String {
        format!(
            "{} ({} files, {} source bundles), exported {} by {}",
            self.scope,
            self.files.len(),
            self.bundles.len(),
            self.created_at,
            self.exported_by
        )
    }

    /// A manifest over `files` (name and bytes), from `bundles`.
    pub fn over(
        scope: &str,
        created_at: &str,
        exported_by: &str,
        files: &[(&str, &[u8])],
        bundles: Vec<String>,
    ) -> Manifest {
        Manifest {
            format: "custody.export.v1".into(),
            scope: scope.into(),
            created_at: created_at.into(),
            exported_by: exported_by.into(),
            files: files
                .iter()
                .map(|(name, bytes)| ManifestFile {
                    name: (*name).to_owned(),
                    sha256: hex::encode(Sha256::digest(bytes)),
                    size: bytes.len() as u64,
                })
                .collect(),
            bundles,
        }
    }

    /// The manifest signed by `signer`: the DSSE envelope, as JSON text.
    pub fn sign(&self, signer: &crate::producer::Signer) -> String {
        let payload = serde_json::to_vec(self).unwrap_or_default();
        signer.envelope_json(MANIFEST_TYPE, &payload)
    }
}

/// Why an export does not verify; the text names the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExportProblem {
    /// There is no signed manifest.
    #[error("{MANIFEST_FILE} is missing")]
    NoManifest,
    /// The manifest's signature does not hold with any trusted key.
    #[error("{MANIFEST_FILE}: its signature does not verify with the trusted key ({0})")]
    Signature(String),
    /// The signed payload is not a manifest.
    #[error("{MANIFEST_FILE}: the signed payload is not an export manifest ({0})")]
    NotAManifest(String),
    /// A file named by the manifest is missing.
    #[error("{0}: missing (the manifest lists it)")]
    Missing(String),
    /// A file's bytes differ from what the manifest signed.
    #[error("{0}: changed (its SHA-256 is not the one the manifest signed)")]
    Changed(String),
    /// A file is in the export but not in the manifest.
    #[error("{0}: not in the manifest (added after the export was signed)")]
    Extra(String),
}

/// Verifies an export given as its files (name → bytes) against `trusted` keys: the
/// manifest's signature, then every file against its signed SHA-256, and that no
/// file is there that the manifest does not list. Every problem is returned.
pub fn verify_export(
    files: &BTreeMap<String, Vec<u8>>,
    trusted: &[PublicKey],
) -> Result<Manifest, Vec<ExportProblem>> {
    let Some(envelope) = files.get(MANIFEST_FILE) else {
        return Err(vec![ExportProblem::NoManifest]);
    };
    let mut last = String::from("no trusted key given");
    let verified = trusted
        .iter()
        .find_map(|key| match dsse::verify(envelope, Some(key)) {
            Ok(v) => Some(v),
            Err(reason) => {
                last = reason.code().to_owned();
                None
            }
        });
    let Some(verified) = verified else {
        return Err(vec![ExportProblem::Signature(last)]);
    };
    if verified.payload_type() != MANIFEST_TYPE {
        return Err(vec![ExportProblem::NotAManifest(format!(
            "payloadType {}",
            verified.payload_type()
        ))]);
    }
    let manifest: Manifest = serde_json::from_slice(verified.payload())
        .map_err(|e| vec![ExportProblem::NotAManifest(e.to_string())])?;
    let mut problems = Vec::new();
    for file in &manifest.files {
        match files.get(&file.name) {
            None => problems.push(ExportProblem::Missing(file.name.clone())),
            Some(bytes) if hex::encode(Sha256::digest(bytes)) != file.sha256 => {
                problems.push(ExportProblem::Changed(file.name.clone()))
            }
            Some(_) => {}
        }
    }
    for name in files.keys() {
        let beside = name == MANIFEST_FILE || name == KEY_FILE;
        if !beside && !manifest.files.iter().any(|f| &f.name == name) {
            problems.push(ExportProblem::Extra(name.clone()));
        }
    }
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(problems)
    }
}

/// The files of an `export.tar` (ustar, as the server writes it: regular files, no
/// directories), by name. Anything else in it (a link, a directory, an extended
/// header) is refused, naming it: an export is flat.
pub fn read_tar(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut files = BTreeMap::new();
    let mut at = 0usize;
    loop {
        let Some(header) = bytes.get(at..at + 512) else {
            return Err("not a tar archive: it ends inside a header".into());
        };
        if header.iter().all(|b| *b == 0) {
            return Ok(files);
        }
        let field = |from: usize, to: usize| header.get(from..to).unwrap_or_default();
        let text = |from: usize, to: usize| {
            let raw = field(from, to);
            let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
            String::from_utf8_lossy(raw.get(..end).unwrap_or_default()).into_owned()
        };
        let sum: u32 = header
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(*b)
                }
            })
            .sum();
        let stated = u32::from_str_radix(text(148, 156).trim(), 8)
            .map_err(|_| "not a tar archive: a header's checksum does not read".to_owned())?;
        if stated != sum {
            return Err("a damaged tar archive: a header's checksum does not match".into());
        }
        let mut name = text(0, 100);
        let prefix = text(345, 500);
        if !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        let size = usize::from_str_radix(text(124, 136).trim(), 8)
            .map_err(|_| format!("{name}: its size does not read"))?;
        match field(156, 157) {
            [b'0'] | [0] => {}
            _ => return Err(format!("{name}: not a regular file (an export is flat)")),
        }
        let start = at + 512;
        let data = bytes
            .get(start..start.saturating_add(size))
            .ok_or_else(|| format!("{name}: cut short"))?;
        files.insert(name, data.to_vec());
        at = start + size.div_ceil(512) * 512;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::producer::Signer;

    fn tar_of(files: &[(&str, &[u8], u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data, kind) in files {
            let mut header = [0u8; 512];
            header[..name.len()].copy_from_slice(name.as_bytes());
            header[100..107].copy_from_slice(b"0000644");
            let size = format!("{:011o}", data.len());
            header[124..135].copy_from_slice(size.as_bytes());
            header[156] = *kind;
            header[257..263].copy_from_slice(b"ustar\0");
            header[148..156].copy_from_slice(b"        ");
            let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
            header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
            out.extend_from_slice(&header);
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    #[test]
    fn a_flat_tar_reads_and_anything_else_is_named() {
        let tar = tar_of(&[
            ("the-events.csv", b"a,b\n", b'0'),
            ("the-review.json", &[7; 700], b'0'),
        ]);
        let files = read_tar(&tar).unwrap();
        assert_eq!(files["the-events.csv"], b"a,b\n");
        assert_eq!(files["the-review.json"], vec![7; 700]);
        let linked = tar_of(&[("evil", b"", b'2')]);
        assert_eq!(
            read_tar(&linked),
            Err("evil: not a regular file (an export is flat)".into())
        );
        let mut damaged = tar.clone();
        damaged[3] ^= 1;
        assert!(read_tar(&damaged).unwrap_err().contains("checksum"));
        assert_eq!(
            read_tar(&tar[..1600]),
            Err("the-review.json: cut short".into())
        );
    }

    fn export() -> (BTreeMap<String, Vec<u8>>, PublicKey) {
        let signer = Signer::from_seed([5; 32]);
        let files: [(&str, &[u8]); 2] = [
            ("the-events.csv", b"a,b\n1,2\n"),
            ("the-review.json", b"{}"),
        ];
        let manifest = Manifest::over(
            "incident 1",
            "2026-11-23T00:00:00Z",
            "ana",
            &files,
            vec!["ab".repeat(32)],
        );
        let mut out: BTreeMap<String, Vec<u8>> = files
            .iter()
            .map(|(n, b)| ((*n).to_owned(), b.to_vec()))
            .collect();
        out.insert(MANIFEST_FILE.into(), manifest.sign(&signer).into_bytes());
        (out, signer.public_key())
    }

    #[test]
    fn an_untouched_export_verifies() {
        let (files, key) = export();
        let manifest = verify_export(&files, &[key]).expect("verifies");
        assert_eq!(manifest.files.len(), 2);
        assert_eq!(manifest.exported_by, "ana");
    }

    #[test]
    fn the_key_beside_the_files_is_passed_over_and_never_trusted() {
        let (mut files, key) = export();
        let other = Signer::from_seed([6; 32]).public_key();
        files.insert(
            KEY_FILE.into(),
            format!("{}\n", other.to_hex()).into_bytes(),
        );
        assert!(verify_export(&files, &[key]).is_ok());
        assert!(matches!(
            verify_export(&files, &[other])
                .expect_err("untrusted")
                .first(),
            Some(ExportProblem::Signature(_))
        ));
    }

    #[test]
    fn each_change_is_named() {
        let (mut files, key) = export();
        if let Some(csv) = files.get_mut("the-events.csv") {
            csv[0] ^= 1;
        }
        files.remove("the-review.json");
        files.insert("an-extra.txt".into(), b"x".to_vec());
        let problems = verify_export(&files, &[key]).expect_err("changed");
        assert!(problems.contains(&ExportProblem::Changed("the-events.csv".into())));
        assert!(problems.contains(&ExportProblem::Missing("the-review.json".into())));
        assert!(problems.contains(&ExportProblem::Extra("an-extra.txt".into())));
    }

    #[test]
    fn another_key_or_an_edited_manifest_fails() {
        let (mut files, _) = export();
        let other = Signer::from_seed([6; 32]).public_key();
        assert!(matches!(
            verify_export(&files, &[other])
                .expect_err("untrusted")
                .first(),
            Some(ExportProblem::Signature(_))
        ));
        let (_, key) = export();
        if let Some(m) = files.get_mut(MANIFEST_FILE) {
            let text = String::from_utf8_lossy(m).replace("\"payload\":\"", "\"payload\":\"e");
            *m = text.into_bytes();
        }
        assert!(verify_export(&files, &[key]).is_err());
        assert_eq!(
            verify_export(&BTreeMap::new(), &[]).expect_err("empty"),
            vec![ExportProblem::NoManifest]
        );
    }
}
