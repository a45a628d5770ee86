//! Fleet monitoring's pure logic: which time series a report feeds, how samples roll up, which
//! resolution a chart's range reads, and what a valid report looks like. No I/O here.

pub mod rollup;
pub mod series;
pub mod validate;
