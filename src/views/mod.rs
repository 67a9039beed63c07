pub mod events;
pub mod tags;
pub mod tasks;

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::errors::ApiError;

/// Bytes reserved per item of a [`JsonList`]: a task's JSON is 300 to 500
/// bytes with a short description.
const ITEM_BYTES: usize = 512;

/// A JSON array response written into a buffer sized for it up front.
/// axum's `Json` starts at 128 bytes and grows by copying, about eight
/// times for a page of 50 tasks.
pub struct JsonList<T>(pub Vec<T>);

impl<T: Serialize> IntoResponse for JsonList<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(2 + self.0.len() * ITEM_BYTES);
        if let Err(error) = serde_json::to_writer(&mut body, &self.0) {
            return ApiError::Internal(format!("the response cannot be written: {error}"))
                .into_response();
        }
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
