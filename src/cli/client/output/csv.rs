//! CSV: a header of dotted paths (every scalar field of contract §5 outside arrays), then
//! `appointments` and `milestones` as JSON cells. An empty cell is a field the order lacks.

use std::io::{self, Write};

use order_tracking_client::Order;

use super::flat::{at, cell};
use super::sink::{Sink, selected, to_json};
use crate::domain::catalogue::{Container, FIELDS};

pub struct Csv {
    writer: csv::Writer<Box<dyn Write>>,
    columns: Vec<&'static str>,
    header_written: bool,
}

impl Csv {
    pub fn new(out: Box<dyn Write>, fields: &[String]) -> Self {
        let scalars = FIELDS.iter().filter(|field| field.container == Container::Order).map(|field| field.path);
        let columns = scalars.chain(["appointments", "milestones"]).filter(|path| selected(path, fields)).collect();
        Csv { writer: csv::Writer::from_writer(out), columns, header_written: false }
    }

    /// The same writer without the header row: for the pages after the first, written apart
    /// (the portal's export writes each page into a buffer of its own).
    pub fn rows_only(mut self) -> Self {
        self.header_written = true;
        self
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.writer.write_record(&self.columns)?;
            self.header_written = true;
        }
        Ok(())
    }
}

fn to_text<T: serde::Serialize>(items: &T) -> String {
    serde_json::to_string(items).expect("orders serialize")
}

impl Sink for Csv {
    fn page(&mut self, orders: &[Order]) -> io::Result<()> {
        self.header()?;
        for order in orders {
            let json = to_json(order);
            let record = self.columns.iter().map(|path| match *path {
                // From the typed order, so that members keep the API's order.
                "appointments" => order.appointments.as_ref().map(to_text).unwrap_or_default(),
                "milestones" => order.milestones.as_ref().map(to_text).unwrap_or_default(),
                path => at(&json, path).map(cell).unwrap_or_default(),
            });
            self.writer.write_record(record)?;
        }
        self.writer.flush()
    }

    fn finish(&mut self, _shown: u64, _total: Option<u64>) -> io::Result<()> {
        self.header()?;
        self.writer.flush()
    }
}
