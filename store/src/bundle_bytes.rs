//! A bundle's bytes as stored: in parts, each compressed on its own (DEFLATE), so
//! that the database holds about a third of what was received, and any event's
//! payload is read by decompressing the one or two parts its base64 text stands
//! in. What is read back is the bytes exactly as received: the address (their
//! SHA-256) is computed from them again by re-verification.
//!
//! Bundles stored before migration 0012 keep their parts as received (1 MiB each,
//! `identity`); both are read the same way.

use std::io::{Read as _, Write as _};

use crate::{Db, StoreError};

/// How a stored part holds its bytes (`bundle_bytes.encoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// As received, 1 MiB a part.
    Identity,
    /// DEFLATE (RFC 1951), 256 KiB of the bytes received a part.
    Deflate,
}

impl Encoding {
    fn as_str(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Deflate => "deflate",
        }
    }

    fn parse(text: &str) -> Result<Encoding, StoreError> {
        match text {
            "identity" => Ok(Encoding::Identity),
            "deflate" => Ok(Encoding::Deflate),
            other => Err(StoreError::Corrupt {
                column: "bundle_bytes.encoding",
                value: other.chars().take(80).collect(),
            }),
        }
    }

    /// How many of the bytes received a part of this encoding holds (the last
    /// part of a bundle may hold fewer).
    fn part_size(self) -> usize {
        match self {
            Encoding::Identity => 1 << 20,
            Encoding::Deflate => 1 << 18,
        }
    }

    fn decode(self, stored: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        match self {
            Encoding::Identity => Ok(stored),
            Encoding::Deflate => {
                inflate(&stored, self.part_size()).map_err(|_| StoreError::Corrupt {
                    column: "bundle_bytes.bytes",
                    value: "a part that does not decompress".into(),
                })
            }
        }
    }
}

/// `bytes` compressed (DEFLATE at its default level: most of what it saves is the
/// base64 text's six bits a character and the JSON's repeated names; the fastest
/// level keeps 40% of the bytes instead of 29%).
pub(crate) fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut out = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::default(),
    );
    // Writing to a Vec does not fail.
    let _ = out.write_all(bytes);
    out.finish().unwrap_or_default()
}

/// `stored` decompressed, refused past `most` bytes: a part edited in the database
/// to decompress to gigabytes is an error, not an allocation.
pub(crate) fn inflate(stored: &[u8], most: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(most.min(stored.len().saturating_mul(4)));
    flate2::read::DeflateDecoder::new(stored)
        .take(u64::try_from(most).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut out)?;
    if out.len() > most {
        return Err(std::io::Error::other("decompresses past its size"));
    }
    Ok(out)
}

/// A bundle's bytes as the parts to store, compressed: run it on a blocking thread
/// (about a second and a half of one core for 70 MB).
pub(crate) fn parts(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .chunks(Encoding::Deflate.part_size())
        .map(deflate)
        .collect()
}

/// Stores `parts` (from [`parts`]) as bundle `sha256`'s bytes.
pub(crate) async fn write(
    conn: &mut sqlx::AnyConnection,
    sha256: &str,
    parts: Vec<Vec<u8>>,
) -> Result<(), StoreError> {
    for (part, bytes) in parts.into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO bundle_bytes (sha256, part, encoding, bytes) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256)
        .bind(i64::try_from(part).unwrap_or(i64::MAX))
        .bind(Encoding::Deflate.as_str())
        .bind(bytes)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every byte stored for `sha256`, as received; empty when none is.
pub(crate) async fn read_all(db: &Db, sha256: &str) -> Result<Vec<u8>, StoreError> {
    let parts: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT encoding, bytes FROM bundle_bytes WHERE sha256 = $1 ORDER BY part")
            .bind(sha256)
            .fetch_all(db.pool())
            .await?;
    let mut bytes = Vec::new();
    for (encoding, stored) in parts {
        bytes.extend_from_slice(&Encoding::parse(&encoding)?.decode(stored)?);
    }
    Ok(bytes)
}

/// Reads spans of one bundle's bytes, keeping the last part it decompressed: spans
/// read in the order they stand cost one decompression a part.
pub(crate) struct Spans<'a> {
    db: &'a Db,
    sha256: &'a str,
    encoding: Option<Encoding>,
    part: Option<(i64, Vec<u8>)>,
}

impl<'a> Spans<'a> {
    pub(crate) fn new(db: &'a Db, sha256: &'a str) -> Self {
        Spans {
            db,
            sha256,
            encoding: None,
            part: None,
        }
    }

    pub(crate) fn db(&self) -> &'a Db {
        self.db
    }

    pub(crate) fn sha256(&self) -> &'a str {
        self.sha256
    }

    /// The `len` bytes received from offset `at`; `None` when fewer are stored.
    pub(crate) async fn read(&mut self, at: i64, len: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let encoding = match self.encoding {
            Some(e) => e,
            None => {
                let first: Option<(String,)> = sqlx::query_as(
                    "SELECT encoding FROM bundle_bytes WHERE sha256 = $1 AND part = 0",
                )
                .bind(self.sha256)
                .fetch_optional(self.db.pool())
                .await?;
                let Some((e,)) = first else {
                    return Ok(None);
                };
                *self.encoding.insert(Encoding::parse(&e)?)
            }
        };
        let size = i64::try_from(encoding.part_size()).unwrap_or(i64::MAX);
        let (Ok(wanted), true) = (usize::try_from(len), at >= 0) else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(wanted);
        let (mut at, end) = (at, at.saturating_add(len));
        while at < end {
            let (part, offset) = (at / size, at % size);
            if self.part.as_ref().is_none_or(|(n, _)| *n != part) {
                let stored: Option<(Vec<u8>,)> = sqlx::query_as(
                    "SELECT bytes FROM bundle_bytes WHERE sha256 = $1 AND part = $2",
                )
                .bind(self.sha256)
                .bind(part)
                .fetch_optional(self.db.pool())
                .await?;
                let Some((stored,)) = stored else {
                    return Ok(None);
                };
                self.part = Some((part, encoding.decode(stored)?));
            }
            let Some((_, bytes)) = &self.part else {
                return Ok(None);
            };
            let from = usize::try_from(offset).unwrap_or(usize::MAX);
            let take = usize::try_from((end - at).min(size - offset)).unwrap_or(usize::MAX);
            let Some(piece) = bytes.get(from..from.saturating_add(take).min(bytes.len())) else {
                return Ok(None);
            };
            if piece.is_empty() {
                return Ok(None);
            }
            out.extend_from_slice(piece);
            at += i64::try_from(piece.len()).unwrap_or(i64::MAX);
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_decompress_to_the_bytes_received() {
        let bytes: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{{\"n\":{i}}}").into_bytes())
            .collect();
        let parts = parts(&bytes);
        assert_eq!(parts.len(), bytes.len().div_ceil(1 << 18));
        let mut back = Vec::new();
        for part in parts {
            back.extend(Encoding::Deflate.decode(part).expect("decompresses"));
        }
        assert_eq!(back, bytes);
    }

    #[test]
    fn a_damaged_part_is_named_corrupt() {
        let err = Encoding::Deflate
            .decode(vec![0xff; 64])
            .expect_err("refused");
        assert!(matches!(
            err,
            StoreError::Corrupt {
                column: "bundle_bytes.bytes",
                ..
            }
        ));
        assert!(Encoding::parse("gzip").is_err());
        // A part that decompresses to more than a part holds is refused.
        let bomb = deflate(&vec![0u8; (1 << 18) + 1]);
        assert!(Encoding::Deflate.decode(bomb).is_err());
    }
}
