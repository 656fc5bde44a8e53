//! The macros of a rule file: `declare_rule!` turns its doc comment and metadata into its
//! [`RuleInfo`]; `no_options!` declares a rule without options.
//!
//! [`RuleInfo`]: crate::RuleInfo

/// Declares the `INFO` static of a rule module. The doc comment is kept twice: as rustdoc,
/// and as the text `plimsoll explain` prints and the docs pages are generated from.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        id: $id:literal,
        category: $category:ident,
        severity: $severity:ident,
        enabled: $enabled:literal $(,)?
    ) => {
        $(#[doc = $doc])+
        pub(crate) static INFO: $crate::info::RuleInfo = $crate::info::RuleInfo::new(
            $id,
            $crate::info::Category::$category,
            plimsoll_core::Severity::$severity,
            $enabled,
            concat!($($doc, "\n"),+),
        );
    };
}

/// Declares that a rule takes no options (any key is an error) and that `$check` is its
/// logic: the `Options` and `build` a rule module provides to the registry.
macro_rules! no_options {
    ($check:ident) => {
        pub(crate) type Options = $crate::rules::NoOptions;

        pub(crate) fn build(_: Options) -> Result<Box<dyn $crate::set::Check>, String> {
            Ok(Box::new($check))
        }
    };
}
