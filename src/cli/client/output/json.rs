//! JSON (one array, as the API answers) and NDJSON (one order per line).

use std::io::{self, Write};

use order_tracking_client::Order;

use super::sink::Sink;

pub struct JsonArray {
    out: Box<dyn Write>,
    written: u64,
}

impl JsonArray {
    pub fn new(out: Box<dyn Write>) -> Self {
        JsonArray { out, written: 0 }
    }
}

impl Sink for JsonArray {
    fn page(&mut self, orders: &[Order]) -> io::Result<()> {
        for order in orders {
            self.out.write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
            serde_json::to_writer(&mut self.out, order)?;
            self.written += 1;
        }
        self.out.flush()
    }

    fn finish(&mut self, _shown: u64, _total: Option<u64>) -> io::Result<()> {
        self.out.write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

pub struct Ndjson {
    out: Box<dyn Write>,
}

impl Ndjson {
    pub fn new(out: Box<dyn Write>) -> Self {
        Ndjson { out }
    }
}

impl Sink for Ndjson {
    fn page(&mut self, orders: &[Order]) -> io::Result<()> {
        for order in orders {
            serde_json::to_writer(&mut self.out, order)?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    fn finish(&mut self, _shown: u64, _total: Option<u64>) -> io::Result<()> {
        self.out.flush()
    }
}
