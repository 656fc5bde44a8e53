//! Helm charts, the parts that need no `helm` process: finding charts and their
//! dependencies ([`chart`]), the renders to make and the `helm template` command line of
//! each ([`render`]), reading helm's errors ([`errors`]), and tracing a rendered document back
//! to the template line that wrote each value ([`template`]) and to the values key that set
//! it ([`values`]).
//!
//! The engine runs `helm` and loads its output; this crate tells it what to run and, for each
//! rendered document, gives a [`template::Traced`] tree of template lines that the engine turns
//! into an origin tree (`plimsoll_core::OriginTree`), so that every finding on a rendered
//! object is located in the chart's own files.

pub mod chart;
pub mod errors;
pub mod render;
pub mod template;
pub mod values;
