use loco_rs::cli;
use migration::Migrator;
use todo_api::app::App;

#[tokio::main]
async fn main() {
    // One readable message, not a debug dump, when start-up is refused.
    if let Err(error) = cli::main::<App, Migrator>().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
