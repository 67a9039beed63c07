pub mod events;
pub mod lists;
pub mod tags;
pub mod tasks;

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};

/// Bytes reserved per item of a [`JsonList`]: a task's JSON is 300 to 500
/// bytes with a short description.
const ITEM_BYTES: usize = 512;

/// A response value that writes its own JSON: field names go out as
/// literal bytes, where serde_json would escape each name of each item
/// again, a large share of a list request (`docs/benchmark.md`). Where a
/// type also derives `Serialize`, its tests hold both to the same bytes.
pub trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>);

    /// The JSON as text.
    fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(ITEM_BYTES);
        self.write_json(&mut out);
        // Every writer writes UTF-8: literal ASCII, serde_json's strings,
        // and text kept as a `String`.
        String::from_utf8(out).unwrap_or_default()
    }
}

/// A JSON string, escaped as serde_json escapes it.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    // Writing into a `Vec` cannot fail.
    let _ = serde_json::to_writer(out, text);
}

/// A JSON string or `null`.
pub(crate) fn write_opt_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => write_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON number.
pub(crate) fn write_i64(out: &mut Vec<u8>, number: i64) {
    let _ = serde_json::to_writer(out, &number);
}

/// A JSON number or `null`.
pub(crate) fn write_opt_i64(out: &mut Vec<u8>, number: Option<i64>) {
    match number {
        Some(number) => write_i64(out, number),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON array response written into a buffer sized for it up front.
/// axum's `Json` starts at 128 bytes and grows by copying, about eight
/// times for a page of 50 tasks.
pub struct JsonList<T>(pub Vec<T>);

impl<T: WriteJson> IntoResponse for JsonList<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(2 + self.0.len() * ITEM_BYTES);
        body.push(b'[');
        for (at, item) in self.0.iter().enumerate() {
            if at > 0 {
                body.push(b',');
            }
            item.write_json(&mut body);
        }
        body.push(b']');
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    }
}
