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
    let facts = cx.facts();
    let Some(first) = cx.index.first_with_identity(facts) else {
        return;
    };
    if first == cx.position {
        return;
    }
    let original = cx.index.entries[first].facts;
    let same_file = original.file == facts.file;
    // Folders are applied one at a time (`kubectl apply -f DIR`), and the same object copied
    // unchanged into two bundles of one folder (alternative install files) is harmless.
    if !same_file && (original.folder != facts.folder || original.digest == facts.digest) {
        return;
    }
    let Some(location) = cx.location(original.name_loc) else {
        return;
    };
    let at = location.start();
    let kind = cx.text(facts.kind);
    let name = facts.name().map_or("", |n| cx.text(n));
    let mut d = cx
        .diag_at(
            "/metadata/name",
            facts.name_loc,
            format!("{kind} `{name}` is defined twice"),
        )
        .with_help("remove one of the two definitions, or rename one of them")
        .with_note(format!(
            "first defined at {}:{}:{}",
            location.file(),
            at.line,
            at.column
        ));
    d.related.push(plimsoll_core::Related {
        message: format!("the first definition of {kind} `{name}`"),
        location: Some(location),
    });
    out.push(d);
}
