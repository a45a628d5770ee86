//! The rule engine's pure logic: what a reading means. Evaluation state, scopes and the engine
//! task that feeds it arrive with the rule engine itself (issue 4); these parts decide, and do no I/O.

pub mod disk_health;
pub mod forecast;
