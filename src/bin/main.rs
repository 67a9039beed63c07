use loco_rs::cli;
use migration::Migrator;
use todo_api::app::App;

// Requests allocate many small, short-lived objects (JSON, rows, headers);
// mimalloc serves them with less contention and fragmentation than glibc's
// malloc, which a profile under load showed among the largest costs
// (docs/benchmark.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    // One readable message, not a debug dump, when start-up is refused.
    if let Err(error) = cli::main::<App, Migrator>().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
