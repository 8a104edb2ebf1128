//! ward-exercise integration tests: the shipped scenarios, and whole runs with simulated players.

mod run;
mod scenarios;
mod sim;
