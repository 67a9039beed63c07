//! `cargo loco db seed`: the fixtures go through the API's own parse
//! functions and model calls, a list with subtasks among them.

use loco_rs::app::Hooks;
use todo_api::{
    app::App,
    models::{dates::Tz, lists, task_list::TaskFilter, tasks::Model},
};

use crate::support::with_app;

#[tokio::test]
async fn the_seed_holds_a_list_with_subtasks() {
    with_app(|_server, ctx| async move {
        App::seed(&ctx, std::path::Path::new("src/fixtures"))
            .await
            .expect("the seed");
        let owner = "demo-user";
        let lists = lists::index_for_user(&ctx.db, owner).await.expect("lists");
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].list.name, "Weekend trip");
        assert_eq!(lists[0].tasks, 6, "Pack, its 4 subtasks, the cabin");
        let all = Model::list_for_user(
            &ctx.db,
            owner,
            &TaskFilter::from_query(&[], Tz::UTC).expect("filter"),
        )
        .await
        .expect("tasks")
        .tasks;
        let id_of = |title: &str| all.iter().find(|t| t.title == title).map(|t| t.id);
        let parent_of = |title: &str| {
            all.iter()
                .find(|t| t.title == title)
                .and_then(|t| t.parent_id)
        };
        assert_eq!(parent_of("Trail mix"), id_of("Snacks"));
        assert_eq!(parent_of("Snacks"), id_of("Pack"));
        assert_eq!(parent_of("Pack"), None);
        assert_eq!(all.len(), 10);
    })
    .await;
}
