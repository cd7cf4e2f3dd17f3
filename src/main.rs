//! The `order-tracking` binary: parse the command line and run the command.

use std::process::ExitCode;

use clap::Parser;

// Requests allocate many small buffers from two threads; mimalloc serves them faster than the
// system allocator (docs/performance.md, step 4). Its `override` feature (Cargo.toml) gives it
// SQLite's and zstd's allocations as well (step 26).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = order_tracking::cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(order_tracking::cli::run(cli))
}
