//! `SeaORM` Entity: a user's list of tasks. Its serde form is what a
//! `list.*` event keeps of the list (`models::events`), its instants read
//! through `models::snapshot_time`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "task_lists")]
pub struct Model {
    #[serde(deserialize_with = "crate::models::snapshot_time::one")]
    pub created_at: DateTimeWithTimeZone,
    #[serde(deserialize_with = "crate::models::snapshot_time::one")]
    pub updated_at: DateTimeWithTimeZone,
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: String,
    pub name: String,
    /// The name lower-cased: unique per user.
    pub name_key: String,
    pub color: Option<String>,
    pub version: i32,
    /// A fractional-index key (`models::position`).
    pub position: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}
