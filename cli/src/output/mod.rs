//! Report renderers, one file per format.

pub mod human;
pub mod json;
