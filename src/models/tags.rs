//! Tags: a task's labels, their normalisation, and the user's tag index
//! (rename and delete across every task).
//!
//! A tag is trimmed and lower-cased (Unicode lower case), then 1 to 40
//! characters with no control characters; a task has at most 20, duplicates
//! collapse, and they are kept sorted by code point. Tags live twice, written
//! in one transaction: as rows of `task_tags` (what filters and the index
//! read) and joined in `tasks.tags` (what a task's response shows, without a
//! second query).

use std::collections::BTreeSet;

use sea_orm::{
    entity::prelude::*, sea_query::Expr, ActiveValue, ExprTrait, FromQueryResult, QuerySelect,
};

use super::{
    _entities::{
        task_tags,
        tasks::{self, Column},
    },
    clock,
    errors::{DomainError, DomainResult},
    events::EventKind,
    feed::{Begin, UnitOfWork, Wakeups},
};

pub const TAG_MAX_CHARS: usize = 40;
pub const MAX_TAGS_PER_TASK: usize = 20;
/// What joins a task's tags in `tasks.tags` (a tag has no control
/// character, so it cannot hold one).
const SEPARATOR: char = '\n';

/// One tag, normalised.
///
/// # Errors
/// The message for the field that holds it.
pub fn parse_tag(raw: &str) -> Result<String, String> {
    let tag = raw.trim().to_lowercase();
    if tag.chars().any(char::is_control) {
        return Err("must not contain control characters".to_string());
    }
    let chars = tag.chars().count();
    if chars == 0 || chars > TAG_MAX_CHARS {
        return Err(format!(
            "must be 1 to {TAG_MAX_CHARS} characters after trimming"
        ));
    }
    Ok(tag)
}

/// A task's tags: each normalised, duplicates collapsed, sorted by code
/// point, at most 20.
///
/// # Errors
/// The message for the `tags` field.
pub fn parse_tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut tags = BTreeSet::new();
    for (i, tag) in raw.into_iter().enumerate() {
        tags.insert(parse_tag(tag).map_err(|message| format!("[{i}] {message}"))?);
        if tags.len() > MAX_TAGS_PER_TASK {
            return Err(format!("must hold at most {MAX_TAGS_PER_TASK} tags"));
        }
    }
    Ok(tags.into_iter().collect())
}

/// The stored form of a task's tags.
#[must_use]
pub fn joined(tags: &[String]) -> String {
    let mut text = String::new();
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            text.push(SEPARATOR);
        }
        text.push_str(tag);
    }
    text
}

impl tasks::Model {
    /// The task's tags, sorted.
    #[must_use]
    pub fn tags(&self) -> Vec<String> {
        if self.tags.is_empty() {
            Vec::new()
        } else {
            self.tags.split(SEPARATOR).map(str::to_string).collect()
        }
    }
}

/// Makes `tags` the task's tag rows (the caller writes `tasks.tags`).
///
/// # Errors
/// On a database failure.
pub async fn replace_rows<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    task_id: i64,
    tags: &[String],
) -> DomainResult<()> {
    task_tags::Entity::delete_many()
        .filter(task_tags::Column::TaskId.eq(task_id))
        .exec(db)
        .await?;
    insert_rows(db, owner_id, task_id, tags).await
}

/// The tag rows of a task that has none yet.
///
/// # Errors
/// On a database failure.
pub async fn insert_rows<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    task_id: i64,
    tags: &[String],
) -> DomainResult<()> {
    if !tags.is_empty() {
        task_tags::Entity::insert_many(tags.iter().map(|name| task_tags::ActiveModel {
            task_id: ActiveValue::Set(task_id),
            name: ActiveValue::Set(name.clone()),
            user_id: ActiveValue::Set(owner_id.to_string()),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// One of the user's tags, with how many tasks carry it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TagCount {
    pub name: String,
    /// Tasks that carry it.
    pub tasks: i64,
    /// Of those, the ones not completed.
    pub pending: i64,
}

fn counts_query(owner_id: &str) -> sea_orm::Select<task_tags::Entity> {
    task_tags::Entity::find()
        .select_only()
        .column(task_tags::Column::Name)
        .column_as(
            Expr::col((task_tags::Entity, task_tags::Column::TaskId)).count(),
            "tasks",
        )
        .column_as(
            Expr::cust("SUM(CASE WHEN tasks.completed THEN 0 ELSE 1 END)"),
            "pending",
        )
        .join(
            sea_orm::JoinType::InnerJoin,
            task_tags::Entity::belongs_to(tasks::Entity)
                .from(task_tags::Column::TaskId)
                .to(Column::Id)
                .into(),
        )
        .filter(task_tags::Column::UserId.eq(owner_id))
        .group_by(task_tags::Column::Name)
}

/// The user's tags with their counts, sorted by name (code point).
///
/// # Errors
/// On a database failure.
pub async fn index_for_user<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
) -> DomainResult<Vec<TagCount>> {
    let mut tags = counts_query(owner_id)
        .into_model::<TagCount>()
        .all(db)
        .await?;
    // Sorted here, not in SQL: PostgreSQL's text order follows its
    // collation, and responses promise code point order on both databases.
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tags)
}

/// One tag of the user with its counts, or `None` when no task carries it.
async fn count_one<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    name: &str,
) -> DomainResult<Option<TagCount>> {
    Ok(counts_query(owner_id)
        .filter(task_tags::Column::Name.eq(name))
        .into_model::<TagCount>()
        .one(db)
        .await?)
}

/// The ids of the user's tasks that carry `name`.
async fn carriers<C: ConnectionTrait>(
    db: &C,
    owner_id: &str,
    name: &str,
) -> DomainResult<Vec<i64>> {
    Ok(task_tags::Entity::find()
        .select_only()
        .column(task_tags::Column::TaskId)
        .filter(task_tags::Column::UserId.eq(owner_id))
        .filter(task_tags::Column::Name.eq(name))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// Rewrites `tasks.tags` of the given tasks from their rows (read in one
/// query), moves their `updated_at` and `version` (so their ETags change),
/// and records each change in the feed.
async fn refresh_tasks(work: &mut UnitOfWork, owner_id: &str, ids: &[i64]) -> DomainResult<()> {
    let now = clock::now();
    let rows: Vec<(i64, String)> = task_tags::Entity::find()
        .select_only()
        .column(task_tags::Column::TaskId)
        .column(task_tags::Column::Name)
        .filter(task_tags::Column::UserId.eq(owner_id))
        .filter(task_tags::Column::TaskId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(work.db())
        .await?;
    let mut names_of: std::collections::BTreeMap<i64, Vec<String>> =
        ids.iter().map(|id| (*id, Vec::new())).collect();
    for (task_id, name) in rows {
        names_of.entry(task_id).or_default().push(name);
    }
    for (id, mut names) in names_of {
        names.sort();
        let updated = tasks::Entity::update_many()
            .col_expr(Column::Tags, Expr::value(joined(&names)))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::UserId.eq(owner_id))
            .filter(Column::Id.eq(id))
            .exec_with_returning(work.db())
            .await?;
        for task in &updated {
            work.record(owner_id, EventKind::Updated, task.id, Some(task))
                .await?;
        }
    }
    Ok(())
}

/// Renames the user's tag `from` to `to` on every task that carries it
/// (merging where a task has both), in one transaction; returns the tag
/// under its new name.
///
/// # Errors
/// `NotFound` when no task carries `from`; `Invalid` for a new name that
/// is not a tag; a database failure.
pub async fn rename_for_user<C: Begin>(
    db: &C,
    wakeups: &Wakeups,
    owner_id: &str,
    from: &str,
    to: &str,
) -> DomainResult<TagCount> {
    let from = parse_tag(from).map_err(|_| DomainError::NotFound)?;
    let to = parse_tag(to).map_err(|message| DomainError::invalid("name", message))?;
    let mut work = UnitOfWork::begin(db).await?;
    let ids = carriers(work.db(), owner_id, &from).await?;
    if ids.is_empty() {
        return Err(DomainError::NotFound);
    }
    if from != to {
        let already = carriers(work.db(), owner_id, &to).await?;
        task_tags::Entity::delete_many()
            .filter(task_tags::Column::UserId.eq(owner_id))
            .filter(task_tags::Column::Name.eq(from.as_str()))
            .filter(task_tags::Column::TaskId.is_in(already))
            .exec(work.db())
            .await?;
        task_tags::Entity::update_many()
            .col_expr(task_tags::Column::Name, Expr::value(to.as_str()))
            .filter(task_tags::Column::UserId.eq(owner_id))
            .filter(task_tags::Column::Name.eq(from.as_str()))
            .exec(work.db())
            .await?;
        refresh_tasks(&mut work, owner_id, &ids).await?;
    }
    let renamed = count_one(work.db(), owner_id, &to)
        .await?
        .ok_or(DomainError::NotFound)?;
    work.commit(wakeups).await?;
    Ok(renamed)
}

/// Removes the user's tag `name` from every task that carries it, in one
/// transaction.
///
/// # Errors
/// `NotFound` when no task carries it; a database failure.
pub async fn delete_for_user<C: Begin>(
    db: &C,
    wakeups: &Wakeups,
    owner_id: &str,
    name: &str,
) -> DomainResult<()> {
    let name = parse_tag(name).map_err(|_| DomainError::NotFound)?;
    let mut work = UnitOfWork::begin(db).await?;
    let ids = carriers(work.db(), owner_id, &name).await?;
    if ids.is_empty() {
        return Err(DomainError::NotFound);
    }
    task_tags::Entity::delete_many()
        .filter(task_tags::Column::UserId.eq(owner_id))
        .filter(task_tags::Column::Name.eq(name.as_str()))
        .exec(work.db())
        .await?;
    refresh_tasks(&mut work, owner_id, &ids).await?;
    work.commit(wakeups).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised() {
        let (forty, forty_one) = ("x".repeat(40), "x".repeat(41));
        // (case, input, accepted as, or a part of the refusal)
        type Case<'a> = (&'a str, Vec<&'a str>, Result<Vec<&'a str>, &'a str>);
        let cases: Vec<Case> = vec![
            (
                "trim and lower case",
                vec!["  Work ", "HOME"],
                Ok(vec!["home", "work"]),
            ),
            (
                "Unicode lower case",
                vec!["ÉTÉ", "Straße"],
                Ok(vec!["straße", "été"]),
            ),
            ("duplicates collapse", vec!["a", "A", " a "], Ok(vec!["a"])),
            (
                "sorted by code point",
                vec!["b", "Z", "a"],
                Ok(vec!["a", "b", "z"]),
            ),
            ("none", vec![], Ok(vec![])),
            (
                "40 characters",
                vec![forty.as_str()],
                Ok(vec![forty.as_str()]),
            ),
            ("41 characters", vec![forty_one.as_str()], Err("1 to 40")),
            ("blank", vec!["   "], Err("1 to 40")),
            (
                "control character",
                vec!["a\u{7}b"],
                Err("control characters"),
            ),
            ("newline inside", vec!["a\nb"], Err("control characters")),
        ];
        for (case, input, expected) in cases {
            let got = parse_tags(input.iter().copied());
            match expected {
                Ok(tags) => assert_eq!(got.expect(case), tags, "case {case}"),
                Err(part) => assert!(got.expect_err(case).contains(part), "case {case}"),
            }
        }
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(many.iter().map(String::as_str))
            .expect_err("21 tags")
            .contains("at most 20"));
        let twenty_with_repeats: Vec<String> = (0..40).map(|i| format!("t{}", i % 20)).collect();
        assert_eq!(
            parse_tags(twenty_with_repeats.iter().map(String::as_str))
                .expect("20 distinct")
                .len(),
            20
        );
    }

    #[test]
    fn stored_form_round_trips() {
        let tags = vec!["home".to_string(), "two words".to_string()];
        assert_eq!(joined(&tags), "home\ntwo words");
    }
}
