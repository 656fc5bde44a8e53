use std::sync::Arc;

use crate::index::folder;
use crate::rules::*;

declare_rule! {
    /// The same object is defined twice in the run.
    ///
    /// ## What it does
    /// Flags an object whose API group, kind, namespace and `metadata.name` are those of an
    /// earlier object in the same file, or in another file of the same folder when the two
    /// definitions differ; the note says where the first one is. Files in different folders
    /// are not compared (overlays and examples repeat names on purpose, and a folder is what
    /// `kubectl apply -f DIR` applies), nor are identical copies in two files of a folder.
    /// Objects named only by `generateName` are skipped.
    ///
    /// ## Why is this bad?
    /// When applied, the second definition silently replaces the first (`kubectl apply`), or
    /// the apply fails (`kubectl create`, Helm, Argo CD report a conflict). Either way one of
    /// the two is not what runs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: fast
    /// ---
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: safe
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: safe
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Object names and IDs](https://kubernetes.io/docs/concepts/overview/working-with-objects/names/)
    id: "duplicate-object",
    category: Metadata,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(first) = cx.index.first_with_identity(cx.object) else {
        return;
    };
    if first == cx.position {
        return;
    }
    let original = cx.index.entries[first].object;
    let same_file = Arc::ptr_eq(&original.source, &cx.object.source);
    // Folders are applied one at a time (`kubectl apply -f DIR`), and the same object copied
    // unchanged into two bundles of one folder (alternative install files) is harmless.
    if !same_file && (folder(original) != folder(cx.object) || original.value == cx.object.value) {
        return;
    }
    let location = original.locate("/metadata/name", false);
    let at = location.start();
    let mut d = cx
        .diag(
            "/metadata/name",
            format!(
                "{} `{}` is defined twice",
                cx.object.kind(),
                cx.object.name().unwrap_or("")
            ),
        )
        .with_help("remove one of the two definitions, or rename one of them")
        .with_note(format!(
            "first defined at {}:{}:{}",
            location.file(),
            at.line,
            at.column
        ));
    d.related.push(plimsoll_core::Related {
        message: format!(
            "the first definition of {} `{}`",
            cx.object.kind(),
            cx.object.name().unwrap_or("")
        ),
        location: Some(location),
    });
    out.push(d);
}
