//! Prints `COUNT` generated orders as NDJSON on stdout (one order a line), the same orders for the
//! same `SEED` (default 1), for loading test data:
//!
//! ```sh
//! cargo run --release --example generate_orders -- 100000 7 | order-tracking admin import --customer ID -
//! ```

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use order_tracking::demo::generate::order_stream;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = args.first().and_then(|arg| arg.parse::<usize>().ok());
    let seed = args.get(1).map_or(Some(1), |arg| arg.parse::<u64>().ok());
    let (Some(count), Some(seed), 1..=2) = (count, seed, args.len()) else {
        eprintln!("usage: generate_orders COUNT [SEED]");
        return ExitCode::from(2);
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = order_stream(count, seed)
        .try_for_each(|order| serde_json::to_writer(&mut out, &order).map_err(std::io::Error::from).and_then(|()| out.write_all(b"\n")))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("generate_orders: {error}");
            ExitCode::FAILURE
        }
    }
}
