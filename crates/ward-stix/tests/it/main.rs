//! ward-stix integration tests: property tests of the pattern parser and object validation.

mod pattern_props;
