//! The ground floor of plimsoll: sources, spans, the span-preserving YAML loader, objects and
//! diagnostics. Every other crate builds on these types; this crate does no I/O.
//!
//! Data flows one way. [`load::load_bytes`] takes the bytes of one file and gives a
//! [`load::LoadedFile`]: an `Arc<`[`Source`]`>` (the text and its line index), the
//! [`Object`]s found in it and the [`Diagnostic`]s of reading it. The YAML adapter
//! ([`yaml::parse_stream`]) is the only code that sees the parser's events: it resolves each
//! scalar the way Kubernetes does ([`yaml::resolve`]) into a `serde_json::Value`, and records
//! the span of every key and value in a [`yaml::SpanTree`] that mirrors the value, so that
//! any later stage turns a JSON pointer into a precise [`Location`] with
//! [`Object::locate`]. Positions are byte offsets; [`Source`] turns them into lines and
//! columns in the unit each front end needs.

pub mod diagnostic;
mod lines;
pub mod load;
pub mod object;
pub mod origin;
pub mod source;
pub mod text;
pub mod yaml;

pub use diagnostic::{
    Diagnostic, Location, ObjectRef, Related, Severity, compare_diagnostics, share_objects,
    sort_diagnostics,
};
pub use load::{
    Discovery, LoadOptions, LoadedFile, is_sensitive_name, json_type, load_bytes, load_text,
    too_large,
};
pub use object::Object;
pub use origin::{OriginTree, Provenance, Resolved};
pub use source::{LineCol, Source, Span};
