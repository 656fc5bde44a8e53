//! The macro that turns a rule file's doc comment and metadata into its [`RuleInfo`].
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
