//! Base64 as DSSE allows it: the standard or the URL-safe alphabet, padded or not,
//! never a mix of the two alphabets and never with white space.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(false);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

/// Decodes `text` in whichever alphabet it is written; `None` when it is not base64.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let url_safe = text.bytes().any(|b| b == b'-' || b == b'_');
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    engine.decode(text).ok()
}

/// Encodes with the standard alphabet and padding, as producers should.
pub(crate) fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn both_alphabets_padded_or_not_decode_to_the_same_bytes() {
        let bytes = [0xfb_u8, 0xff, 0xbf, 0x00];
        for text in ["+/+/AA==", "+/+/AA", "-_-_AA==", "-_-_AA"] {
            assert_eq!(decode(text), Some(bytes.to_vec()), "{text}");
        }
    }

    #[test]
    fn mixed_alphabets_white_space_and_stray_bits_are_refused() {
        for text in [
            "+_+/AA==",
            " +/+/AA==",
            "+/+/\nAA==",
            "+/+/AB==",
            "+/+/A",
            "!!!!",
        ] {
            assert_eq!(decode(text), None, "{text:?}");
        }
    }
}
